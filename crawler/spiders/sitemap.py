"""The sitemap spider: sitemaps, sitemap indexes and news sitemaps (Scrapy's SitemapSpider).

An entry's `lastmod` (or news publication date) travels with its request, so an
article whose sitemap date has not changed since it was stored is not fetched.
Articles are fetched newest first by that date, as the feed spider does. A
sitemap that cannot be read (not XML, an unknown root element, a compressed one
that unpacks past DOWNLOAD_MAXSIZE) is counted as an error of its source with its
reason, never a traceback.
"""

import re

import scrapy
from lxml import etree
from scrapy.spiders import SitemapSpider
from scrapy.utils.gz import gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.middlewares import record_problem
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
        if response.url.endswith("/robots.txt"):
            for request in super()._parse_sitemap(response):
                yield request.replace(errback=self.on_error)
            return
        # Scrapy's own parsing, less its silent "Ignoring invalid sitemap" and the
        # StopIteration of a body with no XML in it: each fault is counted instead.
        body = self._get_sitemap_body(response)
        if not body:
            if gzip_magic_number(response):
                record_problem(self, response.url, "too-large", "compressed sitemap unpacks "
                               "to more than DOWNLOAD_MAXSIZE (or is not gzip)")
            else:
                record_problem(self, response.url, "bad-sitemap",
                               "not a sitemap (empty, or not XML)")
            return
        try:
            sitemap = Sitemap(body)
        except StopIteration:  # lxml found no element at all
            record_problem(self, response.url, "bad-sitemap", "not a sitemap: no XML in it")
            return
        except (etree.LxmlError, ValueError) as exc:
            record_problem(self, response.url, "bad-sitemap", f"not a sitemap: {exc}")
            return
        if sitemap.type == "sitemapindex":
            for loc in self._get_urls_from_sitemapindex(self.sitemap_filter(sitemap)):
                yield scrapy.Request(loc, callback=self._parse_sitemap, errback=self.on_error)
        elif sitemap.type == "urlset":
            found = [loc for loc, _ in self._get_urls_and_callbacks_from_urlset(
                self.sitemap_filter(sitemap))]
            # Newest first by the sitemap's date (ISO dates sort as text); undated last.
            found.sort(key=lambda loc: self._lastmods.get(loc) or "", reverse=True)
            for rank, loc in enumerate(found):
                yield self.article_request(loc, self._lastmods.get(loc),
                                           priority=len(found) - rank)
        else:
            record_problem(self, response.url, "bad-sitemap",
                           f"not a sitemap: its root element is <{sitemap.type or '?'}>")
