"""A news site that misbehaves on purpose, served on 127.0.0.1 for the fault tests.

    with fault_site(items=10_000) as site:
        sources = site.write_sources(tmp / "sources.toml")

- `/feed/`: an RSS feed of `items` articles, newest first, one an hour back from
  1 June 2024 (10,000 items fit in the crawler's size limit).
- `/a/<n>/`: article n, about primary care networks (so it passes relevance),
  answered after `page_delay` seconds.
- `/empty-feed/`: a well-formed feed with no items; `/empty-body-feed/`: 0 bytes.
- `/garbage-sitemap.xml`: bytes that are not XML at all.
- `/bomb.xml.gz`: a gzip "sitemap" that unpacks to 64 MB.

Every path served is logged in `site.requests`.
"""

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

NEWEST = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

# Our own words, varied by article number so no two texts are the same.
PARAGRAPHS = (
    "Primary care network {n} has told its member practices that the network contract "
    "will bring a clinical pharmacist and a social prescribing link worker to the area "
    "before the winter, paid for through the additional roles scheme.",
    "The clinical director of network {n} said general practice in the town could not "
    "take on the care home rounds and the medication reviews without the new staff, and "
    "that the practices had written to the integrated care board to say so.",
    "Practice managers in network {n} are drawing up rotas for the extended access "
    "appointments, which must run on weekday evenings and on Saturday mornings under "
    "the directed enhanced service.",
    "The local medical committee said the workload on GPs had grown every year since "
    "networks were set up, and asked NHS England to fund the targets it sets for "
    "primary care networks before it adds new ones.",
)


def published(n: int) -> datetime:
    return NEWEST - timedelta(hours=n)


@dataclass
class FaultSite:
    items: int
    page_delay: float = 0.0
    port: int = 0
    requests: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _bomb: bytes = b""

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def article_path(self, n: int) -> str:
        return f"/a/{n}/"

    def served(self, prefix: str = "/") -> list[str]:
        with self._lock:
            return [p for p in self.requests if p.startswith(prefix)]

    def write_sources(self, path: Path, *, name: str = "fault-news",
                      feeds: tuple[str, ...] = ("/feed/",),
                      sitemaps: tuple[str, ...] = ()) -> Path:
        lines = ["[[source]]", f'name = "{name}"', f'home = "{self.url()}"']
        lines.append("feeds = [" + ", ".join(f'"{self.url(f)}"' for f in feeds) + "]")
        if sitemaps:
            lines.append("sitemaps = [" + ", ".join(f'"{self.url(s)}"' for s in sitemaps)
                         + "]")
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    def feed(self) -> bytes:
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                 f"<title>Fault News</title><link>{self.url()}</link>"]
        for n in range(self.items):
            parts.append(f"<item><title>Network {n} update</title>"
                         f"<link>{self.url(self.article_path(n))}</link>"
                         f"<pubDate>{format_datetime(published(n))}</pubDate></item>")
        parts.append("</channel></rss>")
        return "".join(parts).encode()

    def article(self, n: int) -> bytes:
        paras = "".join(f"<p>{p.format(n=n)}</p>" for p in PARAGRAPHS)
        day = published(n)
        return (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
                f"<title>Network {n} prepares for the winter</title>"
                f"<meta property=\"article:published_time\" content=\"{day.isoformat()}\">"
                f"</head><body><header><nav><a href=\"/\">Fault News</a></nav></header>"
                f"<main><article><h1>Network {n} prepares for the winter</h1>"
                f"<p class=\"byline\">By a staff reporter, {day:%d %B %Y}</p>{paras}"
                f"</article></main><footer>Fault News</footer></body></html>").encode()

    def bomb(self) -> bytes:
        if not self._bomb:
            self._bomb = gzip.compress(b"<" * (64 * 1024 * 1024), compresslevel=9)
        return self._bomb


def _handler(site: FaultSite):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            with site._lock:
                site.requests.append(path)
            status, ctype, body = 200, "text/html; charset=utf-8", b""
            if path == "/robots.txt":
                ctype, body = "text/plain", b"User-agent: *\nAllow: /\n"
            elif path == "/feed/":
                ctype, body = "application/rss+xml", site.feed()
            elif path == "/empty-feed/":
                ctype = "application/rss+xml"
                body = (b'<?xml version="1.0"?><rss version="2.0"><channel>'
                        b"<title>Fault News</title></channel></rss>")
            elif path == "/empty-body-feed/":
                ctype = "application/rss+xml"
            elif path == "/garbage-sitemap.xml":
                ctype, body = "text/plain", b"\x00\x13 these bytes are no sitemap \xff\xfe" * 20
            elif path == "/bomb.xml.gz":
                ctype, body = "application/x-gzip", site.bomb()
            elif path.startswith("/a/") and path.strip("/").split("/")[-1].isdigit():
                time.sleep(site.page_delay)
                body = site.article(int(path.strip("/").split("/")[-1]))
            else:
                status, body = 404, b"<html><body>not here</body></html>"
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a crawler that hangs up on a slow page is no error of the site's


@contextmanager
def fault_site(items: int = 20, page_delay: float = 0.0) -> Iterator[FaultSite]:
    site = FaultSite(items=items, page_delay=page_delay)
    server = _Server(("127.0.0.1", 0), _handler(site))
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
