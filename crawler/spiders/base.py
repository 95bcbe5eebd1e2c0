"""What every pcnwatch spider shares: its source, article pages as items, failures."""

from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.dedup import canonical_url
from crawler.defaults import setting
from crawler.extract import decode_html
from crawler.items import PageItem
from crawler.middlewares import page_url, record_failure
from crawler.sources import Source, load_sources, select

ARTICLE = "pcnwatch_article"
LASTMOD = "pcnwatch_lastmod"


class SourceMixin:
    """Resolves the spider's source in from_crawler: `source` (name or Source) and
    `sources_file` spider arguments, else the PCNWATCH_SOURCE / PCNWATCH_SOURCES_FILE settings."""

    source: Source
    crawler: Any

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        source = kwargs.pop("source", None) or setting(crawler.settings, "PCNWATCH_SOURCE")
        sources_file = kwargs.pop("sources_file", None) or crawler.settings.get(
            "PCNWATCH_SOURCES_FILE")
        if not isinstance(source, Source):
            if not source:
                raise ValueError(f"spider {cls.name!r} needs a source: "
                                 "-a source=NAME (see crawler/sources.toml)")
            source = select(load_sources(sources_file), [source])[0]
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.source = source
        spider.allowed_domains = source.domains
        return spider

    def article_request(self, url: str, lastmod: str | None = None,
                        priority: int = 0) -> scrapy.Request:
        """A request for an article page; a higher `priority` is fetched sooner."""
        return scrapy.Request(canonical_url(url), callback=self.parse_article,
                              errback=self.on_error, meta={ARTICLE: True, LASTMOD: lastmod},
                              priority=priority)

    def parse_article(self, response: Response):
        headers = response.headers
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1")
        yield PageItem(
            source=self.source.name,
            url=response.url,
            page_url=page_url(response.request),
            html=decode_html(response.body, content_type) if isinstance(
                response, TextResponse) else None,
            content_type=content_type,
            status=response.status,
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            source_lastmod=response.meta.get(LASTMOD),
            fetched_at=datetime.now(UTC),
        )

    def on_error(self, failure: Failure) -> None:
        record_failure(self, failure)


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None
