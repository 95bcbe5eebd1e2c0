"""The page table's writer: what became of every article page a crawl asked for.

`PageTableExtension` listens to the crawl: an item stored or dropped by the pipelines, a
request that failed for good, a 304 that kept a verdict. Each becomes one row of the page
table (`store.pages`), with the validators the page sent and when it is due again, so the
next crawl (`crawler.middlewares.IncrementalMiddleware`) leaves alone what it already judged.
Rows are written in small batches, and all that is left when the spider closes.
"""

import datetime as dt
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.defaults import setting
from crawler.middlewares import page_event
from crawler.pipelines import _STORE_LOCK

log = logging.getLogger(__name__)

# The drop reasons of the pipelines, as page outcomes (store.models.PAGE_OUTCOMES).
DROPPED = {"off-topic": "off-topic", "too-short": "too-short", "duplicate": "duplicate",
           "no-article": "not-article", "not-html": "not-article"}
BATCH = 25


def outcome_of_error(kind: str) -> str:
    """The page outcome of a failed request, from its counted kind (`classify`)."""
    if kind == "robots":
        return "robots"
    return "http-error" if kind.startswith("http-") else "failed"


class PageTableExtension:
    """Records one page-table row per article page the crawl asked for."""

    def __init__(self, crawler: Any) -> None:
        from store.pages import PageRecord

        self.record_type = PageRecord
        self.crawler = crawler
        s = crawler.settings
        self.database_url = setting(s, "PCNWATCH_DATABASE_URL")
        hours = dt.timedelta(hours=1)
        self.revalidate = setting(s, "PCNWATCH_REVALIDATE_HOURS") * hours
        self.recheck = setting(s, "PCNWATCH_RECHECK_HOURS") * hours
        self.backoff = setting(s, "PCNWATCH_FAILURE_BACKOFF_HOURS") * hours
        self.backoff_max = setting(s, "PCNWATCH_FAILURE_BACKOFF_MAX_HOURS") * hours
        self.pending: list[Any] = []
        sig = crawler.signals
        sig.connect(self.item_scraped, signal=signals.item_scraped)
        sig.connect(self.item_dropped, signal=signals.item_dropped)
        sig.connect(self.on_event, signal=page_event)
        sig.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageTableExtension":
        for name in ("PCNWATCH_PAGES_ENABLED", "PCNWATCH_STORE_ENABLED"):
            if not setting(crawler.settings, name):
                raise NotConfigured(f"{name} is off")
        return cls(crawler)

    def item_scraped(self, item: Any, spider: Any = None) -> None:
        if item.outcome is None:  # nothing was stored (a crawl without the store pipeline)
            return
        outcome = "duplicate" if item.outcome == "duplicate" else "stored"
        self._add(item, outcome, item.outcome, None)

    def item_dropped(self, item: Any, exception: Exception, spider: Any = None,
                     response: Any = None) -> None:
        reason = getattr(exception, "reason", None) or "no-article"
        self._add(item, DROPPED.get(reason, "not-article"), reason, str(exception))

    def on_event(self, event: dict[str, Any]) -> None:
        if not event.get("page"):
            return  # not an article request, or a page left alone without asking
        outcome = None if event.get("outcome") != "error" else outcome_of_error(event["reason"])
        self.pending.append(self.record_type(
            url=event["page"], source=event["source"], outcome=outcome,
            reason=event.get("reason") if outcome else None,
            detail=event.get("detail") if outcome else None, status=event.get("status"),
            etag=event.get("etag"), last_modified=event.get("last_modified"),
            source_lastmod=event.get("lastmod")))
        self._flush_if_full()

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.flush()

    def _add(self, item: Any, outcome: str, reason: str | None, detail: str | None) -> None:
        from store.articles import content_hash

        if not item.page_url:
            return
        text_hash = item.content_hash or (content_hash(item.title or "", item.text)
                                          if item.text else None)
        self.pending.append(self.record_type(
            url=item.page_url, source=item.source, outcome=outcome, reason=reason,
            detail=detail, status=item.status,
            article_url=item.canonical if outcome == "stored" else None, etag=item.etag,
            last_modified=item.last_modified, source_lastmod=item.source_lastmod,
            content_hash=text_hash, checked_at=item.fetched_at))
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows in one transaction."""
        from store import get_engine, session_scope
        from store.db import serialise_writes
        from store.pages import record_page

        if not self.pending:
            return
        batch, self.pending = self.pending, []
        with _STORE_LOCK, session_scope(get_engine(self.database_url)) as session:
            serialise_writes(session)
            for rec in batch:
                record_page(session, rec, wait=self._wait(rec), backoff=self.backoff,
                            backoff_max=self.backoff_max)
        log.debug("page table: %d rows written", len(batch))

    def _wait(self, rec: Any) -> dt.timedelta:
        """How long a verdict stands: a page with validators is cheap to ask again."""
        if rec.outcome == "robots":
            return self.recheck
        validators = rec.etag or rec.last_modified or rec.outcome is None
        return self.revalidate if validators else self.recheck
