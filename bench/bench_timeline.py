"""How long the timeline takes to work out, and how that grows with the store.

Builds synthetic stores in temporary SQLite files (three events, a stance and a quote
per article, on a dozen policy objects over five years, in our own words), then prints
for each size the time of a first rebuild, of a rebuild after ten more articles (the
rebuild works every change out again, so it costs about as much), and the ratio of the
largest size's time to the smallest's against the ratio of their sizes, from one run. A
first rebuild takes under a second on the smallest store, where a busy neighbour or a
garbage collection moves one timing by half: each first rebuild is timed on fresh copies
of its store, and the best of them counts.

A store grows two ways: more news in the same years (more sources), where every policy
object gathers more reports and each report is weighed against more changes, and more years
of news at the same pace, the way one source's store grows. The largest size is built both
ways: in the same five years, and spread over four times as many.
"""

import hashlib
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from store.analysis import ActorInfo, save_analysis  # noqa: E402
from store.db import dispose_engines, get_engine, session_scope  # noqa: E402
from store.models import Article  # noqa: E402
from store.timeline import rebuild_timeline  # noqa: E402

INFO = {"nhs-england": ActorInfo("nhs-england", "NHS England", "national_body"),
        "government": ActorInfo("government", "the Government", "government"),
        "bma-gpc": ActorInfo("bma-gpc", "BMA GP Committee", "union")}
OBJECTS = ["network service specifications", "additional roles scheme", "enhanced access",
           "care home rounds", "Investment and Impact Fund", "registration forms",
           "structured medication reviews", "cloud telephony", "early cancer diagnosis",
           "flu vaccination targets", "workforce plans", "GP contract"]
SIZES = (500, 2000)
SPAN_DAYS = 1800  # five years


def add(session, n: int, rng: random.Random, span_days: int = SPAN_DAYS) -> None:
    day = date(2019, 1, 1) + timedelta(days=rng.randint(0, span_days))
    art = Article(url=f"https://bench.example/{n}", source="bench", title=f"news {n}",
                  text="body", published=day,
                  content_hash=hashlib.sha256(f"bench {n}".encode()).hexdigest())
    session.add(art)
    session.flush()
    events = []
    for k in range(3):
        when = day - timedelta(days=rng.randint(0, 5)) if rng.random() < 0.5 else None
        obj = f"{rng.choice(OBJECTS)} {rng.randint(1, 40)}"
        events.append({"action": rng.choice(["announce", "require", "fund", "reduce", "delay"]),
                       "actor_id": rng.choice(["nhs-england", "government", None]),
                       "object": obj, "date": when.isoformat() if when else None,
                       "sentence": f"The {obj} changes.", "start": k * 200})
    text = f"The {rng.choice(OBJECTS)} is unworkable for practices."
    save_analysis(session, art, {
        "events": events,
        "stances": [{"actor_id": "bma-gpc", "stance": "oppose", "confidence": 0.8,
                     "evidence": [text]}],
        "quotes": [{"text": text, "speaker": "Dr A", "actor_id": "bma-gpc", "stance": "oppose",
                    "confidence": 0.8, "start": 700, "end": 700 + len(text)}],
        "topics": ["pcn-targets"]}, "bench", INFO)


def rebuild(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with session_scope(get_engine(url)) as s:
        counts = rebuild_timeline(s)
    return time.perf_counter() - started, counts


def build(size: int, span_days: int, tmp: str, rounds: int = 3) -> tuple[float, float, dict]:
    """Best first rebuild, over `rounds` copies, and a rebuild after ten more articles, of
    a store of `size` articles."""
    made = Path(tmp) / f"bench-{size}-{span_days}.db"
    rng = random.Random(size)
    with session_scope(get_engine(f"sqlite:///{made}")) as s:
        for n in range(size):
            add(s, n, rng, span_days)
    dispose_engines()
    first, counts = float("inf"), {}
    for n in range(rounds):
        copy = made.with_suffix(f".{n}.db")
        shutil.copyfile(made, copy)
        took, counts = rebuild(f"sqlite:///{copy}")
        first = min(first, took)
    url = f"sqlite:///{copy}"
    with session_scope(get_engine(url)) as s:
        for n in range(size, size + 10):
            add(s, n, rng, span_days)
    again, _ = rebuild(url)
    dispose_engines()
    return first, again, counts


def main() -> None:
    times = {}
    small, large = SIZES
    with tempfile.TemporaryDirectory() as tmp:
        build(50, SPAN_DAYS, tmp)  # warm-up: data files and caches load once per process
        for size in SIZES:
            first, again, counts = build(size, SPAN_DAYS, tmp)
            times[size] = first
            print(f"timeline: {size} articles, {3 * size} events -> {counts['entries']} changes "
                  f"in {first:.2f} s ({3 * size / first:.0f} events/s); after 10 more "
                  f"articles {again:.2f} s")
        span = SPAN_DAYS * large // small
        longer, _, counts = build(large, span, tmp)
        print(f"timeline: {large} articles over {span // 365} years -> {counts['entries']} "
              f"changes in {longer:.2f} s")
    print(f"timeline: {large // small}x the articles took {times[large] / times[small]:.1f}x "
          f"the time in the same years, {longer / times[small]:.1f}x over "
          f"{large // small}x the years")


if __name__ == "__main__":
    main()
