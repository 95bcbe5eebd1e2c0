"""Connecting to the database and bringing its schema up to date.

One URL names the database: the `url` argument, else `DATABASE_URL`, else a
SQLite file `pcnwatch.db` in the working directory. The schema is made only by
the Alembic migrations in `store/migrations/`, applied on first connection in
each process, so every command starts on a current schema.

Errors of the database never show SQL or its parameters (a parameter may be a
subscriber's unsubscribe token): engines hide parameters, and `error_line` makes
any database error one line for people to read. Connecting gives up after
PCNWATCH_DB_CONNECT_TIMEOUT seconds, so a server that never answers is an error,
not a hang.
"""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session

from store.errors import BadDatabaseURL, SchemaError

log = logging.getLogger(__name__)


class Setting(NamedTuple):
    name: str
    default: Any
    help: str


# Every environment setting of the store, declared once with its default.
SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "sqlite:///pcnwatch.db",
            "SQLAlchemy URL of the database (sqlite:///FILE or postgresql://user@host/db)"),
    Setting("PCNWATCH_DB_CONNECT_TIMEOUT", 5.0,
            "seconds to wait for a database server to answer a new connection "
            "(PostgreSQL; a connect_timeout in the URL wins)"),
    Setting("PCNWATCH_CLAIM_LEASE_SECONDS", 60.0,
            "a `process` worker's claim on its batch of articles lasts this long after its "
            "last renewal (it renews every third of it); the batch of a worker that died "
            "goes to another worker once it runs out"),
)
DEFAULT_URL = SETTINGS[0].default
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant will do; it only has to be the same in every pcnwatch process.
_PG_MIGRATION_LOCK = 7_305_201_9
_PG_WRITE_LOCK = 7_305_201_4

_engines: dict[str, Engine] = {}


def database_url(url: str | None = None) -> str:
    """The URL to use, with `postgresql://` steered to the psycopg 3 driver we install."""
    url = (url or os.environ.get("DATABASE_URL") or DEFAULT_URL).strip()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redact(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def connect_timeout() -> float:
    """Seconds to wait for a database server to answer (PCNWATCH_DB_CONNECT_TIMEOUT)."""
    text = os.environ.get("PCNWATCH_DB_CONNECT_TIMEOUT") or str(SETTINGS[1].default)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise BadDatabaseURL(f"PCNWATCH_DB_CONNECT_TIMEOUT={text!r} is not a number of "
                             "seconds above 0; set it to e.g. 5")
    return seconds


def error_line(exc: BaseException) -> str:
    """One line saying what the database said, without the SQL or its parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    lines = [line for line in text.splitlines()
             if line.strip() and not line.startswith(("[SQL", "[parameters", "(Background"))]
    return lines[0].strip() if lines else type(orig or exc).__name__


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The engine for `url` (cached per process), its schema migrated to the newest version."""
    url = database_url(url)
    if url in _engines:
        return _engines[url]
    connect_args: dict[str, Any] = {}
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            # libpq's own timeout: a port that never answers is an error, not a hang.
            connect_args["connect_timeout"] = max(1, round(connect_timeout()))
        engine = sa.create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True,
                                  connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError) as exc:
        shown = url if redact(url) == "<unparseable URL>" else redact(url)
        raise BadDatabaseURL(f"DATABASE_URL {shown!r} is not a database URL SQLAlchemy "
                             f"understands ({exc}); use e.g. sqlite:///pcnwatch.db") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        # OperationalError (no server, no file), DatabaseError (not a database) and the rest.
        raise BadDatabaseURL(f"cannot connect to {redact(url)}: {error_line(exc)}"
                             ) from None
    if migrate:
        upgrade(engine)
    _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every cached engine (tests, and forked worker processes)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the scheduler read while a crawl writes; SQLite leaves foreign keys off unless asked.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("store") / "migrations"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock file beside a SQLite database while its schema is checked and migrated.

    Two processes opening a new database together (the scheduler and a command, say) would
    both find no schema and both create the tables; SQLite has no advisory lock of its own,
    so the file system gives one. Other databases, and in-memory SQLite, need none here.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> str:
    """Apply every migration not yet applied; safe to call from many processes at once."""
    if current_revision(engine) == head_revision():
        return head_revision()
    with _sqlite_migration_lock(engine):
        if current_revision(engine) == head_revision():  # another process just did it
            return head_revision()
        return _upgrade(engine)


def _upgrade(engine: Engine) -> str:
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Two processes starting together would both try to create the tables.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                             {"k": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.SQLAlchemyError as exc:
        raise SchemaError(f"could not migrate {redact(str(engine.url))}: {error_line(exc)}"
                          ) from exc
    log.info("database %s migrated to %s", redact(str(engine.url)), head_revision())
    return head_revision()


def serialise_writes(session: Session, *, wait_seconds: float = 60.0) -> None:
    """Make the session's transaction the one writer of articles and what hangs on them
    (actors, people, stories, pages, analysis rows) until it ends.

    Crawl processes and analysis workers on several hosts would otherwise race to insert
    the same new actor, person, text or page, and one of them would fail on a unique key.
    PostgreSQL: a transaction-level advisory lock, let go at commit or rollback, and by the
    server when the connection dies. A process stopped half-way (SIGSTOP, a frozen host)
    must not stop the others for ever: the server ends a transaction that waits
    `wait_seconds` between two statements, and this one gives up (OperationalError, lock
    timeout) when it waits that long for the lock or a row. SQLite already takes one
    writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        millis = max(1000, round(wait_seconds * 1000))
        session.exec(sa.text(f"SET LOCAL idle_in_transaction_session_timeout = {millis}"))
        session.exec(sa.text(f"SET LOCAL lock_timeout = {millis}"))
        session.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_WRITE_LOCK))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
