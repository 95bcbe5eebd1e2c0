"""Crawl throughput over the bundled sample sites.

Prints, from one run:
- crawl + extract + store: articles per second of a full crawl (real Scrapy engine,
  child process, SQLite), over the three clean sample sites;
- fetch only: pages per second of the same crawl with extraction, relevance, dedup
  and store switched off, over the same pages;
- extraction time per page (crawler.extract.extract_page on the saved pages).

Politeness delays (DOWNLOAD_DELAY, AutoThrottle) are off in both crawls: on
127.0.0.1 they would measure the delays, not the crawler. Two requests at a time
per site stay, as in production.
"""

import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.extract import extract_page  # noqa: E402
from crawler.run import run_crawl  # noqa: E402
from crawler.samplesites import serve  # noqa: E402

SITES = ["gp-bulletin", "practice-matters", "network-news"]
BENCH = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
FETCH_ONLY = {**BENCH, "PCNWATCH_EXTRACT_ENABLED": False, "PCNWATCH_RELEVANCE_ENABLED": False,
              "PCNWATCH_DEDUP_ENABLED": False, "PCNWATCH_STORE_ENABLED": False}
# The fetch-only crawl writes to an empty database, so nothing is skipped as unchanged.
EXTRACT_ROUNDS = 5


def timed_crawl(sources: Path, db: str, settings: dict) -> tuple[dict, float, float]:
    """The summary totals, the wall time, and the time from first to last event."""
    stamps: list[float] = []
    start = time.perf_counter()
    summary = run_crawl(sources_file=sources, names=SITES, database_url=db, timeout=600,
                        on_event=lambda e: stamps.append(time.perf_counter()),
                        settings=settings)
    wall = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"bench crawl failed: {summary.reason}")
    return summary.totals, wall, (stamps[-1] - stamps[0]) if len(stamps) > 1 else wall


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pcnwatch-bench-"))
    with serve() as web:
        sources = web.write_sources(tmp / "sources.toml", include_trouble=False)
        urls = [web.article_url(a) for site in SITES for a in web.articles(site)]
        full, full_wall, full_busy = timed_crawl(sources, f"sqlite:///{tmp / 'full.db'}", BENCH)
        fetch, fetch_wall, fetch_busy = timed_crawl(sources, f"sqlite:///{tmp / 'fetch.db'}",
                                                    FETCH_ONLY)
        pages = [(u, urllib.request.urlopen(u, timeout=30).read()) for u in urls]
    times = []
    for _ in range(EXTRACT_ROUNDS):
        for url, html in pages:
            t = time.perf_counter()
            extract_page(html, url)
            times.append(time.perf_counter() - t)
    stored = full["new"]
    print(f"sample sites: {', '.join(SITES)}; {len(urls)} article pages; 2 cores")
    print(f"crawl+extract+store: {stored} articles stored in {full_wall:.2f} s wall "
          f"= {stored / full_wall:.1f} articles/s "
          f"({stored / full_busy:.1f} articles/s between first and last event, "
          "without process start-up)")
    print(f"fetch only:          {fetch['fetched']} pages fetched in {fetch_wall:.2f} s wall "
          f"= {fetch['fetched'] / fetch_wall:.1f} pages/s "
          f"({fetch['fetched'] / fetch_busy:.1f} pages/s between first and last event)")
    print(f"extraction per page: mean {statistics.mean(times) * 1000:.1f} ms, "
          f"median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {len(pages)} pages x {EXTRACT_ROUNDS}")


if __name__ == "__main__":
    main()
