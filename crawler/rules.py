"""The crawler's rules, read once from `crawler/data/rules.toml` and compiled once.

Selectors and patterns are data; this module only turns them into compiled
objects that extraction, canonicalisation and relevance share.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class Rules:
    boilerplate_lines: tuple[re.Pattern[str], ...]
    tail_markers: tuple[re.Pattern[str], ...]
    tracking_params: frozenset[str]
    relevance_terms: tuple[Term, ...]
    title_bonus: float
    stopwords: frozenset[str]

    def is_boilerplate_line(self, line: str) -> bool:
        line = line.strip()
        return any(p.fullmatch(line) for p in self.boilerplate_lines)

    def is_tail_marker(self, line: str) -> bool:
        line = line.strip()
        return any(p.fullmatch(line) for p in self.tail_markers)


def compile_lines(patterns: list[str] | tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in patterns)


@cache
def load_rules() -> Rules:
    """The shipped rules (cached: compiled once per process)."""
    raw = tomllib.loads(resources.files("crawler").joinpath("data/rules.toml").read_text("utf-8"))
    bp, rel = raw["boilerplate"], raw["relevance"]
    terms = tuple(
        Term(re.compile(t["pattern"], 0 if t.get("case") else re.IGNORECASE), float(t["weight"]))
        for t in rel["terms"]
    )
    return Rules(
        boilerplate_lines=compile_lines(bp["lines"]),
        tail_markers=compile_lines(bp["tail"]),
        tracking_params=frozenset(p.lower() for p in raw["canonical"]["tracking_params"]),
        relevance_terms=terms,
        title_bonus=float(rel["title_bonus"]),
        stopwords=frozenset(raw["dedup"]["stopwords"].split()),
    )
