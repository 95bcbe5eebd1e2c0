"""How far a score could move on another draw of articles like these.

A part of 40 real pages gives a figure that moves by whole pages: one body's stance is
2.5 points of actor-stance accuracy there. To read a score against a goal, `make eval`
prints a percentile interval beside it, from resampling whole articles with replacement
(a cluster bootstrap: the quotes, stances and events of one page rise and fall together,
so resampling them one by one would make the interval look narrower than it is).

Each resample is scored by the shared ``score.py`` itself, so the interval is of the very
metric the table reports. It says nothing about pages unlike these; it is the spread of
the figure from sampling alone.
"""

from __future__ import annotations

import importlib.util
import json
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SCORER = REPO.parent / "shared" / "devset" / "score.py"
ROUNDS = 1000
LEVEL = 0.95


def load_scorer(path: Path = SCORER) -> ModuleType:
    """The shared score.py as a module, so resamples are scored in-process."""
    spec = importlib.util.spec_from_file_location("pcnwatch_shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resamples(gold: Path, pred: Path, *, rounds: int = ROUNDS, seed: int = 0,
              scorer: ModuleType | None = None) -> Iterator[dict]:
    """score.py's metrics on ``rounds`` resamples of the gold articles.

    A page drawn twice is scored twice: each copy gets its own id (``r012#1``), because
    score.py keys articles by id. A gold article with no analysis stays in the draw and is
    scored as missing, as in the full score.
    """
    scorer = scorer or load_scorer()
    gold_rows = scorer.read_jsonl(gold)
    by_id = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    draw = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        gold_out, pred_out = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        for _ in range(rounds):
            picked = draw.choices(gold_rows, k=len(gold_rows))
            with gold_out.open("w", encoding="utf-8") as g, \
                    pred_out.open("w", encoding="utf-8") as p:
                for n, row in enumerate(picked):
                    key = f"{row['id']}#{n}"
                    g.write(json.dumps({**row, "id": key}) + "\n")
                    if row["id"] in by_id:
                        p.write(json.dumps({**by_id[row["id"]], "id": key}) + "\n")
            yield scorer.score(str(gold_out), str(pred_out))


def percentile_intervals(samples: list[dict[str, float]], *,
                         level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """The central ``level`` share of each metric's resampled values."""
    out = {}
    for metric in samples[0]:
        values = sorted(sample[metric] for sample in samples)
        # As many values left out below as above: round both ends the same way.
        cut = round((1 - level) / 2 * (len(values) - 1))
        out[metric] = (values[cut], values[len(values) - 1 - cut])
    return out


def intervals(gold: Path, pred: Path, values: Callable[[dict], dict[str, float]], *,
              rounds: int = ROUNDS, seed: int = 0,
              level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """Percentile intervals of the metrics ``values`` reads from score.py's JSON."""
    samples = [values(metrics) for metrics in resamples(gold, pred, rounds=rounds, seed=seed)]
    return percentile_intervals(samples, level=level)
