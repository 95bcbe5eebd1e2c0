"""`pcnwatch serve` as its users meet it: a running server on 127.0.0.1.

Editors' feed readers (feedparser) subscribe to the live feeds over HTTP; the
research pages are checked in a real headless Chromium (Debian's `chromium` and
`chromium-driver`, which `.ci/run` installs) at a laptop's width and a phone's.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from test_publish_queries import ARTICLES, build_newsroom
from test_publish_serve import CUED, add_cued_article

from store.db import get_engine, session_scope
from store.timeline import rebuild_timeline

PCNWATCH = Path(sys.executable).parent / "pcnwatch"
# Each story's lead copy (earliest), its newest copy's date, and its site.
STORIES = {
    "https://gp-bulletin.test/2023/03/targets-trimmed": ("2023-03-07", "2023-03-08",
                                                        "gp-bulletin"),
    "https://practice-matters.test/kent?a=1&b=2": ("2023-03-10", "2023-03-10",
                                                   "practice-matters"),
    "https://gp-bulletin.test/2023/02/recruitment-deadline": ("2023-02-20", "2023-02-20",
                                                              "gp-bulletin"),
    "https://network-news.test/funding-boost": ("2023-03-21", "2023-03-21", "network-news"),
    CUED["url"]: ("2023-03-09", "2023-03-09", "gp-bulletin"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, cwd: Path, *extra: str):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("PCNWATCH_PUBLIC_URL", None)
    log = open(cwd / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(PCNWATCH), "serve", "--port", str(port), *extra], cwd=cwd,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.kill()
    if proc.poll() is not None:
        log.close()
        pytest.fail(f"pcnwatch serve did not start: {(cwd / 'serve.log').read_text()}")
    return proc, base, log


@pytest.fixture
def served(store_url, tmp_path):
    """`pcnwatch serve` on the newsroom: SQLite itself, or PostgreSQL through a snapshot."""
    build_newsroom(store_url)
    add_cued_article(store_url)
    with session_scope(get_engine(store_url)) as s:
        rebuild_timeline(s)
    extra = () if store_url.startswith("sqlite") else ("--snapshot", "research.db")
    proc, base, log = _serve(store_url, tmp_path, *extra)
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read(), r.headers["content-type"]


def _day(parsed) -> str:
    return datetime(*parsed[:6], tzinfo=UTC).date().isoformat()


@pytest.mark.parametrize(("path", "version", "kind"), [
    ("/headlines.xml", "atom10", "application/atom+xml"),
    ("/headlines.rss", "rss20", "application/rss+xml"),
])
def test_live_feed_reads_back_with_dates_and_sources(served, path, version, kind):
    body, content_type = fetch(served + path)
    assert content_type.startswith(kind)
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == version
    # the feed's own address is the one it was fetched from, so readers can subscribe
    assert served + path in {link.href for link in feed.feed.links if link.rel == "self"}
    assert {e.link for e in feed.entries} == set(STORIES)
    for entry in feed.entries:
        first, newest, site = STORIES[entry.link]
        assert _day(entry.published_parsed) == first, entry.link
        if version == "atom10":
            assert _day(entry.updated_parsed) == newest, entry.link
        assert entry.source.title == site
        assert not entry.title.startswith("NEWS:")
    cued = next(e for e in feed.entries if e.link == CUED["url"])
    assert cued.title == "Rota plans too fast, say leaders"
    # only bodies that took a side, never a publication
    cut = next(e for e in feed.entries if e.link == ARTICLES[0]["url"])
    assert "BMA GP Committee: oppose" in cut.summary and "Pulse" not in cut.summary


def test_live_feeds_filter_by_topic_and_body(served):
    feed = feedparser.parse(fetch(served + "/headlines.xml?topic=care-homes")[0])
    assert feed.bozo == 0 and feed.entries == []
    feed = feedparser.parse(fetch(served + "/headlines.rss?topic=Workforce&actor=bma")[0])
    assert feed.bozo == 0
    assert [e.link for e in feed.entries] == [CUED["url"]]
    doc = json.loads(fetch(served + "/headlines.json?actor=Kent%20LMC")[0])
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == served + "/headlines.json?actor=Kent%20LMC"
    [item] = doc["items"]
    assert item["date_published"].startswith("2023-03-10")
    assert [a["name"] for a in item["authors"]] == ["practice-matters"]
    with pytest.raises(urllib.error.HTTPError) as bad:
        fetch(served + "/headlines.xml?topic=nope")
    assert bad.value.code == 400


# -- a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are missing under CI; .ci/run installs them")
        pytest.skip("no chromium / chromedriver: apt-get install chromium chromium-driver "
                    "(.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _fits(driver) -> bool:
    """No sideways scrolling of the page itself (wide tables scroll in their own box)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def _in_first_screen(driver, selector: str) -> bool:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "if (!e) return false; const r = e.getBoundingClientRect();"
        "return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight;", selector)


@pytest.mark.parametrize("width", [1280, 390])
def test_research_pages_in_a_browser(served, browser, width, tmp_path):
    from selenium.webdriver.support.wait import WebDriverWait

    browser.set_window_size(width, 900)
    # the front page: the research views come first, the internals nowhere
    browser.get(served + "/")
    assert _fits(browser)
    links = browser.find_elements("css selector", ".pcnwatch-views a.pcnwatch-view-link")
    assert [a.text for a in links] == ["Quotes", "Stances", "Policy events", "Timeline",
                                       "Headlines", "Articles"]
    assert _in_first_screen(browser, ".pcnwatch-views li:first-child a")
    body = browser.find_element("tag name", "body").text
    for internal in ("alembic_version", "scheduler_lease", "job_run", "mention"):
        assert internal not in body
    # a view: search, a topic facet, and evidence with its cue phrases marked
    links[1].click()
    assert browser.current_url.endswith("/pcnwatch/actor_stances")
    assert _fits(browser)
    search = browser.find_element("id", "_search")
    search.send_keys("rota")
    search.submit()  # a script submits the form: the browser does not wait for the next page
    WebDriverWait(browser, 10).until(lambda b: "_search=rota" in b.current_url)
    browser.find_element("link text", "access").click()  # the topics facet
    assert "topics__arraycontains=access" in browser.current_url
    marks = browser.find_elements("css selector", "td.col-evidence mark")
    assert [m.text for m in marks] == ["too much", "too fast"]
    assert all(m.is_displayed() for m in marks)
    assert len(browser.find_elements("css selector", "td.col-evidence li")) == 1
    # the column notes are folded away until asked for
    notes = browser.find_element("css selector", "details.pcnwatch-columns")
    assert not notes.find_element("css selector", "dl").is_displayed()
    notes.find_element("tag name", "summary").click()
    assert notes.find_element("css selector", "dl").is_displayed()
    # the stance chart fits the screen and its bars lead to the rows behind them
    browser.get(served + "/-/stance?actor=bma-gpc")
    assert _fits(browser)
    chart = browser.find_element("css selector", "svg.pcnwatch-chart")
    assert 0 < chart.size["width"] <= width
    bars = browser.find_elements("css selector", "svg.pcnwatch-chart rect")
    # March 2023: the committee opposed in two articles, one red bar of height two
    assert [b.find_element("tag name", "title").get_attribute("textContent")
            for b in bars] == ["2023-03: 2 oppose"]
    browser.save_screenshot(str(tmp_path / f"stance-{width}.png"))
    browser.find_element("css selector", "svg.pcnwatch-chart a").click()
    rows = browser.find_elements("css selector", "table.rows-and-columns tbody tr")
    assert len(rows) == 2
