"""Item pipelines: one job each, in order (ITEM_PIPELINES, spaced by 100).

canonicalise (100) -> extract (200) -> relevance (300) -> dedup (400) -> store (500)

A pipeline that rejects an item raises DropItem with a reason, bumps the stat
`pcnwatch/dropped/<reason>` and logs the source and URL; the crawl summary is
built from those stats.
"""

import logging
import threading
from datetime import date
from typing import Any, NoReturn

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.dedup import canonical_url, content_hash, minhash_signature, same_site
from crawler.defaults import setting
from crawler.errors import ExtractionFailed
from crawler.extract import ExtractOptions, extract_page, find_canonical
from crawler.items import PageItem
from crawler.middlewares import article_stored
from crawler.relevance import score_relevance

log = logging.getLogger(__name__)

# Crawls of several sources share one process and one database; writes go one at a
# time so two copies of an article cannot race for the same unique URL. Crawl processes on
# other hosts (a shared frontier) are kept in line by store.db.serialise_writes.
_STORE_LOCK = threading.Lock()
# One extraction at a time: trafilatura and htmldate share module-level lxml parsers and
# caches between threads, and a crawl of many pages from the wider web once ended in a
# native crash (free(): invalid pointer) with extractions running side by side. Extraction
# still runs off the reactor thread, so downloads keep flowing.
_EXTRACT_LOCK = threading.Lock()


class _Pipeline:
    setting = ""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any):
        if not setting(crawler.settings, cls.setting):
            raise NotConfigured(f"{cls.setting} is off")
        return cls(crawler)

    def drop(self, item: PageItem, reason: str, detail: str, *,
             level: int = logging.WARNING) -> NoReturn:
        self.stats.inc_value(f"pcnwatch/dropped/{reason}")
        log.log(level, "source=%s url=%s dropped %s: %s", item.source,
                item.canonical or item.url, reason, detail)
        exc = DropItem(f"{reason}: {detail}")
        exc.reason = reason
        raise exc


class CanonicalisePipeline(_Pipeline):
    """The URL the article is known by: rel=canonical on the same site, trackers stripped."""

    setting = "PCNWATCH_CANONICAL_ENABLED"

    def process_item(self, item: PageItem) -> PageItem:
        url = item.url
        if item.html:
            declared = find_canonical(item.html, item.url)
            spider = self.crawler.spider
            # A canonical pointing at another site is a syndication credit, not our key.
            if declared and same_site(declared, getattr(spider, "allowed_domains", None)
                                      or []):
                url = declared
        item.canonical = canonical_url(url)
        return item


class ExtractPipeline(_Pipeline):
    """The article in the page: title, body, date, author, language."""

    setting = "PCNWATCH_EXTRACT_ENABLED"

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.min_chars = setting(crawler.settings, "PCNWATCH_MIN_TEXT_CHARS")

    async def process_item(self, item: PageItem) -> PageItem:
        # Extraction is the CPU-heavy step; off the reactor thread, downloads keep flowing.
        return await maybe_deferred_to_future(deferToThread(self._extract, item))

    def _extract(self, item: PageItem) -> PageItem:
        if item.html is None or "html" not in (item.content_type or "text/html").lower():
            self.drop(item, "not-html", f"content type {item.content_type or 'unknown'}")
        hints = getattr(getattr(self.crawler.spider, "source", None), "extract", None)
        options = ExtractOptions(min_text_chars=self.min_chars,
                                 drop_css=hints.drop_css if hints else (),
                                 drop_lines=hints.drop_lines if hints else ())
        try:
            with _EXTRACT_LOCK:
                found = extract_page(item.html, item.canonical or item.url, options=options)
        except ExtractionFailed as exc:
            self.drop(item, "no-article", exc.reason)
        item.title, item.text = found["title"], found["text"]
        if not found["title"]:
            self.drop(item, "no-article", "no title")
        if found["short"]:
            # Extraction returns a short body and says so; storing it is the crawl's call.
            self.drop(item, "too-short", f"body too short ({len(found['text'])} characters, "
                      f"need {self.min_chars})", level=logging.INFO)
        item.published, item.author, item.lang = (found["published"], found["author"],
                                                  found["lang"])
        item.html = None  # the page has served its purpose; keep items small
        return item


class RelevancePipeline(_Pipeline):
    """Keeps items about primary care and general practice."""

    setting = "PCNWATCH_RELEVANCE_ENABLED"

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.threshold = setting(crawler.settings, "PCNWATCH_RELEVANCE_THRESHOLD")

    def process_item(self, item: PageItem) -> PageItem:
        result = score_relevance(item.title or "", item.text or "")
        item.relevance, item.relevance_reason = result.score, result.reason
        if result.score < self.threshold:
            self.drop(item, "off-topic", f"{result.reason} (score {result.score:.2f} < "
                      f"{self.threshold})", level=logging.INFO)
        return item


class DedupPipeline(_Pipeline):
    """Content hash (exact copies within a crawl are dropped) and MinHash signature."""

    setting = "PCNWATCH_DEDUP_ENABLED"

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        s = crawler.settings
        self.num_perm = setting(s, "PCNWATCH_MINHASH_PERM")
        self.seed = setting(s, "PCNWATCH_MINHASH_SEED")
        self.words = setting(s, "PCNWATCH_SHINGLE_WORDS")
        self.seen: dict[str, str] = {}

    def process_item(self, item: PageItem) -> PageItem:
        item.content_hash = content_hash(item.title or "", item.text or "")
        first = self.seen.setdefault(item.content_hash, item.canonical or item.url)
        if first != (item.canonical or item.url):
            self.drop(item, "duplicate", f"same text as {first}", level=logging.INFO)
        item.minhash = minhash_signature(item.text or "", num_perm=self.num_perm,
                                         seed=self.seed, words=self.words)
        return item


class StorePipeline(_Pipeline):
    """Writes the article to the store, in a worker thread, one transaction per item."""

    setting = "PCNWATCH_STORE_ENABLED"

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.database_url = setting(crawler.settings, "PCNWATCH_DATABASE_URL")
        self.engine = None

    def open_spider(self, spider: Any = None) -> None:
        from store import get_engine, session_scope
        from store.articles import upsert_source
        from store.db import serialise_writes

        self.engine = get_engine(self.database_url)
        source = getattr(self.crawler.spider, "source", None)
        if source is not None:
            with _STORE_LOCK, session_scope(self.engine) as session:
                serialise_writes(session)
                upsert_source(session, source.name, source.home, source.as_config())

    def close_spider(self, spider: Any = None) -> None:
        from store import session_scope
        from store.db import serialise_writes
        from store.models import Source, utcnow

        source = getattr(self.crawler.spider, "source", None)
        if source is None or self.engine is None:
            return
        with _STORE_LOCK, session_scope(self.engine) as session:
            serialise_writes(session)
            row = session.get(Source, source.name)
            if row is not None:
                row.last_crawled_at = utcnow()
                session.add(row)

    async def process_item(self, item: PageItem) -> PageItem:
        await maybe_deferred_to_future(deferToThread(self._write, item))
        return item

    def _write(self, item: PageItem) -> None:
        from store import ArticleRecord, session_scope, upsert_article
        from store.db import serialise_writes

        record = ArticleRecord(
            url=item.canonical or item.url, source=item.source, title=item.title or "",
            text=item.text or "",
            published=date.fromisoformat(item.published) if item.published else None,
            author=item.author, lang=item.lang, relevance=item.relevance,
            relevance_reason=item.relevance_reason, minhash=item.minhash,
            fetched_at=item.fetched_at, etag=item.etag, last_modified=item.last_modified,
            source_lastmod=item.source_lastmod)
        with _STORE_LOCK:
            with session_scope(self.engine) as session:
                serialise_writes(session)
                outcome, _ = upsert_article(session, record)
            # Counted and announced here, in the thread, as soon as it is committed: the
            # reactor may never run this thread's callback if the crawl is stopped now.
            item.outcome = outcome.value
            key = "duplicates" if item.outcome == "duplicate" else item.outcome
            self.stats.inc_value(f"pcnwatch/{key}")
            self.crawler.signals.send_catch_log(article_stored, item=item)
        log.info("source=%s url=%s %s", item.source, item.canonical, item.outcome)
