"""pcnwatch_confidence: how likely each stance label is to be right, from the shipped model.

The model is trained by ``make train`` (bench/train_confidence.py) on labelled real pages;
these tests check what a researcher relies on whatever its weights: the labels are the stance
rules', each confidence is the model's probability for that reading, and a model that does
not fit the code fails at once with a clear message.
"""

import json
from pathlib import Path

import pytest
import spacy

from bench.eval import strip_front_matter
from bench.train_confidence import main as train_main
from nlp.analysis import analyze_records
from nlp.components.confidence import (
    CEILING,
    FLOOR,
    ConfidenceModel,
    actor_features,
    load_confidence_model,
    quote_features,
)
from nlp.errors import DataFileError
from nlp.pipeline import build_pipeline
from nlp.registry import load_registry

DATA = Path(__file__).parent / "data"
TRAINED_ON = ("realdev-dev", "realdev2", "realtrain")


def sample_records(n=8):
    rows = [json.loads(line) for line in (DATA / "sample_gold.jsonl").open(encoding="utf-8")]
    records = []
    for row in rows[:n]:
        text = (DATA.parent.parent / row["file"]).read_text(encoding="utf-8")
        records.append({"id": row["id"], "text": strip_front_matter(text),
                        "published": row.get("published")})
    return records


@pytest.fixture(scope="module")
def readings():
    """The sample articles read with and without the confidence component."""
    records = sample_records()
    rules = build_pipeline(options={"exclude": ("pcnwatch_confidence",)})
    full = build_pipeline()
    return (list(analyze_records(records, nlp=rules)),
            list(analyze_records(records, nlp=full)))


def test_the_model_changes_no_label_only_the_confidence(readings):
    rules, full = readings
    quotes = [(r["quotes"], f["quotes"]) for r, f in zip(rules, full, strict=True)]
    assert sum(len(q) for q, _ in quotes) > 10
    for before, after in quotes:
        assert [(q["text"], q["stance"], q["cues"]) for q in before] == \
            [(q["text"], q["stance"], q["cues"]) for q in after]
    for r, f in zip(rules, full, strict=True):
        assert [(s["actor_id"], s["stance"], s["evidence"]) for s in r["stances"]] == \
            [(s["actor_id"], s["stance"], s["evidence"]) for s in f["stances"]]


def test_each_confidence_is_the_models_probability_for_the_rules_reading(readings):
    rules, full = readings
    model, registry = ConfidenceModel(load_confidence_model()), load_registry()
    for r, f in zip(rules, full, strict=True):
        for before, after in zip(r["quotes"], f["quotes"], strict=True):
            want = model.probability("quote", quote_features(before, registry))
            assert after["confidence"] == want
            assert FLOOR <= want <= CEILING
        for before, after in zip(r["stances"], f["stances"], strict=True):
            want = model.probability("actor", actor_features(before, r["quotes"], registry))
            assert after["confidence"] == want


def test_the_shipped_model_says_what_it_was_trained_on():
    data = load_confidence_model()
    assert tuple(data["trained_on"]) == TRAINED_ON  # never a part kept to measure it
    for what in ("quote", "actor"):
        assert 0 < data[what]["right"] < data[what]["examples"]


def test_a_model_that_does_not_name_the_codes_features_fails_with_a_clear_error(tmp_path):
    data = load_confidence_model()
    del data["quote"]["weights"]["words"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    nlp = build_pipeline(options={"config": {"pcnwatch_confidence": {"model_path": str(path)}}})
    with pytest.raises(DataFileError, match=r"missing \['words'\].*make train"):
        nlp("The BMA said: 'These targets are simply impossible to deliver this year.'")


def test_a_model_file_without_its_parts_is_refused():
    with pytest.raises(DataFileError, match="needs 'quote' and 'actor'"):
        ConfidenceModel({"quote": {"weights": {}, "intercept": 0.0}})


def test_training_twice_on_the_same_pages_writes_the_same_model(tmp_path):
    out = tmp_path / "model.json"
    args = ["--corpus", "sample", "--corpus", "dev2", "--out", str(out)]
    assert train_main(args) == 0
    first = out.read_text(encoding="utf-8")
    assert train_main([*args, "--check"]) == 0
    trained = json.loads(first)
    assert trained["trained_on"] == ["sample", "dev2"]
    assert set(trained["quote"]["weights"]) == set(load_confidence_model()["quote"]["weights"])


def test_training_refuses_the_parts_kept_to_measure_the_model():
    for held_out in ("realdev-test", "realval"):
        with pytest.raises(SystemExit, match="never train"):
            train_main(["--corpus", held_out])


def test_a_saved_pipeline_keeps_its_model(tmp_path):
    data = load_confidence_model()
    data["quote"]["intercept"] += 1.0  # a model of its own, so the saved copy is the one read
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    nlp = build_pipeline(options={"config": {"pcnwatch_confidence": {"model_path": str(path)}}})
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "Dr Ann Field, chair of Kent LMC, said: 'These targets are impossible to deliver.'"
    said, again = nlp(text)._.pcnwatch_quotes, loaded(text)._.pcnwatch_quotes
    assert said and [q["confidence"] for q in said] == [q["confidence"] for q in again]
    kept = loaded.get_pipe("pcnwatch_confidence").model.data
    assert kept["quote"]["intercept"] == pytest.approx(data["quote"]["intercept"])
