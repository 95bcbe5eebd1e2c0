"""Whether the events found carry the right date: the "by when" practice managers read.

score.py matches events on (body, action) only, so a right event with a wrong date scores
as right there. This counts, over the events it matches, how often the date is the gold
date, and splits that by what the gold says: a dated event needs the date resolved from
the text and the published date; an event the gold leaves undated needs the date left
null, never guessed (issue 10). An event found more than once in an article (one
sentence names the change, another its start) counts as dated right if any of its finds
has the gold date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.intervals import load_scorer


@dataclass(frozen=True)
class DateCounts:
    dated: int = 0          # matched events the gold dates
    dated_right: int = 0    # ... found with that date
    undated: int = 0        # matched events the gold leaves undated
    left_null: int = 0      # ... found with no date

    def line(self) -> str:
        total, right = self.dated + self.undated, self.dated_right + self.left_null
        if not total:
            return "event dates: none labelled among the events found"
        share = f"{right / total:.3f}"
        return (f"event dates right {right}/{total} ({share}): dated in the gold "
                f"{self.dated_right}/{self.dated}, left null as the gold does "
                f"{self.left_null}/{self.undated}")


def count_dates(gold: Path, pred: Path) -> DateCounts:
    scorer = load_scorer()
    root = scorer.root
    found = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    dated = dated_right = undated = left_null = 0
    for article in scorer.read_jsonl(gold):
        events = (found.get(article["id"]) or {}).get("events") or []
        for want in article.get("events", []):
            key = (root(want["actor_id"]), want["action"])
            dates = {e.get("date") for e in events
                     if (root(e.get("actor_id")), e.get("action")) == key}
            if not dates or "date" not in want:  # the seeds' gold does not label dates
                continue
            if want.get("date"):
                dated += 1
                dated_right += want["date"] in dates
            else:
                undated += 1
                left_null += None in dates
    return DateCounts(dated, dated_right, undated, left_null)
