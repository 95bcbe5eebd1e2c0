"""The second annotator's labels (bench/agreement/): one stance per gold quote, the contract's
names only, and read by the shared score.py as an analysis is, so its figures are comparable
with pcnwatch's."""

from __future__ import annotations

import json

import pytest

from bench import agreement
from bench.eval import score
from nlp.registry import load_registry
from store.models import STANCES

ROWS = agreement._read(agreement.SECOND)
GOLD = {row["id"]: row for row in agreement.gold_rows({row["id"] for row in ROWS})}


def test_every_page_is_a_realdev_development_page_with_one_stance_per_gold_quote():
    assert len(ROWS) == len(GOLD) == 34
    for row in ROWS:
        assert len(row["quote_stances"]) == len(GOLD[row["id"]]["quotes"]), row["id"]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["id"])
def test_the_labels_use_only_the_contracts_names(row):
    registry = load_registry()
    assert set(row["quote_stances"]) | set(row["stances"].values()) <= set(STANCES)
    ids = [*row["stances"], *(e["actor_id"] for e in row["events"] if e["actor_id"])]
    assert [a for a in ids if not registry.is_known(a)] == []


def test_score_py_reads_the_labels_as_an_analysis(tmp_path):
    # Agreeing everywhere with the gold scores 1.0: the placeholder quote words and the gold's
    # own offsets are enough for score.py to pair every quote.
    gold = list(GOLD.values())[:5]
    same = [{"id": g["id"], "quote_stances": [q["stance"] for q in g["quotes"]],
             "stances": g["stances"], "events": [{"actor_id": e["actor_id"],
                                                 "action": e["action"]} for e in g["events"]]}
            for g in gold]
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold))
    pred_path.write_text("".join(json.dumps(agreement.as_analysis(s, g)) + "\n"
                                 for s, g in zip(same, gold, strict=True)))
    metrics = score(gold_path, pred_path)
    assert metrics["quotes_p_r_f1"][2] == 1.0
    assert metrics["actor_stance_acc"] == 1.0 and metrics["quote_stance_acc"] == 1.0
    # Quotes read the other way count as wrong.
    flipped = dict(same[0], quote_stances=["oppose" if s != "oppose" else "support"
                                           for s in same[0]["quote_stances"]])
    pred_path.write_text("".join(json.dumps(agreement.as_analysis(s, g)) + "\n"
                                 for s, g in zip([flipped, *same[1:]], gold, strict=True)))
    assert score(gold_path, pred_path)["quote_stance_acc"] < 1.0
