"""The article-extraction benchmark half in ../shared/extbench, and its metric.

The metric is the benchmark's own, written here from its description (no code of it is
copied): the text is split on whitespace, every run of four tokens is a shingle, and a page
scores the share of its extracted shingles found in the true article body (precision) and
the share of the true shingles extracted (recall), counting repeated shingles as often as
they occur. As in the benchmark, each page's matched, extra and missed shingles are taken as
shares of their sum, so that a long page weighs no more than a short one; the shares are
averaged over pages, and precision, recall and F1 come from the averages. A page that
returns nothing adds only missed shingles: it lowers recall and leaves precision alone.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

EXTBENCH = Path(__file__).resolve().parents[2] / "shared" / "extbench"
SHINGLE = 4


@dataclass(frozen=True)
class Page:
    key: str
    url: str
    html: bytes
    body: str


@dataclass(frozen=True)
class PageScore:
    """Shares of one page's shingles: matched, extra (extracted only), missed (true only)."""

    key: str
    tp: float
    fp: float
    fn: float
    empty: bool

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


@dataclass(frozen=True)
class Score:
    f1: float
    precision: float
    recall: float
    pages: int
    empty: int

    def line(self, name: str) -> str:
        return (f"{name}: F1 {self.f1:.3f}  precision {self.precision:.3f}  "
                f"recall {self.recall:.3f}  pages with no text {self.empty}/{self.pages}")


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Every run of `n` whitespace tokens, with its count; a shorter text is one shingle."""
    tokens = text.split()
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)))


def score_page(key: str, extracted: str | None, truth: str) -> PageScore:
    got, want = shingles(extracted or ""), shingles(truth)
    tp = sum((got & want).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total:
        tp, fp, fn = tp / total, fp / total, fn / total
    return PageScore(key, tp, fp, fn, empty=not got)


def combine(scores: Iterable[PageScore]) -> Score:
    scores = list(scores)
    n = len(scores) or 1
    tp = sum(s.tp for s in scores) / n
    fp = sum(s.fp for s in scores) / n
    fn = sum(s.fn for s in scores) / n
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1, precision, recall, len(scores), sum(s.empty for s in scores))


def load_pages(root: Path = EXTBENCH, keys: Iterable[str] | None = None) -> list[Page]:
    """The benchmark's pages (all, or those of `keys`), in key order."""
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    wanted = sorted(truth) if keys is None else list(keys)
    return [Page(k, truth[k]["url"], gzip.decompress((root / "html" / f"{k}.html.gz")
                                                     .read_bytes()), truth[k]["articleBody"])
            for k in wanted]


def evaluate(pages: list[Page], extract: Callable[[Page], str | None]) -> tuple[Score,
                                                                              list[PageScore]]:
    per_page = [score_page(p.key, extract(p), p.body) for p in pages]
    return combine(per_page), per_page
