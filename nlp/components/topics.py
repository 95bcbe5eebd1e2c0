"""Topics of an article (contract section 6), from term lists in nlp/data/topics.toml."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("pcnwatch_topics"):
    Doc.set_extension("pcnwatch_topics", default=None)


class TopicTagger:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.pcnwatch_topics = []
        return doc


@Language.factory(
    "pcnwatch_topics",
    assigns=["doc._.pcnwatch_topics"],
    requires=[],
    default_config={},
)
def make_topics(nlp: Language, name: str) -> TopicTagger:
    return TopicTagger(nlp, name)
