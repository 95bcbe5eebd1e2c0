"""The bundled sample web that the demo and the tests crawl (see `server.py`).

    with serve() as web:
        web.write_sources(tmp / "sources.toml")
        ...crawl...
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.samplesites.server import SITES, Article, SampleWeb, start, stop

__all__ = ["SITES", "Article", "SampleWeb", "serve"]


@contextmanager
def serve(host: str = "127.0.0.1", port: int = 0, *, articles_dir: Path | None = None,
          slow_seconds: float = 5.0, huge_bytes: int = 3 * 1024 * 1024) -> Iterator[SampleWeb]:
    """Serve the sample sites in background threads for the duration of the block.

    `port` 0 gives each site a free port; otherwise the sites take port, port+1, ...
    `articles_dir` replaces the shipped articles (tests copy them to change one).
    """
    web = start(host, port, articles_dir=articles_dir, slow_seconds=slow_seconds,
                huge_bytes=huge_bytes)
    try:
        yield web
    finally:
        stop(web)
