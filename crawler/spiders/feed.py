"""The feed spider: RSS and Atom feeds (feedparser), each item followed to its page."""

import logging

import feedparser
import scrapy

from crawler.middlewares import record_problem
from crawler.spiders.base import SourceMixin

log = logging.getLogger(__name__)


class FeedSpider(SourceMixin, scrapy.Spider):
    name = "feed"

    async def start(self):
        for url in self.source.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                 dont_filter=True)

    def parse_feed(self, response):
        parsed = feedparser.parse(response.body, response_headers={
            k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items() if v})
        linked = [e for e in parsed.entries if e.get("link")]
        if parsed.bozo and not linked:
            record_problem(self, response.url, "bad-feed",
                           f"not a usable feed: {parsed.get('bozo_exception')}")
            return
        if parsed.bozo:
            log.warning("source=%s url=%s feed is malformed (%s); following the %d items "
                        "that could be read", self.source.name, response.url,
                        parsed.get("bozo_exception"), len(linked))
        for entry in linked:
            # The date the feed gives the item: a later one means the article changed.
            lastmod = entry.get("updated") or entry.get("published")
            yield self.article_request(response.urljoin(entry.link), lastmod)
