"""pcnwatch spaCy components; importing a module registers its factory.

``doc._.pcnwatch_published`` is shared by every component, so it is registered here,
once. It reads and writes a ``datetime.date`` but keeps the ISO string in the Doc's
user data, because Docs coming back from ``nlp.pipe(n_process>1)`` are serialised with
msgpack, which has no date type.

``doc._.pcnwatch_date`` is the date the components read an article against (relative dates,
offices held): the published date, else the date the page states at its top. It is worked
out once per Doc and kept in its user data the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spacy.tokens import Doc

from ..dates import article_date

_PUBLISHED_KEY = "pcnwatch_published_iso"
_DATE_KEY = "pcnwatch_date_iso"


def _get_published(doc: Doc) -> date | None:
    value = doc.user_data.get(_PUBLISHED_KEY)
    return date.fromisoformat(value) if value else None


def _set_published(doc: Doc, value: date | None) -> None:
    doc.user_data[_PUBLISHED_KEY] = value.isoformat() if value else None
    doc.user_data.pop(_DATE_KEY, None)


def _get_date(doc: Doc) -> date | None:
    if _DATE_KEY not in doc.user_data:
        found = article_date(_get_published(doc), doc.text)
        doc.user_data[_DATE_KEY] = found.isoformat() if found else None
    value = doc.user_data[_DATE_KEY]
    return date.fromisoformat(value) if value else None


def extension(doc: Doc, name: str) -> Any:
    """The value of ``doc._.<name>``, or None when no component of this pipeline registered
    the extension (a pipeline built without it)."""
    return getattr(doc._, name) if Doc.has_extension(name) else None


if not Doc.has_extension("pcnwatch_published"):
    Doc.set_extension("pcnwatch_published", getter=_get_published, setter=_set_published)
if not Doc.has_extension("pcnwatch_date"):
    Doc.set_extension("pcnwatch_date", getter=_get_date)
