"""Exceptions of the store, each named for what went wrong and saying how to fix it."""


class StoreError(ValueError):
    """Base of every store error; the command line prints it as one line."""


class BadDatabaseURL(StoreError):
    """DATABASE_URL is not a URL SQLAlchemy can use, or the server cannot be reached."""


class SchemaError(StoreError):
    """The database schema could not be brought to the current version."""


class BadQuery(StoreError):
    """A search or filter the store cannot run (empty search text, unknown filter)."""


class JobLocked(StoreError):
    """Another live process runs this job on this database now (see store/locks.py)."""


class DatabaseUnavailable(StoreError):
    """The database answered with an error: read-only, not a database, gone away."""


class SnapshotError(StoreError):
    """A SQLite snapshot cannot be written where it was asked for."""


class BadSetting(StoreError):
    """An environment setting of the store that cannot be used (PCNWATCH_CLAIM_LEASE_SECONDS)."""
