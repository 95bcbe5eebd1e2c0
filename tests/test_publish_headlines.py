"""Headlines: one per story, newest first, with sources, summary, actors and stances."""

from datetime import date

import pytest
from sqlmodel import Session
from test_publish_queries import ARTICLES, HOSTILE_TITLE, build_newsroom

from publish.errors import UnknownActor, UnknownTopic
from publish.headlines import HeadlineFilters, first_sentence, headlines
from store.db import get_engine

URL = {a["key"]: a["url"] for a in ARTICLES}


@pytest.fixture
def items_of(store_url):
    build_newsroom(store_url)

    def run(**filters):
        with Session(get_engine(store_url)) as s:
            return headlines(s, HeadlineFilters(**filters))
    return run


def test_headlines_one_per_story_newest_first(items_of):
    items = items_of()
    assert [h["url"] for h in items] == [URL["later"], URL["hostile"], URL["cut"],
                                         URL["earlier"]]
    cut = items[2]
    # the first-published copy tells the story; every copy's source and URL are kept
    assert cut["title"] == "Network targets trimmed for the coming year"
    assert cut["sources"] == ["gp-bulletin", "network-news"]
    assert cut["urls"] == [URL["cut"], URL["copy"]]
    assert cut["published"] == date(2023, 3, 7)
    assert cut["id"] == URL["cut"]


def test_headlines_actors_carry_their_strongest_stance(items_of):
    cut = next(h for h in items_of() if h["url"] == URL["cut"])
    stances = {a["actor_id"]: a["stance"] for a in cut["actors"]}
    assert stances["bma-gpc"] == "oppose"
    assert stances["rcgp"] == "mixed"
    # two copies say support at 0.8 and 0.6; one line for the actor
    assert stances["nhs-england"] == "support"
    assert [a["actor_id"] for a in cut["actors"]].count("nhs-england") == 1
    assert next(a["name"] for a in cut["actors"] if a["actor_id"] == "bma-gpc") == \
        "BMA GP Committee"


def test_headlines_updated_is_latest_copy_change(items_of):
    cut = next(h for h in items_of() if h["url"] == URL["cut"])
    # the copy was fetched a day later, so the story changed then
    assert cut["updated"].date() == date(2023, 3, 8)
    assert cut["updated"].tzinfo is not None


# Each row: filters and the story URLs that pass.
@pytest.mark.parametrize(("filters", "expected"), [
    ({"since": date(2023, 3, 6), "until": date(2023, 3, 12)}, ["hostile", "cut"]),
    # a story carried by network-news counts, and keeps its gp-bulletin lead
    ({"source": "network-news"}, ["later", "cut"]),
    ({"topic": "workforce"}, ["hostile", "earlier"]),
    # bma includes the GP Committee
    ({"actor": "bma"}, ["later", "cut"]),
    ({"limit": 1}, ["later"]),
])
def test_headlines_filters(items_of, filters, expected):
    assert [h["url"] for h in items_of(**filters)] == [URL[k] for k in expected]


def test_headlines_unknown_topic_and_actor(items_of):
    with pytest.raises(UnknownTopic):
        items_of(topic="nonsense")
    with pytest.raises(UnknownActor):
        items_of(actor="nobody")


def test_headlines_keep_hostile_title_as_data(items_of):
    assert any(h["title"] == HOSTILE_TITLE for h in items_of())


# Each row: article text, title, expected summary.
@pytest.mark.parametrize(("text", "title", "expected"), [
    # a title repeated as the first line is not the summary
    ("Big news\n\nThe board met today. It agreed.", "Big news", "The board met today."),
    # "Dr." does not end a sentence
    ("Dr. Lee spoke first. Then others did.", "", "Dr. Lee spoke first."),
    # an initial does not end one either
    ("Prof J. Smith said no. Later, yes.", "", "Prof J. Smith said no."),
    # "No. 10" is a number, "said no." an answer
    ("Talks at No. 10 ended. Nothing more.", "", "Talks at No. 10 ended."),
    # quotes closing a sentence stay with it
    ('He said "enough." The end came.', "", 'He said "enough."'),
    # no full stop: the whole first paragraph
    ("A standfirst without a stop\n\nBody.", "", "A standfirst without a stop"),
    ("", "Only a title", ""),
    # the headline again with a section prefix, then a byline line: both skipped
    ("UPDATE: Clinics open late\n\nby in Surgery Life, Updates\n\n"
     "Evening clinics begin across the county next month. More follows.",
     "Clinics open late", "Evening clinics begin across the county next month."),
    # a bare section label is not a summary
    ("Analysis\n\nThe money runs out in spring, managers warn. They want more.", "",
     "The money runs out in spring, managers warn."),
    # only short lines: the first one that is not the title
    ("Short note\n\nAnother", "Short note", "Another"),
])
def test_first_sentence(text, title, expected):
    assert first_sentence(text, title) == expected


def test_first_sentence_caps_length():
    long = "word " * 200 + "end."
    s = first_sentence(long)
    assert len(s) <= 280 and s.endswith("\u2026")


# Each row: a headline as a site wrote it, and as editors get it.
@pytest.mark.parametrize(("title", "clean"), [
    ("NEWS: Networks up and running across England", "Networks up and running across England"),
    ("Exclusive: GP leaders reject plan", "GP leaders reject plan"),
    ("ANALYSIS | What the contract means", "What the contract means"),
    # a colon that is part of the headline stays
    ("Access plan: what the payment means", "Access plan: what the payment means"),
    ("The 2024/25 contract: what it means", "The 2024/25 contract: what it means"),
    ("NEWS:", "NEWS:"),  # nothing would be left: keep it whole
])
def test_clean_title_drops_a_section_label(title, clean):
    from publish.headlines import clean_title

    assert clean_title(title) == clean
