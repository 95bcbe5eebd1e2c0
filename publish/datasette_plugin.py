"""The pcnwatch plugin of `pcnwatch serve`: what Datasette alone does not show.

- a front page (template `publish/datasette/templates/index.html`) that leads with
  the research views, with counts, plain descriptions, the chart, the feeds and the
  ready-made queries, and folds the raw tables away;
- evidence a researcher can check: each distinct sentence, the cue phrases that
  decided the stance marked (`publish.evidence`); topics and bodies as links that
  filter the view;
- live headline feeds at the addresses the feeds give as their own
  (`/headlines.xml` Atom, `/headlines.rss` RSS 2.0, `/headlines.json` JSON Feed),
  filtered by `topic`, `actor`, `source`, `since`, `until` and `limit`, read from
  the database itself (not a snapshot);
- the stance-over-time chart at `/-/stance` (`publish.charts`);
- the timeline at `/timeline`, filtered by `topic`, `body`, `from` and `to`
  (`publish.timeline`), and the deadlines calendar at `/deadlines.ics`
  (`publish.deadlines`), both read from the database itself;
- the privacy authorizer: subscribers' addresses, names and tokens read as NULL;
- HTML pages without bidi controls (`publish.hygiene`), whatever crawled text is in them;
  CSV exports with would-be formulas made text, as `pcnwatch query --format csv` does.

Datasette's plugin manager is global, so every hook acts only on a Datasette that
`publish.datasette.app` made (it carries `_pcnwatch`, a `ServeConfig`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from publish.datasette import ASSETS_MOUNT, PRIVATE_COLUMNS, TABLES, VIEW_SETTINGS, ServeConfig
from publish.evidence import as_list, evidence_html, mark_cues
from publish.hygiene import csv_cell, strip_bidi
from publish.views import VIEWS

PLUGIN_NAME = "pcnwatch"
FEED_FORMATS = {"xml": "atom", "rss": "rss", "json": "jsonfeed"}
FEED_TYPES = {"atom": "application/atom+xml; charset=utf-8",
              "rss": "application/rss+xml; charset=utf-8",
              "jsonfeed": "application/feed+json; charset=utf-8"}
FEED_LIMIT = 100
CHART_BODIES = 6
_LIST_COLUMNS = ("topics", "actors")


def register() -> None:
    """Add this module to Datasette's plugins (once per process)."""
    import sys

    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)


def _config(datasette: Any) -> ServeConfig | None:
    return getattr(datasette, "_pcnwatch", None)


# -- privacy -------------------------------------------------------------------------------------


def _authorizer(action: int, arg1: str | None, arg2: str | None, _db: str | None,
                _source: str | None) -> int:
    if action == sqlite3.SQLITE_READ and (arg1, arg2) in PRIVATE_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn, database, datasette):
    if _config(datasette) is not None:
        conn.set_authorizer(_authorizer)


# -- bidi controls -------------------------------------------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    # Asked when Datasette builds its app, perhaps before `publish.datasette.app` marks it
    # as pcnwatch's: whether it is ours is looked at on each request.
    def ours() -> bool:
        return _config(datasette) is not None

    return lambda inner: CsvAsText(WithoutBidi(inner, ours), ours)


class WithoutBidi:
    """ASGI: HTML pages leave without bidi controls (publish.hygiene).

    Crawled text reaches a page in cells, in the labels of linked rows, in titles
    and facets; filtering the page as it leaves covers them all. Written by hand:
    Datasette has no hook that sees a whole page, and a bidi control is never markup,
    so removing it cannot break the HTML. Other responses (JSON, CSV, the feeds, which
    `publish.feeds` cleans itself) pass as they are.
    """

    def __init__(self, app: Any, enabled: Callable[[], bool]):
        self.app, self.enabled = app, enabled

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.enabled():
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body: list[bytes] = []

        async def filtered(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    start["pass"] = True
                    await send(message)
                    return
                start.update(message)
                return
            if start.get("pass") or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            data = strip_bidi(b"".join(body).decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape")
            headers = [(k, str(len(data)).encode() if k == b"content-length" else v)
                       for k, v in start.get("headers") or []]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, filtered)


class CsvAsText:
    """ASGI: Datasette's CSV exports leave with would-be formulas made text and bidi
    controls removed, as `pcnwatch query --format csv` writes them (publish.hygiene);
    `?_raw_csv=1` keeps the cells as stored.

    Written by hand: Datasette writes its CSV itself, with no hook on the cells. The
    export streams (`_stream=on` sends a whole table), so it is rewritten record by
    record as it passes, never held whole: a chunk is cut after the last line break
    outside a quoted cell, and the rest waits for the next chunk.
    """

    def __init__(self, app: Any, enabled: Callable[[], bool]):
        self.app, self.enabled = app, enabled

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.enabled() or \
                not scope.get("path", "").endswith(".csv") or \
                b"_raw_csv=1" in scope.get("query_string", b""):
            await self.app(scope, receive, send)
            return
        pending = [""]

        async def rewritten(message):
            if message["type"] == "http.response.start":
                # The length changes as cells are rewritten: the server sends it chunked.
                headers = [(k, v) for k, v in message.get("headers") or []
                           if k.lower() != b"content-length"]
                await send({**message, "headers": headers})
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            more = message.get("more_body", False)
            text = pending[0] + message.get("body", b"").decode("utf-8", "surrogateescape")
            cut = len(text) if not more else _records_end(text)
            pending[0] = text[cut:]
            body = _safe_csv(text[:cut]).encode("utf-8", "surrogateescape")
            await send({"type": "http.response.body", "body": body, "more_body": more})

        await self.app(scope, receive, rewritten)


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _records_end(text: str) -> int:
    """Where the last whole CSV record in `text` ends: after its last line break that is
    not inside a quoted cell (a quote mark opens or closes one; two in a row are one mark
    inside it, and leave the count even)."""
    quoted, end = False, 0
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            end = i + 1
    return end


def _safe_csv(text: str) -> str:
    if not text:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([cell if _NUMBER.match(cell) else csv_cell(cell) for cell in row])
    return out.getvalue()


# -- cells ---------------------------------------------------------------------------------------


def _cell(row: Any, column: str) -> Any:
    try:
        return row[column]
    except (IndexError, KeyError):  # the column is not in this page (?_col=...)
        return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    cfg = _config(datasette)
    if cfg is None or database != cfg.db_name or table is None or value is None:
        return None
    quoted = table in ("quotes", "quote")
    if column == "evidence" and table in ("quotes", "quote", "actor_stances", "actor_stance"):
        return evidence_html(value, _cell(row, "cues"),
                             quote=_cell(row, "text") if quoted else None)
    if column == "cues" and table in ("quotes", "quote", "actor_stances", "actor_stance"):
        return ", ".join(as_list(value)) or Markup('<span class="pcnwatch-note">none</span>')
    if column == "text" and quoted and isinstance(value, str):
        return Markup('<span class="pcnwatch-quote">{}</span>').format(
            mark_cues(value, as_list(_cell(row, "cues"))))
    if column in _LIST_COLUMNS and table in VIEWS:
        base = datasette.urls.table(database, table)
        links = [Markup('<a href="{}">{}</a>').format(
            f"{base}?{urlencode({f'{column}__arraycontains': item})}", item)
            for item in as_list(value)]
        return Markup(", ").join(links)
    return None


@hookimpl
def extra_css_urls(datasette):
    if _config(datasette) is None:
        return []
    return [datasette.urls.path(f"/{ASSETS_MOUNT}/pcnwatch.css")]


# -- front page ----------------------------------------------------------------------------------


@hookimpl
def extra_template_vars(template, datasette):
    cfg = _config(datasette)
    if cfg is None or template != "index.html":
        return None

    async def front_page() -> dict:
        db = datasette.get_database(cfg.db_name)

        async def count(name: str) -> int | None:
            try:
                return (await db.execute(f"SELECT COUNT(*) FROM [{name}]")).single_value()
            except Exception:  # a timed-out count is shown as unknown, never an error page
                return None

        views = [{"name": name, "title": view["title"], "description": view["description"],
                  "url": datasette.urls.table(cfg.db_name, name),
                  "searchable": "fts_table" in VIEW_SETTINGS.get(name, {}),
                  "count": await count(name)}
                 for name, view in VIEWS.items()]
        tables = [{"name": name, "description": table["description"],
                   "url": datasette.urls.table(cfg.db_name, name), "count": await count(name)}
                  for name, table in TABLES.items()]
        queries = [{"title": q.get("title") or name, "description": q.get("description", ""),
                    "url": datasette.urls.table(cfg.db_name, name)}
                   for name, q in (datasette.metadata("queries", database=cfg.db_name)
                                   or {}).items()]
        return {"pcnwatch": {"views": views, "tables": tables, "queries": queries,
                             "db_name": cfg.db_name, "snapshot": cfg.snapshot,
                             "database_url": datasette.urls.database(cfg.db_name)}}

    return front_page


# -- routes --------------------------------------------------------------------------------------


@hookimpl
def register_routes(datasette):
    # Datasette asks for routes while it is being built, before `publish.datasette.app`
    # can mark it as pcnwatch's; so the views check the mark on each request instead.
    return [(r"^/headlines\.(?P<ext>xml|rss|json)$", feed_view),
            (r"^/-/stance$", stance_view),
            (r"^/timeline$", timeline_view),
            (r"^/deadlines\.ics$", deadlines_view)]


def _not_ours() -> Response:
    return Response.text("Not found\n", status=404)


def _date_arg(args: Any, name: str) -> date | None:
    value = args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a date; use YYYY-MM-DD") from None


def _limit_arg(args: Any) -> int:
    value = args.get("limit")
    if not value:
        return FEED_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"limit={value!r} is not a positive number")
    return int(value)


async def feed_view(request, datasette):
    """A live headline feed; a bad filter gets 400 and one line saying what is wrong."""
    from publish.feeds import live_feed
    from publish.headlines import HeadlineFilters

    cfg = _config(datasette)
    if cfg is None:
        return _not_ours()
    fmt = FEED_FORMATS[request.url_vars["ext"]]
    args = request.args
    base = (os.environ.get("PCNWATCH_PUBLIC_URL") or f"{request.scheme}://{request.host}")
    try:
        filters = HeadlineFilters(since=_date_arg(args, "since"), until=_date_arg(args, "until"),
                                  source=args.get("source") or None,
                                  topic=args.get("topic") or None,
                                  actor=args.get("actor") or None, limit=_limit_arg(args))
        text = await asyncio.to_thread(
            live_feed, fmt, filters, database_url=cfg.database_url,
            extra_actors=cfg.extra_actors, base_url=base.rstrip("/"),
            query=request.query_string)
    except ValueError as exc:
        return Response.text(f"{exc}\n", status=400)
    return Response(text, content_type=FEED_TYPES[fmt],
                    headers={"cache-control": "max-age=300"})


async def timeline_view(request, datasette):
    """The timeline page, filtered on the server (so it works without its script too)."""
    from publish.timeline import load_timeline, render_html

    cfg = _config(datasette)
    if cfg is None:
        return _not_ours()
    args = request.args
    try:
        tl = await asyncio.to_thread(
            load_timeline, cfg.database_url, since=_date_arg(args, "from"),
            until=_date_arg(args, "to"), actor=(args.get("body") or None),
            topic=(args.get("topic") or None))
    except ValueError as exc:
        return Response.text(f"{exc}\n", status=400)
    return Response.html(render_html(tl), headers={"cache-control": "max-age=300"})


async def deadlines_view(request, datasette):
    """The deadlines calendar (RFC 5545), at one address a calendar can subscribe to."""
    from publish.deadlines import find_deadlines, render_ics
    from store.db import get_engine, session_scope

    cfg = _config(datasette)
    if cfg is None:
        return _not_ours()
    try:
        since = _date_arg(request.args, "since")
    except ValueError as exc:
        return Response.text(f"{exc}\n", status=400)

    def calendar() -> str:
        with session_scope(get_engine(cfg.database_url)) as s:
            return render_ics(find_deadlines(s, since=since))

    text = await asyncio.to_thread(calendar)
    return Response(text, content_type="text/calendar; charset=utf-8",
                    headers={"cache-control": "max-age=3600",
                             "content-disposition": 'inline; filename="deadlines.ics"'})


_FAMILY = ("WITH RECURSIVE family(id) AS (SELECT :actor UNION "
           "SELECT a.id FROM actor a JOIN family f ON a.parent_id = f.id) ")
_BY_MONTH = (_FAMILY + "SELECT s.month, s.stance, COUNT(*) AS n FROM actor_stances s "
             "WHERE s.month IS NOT NULL "
             "AND (:actor = '' OR s.actor_id IN (SELECT id FROM family)) "
             "AND (:topic = '' OR EXISTS (SELECT 1 FROM json_each(s.topics) j "
             "WHERE j.value = :topic)) GROUP BY s.month, s.stance")


async def stance_view(request, datasette):
    """Stance over time: one body (and the bodies it has) or the most heard, on one topic."""
    from publish.charts import stance_bars

    cfg = _config(datasette)
    if cfg is None:
        return _not_ours()
    db = datasette.get_database(cfg.db_name)
    bodies = [dict(r) for r in await db.execute(
        "SELECT actor_id, MAX(actor_name) AS name, COUNT(*) AS n FROM actor_stances "
        "GROUP BY actor_id ORDER BY n DESC, actor_id")]
    topics = [dict(r) for r in await db.execute(
        "SELECT j.value AS topic, COUNT(*) AS n FROM actor_stances s, json_each(s.topics) j "
        "GROUP BY j.value ORDER BY n DESC, j.value")]
    actor = (request.args.get("actor") or "").strip().lower()
    topic = (request.args.get("topic") or "").strip().lower()
    problems = []
    if actor and actor not in {b["actor_id"] for b in bodies}:
        problems.append(f"No stance is recorded for a body with the id {actor!r}.")
        actor = ""
    if topic and topic not in {t["topic"] for t in topics}:
        problems.append(f"No stance is recorded in an article on the topic {topic!r}.")
        topic = ""
    names = {b["actor_id"]: b["name"] or b["actor_id"] for b in bodies}
    chosen = [actor] if actor else ["", *[b["actor_id"] for b in bodies[:CHART_BODIES]]]
    charts = []
    rows_url = datasette.urls.table(cfg.db_name, "actor_stances")
    for body in chosen:
        family = [r[0] for r in await db.execute(_FAMILY + "SELECT id FROM family",
                                                 {"actor": body})] if body else []
        by_month: dict[str, dict[str, int]] = {}
        for month, stance, n in await db.execute(_BY_MONTH, {"actor": body, "topic": topic}):
            by_month.setdefault(month, {})[stance] = n
        chart = stance_bars(by_month)
        for bar in chart["bars"]:
            args = [("month__gte", bar.first), ("month__lte", bar.last)]
            if family:
                args.append(("actor_id__in", ",".join(family)))
            if topic:
                args.append(("topics__arraycontains", topic))
            bar.href = f"{rows_url}?{urlencode(args)}"
        charts.append({"actor_id": body, "name": names.get(body, "All bodies"),
                       "family": family, "chart": chart,
                       "total": sum(b.total for b in chart["bars"])})
    html = await datasette.render_template(
        "pcnwatch_stance.html",
        {"charts": charts, "bodies": bodies, "topics": topics, "actor": actor, "topic": topic,
         "problems": problems, "rows_url": rows_url, "db_name": cfg.db_name},
        request=request)
    return Response.html(html)
