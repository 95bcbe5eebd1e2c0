"""Crawls that meet more than they can do, or nothing they can use (issue 15, rows 12-13).

12. A feed of 10,000 items: more than one crawl can fetch in its time budget.
13. A garbage sitemap, a gzip sitemap bomb, an empty feed: each a counted fault.

Real Scrapy in a child process (`run_crawl`) over real HTTP on 127.0.0.1.
"""

import logging
import re
from collections import Counter

from crawler_fixtures import FAST
from fault_web import fault_site
from sqlmodel import select

from crawler.run import run_crawl
from store.db import get_engine, session_scope
from store.models import Article


def stored_numbers(url: str) -> set[int]:
    """The article numbers (/a/<n>/) stored so far."""
    with session_scope(get_engine(url)) as s:
        urls = s.exec(select(Article.url)).all()
    return {int(re.search(r"/a/(\d+)/", u).group(1)) for u in urls}


def test_huge_feed_is_crawled_newest_first_over_several_runs_each_within_its_budget(
        sqlite_url, tmp_path):
    with fault_site(items=10_000) as site:
        sources = site.write_sources(tmp_path / "sources.toml")
        first = run_crawl(sources_file=sources, names=None, database_url=sqlite_url,
                          timeout=25, settings=FAST)
        after_first = stored_numbers(sqlite_url)
        second = run_crawl(sources_file=sources, names=None, database_url=sqlite_url,
                           timeout=25, settings=FAST)
        after_second = stored_numbers(sqlite_url)
        fetched = Counter(site.served("/a/"))
    # Each run ends within its time and says what it stored: no more, no less.
    for run in (first, second):
        assert not run.failed and run.budget_reached, run.reason
        assert run.seconds < 25
        assert "next run" in run.reason
    assert 0 < len(after_first) < 10_000
    assert first.totals["new"] == len(after_first)
    assert second.totals["new"] == len(after_second) - len(after_first) > 0
    # Newest first: item 0 is the newest; only requests in flight at the close can be missing.
    assert 0 in after_first and max(after_first) < len(after_first) + 16
    assert min(after_second - after_first) >= max(after_first) - 16
    # The second run goes on from where the first stopped: nothing stored is fetched again.
    assert all(fetched[site.article_path(n)] == 1 for n in after_first)


def test_unusable_sitemaps_and_feeds_are_counted_faults_never_tracebacks(sqlite_url, tmp_path,
                                                                         caplog):
    with fault_site(items=3) as site:
        sources = site.write_sources(
            tmp_path / "sources.toml",
            feeds=("/feed/", "/empty-feed/", "/empty-body-feed/"),
            sitemaps=("/garbage-sitemap.xml", "/bomb.xml.gz"))
        with caplog.at_level(logging.DEBUG, logger="crawler.run"):
            summary = run_crawl(sources_file=sources, names=None, database_url=sqlite_url,
                                settings=FAST)
    assert not summary.failed, summary.reason
    # Each fault is in the source's error totals, with its reason.
    assert summary.errors_by_kind("fault-news") == {"bad-sitemap": 1, "too-large": 1,
                                                    "empty-feed": 2}
    assert summary.sources["fault-news"]["errors"] == 4
    # The good feed of the same source was crawled all the same.
    assert summary.sources["fault-news"]["new"] == 3 == len(stored_numbers(sqlite_url))
    child_log = "\n".join(r.getMessage() for r in caplog.records)
    assert "bad-sitemap" in child_log and "empty-feed" in child_log
    assert "Traceback" not in child_log and "StopIteration" not in child_log
