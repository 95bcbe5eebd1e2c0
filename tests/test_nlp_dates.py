from datetime import date

import pytest

from nlp.dates import dateline, find_dates, resolve_date

PUB = date(2020, 1, 14)  # a Tuesday, in NHS year 2019/20


@pytest.mark.parametrize(
    ("phrase", "published", "expected"),
    [
        ("guidance issued last week", PUB, date(2020, 1, 7)),
        # a deadline "by the end of" a month is its last day, looking forward
        ("registrations are due by the end of May", PUB, date(2020, 5, 31)),
        ("plans must be in by the end of February 2024", PUB, date(2024, 2, 29)),
        # looking back from the published date when the phrase says so
        ("the guidance came out at the end of December", PUB, date(2019, 12, 31)),
        ("figures out this week", PUB, PUB),
        ("the report due next month", PUB, date(2020, 2, 1)),
        ("the deal struck last month", PUB, date(2019, 12, 1)),
        # NHS year: the coming year starts on the next 1 April
        ("two objectives in the coming year", PUB, date(2020, 4, 1)),
        ("the next financial year", PUB, date(2020, 4, 1)),
        ("in the coming year", date(2019, 4, 1), date(2019, 4, 1)),
        ("this financial year", PUB, date(2019, 4, 1)),
        # a named month after "from" looks forward, past the published month
        ("from April", PUB, date(2020, 4, 1)),
        ("from April", date(2020, 5, 3), date(2021, 4, 1)),
        ("from January", PUB, date(2020, 1, 1)),
        # "to" after a move looks forward too: a delay never lands in the past
        ("the deadline was pushed back to October", PUB, date(2020, 10, 1)),
        ("delayed to 2021", PUB, date(2021, 4, 1)),
        # a bare year after until/from is the NHS year that starts in it
        ("these will not start until 2021", PUB, date(2021, 4, 1)),
        ("not until 2021", None, date(2021, 4, 1)),
        ("in 2019 ministers promised", None, date(2019, 1, 1)),
        ("by March 2020", PUB, date(2020, 3, 1)),
        ("by March 2020", None, date(2020, 3, 1)),
        # "in October" without a year: the October nearest publication
        ("in October", PUB, date(2019, 10, 1)),
        ("in October", date(2020, 6, 1), date(2020, 10, 1)),
        ("last October", date(2020, 11, 2), date(2020, 10, 1)),
        ("on 1 July 2019", None, date(2019, 7, 1)),
        ("on 1st July, 2019", None, date(2019, 7, 1)),
        ("July 1, 2019", None, date(2019, 7, 1)),
        ("1 July", date(2019, 5, 20), date(2019, 7, 1)),
        ("from 1 July", date(2019, 8, 20), date(2020, 7, 1)),
        ("July 2019", None, date(2019, 7, 1)),
        ("2020/21", None, date(2020, 4, 1)),
        ("2020-21", None, date(2020, 4, 1)),
        ("2020/2021 contract", None, date(2020, 4, 1)),
        ("2020\u201321", None, date(2020, 4, 1)),
        # January article: "before Christmas" is the one just gone
        ("just before Christmas", PUB, date(2019, 12, 25)),
        ("before Christmas", date(2019, 10, 1), date(2019, 12, 25)),
        ("yesterday", PUB, date(2020, 1, 13)),
        ("today", PUB, PUB),
        ("2019-07-01", None, date(2019, 7, 1)),
        ("01/07/2019", None, date(2019, 7, 1)),  # UK order, day first
        ("three weeks ago", PUB, date(2019, 12, 24)),
        ("two months ago", PUB, date(2019, 11, 1)),
        ("on Friday", PUB, date(2020, 1, 10)),
        ("next Monday", PUB, date(2020, 1, 20)),
        ("Sept 2021", None, date(2021, 9, 1)),
    ],
)
def test_resolve_date_table(phrase, published, expected):
    assert resolve_date(phrase, published) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "last week",  # relative phrases need a published date
        "from April",
        "the coming year",
        "before Christmas",
        "GPs will march on Downing Street",  # a verb, not a month
        "31 February 2020",  # no such day
        "2019/23",  # not a financial year
        "in the coming weeks",  # too vague to place
        "",
    ],
)
def test_resolve_date_without_anchor_is_none(phrase):
    assert resolve_date(phrase, None) is None


def test_resolve_date_ignores_vague_phrases_even_with_published():
    assert resolve_date("practices may struggle in the coming weeks", PUB) is None
    assert resolve_date("GPs will march on Downing Street", PUB) is None


def test_find_dates_gives_offsets_in_text_order():
    text = "Guidance issued last week says the work will not start until 2021."
    found = find_dates(text, PUB)
    assert [text[d.start:d.end] for d in found] == ["last week", "until 2021"]
    assert [d.date for d in found] == [date(2020, 1, 7), date(2021, 4, 1)]


def test_find_dates_prefers_the_fullest_form():
    found = find_dates("The scheme starts on 1 July 2019 in most areas.", None)
    assert len(found) == 1
    assert found[0].text.endswith("1 July 2019")


def test_this_year_is_the_calendar_year_not_the_nhs_year():
    # In February 2020 the news means 2020 by "this year", not the NHS year from April 2019.
    assert resolve_date("the scheme will start this year", date(2020, 2, 14)) == date(2020, 1, 1)
    assert resolve_date("money promised last year", date(2020, 2, 14)) == date(2019, 1, 1)
    assert resolve_date("this financial year", date(2020, 2, 14)) == date(2019, 4, 1)
    assert resolve_date("last financial year", date(2020, 2, 14)) == date(2018, 4, 1)


def test_a_month_of_next_or_last_year_is_that_month():
    # "next year" alone is the next NHS year; with a month it is that month
    pub = date(2024, 11, 11)
    assert resolve_date("15% from April next year", pub) == date(2025, 4, 1)
    assert resolve_date("agreed by March next year", pub) == date(2025, 3, 1)
    assert resolve_date("announced in June last year", pub) == date(2023, 6, 1)
    assert resolve_date("due from May this year", pub) == date(2024, 5, 1)


def test_last_month_is_the_month_before_publication():
    assert resolve_date("confirmed in a letter last month", date(2024, 8, 1)) == date(2024, 7, 1)


@pytest.mark.parametrize(
    ("phrase", "precision"),
    [
        ("on 1 July 2019", "day"),
        ("last week", "day"),
        ("in July 2019", "month"),
        ("from April", "month"),
        ("from 2020/21", "month"),  # the NHS year starts on 1 April
        ("until 2021", "month"),
        ("in 2019", "year"),
        ("this year", "year"),
        ("by 2023/24", "year"),  # a target somewhere in that year
        ("in 2024/25", "year"),  # somewhere in the year, not from its first day
        ("during 2023/24", "year"),
        ("for 2019/20", "year"),
    ],
)
def test_find_dates_says_how_precise_each_phrase_is(phrase, precision):
    (found,) = find_dates(phrase, PUB)
    assert found.precision == precision


@pytest.mark.parametrize(
    ("phrase", "named"),
    [
        ("in March 2020", True),
        ("published in February", True),
        ("from April", False),  # a start: its first day by convention
        ("by March 2024", False),  # a limit
        ("last month", False),  # counted back from the published date
        ("on 9 May 2023", False),  # a day
    ],
)
def test_a_month_named_alone_is_told_from_a_start_or_a_limit(phrase, named):
    (found,) = find_dates(phrase, PUB)
    assert found.month_named is named


@pytest.mark.parametrize(("text", "expected"), [
    (" date 2020-01-15 NHS England has cut the targets.", date(2020, 1, 15)),
    ("Tuesday 28th January 2020\n\nCommons Chamber", date(2020, 1, 28)),
    ("Published 14 March 2023\n\nThe contract was imposed.", date(2023, 3, 14)),
    # a month or a year is not the article's date, and nothing is guessed
    ("In March the plan was published.", None),
    ("Last year the plan was published.", None),
])
def test_dateline_is_a_full_date_the_page_states_at_its_top(text, expected):
    assert dateline(text) == expected


def test_an_article_is_read_against_its_published_date_else_its_own():
    import spacy

    import nlp.components  # noqa: F401  (registers the Doc extensions)

    doc = spacy.blank("en")(" date 2024-02-28 NHS England wrote to networks last month.")
    assert doc._.pcnwatch_date == date(2024, 2, 28)       # the page's own, with none given
    doc._.pcnwatch_published = date(2024, 3, 1)
    assert doc._.pcnwatch_date == date(2024, 3, 1)        # the one given wins
    doc._.pcnwatch_published = None
    assert doc._.pcnwatch_date == date(2024, 2, 28)
    assert spacy.blank("en")("No date here.")._.pcnwatch_date is None
