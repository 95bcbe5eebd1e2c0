"""pcnwatch_people: named people, their role and body, later mentions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.pipeline import build_pipeline

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
