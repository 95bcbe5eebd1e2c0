"""What practices must do, and by when: deadlines from the timeline, and their calendar.

A deadline is a dated requirement of a policy change (`require` with a due date),
or the day a consultation on a draft closes. Each says how sure its date is:

- `proposed`: the requirement belongs to a draft, or is worded as a proposal
  ("would have to"): it may change before it is final;
- `sources differ`: the reports give other days too (they are listed);
- `confirmed`: two or more separate stories give the same day;
- `one source`: one story gives it.

A consultation's closing date comes from the draft's acts when the analysis dated
one after the report with closing words ("the consultation closes on 15 January"),
else from the sentences of the articles that report the draft. Each deadline has a
UID made from its timeline entry's stable key, its kind and its day, so a calendar
that subscribes to `pcnwatch deadlines --format ics` (or `/deadlines.ics` of
`pcnwatch serve`) updates an event instead of adding a second one. The text and
the calendar are read by people, so bidi controls are removed from them
(publish.hygiene); the JSON keeps the text as stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import IO

from sqlmodel import Session, select

from publish.errors import BadFilter
from publish.feeds import public_url
from publish.hygiene import clean
from store.db import get_engine, session_scope
from store.models import Article
from store.timeline import timeline_entries

FORMATS = ("text", "json", "ics")
CALENDAR_PATH = "/deadlines.ics"
PRODID = "-//pcnwatch//primary care deadlines//EN"
CALENDAR_NAME = "Primary care deadlines (pcnwatch)"

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
_MONTH = "(" + "|".join(MONTHS) + ")"
# Hand-written: the store keeps no date phrases, and the publish layer does not call the
# analysis (nlp.dates); the few forms a closing date takes in the news are these.
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(\d{4}))?",
                        re.I)
_MONTH_DAY = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b", re.I)
_END_OF = re.compile(r"\bend of\s+" + _MONTH + r"(?:\s+(\d{4}))?", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@cache
def _words() -> dict:
    return tomllib.loads((resources.files("publish") / "data" / "deadlines.toml")
                         .read_text(encoding="utf-8"))


@dataclass
class Deadline:
    """One thing practices must do by a day, with where it comes from and how sure it is."""

    uid: str
    due: date
    kind: str  # requirement or consultation
    what: str
    bodies: list[str]
    sure: str  # proposed, sources differ, confirmed, one source
    how_sure: str  # the same in words, for a person
    entry_id: int
    entry_title: str
    stage: str
    first_reported: date | None
    url: str | None
    sources: list[str]
    topics: list[str] = field(default_factory=list)
    stamp: datetime | None = None

    def as_json(self) -> dict:
        doc = asdict(self)
        for key in ("due", "first_reported"):
            doc[key] = doc[key].isoformat() if doc[key] else None
        doc["stamp"] = self.stamp.isoformat() if self.stamp else None
        return doc


def calendar_url() -> str:
    """Where `pcnwatch serve` publishes the deadlines calendar."""
    return public_url() + CALENDAR_PATH


def find_deadlines(session: Session, *, since: date | None = None, until: date | None = None,
                   reported_by: date | None = None, topics: tuple[str, ...] = ()
                   ) -> list[Deadline]:
    """Deadlines due from `since` to `until`, of changes first reported by `reported_by`,
    on any of `topics` (all when empty), soonest first."""
    out: list[Deadline] = []
    for entry in timeline_entries(session):
        first = date.fromisoformat(entry["first_reported"]) if entry["first_reported"] else None
        if reported_by and (first is None or first > reported_by):
            continue
        if topics and not set(topics) & set(entry["topics"]):
            continue
        if not _superseded(entry, reported_by):
            # A draft revised since: its requirements are not the ones to meet (its
            # consultation still closed when it said).
            out += _requirements(entry)
        out += _consultations(session, entry)
    out = [d for d in out if (since is None or d.due >= since) and
           (until is None or d.due <= until)]
    return sorted(out, key=lambda d: (d.due, d.kind != "consultation", d.entry_id, d.what))


def _superseded(entry: dict, reported_by: date | None) -> bool:
    """A draft that a later stage (scaled back, confirmed ...) replaced by `reported_by`."""
    if entry["stage"] != "draft published":
        return False
    return any(f["first_reported"] and (reported_by is None or
                                        date.fromisoformat(f["first_reported"]) <= reported_by)
               for f in entry["followed_by"])


def _uid(entry: dict, kind: str, due: date) -> str:
    digest = hashlib.sha256(f"{entry['key']}|{kind}|{due.isoformat()}".encode()).hexdigest()
    return f"{digest[:32]}@pcnwatch"


def _stamp(entry: dict) -> datetime | None:
    if not entry.get("updated"):
        return None
    stamp = datetime.fromisoformat(entry["updated"])
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _proposed(entry: dict, sentence: str) -> bool:
    if entry["stage"] == "draft published":
        return True
    words = f" {' '.join(sentence.lower().split())} "
    return any(f" {cue} " in words for cue in _words()["proposal_cues"])


def _due_day(act: dict) -> date:
    """The act's due day; "by the end of April" read as the 1st is the 30th."""
    due = date.fromisoformat(act["effective"])
    end = _END_OF.search(act["sentence"] or "")
    if end and due.day == 1 and MONTHS[end.group(1).lower()] == due.month:
        return _month_last(due)
    return due


def _month_last(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _requirements(entry: dict) -> list[Deadline]:
    """One deadline per due day of a change: its requirements due that day, told once."""
    by_day: dict[date, list[dict]] = {}
    for act in entry["acts"]:
        if act["action"] == "require" and act["effective"]:
            due = _due_day(act)
            if act["first_reported"] and due < date.fromisoformat(act["first_reported"]):
                continue  # due before anyone reported it: history, not a deadline
            by_day.setdefault(due, []).append(act)
    out = []
    for due, acts in by_day.items():
        best = max(acts, key=lambda a: (a["stories"], len(a["sources"]), -a["act"]))
        sources = list(dict.fromkeys(u for a in acts for u in a["sources"]))
        days = sorted({d for a in acts for d in a["effective_dates"]})
        stories = len({story for a in acts for story in a["story_keys"]})
        if _proposed(entry, best["sentence"] or ""):
            sure, how = "proposed", "proposed in a draft: it may change before it is final"
        elif len(days) > 1:
            sure, how = "sources differ", "sources give " + " and ".join(
                _day(date.fromisoformat(d)) for d in days)
        elif stories > 1:
            sure, how = "confirmed", f"the same day in {stories} separate reports"
        else:
            sure, how = "one source", "one report gives this day"
        out.append(Deadline(
            uid=_uid(entry, "requirement", due), due=due, kind="requirement",
            what=best["title"], bodies=[b["name"] for b in entry["actors"]], sure=sure,
            how_sure=how, entry_id=entry["id"], entry_title=entry["title"],
            stage=entry["stage"],
            first_reported=_date(entry["first_reported"]), url=sources[0] if sources else None,
            sources=sources, topics=entry["topics"], stamp=_stamp(entry)))
    return out


def _consultations(session: Session, entry: dict) -> list[Deadline]:
    """The day a consultation on a draft closes, from the acts or the reports' sentences."""
    if entry["action"] != "propose":
        return []
    found: Counter[date] = Counter()
    where: dict[date, str] = {}
    cues = _words()["closing_cues"]
    for act in entry["acts"]:
        if act["action"] == "propose" and act["effective"] and \
                _says(act["sentence"] or "", cues):
            day = date.fromisoformat(act["effective"])
            found[day] += act["effective_sources"]
            where.setdefault(day, act["sources"][0])
    for url, published, text in session.exec(
            select(Article.url, Article.published, Article.text)
            .where(Article.url.in_(entry["sources"]))):
        for sentence in _SENTENCES.split(text or ""):
            if not (_says(sentence, cues) and
                    _says(sentence, _words()["consultation_words"] + ["draft", "drafts"])):
                continue
            day = closing_date(sentence, published)
            if day is not None:
                found[day] += 1
                where.setdefault(day, url)
    if not found:
        return []
    due = min(found, key=lambda d: (-found[d], d))
    if len(found) > 1:
        sure, how = "sources differ", "sources give " + " and ".join(
            _day(d) for d in sorted(found))
    elif found[due] > 1:
        sure, how = "confirmed", f"the same day in {found[due]} reports"
    else:
        sure, how = "one source", "one report gives this day"
    return [Deadline(
        uid=_uid(entry, "consultation", due), due=due, kind="consultation",
        what=f"Consultation closes: {entry['title']}",
        bodies=[b["name"] for b in entry["actors"]], sure=sure, how_sure=how,
        entry_id=entry["id"], entry_title=entry["title"], stage=entry["stage"],
        first_reported=_date(entry["first_reported"]), url=where[due],
        sources=entry["sources"], topics=entry["topics"], stamp=_stamp(entry))]


def _says(sentence: str, words: list[str]) -> bool:
    lower = f" {' '.join(sentence.lower().split())} "
    return any(f" {w} " in lower or f" {w}," in lower or f" {w}." in lower for w in words)


def closing_date(sentence: str, published: date | None) -> date | None:
    """The day a sentence names, on or after `published` when it gives no year."""
    m = _END_OF.search(sentence)
    if m:
        month, year = MONTHS[m.group(1).lower()], m.group(2)
        first = _next(1, month, int(year) if year else None, published)
        return _month_last(first) if first else None
    m = _DAY_MONTH.search(sentence)
    if m:
        return _next(int(m.group(1)), MONTHS[m.group(2).lower()],
                     int(m.group(3)) if m.group(3) else None, published)
    m = _MONTH_DAY.search(sentence)
    if m:
        return _next(int(m.group(2)), MONTHS[m.group(1).lower()],
                     int(m.group(3)) if m.group(3) else None, published)
    return None


def _next(day: int, month: int, year: int | None, published: date | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        if published is None:
            return None
        candidate = date(published.year, month, day)
        return candidate if candidate >= published else date(published.year + 1, month, day)
    except ValueError:  # "31 February": not a day
        return None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _day(value: date) -> str:
    return f"{value.strftime('%a')} {value.day} {value.strftime('%b %Y')}"


# -- rendering -----------------------------------------------------------------------------------


def _readable(items: list[Deadline]) -> list[Deadline]:
    return [replace(d, **{f.name: clean(getattr(d, f.name)) for f in fields(d)}) for d in items]


def render_text(items: list[Deadline]) -> str:
    items = _readable(items)
    if not items:
        return "No dated requirements or consultations found.\n"
    lines = []
    for d in items:
        label = "consultation closes" if d.kind == "consultation" else "due"
        lines.append(f"{_day(d.due)}  {label}: {d.what}")
        lines.append(f"    set by {', '.join(d.bodies) or 'a body not named'}; how sure: "
                     f"{d.how_sure}")
        lines.append(f"    part of: {d.entry_title} ({d.stage})")
        lines.append(f"    source: {d.url}")
    return "\n".join(lines) + "\n"


def render_json(items: list[Deadline]) -> str:
    return json.dumps([d.as_json() for d in items], ensure_ascii=False, indent=2) + "\n"


def render_ics(items: list[Deadline], *, now: datetime | None = None) -> str:
    """An RFC 5545 calendar: one all-day VEVENT per deadline, each with its source link."""
    from icalendar import Calendar, Event

    items = _readable(items)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("name", CALENDAR_NAME)
    cal.add("x-wr-caldesc", "What GP practices and networks must do, and by when, from the "
                            "policy changes pcnwatch follows.")
    stamp_default = (now or datetime.now(UTC)).replace(microsecond=0)
    for d in items:
        ev = Event()
        ev.add("uid", d.uid)
        # The change's last update, so the file is the same until something changes.
        ev.add("dtstamp", (d.stamp or stamp_default).astimezone(UTC).replace(microsecond=0))
        ev.add("dtstart", d.due)
        ev.add("dtend", d.due + timedelta(days=1))
        label = "Consultation closes" if d.kind == "consultation" else "Due"
        what = d.what.removeprefix("Consultation closes: ")
        ev.add("summary", f"{label}: {what}")
        ev.add("description", "\n".join([
            d.what, f"Set by: {', '.join(d.bodies) or 'a body not named'}",
            f"How sure: {d.how_sure}", f"Part of: {d.entry_title} ({d.stage})",
            "Sources:", *d.sources]))
        if d.url:
            ev.add("url", d.url)
        ev.add("status", "TENTATIVE" if d.sure in ("proposed", "sources differ")
               else "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        if d.topics:
            ev.add("categories", d.topics)
        cal.add_component(ev)
    return cal.to_ical().decode("utf-8")


RENDERERS = {"text": render_text, "json": render_json, "ics": render_ics}


def write_deadlines(*, database_url: str | None = None, since: date | None = None,
                    format: str = "text", stream: IO[str] | None = None) -> list[Deadline]:
    """What `pcnwatch deadlines` prints: every deadline due on or after `since`."""
    if format not in RENDERERS:
        raise BadFilter(f"unknown deadlines format {format!r}; use one of {', '.join(FORMATS)}")
    with session_scope(get_engine(database_url)) as s:
        items = find_deadlines(s, since=since)
    if stream is not None:
        stream.write(RENDERERS[format](items))
    return items
