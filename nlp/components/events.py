"""Policy events (contract section 5): who changed what practices must do, and when."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("pcnwatch_events"):
    Doc.set_extension("pcnwatch_events", default=None)


class EventExtractor:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.pcnwatch_events = []
        return doc


@Language.factory(
    "pcnwatch_events",
    assigns=["doc._.pcnwatch_events"],
    requires=["doc.sents", "doc.spans"],
    default_config={},
)
def make_events(nlp: Language, name: str) -> EventExtractor:
    return EventExtractor(nlp, name)
