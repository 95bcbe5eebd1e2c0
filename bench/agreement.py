"""How far a second annotator agrees with the realdev gold: a ceiling to read our figures by.

    python bench/agreement.py

``bench/agreement/second_annotator.jsonl`` holds a second, independent labelling of 34 pages
of the realdev development part (every other page with quotes): the stance of each gold quote
(in the gold's order; the quotes, speakers and bodies were given), every body's stance, and the
events as (actor, action). The annotator had LABELLING.md and the contract, never the gold.
This script turns those labels into an analysis file and scores it with the shared
``score.py`` against the gold of the same pages, exactly as ``make eval`` scores pcnwatch,
and scores pcnwatch's own analysis of the same pages beside it. It needs the realdev page cache
(only to run pcnwatch; the second annotator's file needs no text).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ is not on the import path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval import REALDEV, _metric, analyze, build_input, realdev_parts, score  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECOND = REPO / "bench" / "agreement" / "second_annotator.jsonl"
# What the table shows, from score.py's JSON: (label, key, index into a (p, r, f1) triple).
ROWS = (("quote stance macro-F1", "quote_stance_macro_f1", None),
        ("quote stance accuracy", "quote_stance_acc", None),
        ("actor stance accuracy", "actor_stance_acc", None),
        ("events F1", "events_p_r_f1", 2))


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def gold_rows(ids: set[str]) -> list[dict]:
    rows = [row for gold in sorted(REALDEV.glob("gold-*.jsonl")) for row in _read(gold)]
    return [row for row in rows if row["id"] in ids]


def as_analysis(second: dict, gold: dict) -> dict:
    """The second annotator's labels in the shape score.py reads. Its quotes are the gold's
    own (it labelled their stance only), so they match by offset; their words are not needed,
    and placeholder words stand in to pass score.py's five-word floor."""
    if len(second["quote_stances"]) != len(gold["quotes"]):
        raise SystemExit(f"agreement: {gold['id']}: {len(second['quote_stances'])} quote "
                         f"stances for {len(gold['quotes'])} gold quotes")
    quotes = [{"start": q["start"], "end": q["start"] + 1, "text": "one two three four five",
               "speaker": q["speaker"], "actor_id": q["actor_id"], "stance": stance}
              for q, stance in zip(gold["quotes"], second["quote_stances"], strict=True)]
    return {"id": gold["id"], "actors": [{"id": a} for a in gold["actors"]], "quotes": quotes,
            "stances": [{"actor_id": a, "stance": s} for a, s in second["stances"].items()],
            "events": second["events"]}


def main() -> int:
    second = {row["id"]: row for row in _read(SECOND)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _parts, why = realdev_parts(work)
        if why:
            print(f"agreement: skipped pcnwatch's column: {why}", file=sys.stderr)
        golds = gold_rows(set(second))
        gold = work / "realdev-agreement_gold.jsonl"
        gold.write_text("".join(json.dumps(g) + "\n" for g in golds), encoding="utf-8")
        human = work / "second.jsonl"
        human.write_text("".join(json.dumps(as_analysis(second[g["id"]], g)) + "\n"
                                 for g in golds), encoding="utf-8")
        columns = {"second annotator": score(gold, human)}
        if not why:
            # The same pages through pcnwatch, read from the realdev cache.
            inp, pred = work / "in.jsonl", work / "out.jsonl"
            build_input(gold, inp)
            analyze(inp, pred)
            columns["pcnwatch"] = score(gold, pred)
    print(f"{len(golds)} realdev development pages, {sum(len(g['quotes']) for g in golds)} "
          f"quotes, {sum(len(g['stances']) for g in golds)} actor stances, "
          f"{sum(len(g['events']) for g in golds)} events in the gold")
    print(f"| metric | {' | '.join(columns)} |")
    print(f"| --- |{' --- |' * len(columns)}")
    for label, key, index in ROWS:
        print(f"| {label} | " + " | ".join(f"{_metric(m, key, index):.3f}"
                                            for m in columns.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
