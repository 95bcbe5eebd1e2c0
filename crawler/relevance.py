"""Is an item about primary care and general practice?

The score is the weight of primary-care terms (crawler/data/rules.toml) found in
the text per 100 words, plus a bonus when the title itself names one. Counting
per 100 words keeps a long hospital story that mentions GPs once from passing,
and lets a short item that is plainly about practices through.
"""

import re
from collections import Counter
from dataclasses import dataclass

from crawler.rules import load_rules

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Relevance:
    score: float
    reason: str


def score_relevance(title: str, text: str) -> Relevance:
    """The relevance of an item, with the terms that made it (or their absence)."""
    rules = load_rules()
    words = max(1, len(_WORD.findall(text)))
    hits: Counter[str] = Counter()
    total = strong = 0.0
    for term in rules.relevance_terms:
        found = term.pattern.findall(text)
        if found:
            hits[found[0] if isinstance(found[0], str) else term.pattern.pattern] += len(found)
            total += term.weight * len(found)
            strong += term.weight * len(found) if term.weight >= 1 else 0
    score = total * 100 / words
    title_terms = [t for t in rules.relevance_terms if t.weight >= 2 and t.pattern.search(title)]
    if title_terms:
        score += rules.title_bonus
    if not hits:
        return Relevance(0.0, "no primary-care terms")
    if not strong and not title_terms:
        # "patients" or "appointments" alone say health care, not general practice.
        top = ", ".join(f"{term.lower()}×{n}" for term, n in hits.most_common(4))
        return Relevance(0.0, f"only general health terms: {top}")
    top = ", ".join(f"{term.lower()}×{n}" for term, n in hits.most_common(4))
    where = "title and text" if title_terms else "text"
    return Relevance(round(score, 3), f"primary-care terms in {where}: {top}")
