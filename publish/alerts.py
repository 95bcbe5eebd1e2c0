"""Stance-shift alerts: when a body's stance on a policy changes from what it said before.

A policy is a chain of timeline entries on one subject (a draft, its scaling back,
its confirmation: `TimelineEntry.follows_id`), named by its first entry. Each
reaction linked to an entry of the chain is what a body said of that policy then;
neutral words take no side and are skipped, and a story carried by several sites
counts once. An alert is a body's stance that differs from the last side it took
on the same policy ("the BMA GP Committee moved from mixed to oppose on the
network DES"), with both statements, their dates and their links. The text is
read by people, so bidi controls are removed from it (publish.hygiene); the JSON
keeps the text as stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import IO

from sqlmodel import Session, select

from publish.errors import BadFilter
from publish.hygiene import strip_bidi
from store.db import get_engine, session_scope
from store.models import Actor, ActorStance, Article, Quote, Reaction, TimelineEntry

FORMATS = ("text", "json")
SIDES = ("support", "oppose", "mixed")
# Bodies that report rather than take part.
NOT_PARTIES = ("media",)


@dataclass
class Statement:
    stance: str
    date: date | None
    quote: str | None
    speaker: str | None
    evidence: str | None
    url: str
    headline: str
    entry_id: int
    entry_title: str

    def as_json(self) -> dict:
        doc = asdict(self)
        doc["date"] = self.date.isoformat() if self.date else None
        return doc


@dataclass
class Alert:
    actor_id: str
    actor: str
    policy_id: int
    policy: str
    before: Statement
    after: Statement

    @property
    def summary(self) -> str:
        return f"{self.actor} moved from {self.before.stance} to {self.after.stance}"

    def as_json(self) -> dict:
        return {"actor_id": self.actor_id, "actor": self.actor, "policy_id": self.policy_id,
                "policy": self.policy, "summary": self.summary,
                "before": self.before.as_json(), "after": self.after.as_json()}


def _threads(session: Session) -> tuple[dict[int, int], dict[int, TimelineEntry]]:
    """Each entry's policy: the first entry of the chain it follows back to."""
    rows = {e.id: e for e in session.exec(select(TimelineEntry))}
    root: dict[int, int] = {}
    for entry_id in rows:
        seen, current = set(), entry_id
        while rows[current].follows_id in rows and current not in seen:
            seen.add(current)
            current = rows[current].follows_id
        root[entry_id] = current
    return root, rows


def stance_shifts(session: Session, *, since: date | None = None,
                  until: date | None = None) -> list[Alert]:
    """Every change of side of a body on a policy whose later statement is in [since, until]."""
    root, rows = _threads(session)
    kinds = dict(session.exec(select(Actor.id, Actor.kind)).all())
    names = dict(session.exec(select(Actor.id, Actor.name)).all())
    query = (select(Reaction, Article.url, Article.title, Article.published, Article.story_id,
                    Quote.text, Quote.speaker, ActorStance.evidence)
             .join(Article, Article.id == Reaction.article_id)
             .join(Quote, Quote.id == Reaction.quote_id, isouter=True)
             .join(ActorStance, ActorStance.id == Reaction.actor_stance_id, isouter=True)
             .where(Reaction.timeline_entry_id.is_not(None), Reaction.stance.in_(SIDES))
             .order_by(Article.published, Reaction.article_id, Reaction.id))
    said: dict[tuple[str, int], list[tuple[Statement, int]]] = {}
    for r, url, headline, published, story, text, speaker, evidence in session.exec(query):
        if kinds.get(r.actor_id) in NOT_PARTIES or published is None:
            continue
        policy = root[r.timeline_entry_id]
        story = story if story is not None else -r.article_id
        history = said.setdefault((r.actor_id, policy), [])
        if any(s == story for _, s in history):
            continue  # one story carried by several sites says it once
        entry = rows[r.timeline_entry_id]
        history.append((Statement(
            stance=r.stance, date=published, quote=text, speaker=speaker,
            evidence=None if text else next((str(e) for e in evidence or [] if e), None),
            url=url, headline=headline, entry_id=entry.id,
            entry_title=entry.title or entry.object), story))
    alerts = []
    for (actor_id, policy), history in said.items():
        for (before, _), (after, _) in zip(history, history[1:], strict=False):
            if before.stance == after.stance:
                continue
            if (since and after.date < since) or (until and after.date > until):
                continue
            first = rows[policy]
            alerts.append(Alert(actor_id=actor_id, actor=names.get(actor_id, actor_id),
                                policy_id=policy, policy=first.title or first.object,
                                before=before, after=after))
    return sorted(alerts, key=lambda a: (a.after.date, a.actor, a.policy_id))


def _day(value: date | None) -> str:
    if value is None:
        return "undated"
    return f"{value.strftime('%a')} {value.day} {value.strftime('%b %Y')}"


def render_text(alerts: list[Alert]) -> str:
    if not alerts:
        return "No body has changed its stance on a policy.\n"
    lines = []
    for a in alerts:
        lines.append(f"{_day(a.after.date)}  {a.summary}")
        lines.append(f"    on: {a.policy}")
        for label, s in (("before", a.before), ("now", a.after)):
            said = f"\u201c{' '.join(s.quote.split())}\u201d" if s.quote else (s.evidence or "")
            lines.append(f"    {label}: {s.stance}, {_day(s.date)} ({s.entry_title})")
            if said:
                lines.append(f"      {said}")
            lines.append(f"      {s.url}")
    return strip_bidi("\n".join(lines)) + "\n"


def render_json(alerts: list[Alert]) -> str:
    return json.dumps([a.as_json() for a in alerts], ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json}


def write_alerts(*, database_url: str | None = None, since: date | None = None,
                 format: str = "text", stream: IO[str] | None = None) -> list[Alert]:
    """What `pcnwatch alerts` prints: stance shifts whose later statement is on or after `since`."""
    if format not in RENDERERS:
        raise BadFilter(f"unknown alerts format {format!r}; use one of {', '.join(FORMATS)}")
    with session_scope(get_engine(database_url)) as s:
        alerts = stance_shifts(s, since=since)
    if stream is not None:
        stream.write(RENDERERS[format](alerts))
    return alerts
