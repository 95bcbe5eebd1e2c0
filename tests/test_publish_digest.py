"""The weekly digest: weeks, content around a manager's questions, filters, rendering, files."""

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from html.parser import HTMLParser

import pytest
from sqlmodel import Session
from test_publish_queries import ARTICLES, HOSTILE_QUOTE, HOSTILE_TITLE, build_newsroom

import jobs
from publish.digest import (
    SAMPLE,
    Recipient,
    build_digest,
    build_message,
    last_complete_week,
    message_id,
    parse_week,
    render,
    subject,
    write_files,
)
from publish.errors import BadWeek, UnknownActor
from store.db import get_engine, session_scope
from store.timeline import rebuild_timeline

WEEK = "2023-W10"
URL = {a["key"]: a["url"] for a in ARTICLES}


@pytest.mark.parametrize(("week", "monday", "sunday"), [
    ("2023-W10", date(2023, 3, 6), date(2023, 3, 12)),
    # week 1 of 2021 starts in January; 2020 has a week 53 that ends in 2021
    ("2021-W01", date(2021, 1, 4), date(2021, 1, 10)),
    ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
])
def test_parse_week(week, monday, sunday):
    assert parse_week(week) == (monday, sunday)


@pytest.mark.parametrize("bad", ["2023-10", "2023W10", "23-W10", "2023-W1", "2023-W54",
                                 "2021-W53", "", "next week"])
def test_parse_week_rejects_bad_weeks(bad):
    with pytest.raises(BadWeek, match="YYYY-Www|weeks"):
        parse_week(bad)


@pytest.mark.parametrize(("now", "week"), [
    # Wednesday: the week before is the last complete one
    (datetime(2023, 3, 15, 12, tzinfo=UTC), "2023-W10"),
    # Sunday 23:30 UTC in summer is already Monday in London: that Sunday's week is complete
    (datetime(2023, 7, 16, 23, 30, tzinfo=UTC), "2023-W28"),
    # the same instant in winter is still Sunday in London (GMT): the week before
    (datetime(2023, 1, 15, 23, 30, tzinfo=UTC), "2023-W01"),
])
def test_last_complete_week_in_london(now, week):
    assert last_complete_week(now) == week


@pytest.fixture
def store(store_url):
    build_newsroom(store_url)
    with session_scope(get_engine(store_url)) as s:
        rebuild_timeline(s)
    return store_url


def digest_for(url: str, week: str = WEEK, recipient: Recipient = SAMPLE):
    with Session(get_engine(url)) as s:
        return build_digest(s, week, recipient)


def test_digest_changes_say_what_and_by_when(store):
    d = digest_for(store)
    # One change, told by two sites (the copy), with its publisher's headline first.
    (cut,) = d.changes
    assert cut["headline"]["title"] == "Network targets trimmed for the coming year"
    assert cut["url"] == URL["cut"] and cut["sites"] == ["gp-bulletin"]
    assert (cut["action"], cut["object"], cut["actor"]) == (
        "reduce", "PCN service specifications", "NHS England")
    assert cut["title"] == "NHS England scaled back PCN service specifications"
    assert cut["date_text"] == "Tue 7 Mar 2023"
    # What else it does: the requirement it sets, with the day it is due.
    (booking,) = cut["acts"]
    assert booking["due"] == date(2023, 6, 30)
    assert booking["title"] == "Practices must still offer online booking by the end of June."
    # the March funding news is after the week
    assert all(c["action"] != "fund" for c in d.changes)


def test_digest_reactions_by_body_with_one_quote_and_one_link(store):
    d = digest_for(store)
    by_actor = {r["actor_id"]: r for r in d.reactions}
    # media are reporters, not reacting bodies; NHS England defending its own cut is not a
    # reaction to it
    assert "pulse" not in by_actor and "nhs-england" not in by_actor
    assert by_actor["bma-gpc"]["stance"] == "oppose"
    assert by_actor["bma-gpc"]["quote"].startswith("Trimming a few targets")
    assert by_actor["bma-gpc"]["on"] == "NHS England scaled back PCN service specifications"
    assert by_actor["rcgp"]["stance"] == "mixed"
    assert by_actor["lmc-kent"]["url"] == URL["hostile"]
    # grouped as a manager reads them: who objected, who had mixed views, who welcomed it
    assert [label for label, _ in d.sides] == ["Objected", "Mixed views"]
    assert [r["actor_id"] for _, rs in d.sides for r in rs] == ["bma-gpc", "lmc-kent", "rcgp"]


def test_digest_deadlines_include_earlier_news_still_due(store):
    d = digest_for(store)
    assert [(x["due"], x["what"]) for x in d.deadlines] == [
        (date(2023, 4, 30), "Every network has to file its workforce plan."),
        (date(2023, 6, 30), "Practices must still offer online booking by the end of June.")]
    assert all(x["how_sure"] == "one report gives this day" for x in d.deadlines)
    assert d.calendar_url.endswith("/deadlines.ics")


def test_digest_headlines_one_per_story(store):
    d = digest_for(store)
    assert [h["url"] for h in d.headlines] == [URL["hostile"], URL["cut"]]


def test_digest_actor_filter_keeps_family_and_their_changes(store):
    d = digest_for(store, recipient=Recipient(email="x@y.test", actors=("bma",)))
    assert {r["actor_id"] for r in d.reactions} == {"bma-gpc"}
    assert [h["url"] for h in d.headlines] == [URL["cut"]]
    # deadlines ignore the actor filter: practices must meet them whoever set them
    assert len(d.deadlines) == 2


def test_digest_topic_filter(store):
    d = digest_for(store, recipient=Recipient(email="x@y.test", topics=("workforce",)))
    assert d.changes == []
    assert [r["actor_id"] for r in d.reactions] == ["lmc-kent"]
    assert [x["what"] for x in d.deadlines] == ["Every network has to file its workforce plan."]


def test_digest_unknown_filter_actor_is_an_error(store):
    with pytest.raises(UnknownActor):
        digest_for(store, recipient=Recipient(email="x@y.test", actors=("nobody",)))


def test_digest_empty_week_is_nothing_new(store):
    d = digest_for(store, "2023-W30")
    assert d.nothing_new and d.deadlines == []
    text, html = render(d)
    assert "Nothing new this week" in text and "Nothing new this week" in html
    assert "Policy changes" not in html


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]

    def handle_data(self, data):
        self.text.append(data)


def test_render_html_escapes_and_stays_self_contained(store):
    _, html = render(digest_for(store))
    page = _Collect()
    page.feed(html)
    assert "script" not in page.tags and "img" not in page.tags and "link" not in page.tags
    assert "b" not in page.tags and "i" not in page.tags  # from the hostile quote and speaker
    text = "".join(page.text)
    assert HOSTILE_TITLE in text and HOSTILE_QUOTE in text
    assert URL["hostile"] in page.hrefs
    assert all(h.startswith(("https://", "http://")) for h in page.hrefs)
    # one column, readable on a phone
    assert 'name="viewport"' in html and "max-width: 600px" in html


def test_message_id_is_stable_per_week_and_recipient():
    a = Recipient(email="Ann@Practice.test")
    assert message_id(WEEK, a) == message_id(WEEK, Recipient(email="ann@practice.test"))
    assert message_id(WEEK, a) != message_id("2023-W11", a)
    assert message_id(WEEK, a) != message_id(WEEK, Recipient(email="bob@practice.test"))
    assert message_id(WEEK, a).startswith("<") and message_id(WEEK, a).endswith(">")


def test_build_message_preview_first_in_html(store):
    msg = build_message(digest_for(store), SAMPLE)
    html = msg.get_body(("html",)).get_content()
    body = html[html.index("<body"):]
    first_text = body[body.index(">", body.index("<span")) + 1:body.index("</span>")]
    assert first_text.startswith("NHS England")


def test_write_files_sample_and_per_subscriber(store, tmp_path):
    from publish.mail import add_subscriber

    add_subscriber(get_engine(store), "pm@surgery.test", topics=["workforce"])
    paths = write_files(get_engine(store), WEEK, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        ["digest.txt", "digest.html", "digest.eml", "digest-1.txt", "digest-1.html",
         "digest-1.eml"])
    eml = message_from_bytes((tmp_path / "digest.eml").read_bytes(), policy=policy.default)
    assert eml["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert eml.get_body(("plain",)).get_content() == (tmp_path / "digest.txt").read_text()
    assert "&lt;script&gt;" in (tmp_path / "digest.html").read_text()
    assert "Network targets trimmed" not in (tmp_path / "digest-1.txt").read_text()


def test_jobs_digest_prints_text_without_send_or_out(store, capsys):
    counts = jobs.digest(week=WEEK, database_url=store)
    out = capsys.readouterr().out
    assert counts["week"] == WEEK
    assert out.startswith("Primary care policy, week of 6 March 2023\n")
    assert "WHAT YOUR PRACTICE MUST DO, AND BY WHEN" in out


def test_write_outputs_for_the_demo(store, tmp_path):
    import feedparser

    from publish import write_outputs

    paths = write_outputs(tmp_path / "out", store)
    names = {p.name for p in paths}
    assert names == {"digest.html", "digest.txt", "digest.eml", "headlines.xml",
                     "headlines.json", "timeline.html", "deadlines.ics"}
    assert all(p.is_file() and p.stat().st_size for p in paths)
    # the newest article is in 2023-W12, so the digest is that week's
    assert (tmp_path / "out" / "digest.txt").read_text().startswith(
        "Primary care policy, week of 20 March 2023")
    feed = feedparser.parse((tmp_path / "out" / "headlines.xml").read_text())
    assert feed.version == "atom10" and len(feed.entries) == 4
    assert "<script>alert" not in (tmp_path / "out" / "timeline.html").read_text()


def test_digest_changes_carry_reactions_linked_by_the_timeline(store):
    d = digest_for(store)
    cut = next(c for c in d.changes if c["action"] == "reduce")
    # the GP Committee and the college reacted to the cut in the article reporting it
    assert {r["actor_id"] for r in cut["reactions"]} >= {"bma-gpc", "rcgp"}
    text, html = render(d)
    assert "Reactions: " in text and "BMA GP Committee objects to it" in text


def test_digest_subject_is_a_line_a_person_reads(store):
    assert subject(digest_for(store)) == "Primary care policy, week of 6 March 2023"
    assert subject(digest_for(store, "2023-W30")) == \
        "Primary care policy, week of 24 July 2023: nothing new"


def test_digest_text_answers_the_questions_in_order(store):
    text, html = render(digest_for(store))
    order = ["WHAT CHANGED", "WHAT YOUR PRACTICE MUST DO, AND BY WHEN",
             "WHO OBJECTED OR WELCOMED IT", "THE WEEK'S HEADLINES"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    # the publisher's headline before our sentence, and the calendar linked
    assert text.index("Network targets trimmed") < text.index("NHS England scaled back")
    assert "/deadlines.ics" in text and 'href="http://127.0.0.1:8001/deadlines.ics"' in html


@pytest.mark.parametrize(("url", "href"), [
    ("https://a.test/x?y=1&z=2", "https://a.test/x?y=1&z=2"),
    ("HTTP://a.test/", "HTTP://a.test/"),
    # script and data URLs never become links
    ("javascript:alert(1)", ""),
    (" data:text/html,<b>x</b>", ""),
    (None, ""),
])
def test_safe_href(url, href):
    from publish.digest import safe_href

    assert safe_href(url) == href


def test_render_drops_links_that_are_not_web_addresses(store):
    d = digest_for(store)
    d.headlines[0]["url"] = "javascript:alert(document.cookie)"
    _, html = render(d)
    assert "javascript:" not in html
    # the headline is still shown, as text
    assert ">&lt;script&gt;alert" in html and "<strong>&lt;script&gt;" in html
