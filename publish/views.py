"""The SQL views for researchers: what each shows and what each column means.

The views are made by the migrations in `store/migrations/versions/` (the
newest shape by `0003_research_database.py`, and the events and timeline views by
`0006_policy_changes.py`), so every database pcnwatch opens
has them; this module documents them in plain words (Datasette shows the
titles, the one-line descriptions, and the column notes under "What the columns
mean") and reads them. Columns are the same on SQLite and PostgreSQL.
`topics`, `actors`, `evidence` and `cues` are JSON lists of strings; `year` and
`month` come from the article's date, for date facets.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_ARTICLE = {
    "url": "web address of the article the row comes from",
    "published": "the article's date (YYYY-MM-DD)",
    "year": "year of the article's date",
    "month": "month of the article's date (YYYY-MM)",
    "source": "the site that published the article",
    "title": "the article's headline",
    "topics": "every topic of the article, most prominent first",
    "article_id": "the article's number in table article",
}
# What nlp/components/confidence.py sets; how well it ranks on real pages is measured in the
# README ("How good is the analysis?"), so the description promises no more than that.
_CONFIDENCE = ("the probability, learned from labelled real pages, that the stance label is "
               "right (0.05 to 0.95); it ranks right stances above wrong ones more often than "
               "not, but read the evidence before relying on one")
_STANCE = "support, oppose, mixed or neutral"
_ACTION = "announce, propose, require, reduce, delay, fund, agree or withdraw"

# In the order the front page lists them.
VIEWS: dict[str, dict[str, Any]] = {
    "quotes": {
        "title": "Quotes",
        "description": "Every quotation, who said it, for which body, and its stance, with the "
                       "words that decided it marked.",
        "columns": {
            "quote_id": "the quote's number in table quote",
            "published": _ARTICLE["published"],
            "speaker": "the person or body as the article names them",
            "actor_name": "that body's name",
            "stance": f"{_STANCE}, judged on the quote alone",
            "text": "the quotation",
            "evidence": "the sentences that show the stance (here usually the quote itself)",
            "cues": "the cue phrases that decided the stance, marked in the text",
            "title": _ARTICLE["title"],
            "topics": _ARTICLE["topics"],
            "source": _ARTICLE["source"],
            "url": _ARTICLE["url"],
            "actor_id": "short id of the body the speaker speaks for (e.g. bma-gpc), if known",
            "confidence": _CONFIDENCE,
            "year": _ARTICLE["year"],
            "month": _ARTICLE["month"],
            "article_id": _ARTICLE["article_id"],
        },
    },
    "actor_stances": {
        "title": "Stances",
        "description": "Each body's stance in each article, from all it says there, with the "
                       "sentences that show it. Search looks in the articles.",
        "columns": {
            "stance_id": "the stance's number in table actor_stance",
            "published": _ARTICLE["published"],
            "actor_name": "the body's name",
            "stance": _STANCE,
            "evidence": "the sentences that show the stance, one each",
            "cues": "the cue phrases that decided the stance, marked in the sentences",
            "title": _ARTICLE["title"],
            "topics": _ARTICLE["topics"],
            "source": _ARTICLE["source"],
            "url": _ARTICLE["url"],
            "actor_id": "short id of the body (e.g. bma-gpc)",
            "actor_kind": "what kind of body: union, national_body, lmc, think_tank ...",
            "confidence": _CONFIDENCE,
            "year": _ARTICLE["year"],
            "month": _ARTICLE["month"],
            "article_id": _ARTICLE["article_id"],
        },
    },
    "events": {
        "title": "Policy events",
        "description": "Policy changes as each article reports them: who did what, and when. "
                       "Search looks in the articles.",
        "columns": {
            "event_id": "the event's number in table policy_event",
            "published": _ARTICLE["published"],
            "actor_name": "the policy maker's name",
            "action": _ACTION,
            "object": "what the act is about",
            "date": "when it takes effect or was made, if the article says",
            "sentence": "the sentence that reports it",
            "title": _ARTICLE["title"],
            "topics": _ARTICLE["topics"],
            "source": _ARTICLE["source"],
            "url": _ARTICLE["url"],
            "actor_id": "short id of the policy maker",
            "timeline_entry_id": "the timeline entry it belongs to, if any",
            "merge_reason": "why it was merged into that entry (the same act as another "
                            "report, or told with it as one change)",
            "year": _ARTICLE["year"],
            "month": _ARTICLE["month"],
            "article_id": _ARTICLE["article_id"],
        },
    },
    "timeline": {
        "title": "Timeline",
        "description": "Policy changes in date order, each merged from every report of it, "
                       "one row per reaction to each (a change nobody reacted to has one row).",
        "columns": {
            "entry_id": "the change's number in table timeline_entry",
            "date": "when the change was made",
            "date_basis": "how the date is known: reported (the sources give it), month (the "
                          "month only), sources differ, estimated (the day it was first "
                          "reported) or unknown",
            "title": "what changed, in a sentence",
            "stage": "what it did to the policy: draft published, scaled back, confirmed, "
                     "postponed, funded, required ...",
            "actor_name": "the policy maker's name",
            "action": _ACTION,
            "object": "what its lead act is about",
            "effective": "when its lead act takes effect or is due, if later",
            "topic": "the change's main topic",
            "reaction_actor_name": "that body's name",
            "reaction_stance": _STANCE,
            "reaction_quote": "its clearest quote, if any",
            "reaction_url": "the article that carries the reaction",
            "reaction_published": "that article's date",
            "reaction_reason": "why the reaction was linked to this change",
            "actor_id": "short id of the policy maker",
            "follows_id": "the earlier change on the same policy (its entry_id), if any",
            "reaction_id": "the reaction's number in table reaction",
            "reaction_actor_id": "short id of the body that reacted",
            "year": "year of the date",
            "month": "month of the date (YYYY-MM)",
        },
    },
    "headlines": {
        "title": "Headlines",
        "description": "One row per story, told by its first copy, however many sites carried it.",
        "columns": {
            "story_id": "the story's number in table story; copies of one story share it",
            "published": "the first copy's date",
            "title": "the first copy's headline",
            "topics": "every topic of any copy",
            "source": "the first copy's site",
            "copies": "how many articles carry the story",
            "sources": "how many sites carry it",
            "url": "the first copy's web address",
            "updated_at": "the latest change to any copy (UTC)",
            "year": "year of that date",
            "month": "month of that date (YYYY-MM)",
            "article_id": "the first copy's number in table article",
        },
    },
    "articles": {
        "title": "Articles",
        "description": "Every article with its topics and the bodies it names.",
        "columns": {
            "article_id": _ARTICLE["article_id"],
            "published": _ARTICLE["published"],
            "title": _ARTICLE["title"],
            "topics": _ARTICLE["topics"],
            "source": _ARTICLE["source"],
            "url": _ARTICLE["url"],
            "actors": "short ids of the bodies the article names, most named first",
            "author": "the byline, if any",
            "story_id": "its story; copies of one story share it",
            "year": _ARTICLE["year"],
            "month": _ARTICLE["month"],
        },
    },
}


def view_rows(conn: Connection, name: str, limit: int | None = None) -> list[dict]:
    """Rows of one view as dicts (for tests and scripts)."""
    if name not in VIEWS:
        raise KeyError(f"unknown view {name!r}; views: {', '.join(VIEWS)}")
    sql = f"SELECT * FROM {name}" + (f" LIMIT {int(limit)}" if limit else "")
    return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
