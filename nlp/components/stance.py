"""Stance of each quote and each actor toward the national policy for general practice.

Labels follow contract section 4: support / oppose / mixed / neutral.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


def _ensure_extensions() -> None:
    # Upstream components own these, but registering defaults here lets the
    # component run (and be tested) in a pipeline that lacks them.
    for name in ("pcnwatch_quotes", "pcnwatch_reported", "pcnwatch_people"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Doc.has_extension("pcnwatch_published"):
        Doc.set_extension("pcnwatch_published", default=None)
    if not Doc.has_extension("pcnwatch_stances"):
        Doc.set_extension("pcnwatch_stances", default=None)


_ensure_extensions()


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
