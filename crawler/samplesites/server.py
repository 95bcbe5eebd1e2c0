"""The bundled sample web: four small news sites served on 127.0.0.1.

- `gp-bulletin`: a WordPress-style news site found through its RSS feed.
- `practice-matters`: found through a sitemap index that points at a news sitemap.
- `network-news`: found through paginated listing pages; its template carries the
  boilerplate of the seed sites (old-browser banner, ratings, author box, related
  posts, comment and newsletter prompts, a "follow us" line).
- `trouble-times`: the bad cases a crawler meets: a 404, a 500 that succeeds on
  retry, a slow page, a redirect chain, a malformed page, a Windows-1252 page that
  does not say so, a page over the size limit, a PDF, a broken feed, and a section
  that robots.txt disallows.

Each site runs on its own port, so each has its own robots.txt and its host is
the allowed domain. Articles are read from Markdown files with TOML front matter
on every request, so a test can change one between two crawls. Article pages
carry an ETag and Last-Modified and answer conditional requests with 304.
"""

import email.utils
import hashlib
import html
import logging
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ARTICLES_DIR = HERE / "articles"
TROUBLE_DIR = HERE / "trouble"
SITES = ("gp-bulletin", "practice-matters", "network-news", "trouble-times")
LISTING_PAGE_SIZE = 4


@dataclass
class Article:
    site: str
    slug: str
    title: str
    published: date
    author: str
    section: str
    tags: list[str]
    summary: str
    paragraphs: list[str]
    lastmod: datetime
    path: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def parse_article(path: Path, site: str) -> Article:
    """An article file: TOML front matter between `+++` lines, then paragraphs."""
    raw = path.read_text("utf-8")
    _, front, body = raw.split("+++", 2)
    meta = tomllib.loads(front)
    published = meta["published"]
    if isinstance(published, datetime):
        published = published.date()
    updated = meta.get("updated")
    if isinstance(updated, datetime):
        lastmod = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
    elif isinstance(updated, date):
        lastmod = datetime(updated.year, updated.month, updated.day, 8, tzinfo=UTC)
    else:
        lastmod = datetime(published.year, published.month, published.day, 8, tzinfo=UTC)
    paragraphs = [" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip()]
    slug = path.stem[11:] if path.stem[:4].isdigit() else path.stem
    art = Article(site=site, slug=slug, title=meta["title"], published=published,
                  author=meta.get("author", ""), section=meta.get("section", "News"),
                  tags=list(meta.get("tags", [])), summary=meta.get("summary", ""),
                  paragraphs=paragraphs, lastmod=lastmod)
    art.path = article_path(art)
    return art


def article_path(art: Article) -> str:
    if art.site == "gp-bulletin":
        return f"/{art.published:%Y/%m/%d}/{art.slug}/"
    if art.site == "practice-matters":
        return f"/insight/{art.slug}/"
    return f"/news/{art.slug}/"


@dataclass
class RequestLog:
    site: str
    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class SampleWeb:
    """The running sample web: base URLs, articles, and a log of every request served."""

    host: str
    articles_dir: Path
    slow_seconds: float = 5.0
    huge_bytes: int = 3 * 1024 * 1024
    ports: dict[str, int] = field(default_factory=dict)
    requests: list[RequestLog] = field(default_factory=list)
    _servers: list[ThreadingHTTPServer] = field(default_factory=list)
    _failed_once: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, site: str) -> str:
        """The base URL of `site`, ending in a slash."""
        if site not in self.ports:
            raise KeyError(f"no sample site {site!r}; sites: {', '.join(self.ports)}")
        return f"http://{self.host}:{self.ports[site]}/"

    def articles(self, site: str) -> list[Article]:
        """The site's articles, newest first, as the files now say."""
        if site == "trouble-times":
            files = sorted(TROUBLE_DIR.glob("[0-9]*.md"))
        else:
            files = sorted((self.articles_dir / site).glob("[0-9]*.md"))
        arts = [parse_article(p, site) for p in files]
        return sorted(arts, key=lambda a: (a.published, a.slug), reverse=True)

    def article_url(self, art: Article) -> str:
        return self.url(art.site).rstrip("/") + art.path

    def sources(self, *, include_trouble: bool = True) -> list[dict[str, Any]]:
        """Sources entries (contract section 7) for the served sites."""
        out = [
            {"name": "gp-bulletin", "home": self.url("gp-bulletin"),
             "feeds": [self.url("gp-bulletin") + "feed/"], "interval_hours": 6},
            {"name": "practice-matters", "home": self.url("practice-matters"),
             "sitemaps": [self.url("practice-matters") + "sitemap_index.xml"],
             "sitemap_follow": "news", "link_pattern": "/insight/", "interval_hours": 12},
            {"name": "network-news", "home": self.url("network-news"),
             "listing": [self.url("network-news") + "news/"],
             "link_pattern": r"/news/(?!page/)[a-z0-9-]+/(?:\?.*)?$",
             "next_pattern": r"/news/page/\d+/$", "interval_hours": 12},
        ]
        if include_trouble:
            out.append(
                {"name": "trouble-times", "home": self.url("trouble-times"),
                 "feeds": [self.url("trouble-times") + "feed/"],
                 "listing": [self.url("trouble-times") + "news/"],
                 "link_pattern": r"/(?:news|private)/[a-z0-9.-]+/?$",
                 "next_pattern": r"/news/page/\d+/$", "interval_hours": 24})
        return out

    def write_sources(self, path: str | Path, *, include_trouble: bool = True) -> Path:
        """Write a sources TOML file for the served sites; returns its path."""
        path = Path(path)
        lines = ["# The bundled sample sites, as served now (crawler.samplesites).", ""]
        for entry in self.sources(include_trouble=include_trouble):
            lines.append("[[source]]")
            for key, value in entry.items():
                lines.append(f"{key} = {_toml(value)}")
            lines.append("")
        path.write_text("\n".join(lines), "utf-8")
        return path

    def served(self, site: str, status: int | None = None) -> list[RequestLog]:
        with self._lock:
            return [r for r in self.requests
                    if r.site == site and (status is None or r.status == status)]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def record(self, entry: RequestLog) -> None:
        with self._lock:
            self.requests.append(entry)

    def fail_first(self, key: str) -> bool:
        """True the first time `key` is asked: the flaky page's one failure."""
        with self._lock:
            if key in self._failed_once:
                return False
            self._failed_once.add(key)
            return True


def _toml(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


_env = None


def templates() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                  autoescape=jinja2.select_autoescape(["html", "xml", "j2"]),
                                  trim_blocks=True, lstrip_blocks=True)
        _env.filters["rfc822"] = lambda d: email.utils.format_datetime(_aware(d))
        _env.filters["iso"] = lambda d: _aware(d).isoformat()
        _env.filters["longdate"] = lambda d: f"{d:%B} {d.day}, {d:%Y}"
        _env.filters["ukdate"] = lambda d: f"{d.day} {d:%B %Y}"
    return _env


def _aware(d: date | datetime) -> datetime:
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return datetime(d.year, d.month, d.day, 8, tzinfo=UTC)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Crawlers hang up on slow and oversized pages on purpose; no traceback for that.
        log.debug("sample site: connection from %s ended early", client_address)


class Response:
    def __init__(self, status: int = 200, body: bytes | str = b"",
                 content_type: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None, lastmod: datetime | None = None,
                 delay: float = 0.0) -> None:
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.lastmod = lastmod
        self.delay = delay


class SiteHandler(BaseHTTPRequestHandler):
    """Serves one site; `web` and `site` are set on a subclass per site."""

    web: SampleWeb
    site: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s %s", self.site, format % args)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        try:
            resp = route(self.web, self.site, path)
        except FileNotFoundError:
            resp = Response(404, "<html><body><h1>Not found</h1></body></html>")
        if resp.delay:
            time.sleep(resp.delay)
        if resp.status == 200 and resp.lastmod is not None:
            etag = '"' + hashlib.sha1(resp.body).hexdigest()[:20] + '"'
            resp.headers["ETag"] = etag
            resp.headers["Last-Modified"] = email.utils.format_datetime(resp.lastmod,
                                                                        usegmt=True)
            if _not_modified(self.headers, etag, resp.lastmod):
                resp = Response(304, b"", headers={"ETag": etag})
        self.web.record(RequestLog(self.site, self.command, path, resp.status,
                                   {k: v for k, v in self.headers.items()}))
        try:
            self.send_response(resp.status)
            if resp.status != 304:
                self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if not head and resp.status != 304:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            # The crawler hangs up on the slow and the oversized pages; that is the point.
            pass


def _not_modified(headers: Any, etag: str, lastmod: datetime) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return lastmod.replace(microsecond=0) <= since
    return False


def route(web: SampleWeb, site: str, path: str) -> Response:
    """The response of `site` to a GET of `path`."""
    env = templates()
    base = web.url(site)
    if path == "/robots.txt":
        return Response(body=env.get_template("robots.txt.j2").render(site=site, base=base),
                        content_type="text/plain; charset=utf-8")
    if site == "trouble-times":
        return _trouble(web, path)
    arts = web.articles(site)
    by_path = {a.path: a for a in arts}
    if path in by_path:
        art = by_path[path]
        related = [a for a in arts if a is not art][:2]
        page = env.get_template(f"{site}/article.html.j2").render(
            art=art, base=base.rstrip("/"), related=related)
        return Response(body=page, lastmod=art.lastmod)
    if site == "gp-bulletin":
        if path == "/feed/":
            feed = env.get_template("gp-bulletin/feed.xml.j2").render(
                arts=arts, base=base.rstrip("/"))
            return Response(body=feed, content_type="application/rss+xml; charset=utf-8")
        if path == "/":
            return Response(body=env.get_template("gp-bulletin/home.html.j2").render(
                arts=arts, base=base.rstrip("/")))
    if site == "practice-matters":
        if path == "/sitemap_index.xml":
            return Response(body=env.get_template("practice-matters/index.xml.j2").render(
                base=base.rstrip("/"), lastmod=max(a.lastmod for a in arts)),
                content_type="application/xml")
        if path == "/news-sitemap.xml":
            return Response(body=env.get_template("practice-matters/news.xml.j2").render(
                arts=arts, base=base.rstrip("/")), content_type="application/xml")
        if path == "/page-sitemap.xml":
            return Response(body=env.get_template("practice-matters/pages.xml.j2").render(
                base=base.rstrip("/")), content_type="application/xml")
        if path in ("/", "/about/"):
            return Response(body=env.get_template("practice-matters/about.html.j2").render(
                base=base.rstrip("/")))
    if site == "network-news" and (path in ("/", "/news/") or path.startswith("/news/page/")):
        number = 1 if path in ("/", "/news/") else _page_number(path)
        start = (number - 1) * LISTING_PAGE_SIZE
        chunk = arts[start:start + LISTING_PAGE_SIZE]
        if number < 1 or not chunk:
            raise FileNotFoundError(path)
        more = start + LISTING_PAGE_SIZE < len(arts)
        return Response(body=env.get_template("network-news/listing.html.j2").render(
            arts=chunk, page=number, more=more, base=base.rstrip("/")))
    raise FileNotFoundError(path)


def _page_number(path: str) -> int:
    try:
        return int(path.rstrip("/").rsplit("/", 1)[1])
    except (IndexError, ValueError):
        raise FileNotFoundError(path) from None


# The bad cases, by path: what the trouble-times site does at each.
TROUBLE_LINKS = (
    "/news/council-funding-shortfall-explained/",   # 404: the page has gone
    "/news/flaky-networks-survey/",                  # 500 once, then the article
    "/news/slow-pharmacist-roles-update/",           # answers after slow_seconds
    "/news/old-link/",                               # 301 -> 302 -> the article
    "/news/garbled/",                                # markup with no article in it
    "/news/legacy-encoding/",                        # Windows-1252, charset unsaid
    "/news/full-board-papers/",                      # bigger than the size limit
    "/news/network-dashboard.pdf",                   # a PDF
    "/private/draft-contract-letter/",               # robots.txt disallows /private/
    "/news/short-notice/",                           # a notice too short to be an article
)


def _trouble(web: SampleWeb, path: str) -> Response:
    env = templates()
    base = web.url("trouble-times").rstrip("/")
    arts = {a.slug: a for a in web.articles("trouble-times")}

    def page(slug: str) -> str:
        return env.get_template("trouble-times/article.html.j2").render(
            art=arts[slug], base=base)

    if path in ("/", "/news/"):
        return Response(body=env.get_template("trouble-times/listing.html.j2").render(
            links=TROUBLE_LINKS, base=base))
    if path == "/feed/":
        # Cut off mid-item, as when a feed generator dies half way through.
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                "<title>Trouble Times</title><link>" + base + "/</link><item>"
                "<title>Networks &amp; the budget</title><description>Practices <b>are")
        return Response(body=body, content_type="application/rss+xml; charset=utf-8")
    if path == "/news/flaky-networks-survey/":
        if web.fail_first(path):
            return Response(500, "<html><body><h1>Internal Server Error</h1></body></html>")
        return Response(body=page("flaky-networks-survey"), lastmod=arts[
            "flaky-networks-survey"].lastmod)
    if path == "/news/slow-pharmacist-roles-update/":
        return Response(body=page("slow-pharmacist-roles-update"), delay=web.slow_seconds)
    if path == "/news/old-link/":
        return Response(301, "", headers={"Location": base + "/news/moved-once/"})
    if path == "/news/moved-once/":
        return Response(302, "", headers={"Location": base + "/news/redirected-target/"})
    if path == "/news/redirected-target/":
        return Response(body=page("redirected-target"),
                        lastmod=arts["redirected-target"].lastmod)
    if path == "/news/short-notice/":
        return Response(body=page("short-notice"), lastmod=arts["short-notice"].lastmod)
    if path == "/news/garbled/":
        body = (b"<html><head><title>\x00\x00</title><body><div class=<<<>>>"
                b"<p><p><p></div></span></table>\xff\xfe\x00<script>var x = '</b>")
        return Response(body=body)
    if path == "/news/legacy-encoding/":
        # An old CMS: Windows-1252 bytes, and neither the header nor the page says so.
        body = page("legacy-encoding").replace('<meta charset="utf-8">', "")
        return Response(body=body.encode("cp1252"), content_type="text/html",
                        lastmod=arts["legacy-encoding"].lastmod)
    if path == "/news/full-board-papers/":
        filler = "<p>" + "Board paper appendix, table of figures. " * 50 + "</p>\n"
        body = "<html><body><h1>Board papers</h1>" + filler * (
            web.huge_bytes // len(filler) + 1) + "</body></html>"
        return Response(body=body)
    if path == "/news/network-dashboard.pdf":
        return Response(body=_PDF, content_type="application/pdf")
    if path == "/private/draft-contract-letter/":
        return Response(body=page("flaky-networks-survey"))
    raise FileNotFoundError(path)


_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n")


def start(host: str = "127.0.0.1", port: int = 0, *, articles_dir: Path | None = None,
          slow_seconds: float = 5.0, huge_bytes: int = 3 * 1024 * 1024) -> SampleWeb:
    """Start every site in a daemon thread; `port` 0 picks free ports, else port, port+1..."""
    web = SampleWeb(host=host, articles_dir=Path(articles_dir or ARTICLES_DIR),
                    slow_seconds=slow_seconds, huge_bytes=huge_bytes)
    for i, site in enumerate(SITES):
        handler = type(f"Handler_{site.replace('-', '_')}", (SiteHandler,),
                       {"web": web, "site": site})
        try:
            server = QuietServer((host, port + i if port else 0), handler)
        except OSError:
            stop(web)  # a port was taken: close the sites already started
            raise
        web.ports[site] = server.server_address[1]
        web._servers.append(server)
        threading.Thread(target=server.serve_forever, name=f"samplesite-{site}",
                         daemon=True).start()
    return web


def stop(web: SampleWeb) -> None:
    for server in web._servers:
        server.shutdown()
        server.server_close()


def escape(text: str) -> str:
    return html.escape(text, quote=True)
