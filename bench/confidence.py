"""Whether a stance's ``confidence`` says how likely it is to be right.

Researchers filter the stance tables; a confidence that rose with accuracy would let them
keep the surer half. This counts, in three bands of confidence, how many of the stances
found match the gold: actor stances by body, quote stances over the quotes score.py
matches (the same pairing as its figures). A stance the analysis does not give, or gives
without a confidence, is in no band, so the bands can add up to fewer than score.py counts.

The bands are fixed, not fitted to any score: the stance rules give confidences from 0.5
to 0.97; below 0.65 are mostly neutral readings, 0.8 and up the strongly worded ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.intervals import load_scorer

BANDS = ((0.0, 0.65), (0.65, 0.8), (0.8, 1.01))


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

    def add(self, confidence: float | None, is_right: bool) -> None:
        if confidence is None:
            return
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
        return f"{self.what} right by confidence: " + ", ".join(cells)


def reliability(gold: Path, pred: Path) -> tuple[Reliability, Reliability]:
    """Actor stances and quote stances, each counted right or wrong per confidence band."""
    scorer = load_scorer()
    root = scorer.root
    found = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    actors, quotes = Reliability("actor stances"), Reliability("quote stances")
    for article in scorer.read_jsonl(gold):
        said = found.get(article["id"]) or {}
        stances = {root(s.get("actor_id")): s for s in said.get("stances") or []}
        for actor_id, label in (article.get("stances") or {}).items():
            stance = stances.get(root(actor_id))
            if stance:
                actors.add(stance.get("confidence"), stance.get("stance") == label)
        # score.py's own pairing: each gold quote takes the first unused quote it matches.
        candidates = [q for q in said.get("quotes") or []
                      if len((q.get("text") or "").split()) >= 5]
        used: set[int] = set()
        for want in article.get("quotes") or []:
            hit = next((n for n, q in enumerate(candidates)
                        if n not in used and scorer.quote_match(want, q)), None)
            if hit is None:
                continue
            used.add(hit)
            quote = candidates[hit]
            quotes.add(quote.get("confidence"), quote.get("stance") == want["stance"])
    return actors, quotes
