"""The bundled sample web: sites, articles, feeds, sitemaps, listings and the bad cases."""

import urllib.error
import urllib.request
from datetime import date

import feedparser
import pytest
from parsel import Selector
from scrapy.utils.sitemap import Sitemap

from crawler.samplesites import serve
from crawler.sources import load_sources


@pytest.fixture(scope="module")
def web():
    with serve(slow_seconds=0.2, huge_bytes=64 * 1024) as running:
        yield running


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_samplesites_articles_cover_2019_to_2024(web):
    arts = [a for site in ("gp-bulletin", "practice-matters", "network-news")
            for a in web.articles(site)]
    assert len(arts) >= 20
    years = {a.published.year for a in arts}
    assert min(years) == 2019 and max(years) == 2024
    for a in arts:
        assert a.title and a.paragraphs and isinstance(a.published, date)


def test_samplesites_each_site_has_its_own_host_and_robots(web):
    ports = set(web.ports.values())
    assert len(ports) == 4
    status, _, body = get(web.url("trouble-times") + "robots.txt")
    assert status == 200 and b"Disallow: /private/" in body


def test_samplesites_feed_lists_every_gp_bulletin_article(web):
    status, headers, body = get(web.url("gp-bulletin") + "feed/")
    parsed = feedparser.parse(body)
    assert status == 200 and not parsed.bozo
    links = {e.link for e in parsed.entries}
    assert links == {web.article_url(a) for a in web.articles("gp-bulletin")}
    assert all(e.get("updated") for e in parsed.entries)


def test_samplesites_sitemap_index_points_to_a_news_sitemap(web):
    base = web.url("practice-matters")
    index = Sitemap(get(base + "sitemap_index.xml")[2])
    assert index.type == "sitemapindex"
    locs = [e["loc"] for e in index]
    news = Sitemap(get(next(u for u in locs if "news" in u))[2])
    entries = list(news)
    assert {e["loc"] for e in entries} == {
        web.article_url(a) for a in web.articles("practice-matters")}
    assert all(e.get("lastmod") for e in entries)
    assert b"news:publication_date" in get(next(u for u in locs if "news" in u))[2]


def test_samplesites_listing_pages_chain_to_every_article(web):
    base = web.url("network-news")
    seen, url = set(), base + "news/"
    while url:
        status, _, body = get(url)
        assert status == 200
        text = body.decode()
        seen |= {a.path for a in web.articles("network-news") if a.path + "?utm_" in text}
        url = Selector(text=text).xpath('//a[text()="Older posts"]/@href').get()
    assert seen == {a.path for a in web.articles("network-news")}


def test_samplesites_network_news_page_carries_seed_style_boilerplate(web):
    art = web.articles("network-news")[0]
    body = get(web.article_url(art))[2].decode()
    for part in ("outdated web browser", "Rating", "[Total: 0 &nbsp; Average: 0/5]",
                 "View all posts by", "Get in the know!", "No comments yet.", "Leave a Reply",
                 "follow us on Twitter", "jp-relatedposts-post-date"):
        assert part in body, part


def test_samplesites_conditional_requests_get_304(web):
    url = web.article_url(web.articles("gp-bulletin")[0])
    status, headers, _ = get(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200


@pytest.mark.parametrize("path, status, check", [
    ("/news/council-funding-shortfall-explained/", 404, None),         # gone
    ("/news/old-link/", 200, b"Explainer"),                             # 301 then 302
    ("/news/network-dashboard.pdf", 200, b"%PDF"),                      # a PDF
    ("/news/garbled/", 200, b"<<<"),                                    # malformed
    ("/news/full-board-papers/", 200, None),                            # oversized
    ("/feed/", 200, b"<b>are"),                                         # cut-off feed
])
def test_samplesites_bad_cases(web, path, status, check):
    got_status, headers, body = get(web.url("trouble-times").rstrip("/") + path)
    assert got_status == status
    if check:
        assert check in body
    if path == "/news/full-board-papers/":
        assert len(body) > web.huge_bytes


def test_samplesites_flaky_page_fails_once_then_succeeds(web):
    url = web.url("trouble-times") + "news/flaky-networks-survey/"
    assert get(url)[0] == 500
    assert get(url)[0] == 200


def test_samplesites_windows_1252_page_declares_no_charset(web):
    status, headers, body = get(web.url("trouble-times") + "news/legacy-encoding/")
    assert headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower()
    assert "£1.2m".encode("cp1252") in body


def test_samplesites_write_sources_is_a_valid_sources_file(web, tmp_path):
    sources = load_sources(web.write_sources(tmp_path / "s.toml"))
    assert [s.name for s in sources] == ["gp-bulletin", "practice-matters", "network-news",
                                         "trouble-times"]
    assert [s.kinds for s in sources] == [["feed"], ["sitemap"], ["listing"],
                                          ["feed", "listing"]]
    quiet = load_sources(web.write_sources(tmp_path / "q.toml", include_trouble=False))
    assert "trouble-times" not in {s.name for s in quiet}
    for s in sources:
        assert s.domains == ["127.0.0.1"]
