"""Train the quotation stance model (``make train``): nlp/data/stance_reader.json.

    python bench/train_reader.py [--corpus NAME ...] [--out FILE] [--check]

The model gives each quotation its stance from the words it uses and the label the stance
rules gave it (see nlp/components/reader.py). It learns from the labelled real pages we may
tune on: the realdev development part, realdev2 and realtrain (their page caches must be
filled; see ``make eval``). Never realdev's test part or realval: those measure it.

The pipeline runs with the model turned off, so each quotation keeps the rules' own label;
each quotation score.py pairs with a labelled one (first unused match, as score.py pairs them)
becomes one example with the label as its target. Words that occur in fewer than two of the
quotations are dropped. One multinomial logistic regression is fitted with scikit-learn: L2,
C=0.03, classes weighted by their inverse frequency (mixed quotations are rare and would
otherwise never be chosen), lbfgs on examples in a fixed order, so the same pages give the
same file. C and the weighting were chosen by five-fold cross-validation over articles on
these pages: macro-F1 0.60 against the rules' 0.54. ``--check`` trains and compares with the
shipped file instead of writing it.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/ is not on the import path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.confidence import paired_quotes  # noqa: E402
from bench.eval import build_input  # noqa: E402
from bench.intervals import load_scorer  # noqa: E402
from bench.train_confidence import (  # noqa: E402
    checked_or_written,
    gold_files,
    training_args,
)

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "nlp" / "data" / "stance_reader.json"
C = 0.03
MIN_QUOTES = 2
# Folds of the out-of-fold readings the confidence model is trained on.
FOLDS = 3


def pipeline(stance: dict[str, object]) -> Any:
    """The pipeline without the confidence component, with ``stance`` as the stance
    component's config (``{"read_quotes": False}``: the rules' own quotation labels)."""
    from nlp.pipeline import build_pipeline

    return build_pipeline(options={"exclude": ("pcnwatch_confidence",),
                                   "config": {"pcnwatch_stance": stance}})


def records(gold: Path, tmp: Path) -> list[dict[str, Any]]:
    """The analyze input of a corpus, built once into ``tmp``."""
    inp = tmp / f"{gold.stem}.in.jsonl"
    if not inp.exists():
        build_input(gold, inp)
    return [json.loads(line) for line in inp.open(encoding="utf-8") if line.strip()]


def analyse(articles: list[dict[str, Any]], nlp: Any, out: Path) -> Path:
    """The analysis of the articles by ``nlp``, one JSON line each, written to ``out``."""
    from nlp.analysis import analyze_records

    with out.open("w", encoding="utf-8") as fh:
        for result in analyze_records(articles, nlp=nlp):
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return out


def rule_examples(gold: Path, tmp: Path, rules: Any, *, with_ids: bool = False) -> list[Any]:
    """The examples of a corpus as ``rules`` (a pipeline giving the rules' own quotation
    labels) reads it; see ``examples``."""
    return examples(gold, analyse(records(gold, tmp), rules, tmp / f"{gold.stem}.rules.jsonl"),
                    with_ids=with_ids)


def unseen_readings(golds: list[tuple[str, Path]], tmp: Path) -> dict[str, Path]:
    """Each corpus analysed as a page the quotation model never saw: the articles are dealt
    into FOLDS in a fixed order, and each fold is read by a model fitted on the others. The
    confidence model learns from these, since a model's labels on its own training pages are
    right far more often than on new ones."""
    articles = {name: records(gold, tmp) for name, gold in golds}
    rules = pipeline({"read_quotes": False})
    rows = {name: rule_examples(gold, tmp, rules, with_ids=True) for name, gold in golds}
    keys = sorted((name, article) for name, found in rows.items() for article, _ in found)
    fold = {key: n % FOLDS for n, key in enumerate(dict.fromkeys(keys))}
    parts: dict[str, list[Path]] = {name: [] for name, _ in golds}
    for k in range(FOLDS):
        model = tmp / f"reader-{k}.json"
        fitted = fit([row for name, found in rows.items() for article, row in found
                      if fold[(name, article)] != k])
        model.write_text(json.dumps(fitted), encoding="utf-8")
        nlp = pipeline({"reader_path": str(model)})
        for name, gold in golds:
            ids = {article for (n, article), f in fold.items() if n == name and f == k}
            if k == FOLDS - 1:
                # Pages with no paired quotation are in no fold; the last fold reads them.
                ids |= {a["id"] for a in articles[name]} - {a for n, a in fold if n == name}
            parts[name].append(analyse([a for a in articles[name] if a["id"] in ids], nlp,
                                       tmp / f"{gold.stem}.fold{k}.jsonl"))
    out = {}
    for name, gold in golds:
        out[name] = tmp / f"{gold.stem}.unseen.jsonl"
        out[name].write_text("".join(p.read_text(encoding="utf-8") for p in parts[name]),
                             encoding="utf-8")
    return out


def examples(gold: Path, pred: Path, *, with_ids: bool = False) -> list[Any]:
    """(text, rules' label, speaker makes policy, labelled stance) of each paired quotation;
    with ``with_ids``, each as (article id, that)."""
    from nlp.registry import load_registry

    registry = load_registry()
    scorer = load_scorer()
    found = {row.get("id"): row for row in scorer.read_jsonl(pred)}
    out: list[Any] = []
    for article in scorer.read_jsonl(gold):
        for want, quote in paired_quotes(scorer, article, found.get(article["id"]) or {}):
            row = (quote["text"], quote.get("stance") or "neutral",
                   registry.is_policy_maker(quote.get("actor_id")), want["stance"])
            out.append((article["id"], row) if with_ids else row)
    return out


def fit(rows: list[tuple[str, str, bool, str]]) -> dict[str, object]:
    """The model's JSON: a weight per label for each feature, and an intercept per label."""
    from scipy.sparse import lil_matrix
    from sklearn.linear_model import LogisticRegression

    from nlp.components.reader import LABELS, reader_features, words_of

    seen = Counter(w for text, _, _, _ in rows for w in words_of(text))
    vocabulary = {w for w, n in seen.items() if n >= MIN_QUOTES}
    features = [{k: v for k, v in reader_features(text, rule, maker).items()
                 if not k.startswith("word=") or k[5:] in vocabulary}
                for text, rule, maker, _ in rows]
    names = sorted({k for f in features for k in f})
    index = {n: i for i, n in enumerate(names)}
    x = lil_matrix((len(rows), len(names)))
    for r, f in enumerate(features):
        for k, v in f.items():
            x[r, index[k]] = v
    y = [label for _, _, _, label in rows]
    model = LogisticRegression(C=C, max_iter=5000, solver="lbfgs",
                               class_weight="balanced").fit(x.tocsr(), y)
    order = [list(model.classes_).index(label) for label in LABELS]
    weights = {n: [round(float(model.coef_[k][i]), 4) for k in order]
               for n, i in index.items()}
    return {"labels": list(LABELS),
            "intercepts": [round(float(model.intercept_[k]), 4) for k in order],
            "weights": weights, "examples": len(rows),
            "by_label": {label: y.count(label) for label in LABELS}}


def train(names: tuple[str, ...]) -> dict[str, object]:
    rows: list[tuple[str, str, bool, str]] = []
    rules = pipeline({"read_quotes": False})
    with tempfile.TemporaryDirectory() as tmp:
        for name, gold in gold_files(names, Path(tmp)):
            found = rule_examples(gold, Path(tmp), rules)
            rows += found
            print(f"{name}: {len(found)} quotations paired with labelled ones", file=sys.stderr)
    if len({label for *_, label in rows}) < 2:
        sys.exit(f"train: the quotations need at least two labels ({len(rows)} found)")
    model: dict[str, object] = {
        "about": "a quotation's stance from its words and the rules' label; written by make "
                 "train (bench/train_reader.py); read by nlp/components/reader.py",
        "trained_on": list(names),
        "C": C,
    }
    model.update(fit(rows))
    return model


def main(argv: list[str] | None = None) -> int:
    args = training_args(argv, __doc__.splitlines()[0], MODEL)
    # One line per feature, so a retrained model reads as a diff of weights.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]",
                  json.dumps(train(args.names), indent=1, sort_keys=True)) + "\n"
    if not checked_or_written(args, text):
        return 1
    if not args.check:
        fitted = json.loads(text)
        print(f"quotation stances: {fitted['examples']} examples, {len(fitted['weights'])} "
              f"features; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
