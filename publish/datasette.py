"""`pcnwatch serve`: Datasette over the database, read-only.

Datasette reads SQLite only, so a PostgreSQL DATABASE_URL is refused with a
clear error. The file is opened as a mutable database, which Datasette reads
through `mode=ro` connections: the crawler may go on writing, Datasette never
does (no writable canned queries, no write plugins). Table, view and column
descriptions come from `publish/views.py`; canned queries and the site text
from `publish/datasette/metadata.json`. The timeline page (and whatever else is
in the pages directory, such as the digest and feeds of a demo) is served
under `/pages/`. One path is not Datasette's: `/unsubscribe`, the one-click
unsubscribe link of the digest (see `UnsubscribeApp`).
"""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
import types
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from publish.errors import ServeError
from publish.hygiene import strip_bidi
from publish.views import VIEWS
from store.db import database_url as resolve_url

log = logging.getLogger(__name__)

DB_NAME = "pcnwatch"
PAGES_MOUNT = "pages"

TABLES: dict[str, dict[str, Any]] = {
    "article": {"description": "One row per canonical URL: the article as extracted.",
                "facets": ["source"], "sort_desc": "published",
                "columns": {"url": "canonical URL", "source": "site name",
                            "published": "publication date", "story_id": "its story",
                            "text": "the article body",
                            "analysed_version": "pipeline version of its analysis"}},
    "actor": {"description": "Bodies that speak or act; ids are stable slugs.",
              "facets": ["kind"],
              "columns": {"parent_id": "the body this one belongs to (bma-gpc → bma)"}},
    "article_topic": {"description": "Topics of each article, rank 0 first.",
                      "facets": ["topic"]},
    "quote": {"description": "Raw quotes; the quotes view adds article and actor.",
              "facets": ["actor_id", "stance"]},
    "actor_stance": {"description": "Raw stances; the actor_stances view adds article and "
                     "actor.", "facets": ["actor_id", "stance"]},
    "policy_event": {"description": "Raw events; the events view adds article and actor.",
                     "facets": ["action", "actor_id"]},
    "story": {"description": "Stories: copies of one piece of news share a story."},
    "digest_send": {"description": "Digest deliveries: one row per week and subscriber.",
                    "facets": ["status", "week"]},
    "subscriber": {"hidden": True},
}

VIEW_FACETS = {
    "quotes": ["actor_id", "stance", "topic", "source"],
    "actor_stances": ["actor_id", "stance", "topic", "source"],
    "events": ["action", "actor_id", "topic", "source"],
    "timeline": ["action", "actor_id", "reaction_stance", "topic"],
    "headlines": ["source", "topic"],
}


# Subscribers' addresses, names and unsubscribe tokens are not for browsing: any
# query that reads them gets NULL instead (a SQLite authorizer, so custom SQL too).
PRIVATE_COLUMNS = frozenset({("subscriber", "email"), ("subscriber", "name"),
                             ("subscriber", "token")})


def _authorizer(action: int, arg1: str | None, arg2: str | None, _db: str | None,
                _source: str | None) -> int:
    if action == sqlite3.SQLITE_READ and (arg1, arg2) in PRIVATE_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


def _register_plugin() -> None:
    """Install `_authorizer` on the connections of pcnwatch's Datasette, and serve its
    pages without bidi controls (publish.hygiene): a plugin, registered once."""
    from datasette import hookimpl
    from datasette.plugins import pm

    if pm.get_plugin("pcnwatch_privacy") is not None:
        return

    @hookimpl
    def prepare_connection(conn, database, datasette):
        if getattr(datasette, "_pcnwatch", False):
            conn.set_authorizer(_authorizer)

    @hookimpl
    def asgi_wrapper(datasette):
        # Asked when Datasette builds its app, before `app()` below marks it as ours:
        # whether it is ours is looked at on each request.
        return lambda inner: _WithoutBidi(inner, lambda: getattr(datasette, "_pcnwatch", False))

    # Datasette lists plugins by module name, so the plugin is a (virtual) module.
    plugin = types.ModuleType("pcnwatch_privacy")
    plugin.prepare_connection = prepare_connection
    plugin.asgi_wrapper = asgi_wrapper
    pm.register(plugin, name="pcnwatch_privacy")


class _WithoutBidi:
    """ASGI: HTML pages leave without bidi controls (publish.hygiene).

    Crawled text reaches a page in cells, in the labels of linked rows, in titles
    and facets; filtering the page as it leaves covers them all. Written by hand:
    Datasette has no hook that sees a whole page, and a bidi control is never markup,
    so removing it cannot break the HTML. Other responses (JSON, CSV) pass as they are.
    """

    def __init__(self, app, enabled: Callable[[], bool]):
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


def sqlite_path(url: str | None = None) -> Path:
    """The SQLite file behind `url`; ServeError for anything else or a missing file."""
    url = resolve_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ServeError(f"pcnwatch serve reads SQLite only (Datasette), not "
                         f"{parsed.get_backend_name()}; export the data with pcnwatch query, "
                         "or point DATABASE_URL at a SQLite copy")
    if not parsed.database or parsed.database == ":memory:":
        raise ServeError("pcnwatch serve needs a SQLite file, not an in-memory database")
    path = Path(parsed.database)
    if not path.is_file():
        raise ServeError(f"no database at {path}; run pcnwatch demo or pcnwatch crawl first")
    return path


def metadata() -> dict[str, Any]:
    """Datasette metadata: site text, canned queries, table and column descriptions."""
    text = (resources.files("publish") / "datasette" / "metadata.json").read_text("utf-8")
    meta = json.loads(text)
    tables = copy.deepcopy(TABLES)
    for name, view in VIEWS.items():
        tables[name] = {"description": view["description"], "columns": view["columns"],
                        "facets": VIEW_FACETS.get(name, [])}
    meta["databases"][DB_NAME]["tables"] = tables
    return meta


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


def app(url: str | None = None, *, pages_dir: Path | None = None):
    """The Datasette instance (call `.app()` for ASGI, `.client` in tests)."""
    from datasette.app import Datasette

    path = sqlite_path(url)
    # Migrate first (adds the views), through the normal writer, never through Datasette.
    from store.db import get_engine

    get_engine(url)
    # Datasette names a database after its file; ours is always "pcnwatch" in the metadata.
    meta = metadata()
    meta["databases"] = {path.stem: meta["databases"].pop(DB_NAME)}
    mounts = [(PAGES_MOUNT, str(pages_dir))] if pages_dir is not None else []
    _register_plugin()
    ds = Datasette(files=[str(path)], metadata=meta, static_mounts=mounts,
                   settings={"allow_download": False, "default_page_size": 50,
                             "sql_time_limit_ms": 3000})
    ds._pcnwatch = True
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
    through the store, never through Datasette, which stays read-only.
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
            from html import escape

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


def asgi_app(url: str | None = None, *, pages_dir: Path | None = None) -> UnsubscribeApp:
    """Datasette plus the unsubscribe endpoint, as one ASGI application."""
    return UnsubscribeApp(app(url, pages_dir=pages_dir).app(), url)


def serve(url: str | None = None, *, port: int = 8001, pages_dir: Path = Path("out"),
          host: str = "127.0.0.1", announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; writes the timeline page into `pages_dir` first."""
    import uvicorn

    path = sqlite_path(url)  # before any work: a PostgreSQL URL fails here
    pages_dir.mkdir(parents=True, exist_ok=True)
    write_timeline_page(pages_dir, url)
    asgi = asgi_app(url, pages_dir=pages_dir)
    where = f"http://{host}:{port}/"
    log.info("serving %s on %s", path, where)
    if announce is not None:
        announce(f"serving {path} read-only on {where} (timeline: {where}{PAGES_MOUNT}/"
                 "timeline.html); Ctrl-C stops")
    uvicorn.run(asgi, host=host, port=port, log_level="warning")
