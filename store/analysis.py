"""Storing what the analysis found in an article, replacing any older analysis.

`save_analysis` takes one article's result in the shape of contract section 2
(the `pcnwatch analyze` output) and writes actors, people, mentions, quotes,
actor stances, policy events and topics, each row stamped with the pipeline
version. Rows of an older version are deleted first, so re-analysis replaces
and never duplicates. Evidence and cue lists keep one entry per distinct
sentence or phrase. The caller owns the transaction (one per batch).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from store.models import (
    Actor,
    ActorStance,
    Article,
    ArticlePerson,
    ArticleTopic,
    Mention,
    Person,
    PolicyEvent,
    Quote,
    Reaction,
    utcnow,
)

_PER_ARTICLE = (Reaction, Quote, ActorStance, Mention, ArticlePerson, ArticleTopic, PolicyEvent)


@dataclass(frozen=True)
class ActorInfo:
    """What the store needs to know of an actor id it has not seen before."""

    id: str
    name: str
    kind: str
    parent_id: str | None = None


def articles_to_analyse(session: Session, version: str, *, limit: int | None = None,
                        after_id: int = 0) -> list[Article]:
    """Articles not yet analysed by pipeline `version`, oldest id first."""
    query = (select(Article)
             .where(or_(Article.analysed_version.is_(None), Article.analysed_version != version))
             .where(Article.id > after_id)
             .order_by(Article.id))
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def count_to_analyse(session: Session, version: str) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(Article).where(
        or_(Article.analysed_version.is_(None), Article.analysed_version != version))
    return session.exec(query).one()


def ensure_actors(session: Session, ids: set[str], info: Mapping[str, ActorInfo]) -> None:
    """Insert the actors (and their parents) that the database does not have yet.

    A stored actor whose name `info` now spells differently gets the new name, so a
    corrected display name reaches every output at the next analysis.
    """
    known = set()
    for actor in session.exec(select(Actor).where(Actor.id.in_(ids))):
        known.add(actor.id)
        meta = info.get(actor.id)
        if meta is not None and meta.name != actor.name:
            actor.name = meta.name
            session.add(actor)
    for actor_id in sorted(ids - known):
        _ensure_actor(session, actor_id, info, known)


def _ensure_actor(session: Session, actor_id: str, info: Mapping[str, ActorInfo],
                  known: set[str]) -> None:
    if actor_id in known or session.get(Actor, actor_id) is not None:
        known.add(actor_id)
        return
    meta = info.get(actor_id) or ActorInfo(actor_id, actor_id, "other")
    if meta.parent_id:
        _ensure_actor(session, meta.parent_id, info, known)
    session.add(Actor(id=actor_id, name=meta.name, kind=meta.kind, parent_id=meta.parent_id))
    session.flush()
    known.add(actor_id)


def save_analysis(session: Session, article: Article, result: dict, version: str,
                  info: Mapping[str, ActorInfo]) -> None:
    """Replace the analysis of `article` by `result` (contract section 2 shape)."""
    for table in _PER_ARTICLE:
        session.exec(delete(table).where(table.article_id == article.id))
    ensure_actors(session, _actor_ids(result), info)
    for a in result.get("actors", []):
        session.add(Mention(article_id=article.id, actor_id=a["id"],
                            count=a.get("mentions", 1), pipeline_version=version))
    people = _save_people(session, article.id, result.get("people", []), version)
    for q in result.get("quotes", []):
        session.add(Quote(article_id=article.id, text=q["text"], speaker=q.get("speaker"),
                          person_id=people.get(q.get("speaker") or ""),
                          actor_id=q.get("actor_id"), stance=q.get("stance"),
                          confidence=q.get("confidence"), evidence=distinct(q.get("evidence")),
                          cues=distinct(q.get("cues")), start=q.get("start"), end=q.get("end"),
                          pipeline_version=version))
    for s in result.get("stances", []):
        session.add(ActorStance(article_id=article.id, actor_id=s["actor_id"],
                                stance=s["stance"], confidence=s.get("confidence"),
                                evidence=distinct(s.get("evidence")), cues=distinct(s.get("cues")),
                                pipeline_version=version))
    for e in result.get("events", []):
        session.add(PolicyEvent(article_id=article.id, action=e["action"],
                                actor_id=e.get("actor_id"), object=e.get("object") or "",
                                date=_date(e.get("date")), sentence=e.get("sentence") or "",
                                start=e.get("start"), end=e.get("end"),
                                pipeline_version=version))
    for rank, topic in enumerate(dict.fromkeys(result.get("topics", []))):
        session.add(ArticleTopic(article_id=article.id, topic=topic, rank=rank,
                                 pipeline_version=version))
    article.analysed_version, article.analysed_at = version, utcnow()
    article.timeline_at = None
    session.add(article)
    session.flush()


def distinct(texts: list[str] | None) -> list[str]:
    """`texts` with repeats dropped, first kept; a repeat differs only in spacing or case."""
    seen, out = set(), []
    for text in texts or []:
        key = " ".join(str(text).split()).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def _actor_ids(result: dict) -> set[str]:
    ids = {a["id"] for a in result.get("actors", [])}
    for key in ("people", "quotes", "stances", "events"):
        ids |= {r["actor_id"] for r in result.get(key, []) if r.get("actor_id")}
    return ids


def _save_people(session: Session, article_id: int, people: list[dict],
                 version: str) -> dict[str, int]:
    """Upsert people; returns person id by the names the article uses for them."""
    ids: dict[str, int] = {}
    for p in people:
        key = f"{p['name']}|{p.get('actor_id') or ''}"
        person = session.exec(select(Person).where(Person.key == key)).first()
        if person is None:
            person = Person(key=key, name=p["name"], actor_id=p.get("actor_id"))
            session.add(person)
            session.flush()
        session.add(ArticlePerson(article_id=article_id, person_id=person.id,
                                  role=p.get("role"), pipeline_version=version))
        ids[p["name"]] = person.id
    return ids


def _date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
