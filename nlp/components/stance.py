"""Stance of each quote and each actor toward the national policy for general practice.

Labels follow contract section 4: support / oppose / mixed / neutral.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


# The quotes component owns pcnwatch_quotes/pcnwatch_reported; this module
# registers only what it sets itself and reads the others defensively.
if not Doc.has_extension("pcnwatch_stances"):
    Doc.set_extension("pcnwatch_stances", default=None)


class StanceTagger:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.pcnwatch_stances = []
        return doc


@Language.factory(
    "pcnwatch_stance",
    assigns=["doc._.pcnwatch_quotes", "doc._.pcnwatch_stances"],
    requires=["doc.sents", "doc._.pcnwatch_quotes", "doc._.pcnwatch_reported"],
    default_config={},
)
def make_stance(nlp: Language, name: str) -> StanceTagger:
    return StanceTagger(nlp, name)
