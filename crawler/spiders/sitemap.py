"""The sitemap spider: sitemaps, sitemap indexes and news sitemaps (Scrapy's SitemapSpider).

An entry's `lastmod` (or news publication date) travels with its request, so an
article whose sitemap date has not changed since it was stored is not fetched.
"""

import re

import scrapy
from scrapy.spiders import SitemapSpider

from crawler.spiders.base import SourceMixin


class SourceSitemapSpider(SourceMixin, SitemapSpider):
    name = "sitemap"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sitemap_urls = list(spider.source.sitemaps)
        pattern = spider.source.link_pattern or ""
        spider._cbs = [(re.compile(pattern), spider.parse_article)]
        spider._follow = [re.compile(spider.source.sitemap_follow or "")]
        spider._lastmods = {}
        return spider

    async def start(self):
        for url in self.sitemap_urls:
            yield scrapy.Request(url, callback=self._parse_sitemap, errback=self.on_error)

    def sitemap_filter(self, entries):
        for entry in entries:
            news = entry.get("news") if isinstance(entry.get("news"), dict) else {}
            self._lastmods[entry.get("loc")] = (entry.get("lastmod")
                                                or news.get("publication_date"))
            yield entry

    def _parse_sitemap(self, response):
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_article:
                yield self.article_request(request.url, self._lastmods.get(request.url))
            else:
                yield request.replace(errback=self.on_error)
