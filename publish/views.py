"""The SQL views for researchers, and what each column means.

The views are made by migration `store/migrations/versions/0002_views.py`, so
every database pcnwatch opens has them; this module documents them (Datasette
shows these descriptions) and reads them. Columns are the same on SQLite and
PostgreSQL. `evidence` is a JSON list of strings. `topic` is the article's
first topic only; `article_topic` holds all of them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_ARTICLE = {
    "url": "canonical URL of the article the row comes from",
    "published": "the article's publication date (YYYY-MM-DD)",
    "source": "name of the site that published the article",
    "title": "the article's headline",
    "topic": "the article's first topic slug (article_topic has all)",
    "article_id": "id of the article in table article",
}

VIEWS: dict[str, dict[str, Any]] = {
    "quotes": {
        "description": "Every direct quotation: who said it, for which body, and its stance.",
        "columns": {
            "quote_id": "id in table quote",
            **_ARTICLE,
            "speaker": "the person or body as the article names them",
            "actor_id": "the body the speaker speaks for (contract actor id), or null",
            "actor_name": "display name of actor_id",
            "stance": "support, oppose, mixed or neutral, judged on the quote alone",
            "confidence": "the analysis' confidence in the stance, 0 to 1",
            "text": "the quotation",
            "evidence": "JSON list: the words that show the stance",
        },
    },
    "actor_stances": {
        "description": "Each actor's stance in each article, from all it says there.",
        "columns": {
            "stance_id": "id in table actor_stance",
            **_ARTICLE,
            "actor_id": "contract actor id",
            "actor_name": "display name of actor_id",
            "actor_kind": "union, national_body, lmc, think_tank ...",
            "stance": "support, oppose, mixed or neutral",
            "confidence": "the analysis' confidence in the stance, 0 to 1",
            "evidence": "JSON list: sentences or quotes that show the stance",
        },
    },
    "events": {
        "description": "Policy events as each article reports them (contract section 5).",
        "columns": {
            "event_id": "id in table policy_event",
            **{k: v for k, v in _ARTICLE.items() if k != "title"},
            "action": "announce, propose, require, reduce, delay, fund, agree or withdraw",
            "actor_id": "the policy maker",
            "actor_name": "display name of actor_id",
            "object": "what the act is about",
            "date": "when it takes effect or was made, or null",
            "sentence": "the sentence that reports it",
            "timeline_entry_id": "the timeline entry it was merged into, or null",
        },
    },
    "timeline": {
        "description": "Timeline entries, one row per reaction (an entry with no reaction "
                       "has one row with empty reaction columns).",
        "columns": {
            "entry_id": "id in table timeline_entry",
            "date": "when the act takes effect or was made",
            "action": "announce, propose, require, reduce, delay, fund, agree or withdraw",
            "actor_id": "the policy maker",
            "actor_name": "display name of actor_id",
            "object": "what the act is about",
            "topic": "the entry's main topic",
            "reaction_id": "id in table reaction",
            "reaction_actor_id": "the body that reacted",
            "reaction_actor_name": "display name of reaction_actor_id",
            "reaction_stance": "support, oppose, mixed or neutral",
            "reaction_quote": "its clearest quote, or null",
            "reaction_url": "the article that carries the reaction",
            "reaction_published": "that article's date",
            "reaction_reason": "why the reaction was linked to this entry",
        },
    },
    "headlines": {
        "description": "One row per story, told by its first-published copy.",
        "columns": {
            "story_id": "id in table story; copies of one story share it",
            "title": "the first copy's headline",
            "url": "the first copy's canonical URL",
            "published": "the first copy's date",
            "source": "the first copy's site",
            "topic": "the first copy's first topic",
            "copies": "how many articles carry the story",
            "sources": "how many sites carry it",
            "updated_at": "the latest change to any copy (UTC)",
        },
    },
}


def view_rows(conn: Connection, name: str, limit: int | None = None) -> list[dict]:
    """Rows of one view as dicts (for tests and scripts)."""
    if name not in VIEWS:
        raise KeyError(f"unknown view {name!r}; views: {', '.join(VIEWS)}")
    sql = f"SELECT * FROM {name}" + (f" LIMIT {int(limit)}" if limit else "")
    return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
