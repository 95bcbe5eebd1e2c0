"""The timeline rendered for people: text, contract JSON, and a self-contained HTML page."""

import json
import re
from datetime import date
from xml.etree import ElementTree

import pytest
from test_timeline import add_article, draft_story, event, quote, rebuild, stance  # noqa: F401

from publish.errors import UnknownActor, UnknownTopic
from publish.timeline import load_timeline, render_html, render_json, render_text, write_timeline


@pytest.fixture
def built(draft_story):  # noqa: F811
    rebuild(draft_story)
    return str(draft_story.url)


def test_timeline_json_is_contract_section_8(built):
    doc = json.loads(render_json(load_timeline(built)))
    assert isinstance(doc, list) and [e["date"] for e in doc] == ["2019-12-23", "2020-02-06"]
    for entry in doc:
        assert {"date", "action", "actor_id", "object", "sources", "reactions"} <= set(entry)
        assert all(isinstance(u, str) and u.startswith("https://") for u in entry["sources"])
        for r in entry["reactions"]:
            assert {"actor_id", "stance", "url", "quote"} <= set(r)
            assert r["stance"] in ("support", "oppose", "mixed", "neutral")
    gpc = next(r for r in doc[0]["reactions"] if r["actor_id"] == "bma-gpc")
    assert gpc == {**gpc, "stance": "oppose", "url": "https://a.example/gpc-says-no",
                   "quote": "Nobody can deliver this in a year."}


def test_timeline_text_groups_reactions_by_stance(built):
    text = render_text(load_timeline(built))
    first = text.split("\n\n")[0]
    assert first.startswith("2019-12-23  NHS England propose: draft PCN service specifications")
    assert "source: https://b.example/draft-copy" in first
    assert "oppose (2):" in first and "\u201cNobody can deliver this in a year.\u201d" in first
    assert "Reactions that fit no event" in text


def test_timeline_filters_reject_unknown_values(built):
    with pytest.raises(UnknownActor, match="known actors: .*bma-gpc"):
        load_timeline(built, actor="bma-gcp")
    with pytest.raises(UnknownTopic, match="closest: pcn-targets"):
        load_timeline(built, topic="pcn-target")
    # A contract topic is valid even when no article carries it yet.
    assert load_timeline(built, topic="digital").entries == []


def test_timeline_html_escapes_hostile_text(fresh_store):
    add_article(fresh_store, "https://x.example/a", "2021-03-01", {
        "events": [event("announce", "nhs-england", "<script>alert('o')</script> plan",
                         "2021-03-01")],
        "topics": ["access"]})
    add_article(fresh_store, "javascript:alert('u')", "2021-03-05", {
        "stances": [stance("rcgp", "oppose")],
        "quotes": [quote("rcgp", "oppose", "</blockquote><script>alert('q')</script>")],
        "topics": ["access"]})
    rebuild(fresh_store)
    page = render_html(load_timeline(str(fresh_store.url)))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;o&#39;)&lt;/script&gt; plan" in page
    assert "&lt;/blockquote&gt;&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_timeline_html_is_self_contained_with_chart(built):
    page = render_html(load_timeline(built))
    assert not re.search(r"<(script|link)\b|@import|url\(|src=", page, re.I)
    svg = page[page.index("<svg"):page.index("</svg>")]
    ElementTree.fromstring(svg + "</svg>")  # well-formed, as browsers need for inline SVG
    # One dot per reaction (three linked, two of NHS England unlinked), coloured by stance.
    assert svg.count("<circle") == 5
    assert svg.count('fill="#c62828"') == 2  # the two oppose reactions
    for actor in ("bma-gpc", "lmc-kent", "rcgp", "nhs-england"):
        assert f">{actor}</text>" in svg
    assert "Nobody can deliver this in a year." in page


def test_timeline_write_to_file(built, tmp_path):
    out = tmp_path / "deep" / "timeline.html"
    tl = write_timeline(database_url=built, since=date(2020, 1, 1), format="html", output=out)
    assert len(tl.entries) == 1 and out.read_text().startswith("<!doctype html>")
