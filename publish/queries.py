"""Research queries: filter articles, quotes, stances and events, and export them.

Every row carries the canonical `url` of the article it comes from and the
keys of contract section 8 (more are added: `published`, `source`, `title`).
Filters, all optional and combined with AND:

- `actor`: an actor *and its children*, so `bma` also finds `bma-gpc`, and
  `lmcs` every `lmc-<place>`. Rows are the quotes, stances or events of those
  actors; for articles, the articles that mention one of them. The actor is
  named by its id, its name or an alias, in any case ("BMA", "Royal College of
  GPs"); see `resolve_actor`.
- `stance`: support, oppose, mixed or neutral (quotes and stances; for
  articles, those where some actor, or the `actor`, takes that stance).
- `topic`: articles tagged with the topic, and the rows that come from them
  (in any case, spaces for hyphens: "Care homes" is `care-homes`).
- `since` / `until`: the article's published date, both ends included.
- `source`: the source name of the article.
- `search`: full-text search of quotes (quotes table) or of articles (others).

An unknown actor or topic is an error that suggests the three closest known
ones; an unknown stance lists the four.
The same code runs on SQLite and PostgreSQL: plain SQLAlchemy, no dialect SQL.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import exists
from sqlmodel import Session, select

from publish.errors import BadFilter, OutputRequired, UnknownActor, UnknownStance, UnknownTopic
from publish.hygiene import clean, csv_cell
from store.models import (
    CONTRACT_TOPICS,
    STANCES,
    Actor,
    ActorStance,
    Article,
    ArticleTopic,
    Mention,
    PolicyEvent,
    Quote,
)
from store.search import matching_article_ids, matching_quote_ids

log = logging.getLogger(__name__)

TABLES = ("articles", "quotes", "stances", "events")
FORMATS = ("table", "csv", "json", "jsonl", "parquet")

# Columns shown by `--format table`, where long texts would drown the rest.
TABLE_COLUMNS = {
    "articles": ("published", "source", "title", "actors", "topics", "story", "url"),
    "quotes": ("published", "speaker", "actor_id", "stance", "confidence", "text", "url"),
    "stances": ("published", "actor_id", "stance", "confidence", "evidence", "url"),
    "events": ("date", "action", "actor_id", "object", "url"),
}


# Every key of a row, in order: what an empty export still names (csv header, parquet schema).
ROW_KEYS = {
    "articles": ("url", "title", "published", "source", "text", "actors", "topics", "story",
                 "author"),
    "quotes": ("url", "text", "speaker", "actor_id", "stance", "confidence", "evidence",
               "published", "source", "title"),
    "stances": ("url", "actor_id", "stance", "confidence", "evidence", "published", "source",
                "title"),
    "events": ("url", "action", "actor_id", "object", "date", "sentence", "published", "source",
               "title"),
}


@dataclass(frozen=True)
class Filters:
    """What to select; every field is optional."""

    actor: str | None = None
    stance: str | None = None
    topic: str | None = None
    since: date | None = None
    until: date | None = None
    source: str | None = None
    search: str | None = None
    limit: int | None = None


# -- known values --------------------------------------------------------------------------------


class RegistryActors(dict):
    """Actor ids of the registry with their parents (the dict), and their names and aliases.

    `names` maps an id to its display name and aliases, so filters accept what a
    researcher types ("BMA", "Royal College of GPs"); ids the registry makes for a
    family ("lmc-kent") have a name only once an article has named them.
    """

    def __init__(self, parents: Mapping[str, str | None],
                 names: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(parents)
        self.names: dict[str, list[str]] = {k: list(v) for k, v in (names or {}).items()}


def known_actors(session: Session, extra: Mapping[str, str | None] | None = None
                 ) -> dict[str, str | None]:
    """Every known actor id with its parent: the actor table, plus `extra` (the registry)."""
    parents = dict(extra or {})
    for actor_id, parent in session.exec(select(Actor.id, Actor.parent_id)):
        parents[actor_id] = parent or parents.get(actor_id)
    return parents


_APOSTROPHE = re.compile(r"['\u2018\u2019`]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _plain_words(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation as spaces, no leading "the"."""
    words = _NOT_WORD.sub(" ", _APOSTROPHE.sub("", text.casefold())).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _actor_names(session: Session, extra: Mapping[str, str | None] | None
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """What each actor may be called ({plain words: id}), and each id's display name."""
    display: dict[str, str] = {}
    spoken: dict[str, str] = {}
    for actor_id, names in getattr(extra, "names", {}).items():
        if names:
            display.setdefault(actor_id, names[0])
        for name in names:
            spoken.setdefault(_plain_words(name), actor_id)
    for actor_id, name in session.exec(select(Actor.id, Actor.name)):
        display[actor_id] = name
        spoken.setdefault(_plain_words(name), actor_id)
    for actor_id in known_actors(session, extra):
        spoken[_plain_words(actor_id)] = actor_id  # an id always means itself
        display.setdefault(actor_id, actor_id)
    return spoken, display


def resolve_actor(session: Session, text: str,
                  extra: Mapping[str, str | None] | None = None) -> str:
    """The actor id that `text` names: an id, display name or alias, in any case.

    UnknownActor otherwise, suggesting the three closest actors by spelling.
    """
    parents = known_actors(session, extra)
    if text in parents:
        return text
    spoken, display = _actor_names(session, extra)
    wanted = _plain_words(text)
    if wanted in spoken:
        return spoken[wanted]
    closest: list[str] = []
    for name in difflib.get_close_matches(wanted, list(spoken), n=12, cutoff=0.5):
        if spoken[name] not in closest:
            closest.append(spoken[name])
    if not parents:
        hint = "no actors are known yet: run pcnwatch process"
    elif closest:
        hint = "closest: " + ", ".join(f"{a} ({display[a]})" if display.get(a, a) != a else a
                                       for a in closest[:3])
    else:
        hint = "no known actor is spelled like it"
    raise UnknownActor(f"unknown actor {text!r}; {hint}")


def actor_family(session: Session, actor: str,
                 extra: Mapping[str, str | None] | None = None) -> set[str]:
    """The actor `actor` names (see `resolve_actor`) and all its descendants."""
    parents = known_actors(session, extra)
    family, grew = {resolve_actor(session, actor, extra)}, True
    while grew:
        more = {a for a, p in parents.items() if p in family and a not in family}
        family |= more
        grew = bool(more)
    return family


def known_topics(session: Session) -> list[str]:
    stored = set(session.exec(select(ArticleTopic.topic).distinct()))
    return sorted(set(CONTRACT_TOPICS) | stored)


def check_topic(session: Session, topic: str) -> str:
    """The topic slug `topic` names, in any case and with spaces for hyphens.

    UnknownTopic otherwise, suggesting the three closest topics.
    """
    topics = known_topics(session)
    slug = "-".join(_plain_words(topic).split())
    if slug in topics:
        return slug
    closest = difflib.get_close_matches(slug, topics, n=3, cutoff=0.4)
    hint = f"closest: {', '.join(closest)}" if closest else f"topics: {', '.join(topics)}"
    raise UnknownTopic(f"unknown topic {topic!r}; {hint}")


def check_stance(stance: str) -> str:
    if stance not in STANCES:
        raise UnknownStance(f"unknown stance {stance!r}; use one of {', '.join(STANCES)}")
    return stance


# -- queries -------------------------------------------------------------------------------------


def query_rows(session: Session, table: str, filters: Filters = Filters(),
               extra_actors: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """The rows of `table` (articles, quotes, stances, events) that pass `filters`."""
    if table not in TABLES:
        raise BadFilter(f"unknown table {table!r}; use one of {', '.join(TABLES)}")
    family = actor_family(session, filters.actor, extra_actors) if filters.actor else None
    if filters.topic:
        filters = replace(filters, topic=check_topic(session, filters.topic))
    if filters.stance:
        check_stance(filters.stance)
        if table == "events":
            raise BadFilter("--stance does not apply to events; filter quotes or stances")
    return _QUERIES[table](session, filters, family)


def _article_conditions(session: Session, f: Filters, *, search_articles: bool = True) -> list:
    cond = []
    if f.since:
        cond.append(Article.published >= f.since)
    if f.until:
        cond.append(Article.published <= f.until)
    if f.source:
        cond.append(Article.source == f.source)
    if f.topic:
        cond.append(exists().where(ArticleTopic.article_id == Article.id,
                                   ArticleTopic.topic == f.topic))
    if f.search and search_articles:
        cond.append(Article.id.in_(matching_article_ids(session, f.search)))
    return cond


def _newest_first(query):
    return query.order_by(Article.published.is_(None), Article.published.desc(), Article.id)


def _articles(session: Session, f: Filters, family: set[str] | None) -> list[dict]:
    query = select(Article).where(*_article_conditions(session, f))
    if family:
        query = query.where(exists().where(Mention.article_id == Article.id,
                                           Mention.actor_id.in_(family)))
    if f.stance:
        stance_cond = [ActorStance.article_id == Article.id, ActorStance.stance == f.stance]
        if family:
            stance_cond.append(ActorStance.actor_id.in_(family))
        query = query.where(exists().where(*stance_cond))
    query = _newest_first(query)
    if f.limit:
        query = query.limit(f.limit)
    articles = list(session.exec(query))
    ids = [a.id for a in articles]
    actors: dict[int, list[str]] = {i: [] for i in ids}
    topics: dict[int, list[str]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):
        for art_id, actor_id in session.exec(
                select(Mention.article_id, Mention.actor_id)
                .where(Mention.article_id.in_(chunk))
                .order_by(Mention.article_id, Mention.count.desc(), Mention.actor_id)):
            actors[art_id].append(actor_id)
        for art_id, topic in session.exec(
                select(ArticleTopic.article_id, ArticleTopic.topic)
                .where(ArticleTopic.article_id.in_(chunk))
                .order_by(ArticleTopic.article_id, ArticleTopic.rank)):
            topics[art_id].append(topic)
    return [{"url": a.url, "title": a.title, "published": a.published, "source": a.source,
             "text": a.text, "actors": actors[a.id], "topics": topics[a.id],
             "story": a.story_id,
             "author": a.author}
            for a in articles]


def _article_keys(a: Article) -> dict:
    return {"published": a.published, "source": a.source, "title": a.title}


def _quotes(session: Session, f: Filters, family: set[str] | None) -> list[dict]:
    query = (select(Quote, Article).join(Article, Quote.article_id == Article.id)
             .where(*_article_conditions(session, f, search_articles=False)))
    if f.search:
        query = query.where(Quote.id.in_(matching_quote_ids(session, f.search)))
    if family:
        query = query.where(Quote.actor_id.in_(family))
    if f.stance:
        query = query.where(Quote.stance == f.stance)
    query = _newest_first(query).order_by(Quote.start, Quote.id)
    if f.limit:
        query = query.limit(f.limit)
    return [{"url": a.url, "text": q.text, "speaker": q.speaker, "actor_id": q.actor_id,
             "stance": q.stance, "confidence": q.confidence, "evidence": list(q.evidence or []),
             **_article_keys(a)}
            for q, a in session.exec(query)]


def _stances(session: Session, f: Filters, family: set[str] | None) -> list[dict]:
    query = (select(ActorStance, Article).join(Article, ActorStance.article_id == Article.id)
             .where(*_article_conditions(session, f)))
    if family:
        query = query.where(ActorStance.actor_id.in_(family))
    if f.stance:
        query = query.where(ActorStance.stance == f.stance)
    query = _newest_first(query).order_by(ActorStance.actor_id)
    if f.limit:
        query = query.limit(f.limit)
    return [{"url": a.url, "actor_id": s.actor_id, "stance": s.stance,
             "confidence": s.confidence, "evidence": list(s.evidence or []), **_article_keys(a)}
            for s, a in session.exec(query)]


def _events(session: Session, f: Filters, family: set[str] | None) -> list[dict]:
    query = (select(PolicyEvent, Article).join(Article, PolicyEvent.article_id == Article.id)
             .where(*_article_conditions(session, f)))
    if family:
        query = query.where(PolicyEvent.actor_id.in_(family))
    query = _newest_first(query).order_by(PolicyEvent.start, PolicyEvent.id)
    if f.limit:
        query = query.limit(f.limit)
    return [{"url": a.url, "action": e.action, "actor_id": e.actor_id, "object": e.object,
             "date": e.date, "sentence": e.sentence, **_article_keys(a)}
            for e, a in session.exec(query)]


_QUERIES = {"articles": _articles, "quotes": _quotes, "stances": _stances, "events": _events}


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- output --------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(_plain(value))


def _csv_cell(value: Any, raw: bool) -> str:
    # Only text can be a formula: a number or a date is written as it is.
    if isinstance(value, str):
        return csv_cell(value, raw=raw)
    return csv_cell(_cell(value), raw=True)


# Excel opens a CSV file as UTF-8 only when it starts with a byte-order mark; without one
# it garbles curly quotes and the pound sign.
BOM = "\ufeff"


def check_bom(fmt: str, bom: bool) -> None:
    if bom and fmt != "csv":
        raise BadFilter(f"--bom is for --format csv only, not {fmt}")


def write_rows(rows: list[dict], fmt: str, *, stream: IO[str] | None = None,
               output: Path | None = None, table: str = "rows", console: Any = None,
               bom: bool = False, raw_csv: bool = False) -> None:
    """Write `rows` as `fmt` to `output` (a path) or `stream`; parquet needs `output`.

    Table and CSV are read by people: bidi controls are removed, and CSV cells a
    spreadsheet would run as formulas are made text unless `raw_csv`
    (publish.hygiene). JSON, JSON Lines and Parquet keep the text as stored.
    `bom` starts a CSV with a byte-order mark, for Excel.
    """
    if fmt not in FORMATS:
        raise BadFilter(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_bom(fmt, bom)
    if fmt == "parquet":
        if output is None:
            raise OutputRequired("parquet is binary: give --output FILE.parquet")
        _write_parquet(rows, output, ROW_KEYS.get(table, ()))
        return
    if output is not None:
        with output.open("w", encoding="utf-8", newline="") as fh:
            write_rows(rows, fmt, stream=fh, table=table, bom=bom, raw_csv=raw_csv)
        return
    if fmt == "table":
        _write_table(rows, table, stream, console)
        return
    assert stream is not None, "give stream or output"
    if fmt == "json":
        json.dump([{k: _plain(v) for k, v in r.items()} for r in rows], stream,
                  ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "jsonl":
        for r in rows:
            stream.write(json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False))
            stream.write("\n")
    elif fmt == "csv":
        columns = list(rows[0]) if rows else list(ROW_KEYS.get(table, ()))
        if bom:
            stream.write(BOM)
        writer = csv.writer(stream)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_csv_cell(r.get(c), raw_csv) for c in columns])


def _write_table(rows: list[dict], table: str, stream: IO[str] | None, console: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    columns = TABLE_COLUMNS.get(table) or (tuple(rows[0]) if rows else ())
    grid = Table(show_lines=False, title=f"{len(rows)} {table}")
    for c in columns:
        # Short codes stay whole; long texts wrap, cut to a few lines (jsonl has them whole).
        short = c in _SHORT_COLUMNS
        width = {"published": 10, "date": 10, "text": 36, "title": 30, "object": 24,
                 "evidence": 30}.get(c)
        grid.add_column(c, no_wrap=short, min_width=width, overflow="ellipsis" if short
                        else "fold", ratio=3 if width and width > 10 else None)
    for r in rows:
        # Text, not markup: "[link=…]" or "[/]" in a crawled title is shown as written.
        grid.add_row(*(Text(clean(_table_cell(r.get(c)))) for c in columns))
    if console is None:
        console = Console(file=stream or io.StringIO(), highlight=False, width=200)
    console.print(grid)


_SHORT_COLUMNS = {"published", "date", "stance", "action", "confidence", "story", "source"}
TABLE_CELL_MAX = 160


def _table_cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    text = _cell(value)
    return text if len(text) <= TABLE_CELL_MAX else text[:TABLE_CELL_MAX - 1] + "\u2026"


def _write_parquet(rows: list[dict], output: Path, keys: Sequence[str] = ()) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = pa.Table.from_pylist(rows) if rows else pa.table(
        {k: pa.array([], type=pa.string()) for k in keys})
    pq.write_table(data, output)


def export(table: str, filters: Filters, fmt: str, *, output: Path | None = None,
           stream: IO[str] | None = None, console: Any = None, database_url: str | None = None,
           extra_actors: Mapping[str, str | None] | None = None, bom: bool = False,
           raw_csv: bool = False) -> int:
    """Run a query and write its rows; returns how many rows were written."""
    from store.db import get_engine, session_scope

    if fmt == "parquet" and output is None:
        raise OutputRequired("parquet is binary: give --output FILE.parquet")
    check_bom(fmt, bom)
    with session_scope(get_engine(database_url)) as session:
        rows = query_rows(session, table, filters, extra_actors)
    write_rows(rows, fmt, stream=stream, output=output, table=table, console=console, bom=bom,
               raw_csv=raw_csv)
    return len(rows)

