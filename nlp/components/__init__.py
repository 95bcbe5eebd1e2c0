"""pcnwatch spaCy components; importing a module registers its factory.

``doc._.pcnwatch_published`` is shared by every component, so it is registered here,
once. It reads and writes a ``datetime.date`` but keeps the ISO string in the Doc's
user data, because Docs coming back from ``nlp.pipe(n_process>1)`` are serialised with
msgpack, which has no date type.
"""

from __future__ import annotations

from datetime import date

from spacy.tokens import Doc

_PUBLISHED_KEY = "pcnwatch_published_iso"


def _get_published(doc: Doc) -> date | None:
    value = doc.user_data.get(_PUBLISHED_KEY)
    return date.fromisoformat(value) if value else None


def _set_published(doc: Doc, value: date | None) -> None:
    doc.user_data[_PUBLISHED_KEY] = value.isoformat() if value else None


if not Doc.has_extension("pcnwatch_published"):
    Doc.set_extension("pcnwatch_published", getter=_get_published, setter=_set_published)
