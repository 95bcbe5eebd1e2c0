"""How likely each stance is to be right, from a small model trained on labelled real pages.

The stance rules choose each label; the score they give it did not say how likely the label
is to be right: on the realval pages, which no rule or model was fitted to, a right quote
stance was less likely than a wrong one to carry the higher rule score. Researchers filter the
stance tables by ``confidence`` and the digest picks a body's quote by it, so this component
replaces every quote's and actor's ``confidence`` with the probability a logistic model gives
that the label is right.

The model reads only the rules' reading: the label, the rules' own score, how many cues and
statements decided it, how long the quote is, the speaker's kind and whether it makes the
policy. It never changes a label. ``make train`` fits it (bench/train_confidence.py) on the
labelled real pages we may tune on and writes ``nlp/data/stance_confidence.json``; the weights
ship in the package, and applying them is one dot product, so no model library is needed at
run time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import DataFileError
from ..registry import KINDS, Registry, read_data_file
from . import extension
from ._data import pipeline_registry, read_component_data, write_component_data

__all__ = ["ConfidenceModel", "StanceConfidence", "actor_features", "quote_features"]

VERSION = "pcnwatch.confidence.v1"
MODEL_FILE = "stance_confidence.json"
LABELS = ("support", "oppose", "mixed", "neutral")
# Kinds of speaker, plus "none" for a quote no body is given for.
SPEAKER_KINDS = (*sorted(KINDS), "none")
# The model's output is kept inside these bounds: a few hundred labelled stances cannot
# vouch for certainty either way.
FLOOR, CEILING = 0.05, 0.95


def _speaker(actor_id: str | None, registry: Registry) -> tuple[str, bool]:
    """The speaker's kind and whether it makes the policy; ("none", False) when unknown."""
    if not actor_id or not registry.is_known(actor_id):
        return "none", False
    return registry.get(actor_id).kind, registry.is_policy_maker(actor_id)


def _reading(stance: str, confidence: float, cues: int, kind: str,
             policy_maker: bool) -> dict[str, float]:
    """The features a quote and an actor stance share."""
    features = {f"label={label}": float(stance == label) for label in LABELS}
    features.update({
        "rule_score": float(confidence),
        "cues": min(cues, 8) / 8,
        "no_cue": float(cues == 0),
        "policy_maker": float(policy_maker),
    })
    features.update({f"kind={k}": float(kind == k) for k in SPEAKER_KINDS})
    # A policy maker's label means something else: its "neutral" is the contract's default
    # for a body explaining its own policy, its "support" needs praise.
    features.update({f"policy_maker*label={label}": float(policy_maker and stance == label)
                     for label in LABELS})
    return features


def quote_features(quote: dict[str, Any], registry: Registry) -> dict[str, float]:
    """What the model reads of one quote: the rules' label and score, and its speaker."""
    kind, maker = _speaker(quote.get("actor_id"), registry)
    features = _reading(quote.get("stance") or "neutral", quote.get("confidence") or 0.0,
                        len(quote.get("cues") or ()), kind, maker)
    features["words"] = min(len((quote.get("text") or "").split()), 200) / 200
    return features


def actor_features(stance: dict[str, Any], quotes: Iterable[dict[str, Any]],
                   registry: Registry) -> dict[str, float]:
    """What the model reads of one actor's stance: the rules' reading, how much evidence it
    rests on and how the actor's own quotes were labelled."""
    actor_id = stance.get("actor_id")
    kind, maker = _speaker(actor_id, registry)
    features = _reading(stance.get("stance") or "neutral", stance.get("confidence") or 0.0,
                        len(stance.get("cues") or ()), kind, maker)
    features["evidence"] = min(len(stance.get("evidence") or ()), 3) / 3
    own = Counter(q.get("stance") for q in quotes if q.get("actor_id") == actor_id)
    features.update({f"quotes={label}": min(own[label], 5) / 5 for label in LABELS})
    features["quotes"] = min(sum(own.values()), 5) / 5
    return features


class ConfidenceModel:
    """Two logistic models (``quote`` and ``actor``): named weights and an intercept each."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        try:
            self.models = {what: (dict(data[what]["weights"]), float(data[what]["intercept"]))
                           for what in ("quote", "actor")}
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                f"{MODEL_FILE}: needs 'quote' and 'actor', each with 'weights' and "
                f"'intercept' ({exc!r}); run make train to write it") from None

    def check(self, what: str, features: dict[str, float]) -> None:
        """The model and the feature code must name the same features."""
        weights = self.models[what][0]
        if set(weights) != set(features):
            raise DataFileError(
                f"{MODEL_FILE}: the {what} model's features differ from the code's "
                f"(missing {sorted(set(features) - set(weights))}, unknown "
                f"{sorted(set(weights) - set(features))}); run make train again")

    def probability(self, what: str, features: dict[str, float]) -> float:
        weights, intercept = self.models[what]
        z = intercept + sum(weights[name] * value for name, value in features.items())
        p = 1.0 / (1.0 + math.exp(-z))
        return round(min(max(p, FLOOR), CEILING), 3)


def load_confidence_model(path: str | None = None) -> dict[str, Any]:
    """The packaged model (or the file at ``path``) as parsed JSON."""
    return read_data_file(MODEL_FILE, path, what="stance-confidence model")


class StanceConfidence:
    """Sets ``confidence`` on doc._.pcnwatch_quotes and doc._.pcnwatch_stances."""

    def __init__(self, nlp: Language, name: str, *, model_path: str | None = None) -> None:
        self.name = name
        self.nlp = nlp
        self.set_data(load_confidence_model(model_path))

    def set_data(self, data: dict[str, Any]) -> None:
        self.model = ConfidenceModel(data)
        self._checked = False

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        self.set_data(data if data is not None else load_confidence_model())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.model.data, {})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> StanceConfidence:
        data, _ = read_component_data(path)
        self.set_data(data)
        return self

    def __call__(self, doc: Doc) -> Doc:
        registry = pipeline_registry(self.nlp)
        # A pipeline built without the stance component has no stances to weigh.
        quotes = extension(doc, "pcnwatch_quotes") or []
        if not self._checked:
            # Checked once, on an empty reading, so a mismatch fails on the first article.
            self.model.check("quote", quote_features({}, registry))
            self.model.check("actor", actor_features({}, [], registry))
            self._checked = True
        for quote in quotes:
            if "stance" in quote:
                quote["confidence"] = self.model.probability(
                    "quote", quote_features(quote, registry))
        for stance in extension(doc, "pcnwatch_stances") or []:
            stance["confidence"] = self.model.probability(
                "actor", actor_features(stance, quotes, registry))
        return doc


@Language.factory(
    "pcnwatch_confidence",
    assigns=["doc._.pcnwatch_quotes", "doc._.pcnwatch_stances"],
    requires=["doc._.pcnwatch_quotes", "doc._.pcnwatch_stances"],
    default_config={"model_path": None},
)
def make_confidence(nlp: Language, name: str, *, model_path: str | None) -> StanceConfidence:
    return StanceConfidence(nlp, name, model_path=model_path)
