"""`pcnwatch serve`: the research database in Datasette, read-only, with live feeds.

Datasette reads SQLite. A SQLite database is served as it is: the file is opened
as a mutable database, which Datasette reads through `mode=ro` connections, so
the crawler may go on writing and Datasette never does (no writable canned
queries, no write plugins). Any other database (PostgreSQL) is served through a
snapshot of its research tables (`store.snapshot`, `pcnwatch export --sqlite`),
written when serve starts and refreshed by the scheduler after each process
run. Either way the database is called `pcnwatch` in every address.

What researchers see is declared here: each research view's title, plain-words
description and column notes (from `publish/views.py`), its facets (every topic
through an array facet, year and month for dates), newest first, and search
through the article and quote full-text indexes (Datasette's `fts_table`), so a
search combines with facets and filters. Internal tables are hidden. The front
page, the cue marking in evidence, the live feeds, the stance chart, the
privacy authorizer and pages without bidi controls come from the plugin in
`publish/datasette_plugin.py`, with the templates and CSS in
`publish/datasette/`. The timeline page (and whatever else is in the pages
directory) is served under `/pages/`. One path is not Datasette's:
`/unsubscribe`, the one-click unsubscribe link of the digest (`UnsubscribeApp`).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from publish.errors import ServeError
from publish.views import VIEWS
from store.db import database_url as resolve_url

log = logging.getLogger(__name__)

DB_NAME = "pcnwatch"
PAGES_MOUNT = "pages"
ASSETS_MOUNT = "pcnwatch-assets"
DEFAULT_SNAPSHOT = Path("pcnwatch-snapshot.db")

# How Datasette shows each research view. Search looks in the quotes (quotes view) or
# in the article each row comes from (the others), through its full-text index.
VIEW_SETTINGS: dict[str, dict[str, Any]] = {
    "quotes": {"facets": ["stance", "actor_name", {"array": "topics"}, "year", "month",
                          "source"],
               "sort_desc": "published", "fts_table": "quote_fts", "fts_pk": "quote_id"},
    "actor_stances": {"facets": ["stance", "actor_name", "actor_kind", {"array": "topics"},
                                 "year", "month"],
                      "sort_desc": "published", "fts_table": "article_fts",
                      "fts_pk": "article_id"},
    "events": {"facets": ["action", "actor_name", {"array": "topics"}, "year", "month"],
               "sort_desc": "published", "fts_table": "article_fts", "fts_pk": "article_id"},
    "timeline": {"facets": ["action", "actor_name", "reaction_stance", "topic", "year"],
                 "sort_desc": "date"},
    "headlines": {"facets": ["source", {"array": "topics"}, "year", "month"],
                  "sort_desc": "published", "fts_table": "article_fts", "fts_pk": "article_id"},
    "articles": {"facets": ["source", {"array": "topics"}, {"array": "actors"}, "year",
                            "month"],
                 "sort_desc": "published", "fts_table": "article_fts", "fts_pk": "article_id"},
}

# The tables under the views, for researchers who want them raw.
TABLES: dict[str, dict[str, Any]] = {
    "article": {"description": "Articles as extracted, with their full text.",
                "facets": ["source"], "sort_desc": "published",
                "fts_table": "article_fts", "fts_pk": "id"},
    "quote": {"description": "Quotes as stored; the Quotes view adds the article and the body.",
              "facets": ["stance", "actor_id"], "fts_table": "quote_fts", "fts_pk": "id"},
    "actor_stance": {"description": "Stances as stored; the Stances view adds the article "
                                    "and the body.", "facets": ["stance", "actor_id"]},
    "policy_event": {"description": "Policy events as stored; the Policy events view adds "
                                    "the article and the body.", "facets": ["action"]},
    "actor": {"description": "The bodies: short id, name, kind, and the body each belongs "
                             "to (bma-gpc belongs to bma).", "facets": ["kind"]},
    "person": {"description": "People named in articles, with the body they speak for."},
    "story": {"description": "Stories: copies of one piece of news share a story."},
    "timeline_entry": {"description": "Policy changes merged across articles; the Timeline "
                                      "view adds their reactions."},
    "reaction": {"description": "Each body's reaction to a policy change, and why it was "
                                "linked to it."},
}

# Bookkeeping, links between tables and private rows: not for browsing (still reachable
# by address, read-only; subscribers' details are blanked, see PRIVATE_COLUMNS).
HIDDEN_TABLES = ("alembic_version", "scheduler_lease", "job_run", "job_lock", "subscriber",
                 "digest_send", "source", "mention", "article_person", "article_topic", "page",
                 "analysis_claim")

# Subscribers' addresses, names and unsubscribe tokens are not for browsing: any
# query that reads them gets NULL instead (a SQLite authorizer, so custom SQL too).
PRIVATE_COLUMNS = frozenset({("subscriber", "email"), ("subscriber", "name"),
                             ("subscriber", "token")})


@dataclass
class ServeConfig:
    """What the plugin needs to know of this pcnwatch Datasette."""

    database_url: str
    path: Path
    snapshot: bool = False
    extra_actors: Mapping[str, str | None] | None = None
    db_name: str = DB_NAME
    views: dict[str, dict] = field(default_factory=lambda: VIEWS)


def _description_html(description: str, columns: Mapping[str, str]) -> str:
    """One short line, then the column notes folded away (a phone shows the rows first)."""
    notes = "".join(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>"
                    for name, text in columns.items())
    folded = (f'<details class="pcnwatch-columns"><summary>What the columns mean</summary>'
              f"<dl>{notes}</dl></details>") if columns else ""
    return f'<p class="pcnwatch-lede">{escape(description)}</p>{folded}'


def metadata() -> dict[str, Any]:
    """Datasette metadata: site text, canned queries, tables and views as researchers see them."""
    text = (resources.files("publish") / "datasette" / "metadata.json").read_text("utf-8")
    meta = json.loads(text)
    tables: dict[str, dict[str, Any]] = {}
    for name, view in VIEWS.items():
        tables[name] = {"title": view["title"], "description": view["description"],
                        "description_html": _description_html(view["description"],
                                                              view["columns"]),
                        **copy.deepcopy(VIEW_SETTINGS.get(name, {}))}
    for name, table in TABLES.items():
        tables[name] = {**copy.deepcopy(table), "title": f"{name} (raw table)",
                        "description_html": _description_html(table["description"], {})}
    for name in HIDDEN_TABLES:
        tables[name] = {"hidden": True}
    meta["databases"][DB_NAME]["tables"] = tables
    return meta


def sqlite_path(url: str | None = None) -> Path:
    """The SQLite file behind `url`; ServeError for anything else or a missing file."""
    url = resolve_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ServeError(f"{parsed.get_backend_name()} is not SQLite: pcnwatch serve reads "
                         "SQLite only, so serve a snapshot (pcnwatch serve --snapshot FILE)")
    if not parsed.database or parsed.database == ":memory:":
        raise ServeError("pcnwatch serve needs a SQLite file, not an in-memory database")
    path = Path(parsed.database)
    if not path.is_file():
        raise ServeError(f"no database at {path}; run pcnwatch demo or pcnwatch crawl first")
    return path


def served_file(url: str | None = None, snapshot: Path | None = None) -> tuple[Path, bool]:
    """The SQLite file to serve, and whether it is a snapshot.

    A SQLite database is served itself unless `snapshot` is given; any other database
    through a snapshot (DEFAULT_SNAPSHOT unless `snapshot`), written now.
    """
    from store.db import get_engine
    from store.snapshot import export_sqlite

    url = resolve_url(url)
    if snapshot is None and make_url(url).get_backend_name() == "sqlite":
        path = sqlite_path(url)
        get_engine(url)  # migrate first (adds the views), through the normal writer
        return path, False
    path = snapshot or DEFAULT_SNAPSHOT
    export_sqlite(path, url)
    return path, True


def write_timeline_page(pages_dir: Path, url: str | None = None) -> Path | None:
    """Render the timeline page into `pages_dir`; None if the timeline module cannot."""
    try:
        from publish.timeline import load_timeline, render_html
    except ImportError as exc:
        log.warning("timeline page not available: %s", exc)
        return None
    pages_dir.mkdir(parents=True, exist_ok=True)
    path = pages_dir / "timeline.html"
    path.write_text(render_html(load_timeline(url)), encoding="utf-8")
    return path


def app(url: str | None = None, *, pages_dir: Path | None = None, snapshot: Path | None = None,
        extra_actors: Mapping[str, str | None] | None = None):
    """The Datasette instance (call `.app()` for ASGI, `.client` in tests)."""
    from datasette.app import Datasette
    from datasette.database import Database

    from publish.datasette_plugin import register

    url = resolve_url(url)
    path, is_snapshot = served_file(url, snapshot)
    here = resources.files("publish") / "datasette"
    mounts = [(ASSETS_MOUNT, str(here / "static"))]
    if pages_dir is not None:
        mounts.append((PAGES_MOUNT, str(pages_dir)))
    register()
    ds = Datasette(metadata=metadata(), static_mounts=mounts, template_dir=str(here / "templates"),
                   settings={"allow_download": False, "default_page_size": 50,
                             "sql_time_limit_ms": 3000, "facet_time_limit_ms": 1000,
                             # the declared facets are the useful ones; suggestions are noise
                             "suggest_facets": False})
    # Always "pcnwatch", whatever the file is called, so addresses survive a move to a snapshot.
    ds.add_database(Database(ds, path=str(path), is_mutable=True), name=DB_NAME)
    ds._pcnwatch = ServeConfig(database_url=url, path=path, snapshot=is_snapshot,
                               extra_actors=extra_actors)
    return ds


_PAGE = ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>pcnwatch digest</title></head><body style=\"font-family: sans-serif; "
         "max-width: 600px; margin: 2em auto; padding: 0 1em\">{body}</body></html>")


class UnsubscribeApp:
    """ASGI: `/unsubscribe` for one-click unsubscribe (RFC 8058), the rest to Datasette.

    POST unsubscribes (what mail clients send with List-Unsubscribe-Post). GET
    only shows a button that POSTs, because link scanners fetch every URL in a
    mail and must not unsubscribe anyone. This writes `subscriber.active`
    through the store (the database itself, never a snapshot), never through
    Datasette, which stays read-only.
    """

    def __init__(self, inner: Any, url: str | None = None):
        self.inner, self.url = inner, url

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].rstrip("/") != "/unsubscribe":
            await self.inner(scope, receive, send)
            return
        from urllib.parse import parse_qs

        token = (parse_qs(scope.get("query_string", b"").decode()).get("token") or [""])[0]
        if scope["method"] == "POST":
            # Drain the body: RFC 8058 clients post "List-Unsubscribe=One-Click".
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False)
            from publish.mail import unsubscribe_token
            from store.db import get_engine

            done = bool(token) and unsubscribe_token(get_engine(self.url), token)
            status, body = (200, "<p>You are unsubscribed from the weekly digest.</p>") \
                if done else (404, "<p>This link is not a current subscription.</p>")
        elif scope["method"] in ("GET", "HEAD"):
            status, body = 200, (
                "<p>Stop getting the weekly pcnwatch digest?</p>"
                f"<form method=\"post\" action=\"/unsubscribe?token={escape(token)}\">"
                "<button type=\"submit\">Unsubscribe</button></form>")
        else:
            status, body = 405, "<p>Use POST.</p>"
        data = _PAGE.format(body=body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(data)).encode()),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": data})


def asgi_app(url: str | None = None, *, pages_dir: Path | None = None,
             snapshot: Path | None = None,
             extra_actors: Mapping[str, str | None] | None = None) -> UnsubscribeApp:
    """Datasette plus the unsubscribe endpoint, as one ASGI application."""
    url = resolve_url(url)
    ds = app(url, pages_dir=pages_dir, snapshot=snapshot, extra_actors=extra_actors)
    return UnsubscribeApp(ds.app(), url)


def serve(url: str | None = None, *, port: int = 8001, pages_dir: Path = Path("out"),
          host: str = "127.0.0.1", snapshot: Path | None = None,
          extra_actors: Mapping[str, str | None] | None = None,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; writes the timeline page into `pages_dir` first."""
    import uvicorn

    url = resolve_url(url)
    if snapshot is None and make_url(url).get_backend_name() == "sqlite":
        sqlite_path(url)  # before any work: a missing file fails here
    elif announce is not None:
        announce(f"writing the research snapshot {snapshot or DEFAULT_SNAPSHOT} ...")
    pages_dir.mkdir(parents=True, exist_ok=True)
    write_timeline_page(pages_dir, url)
    asgi = asgi_app(url, pages_dir=pages_dir, snapshot=snapshot, extra_actors=extra_actors)
    where = f"http://{host}:{port}/"
    log.info("serving %s on %s", url, where)
    if announce is not None:
        announce(f"serving the research database read-only on {where} (feeds: {where}"
                 f"headlines.xml, .rss, .json; stance chart: {where}-/stance; timeline: "
                 f"{where}{PAGES_MOUNT}/timeline.html); Ctrl-C stops")
    uvicorn.run(asgi, host=host, port=port, log_level="warning")
