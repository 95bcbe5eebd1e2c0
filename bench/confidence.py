"""Whether a stance's ``confidence`` says how likely it is to be right.

Researchers filter the stance tables; a confidence that rose with accuracy would let them
keep the surer half. This counts, in three bands of confidence, how many of the stances
found match the gold: actor stances by body, quote stances over the quotes score.py
matches (the same pairing as its figures), and gives the ranking figure: the chance that a
right stance has the higher confidence than a wrong one. A stance the analysis does not
give, or gives without a confidence, is in no band, so the bands can add up to fewer than
score.py counts.

The bands are fixed, not fitted to any score. Confidence is the probability that the label
is right (nlp/components/confidence.py): below 0.5 more likely wrong than right, 0.75 and
up right three times in four if the probability holds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.intervals import load_scorer

BANDS = ((0.0, 0.5), (0.5, 0.75), (0.75, 1.01))


def _band_name(lo: float, hi: float) -> str:
    if lo == 0.0:
        return f"<{hi:.2f}"
    if hi > 1.0:
        return f">={lo:.2f}"
    return f"{lo:.2f}-{hi:.2f}"


@dataclass
class Reliability:
    """Right and total per band, for one kind of stance."""

    what: str
    right: list[int] = field(default_factory=lambda: [0] * len(BANDS))
    total: list[int] = field(default_factory=lambda: [0] * len(BANDS))
    scored: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, confidence: float | None, is_right: bool) -> None:
        if confidence is None:
            return
        self.scored.append((confidence, is_right))
        for n, (lo, hi) in enumerate(BANDS):
            if lo <= confidence < hi:
                self.total[n] += 1
                self.right[n] += is_right
                return

    def line(self) -> str:
        cells = []
        for (lo, hi), right, total in zip(BANDS, self.right, self.total, strict=True):
            share = f" ({right / total:.2f})" if total else ""
            cells.append(f"{_band_name(lo, hi)} {right}/{total}{share}")
        rank = ranking(self.scored)
        ranks = f"; ranking {rank:.2f}" if rank is not None else ""
        return f"{self.what} right by confidence: " + ", ".join(cells) + ranks


def judged(gold: Path, pred: Path) -> Iterator[tuple[str, dict, dict, bool]]:
    """Each stance the analysis gives that the gold can judge: ("actor" or "quote", the
    stance as given, the whole analysis of its article, whether its label is right).

    Actor stances are paired by body; quote stances over the quotes score.py matches, with
    its own pairing (each gold quote takes the first unused quote it matches). A stance for a
    body the gold gives none is not judged: the gold does not say it is wrong.
    """
    scorer = load_scorer()
    root = scorer.root
    found = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    for article in scorer.read_jsonl(gold):
        said = found.get(article["id"]) or {}
        stances = {root(s.get("actor_id")): s for s in said.get("stances") or []}
        for actor_id, label in (article.get("stances") or {}).items():
            stance = stances.get(root(actor_id))
            if stance:
                yield "actor", stance, said, stance.get("stance") == label
        for want, quote in paired_quotes(scorer, article, said):
            yield "quote", quote, said, quote.get("stance") == want["stance"]


def paired_quotes(scorer: Any, article: dict, said: dict) -> Iterator[tuple[dict, dict]]:
    """(labelled quote, quote given) for each labelled quote score.py matches: quotes of five
    words or more, each labelled one taking the first unused quote it matches."""
    candidates = [q for q in said.get("quotes") or []
                  if len((q.get("text") or "").split()) >= 5]
    used: set[int] = set()
    for want in article.get("quotes") or []:
        hit = next((n for n, q in enumerate(candidates)
                    if n not in used and scorer.quote_match(want, q)), None)
        if hit is None:
            continue
        used.add(hit)
        yield want, candidates[hit]


@dataclass
class Unlabelled:
    """Actor stances the analysis gives where the labels give none: a body the labels list
    only as acting or named ("a body only reported acting gets no stance"), or not at all.
    score.py never counts them, so its figures cannot show them; a researcher reading the
    stance table meets them all the same."""

    given: int = 0
    by_label: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.by_label.values())

    def line(self) -> str:
        if not self.given:
            return "actor stances the labels do not give: none given"
        labels = ", ".join(f"{label} {n}" for label, n in sorted(self.by_label.items()))
        return (f"actor stances the labels do not give: {self.count} of {self.given} given "
                f"({self.count / self.given:.2f})" + (f": {labels}" if labels else ""))


def unlabelled(gold: Path, pred: Path) -> Unlabelled:
    """Count the actor stances given for bodies the gold gives no stance (by root, as
    score.py pairs them)."""
    scorer = load_scorer()
    root = scorer.root
    found = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    counts = Unlabelled()
    for article in scorer.read_jsonl(gold):
        labelled = {root(a) for a in (article.get("stances") or {})}
        for stance in (found.get(article["id"]) or {}).get("stances") or []:
            counts.given += 1
            if root(stance.get("actor_id")) not in labelled:
                label = stance.get("stance") or "none"
                counts.by_label[label] = counts.by_label.get(label, 0) + 1
    return counts


def ranking(scored: list[tuple[float, bool]]) -> float | None:
    """The chance that a right stance carries a higher confidence than a wrong one (ties
    count half): 0.5 is a confidence that says nothing, 1.0 one that parts them exactly.
    None when there is no right or no wrong stance to compare."""
    right = sorted(c for c, ok in scored if ok)
    wrong = sorted(c for c, ok in scored if not ok)
    if not right or not wrong:
        return None
    wins = 0.0
    for c in right:
        below = bisect.bisect_left(wrong, c)
        wins += below + (bisect.bisect_right(wrong, c) - below) / 2
    return wins / (len(right) * len(wrong))


def reliability(gold: Path, pred: Path) -> tuple[Reliability, Reliability]:
    """Actor stances and quote stances, each counted right or wrong per confidence band."""
    counts = {"actor": Reliability("actor stances"), "quote": Reliability("quote stances")}
    for what, stance, _, right in judged(gold, pred):
        counts[what].add(stance.get("confidence"), right)
    return counts["actor"], counts["quote"]
