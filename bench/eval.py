"""Score the analysis against gold sets and gate the scores on pinned floors.

    python bench/eval.py                      # score and check floors
    python bench/eval.py --update             # raise floors to today's scores (never lower)
    python bench/eval.py --update --allow-regression   # also lower floors that fell

Corpora: the shared dev set (``../shared/devset``, input built by its ``score.py
input``) and every ``tests/data/*_gold.jsonl`` (texts named by each row's ``file``,
relative to the repository, with TOML front matter between ``+++`` lines stripped).
Analysis runs through the console command ``pcnwatch analyze --jsonl IN``; when that
command is not installed yet, ``nlp.analysis.analyze_records`` runs in-process and the
report says so. Scores come from the dev set's ``score.py score``.

Real text decides: when the realdev page cache is present (``.cache/realdev`` or
``PCNWATCH_REALDEV_CACHE``; ``LABELLING.md`` says how to fill it), the 155 real pages of
``../shared/realdev`` are scored too, as two corpora: ``realdev-dev`` (rules may be tuned on
its errors) and ``realdev-test`` (the part fixed in ``bench/realdev_split.json`` before any
tuning; never tuned on). Without the cache, or with pages missing from it, the run says
plainly that it skipped them.

Three more real corpora are ours: pages found and labelled under the same conventions after
the realdev split (``OUR_REAL``; each folder's README.md says how). ``realdev2`` is a second
development part (rules may be tuned on it); ``realtrain`` is a training part (``make train``
fits models on it, and rules may be tuned on it); ``realval`` is a validation part: a change
tuned on the others is checked on it, and no rule is tuned on its errors. Their pages
are cached in ``.cache/<name>`` (or the folder its environment variable names); without
them the run says it skipped them, as for realdev.

Floors live in ``bench/eval_floors.json`` per corpus, with the corpus hash they were
pinned on. A score more than ``EPSILON`` below its floor fails the run (exit 1).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ is not on the import path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.confidence import reliability, unlabelled  # noqa: E402
from bench.event_dates import count_dates  # noqa: E402
from bench.intervals import LEVEL, ROUNDS, intervals  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO.parent / "shared" / "devset"
SEEDS = REPO.parent / "shared" / "seeds"
REALDEV = REPO.parent / "shared" / "realdev"
REALDEV_SPLIT = REPO / "bench" / "realdev_split.json"
# The corpora make train fits the stance models on (bench/train_confidence.py, TRAIN_ON).
TRAINED_ON = ("realdev-dev", "realdev2", "realtrain")
# Our own labelled real pages: name -> (folder with manifest.jsonl and gold.jsonl, the
# environment variable that may name its page cache). See each folder's README.md.
OUR_REAL = {
    "realdev2": (REPO / "bench" / "realdev2", "PCNWATCH_REALDEV2_CACHE"),
    "realtrain": (REPO / "bench" / "realtrain", "PCNWATCH_REALTRAIN_CACHE"),
    "realval": (REPO / "bench" / "realval", "PCNWATCH_REALVAL_CACHE"),
}
FLOORS = REPO / "bench" / "eval_floors.json"
EPSILON = 0.005
# Metric name in the floors file -> how to read it from score.py's JSON.
GATED = {
    "actors_f1": ("actors_p_r_f1", 2),
    "quotes_f1": ("quotes_p_r_f1", 2),
    "quote_actor_acc": ("quote_actor_acc", None),
    "quote_speaker_acc": ("quote_speaker_acc", None),
    "actor_stance_acc": ("actor_stance_acc", None),
    "quote_stance_macro_f1": ("quote_stance_macro_f1", None),
    "events_f1": ("events_p_r_f1", 2),
}
# The summary table: (row label, score.py key, index into a (p, r, f1) triple or None).
TABLE = (
    ("quotes F1", "quotes_p_r_f1", 2),
    ("quote speaker", "quote_speaker_acc", None),
    ("quote body (actor)", "quote_actor_acc", None),
    ("actors F1", "actors_p_r_f1", 2),
    ("actor stance accuracy", "actor_stance_acc", None),
    ("quote stance macro-F1", "quote_stance_macro_f1", None),
    ("events F1", "events_p_r_f1", 2),
    ("events P", "events_p_r_f1", 0),
    ("events R", "events_p_r_f1", 1),
)


def strip_front_matter(text: str) -> str:
    if text.startswith("+++"):
        end = text.find("\n+++", 3)
        if end >= 0:
            return text[end + 4:].lstrip("\n")
    return text


def _front_matter_date(text: str) -> str | None:
    if not text.startswith("+++"):
        return None
    for line in text[3:text.find("\n+++", 3)].splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("published", "date"):
            return value.strip().strip('"')[:10] or None
    return None


def realdev_cache() -> Path:
    return Path(os.environ.get("PCNWATCH_REALDEV_CACHE") or REPO / ".cache" / "realdev")


def our_cache(name: str) -> Path:
    """Where the pages of one of our real corpora are cached (git ignores .cache/)."""
    return Path(os.environ.get(OUR_REAL[name][1]) or REPO / ".cache" / name)


def missing_pages(manifest: Path, cache: Path) -> tuple[int, list[str]]:
    """How many pages ``manifest`` lists, and the ids of those not in ``cache`` as labelled
    (absent, or not matching their sha256: labels are offsets into that exact text)."""
    rows = [json.loads(line) for line in manifest.open(encoding="utf-8") if line.strip()]
    missing = []
    for row in rows:
        page = cache / f"{row['id']}.txt"
        if not page.exists() or hashlib.sha256(page.read_bytes()).hexdigest() != row["sha256"]:
            missing.append(row["id"])
    return len(rows), missing


def _unfilled(name: str, total: int, missing: list[str], cache: Path, how: str) -> str:
    return (f"{len(missing)} of {total} {name} pages are not in {cache} (or do not match "
            f"their sha256), e.g. {', '.join(missing[:5])}; fill the cache as {how} says")


def our_part(name: str, tmp: Path) -> tuple[list[tuple[str, Path]], str | None]:
    """The gold file of one of our real corpora (``OUR_REAL``), or why it was skipped."""
    folder = OUR_REAL[name][0]
    manifest, gold = folder / "manifest.jsonl", folder / "gold.jsonl"
    if not manifest.exists() or not gold.exists():
        return [], f"no {name} corpus at {folder}"
    total, missing = missing_pages(manifest, our_cache(name))
    if missing:
        return [], _unfilled(name, total, missing, our_cache(name),
                             f"bench/{name}/README.md")
    path = tmp / f"{name}_gold.jsonl"
    path.write_bytes(gold.read_bytes())
    return [(name, path)], None


def realdev_parts(tmp: Path) -> tuple[list[tuple[str, Path]], str | None]:
    """Gold files for the realdev development and test parts, written into ``tmp``, or
    why they were skipped."""
    manifest = REALDEV / "manifest.jsonl"
    if not manifest.exists() or not REALDEV_SPLIT.exists():
        return [], f"no realdev corpus at {REALDEV}"
    total, missing = missing_pages(manifest, realdev_cache())
    if missing:
        return [], _unfilled("realdev", total, missing, realdev_cache(),
                             "../shared/realdev/LABELLING.md")
    test_ids = set(json.loads(REALDEV_SPLIT.read_text())["test"])
    parts: dict[str, list[str]] = {"realdev-dev": [], "realdev-test": []}
    for gold in sorted(REALDEV.glob("gold-*.jsonl")):
        for line in gold.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                parts["realdev-test" if row["id"] in test_ids else "realdev-dev"].append(line)
    out = []
    for name, lines in parts.items():
        path = tmp / f"{name}_gold.jsonl"
        path.write_text("".join(line if line.endswith("\n") else line + "\n"
                                for line in lines), encoding="utf-8")
        out.append((name, path))
    return out, None


def build_input(gold: Path, out: Path) -> None:
    ours = gold.name.removesuffix("_gold.jsonl")
    cache = realdev_cache() if gold.name.startswith("realdev-") else (
        our_cache(ours) if ours in OUR_REAL else None)
    if cache is not None:
        with out.open("w", encoding="utf-8") as fh:
            subprocess.run([sys.executable, str(DEVSET / "score.py"), "input", str(gold),
                            str(cache)], stdout=fh, check=True)
        return
    if gold.parent == DEVSET:
        with out.open("w", encoding="utf-8") as fh:
            subprocess.run([sys.executable, str(DEVSET / "score.py"), "input", str(gold),
                            str(SEEDS)], stdout=fh, check=True)
        return
    with gold.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as fh:
        for line in src:
            if not line.strip():
                continue
            row = json.loads(line)
            raw = (REPO / row["file"]).read_text(encoding="utf-8")
            record = {"id": row["id"], "text": strip_front_matter(raw),
                      "published": row.get("published") or _front_matter_date(raw),
                      "title": row.get("title")}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _cli() -> Path | None:
    exe = Path(sys.executable).parent / "pcnwatch"
    if not exe.exists():
        return None
    probe = subprocess.run([str(exe), "analyze", "--help"], capture_output=True, text=True)
    return exe if probe.returncode == 0 and "--jsonl" in probe.stdout else None


def analyze(inp: Path, out: Path) -> str:
    exe = _cli()
    if exe is not None:
        with out.open("w", encoding="utf-8") as fh:
            done = subprocess.run([str(exe), "analyze", "--jsonl", str(inp)], stdout=fh)
        if done.returncode not in (0, 1):  # 1: some records failed, the rest were written
            sys.exit(f"eval: pcnwatch analyze --jsonl {inp.name} failed with exit code "
                     f"{done.returncode}; its message is above")
        return "pcnwatch analyze --jsonl"
    sys.path.insert(0, str(REPO))
    from nlp.analysis import analyze_records

    with inp.open(encoding="utf-8") as src:
        records = [json.loads(line) for line in src if line.strip()]
    with out.open("w", encoding="utf-8") as fh:
        for result in analyze_records(records):
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return "nlp.analysis.analyze_records in-process (pcnwatch analyze is not installed yet)"


def corpus_hash(inp: Path, gold: Path) -> str:
    digest = hashlib.sha256()
    digest.update(inp.read_bytes())
    digest.update(gold.read_bytes())
    return digest.hexdigest()[:16]


def score(gold: Path, pred: Path) -> dict:
    done = subprocess.run([sys.executable, str(DEVSET / "score.py"), "score", str(gold),
                           str(pred), "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _metric(metrics: dict, key: str, index: int | None) -> float:
    """One figure of score.py's JSON: a value, or one of a (p, r, f1) triple."""
    value = metrics[key]
    return float(value[index] if index is not None else value)


def gated_values(metrics: dict) -> dict[str, float]:
    return {name: _metric(metrics, key, index) for name, (key, index) in GATED.items()}


def check_floors(values: dict[str, float], floors: dict[str, float]) -> list[str]:
    """One message per metric more than EPSILON below its floor."""
    return [f"{metric} {values[metric]:.3f} is below its floor {floor:.3f}"
            for metric, floor in floors.items() if values[metric] < floor - EPSILON]


def raise_floors(values: dict[str, float], old: dict[str, float], *,
                 allow_regression: bool = False) -> dict[str, float]:
    """Today's scores as floors; a floor only goes down with ``allow_regression``."""
    new = {}
    for metric, value in values.items():
        floor = round(value, 3)
        if metric in old and floor < old[metric] and not allow_regression:
            floor = old[metric]
        new[metric] = floor
    return new


def corpora() -> list[tuple[str, Path]]:
    found = [("devset", DEVSET / "seeds.gold.jsonl")]
    for gold in sorted((REPO / "tests" / "data").glob("*_gold.jsonl")):
        found.append((gold.name.removesuffix("_gold.jsonl"), gold))
    return [(name, path) for name, path in found if path.exists()]


def _is_real(name: str) -> bool:
    """A corpus of real pages: a realdev part or one of ours."""
    return name.startswith("realdev-") or name in OUR_REAL


def _where(name: str, gold: Path) -> str:
    """Where a corpus's labels come from, for the report."""
    if name.startswith("realdev-"):
        part = "test" if name.endswith("test") else "development"
        return f"../shared/realdev ({part} part)"
    if name in OUR_REAL:
        return f"bench/{name} (our labels of real pages)"
    return str(gold.relative_to(REPO.parent))


def table_values(metrics: dict) -> dict[str, float]:
    """The summary table's rows, read from score.py's JSON."""
    return {label: _metric(metrics, key, index) for label, key, index in TABLE}


def print_table(results: dict[str, dict]) -> None:
    names = list(results)
    rows = [[label, *[f"{table_values(results[n])[label]:.3f}" for n in names]]
            for label, _, _ in TABLE]
    rows.append(["articles", *[str(results[n]["articles"]) for n in names]])
    _print_rows(["metric", *names], rows)


def print_intervals(spreads: dict[str, dict[str, tuple[float, float]]]) -> None:
    print(f"{LEVEL:.0%} intervals from {ROUNDS} resamples of whole articles "
          "(bench/intervals.py): the spread of each figure from the draw of pages alone")
    names = list(spreads)
    rows = [[label, *[f"{spreads[n][label][0]:.3f}-{spreads[n][label][1]:.3f}" for n in names]]
            for label, _, _ in TABLE]
    _print_rows(["metric", *names], rows)


def _print_rows(heads: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
    for row in [heads, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="pin floors at today's scores (raising only, unless "
                             "--allow-regression)")
    parser.add_argument("--allow-regression", action="store_true",
                        help="let --update lower a floor")
    parser.add_argument("--only", action="append", default=[], metavar="CORPUS",
                        help="score only this corpus (repeatable), e.g. realdev-dev")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep each corpus's analysis input and output in DIR")
    args = parser.parse_args(argv)
    floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    failures: list[str] = []
    results: dict[str, dict] = {}
    spreads: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        real, skipped = realdev_parts(Path(tmp))
        ours, ours_skipped = [], []
        for part in OUR_REAL:
            found, why = our_part(part, Path(tmp))
            ours += found
            ours_skipped += [(part, why)] if why else []
        for name, gold in [*corpora(), *real, *ours]:
            if args.only and name not in args.only:
                continue
            inp, pred = work / f"{name}.in.jsonl", work / f"{name}.out.jsonl"
            build_input(gold, inp)
            how = analyze(inp, pred)
            metrics = score(gold, pred)
            results[name] = metrics
            chash = corpus_hash(inp, gold)
            where = _where(name, gold)
            print(f"== {name}: {where} ({metrics['articles']} articles; analysed by {how})")
            for key, value in metrics.items():
                print(f"  {key:24} {value}")
            print(f"  {count_dates(gold, pred).line()}")
            for counts in reliability(gold, pred):
                print(f"  {counts.line()}")
            print(f"  {unlabelled(gold, pred).line()}")
            if _is_real(name):
                spreads[name] = intervals(gold, pred, table_values)
            values = gated_values(metrics)
            pinned = floors.get(name)
            if pinned is None:
                print(f"  no floors pinned for {name}; run with --update to pin them")
            else:
                if pinned.get("hash") != chash:
                    print(f"  note: corpus {name} changed since its floors were pinned "
                          f"({pinned.get('hash')} -> {chash})")
                failures += [f"{name}: {msg}" for msg in check_floors(values, pinned["floors"])]
            if args.update:
                new = raise_floors(values, (pinned or {}).get("floors", {}),
                                   allow_regression=args.allow_regression)
                floors[name] = {"hash": chash, "floors": new}
    if skipped:
        print(f"== realdev: SKIPPED, {skipped}")
    for part, why in ours_skipped:
        print(f"== {part}: SKIPPED, {why}")
    if results:
        print()
        print_table(results)
        fitted = [n for n in TRAINED_ON if n in results]
        if fitted:
            # The quotation stance model has seen these pages' labels: their stance figures
            # say how well it fits, not how well it reads a new page.
            print(f"note: the stance models were trained on {', '.join(fitted)} (make train); "
                  "their stance figures are not a measure. realdev-test and realval are.")
    if spreads:
        print()
        print_intervals(spreads)
    if args.update:
        FLOORS.write_text(json.dumps(floors, indent=2, sort_keys=True) + "\n")
        print(f"floors written to {FLOORS.relative_to(REPO)}")
    if failures:
        print("FAIL:", *failures, sep="\n  ")
        return 1
    print("all floors met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
