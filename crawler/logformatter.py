"""Log lines for dropped and scraped items that name the source and URL, not the page."""

import logging
from typing import Any

from scrapy import logformatter


class PcnwatchLogFormatter(logformatter.LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None):
        # The pipeline that dropped the item has logged why; this line only repeats it.
        return {"level": logging.DEBUG, "msg": "source=%(source)s url=%(url)s dropped: "
                "%(exception)s", "args": {"source": getattr(item, "source", "?"),
                                           "url": getattr(item, "url", "?"),
                                           "exception": exception}}

    def scraped(self, item: Any, response: Any, spider: Any = None):
        return {"level": logging.DEBUG, "msg": "source=%(source)s url=%(url)s stored as "
                "%(outcome)s", "args": {"source": getattr(item, "source", "?"),
                                         "url": getattr(item, "canonical", None)
                                         or getattr(item, "url", "?"),
                                         "outcome": getattr(item, "outcome", None)}}
