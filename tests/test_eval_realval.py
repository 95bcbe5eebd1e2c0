"""Our own labelled real pages (bench/realdev2, bench/realtrain, bench/realval): their labels
keep to the contract, and the evaluation says plainly when the page cache is not there to score
them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import eval as evaluation
from nlp.registry import load_registry, read_data_file
from store.models import STANCES

BENCH = Path(__file__).resolve().parent.parent / "bench"
OURS = ("realdev2", "realtrain", "realval")
ACTIONS = {"announce", "propose", "require", "reduce", "delay", "fund", "agree", "withdraw"}


def _rows(part: str, name: str) -> list[dict]:
    return [json.loads(line) for line in (BENCH / part / name).open(encoding="utf-8")
            if line.strip()]


@pytest.mark.parametrize("part", OURS)
def test_every_labelled_page_is_in_the_manifest_with_what_refetching_it_needs(part):
    manifest, gold = _rows(part, "manifest.jsonl"), _rows(part, "gold.jsonl")
    assert [row["id"] for row in gold] == [row["id"] for row in manifest]
    for row in manifest:
        assert row["url"].startswith("http") and row["query"].strip(), row["id"]
        assert len(row["sha256"]) == 64 and row["chars"] > 0, row["id"]


def test_no_page_is_in_two_parts():
    urls = [row["url"] for part in OURS for row in _rows(part, "manifest.jsonl")]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("row", [row for part in OURS for row in _rows(part, "gold.jsonl")],
                         ids=lambda row: row["id"])
def test_labels_use_only_the_contracts_names(row):
    registry = load_registry()
    ids = [*row["actors"], *row["stances"],
           *(q["actor_id"] for q in row["quotes"] if q["actor_id"]),
           *(e["actor_id"] for e in row["events"] if e["actor_id"]),
           *(p["actor_id"] for p in row["people"] if p["actor_id"])]
    assert [a for a in ids if not registry.is_known(a)] == []
    assert {q["stance"] for q in row["quotes"]} | set(row["stances"].values()) <= set(STANCES)
    assert {e["action"] for e in row["events"]} <= ACTIONS
    assert set(row["topics"]) <= set(read_data_file("topics.toml")["topics"])
    # quotes are keyed by offset only: the labels repeat none of the page's words
    assert all(set(q) == {"start", "speaker", "actor_id", "stance"} for q in row["quotes"])


def test_without_the_page_cache_the_validation_part_is_skipped_and_says_why(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PCNWATCH_REALVAL_CACHE", str(tmp_path / "empty"))
    parts, why = evaluation.our_part("realval", tmp_path)
    assert parts == []
    pages = len(_rows("realval", "manifest.jsonl"))
    assert f"{pages} of {pages} realval pages are not in" in why
    assert "bench/realval/README.md" in why


def test_a_page_that_differs_from_the_labelled_text_counts_as_missing(tmp_path, monkeypatch):
    manifest = _rows("realval", "manifest.jsonl")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{manifest[0]['id']}.txt").write_text("not the page that was labelled")
    monkeypatch.setenv("PCNWATCH_REALVAL_CACHE", str(cache))
    total, missing = evaluation.missing_pages(BENCH / "realval" / "manifest.jsonl", cache)
    assert total == len(manifest) and manifest[0]["id"] in missing
