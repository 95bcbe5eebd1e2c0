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
                   "quote": "Nobody can deliver these specifications in a year.",
                   "actor_name": "BMA GP Committee"}
    # The extras a reader of the JSON needs to trust an entry.
    draft = doc[0]
    assert (draft["title"], draft["stage"], draft["date_basis"]) == (
        "NHS England published draft PCN service specifications", "draft published", "reported")
    assert [d["url"] for d in draft["source_details"]] == draft["sources"]
    assert doc[1]["follows"]["id"] == draft["id"]


def test_timeline_text_groups_reactions_by_stance(built):
    text = render_text(load_timeline(built))
    first = text.split("\n\n")[0]
    assert first.startswith("Mon 23 Dec 2019  [draft published]\n"
                            "  NHS England published draft PCN service specifications\n")
    assert "source: https://b.example/draft-copy" in first
    assert "oppose (2):" in first and "BMA GP Committee, 2020-01-10" in first
    assert "\u201cNobody can deliver these specifications in a year.\u201d" in first
    assert "Reactions that fit no policy change" in text


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
    # One script, the page's own filter; nothing from the database runs.
    assert page.lower().count("<script") == 1 and "alert(" not in _script(page)
    assert "&lt;script&gt;alert(&#39;o&#39;)&lt;/script&gt; plan" in page
    assert "&lt;/blockquote&gt;&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def _script(page: str) -> str:
    return page[page.lower().index("<script"):page.lower().index("</script>")]


def test_timeline_html_is_self_contained_with_chart(built):
    page = render_html(load_timeline(built))
    # Nothing is loaded from outside: no external script, stylesheet, font or image.
    assert not re.search(r"<link\b|@import|url\(|\bsrc=", page, re.I)
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        ElementTree.fromstring(svg)  # well-formed, as browsers need for inline SVG
        # One dot per reaction (three linked, two of NHS England unlinked), coloured by stance.
        assert svg.count("<circle") == 5
        assert svg.count('fill="#c62828"') == 2  # the two oppose reactions
        # Bodies by name, never by id; every change's marker labelled with its number.
        for name in ("BMA GP Committee", "Kent LMC", "Royal College of GPs", "NHS England"):
            assert f">{name}</text>" in svg
        assert ">bma-gpc<" not in svg and ">lmc-kent<" not in svg
        assert re.findall(r'class="num"[^>]*>(\d+)</text>', svg) == ["1", "2"]
    assert page.count("<svg") == 2  # a wide chart and a compact one for phones
    assert "Nobody can deliver these specifications in a year." in page


def test_timeline_html_lists_changes_with_labelled_markers_and_filters(built):
    page = render_html(load_timeline(built))
    assert re.findall(r'<span class="marker"[^>]*>(\d+)</span><span class="stage[^"]*">([^<]+)<',
                      page) == [("1", "draft published"), ("2", "scaled back")]
    for field in ('name="topic"', 'name="body"', 'name="from"', 'name="to"'):
        assert field in page
    assert '<option value="bma-gpc">BMA GP Committee</option>' in page
    assert '<option value="workload">workload</option>' in page


def test_timeline_write_to_file(built, tmp_path):
    out = tmp_path / "deep" / "timeline.html"
    tl = write_timeline(database_url=built, since=date(2020, 1, 1), format="html", output=out)
    assert len(tl.entries) == 1 and out.read_text().startswith("<!doctype html>")
