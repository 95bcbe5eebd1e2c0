"""pcnwatch_people: named people, their role and body, later mentions."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from nlp.pipeline import build_pipeline
from nlp.registry import load_registry

ROWS = [json.loads(line) for line in
        (Path(__file__).parent / "data" / "nlp_people.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(options={"exclude": ("pcnwatch_quotes", "pcnwatch_stance",
                                               "pcnwatch_events", "pcnwatch_topics")})


@pytest.mark.parametrize("row", ROWS, ids=[r["note"] for r in ROWS])
def test_people_labelled_sentences(nlp, row):
    doc = nlp(row["text"])
    got = [(p["name"], p["role"], p["actor_id"]) for p in doc._.pcnwatch_people]
    assert got == [(p["name"], p["role"], p["actor_id"]) for p in row["people"]]


def test_people_offsets_and_mentions(nlp):
    text = ("Dr Mark Alder, chair of GPC England, spoke first. Later Alder said the vote "
            "was close, and Dr Alder thanked members.")
    doc = nlp(text)
    [person] = doc._.pcnwatch_people
    assert text[person["start"]:person["end"]] == "Dr Mark Alder"
    assert [text[s:e] for s, e in person["mentions"]] == ["Dr Mark Alder", "Alder", "Dr Alder"]


def test_people_two_people_with_one_surname_stay_apart(nlp):
    doc = nlp("Dr Ann Reid, chair of Kent LMC, spoke. Dr Owen Reid, chair of the BMA, replied.")
    assert [(p["name"], p["actor_id"]) for p in doc._.pcnwatch_people] == [
        ("Dr Ann Reid", "lmc-kent"), ("Dr Owen Reid", "bma")]


def test_people_empty_doc(nlp):
    assert nlp("")._.pcnwatch_people == []


def test_people_round_trip_to_disk(nlp, tmp_path):
    finder = nlp.get_pipe("pcnwatch_people")
    finder.to_disk(tmp_path / "people")
    other = build_pipeline(options={"exclude": ("pcnwatch_quotes", "pcnwatch_stance",
                                                "pcnwatch_events", "pcnwatch_topics")})
    other.get_pipe("pcnwatch_people").from_disk(tmp_path / "people")
    assert other.get_pipe("pcnwatch_people").data == finder.data


def _people_on(nlp, text, published):
    doc = nlp.make_doc(text)
    doc._.pcnwatch_published = published
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return [(p["name"], p["actor_id"]) for p in doc._.pcnwatch_people]


def test_people_known_office_holder_speaks_for_the_office_of_the_day(nlp):
    # The text gives no office; the registry of office holders places him by the date.
    text = "Mr Streeting told MPs that the new contract would be fair to practices."
    assert _people_on(nlp, text, date(2025, 3, 1)) == [("Mr Streeting", "dhsc")]
    assert _people_on(nlp, text, date(2023, 3, 1)) == [("Mr Streeting", "labour")]
    # Before any office he held, and with no date while he has held two, nobody is guessed.
    assert _people_on(nlp, text, date(2019, 3, 1)) == [("Mr Streeting", None)]
    assert _people_on(nlp, text, None) == [("Mr Streeting", None)]


def test_people_undated_office_holder_takes_the_office_the_page_names(nlp):
    # No date, two bodies in his terms; the page calls someone the health secretary, and
    # of his bodies only the department is that office's.
    text = ("The reforms will make general practice popular again, the health secretary has "
            "told MPs. Mr Streeting said the contract would be fair to practices.")
    assert _people_on(nlp, text, None) == [("Mr Streeting", "dhsc")]


def test_people_office_holder_read_against_the_date_the_page_states(nlp):
    # No date came with the text, but its first line gives one: that is the article's date,
    # as it is for the events' relative dates.
    text = " date 2025-03-01 Mr Streeting told MPs that the new contract would be fair."
    assert _people_on(nlp, text, None) == [("Mr Streeting", "dhsc")]


def test_people_known_office_holder_with_one_body_needs_no_date(nlp):
    text = "Dame Thérèse Coffey said appointments within two weeks were the aim."
    assert _people_on(nlp, text, None) == [("Dame Thérèse Coffey", "dhsc")]


def test_people_office_named_in_the_text_wins_over_the_office_holders(nlp):
    # In October 2023 Jeremy Hunt was chancellor; the text says so, and the text decides.
    text = "Jeremy Hunt, chair of the Royal College of General Practitioners, disagreed."
    assert _people_on(nlp, text, date(2023, 10, 1)) == [("Jeremy Hunt", "rcgp")]


def test_people_a_members_party_label_after_the_name_is_their_body(nlp):
    # a parliamentary update with no date: the Hansard label says which side he speaks for
    text = ("Q Wes Streeting (Lab: Ilford North) asked why the Government would not train more "
            "GPs. Dr Ada Quill (Con) replied.")
    assert dict(_people_on(nlp, text, None))["Wes Streeting"] == "labour"


def test_people_a_minister_on_a_page_about_another_country_is_not_the_uks(nlp):
    # "Minister" names the UK government on a UK page; on a page about Ireland it is
    # Ireland's minister, who has no body in the registry.
    irish = ("Minister Simon Harris told the Irish Medical Organisation that talks on a new "
             "GP contract would begin within a month.")
    assert _people_on(nlp, irish, date(2018, 4, 8)) == [("Simon Harris", None)]
    english = ("Minister Simon Harris told the NHS Confederation that talks on a new GP "
               "contract would begin within a month.")
    assert _people_on(nlp, english, date(2018, 4, 8)) == [("Simon Harris", "government")]


def test_people_unknown_person_and_shared_surname_stay_without_body(nlp):
    # Two office holders are called Johnson: a surname alone names neither.
    text = "Mr Johnson said the surgery was full. Dr Ada Quill said the same."
    assert _people_on(nlp, text, date(2020, 6, 1)) == [("Mr Johnson", None),
                                                       ("Dr Ada Quill", None)]


def test_people_office_holders_name_registered_bodies_in_date_order():
    data = tomllib.loads(resources.files("nlp.data").joinpath("roles.toml").read_text("utf-8"))
    registry = load_registry()
    for holder in data["office_holder"]:
        ends = []
        for term in holder["terms"]:
            assert registry.is_known(term["actor"]), (holder["name"], term["actor"])
            start = date.fromisoformat(term["from"])
            end = date.fromisoformat(term["to"]) if "to" in term else date.max
            assert start <= end and all(e <= start for e in ends), holder["name"]
            ends.append(end)


def test_people_known_office_holder_is_found_where_the_model_misses_the_name(nlp):
    # The small model reads "Therese" as a nationality; the list of office holders knows
    # the name, written with or without its accents.
    text = "Therese Coffey will set out her plan for patients on Thursday."
    assert _people_on(nlp, text, date(2022, 9, 21)) == [("Therese Coffey", "dhsc")]


def test_people_a_knight_or_dame_later_named_by_first_name_is_the_same_person(nlp):
    # British style: "Sir Ed", "Dame Clare" after the full name is that person, not a new one.
    text = ("Liberal Democrat leader Sir Ed Davey visited a surgery in Leeds.\n\n"
            "Sir Ed said the waits were far too long.")
    doc = nlp(text)
    [person] = doc._.pcnwatch_people
    assert person["name"] == "Sir Ed Davey"
    assert [text[a:b] for a, b in person["mentions"]] == ["Sir Ed Davey", "Sir Ed"]
