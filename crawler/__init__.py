"""Collection: Scrapy spiders, extraction and the pipelines that put pages into the store.

`crawler.run.run_crawl` runs a crawl in a child process; `crawler.extract.extract_page`
turns one saved page into an article; `crawler.samplesites.serve` starts the bundled
sample web used by the demo and the tests.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
