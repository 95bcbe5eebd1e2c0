"""Train the stance-confidence model (``make train``): nlp/data/stance_confidence.json.

    python bench/train_confidence.py [--corpus NAME ...] [--out FILE] [--check]

The model says how likely a stance label is to be right (see
nlp/components/confidence.py). It learns that from the labelled real pages we may tune on:
the realdev development part, realdev2 and realtrain (their page caches must be filled; see
``make eval``). Never realdev's test part or realval: those measure the model. realtrain
matters most: the rules were tuned on the development parts, so their reading is right there
more often than on pages no rule author has read, and realtrain is such pages.

The pipeline runs without the confidence component, so each stance keeps the label the rules
and the quotation model give it; each page is read by a quotation model fitted without it
(bench/train_reader.py, ``unseen_readings``), as pages in use are. Each stance the gold can
judge (bench/confidence.py pairs them as score.py does) becomes one example, right or wrong.
Two logistic regressions (quotes, actor stances) are fitted with scikit-learn: L2, C=0.3,
lbfgs, which is deterministic, on examples in a fixed order, so the same pages give the same
file. ``--check`` trains and compares with the
shipped file instead of writing it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ is not on the import path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.confidence import judged, ranking  # noqa: E402
from bench.eval import OUR_REAL, TRAINED_ON, corpora, our_part, realdev_parts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "nlp" / "data" / "stance_confidence.json"
TRAIN_ON = TRAINED_ON
# The parts that measure the model.
HELD_OUT = ("realdev-test", "realval")
# Strong regularisation: a few hundred examples, about thirty features.
C = 0.3


def gold_files(names: tuple[str, ...], tmp: Path) -> list[tuple[str, Path]]:
    """The gold file of each named corpus (a realdev part, one of ours, or one of the invented
    sets make eval scores), or exit saying why one is missing."""
    found: dict[str, Path] = {n: p for n, p in corpora() if n in names}
    if any(n.startswith("realdev-") for n in names):
        parts, why = realdev_parts(tmp)
        if why:
            sys.exit(f"train: {why}")
        found.update(parts)
    for name in names:
        if name in found:
            continue
        if name not in OUR_REAL:
            known = [n for n, _ in corpora()] + ["realdev-dev"] + [
                n for n in OUR_REAL if n not in HELD_OUT]
            sys.exit(f"train: no corpus {name!r}; use one of {', '.join(known)}")
        parts, why = our_part(name, tmp)
        if why:
            sys.exit(f"train: {why}")
        found.update(parts)
    return [(name, found[name]) for name in names]


def examples(gold: Path, pred: Path) -> dict[str, list[tuple[dict[str, float], bool]]]:
    """Features and rightness of every stance the gold judges, by kind."""
    from nlp.components.confidence import actor_features, quote_features
    from nlp.registry import load_registry

    registry = load_registry()
    out: dict[str, list[tuple[dict[str, float], bool]]] = {"quote": [], "actor": []}
    for what, stance, article, right in judged(gold, pred):
        if what == "quote":
            features = quote_features(stance, registry)
        else:
            features = actor_features(stance, article.get("quotes") or [], registry)
        out[what].append((features, right))
    return out


def fit(rows: list[tuple[dict[str, float], bool]]) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    names = sorted(rows[0][0])
    x = [[features[n] for n in names] for features, _ in rows]
    y = [int(right) for _, right in rows]
    model = LogisticRegression(C=C, max_iter=5000, solver="lbfgs").fit(x, y)
    weights = {n: round(float(w), 4) for n, w in zip(names, model.coef_[0], strict=True)}
    return {"weights": weights, "intercept": round(float(model.intercept_[0]), 4),
            "examples": len(y), "right": sum(y)}


def train(names: tuple[str, ...]) -> dict[str, object]:
    rows: dict[str, list[tuple[dict[str, float], bool]]] = {"quote": [], "actor": []}
    # Imported here: train_reader takes the corpus names and gold files from this module.
    from bench.train_reader import unseen_readings

    with tempfile.TemporaryDirectory() as tmp:
        golds = gold_files(names, Path(tmp))
        readings = unseen_readings(golds, Path(tmp))
        for name, gold in golds:
            found = examples(gold, readings[name])
            for what in rows:
                rows[what] += found[what]
            print(f"{name}: {len(found['quote'])} quote and {len(found['actor'])} actor "
                  "stances judged by its labels", file=sys.stderr)
    model: dict[str, object] = {
        "about": "P(the stance label is right) from the rules' reading; written by make "
                 "train (bench/train_confidence.py); read by nlp/components/confidence.py",
        "trained_on": list(names),
        "C": C,
    }
    for what, found in rows.items():
        if not found or all(r for _, r in found) or not any(r for _, r in found):
            sys.exit(f"train: the {what} examples need both right and wrong labels "
                     f"({len(found)} found)")
        model[what] = fit(found)
        # How well the rules' own score ranked the same examples, for the record.
        model[what]["rule_score_ranking"] = round(ranking(
            [(f["rule_score"], r) for f, r in found]) or 0.5, 3)
    return model


def training_args(argv: list[str] | None, description: str, out: Path) -> argparse.Namespace:
    """The options every model trainer takes; ``names`` are the corpora to train on, never
    one kept to measure the model."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME",
                        help=f"train on NAME (repeatable; default {', '.join(TRAIN_ON)})")
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--check", action="store_true",
                        help="train and compare with --out instead of writing it")
    args = parser.parse_args(argv)
    args.names = tuple(args.corpus) or TRAIN_ON
    held_out = sorted(set(HELD_OUT) & set(args.names))
    if held_out:
        sys.exit(f"train: {', '.join(held_out)} are kept to measure the model; never train "
                 "on them")
    return args


def checked_or_written(args: argparse.Namespace, text: str) -> bool:
    """With --check, whether ``text`` is the file at --out (and say so); else write it."""
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'the same as' if same else 'DIFFERS from'} a fresh training run")
        return same
    args.out.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    args = training_args(argv, __doc__.splitlines()[0], MODEL)
    text = json.dumps(train(args.names), indent=1, sort_keys=True) + "\n"
    if not checked_or_written(args, text):
        return 1
    if not args.check:
        for what in ("quote", "actor"):
            fitted = json.loads(text)[what]
            print(f"{what} stances: {fitted['examples']} examples, {fitted['right']} right; "
                  f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
