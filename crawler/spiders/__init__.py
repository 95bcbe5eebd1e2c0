"""Generic spiders driven by a sources entry: `feed`, `sitemap` and `listing`.

    scrapy crawl feed -a source=gp-bulletin -a sources_file=sources.toml

Each spider crawls one source; `crawler.run` starts one per source and way of
finding articles. Spiders only parse: every page they fetch becomes a `PageItem`
for the pipelines, and every failed request is handed to `crawler.middlewares`
to be counted and logged.
"""

from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.sitemap import SourceSitemapSpider

SPIDERS = {"feed": FeedSpider, "sitemap": SourceSitemapSpider, "listing": ListingSpider}

__all__ = ["SPIDERS", "FeedSpider", "ListingSpider", "SourceSitemapSpider"]
