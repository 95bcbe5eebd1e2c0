"""Headlines for newsletter editors: one per story, however many sites carried it.

A story's headline is told by its first-published copy (earliest date, then
lowest id): its title without a section label ("NEWS: ..."), its link (the
canonical URL, also the entry's stable id), its site (`source`) and its first
sentence as the summary. `published` is that first publication and
`last_published` the newest copy's date; `updated` is the latest change to any
copy (UTC). Sources, actors and their stances are gathered from every copy;
publications (actors of kind media) are not actors here. Newest story first.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import exists, or_
from sqlmodel import Session, select

from publish.queries import actor_family, check_topic
from store.models import Actor, ActorStance, Article, ArticleTopic, Mention, Source

SUMMARY_MAX = 280
# A full stop after these is not the end of a sentence ("Dr. Smith", "No. 10").
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "prof", "st", "e.g", "i.e", "vs", "cllr"}
_SENTENCE_END = re.compile(r"([.!?])[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9£])")
_SPACE = re.compile(r"\s+")
# Kinds of actor that report the news rather than take part in it.
PUBLICATION_KINDS = frozenset({"media"})


@dataclass(frozen=True)
class HeadlineFilters:
    since: date | None = None
    until: date | None = None
    source: str | None = None
    topic: str | None = None
    actor: str | None = None
    limit: int | None = None


def first_sentence(text: str, title: str = "") -> str:
    """The article's first sentence (its standfirst, usually), at most SUMMARY_MAX characters."""
    paragraphs = [_SPACE.sub(" ", p).strip() for p in re.split(r"\n\s*\n|\n", text or "")]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return ""
    # Extracted pages often open with the headline again ("NEWS: <title>"), a byline
    # or a section label; the summary is the first paragraph that is none of these.
    para = next((p for p in paragraphs if not _preamble(p, title)), None)
    if para is None:
        prose = [p for p in paragraphs if not _repeats_title(p, title)]
        if not prose:
            return ""
        para = prose[0]
    sentence = para
    for m in _SENTENCE_END.finditer(para):
        before = para[:m.start(1)].rsplit(" ", 1)[-1].lower().rstrip(".")
        numbered = before == "no" and para[m.end():m.end() + 1].isdigit()  # "No. 10"
        if m.group(1) == "." and (before in _ABBREVIATIONS or len(before) == 1 or numbered):
            continue
        sentence = para[:m.end()].strip()
        break
    if len(sentence) > SUMMARY_MAX:
        sentence = sentence[:SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "\u2026"
    return sentence


@cache
def _title_label() -> re.Pattern:
    raw = (resources.files("publish") / "data" / "title_labels.toml").read_text("utf-8")
    labels = sorted(tomllib.loads(raw)["labels"], key=len, reverse=True)
    return re.compile(r"^\s*(?:" + "|".join(re.escape(label) for label in labels)
                      + r")\s*[:|]\s*", re.IGNORECASE)


def clean_title(title: str) -> str:
    """The headline without a section label before it ("NEWS: X" is "X")."""
    cleaned = _title_label().sub("", title or "", count=1).strip()
    return cleaned or (title or "").strip()


def _repeats_title(para: str, title: str) -> bool:
    t = (title or "").strip().casefold()
    return bool(t) and t in para.casefold() and len(para) <= len(t) + 20


def _preamble(para: str, title: str) -> bool:
    words = para.split()
    return (_repeats_title(para, title) or len(words) < 6
            or (words[0].lower() == "by" and len(words) < 15 and not para.endswith(".")))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def headlines(session: Session, filters: HeadlineFilters = HeadlineFilters(),
              extra_actors: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """One dict per story that has a copy passing `filters`, newest first."""
    cond = []
    if filters.since:
        cond.append(Article.published >= filters.since)
    if filters.until:
        cond.append(Article.published <= filters.until)
    if filters.source:
        cond.append(Article.source == filters.source)
    if filters.topic:
        topic = check_topic(session, filters.topic)
        cond.append(exists().where(ArticleTopic.article_id == Article.id,
                                   ArticleTopic.topic == topic))
    if filters.actor:
        family = actor_family(session, filters.actor, extra_actors)
        cond.append(exists().where(Mention.article_id == Article.id,
                                   Mention.actor_id.in_(family)))
    matched = list(session.exec(select(Article.id, Article.story_id).where(*cond)))
    story_ids = {s for _, s in matched if s is not None}
    lone_ids = {a for a, s in matched if s is None}
    if not matched:
        return []
    which = []
    if story_ids:
        which.append(Article.story_id.in_(story_ids))
    if lone_ids:
        which.append(Article.id.in_(lone_ids))
    copies_query = select(Article).where(or_(*which))
    stories: dict[Any, list[Article]] = defaultdict(list)
    for art in session.exec(copies_query):
        stories[art.story_id if art.story_id is not None else f"a{art.id}"].append(art)
    article_ids = [a.id for copies in stories.values() for a in copies]
    actors = {a: (name, kind) for a, name, kind in session.exec(
        select(Actor.id, Actor.name, Actor.kind))}
    homes = dict(session.exec(select(Source.name, Source.home)).all())
    stances = _stances_by_article(session, article_ids)
    mentions = _mentions_by_article(session, article_ids)
    topics = _topics_by_article(session, article_ids)
    items = [_headline(key, copies, actors, homes, stances, mentions, topics)
             for key, copies in stories.items()]
    items.sort(key=lambda h: (h["published"] or date.min, h["updated"], h["url"]), reverse=True)
    items.sort(key=lambda h: h["published"] is None)
    return items[:filters.limit] if filters.limit else items


def _headline(key: Any, copies: list[Article], actors: dict, homes: dict, stances: dict,
              mentions: dict, topics: dict) -> dict[str, Any]:
    copies.sort(key=lambda a: (a.published or date.max, a.id))
    lead = copies[0]
    best: dict[str, tuple[str, float]] = {}
    counts: dict[str, int] = defaultdict(int)
    for art in copies:
        for actor_id, stance, conf in stances.get(art.id, ()):
            if actor_id not in best or (conf or 0) > best[actor_id][1]:
                best[actor_id] = (stance, conf or 0)
        for actor_id, count in mentions.get(art.id, ()):
            counts[actor_id] += count
    bodies = {a for a in set(best) | set(counts)
              if actors.get(a, (a, None))[1] not in PUBLICATION_KINDS}
    order = sorted(bodies, key=lambda a: (a not in best, -counts[a], a))
    story_topics = list(dict.fromkeys(t for art in copies for t in topics.get(art.id, ())))
    dates = [a.published for a in copies if a.published]
    return {
        "id": lead.url,
        "story": key if isinstance(key, int) else None,
        "title": clean_title(lead.title),
        "published": lead.published,
        "last_published": max(dates, default=None),
        "updated": max(_aware(a.updated_at) for a in copies),
        "url": lead.url,
        "urls": [a.url for a in copies],
        "source": lead.source,
        "source_home": homes.get(lead.source) or _origin(lead.url),
        "sources": sorted({a.source for a in copies}),
        "summary": first_sentence(lead.text, lead.title),
        "actors": [{"actor_id": a, "name": actors.get(a, (a, None))[0],
                    "stance": best[a][0] if a in best else None} for a in order],
        "topics": story_topics,
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else url


def _stances_by_article(session: Session, ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for art_id, actor_id, stance, conf in session.exec(
                select(ActorStance.article_id, ActorStance.actor_id, ActorStance.stance,
                       ActorStance.confidence).where(ActorStance.article_id.in_(ids[i:i + 500]))):
            out[art_id].append((actor_id, stance, conf))
    return out


def _mentions_by_article(session: Session, ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for art_id, actor_id, count in session.exec(
                select(Mention.article_id, Mention.actor_id, Mention.count)
                .where(Mention.article_id.in_(ids[i:i + 500]))):
            out[art_id].append((actor_id, count))
    return out


def _topics_by_article(session: Session, ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for art_id, topic in session.exec(
                select(ArticleTopic.article_id, ArticleTopic.topic)
                .where(ArticleTopic.article_id.in_(ids[i:i + 500]))
                .order_by(ArticleTopic.article_id, ArticleTopic.rank)):
            out[art_id].append(topic)
    return out
