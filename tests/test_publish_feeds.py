"""Feeds read back with feedparser; text, Markdown, JSON and CSV read back too."""

import csv
import io
import json
from datetime import UTC, datetime

import feedparser
import pytest
from sqlmodel import Session
from test_publish_queries import ARTICLES, HOSTILE_TITLE, build_newsroom

from publish.feeds import FORMATS, jsonfeed, md_escape, render
from publish.headlines import headlines
from store.db import get_engine

URL = {a["key"]: a["url"] for a in ARTICLES}


@pytest.fixture
def items(store_url):
    build_newsroom(store_url)
    with Session(get_engine(store_url)) as s:
        return headlines(s)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_reads_back_with_feedparser(items, fmt):
    parsed = feedparser.parse(render(items, fmt, link="https://example.test/",
                                     feed_url="https://example.test/h.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    # the feed links to the site, and to itself as rel=self
    assert parsed.feed.link == "https://example.test/"
    assert "https://example.test/h.xml" in {x.href for x in parsed.feed.links
                                            if x.rel == "self"}
    entries = parsed.entries
    assert [e.link for e in entries] == [h["url"] for h in items]
    assert [e.id for e in entries] == [h["id"] for h in items]
    assert [e.title for e in entries] == [h["title"] for h in items]
    # the hostile title is text in the feed, never markup
    assert HOSTILE_TITLE in [e.title for e in entries]
    cut = entries[[h["url"] for h in items].index(URL["cut"])]
    assert cut.published_parsed[:3] == (2023, 3, 7)
    if fmt == "atom":
        assert cut.updated_parsed[:3] == (2023, 3, 8)
        assert {t.term for t in cut.tags} == {"pcn-targets", "access"}
    assert "BMA GP Committee: oppose" in cut.summary


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_escapes_markup_in_raw_xml(items, fmt):
    raw = render(items, fmt)
    assert "<script>" not in raw
    assert "&lt;script&gt;" in raw


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_same_input_same_bytes(items, fmt):
    assert render(items, fmt) == render(items, fmt)


def test_feed_empty_is_valid():
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(render([], fmt))
        assert not parsed.bozo and parsed.entries == []


def test_jsonfeed_is_version_1_1_and_reads_back(items):
    doc = json.loads(render(items, "jsonfeed"))
    assert doc == json.loads(json.dumps(jsonfeed(items)))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert {"title", "home_page_url", "feed_url", "items"} <= set(doc)
    first = doc["items"][0]
    assert first["id"] == items[0]["id"] and first["url"] == items[0]["url"]
    assert "content_text" in first
    # RFC 3339 dates with an offset
    assert datetime.fromisoformat(first["date_modified"]).tzinfo is not None
    # feedparser 6 reads JSON Feed 1.0 only, so the 1.1 rules are checked here
    assert [i["url"] for i in doc["items"]] == [h["url"] for h in items]
    assert all(isinstance(i["id"], str) and i["id"] for i in doc["items"])
    assert all(isinstance(a["name"], str) for i in doc["items"] for a in i["authors"])
    assert next(i for i in doc["items"] if i["url"] == URL["hostile"])["title"] == HOSTILE_TITLE


def test_json_and_csv_carry_the_same_stories(items):
    as_json = json.loads(render(items, "json"))
    as_csv = list(csv.DictReader(io.StringIO(render(items, "csv"))))
    assert [r["url"] for r in as_json] == [r["url"] for r in as_csv] == [h["url"] for h in items]
    cut = next(r for r in as_csv if r["url"] == URL["cut"])
    assert cut["sources"] == "gp-bulletin; network-news"
    assert cut["published"] == "2023-03-07"
    assert as_json[0]["published"] == items[0]["published"].isoformat()


def test_text_is_one_line_per_story(items):
    lines = render(items, "text").splitlines()
    assert len(lines) == len(items) == 4
    assert lines[2].startswith("2023-03-07  Network targets trimmed")
    assert lines[2].endswith(URL["cut"])


def test_markdown_escapes_html_and_markdown(items):
    md = render(items, "md")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert f"]({URL['cut']})" in md


@pytest.mark.parametrize(("text", "expected"), [
    ("a <b> & c", "a &lt;b&gt; &amp; c"),
    ("[link](x)", r"\[link\]\(x\)"),
    ("*bold* _it_", r"\*bold\* \_it\_"),
])
def test_md_escape(text, expected):
    assert md_escape(text) == expected


def test_entry_without_date_uses_updated():
    item = {"id": "tag:pcnwatch,2023:story-1", "url": "https://x.test/a", "title": "T",
            "published": None, "updated": datetime(2023, 5, 1, 8, tzinfo=UTC),
            "sources": ["s"], "urls": ["https://x.test/a"], "summary": "", "actors": [],
            "topics": [], "story": 1}
    parsed = feedparser.parse(render([item], "atom"))
    assert parsed.entries[0].published_parsed[:3] == (2023, 5, 1)
    assert parsed.entries[0].id == "tag:pcnwatch,2023:story-1"
