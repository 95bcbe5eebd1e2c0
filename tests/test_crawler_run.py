"""run_crawl: a crawl in a child process, its events, its summary, its failures."""

import os

import pytest
from crawler_fixtures import FAST, crawl_child

from crawler.errors import BadSourcesFile, UnknownSource
from crawler.run import COUNTS, CrawlSummary, counts_from_stats, run_crawl
from crawler.samplesites import serve


@pytest.mark.parametrize("stats, want", [
    # nothing happened
    ({}, dict.fromkeys(COUNTS, 0)),
    # store outcomes and fetches map one to one
    ({"pcnwatch/fetched": 5, "pcnwatch/new": 3, "pcnwatch/updated": 1,
      "pcnwatch/unchanged": 4}, {**dict.fromkeys(COUNTS, 0), "fetched": 5, "new": 3,
                                 "updated": 1, "unchanged": 4}),
    # duplicates: found by the store, or dropped within the crawl
    ({"pcnwatch/duplicates": 1, "pcnwatch/dropped/duplicate": 2},
     {**dict.fromkeys(COUNTS, 0), "duplicates": 3}),
    # off-topic is its own count, not an error
    ({"pcnwatch/dropped/off-topic": 2}, {**dict.fromkeys(COUNTS, 0), "off_topic": 2}),
    # request errors and unusable pages are errors
    ({"pcnwatch/errors/http-404": 1, "pcnwatch/errors/timeout": 1,
      "pcnwatch/dropped/no-article": 1, "pcnwatch/dropped/not-html": 1},
     {**dict.fromkeys(COUNTS, 0), "errors": 4}),
])
def test_counts_from_stats(stats, want):
    assert counts_from_stats(stats) == want


def test_summary_adds_stats_of_several_spiders_per_source():
    summary = CrawlSummary()
    summary.add_stats("trouble-times", {"pcnwatch/new": 2, "pcnwatch/errors/robots": 1})
    summary.add_stats("trouble-times", {"pcnwatch/new": 1, "pcnwatch/errors/bad-feed": 1})
    assert summary.sources["trouble-times"]["new"] == 3
    assert summary.errors_by_kind("trouble-times") == {"robots": 1, "bad-feed": 1}
    assert summary.as_dict()["totals"]["errors"] == 2


def test_summary_of_a_crawl_stopped_early_counts_pages_as_its_stats_would():
    # A source whose spider never finished is counted from its page events; those counts
    # must agree with the stats of a finished one (counts_from_stats), new columns included.
    events = [
        {"event": "start", "source": "s", "spider": "s-feed"},
        {"event": "page", "source": "s", "url": "u1", "outcome": "new"},
        {"event": "page", "source": "s", "url": "u2", "outcome": "unchanged", "reason": "304"},
        {"event": "page", "source": "s", "url": "u3", "outcome": "skipped",
         "reason": "off-topic (not due)"},
        {"event": "page", "source": "s", "url": "u4", "outcome": "dropped",
         "reason": "too-short"},
        {"event": "page", "source": "s", "url": "u5", "outcome": "dropped",
         "reason": "off-topic"},
        {"event": "page", "source": "s", "url": "u6", "outcome": "error", "reason": "timeout"},
    ]
    stopped = CrawlSummary()
    for event in events:
        stopped.add_event(event)
    finished = counts_from_stats({
        "pcnwatch/fetched": 3, "pcnwatch/new": 1, "pcnwatch/unchanged": 1,
        "pcnwatch/skipped/off-topic": 1, "pcnwatch/dropped/too-short": 1,
        "pcnwatch/dropped/off-topic": 1, "pcnwatch/errors/timeout": 1})
    assert stopped.sources["s"] == finished
    assert stopped.errors_by_kind("s") == {"timeout": 1}


def test_run_crawl_unknown_source_fails_before_starting(sqlite_url):
    with pytest.raises(UnknownSource, match="no-such-site"):
        run_crawl(sources_file=None, names=["no-such-site"], database_url=sqlite_url)


def test_run_crawl_bad_sources_file(tmp_path, sqlite_url):
    bad = tmp_path / "s.toml"
    bad.write_text("[[source]]\nname = 'x'\n", "utf-8")
    with pytest.raises(BadSourcesFile):
        run_crawl(sources_file=bad, names=None, database_url=sqlite_url)


def test_run_crawl_streams_events_and_can_run_again(tmp_path, sqlite_url):
    with serve() as web:
        sources = web.write_sources(tmp_path / "s.toml", include_trouble=False)
        events = []
        first = run_crawl(sources_file=sources, names=["practice-matters"],
                          database_url=sqlite_url, on_event=events.append, settings=FAST)
        pages = [e for e in events if e["event"] == "page"]
        assert {e["outcome"] for e in pages} == {"new"}
        assert len(pages) == len(web.articles("practice-matters"))
        assert events[0]["event"] == "start" and events[-1]["event"] == "source_done"
        assert first.sources["practice-matters"]["new"] == len(pages)
        # The caller never ran a reactor, so it can crawl again in the same process.
        again = run_crawl(sources_file=sources, names=["practice-matters"],
                          database_url=sqlite_url, settings=FAST)
        assert again.sources["practice-matters"]["unchanged"] == len(pages)
        assert again.sources["practice-matters"]["fetched"] == 0


def test_run_crawl_timeout_kills_the_child_and_says_so(tmp_path, sqlite_url):
    with serve(slow_seconds=60) as web:
        sources = web.write_sources(tmp_path / "s.toml")
        # No time budget (PCNWATCH_CLOSE_AT 0): a child that does not stop by itself.
        summary = run_crawl(sources_file=sources, names=["trouble-times"],
                            database_url=sqlite_url, timeout=3,
                            settings={**FAST, "DOWNLOAD_TIMEOUT": 120, "PCNWATCH_CLOSE_AT": 0})
    assert summary.failed
    assert "timed out" in summary.reason
    # Stopped, not left behind. Its exit code is no test of that: SIGTERM that comes before
    # the slow download has started lets Scrapy finish cleanly (0); one that comes during
    # it ends in SIGKILL after the grace period.
    assert crawl_child(os.getpid()) is None


def test_run_crawl_bad_database_is_a_failed_crawl_with_the_reason(tmp_path):
    with serve() as web:
        sources = web.write_sources(tmp_path / "s.toml", include_trouble=False)
        summary = run_crawl(sources_file=sources, names=["gp-bulletin"],
                            database_url="nosuchdriver://nowhere/db", settings=FAST)
    assert summary.failed and summary.returncode == 2
    assert "nosuchdriver" in summary.reason and "Traceback" not in summary.reason
