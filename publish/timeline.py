"""The timeline as text, JSON or an HTML page, read from the store.

`write_timeline` is what `pcnwatch timeline` calls: it checks the filters, reads
the entries (`store.timeline.timeline_entries`: one per policy change) and the
reactions that fit no entry, and renders them. JSON is contract section 8 with
extras (title, stage, how the date is known, the change's acts, the stages before
and after it, why each source and reaction is there). The HTML page names bodies
by name, labels every event marker, filters by topic, body and date, and fits a
390 px phone: its chart is drawn here as inline SVG in two shapes (wide, and
compact with the names above the rows) and its small filter script is inline, so
it loads nothing from outside; every text from the database goes through Jinja2
autoescaping. Text and HTML are read by people, so bidi controls are removed
from them (publish.hygiene); the JSON keeps the text as stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import jinja2

from publish.errors import BadFilter, UnknownActor
from publish.hygiene import clean
from publish.queries import check_topic
from store.db import get_engine, session_scope
from store.models import STANCES
from store.timeline import known_actor_ids, timeline_entries, unlinked_reactions

log = logging.getLogger(__name__)

FORMATS = ("text", "json", "html")
STANCE_COLOURS = {"support": "#2e7d32", "oppose": "#c62828", "mixed": "#b26a00",
                  "neutral": "#6b6b6b"}
STANCE_WORDS = {"support": "Welcomed", "oppose": "Objected", "mixed": "Mixed views",
                "neutral": "Commented"}
TEMPLATE = "timeline.html.j2"


@dataclass(frozen=True)
class Timeline:
    """What one `pcnwatch timeline` shows: the entries, and the reactions that fit none."""

    entries: list[dict]
    unlinked: list[dict]
    filters: dict


def load_timeline(database_url: str | None = None, *, since: date | None = None,
                  until: date | None = None, actor: str | None = None,
                  topic: str | None = None) -> Timeline:
    """Read the timeline from the store; an unknown actor or topic is an error naming the known."""
    with session_scope(get_engine(database_url)) as s:
        if actor is not None:
            actors = known_actor_ids(s)
            if actor not in actors:
                raise UnknownActor(f"unknown actor {actor!r}; known actors: "
                                   f"{', '.join(actors) or '(none stored yet)'}")
        if topic is not None:
            topic = check_topic(s, topic)  # in any case: "Care homes" is care-homes
        filters = {"since": since, "until": until, "actor": actor, "topic": topic}
        return Timeline(timeline_entries(s, **filters), unlinked_reactions(s, **filters),
                        filters)


def day_text(value: str | date | None) -> str:
    """"Mon 23 Dec 2019", or "undated"."""
    if not value:
        return "undated"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def date_line(entry: dict) -> str:
    """When the change was made, and how that is known, in words."""
    basis = entry["date_basis"]
    if basis == "unknown" or not entry["date"]:
        return "date unknown"
    when = day_text(entry["date"])
    if basis == "month":
        month = date.fromisoformat(entry["date"]).strftime("%B %Y")
        return f"{month} (the sources give the month only)"
    if basis == "estimated":
        return f"{when} (date not given; first reported that day)"
    if basis == "sources differ":
        return f"{when} (sources give different days)"
    return when


# -- text ----------------------------------------------------------------------------------------


def _readable(tl: Timeline) -> Timeline:
    return Timeline(clean(tl.entries), clean(tl.unlinked), tl.filters)


def render_text(tl: Timeline) -> str:
    """Entries in date order: what changed, what it does, its reports and who reacted."""
    tl = _readable(tl)
    lines: list[str] = []
    if not tl.entries:
        lines.append("No policy changes in the timeline" + _filters_text(tl.filters) + ".")
    for e in tl.entries:
        lines.append(f"{date_line(e)}  [{e['stage']}]")
        lines.append(f"  {_one_line(e['title'])}")
        if e["topics"]:
            lines.append(f"  topics: {', '.join(e['topics'])}")
        for act in e["acts"][1:]:
            due = f" (from {day_text(act['effective'])})" if act["effective"] else ""
            lines.append(f"  - {_one_line(act['title'])}{due}")
        if e["follows"]:
            lines.append(f"  follows: {e['follows']['stage']}, {day_text(e['follows']['date'])}"
                         f": {_one_line(e['follows']['title'])}")
        for d in e["source_details"]:
            lines.append(f"    source: {d['url']}  ({_one_line(d['title'])}, {d['source']})")
        for stance, rs in e["reactions_by_stance"].items():
            lines.append(f"    {stance} ({len(rs)}):")
            for r in rs:
                lines.append(f"      {r['actor_name']}, {r['date'] or 'undated'}: {r['url']}"
                             f"  [{r['reason']}]")
                if r["quote"]:
                    who = f" ({r['speaker']})" if r.get("speaker") else ""
                    lines.append(f"        \u201c{_one_line(r['quote'])}\u201d{who}")
        if not e["reactions"]:
            lines.append("    no reactions found")
        lines.append("")
    if tl.unlinked:
        lines.append(f"Reactions that fit no policy change ({len(tl.unlinked)}):")
        for r in tl.unlinked:
            lines.append(f"  {r['date'] or 'undated'}  {r['actor_name']} {r['stance']}: "
                         f"{r['reason']}: {r['url']}")
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _filters_text(filters: dict) -> str:
    parts = [f"{k} {v}" for k, v in filters.items() if v is not None]
    return (" for " + ", ".join(parts)) if parts else ""


# -- json ----------------------------------------------------------------------------------------


ENTRY_KEYS = ("date", "action", "actor_id", "object", "sources", "reactions", "id", "key",
              "title", "stage", "date_basis", "date_estimated", "effective", "first_reported",
              "topic", "topics", "actor_name", "actors", "headline", "source_details", "acts",
              "follows", "followed_by")
REACTION_KEYS = ("actor_id", "actor_name", "stance", "url", "urls", "quote", "speaker", "date",
                 "reason")


def render_json(tl: Timeline) -> str:
    """Contract section 8: one JSON list of entries in date order (with extras)."""
    doc = [{k: e[k] for k in ENTRY_KEYS} | {"reactions": [{k: r.get(k) for k in REACTION_KEYS}
                                                          for r in e["reactions"]]}
           for e in tl.entries]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# -- html ----------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    folder = resources.files("publish") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["href"] = safe_href
    env.filters["day"] = day_text
    env.filters["date_line"] = date_line
    return env


def safe_href(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a stored URL must not become a script link."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def stance_chart(tl: Timeline, *, width: int = 900, compact: bool = False) -> dict:
    """Geometry of the stance-over-time chart: one row per body (by name), a dot per
    reaction, and a dashed line per policy change with its number above it.

    Numbers are set in as many lanes as they need so that none overlaps another: every
    marker is labelled, however many changes there are. `compact` puts each body's name
    above its row instead of beside it, for a phone.
    """
    numbers = {e["id"]: i for i, e in enumerate(tl.entries, 1)}
    points = [(r, e) for e in tl.entries for r in e["reactions"]]
    points += [(r, None) for r in tl.unlinked]
    dated = [(date.fromisoformat(r["date"]), r, e) for r, e in points if r.get("date")]
    empty = {"width": width, "height": 0, "rows": [], "dots": [], "ticks": [], "events": [],
             "compact": compact}
    if not dated:
        return empty
    names = {r["actor_id"]: r.get("actor_name") or r["actor_id"] for _, r, _ in dated}
    bodies = sorted(names, key=lambda a: (names[a].lower(), a))
    days = [d for d, _, _ in dated] + [date.fromisoformat(e["date"]) for e in tl.entries
                                       if e["date"]]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    longest = max((len(n) for n in names.values()), default=10)
    label_width = 0 if compact else min(300, int(longest * 6.8) + 18)
    margin = 14
    left = label_width + margin
    plot = width - left - margin

    def x(d: date) -> float:
        return round(left + plot * (d - first).days / span, 1)

    # Number labels in lanes: each label goes in the first lane where it clears the last.
    lanes: list[float] = []
    events = []
    for e in tl.entries:
        if not e["date"]:
            continue
        ex = x(date.fromisoformat(e["date"]))
        n = numbers[e["id"]]
        half = 4 + 3.6 * len(str(n))
        lane = next((i for i, end in enumerate(lanes) if end + 3 <= ex - half), len(lanes))
        if lane == len(lanes):
            lanes.append(0.0)
        lanes[lane] = ex + half
        events.append({"x": ex, "n": n, "lane": lane, "id": e["id"],
                       "title": f"{n}. {day_text(e['date'])}, {e['stage']}: {e['title']}"})
    lane_height = 15
    top = 12 + lane_height * max(len(lanes), 1)
    for ev in events:
        ev["y"] = 12 + lane_height * ev["lane"]
    row = 42 if compact else 30
    y_of = {a: top + i * row + (row - 14 if compact else row / 2)
            for i, a in enumerate(bodies)}
    height = top + len(bodies) * row + 24
    dots = [{"x": x(d), "y": y_of[r["actor_id"]], "stance": r["stance"],
             "colour": STANCE_COLOURS.get(r["stance"], "#444"),
             "entry": e["id"] if e else None,
             "title": f"{names[r['actor_id']]}: {r['stance']}, {day_text(d)}"
                      + (f", on {numbers[e['id']]}. {e['title']}" if e else
                         " (fits no policy change)")}
            for d, r, e in dated]
    ticks = []
    step = 1 if last.year - first.year < 4 or not compact else 2
    for year in range(first.year, last.year + 2, step):
        d = date(year, 1, 1)
        if first <= d <= last:
            ticks.append({"x": x(d), "label": str(year)})
    rows = [{"actor_id": a, "name": names[a], "y": y_of[a],
             "label_y": y_of[a] - 9 if compact else y_of[a] + 4} for a in bodies]
    return {"width": width, "height": height, "rows": rows, "dots": dots, "ticks": ticks,
            "events": events, "top": top, "label_width": label_width, "left": left,
            "right": width - margin, "compact": compact, "bottom": height - 18}


def filter_options(tl: Timeline) -> dict:
    """The topics and bodies the page can filter by, with names."""
    topics = sorted({t for e in tl.entries for t in e["topics"]})
    bodies: dict[str, str] = {}
    for e in tl.entries:
        for b in e["actors"]:
            bodies[b["actor_id"]] = b["name"]
        for r in e["reactions"]:
            bodies[r["actor_id"]] = r.get("actor_name") or r["actor_id"]
    return {"topics": topics,
            "bodies": sorted(bodies.items(), key=lambda p: (p[1].lower(), p[0]))}


def entry_bodies(entry: dict) -> str:
    """Every body an entry involves, as the page's filter reads them (space-separated ids)."""
    ids = [b["actor_id"] for b in entry["actors"]] + [r["actor_id"] for r in entry["reactions"]]
    return " ".join(dict.fromkeys(ids))


def render_html(tl: Timeline, *, generated: datetime | None = None) -> str:
    """A readable page: filters, the chart, then each change with its reactions."""
    tl = _readable(tl)
    template = _environment().get_template(TEMPLATE)
    return template.render(
        timeline=tl, wide=stance_chart(tl), narrow=stance_chart(tl, width=360, compact=True),
        colours=STANCE_COLOURS, stance_words=STANCE_WORDS, stances=STANCES,
        filters=_filters_text(tl.filters), options=filter_options(tl),
        entry_bodies=entry_bodies, chosen=tl.filters,
        generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"))


RENDERERS = {"text": render_text, "json": render_json, "html": render_html}


def write_timeline(*, database_url: str | None = None, since: date | None = None,
                   until: date | None = None, actor: str | None = None,
                   topic: str | None = None, format: str = "text",
                   output: Path | None = None, stream: IO[str] | None = None) -> Timeline:
    """Render the timeline in `format` to `output` (a file) or `stream`."""
    if format not in RENDERERS:
        raise BadFilter(f"unknown timeline format {format!r}; use one of {', '.join(FORMATS)}")
    tl = load_timeline(database_url, since=since, until=until, actor=actor, topic=topic)
    body = RENDERERS[format](tl)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(body, encoding="utf-8")
        log.info("timeline: %d entries written to %s", len(tl.entries), output)
    elif stream is not None:
        stream.write(body)
    return tl
