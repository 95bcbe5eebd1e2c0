"""The real Scrapy engine over the sample web on 127.0.0.1 into a real database.

One crawl (module fixture, SQLite) backs the first-pass tests; the two-crawl
incremental test runs on SQLite and on PostgreSQL (`store_url`).
"""

import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from crawler_fixtures import FAST, change_article, sample_web
from sqlmodel import select

from crawler.run import run_crawl
from store import get_engine, session_scope
from store.db import dispose_engines
from store.models import Article, Page, Source

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
# trouble-times pages that are read and judged not worth storing
TROUBLE_JUDGED = {"too-short": "/news/short-notice/"}
# What the page table says of each trouble-times page after one crawl: (outcome, reason).
TROUBLE_PAGES = {
    "/news/council-funding-shortfall-explained/": ("http-error", "http-404"),
    "/news/flaky-networks-survey/": ("stored", "new"),
    "/news/slow-pharmacist-roles-update/": ("failed", "timeout"),
    "/news/old-link/": ("stored", "new"),
    "/news/garbled/": ("not-article", "no-article"),
    "/news/legacy-encoding/": ("stored", "new"),
    "/news/full-board-papers/": ("failed", "too-large"),
    "/news/network-dashboard.pdf": ("not-article", "not-html"),
    "/private/draft-contract-letter/": ("robots", "robots"),
    "/news/short-notice/": ("too-short", "too-short"),
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
               "log": log_file.read_text("utf-8"), "tmp": tmp}
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
                                 "duplicates": 0, "off_topic": off, "too_short": 0,
                                 "skipped": 0, "errors": 0}, site
    trouble = sources["trouble-times"]
    assert trouble["new"] == len(TROUBLE_STORED)
    assert trouble["errors"] == len(TROUBLE_ERRORS)
    assert trouble["too_short"] == 1  # a judgement on a page that was read, not an error


def test_crawl_bad_cases_counted_and_logged(first_crawl):
    web, summary = first_crawl["web"], first_crawl["summary"]
    base = web.url("trouble-times").rstrip("/")
    assert summary.errors_by_kind("trouble-times") == dict.fromkeys(TROUBLE_ERRORS, 1)
    failed = {(e["reason"], e["url"]) for e in first_crawl["events"]
              if e.get("outcome") in ("error", "dropped") and e["source"] == "trouble-times"}
    assert failed == {(kind, base + path)
                      for kind, path in {**TROUBLE_ERRORS, **TROUBLE_JUDGED}.items()}
    for kind, path in TROUBLE_ERRORS.items():
        assert f"url={base + path}" in first_crawl["log"], kind
    # The 500 was retried, logged as such, and its article stored.
    assert summary.stats["trouble-times"]["pcnwatch/retries"] >= 1
    assert f"url={base}/news/flaky-networks-survey/ retry 1" in first_crawl["log"]


def test_crawl_bad_cases_leave_no_junk_rows(first_crawl):
    web = first_crawl["web"]
    base = web.url("trouble-times").rstrip("/")
    rows = stored(first_crawl["db"])
    assert not {base + p for p in {**TROUBLE_ERRORS, **TROUBLE_JUDGED}.values()} & set(rows)
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
            assert counts["fetched"] == 1, (site, counts)
            assert counts["unchanged"] == n - 1, (site, counts)
            # The off-topic page was judged: the page table keeps its verdict.
            assert counts["skipped"] == (site == "gp-bulletin") and counts["off_topic"] == 0
            full = {r.path for r in web.served(site, 200) if r.path in article_paths[site]}
            assert full == {changed[site]}, site
        # The listing site has no dates: it asked with validators and got 304s.
        assert len(web.served("network-news", 304)) == len(web.articles("network-news")) - 1
        assert all("If-None-Match" in r.headers for r in web.served("network-news", 304))
        rows = stored(store_url)
        for site in MAIN_SITES:
            url = web.url(site).rstrip("/") + changed[site]
            assert rows[url].text.endswith("practices have until the end of March to respond.")
            assert rows[url].analysed_version is None  # queued for analysis again


def pages(url):
    with session_scope(get_engine(url)) as session:
        return {p.url: p for p in session.exec(select(Page))}


def test_crawl_page_table_has_every_article_url_with_its_outcome(first_crawl):
    web = first_crawl["web"]
    rows = pages(first_crawl["db"])
    base = web.url("trouble-times").rstrip("/")
    want = {base + path: outcome for path, outcome in TROUBLE_PAGES.items()}
    for site in MAIN_SITES:
        for art in web.articles(site):
            want[web.article_url(art)] = (("off-topic", "off-topic") if art.slug == OFF_TOPIC
                                          else ("stored", "new"))
    # Article pages only (no feed, sitemap or listing), each once, each with its verdict.
    assert {u: (p.outcome, p.reason) for u, p in rows.items()} == want
    assert rows[base + "/news/old-link/"].article_url == base + "/news/redirected-target/"
    off = next(p for p in rows.values() if p.outcome == "off-topic")
    assert off.etag and off.last_modified and off.content_hash and off.source_lastmod
    assert rows[base + "/news/council-funding-shortfall-explained/"].failures == 1
    assert rows[base + "/news/council-funding-shortfall-explained/"].status == 404
    for url, page in rows.items():
        assert page.next_due_at >= page.checked_at, url


def test_crawl_again_asks_only_what_validators_or_interval_say_may_have_changed(first_crawl):
    # Runs last on the module's crawl: nothing has changed since.
    web, db, tmp = first_crawl["web"], first_crawl["db"], first_crawl["tmp"]
    sources = tmp / "sources.toml"
    trouble = web.url("trouble-times").rstrip("/")
    web.clear_log()
    again = run_crawl(sources_file=sources, names=None, database_url=db, timeout=300,
                      settings=FAST)
    assert not again.failed, again.reason
    for site in MAIN_SITES:
        paths = {a.path for a in web.articles(site)}
        asked = [r for r in web.served(site) if r.path in paths]
        # Feed and sitemap dates unchanged: not asked; the listing site asks with validators.
        assert all(r.status == 304 for r in asked), site
        assert len(asked) == (len(paths) if site == "network-news" else 0), site
        assert again.sources[site]["new"] == again.sources[site]["fetched"] == 0, site
    asked = {r.path: r.status for r in web.served("trouble-times")}
    # Failures back off, judged pages without validators wait for the interval, the robots
    # page is not asked again, pages with validators get 304 (the redirect chain included).
    for path in ("/news/council-funding-shortfall-explained/", "/news/garbled/",
                 "/news/slow-pharmacist-roles-update/", "/news/full-board-papers/",
                 "/news/network-dashboard.pdf", "/private/draft-contract-letter/"):
        assert path not in asked, path
    for path in ("/news/short-notice/", "/news/flaky-networks-survey/",
                 "/news/legacy-encoding/", "/news/redirected-target/"):
        assert asked[path] == 304, path
    counts = again.sources["trouble-times"]
    assert counts["skipped"] == 7 and counts["too_short"] == 0
    assert again.errors_by_kind("trouble-times") == {"bad-feed": 1}  # feeds are always read
    assert set(stored(db)) == set(expected_articles(web))  # nothing new, nothing lost

    # Once the interval and the back-off have passed, the same pages are asked again.
    with session_scope(get_engine(db)) as session:
        for page in session.exec(select(Page).where(Page.source == "trouble-times")):
            page.next_due_at = page.checked_at  # as if a day had gone by
            session.add(page)
    web.clear_log()
    due = run_crawl(sources_file=sources, names=["trouble-times"], database_url=db,
                    timeout=300, settings=FAST)
    assert not due.failed, due.reason
    asked = {r.path for r in web.served("trouble-times")}
    assert {"/news/council-funding-shortfall-explained/", "/news/garbled/",
            "/news/network-dashboard.pdf"} <= asked
    assert due.errors_by_kind("trouble-times")["http-404"] == 1
    gone = pages(db)[trouble + "/news/council-funding-shortfall-explained/"]
    assert gone.failures == 2  # the second failure in a row waits twice as long
    assert gone.next_due_at - gone.checked_at == timedelta(hours=2)


def test_scrapy_crawl_lists_the_spiders_from_the_repository():
    # `scrapy crawl <spider>` works from the repository root (scrapy.cfg).
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True,
                         text=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]),
                         timeout=120, check=True)
    assert out.stdout.split() == ["feed", "listing", "sitemap"]
