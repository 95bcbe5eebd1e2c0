"""The timeline as text, JSON or an HTML page, read from the store.

`write_timeline` is what `pcnwatch timeline` calls: it checks the filters,
reads the entries (`store.timeline.timeline_entries`) and the reactions that
fit no entry, and renders them. JSON is contract section 8: a list of entries
in date order. The HTML page carries its CSS and its chart (inline SVG drawn
here, stance over time per actor) and loads nothing from outside; every text
from the database goes through Jinja2 autoescaping. Text and HTML are read by
people, so bidi controls are removed from them (publish.hygiene); the JSON keeps
the text as stored.
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
STANCE_COLOURS = {"support": "#2e7d32", "oppose": "#c62828", "mixed": "#e08600",
                  "neutral": "#7a7a7a"}
TEMPLATE = "timeline.html.j2"
MAX_NUMBERED_EVENTS = 30


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


# -- text ----------------------------------------------------------------------------------------


def _readable(tl: Timeline) -> Timeline:
    return Timeline(clean(tl.entries), clean(tl.unlinked), tl.filters)


def render_text(tl: Timeline) -> str:
    """Entries in date order, each with its reactions grouped by stance, quotes and sources."""
    tl = _readable(tl)
    lines: list[str] = []
    if not tl.entries:
        lines.append("No policy events in the timeline" + _filters_text(tl.filters) + ".")
    for e in tl.entries:
        when = (e["date"] or "undated") + (" (est.)" if e["date_estimated"] else "")
        lines.append(f"{when}  {e['actor_name'] or 'unknown'} {e['action']}: {e['object']}"
                     + (f"  [{', '.join(e['topics'])}]" if e["topics"] else ""))
        for url in e["sources"]:
            lines.append(f"    source: {url}")
        for stance, rs in e["reactions_by_stance"].items():
            lines.append(f"    {stance} ({len(rs)}):")
            for r in rs:
                lines.append(f"      {r['actor_id']}, {r['date'] or 'undated'}: {r['url']}")
                if r["quote"]:
                    who = f" ({r['speaker']})" if r.get("speaker") else ""
                    lines.append(f"        \u201c{_one_line(r['quote'])}\u201d{who}")
        if not e["reactions"]:
            lines.append("    no reactions found")
        lines.append("")
    if tl.unlinked:
        lines.append(f"Reactions that fit no event ({len(tl.unlinked)}):")
        for r in tl.unlinked:
            lines.append(f"  {r['date'] or 'undated'}  {r['actor_id']} {r['stance']}: "
                         f"{r['reason']}: {r['url']}")
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _filters_text(filters: dict) -> str:
    parts = [f"{k} {v}" for k, v in filters.items() if v is not None]
    return (" for " + ", ".join(parts)) if parts else ""


# -- json ----------------------------------------------------------------------------------------


ENTRY_KEYS = ("date", "action", "actor_id", "object", "sources", "reactions", "id", "key",
              "topic", "topics", "date_estimated")
REACTION_KEYS = ("actor_id", "stance", "url", "quote", "speaker", "date", "reason")


def render_json(tl: Timeline) -> str:
    """Contract section 8: one JSON list of entries in date order."""
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
    return env


def safe_href(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a stored URL must not become a script link."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def stance_chart(tl: Timeline, *, width: int = 900, row: int = 30, label_width: int = 190,
                 margin: int = 24) -> dict:
    """Geometry of the stance-over-time chart: one row per actor, a dot per reaction."""
    points = [(r, e) for e in tl.entries for r in e["reactions"]]
    points += [(r, None) for r in tl.unlinked]
    dated = [(date.fromisoformat(r["date"]), r, e) for r, e in points if r.get("date")]
    actors = sorted({r["actor_id"] for _, r, _ in dated})
    if not dated:
        return {"width": width, "height": 0, "rows": [], "dots": [], "ticks": [], "events": []}
    days = [d for d, _, _ in dated] + [date.fromisoformat(e["date"]) for e in tl.entries
                                       if e["date"]]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    plot = width - label_width - margin

    def x(d: date) -> float:
        return round(label_width + plot * (d - first).days / span, 1)

    top = 28
    y_of = {a: top + i * row + row / 2 for i, a in enumerate(actors)}
    height = top + len(actors) * row + 20
    dots = [{"x": x(d), "y": y_of[r["actor_id"]], "stance": r["stance"],
             "colour": STANCE_COLOURS.get(r["stance"], "#444"),
             "title": f"{r['actor_id']} {r['stance']} on {r['date']}"
                      + (f": {e['action']} {e['object']}" if e else " (no event)")}
            for d, r, e in dated]
    ticks = []
    for year in range(first.year, last.year + 2):
        for month in (1, 7) if last.year - first.year < 3 else (1,):
            d = date(year, month, 1)
            if first <= d <= last:
                ticks.append({"x": x(d), "label": d.strftime("%b %Y")})
    events = [{"x": x(date.fromisoformat(e["date"])), "n": i, "title":
               f"{e['date']} {e['actor_id']} {e['action']}: {e['object']}"}
              for i, e in enumerate(tl.entries, 1) if e["date"]]
    # Past a few dozen events, numbers at the top would print over each other.
    numbered = len(events) <= MAX_NUMBERED_EVENTS
    return {"width": width, "height": height, "rows": [{"actor": a, "y": y_of[a]} for a in actors],
            "dots": dots, "ticks": ticks, "events": events, "top": top, "numbered": numbered,
            "label_width": label_width, "right": width - margin}


def render_html(tl: Timeline, *, generated: datetime | None = None) -> str:
    """A readable page: the chart, then each entry with reactions grouped by stance."""
    tl = _readable(tl)
    template = _environment().get_template(TEMPLATE)
    return template.render(timeline=tl, chart=stance_chart(tl), colours=STANCE_COLOURS,
                           stances=STANCES, filters=_filters_text(tl.filters),
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
