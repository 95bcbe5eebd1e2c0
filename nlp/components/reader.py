"""A second reading of each quotation's stance, by a word model trained on labelled real pages.

The stance rules read a quotation through cue lists; real speakers take sides in words no list
holds ("the final nail in the coffin", "on the brink of meltdown", "a strait jacket"), and a
policy maker's praise of its own plan is often plain ("will undoubtedly bring improvements").
On the labelled real pages the rules' quote stance reached a macro-F1 of about 0.54; a
multinomial logistic model over the quotation's words plus the rules' own label did better both
in cross-validation on the pages it was fitted to and on realval, which it never saw (see
``bench/train_reader.py``).

The model reads only the quotation: the set of its lower-cased words, the label the rules gave
it and whether its speaker makes the policy (contract section 4 holds a policy maker to a
different standard). Its label replaces the rules' label, and the content words that weighed
most for that label are kept as a cue ("stance model: brink, meltdown"), so a researcher sees
why. ``make train`` fits it and writes
``nlp/data/stance_reader.json``; the weights ship in the package and applying them is a sum
over the words present, so no model library is needed at run time.
"""

from __future__ import annotations

import math
import re
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from ..errors import DataFileError
from ..registry import read_data_file

__all__ = ["StanceReader", "load_stance_reader", "reader_features", "words_of"]

MODEL_FILE = "stance_reader.json"
LABELS = ("support", "oppose", "neutral", "mixed")
# Words as scikit-learn's CountVectorizer splits them by default, apostrophes kept inside.
_WORD = re.compile(r"\b\w[\w']*\b")
# How many words a model cue names.
CUE_WORDS = 3


def words_of(text: str) -> set[str]:
    """The distinct lower-cased words of a text."""
    return set(_WORD.findall(text.lower()))


def reader_features(text: str, rule_stance: str, policy_maker: bool) -> dict[str, float]:
    """What the model reads of one quotation; words outside its vocabulary are ignored."""
    features = {f"word={w}": 1.0 for w in words_of(text)}
    features.update({f"rule={label}": float(rule_stance == label) for label in LABELS})
    features["policy_maker"] = float(policy_maker)
    # A policy maker's "neutral" is the contract's default for explaining its own policy.
    features["policy_maker*rule=neutral"] = float(policy_maker and rule_stance == "neutral")
    return features


class StanceReader:
    """One weight per feature and label, and an intercept per label."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        try:
            self.labels = tuple(data["labels"])
            self.intercepts = [float(v) for v in data["intercepts"]]
            self.weights = {name: [float(v) for v in row]
                            for name, row in data["weights"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                f"{MODEL_FILE}: needs 'labels', 'intercepts' and 'weights' ({exc!r}); run "
                "make train to write it") from None
        if set(self.labels) != set(LABELS) or len(self.intercepts) != len(self.labels) or any(
                len(row) != len(self.labels) for row in self.weights.values()):
            raise DataFileError(f"{MODEL_FILE}: every row needs one weight per label "
                                f"({', '.join(LABELS)}); run make train again")

    def read(self, text: str, rule_stance: str, policy_maker: bool
             ) -> tuple[str, float, list[str]]:
        """The label, its probability and the words that weighed most for it."""
        features = reader_features(text, rule_stance, policy_maker)
        known = [(name, value) for name, value in features.items()
                 if value and name in self.weights]
        scores = list(self.intercepts)
        for name, value in known:
            for k, weight in enumerate(self.weights[name]):
                scores[k] += weight * value
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        best = max(range(len(scores)), key=lambda k: (scores[k], -k))
        probability = exp[best] / sum(exp)
        # A word counts for the label by how much more it weighs there than on average. The
        # cue names content words only: "we", "not" and "will" weigh (a policy maker's "we
        # will", a negation) but tell a reader nothing on their own.
        lift = [(self.weights[name][best] - sum(self.weights[name]) / len(self.labels), name)
                for name, _ in known
                if name.startswith("word=") and name[5:] not in STOP_WORDS
                and not name[5].isdigit()]
        words = [name[5:] for gain, name in sorted(lift, key=lambda x: (-x[0], x[1]))
                 if gain > 0][:CUE_WORDS]
        return self.labels[best], round(probability, 3), words


def load_stance_reader(path: str | None = None) -> dict[str, Any]:
    """The packaged model (or the file at ``path``) as parsed JSON."""
    return read_data_file(MODEL_FILE, path, what="quotation stance model")
