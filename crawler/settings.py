"""Scrapy settings of the pcnwatch crawler.

Politeness first: robots.txt obeyed, AutoThrottle, two requests at a time per
domain, an honest User-Agent, timeouts, retries with back-off, a size limit.
The PCNWATCH_* settings and their help live in `crawler/defaults.py`.
"""

from crawler.defaults import DEFAULTS

BOT_NAME = "pcnwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "pcnwatch/0.1 (+https://github.com/pcnwatch/pcnwatch; primary-care news monitor)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 2 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Back-off between retries: crawler.middlewares.BackoffRetryMiddleware (PCNWATCH_RETRY_*).

REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Before RobotsTxtMiddleware (100): a page left alone needs no robots.txt either.
    "crawler.middlewares.IncrementalMiddleware": 50,
}
SPIDER_MIDDLEWARES: dict[str, int] = {}
ITEM_PIPELINES = {
    "crawler.pipelines.CanonicalisePipeline": 100,
    "crawler.pipelines.ExtractPipeline": 200,
    "crawler.pipelines.RelevancePipeline": 300,
    "crawler.pipelines.DedupPipeline": 400,
    "crawler.pipelines.StorePipeline": 500,
}
EXTENSIONS = {
    "crawler.middlewares.EventsExtension": 510,
    "crawler.pages.PageTableExtension": 520,
    "crawler.middlewares.BudgetExtension": 530,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

globals().update(DEFAULTS)
LOG_FORMATTER = "crawler.logformatter.PcnwatchLogFormatter"
