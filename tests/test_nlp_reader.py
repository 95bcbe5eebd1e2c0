"""The quotation stance model: a second reading of each quotation, from its words.

The model is trained by ``make train`` (bench/train_reader.py) on labelled real pages. These
tests check what a researcher relies on: the stance rules' label is what the model starts
from, its own label says so in the cues with the words that weighed for it, a body's stance
follows what its quotations were read as, the model travels with a saved pipeline, and a model
file that does not fit the code is refused with a clear message.
"""

import json
import math

import pytest
import spacy

from bench.train_reader import main as train_main
from nlp.analysis import analyze_records
from nlp.components.reader import LABELS, StanceReader, load_stance_reader, reader_features
from nlp.errors import DataFileError
from nlp.pipeline import build_pipeline

TRAINED_ON = ["realdev-dev", "realdev2", "realtrain"]

# Our own sentences. The first takes a side in an idiom no cue list holds.
COFFIN = ("Dr Jane Holt, chair of the BMA's GP committee, said: \"This contract is the final "
          "nail in the coffin for general practice in England.\"")
PRAISE = ("Dr Amanda Doyle, national director for primary care at NHS England, said: \"The new "
          "funding will undoubtedly bring improvements for patients and staff, and we strongly "
          "encourage every practice to take part.\"")
PLAIN = ("A spokesperson for NHS England said: \"Practices will receive the payment in April, "
         "and the guidance sets out how to claim it.\"")


@pytest.fixture(scope="module")
def readings():
    """Our sentences read by the rules alone and with the model."""
    records = [{"id": str(n), "text": text} for n, text in enumerate((COFFIN, PRAISE, PLAIN))]
    rules = build_pipeline(options={"config": {"pcnwatch_stance": {"read_quotes": False}}})
    return (list(analyze_records(records, nlp=rules)),
            list(analyze_records(records, nlp=build_pipeline())))


def test_an_idiom_no_cue_list_holds_is_read_as_opposition(readings):
    rules, read = readings
    assert rules[0]["quotes"][0]["stance"] == "neutral"
    quote = read[0]["quotes"][0]
    assert quote["stance"] == "oppose"
    assert quote["cues"][0].startswith("stance model: ")
    assert "coffin" in quote["cues"][0]
    assert quote["evidence"] == [quote["text"]]


def test_a_policy_makers_plain_praise_of_its_plan_is_support(readings):
    rules, read = readings
    assert rules[1]["quotes"][0]["stance"] == "neutral"
    assert read[1]["quotes"][0]["stance"] == "support"


def test_a_plain_account_of_a_policy_stays_neutral(readings):
    _, read = readings
    quote = read[2]["quotes"][0]
    assert quote["stance"] == "neutral" and quote["evidence"] == []
    assert quote["cues"][-1].startswith("stance model")  # agreed with the rules: cue last


def test_a_bodys_stance_follows_its_quotations_as_the_model_read_them(readings):
    rules, read = readings
    before = {s["actor_id"]: s["stance"] for s in rules[0]["stances"]}
    after = {s["actor_id"]: s for s in read[0]["stances"]}
    assert before["bma-gpc"] == "neutral"
    assert after["bma-gpc"]["stance"] == "oppose"
    assert after["bma-gpc"]["evidence"][0] == read[0]["quotes"][0]["text"]


def test_the_label_is_the_most_probable_one_and_the_cue_its_heaviest_words():
    data = {"labels": list(LABELS), "intercepts": [0.0, 0.0, 0.0, 0.0],
            "weights": {"word=brink": [0.0, 2.0, 0.0, 0.0], "word=the": [0.0, 3.0, 0.0, 0.0],
                        "word=welcome": [1.0, 0.0, 0.0, 0.0]}}
    label, probability, words = StanceReader(data).read(
        "The brink, the welcome.", "neutral", policy_maker=False)
    assert label == "oppose"
    assert probability == round(math.exp(5) / (math.exp(5) + math.exp(1) + 2), 3)
    assert words == ["brink"]  # "the" weighs more, but says nothing to a reader


def test_the_model_reads_the_rules_label_and_the_speakers_part():
    features = reader_features("We will not sign.", "oppose", policy_maker=True)
    assert {k for k in features if k.startswith("word=")} == {
        "word=we", "word=will", "word=not", "word=sign"}
    assert features["rule=oppose"] == 1.0 and features["rule=neutral"] == 0.0
    assert features["policy_maker"] == 1.0 and features["policy_maker*rule=neutral"] == 0.0


def test_the_shipped_model_was_trained_only_on_pages_we_may_tune_on():
    data = load_stance_reader()
    assert data["trained_on"] == TRAINED_ON  # never a part kept to measure it
    assert data["examples"] == sum(data["by_label"].values()) > 1000
    assert {"rule=support", "rule=oppose", "rule=neutral", "rule=mixed"} <= set(data["weights"])


def test_a_model_file_without_its_parts_is_refused():
    with pytest.raises(DataFileError, match="needs 'labels', 'intercepts' and 'weights'"):
        StanceReader({"labels": list(LABELS)})
    with pytest.raises(DataFileError, match="one weight per label"):
        StanceReader({"labels": list(LABELS), "intercepts": [0.0] * 4,
                      "weights": {"word=brink": [1.0, 2.0]}})


def test_a_saved_pipeline_keeps_its_model(tmp_path):
    data = load_stance_reader()
    data["intercepts"] = [0.0, 9.0, 0.0, 0.0]  # a model of its own: everything opposes
    path = tmp_path / "reader.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    nlp = build_pipeline(options={"config": {"pcnwatch_stance": {"reader_path": str(path)}}})
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    said, again = nlp(PLAIN)._.pcnwatch_quotes, loaded(PLAIN)._.pcnwatch_quotes
    assert [q["stance"] for q in said] == [q["stance"] for q in again] == ["oppose"]


def test_training_refuses_the_parts_kept_to_measure_the_model():
    for held_out in ("realdev-test", "realval"):
        with pytest.raises(SystemExit, match="never train"):
            train_main(["--corpus", held_out])


def test_training_twice_on_the_same_pages_writes_the_same_model(tmp_path):
    out = tmp_path / "reader.json"
    args = ["--corpus", "sample", "--corpus", "dev2", "--out", str(out)]
    assert train_main(args) == 0
    assert train_main([*args, "--check"]) == 0
    trained = json.loads(out.read_text(encoding="utf-8"))
    assert trained["trained_on"] == ["sample", "dev2"]
    assert trained["labels"] == list(LABELS)
