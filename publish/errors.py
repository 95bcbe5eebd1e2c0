"""Exceptions of the publish layer, each named for what went wrong and saying how to fix it.

All are `ValueError`s under `PublishError`, so the command line prints them as one line.
"""


class PublishError(ValueError):
    """Base of every publish error."""


class UnknownActor(PublishError):
    """An actor id that neither the database nor the registry knows."""


class UnknownTopic(PublishError):
    """A topic slug that is neither a contract topic nor found in any article."""


class UnknownStance(PublishError):
    """A stance other than support, oppose, mixed or neutral."""


class BadWeek(PublishError):
    """A week that is not an ISO week written YYYY-Www."""


class BadFilter(PublishError):
    """A filter that does not apply to what is asked for (e.g. --stance on events)."""


class OutputRequired(PublishError):
    """A binary format (parquet) asked for without --output."""


class MailError(PublishError):
    """The SMTP server cannot be reached or stopped answering; nothing more was sent."""


class MailConfigError(PublishError):
    """The SMTP settings in the environment are missing or malformed."""


class UnknownSubscriber(PublishError):
    """An e-mail address that is not subscribed."""


class ServeError(PublishError):
    """`pcnwatch serve` cannot serve this database (Datasette reads SQLite only)."""


class BadSubscriber(PublishError):
    """A subscriber address that is not an RFC 5322 address, or a name with control
    characters (which could forge mail headers)."""
