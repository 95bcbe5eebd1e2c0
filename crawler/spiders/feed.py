"""The feed spider: RSS and Atom feeds (feedparser), each item followed to its page.

Items are fetched newest first (by the date the feed gives them; undated ones after,
in feed order), so a crawl cut short by its time budget has stored the newest news,
and the next run, skipping what it stored, goes on with the older items. A feed
that cannot be read or lists no items is counted as an error of its source.
"""

import calendar
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
        if not linked:
            what = "the feed is empty (0 bytes)" if not response.body.strip() else \
                "the feed lists no items with a link"
            record_problem(self, response.url, "empty-feed", what)
            return
        if parsed.bozo:
            log.warning("source=%s url=%s feed is malformed (%s); following the %d items "
                        "that could be read", self.source.name, response.url,
                        parsed.get("bozo_exception"), len(linked))
        newest_first = sorted(enumerate(linked), key=lambda pair: (-_when(pair[1]), pair[0]))
        for rank, (_, entry) in enumerate(newest_first):
            # The date the feed gives the item: a later one means the article changed.
            lastmod = entry.get("updated") or entry.get("published")
            yield self.article_request(response.urljoin(entry.link), lastmod,
                                       priority=len(newest_first) - rank)


def _when(entry) -> float:
    """Seconds since the epoch of the item's date, or -inf when it has none."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return float(calendar.timegm(parsed)) if parsed else float("-inf")
