"""pcnwatch_actors: registered bodies, families and short forms, never statistical NER."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

import nlp.components.actors  # noqa: F401  (registers the factory)
from nlp.pipeline import DEFAULT_MODEL

ROWS = [json.loads(line) for line in
        (Path(__file__).parent / "data" / "nlp_actors.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def nlp():
    pipeline = spacy.load(DEFAULT_MODEL)
    pipeline.add_pipe("pcnwatch_actors")
    return pipeline


@pytest.mark.parametrize("row", ROWS, ids=[r["note"] for r in ROWS])
def test_actors_labelled_sentences(nlp, row):
    doc = nlp(row["text"])
    assert sorted({s.kb_id_ for s in doc.spans["pcnwatch_actors"]}) == sorted(row["actors"])


@pytest.mark.parametrize("text,expected", [
    # A short form resolves to the nearest candidate before it, not the first.
    ("Kent LMC spoke first. Then Leeds LMC spoke. The LMC said it was angry.",
     [("Kent LMC", "lmc-kent"), ("Leeds LMC", "lmc-leeds"), ("The LMC", "lmc-leeds")]),
    # "the committee" after an LMC goes to the LMC; after GPC to GPC.
    ("GPC met. Then Kent LMC met. The committee voted.",
     [("GPC", "bma-gpc"), ("Kent LMC", "lmc-kent"), ("The committee", "lmc-kent")]),
    # "The conference" after the LMCs' conference is named is that conference.
    ("Delegates met at the UK LMC Conference. The conference backed the motion.",
     [("UK LMC Conference", "lmcs"), ("The conference", "lmcs")]),
    # The alias "PCN Network" wins over the short form "the PCN" it overlaps.
    ("The PCN Network surveyed directors.", [("PCN Network", "nhs-confederation")]),
    # "The party" is the party last named; with none named it is no body.
    ("The Labour Party pledged more GPs. The party said so twice.",
     [("Labour Party", "labour"), ("The party", "labour")]),
    ("The party said so twice.", []),
    # The BMA's GP committees of the devolved nations are the GP committee, as labelled.
    ("NIGPC and GPC Wales met.", [("NIGPC", "bma-gpc"), ("GPC Wales", "bma-gpc")]),
    # The BMA's offices in those nations are the BMA; their GP committees, the committee.
    ("BMA Cymru Wales balloted GPs.", [("BMA Cymru Wales", "bma")]),
    ("Dr A Jones, BMA NI GP committee chair, spoke.", [("BMA NI GP committee", "bma-gpc")]),
    # A nation's LMCs are its LMCs conference, not one committee named for a place.
    ("The Scottish LMCs conference met.", [("Scottish LMCs conference", "lmcs")]),
    ("Northern Ireland LMCs backed the motion.", [("Northern Ireland LMCs", "lmcs")]),
    ("A Liberal Democrat MP asked.", [("Liberal Democrat", "lib-dems")]),
    ("NHS Kent and Medway ICB took over. The care board said so.",
     [("Kent and Medway ICB", "icb-kent-and-medway"), ("The care board", "icb-kent-and-medway")]),
    # "The LMCs" after a group of LMCs is named is that group; before, the LMCs in general;
    # and "the LMCs conference" stays the conference.
    ("Surrey and Sussex LMCs wrote. The LMCs' chief executive signed.",
     [("Surrey and Sussex LMCs", "lmc-surrey-and-sussex"),
      ("The LMCs", "lmc-surrey-and-sussex")]),
    ("The LMCs voted.", [("The LMCs", "lmcs")]),
    ("Kent LMC spoke at the LMCs conference.",
     [("Kent LMC", "lmc-kent"), ("LMCs conference", "lmcs")]),
])
def test_actors_spans_in_order(nlp, text, expected):
    doc = nlp(text)
    assert [(s.text, s.kb_id_) for s in doc.spans["pcnwatch_actors"]] == expected


def test_actors_label_is_kind_and_names_are_set(nlp):
    doc = nlp("Nottinghamshire Local Medical Committee wrote to NHS England.")
    spans = doc.spans["pcnwatch_actors"]
    assert [(s.kb_id_, s.label_) for s in spans] == [("lmc-nottinghamshire", "lmc"),
                                                     ("nhs-england", "national_body")]
    assert doc._.pcnwatch_actor_names == {"lmc-nottinghamshire": "Nottinghamshire LMC",
                                          "nhs-england": "NHS England"}


def test_actors_registry_beats_ner(nlp):
    # The statistical model tags some of these as PERSON or ORG; only the registry counts.
    doc = nlp("Follow the Royal College on Twitter, said GP Ann Lee.")
    assert [(s.text, s.kb_id_) for s in doc.spans["pcnwatch_actors"]] == [
        ("Royal College", "rcgp")]


@pytest.mark.parametrize("text, found, abroad", [
    # A page on the Irish health system: its Health Minister and Government are Ireland's.
    ("The Health Minister told the Irish Medical Organisation that the Government would "
     "open talks on a new GP contract.", [], True),
    # Ireland named on a page about England: the Government is the UK's.
    ("The Government said practices in England would not follow Ireland's free GP care.",
     ["government"], False),
    # Northern Ireland is at home.
    ("The Government announced funding for practices in Northern Ireland.", ["government"],
     False),
    # A registered body other than a government places the page in the UK.
    ("The BMA said the Government had ignored American evidence.", ["bma", "government"],
     False),
])
def test_actors_a_page_about_another_countrys_health_system(nlp, text, found, abroad):
    doc = nlp(text)
    assert [s.kb_id_ for s in doc.spans["pcnwatch_actors"]] == found
    assert doc._.pcnwatch_abroad is abroad


@pytest.mark.parametrize("text, found", [
    # A page on Scotland's general practice: its health secretary and government are the
    # Scottish Government's, not the UK's.
    ("The Scottish Government agreed a contract with GPs in Scotland. The Health Secretary "
     "said the Government would fund it.",
     ["scottish-government", "scottish-government", "scottish-government"]),
    ("Practices in Wales get more, the Welsh Government said. The health minister agreed.",
     ["welsh-government", "welsh-government"]),
    # Northern Ireland's department has no registry body: no body, rather than the UK's.
    ("GPs in Northern Ireland are leaving, Stormont heard. The health minister said so.", []),
    # A page on one nation that mentions England in passing is still that nation's page.
    ("Welsh GPs rejected the offer. Unlike in England, the Welsh contract is negotiated in "
     "Wales. The Government said it would fund practices.",
     ["welsh-government"]),
    # A page that names England as much as the nation keeps the UK's names as they are.
    ("Scotland and Wales have their own contracts, but in England the Government decides.",
     ["government"]),
    # A name only the UK's can bear stays the UK's on a Scottish page.
    ("Scottish GPs wrote to Scotland's leaders and to the Department of Health and Social "
     "Care.", ["dhsc"]),
])
def test_actors_a_page_about_one_devolved_nation(nlp, text, found):
    doc = nlp(text)
    assert [s.kb_id_ for s in doc.spans["pcnwatch_actors"]] == found


def test_actors_empty_doc(nlp):
    doc = nlp("")
    assert list(doc.spans["pcnwatch_actors"]) == []
    assert doc._.pcnwatch_actor_names == {}


def test_actors_round_trip_to_disk(nlp, tmp_path):
    ruler = nlp.get_pipe("pcnwatch_actors")
    # A registry with one extra body: it must survive the round trip.
    data = json.loads(json.dumps(ruler.registry.source))
    data["actor"].append({"id": "wessex-forum", "kind": "membership_body",
                          "name": "Wessex Forum", "aliases": ["Wessex Forum"]})
    ruler.initialize(data=data)
    try:
        nlp.to_disk(tmp_path / "pipeline")
        loaded = spacy.load(tmp_path / "pipeline")
        doc = loaded("The Wessex Forum met Kent LMC.")
        assert [s.kb_id_ for s in doc.spans["pcnwatch_actors"]] == ["wessex-forum", "lmc-kent"]
    finally:
        ruler.initialize()
    assert [s.kb_id_ for s in nlp("The Wessex Forum met.").spans["pcnwatch_actors"]] == []


def test_actors_registry_reader_path(tmp_path):
    path = tmp_path / "actors.toml"
    path.write_text('[[actor]]\nid = "alpha-body"\nkind = "think_tank"\nname = "Alpha"\n'
                    'aliases = ["Alpha Body"]\n')
    pipeline = spacy.blank("en")
    pipeline.add_pipe("pcnwatch_actors", config={"registry_reader": {
        "@misc": "pcnwatch.actor_registry.v1", "path": str(path)}})
    doc = pipeline("The Alpha Body and the BMA.")
    assert [s.kb_id_ for s in doc.spans["pcnwatch_actors"]] == ["alpha-body"]


def test_actors_pipe_two_processes(nlp):
    texts = ["Kent LMC wrote to NHS England.", "The RCGP spoke. The college said no."] * 4
    docs = list(nlp.pipe(texts, n_process=2, batch_size=2))
    assert [[s.kb_id_ for s in d.spans["pcnwatch_actors"]] for d in docs] == [
        ["lmc-kent", "nhs-england"], ["rcgp", "rcgp"]] * 4
    assert docs[0]._.pcnwatch_actor_names["lmc-kent"] == "Kent LMC"
