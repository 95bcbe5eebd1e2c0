"""The real Scrapy engine over the sample web on 127.0.0.1 into a real database.

One crawl (module fixture, SQLite) backs the first-pass tests; the two-crawl
incremental test runs on SQLite and on PostgreSQL (`store_url`).
"""

import subprocess
import sys
from collections import Counter

import pytest
from crawler_fixtures import FAST, change_article, sample_web
from sqlmodel import select

from crawler.run import run_crawl
from store import get_engine, session_scope
from store.db import dispose_engines
from store.models import Article, Source

OFF_TOPIC = "hospital-parking-charges-row"  # crawler/samplesites/articles/README.md
MAIN_SITES = ("gp-bulletin", "practice-matters", "network-news")
# trouble-times paths and what a crawl must make of them
TROUBLE_STORED = ("flaky-networks-survey", "redirected-target", "legacy-encoding")
TROUBLE_ERRORS = {
    "http-404": "/news/council-funding-shortfall-explained/",
    "timeout": "/news/slow-pharmacist-roles-update/",
    "no-article": "/news/garbled/",
    "too-large": "/news/full-board-papers/",
    "not-html": "/news/network-dashboard.pdf",
    "robots": "/private/draft-contract-letter/",
    "bad-feed": "/feed/",
}


def expected_articles(web):
    arts = [a for site in MAIN_SITES for a in web.articles(site) if a.slug != OFF_TOPIC]
    arts += [a for a in web.articles("trouble-times") if a.slug in TROUBLE_STORED]
    return {web.article_url(a): a for a in arts}


def stored(url):
    with session_scope(get_engine(url)) as session:
        return {a.url: a for a in session.exec(select(Article))}


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """One crawl of all four sample sites into an empty SQLite database."""
    tmp = tmp_path_factory.mktemp("crawl")
    db = f"sqlite:///{tmp / 'pcnwatch.db'}"
    log_file = tmp / "crawl.log"
    with sample_web(tmp) as web:
        events = []
        summary = run_crawl(sources_file=web.write_sources(tmp / "sources.toml"), names=None,
                            database_url=db, timeout=300, on_event=events.append,
                            settings={**FAST, "LOG_FILE": str(log_file)})
        yield {"web": web, "db": db, "summary": summary, "events": events,
               "log": log_file.read_text("utf-8")}
    dispose_engines()


def test_crawl_stores_every_sample_article_once_with_clean_body(first_crawl):
    web, summary = first_crawl["web"], first_crawl["summary"]
    assert not summary.failed, summary.reason
    want = expected_articles(web)
    rows = stored(first_crawl["db"])
    assert sorted(rows) == sorted(want)  # nothing missing, nothing extra (no junk rows)
    for url, art in want.items():
        row = rows[url]
        assert row.title == art.title, url
        assert row.published == art.published, url
        assert row.text == art.text, url  # every paragraph, no boilerplate, nothing else
        assert row.source == art.site
        assert row.lang == "en"
        assert row.minhash and row.story_id is not None


def test_crawl_summary_counts_each_source(first_crawl):
    web, sources = first_crawl["web"], first_crawl["summary"].sources
    for site in MAIN_SITES:
        n = len(web.articles(site))
        off = 1 if any(a.slug == OFF_TOPIC for a in web.articles(site)) else 0
        assert sources[site] == {"fetched": n, "new": n - off, "updated": 0, "unchanged": 0,
                                 "duplicates": 0, "off_topic": off, "errors": 0}, site
    trouble = sources["trouble-times"]
    assert trouble["new"] == len(TROUBLE_STORED)
    assert trouble["errors"] == len(TROUBLE_ERRORS)


def test_crawl_bad_cases_counted_and_logged(first_crawl):
    web, summary = first_crawl["web"], first_crawl["summary"]
    base = web.url("trouble-times").rstrip("/")
    assert summary.errors_by_kind("trouble-times") == dict.fromkeys(TROUBLE_ERRORS, 1)
    failed = {(e["reason"], e["url"]) for e in first_crawl["events"]
              if e.get("outcome") in ("error", "dropped") and e["source"] == "trouble-times"}
    assert failed == {(kind, base + path) for kind, path in TROUBLE_ERRORS.items()}
    for kind, path in TROUBLE_ERRORS.items():
        assert f"url={base + path}" in first_crawl["log"], kind
    # The 500 was retried, logged as such, and its article stored.
    assert summary.stats["trouble-times"]["pcnwatch/retries"] >= 1
    assert f"url={base}/news/flaky-networks-survey/ retry 1" in first_crawl["log"]


def test_crawl_bad_cases_leave_no_junk_rows(first_crawl):
    web = first_crawl["web"]
    base = web.url("trouble-times").rstrip("/")
    rows = stored(first_crawl["db"])
    assert not {base + p for p in TROUBLE_ERRORS.values()} & set(rows)
    # The redirect chain stores its target once, under the URL it ends at.
    assert base + "/news/redirected-target/" in rows
    assert not [u for u in rows if "old-link" in u or "moved-once" in u]
    # Windows-1252 without a charset: decoded, not mojibake.
    legacy = rows[base + "/news/legacy-encoding/"]
    assert "£1.2m" in legacy.text and "“barely scratches the surface”" in legacy.text


def test_crawl_off_topic_counted_not_stored(first_crawl):
    web = first_crawl["web"]
    off = [a for a in web.articles("gp-bulletin") if a.slug == OFF_TOPIC]
    assert len(off) == 1
    assert web.article_url(off[0]) not in stored(first_crawl["db"])
    assert first_crawl["summary"].sources["gp-bulletin"]["off_topic"] == 1
    dropped = [e for e in first_crawl["events"] if e.get("reason") == "off-topic"]
    assert [e["url"] for e in dropped] == [web.article_url(off[0])]
    assert "no primary-care terms" in dropped[0]["detail"] or "score" in dropped[0]["detail"]


def test_crawl_syndicated_copies_share_a_story(first_crawl):
    web = first_crawl["web"]
    rows = stored(first_crawl["db"])

    def story(site, slug):
        art = next(a for a in web.articles(site) if a.slug == slug)
        return rows[web.article_url(art)].story_id

    # The two copies named in crawler/samplesites/articles/README.md.
    assert story("gp-bulletin", "gpc-rejects-draft-specifications") == story(
        "network-news", "gp-leaders-throw-out-draft-specifications")
    assert story("gp-bulletin", "specifications-scaled-back-in-contract-update") == story(
        "practice-matters", "what-changes-for-networks-in-april")
    # Everything else stands alone: only those two stories have more than one article.
    shared = [s for s, n in Counter(r.story_id for r in rows.values()).items() if n > 1]
    assert len(shared) == 2


def test_crawl_records_sources(first_crawl):
    with session_scope(get_engine(first_crawl["db"])) as session:
        names = {s.name: s for s in session.exec(select(Source))}
    assert set(names) == {"gp-bulletin", "practice-matters", "network-news", "trouble-times"}
    assert all(s.last_crawled_at is not None for s in names.values())


def test_crawl_second_pass_fetches_only_what_changed(store_url, tmp_path):
    with sample_web(tmp_path) as web:
        sources = web.write_sources(tmp_path / "sources.toml")
        first = run_crawl(sources_file=sources, names=list(MAIN_SITES), database_url=store_url,
                          timeout=300, settings=FAST)
        assert not first.failed, first.reason
        assert first.totals["new"] == len(expected_articles(web)) - len(TROUBLE_STORED)
        # index 2: past the newest of each site and past the off-topic one (index 1 of gp-bulletin)
        changed = {site: change_article(web, site, index=2) for site in MAIN_SITES}
        web.clear_log()
        second = run_crawl(sources_file=sources, names=list(MAIN_SITES), database_url=store_url,
                           timeout=300, settings=FAST)
        assert not second.failed, second.reason
        article_paths = {site: {a.path for a in web.articles(site)} for site in MAIN_SITES}
        for site in MAIN_SITES:
            counts = second.sources[site]
            n = len(web.articles(site)) - (site == "gp-bulletin")  # the off-topic one
            assert counts["new"] == 0 and counts["updated"] == 1, (site, counts)
            assert counts["fetched"] == 1 + (site == "gp-bulletin"), (site, counts)
            assert counts["unchanged"] == n - 1, (site, counts)
            full = {r.path for r in web.served(site, 200) if r.path in article_paths[site]}
            # The off-topic page is never stored, so it has no date to compare and is fetched.
            expect = {changed[site]} | ({a.path for a in web.articles(site)
                                         if a.slug == OFF_TOPIC})
            assert full == expect, site
        # The listing site has no dates: it asked with validators and got 304s.
        assert len(web.served("network-news", 304)) == len(web.articles("network-news")) - 1
        assert all("If-None-Match" in r.headers for r in web.served("network-news", 304))
        rows = stored(store_url)
        for site in MAIN_SITES:
            url = web.url(site).rstrip("/") + changed[site]
            assert rows[url].text.endswith("practices have until the end of March to respond.")
            assert rows[url].analysed_version is None  # queued for analysis again


def test_scrapy_crawl_lists_the_spiders_from_the_repository():
    # `scrapy crawl <spider>` works from the repository root (scrapy.cfg).
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True,
                         text=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]),
                         timeout=120, check=True)
    assert out.stdout.split() == ["feed", "listing", "sitemap"]
