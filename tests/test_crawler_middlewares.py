"""Downloader middlewares alone: incremental skips and validators, failure kinds, back-off."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.middlewares import (
    ARTICLE,
    LASTMOD,
    BackoffRetryMiddleware,
    IncrementalMiddleware,
    SkipUnchanged,
    classify,
)
from crawler.sources import Source
from crawler.spiders import FeedSpider
from store import get_engine, session_scope
from store.pages import PageRecord, record_page

SOURCE = Source(name="county-news", home="https://news.example.org/",
                feeds=("https://news.example.org/feed/",))
STORED = "https://news.example.org/a/"


HOUR = timedelta(hours=1)
# Pages of the source as an earlier crawl left them in the page table.
OFF_TOPIC = "https://news.example.org/parking/"     # judged off-topic an hour ago, has an ETag
NO_VALIDATORS = "https://news.example.org/notice/"  # judged too short, sent no validators
GONE = "https://news.example.org/gone/"             # a 404 an hour ago


@pytest.fixture
def incremental(sqlite_url):
    """The middleware of a crawl whose page table knows four pages of the source."""
    now = datetime.now(UTC)
    waits = {"wait": 2 * HOUR, "backoff": 2 * HOUR, "backoff_max": 10 * HOUR}
    with session_scope(get_engine(sqlite_url)) as session:
        for rec in (
            PageRecord(STORED, "county-news", "stored", article_url=STORED, etag='"abc"',
                       last_modified="Tue, 02 Jan 2024 08:00:00 GMT",
                       source_lastmod="2024-01-02T08:00:00Z"),
            PageRecord(OFF_TOPIC, "county-news", "off-topic", etag='"p1"'),
            PageRecord(NO_VALIDATORS, "county-news", "too-short"),
            PageRecord(GONE, "county-news", "http-error", reason="http-404", status=404),
        ):
            record_page(session, PageRecord(**{**vars(rec), "checked_at": now - HOUR}),
                        **waits)
    crawler = get_crawler(FeedSpider, settings_dict={"PCNWATCH_DATABASE_URL": sqlite_url})
    crawler.spider = FeedSpider.from_crawler(crawler, source=SOURCE)
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)
    return mw, crawler.stats


def article(url, lastmod=None):
    return Request(url, meta={ARTICLE: True, LASTMOD: lastmod})


def test_incremental_skips_stored_article_whose_feed_date_is_unchanged(incremental):
    mw, stats = incremental
    with pytest.raises(SkipUnchanged):
        # tracking parameters do not hide a stored article
        mw.process_request(article(STORED + "?utm_source=rss", "2024-01-02T08:00:00Z"))
    assert stats.get_value("pcnwatch/unchanged") == 1


def test_incremental_revalidates_stored_article_whose_date_changed(incremental):
    mw, _ = incremental
    request = article(STORED, "2024-03-01T10:00:00Z")
    assert mw.process_request(request) is None
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == b"Tue, 02 Jan 2024 08:00:00 GMT"


@pytest.mark.parametrize("url, lastmod, stat", [
    (OFF_TOPIC, None, "off-topic"),            # judged an hour ago, due in two: left alone
    (NO_VALIDATORS, None, "too-short"),        # the same without validators
    (GONE, None, "http-error"),                # a failure backs off
    (GONE, "2024-05-01T00:00:00Z", "http-error"),  # ... even when the feed says it changed
])
def test_incremental_leaves_judged_pages_alone_until_due(incremental, url, lastmod, stat):
    mw, stats = incremental
    with pytest.raises(SkipUnchanged):
        mw.process_request(article(url, lastmod))
    assert stats.get_value(f"pcnwatch/skipped/{stat}") == 1
    assert stats.get_value("pcnwatch/unchanged") is None  # a judged page is no stored article


def test_incremental_asks_again_for_a_judged_page_whose_feed_date_changed(incremental):
    mw, _ = incremental
    mw.pages[OFF_TOPIC] = replace(mw.pages[OFF_TOPIC], source_lastmod="2024-01-02T08:00:00Z")
    request = article(OFF_TOPIC, "2024-05-01T00:00:00Z")
    assert mw.process_request(request) is None
    assert request.headers[b"If-None-Match"] == b'"p1"'


def test_incremental_asks_again_when_due(incremental):
    mw, _ = incremental
    past = datetime.now(UTC) - HOUR
    for url in (OFF_TOPIC, GONE):
        mw.pages[url] = replace(mw.pages[url], next_due_at=past)
    judged, failed = article(OFF_TOPIC), article(GONE)
    assert mw.process_request(judged) is None and judged.headers[b"If-None-Match"] == b'"p1"'
    assert mw.process_request(failed) is None and b"If-None-Match" not in failed.headers


def test_incremental_leaves_new_articles_and_other_requests_alone(incremental):
    mw, _ = incremental
    new = article("https://news.example.org/b/")
    feed = Request("https://news.example.org/feed/")
    assert mw.process_request(new) is None and b"If-None-Match" not in new.headers
    assert mw.process_request(feed) is None


def test_incremental_304_is_unchanged_200_is_fetched(incremental):
    mw, stats = incremental
    request = article(STORED)
    with pytest.raises(SkipUnchanged):
        mw.process_response(request, Response(STORED, status=304, request=request))
    ok = HtmlResponse(STORED, status=200, body=b"<html></html>", request=request)
    assert mw.process_response(request, ok) is ok
    assert stats.get_value("pcnwatch/not_modified") == 1
    assert stats.get_value("pcnwatch/fetched") == 1


def _failure(exc):
    try:
        raise exc
    except Exception:
        return Failure()


@pytest.mark.parametrize("exc, kind", [
    (HttpError(Response("https://x.org/", status=404), "Ignoring"), "http-404"),
    (HttpError(Response("https://x.org/", status=500), "Ignoring"), "http-500"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (DownloadTimeoutError("took longer than 3 seconds"), "timeout"),
    (DownloadCancelledError("larger than download max size (2097152)"), "too-large"),
    (DNSLookupError("no such host"), "dns"),
    (ValueError("strange"), "other"),
])
def test_classify_failures(exc, kind):
    assert classify(_failure(exc))[0] == kind


def test_backoff_doubles_and_honours_retry_after():
    crawler = get_crawler(FeedSpider, settings_dict={"PCNWATCH_RETRY_BACKOFF_BASE": 2.0,
                                                      "PCNWATCH_RETRY_BACKOFF_MAX": 5.0})
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    # doubling from the base, capped at the maximum; a Retry-After header wins
    assert [mw.delay(n, None) for n in (1, 2, 3)] == [2.0, 4.0, 5.0]
    assert mw.delay(1, 1.5) == 1.5
    assert mw.delay(1, 600) == 5.0
