"""Several crawl processes on one shared frontier (issue 14): real Redis, real PostgreSQL,
real `pcnwatch crawl` processes over the sample sites on 127.0.0.1.

Redis comes from PCNWATCH_TEST_REDIS_URL (`.ci/run` starts one); without it these tests
skip and say why, except under CI, where a missing server is a failure.
"""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import _postgres_url
from fault_web import fault_site
from sqlmodel import func, select

from crawler.frontier import FrontierFilter
from crawler.samplesites import serve
from store.db import dispose_engines, get_engine, session_scope
from store.models import Article, JobRun, Page

PCNWATCH = Path(sys.executable).parent / "pcnwatch"
REDIS_ENV = "PCNWATCH_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> str:
    """An empty Redis database (the tests run one at a time, so they share the server)."""
    import redis

    url = os.environ.get(REDIS_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REDIS_ENV} is not set under CI; .ci/run must start Redis")
        pytest.skip(f"no Redis server: set {REDIS_ENV} (.ci/run does)")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def postgres_url():
    dispose_engines()
    yield _postgres_url()
    dispose_engines()


def crawl(db: str, redis: str | None, sources: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db}
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return subprocess.Popen([str(PCNWATCH), "crawl", "--sources", str(sources)], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(procs: list[subprocess.Popen]) -> list[tuple[str, str]]:
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err
    return outputs


def fetched(web) -> Counter:
    """How often each page was served, by site and path; robots.txt is asked by each
    process for itself (Scrapy keeps the rules in memory) and is left out."""
    return Counter((r.site, r.path) for r in web.requests
                   if r.method == "GET" and r.path != "/robots.txt")


def stored(url: str) -> Counter:
    with session_scope(get_engine(url)) as s:
        return Counter(s.exec(select(Article.url)).all())


def test_two_crawls_on_one_frontier_fetch_each_page_once_and_store_each_article_once(
        postgres_url, redis_url, tmp_path):
    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        outputs = finish([crawl(postgres_url, redis_url, sources, tmp_path) for _ in range(2)])
        requests = fetched(web)
    twice = {page: n for page, n in requests.items() if n > 1}
    assert twice == {}, f"pages fetched more than once in total: {twice}"
    # Every article page of the sample sites was fetched (once, above), and each article
    # is stored once (an off-topic page is fetched and judged, not stored).
    articles = [a for site in ("gp-bulletin", "practice-matters", "network-news")
                for a in web.articles(site)]
    assert {(a.site, a.path) for a in articles} <= set(requests)
    assert set(stored(postgres_url)) <= {web.article_url(a) for a in articles}
    assert len(stored(postgres_url)) >= len(articles) - 2
    assert max(stored(postgres_url).values()) == 1
    # Both processes took part: each fetched pages, and their new articles add up.
    with session_scope(get_engine(postgres_url)) as s:
        runs = s.exec(select(JobRun).where(JobRun.job == "crawl")).all()
        pages = s.exec(select(func.count()).select_from(Page)).one()
    assert len(runs) == 2 and all(r.status == "ok" for r in runs)
    assert sum(r.counts["totals"]["new"] for r in runs) == len(stored(postgres_url))
    assert all(r.counts["frontier"] == redis_url for r in runs)
    assert pages >= len(articles)
    assert all("crawl" in out for out, _ in outputs)


def test_two_crawls_on_one_frontier_share_the_pages_of_a_long_feed(postgres_url, redis_url,
                                                                   tmp_path):
    """A feed of 40 slow pages: the second process, starting while the first reads the
    feed, takes its share of the articles instead of finding nothing to do."""
    with fault_site(items=40, page_delay=0.3) as site:
        sources = site.write_sources(tmp_path / "sources.toml")
        finish([crawl(postgres_url, redis_url, sources, tmp_path) for _ in range(2)])
        served = Counter(path for path in site.requests if path.startswith("/a/"))
    assert len(served) == 40 and set(served.values()) == {1}
    assert len(stored(postgres_url)) == 40
    with session_scope(get_engine(postgres_url)) as s:
        runs = s.exec(select(JobRun).where(JobRun.job == "crawl")).all()
    shares = sorted(r.counts["totals"]["new"] for r in runs)
    assert sum(shares) == 40 and shares[0] >= 5, f"one process did nearly all: {shares}"


def test_a_later_crawl_on_the_frontier_still_goes_by_the_page_table(postgres_url, redis_url,
                                                                    tmp_path):
    """The frontier only keeps crawls running together apart: once its window has passed,
    the next crawl reads the feeds again, and the page table leaves stored pages alone."""
    import redis

    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        finish([crawl(postgres_url, redis_url, sources, tmp_path)])
        first = len(stored(postgres_url))
        # The frontier's window ran out (as it does PCNWATCH_FRONTIER_SEEN_MINUTES later).
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter("pcnwatch:frontier:seen:*"):
            client.delete(key)
        web.clear_log()
        (out, _), = finish([crawl(postgres_url, redis_url, sources, tmp_path)])
        feeds_read = [r.path for r in web.requests if r.path.endswith(("feed/", ".xml"))]
    assert feeds_read, "the later crawl did not read the feeds again"
    assert len(stored(postgres_url)) == first
    with session_scope(get_engine(postgres_url)) as s:
        last = s.exec(select(JobRun).where(JobRun.job == "crawl")
                      .order_by(JobRun.id.desc())).first()
    assert last.counts["totals"]["new"] == 0
    assert last.counts["totals"]["unchanged"] > 0


def test_without_redis_url_a_crawl_takes_the_job_lock_as_before(postgres_url, redis_url,
                                                                 tmp_path):
    import redis

    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        finish([crawl(postgres_url, None, sources, tmp_path)])
    assert redis.Redis.from_url(redis_url).dbsize() == 0, "a crawl without REDIS_URL used Redis"
    with session_scope(get_engine(postgres_url)) as s:
        (run,) = s.exec(select(JobRun).where(JobRun.job == "crawl")).all()
    assert "frontier" not in run.counts and run.status == "ok"


def test_on_sqlite_redis_url_is_left_alone(sqlite_url, redis_url, tmp_path):
    """SQLite lives on one machine: its crawls run one at a time, without the frontier."""
    import redis

    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        finish([crawl(sqlite_url, redis_url, sources, tmp_path)])
    assert redis.Redis.from_url(redis_url).dbsize() == 0
    assert stored(sqlite_url)


def test_a_frontier_that_does_not_answer_is_one_line(postgres_url, tmp_path):
    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        proc = crawl(postgres_url, "redis://127.0.0.1:9/0", sources, tmp_path)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "cannot reach the crawl frontier at REDIS_URL redis://127.0.0.1:9/0" in err
    assert len(err.strip().splitlines()) == 1


def test_frontier_filter_leaves_a_url_to_the_request_that_took_it(redis_url):
    """The token a request carries keeps its URL for it (a retry passes), not for a copy."""
    import redis
    from scrapy import Request

    client = redis.Redis.from_url(redis_url)
    seen = FrontierFilter(client, "pcnwatch:frontier:seen", ttl=60)
    first, copy = Request("http://127.0.0.1/a"), Request("http://127.0.0.1/a")
    assert seen.take(first)
    assert not seen.take(copy), "a second copy of the URL was let into the frontier"
    retry = first.replace(dont_filter=True)
    assert seen.take(retry), "a retry of the request that took the URL was refused"
    assert seen.take(Request("http://127.0.0.1/b"))
    for key in client.scan_iter("pcnwatch:frontier:seen:*"):
        assert 0 < client.ttl(key) <= 60
