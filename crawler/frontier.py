"""The shared crawl frontier: scrapy-redis's scheduler, shared by crawl processes on any host.

With REDIS_URL set and a server database, `pcnwatch crawl` runs its spiders on
`FrontierScheduler`, scrapy-redis's Redis scheduler, so any number of crawl processes, on
any hosts, storing into the same PostgreSQL, share one queue of requests per source and
kind of spider and one duplicate filter: each page is fetched by one of them.

What we add to scrapy-redis, and why (it is made for spiders that run for ever over one
queue, and a pcnwatch crawl is a job that runs and ends, again and again):

- **Taken for a while, not seen for ever.** scrapy-redis's filter is a set that only grows,
  so the next crawl would find every feed and page already seen. `FrontierFilter` takes a
  URL for `PCNWATCH_FRONTIER_SEEN_MINUTES` (a key per request fingerprint, `SET NX EX`) with a
  token carried in the request: while the key holds its token, the request is the one copy
  in the frontier; a retry or a redirect keeps it. Later crawls take the URL again, and the
  page table (`IncrementalMiddleware`) decides whether it is worth fetching. A request that
  sat in the queue past its time is fetched only if its token still holds (or nobody took
  the URL since), so no page is fetched twice even then.
- **Start requests are shared too.** Feeds, sitemaps and listing pages are start requests
  with `dont_filter`; here they pass the filter like any request, so processes that start
  together read each feed once.
- **A process waits while others may still add work.** A spider whose queue is empty stays
  open (DontCloseSpider) while another process is busy on the same queue: the feed that
  process is reading may hold the articles this one should fetch. Being busy is a mark in a
  sorted set, set in the same Redis script that pops a request and renewed while requests
  keep coming; an idle spider removes its mark, and a dead process's mark runs out after
  `PCNWATCH_FRONTIER_BUSY_SECONDS`.
- **A process holds only what it can fetch now**: as many requests as it fetches at once
  from a site (`frontier_settings`), not Scrapy's 16, so waiting requests stay shared.
- **Nothing is flushed.** Other processes may be using the queue; an empty sorted set
  disappears by itself and every filter key expires.

Keys: `<PCNWATCH_FRONTIER_KEY>:<source>:<spider>:requests` (scrapy-redis's priority queue),
`...:busy`, and `<PCNWATCH_FRONTIER_KEY>:seen:<fingerprint>`. One Redis database per
deployment (the number at the end of REDIS_URL) keeps deployments apart.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.defaults import setting
from crawler.errors import FrontierUnavailable

log = logging.getLogger(__name__)

TOKEN = "pcnwatch_frontier_token"

# Pop the first request and mark this process busy on the queue, in one step, so another
# process never sees the queue empty and this one idle while it holds the request.
_POP_AND_MARK = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return first[1]
"""


def frontier_settings(redis_url: str, per_domain: int) -> dict[str, Any]:
    """The Scrapy settings that put a crawl on the shared frontier at `redis_url`.

    A spider crawls one source, one domain, `per_domain` requests at a time; it takes no
    more than that from the frontier (CONCURRENT_REQUESTS), so the rest stays there for
    other processes instead of waiting in this one's downloader.
    """
    return {"SCHEDULER": "crawler.frontier.FrontierScheduler", "REDIS_URL": redis_url,
            "CONCURRENT_REQUESTS": max(1, per_domain)}


def check_frontier(redis_url: str) -> None:
    """FrontierUnavailable, in one line, when Redis at `redis_url` does not answer."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise FrontierUnavailable(f"cannot reach the crawl frontier at REDIS_URL "
                                  f"{redact(redis_url)}: {exc}") from None


def redact(redis_url: str) -> str:
    """The URL with any password hidden."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    if parts.password is None:
        return redis_url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class FrontierFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, with each URL taken for `ttl` seconds by one request
    (its token) instead of seen for ever."""

    def __init__(self, server: Any, key: str, ttl: int, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.ttl = ttl

    def take(self, request: Any) -> bool:
        """True when `request` is the one copy of its URL in the frontier now (and marks it
        so); False when another request has the URL."""
        key = f"{self.key}:{self.request_fingerprint(request)}"
        token = request.meta.get(TOKEN) or uuid.uuid4().hex
        if self.server.set(key, token, nx=True, ex=self.ttl) or \
                _text(self.server.get(key)) == token:
            request.meta[TOKEN] = token
            return True
        return False

    def request_seen(self, request: Any) -> bool:
        return not self.take(request)

    def clear(self) -> None:
        """Nothing: the keys expire by themselves, and other crawls may be using them."""


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler on one queue per source and spider, shared by every crawl
    process; see the module docstring for what it adds."""

    def __init__(self, server: Any, crawler: Any, *, key: str, seen_seconds: int,
                 busy_seconds: float) -> None:
        super().__init__(server, persist=True,
                         dupefilter=FrontierFilter(server, f"{key}:seen", seen_seconds))
        self.crawler, self.stats = crawler, crawler.stats
        self.key, self.busy_seconds = key, busy_seconds
        self.me = f"{uuid.uuid4().hex}"
        self._pop = server.register_script(_POP_AND_MARK)
        self._marked_at = 0.0
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierScheduler:
        s = crawler.settings
        server = get_redis_from_settings(s)
        try:
            server.ping()
        except Exception as exc:  # noqa: BLE001 - any client error means the same here
            raise FrontierUnavailable(f"cannot reach the crawl frontier at REDIS_URL "
                                      f"{redact(s.get('REDIS_URL') or '')}: {exc}") from None
        return cls(server, crawler, key=setting(s, "PCNWATCH_FRONTIER_KEY"),
                   seen_seconds=max(1, round(setting(s, "PCNWATCH_FRONTIER_SEEN_MINUTES") * 60)),
                   busy_seconds=setting(s, "PCNWATCH_FRONTIER_BUSY_SECONDS"))

    def open(self, spider: Any) -> None:
        self.spider = spider
        source = getattr(getattr(spider, "source", None), "name", None) or "-"
        base = f"{self.key}:{source}:{spider.name}"
        self.queue = PriorityQueue(self.server, spider, f"{base}:requests", self.serializer)
        self.busy_key = f"{base}:busy"
        waiting = len(self.queue)
        if waiting:
            log.info("source=%s spider=%s joining the shared frontier: %d requests waiting",
                     source, spider.name, waiting)

    def close(self, reason: str) -> None:
        self.server.zrem(self.busy_key, self.me)

    def enqueue_request(self, request: Any) -> bool:
        if not self.df.take(request):
            self.stats.inc_value("pcnwatch/frontier/taken_elsewhere")
            return False
        self.queue.push(request)
        self.stats.inc_value("pcnwatch/frontier/enqueued")
        return True

    def next_request(self) -> Any:
        now = time.time()
        if now - self._marked_at > 1.0:  # still busy: renew the mark, if we hold one
            self.server.zadd(self.busy_key, {self.me: now + self.busy_seconds}, xx=True)
            self._marked_at = now
        while True:
            data = self._pop(keys=[self.queue.key, self.busy_key],
                             args=[now + self.busy_seconds, self.me])
            if not data:
                return None
            request = self.queue._decode_request(data)
            if self.df.take(request):
                self.stats.inc_value("pcnwatch/frontier/dequeued")
                return request
            # Its time ran out and another crawl took the URL since: that copy is fetched.
            self.stats.inc_value("pcnwatch/frontier/superseded")

    def spider_idle(self, spider: Any) -> None:
        """Stay open while the queue has requests or another process is busy on it."""
        now = time.time()
        pipe = self.server.pipeline(transaction=True)
        pipe.zrem(self.busy_key, self.me)
        pipe.zremrangebyscore(self.busy_key, "-inf", now)  # marks of processes that died
        pipe.zcard(self.queue.key)
        pipe.zcard(self.busy_key)
        _, _, waiting, busy = pipe.execute()
        if waiting or busy:
            raise DontCloseSpider(f"{busy} other crawl processes busy, {waiting} requests "
                                  "waiting in the shared frontier")
