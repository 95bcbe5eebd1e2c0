"""Helpers for the crawler tests: a private copy of the sample web, fast crawl settings and
the crawl's child process as /proc shows it."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.samplesites import SampleWeb, serve
from crawler.samplesites.server import ARTICLES_DIR

# Polite settings are for real sites; on 127.0.0.1 they would only make the tests slow.
# DOWNLOAD_TIMEOUT is below the slow page's delay so that page times out.
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 3.0,
    "PCNWATCH_RETRY_BACKOFF_BASE": 0.05,
    "LOG_LEVEL": "INFO",
}
SLOW_SECONDS = 4.0


@contextmanager
def sample_web(tmp: Path) -> Iterator[SampleWeb]:
    """The sample web serving a copy of the shipped articles that a test may change."""
    articles = tmp / "articles"
    shutil.copytree(ARTICLES_DIR, articles)
    with serve(articles_dir=articles, slow_seconds=SLOW_SECONDS) as web:
        yield web


def change_article(web: SampleWeb, site: str, index: int = 0) -> str:
    """Add a paragraph to one article and give it a later `updated` date; returns its path."""
    art = web.articles(site)[index]
    path = next((web.articles_dir / site).glob(f"*-{art.slug}.md"))
    raw = path.read_text("utf-8")
    head, body = raw.rsplit("+++", 1)
    head += 'updated = 2025-01-15T09:30:00Z\n'
    body += ("\n\nUpdate: the network contract guidance was reissued on 14 January, "
             "and practices have until the end of March to respond.\n")
    path.write_text(head + "+++" + body, "utf-8")
    return art.path


# -- the crawl child, read from /proc -----------------------------------------------------------


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie nobody has reaped yet counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def crawl_child(pid: int) -> int | None:
    """The pid of the `python -m crawler.run` that process `pid` started, if any."""
    for kid in children(pid):
        try:
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"crawler.run" in cmdline:
            return kid
    return None


def children(pid: int) -> list[int]:
    """The processes `pid` started, from any of its threads."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids
