"""Deadlines: what practices must do and by when, how sure each date is, and the calendar.

Every test builds its own timeline from stored events written here (both backends);
the calendar is read back with the `icalendar` package, as a calendar program would.
"""

import io
import json
from datetime import date

import icalendar
import pytest
from test_timeline import add_article, event, rebuild

from publish.deadlines import closing_date, find_deadlines, render_ics, write_deadlines
from publish.errors import BadFilter
from store.db import session_scope

DRAFT_TEXT = ("NHS England has published draft specifications for networks.\n\n"
              "The consultation on the drafts closes on 15 January, and responses can be brief.")


def deadlines(engine, **kw):
    with session_scope(engine) as s:
        return find_deadlines(s, **kw)


@pytest.fixture
def winter(fresh_store):
    """A draft with a consultation, then its revision with a deadline told by two sites."""
    e = fresh_store
    add_article(e, "https://a.example/draft", "2019-12-24", {
        "events": [event("propose", "nhs-england", "draft network specifications", "2019-12-23",
                         start=0),
                   event("require", "nhs-england", "weekly care home rounds", "2020-04-01",
                         start=200, sentence="Networks would have to hold weekly care home "
                                             "rounds from April.")],
        "topics": ["care-homes"]}, text=DRAFT_TEXT, source="gp-bulletin")
    add_article(e, "https://a.example/update", "2020-02-06", {
        "events": [event("reduce", "nhs-england", "network specifications", "2020-02-06",
                         start=0),
                   event("require", "nhs-england", "practices decide", "2020-05-31", start=300,
                         sentence="Practices have until the end of May to decide whether to "
                                  "stay in the network DES.")],
        "topics": ["gp-contract"]}, source="gp-bulletin", story="update")
    add_article(e, "https://b.example/update", "2020-02-07", {
        "events": [event("reduce", "nhs-england", "network specifications", "2020-02-06"),
                   event("require", "nhs-england", "practices decide on the DES", "2020-05-31",
                         sentence="Practices must decide by 31 May whether they stay in.")],
        "topics": ["gp-contract"]}, source="practice-matters", story="guide")
    rebuild(e)
    return e


def test_deadlines_from_dated_requirements_and_consultations(winter):
    # As known at the end of January: the draft, its consultation and its requirement.
    consultation, rounds = deadlines(winter, reported_by=date(2020, 1, 31))
    assert (consultation.due, consultation.kind) == (date(2020, 1, 15), "consultation")
    assert consultation.what == ("Consultation closes: NHS England published draft network "
                                 "specifications")
    assert consultation.url == "https://a.example/draft"
    # Part of a draft: said to be a proposal, not a firm requirement.
    assert (rounds.due, rounds.kind) == (date(2020, 4, 1), "requirement")
    assert (rounds.sure, rounds.how_sure) == (
        "proposed", "proposed in a draft: it may change before it is final")
    # As known now: the draft was revised, so its requirement is gone; the revision's
    # deadline, told on the same day by two separate stories, is confirmed.
    consultation, decide = deadlines(winter)
    assert consultation.kind == "consultation"
    assert (decide.due, decide.sure, decide.how_sure) == (
        date(2020, 5, 31), "confirmed", "the same day in 2 separate reports")
    assert decide.sources == ["https://a.example/update", "https://b.example/update"]
    assert decide.bodies == ["NHS England"]
    assert decide.what == ("Practices have until the end of May to decide whether to stay in "
                           "the network DES.")


def test_deadlines_of_a_draft_revised_since_are_dropped(winter):
    # Before the revision was reported, the draft's requirement is a deadline ...
    assert date(2020, 4, 1) in [d.due for d in deadlines(winter, reported_by=date(2020, 1, 31))]
    # ... after it, the draft no longer says what practices must do.
    assert date(2020, 4, 1) not in [d.due for d in deadlines(winter,
                                                              reported_by=date(2020, 2, 9))]


def test_deadlines_reported_by_and_window(winter):
    got = deadlines(winter, since=date(2020, 2, 1), until=date(2020, 6, 30),
                    reported_by=date(2020, 2, 9))
    assert [d.due for d in got] == [date(2020, 5, 31)]
    # Not yet reported by the day asked: not known then.
    assert deadlines(winter, reported_by=date(2019, 12, 1)) == []


def test_deadlines_sources_that_give_other_days_say_so(fresh_store):
    add_article(fresh_store, "https://a.example/1", "2021-01-26", {
        "events": [event("require", "nhs-england", "network DES participation forms",
                         "2021-04-30", sentence="Practices must confirm by 30 April.")],
        "topics": ["gp-contract"]})
    add_article(fresh_store, "https://b.example/2", "2021-01-27", {
        "events": [event("require", "nhs-england", "network DES participation forms",
                         "2021-05-01", sentence="Practices must confirm by 1 May.")],
        "topics": ["gp-contract"]})
    rebuild(fresh_store)
    (d,) = deadlines(fresh_store)
    assert d.sure == "sources differ"
    assert d.how_sure == "sources give Fri 30 Apr 2021 and Sat 1 May 2021"


def test_deadlines_end_of_month_and_history(fresh_store):
    add_article(fresh_store, "https://a.example/1", "2024-03-05", {
        "events": [
            # "By the end of April" read as the 1st by the analysis: the sentence says the 30th.
            event("require", "nhs-england", "network DES participation", "2024-04-01",
                  sentence="Practices must confirm their participation by the end of April."),
            # Due before the report: history, not a deadline.
            event("require", "nhs-england", "registration forms", "2024-02-20",
                  sentence="Networks had to register by 20 February.")],
        "topics": ["gp-contract"]})
    rebuild(fresh_store)
    assert [(d.due, d.sure) for d in deadlines(fresh_store)] == [
        (date(2024, 4, 30), "one source")]


@pytest.mark.parametrize("sentence, published, expected", [
    ("The consultation closes on 15 January.", date(2019, 12, 24), date(2020, 1, 15)),
    ("Responses by January 15, 2021 please.", date(2020, 12, 1), date(2021, 1, 15)),
    ("The consultation ends at the end of March.", date(2022, 2, 1), date(2022, 3, 31)),
    ("It closes on 31 February.", date(2022, 2, 1), None),  # no such day
    ("It closes soon.", date(2022, 2, 1), None),
])
def test_closing_date_table(sentence, published, expected):
    assert closing_date(sentence, published) == expected


def test_deadlines_ics_is_a_calendar_with_one_event_per_deadline(winter):
    items = deadlines(winter)
    cal = icalendar.Calendar.from_ical(render_ics(items))
    assert cal["VERSION"] == "2.0" and "pcnwatch" in str(cal["PRODID"])
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(items) == 2
    for ev, d in zip(events, items, strict=True):
        assert ev.get("DTSTART").dt == d.due and ev.get("DTEND").dt == date.fromordinal(
            d.due.toordinal() + 1)  # an all-day event
        assert str(ev.get("UID")).endswith("@pcnwatch") and ev.get("DTSTAMP") is not None
        assert str(ev.get("URL")) == d.url
        assert d.url in str(ev.get("DESCRIPTION")) and d.how_sure in str(ev.get("DESCRIPTION"))
    assert str(events[0]["SUMMARY"]).startswith("Consultation closes: ")
    assert str(events[1]["SUMMARY"]).startswith("Due: Practices have until the end of May")
    assert len({str(e["UID"]) for e in events}) == 2
    # A proposal is tentative in a calendar; a day two stories give is confirmed.
    proposed = icalendar.Calendar.from_ical(render_ics(deadlines(
        winter, reported_by=date(2020, 1, 31))))
    assert [str(e["STATUS"]) for e in proposed.walk("VEVENT")] == ["CONFIRMED", "TENTATIVE"]


def test_deadlines_uids_stay_the_same_when_the_timeline_is_rebuilt(winter):
    before = {d.due: d.uid for d in deadlines(winter)}
    # Another site reports the update: the entry keeps its key, the deadline its UID.
    add_article(winter, "https://c.example/update", "2020-02-08", {
        "events": [event("reduce", "nhs-england", "network specifications", "2020-02-06")],
        "topics": ["gp-contract"]})
    rebuild(winter)
    assert {d.due: d.uid for d in deadlines(winter)} == before


def test_write_deadlines_formats_and_since(winter):
    out = io.StringIO()
    url = winter.url.render_as_string(hide_password=False)
    write_deadlines(database_url=url, since=date(2020, 5, 1), format="json", stream=out)
    (doc,) = json.loads(out.getvalue())
    assert doc["due"] == "2020-05-31" and doc["sure"] == "confirmed"
    out = io.StringIO()
    write_deadlines(database_url=url, format="text", stream=out)
    assert out.getvalue().startswith("Wed 15 Jan 2020  consultation closes: ")
    with pytest.raises(BadFilter, match="text, json, ics"):
        write_deadlines(database_url=url, format="pdf")


def test_cli_deadlines_ics_parses_with_icalendar(winter, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "pcnwatch"
    url = winter.url.render_as_string(hide_password=False)
    done = subprocess.run([str(script), "deadlines", "--format", "ics"], cwd=tmp_path,
                          env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"BEGIN:VCALENDAR\r\n")  # RFC 5545 line ends
    cal = icalendar.Calendar.from_ical(done.stdout)
    assert len(list(cal.walk("VEVENT"))) == 2
    bad = subprocess.run([str(script), "deadlines", "--since", "soon"], cwd=tmp_path,
                         env={**os.environ, "DATABASE_URL": url},
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "is not a date" in bad.stderr
