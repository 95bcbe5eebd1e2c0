"""Topics of an article (contract section 6), from weighted term lists in nlp/data/topics.toml.

Each term found adds its weight to its topic; a topic needs `min_score` of evidence, so one
passing mention of "pension" does not make an article about pensions. Topics are listed
strongest first.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ._data import read_component_data, write_component_data
from .stance import CuePhrases

__all__ = ["TopicTagger", "load_topics"]

if not Doc.has_extension("pcnwatch_topics"):
    Doc.set_extension("pcnwatch_topics", default=None)


def load_topics(path: str | None = None) -> dict[str, Any]:
    """Read the topic term lists (the packaged file unless `path` is given)."""
    if path is None:
        data = resources.files("nlp.data").joinpath("topics.toml").read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


class TopicTagger:
    """Sets doc._.pcnwatch_topics: topic slugs whose terms reach the evidence threshold."""

    def __init__(self, nlp: Language, name: str, *, min_score: float | None = None,
                 max_topics: int | None = None, topics_path: str | None = None) -> None:
        self.name = name
        self._tokenizer = nlp.tokenizer
        self._options = {"min_score": min_score, "max_topics": max_topics}
        self.set_data(load_topics(topics_path))

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        """Load the term lists: ``data`` if given, else the packaged file."""
        self.set_data(data if data is not None else load_topics())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.data, self._options)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TopicTagger:
        data, self._options = read_component_data(path)
        self.set_data(data)
        return self

    def set_data(self, data: dict[str, Any]) -> None:
        """Compile a parsed topics file (see nlp/data/topics.toml)."""
        self.data = data
        settings = data["settings"]
        min_score, max_topics = self._options["min_score"], self._options["max_topics"]
        self.min_score = float(settings["min_score"] if min_score is None else min_score)
        self.max_topics = int(settings["max_topics"] if max_topics is None else max_topics)
        table: dict[str, tuple[str, float]] = {}
        for slug, spec in data["topics"].items():
            for term, weight in spec["terms"].items():
                # A term listed under two topics counts for the first; keep the lists apart.
                table.setdefault(term, (slug, float(weight)))
        self.terms = CuePhrases(self._tokenizer, table)

    def scores(self, doc: Doc) -> dict[str, float]:
        """Evidence per topic: the summed weights of its terms found in the Doc."""
        totals: dict[str, float] = defaultdict(float)
        for match in self.terms.find(CuePhrases.forms(doc)):
            slug, weight = match.value
            totals[slug] += weight
        return dict(totals)

    def __call__(self, doc: Doc) -> Doc:
        scores = self.scores(doc)
        kept = sorted(
            (slug for slug, score in scores.items() if score >= self.min_score),
            key=lambda slug: (-scores[slug], slug),
        )
        doc._.pcnwatch_topics = kept[: self.max_topics]
        return doc


@Language.factory(
    "pcnwatch_topics",
    assigns=["doc._.pcnwatch_topics"],
    requires=["token.lemma"],
    default_config={"min_score": None, "max_topics": None, "topics_path": None},
)
def make_topics(nlp: Language, name: str, *, min_score: float | None, max_topics: int | None,
                topics_path: str | None) -> TopicTagger:
    return TopicTagger(nlp, name, min_score=min_score, max_topics=max_topics,
                       topics_path=topics_path)
