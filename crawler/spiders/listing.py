"""The listing spider: index pages, their article links, and next pages up to a limit."""

import re

import scrapy

from crawler.defaults import setting
from crawler.spiders.base import SourceMixin

PAGE = "pcnwatch_listing_page"


class ListingSpider(SourceMixin, scrapy.Spider):
    name = "listing"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.link_re = re.compile(spider.source.link_pattern or r"$^")
        spider.next_re = re.compile(spider.source.next_pattern) if (
            spider.source.next_pattern) else None
        spider.page_limit = setting(crawler.settings, "PCNWATCH_LISTING_PAGE_LIMIT")
        return spider

    async def start(self):
        for url in self.source.listing:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 meta={PAGE: 1}, dont_filter=True)

    def parse_listing(self, response):
        page = response.meta.get(PAGE, 1)
        seen = set()
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if url in seen:
                continue
            seen.add(url)
            if self.next_re is not None and self.next_re.search(url):
                if page < self.page_limit:
                    yield scrapy.Request(url, callback=self.parse_listing,
                                         errback=self.on_error, meta={PAGE: page + 1})
                else:
                    self.crawler.stats.inc_value("pcnwatch/listing_limit_reached")
            elif self.link_re.search(url):
                yield self.article_request(url)
