"""Exceptions of the analysis layer, each named for the condition it reports.

All derive from :class:`NlpError`, a ``ValueError``, so ``cli.py`` can turn any of
them into one line on stderr.
"""

from __future__ import annotations


class NlpError(ValueError):
    """Base of every error raised by ``nlp``."""


class UnknownActor(NlpError):
    """An actor id that is neither in the registry nor of a known family."""


class BadDate(NlpError):
    """A ``published`` value that is not ``YYYY-MM-DD``."""


class BadRecord(NlpError):
    """An input record that cannot be analysed (no text, not an object …)."""


class TextTooLong(BadRecord):
    """A text longer than the analysis limit (``max_chars``)."""


class NotPlainText(BadRecord):
    """A text that is HTML markup rather than the article body."""


class NotEnglish(BadRecord):
    """A text that does not read as English, so the English model cannot analyse it."""


class DataFileError(NlpError):
    """A data file under ``nlp/data`` that is missing or malformed."""
