"""Downloader middlewares and extensions of the pcnwatch crawler.

- `IncrementalMiddleware`: leaves alone the pages the page table has judged and that are
  not due again (a failure backs off; a feed or sitemap date that did not change keeps a
  page's verdict), and sends If-None-Match / If-Modified-Since for the rest; a 304 keeps
  the page's verdict.
- `BackoffRetryMiddleware`: Scrapy's retries, waiting longer each time (and as
  long as a Retry-After header asks) before trying again.
- `EventsExtension`: one JSON line per page and per finished source, for
  `crawler.run.run_crawl`'s progress display and summary.
- `BudgetExtension`: closes each spider at the end of the crawl's time budget
  (PCNWATCH_CLOSE_AT), keeping and counting what it stored.
- `record_failure` / `record_problem`: every failed request or unusable page is
  logged with its source and URL and counted under `pcnwatch/errors/<kind>`.
"""

import asyncio
import json
import logging
import sys
import threading
import time
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import defer
from twisted.internet import error as tx_error
from twisted.python.failure import Failure

from crawler.dedup import canonical_url
from crawler.defaults import BUDGET_REASON, setting

log = logging.getLogger(__name__)

# Sent with keyword `event` (a dict) whenever something happens to a page.
page_event = object()
# Sent with keyword `item` by the store pipeline's worker thread the moment an article is
# committed, not later on the reactor thread: a crawl stopped between the two would
# otherwise report one article fewer than it stored.
article_stored = object()

ARTICLE = "pcnwatch_article"
LASTMOD = "pcnwatch_lastmod"


class SkipUnchanged(IgnoreRequest):
    """An article request not worth completing: the article has not changed."""


def emit(crawler: Any, **event: Any) -> None:
    crawler.signals.send_catch_log(page_event, event=event)


def _source(spider: Any) -> str:
    src = getattr(spider, "source", None)
    return getattr(src, "name", None) or getattr(spider, "name", "?")


def classify(failure: Failure) -> tuple[str, str]:
    """(kind, detail) of a failed request, for counting and for the log."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http-{exc.response.status}", f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text.lower():
            return "robots", "forbidden by robots.txt"
        return "ignored", text or "request ignored"
    if isinstance(exc, DownloadCancelledError | defer.CancelledError) and (
            "max size" in str(exc).lower()):
        return "too-large", "larger than DOWNLOAD_MAXSIZE"
    if isinstance(exc, DownloadTimeoutError | tx_error.TimeoutError | defer.TimeoutError):
        return "timeout", "timed out (DOWNLOAD_TIMEOUT)"
    if isinstance(exc, tx_error.DNSLookupError):
        return "dns", "host not found"
    if isinstance(exc, DownloadConnectionRefusedError | tx_error.ConnectionRefusedError
                  | tx_error.ConnectError):
        return "connection", str(exc) or "connection failed"
    if isinstance(exc, DownloadCancelledError | defer.CancelledError):
        return "cancelled", str(exc) or "download cancelled"
    return "other", f"{type(exc).__name__}: {exc}"


def page_url(request: Any) -> str | None:
    """The page-table key of an article request: the canonical URL first asked for (before
    any redirect), or None for feeds, sitemaps and listings."""
    if request is None or not request.meta.get(ARTICLE):
        return None
    return canonical_url((request.meta.get("redirect_urls") or [request.url])[0])


def record_failure(spider: Any, failure: Failure) -> None:
    """Count and log a request that failed for good (after retries)."""
    if failure.check(SkipUnchanged):
        return
    request = getattr(failure, "request", None) or getattr(failure.value, "request", None)
    response = getattr(failure.value, "response", None)
    url = request.url if request is not None else getattr(response, "url", "?")
    kind, detail = classify(failure)
    record_problem(spider, url, kind, detail, page=page_url(request),
                   status=getattr(response, "status", None),
                   lastmod=request.meta.get(LASTMOD) if request is not None else None)


def record_problem(spider: Any, url: str, kind: str, detail: str, *, page: str | None = None,
                   status: int | None = None, lastmod: str | None = None) -> None:
    """Count `pcnwatch/errors/<kind>` and log the URL and what went wrong."""
    source = _source(spider)
    spider.crawler.stats.inc_value(f"pcnwatch/errors/{kind}")
    log.warning("source=%s url=%s error=%s: %s", source, url, kind, detail)
    emit(spider.crawler, event="page", source=source, url=url, outcome="error", reason=kind,
         detail=detail, page=page, status=status, lastmod=lastmod)


class IncrementalMiddleware:
    """Leave alone what the page table has judged and is not due; re-validate the rest."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.database_url = setting(crawler.settings, "PCNWATCH_DATABASE_URL")
        self.pages: dict[str, Any] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "IncrementalMiddleware":
        if not setting(crawler.settings, "PCNWATCH_INCREMENTAL_ENABLED"):
            raise NotConfigured("PCNWATCH_INCREMENTAL_ENABLED is off")
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        from store import get_engine, session_scope
        from store.pages import known_pages

        engine = get_engine(self.database_url)
        with session_scope(engine) as session:
            self.pages = known_pages(session, _source(spider))
        log.info("source=%s %d pages known", _source(spider), len(self.pages))

    def process_request(self, request: Any, spider: Any = None) -> None:
        from store.models import utcnow

        if not request.meta.get(ARTICLE):
            return None
        page = self.pages.get(canonical_url(request.url))
        if page is None:
            return None
        lastmod = request.meta.get(LASTMOD)
        due = utcnow() >= page.next_due_at
        if page.failed:
            # A failure backs off, whatever the feed says: the server had trouble with it.
            if not due:
                self._skip(request, page, "backing off")
            return None
        if lastmod and page.source_lastmod == lastmod:
            self._skip(request, page, "lastmod")
        changed = bool(lastmod and page.source_lastmod and lastmod != page.source_lastmod)
        if not (due or changed):
            self._skip(request, page, "not due")
        if page.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = page.etag
        if page.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = page.last_modified
        return None

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        if not request.meta.get(ARTICLE):
            return response
        if response.status == 304:
            self.crawler.stats.inc_value("pcnwatch/not_modified")
            page = self.pages.get(canonical_url(request.url))
            self._skip(request, page, "304", response=response)
        if 200 <= response.status < 300:
            self.crawler.stats.inc_value("pcnwatch/fetched")
        return response

    def _skip(self, request: Any, page: Any, why: str, response: Any = None) -> None:
        """Count and announce a page left alone, then stop its request."""
        stats = self.crawler.stats
        outcome = getattr(page, "outcome", "stored")
        source = request.meta.get("pcnwatch_source") or _source(self.crawler.spider)
        event = {"event": "page", "source": source, "url": request.url}
        if outcome == "stored":
            stats.inc_value("pcnwatch/unchanged")
            event.update(outcome="unchanged", reason=why)
        else:
            # A verdict that stands: off-topic, too short, failed ... counted once, when made.
            stats.inc_value(f"pcnwatch/skipped/{outcome}")
            event.update(outcome="skipped", reason=f"{outcome} ({why})")
        if response is not None:  # asked, and the page had not changed: the page table notes it
            event.update(page=page_url(request), status=response.status,
                         etag=_header(response, b"ETag"),
                         last_modified=_header(response, b"Last-Modified"),
                         lastmod=request.meta.get(LASTMOD))
        log.debug("source=%s url=%s %s (%s)", source, request.url, event["outcome"], why)
        emit(self.crawler, **event)
        raise SkipUnchanged(f"{event['outcome']} ({why})")


def _header(response: Any, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries 429/5xx and network errors, waiting base * 2**n seconds (or Retry-After)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.base = setting(crawler.settings, "PCNWATCH_RETRY_BACKOFF_BASE")
        self.cap = setting(crawler.settings, "PCNWATCH_RETRY_BACKOFF_MAX")

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BackoffRetryMiddleware":
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        return cls(crawler)

    async def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        result = super().process_response(request, response)
        if result is response:
            return result
        await self._wait(result, _retry_after(response), f"HTTP {response.status}")
        return result

    async def process_exception(self, request: Any, exception: Exception,
                                spider: Any = None) -> Any:
        result = super().process_exception(request, exception)
        if result is None:
            return result
        await self._wait(result, None, type(exception).__name__)
        return result

    def delay(self, tries: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `tries` (1 for the first)."""
        wanted = retry_after if retry_after is not None else self.base * 2 ** (tries - 1)
        return min(self.cap, wanted)

    async def _wait(self, request: Any, retry_after: float | None, why: str) -> None:
        tries = request.meta.get("retry_times", 1)
        wait = self.delay(tries, retry_after)
        self.crawler.stats.inc_value("pcnwatch/retries")
        log.info("url=%s retry %d in %.1fs after %s", request.url, tries, wait, why)
        if wait > 0:
            await asyncio.sleep(wait)


def _retry_after(response: Any) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value.decode("latin-1")))
    except ValueError:
        return None


class EventsExtension:
    """Writes JSON lines: one per page outcome, one per finished source with its stats."""

    def __init__(self, crawler: Any, stream: Any) -> None:
        self.crawler = crawler
        self.stream = stream
        self.lock = threading.Lock()  # the store's worker threads write here too
        sig = crawler.signals
        sig.connect(self.on_event, signal=page_event)
        sig.connect(self.article_stored, signal=article_stored)
        sig.connect(self.item_scraped, signal=signals.item_scraped)
        sig.connect(self.item_dropped, signal=signals.item_dropped)
        sig.connect(self.spider_opened, signal=signals.spider_opened)
        sig.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "EventsExtension":
        if not setting(crawler.settings, "PCNWATCH_EVENTS_ENABLED"):
            raise NotConfigured("PCNWATCH_EVENTS_ENABLED is off")
        target = setting(crawler.settings, "PCNWATCH_EVENTS_FILE") or "-"
        stream = sys.stdout if target == "-" else open(target, "a", encoding="utf-8")  # noqa: SIM115
        return cls(crawler, stream)

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, default=str) + "\n"
        with self.lock:
            self.stream.write(line)
            self.stream.flush()

    def on_event(self, event: dict[str, Any]) -> None:
        self.write(event)

    def spider_opened(self, spider: Any) -> None:
        self.write({"event": "start", "source": _source(spider), "spider": spider.name})

    def article_stored(self, item: Any) -> None:
        self._page(item)

    def item_scraped(self, item: Any, spider: Any = None) -> None:
        if item.outcome is None:  # no store pipeline: it announced nothing itself
            self._page(item)

    def _page(self, item: Any) -> None:
        self.write({"event": "page", "source": item.source, "url": item.canonical or item.url,
                    "outcome": item.outcome or "stored", "title": item.title})

    def item_dropped(self, item: Any, exception: Exception, spider: Any = None,
                     response: Any = None) -> None:
        reason = getattr(exception, "reason", None) or str(exception)
        self.write({"event": "page", "source": item.source, "url": item.canonical or item.url,
                    "outcome": "dropped", "reason": reason, "detail": str(exception)})

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if k.startswith("pcnwatch/") or k.startswith("retry/")
                 or k.startswith("downloader/response_status_count/")}
        self.write({"event": "source_done", "source": _source(spider), "spider": spider.name,
                    "finish_reason": reason, "stats": stats})
        if self.stream is not sys.stdout:
            self.stream.close()


class BudgetExtension:
    """Closes each spider at PCNWATCH_CLOSE_AT, a clock instant rather than a length
    (unlike CLOSESPIDER_TIMEOUT), so the crawl process's start-up counts against the
    budget. Closing keeps what was stored, and the spider's stats say why it closed."""

    def __init__(self, crawler: Any, close_at: float) -> None:
        self.crawler, self.close_at, self.call = crawler, close_at, None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BudgetExtension":
        close_at = setting(crawler.settings, "PCNWATCH_CLOSE_AT")
        if not close_at:
            raise NotConfigured("PCNWATCH_CLOSE_AT is not set: no time budget")
        return cls(crawler, close_at)

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet import reactor

        self.call = reactor.callLater(max(0.0, self.close_at - time.time()), self.close, spider)

    def close(self, spider: Any) -> None:
        self.call = None
        log.info("source=%s time budget spent: closing, keeping what was stored",
                 _source(spider))
        engine = self.crawler.engine
        if hasattr(engine, "close_spider_async"):
            deferred_from_coro(engine.close_spider_async(reason=BUDGET_REASON))
        else:  # Scrapy before 2.14
            engine.close_spider(spider, BUDGET_REASON)

    def spider_closed(self, spider: Any) -> None:
        if self.call is not None and self.call.active():
            self.call.cancel()
