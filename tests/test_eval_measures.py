"""What `make eval` reports beside score.py's figures.

Intervals: how far a real-text figure moves with the draw of pages; each resample is scored
by the shared score.py, whole articles at a time. Event dates: whether the events found
carry the gold's date, or leave it null where the gold does. Confidence: whether stances
said with more confidence are right more often. The rows here are labels only (score.py
needs no text to score them).
"""

import json

import pytest

from bench.confidence import ranking, reliability, unlabelled
from bench.eval import table_values
from bench.event_dates import count_dates
from bench.intervals import intervals, percentile_intervals, resamples


def article(key, stance_gold, stance_said):
    """A page where the BMA is named and takes ``stance_gold``; the analysis says
    ``stance_said`` (None: it gives no stance)."""
    gold = {"id": key, "actors": ["bma"], "quotes": [], "stances": {"bma": stance_gold},
            "events": []}
    said = [{"actor_id": "bma", "stance": stance_said}] if stance_said else []
    pred = {"id": key, "actors": [{"id": "bma"}], "quotes": [], "stances": said,
            "events": []}
    return gold, pred


def write(tmp_path, pairs, *, drop=()):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text("".join(json.dumps(g) + "\n" for g, _ in pairs))
    pred.write_text("".join(json.dumps(p) + "\n" for _, p in pairs if p["id"] not in drop))
    return gold, pred


def stance_interval(gold, pred, **kw):
    return intervals(gold, pred, table_values, **kw)["actor stance accuracy"]


def test_every_page_right_leaves_no_spread(tmp_path):
    gold, pred = write(tmp_path, [article(f"p{n}", "oppose", "oppose") for n in range(6)])
    assert stance_interval(gold, pred, rounds=200) == (1.0, 1.0)


def test_the_interval_holds_the_full_score_and_widens_as_pages_get_fewer(tmp_path):
    # Half the pages right: the full score is 0.5 whatever the number of pages.
    def spread(n):
        pairs = [article(f"p{i}", "oppose", "oppose" if i % 2 else "support")
                 for i in range(n)]
        folder = tmp_path / str(n)
        folder.mkdir()
        low, high = stance_interval(*write(folder, pairs), rounds=400)
        assert low <= 0.5 <= high
        return high - low

    assert spread(40) < spread(10)


def test_a_page_left_unanalysed_stays_in_the_draw_as_missing(tmp_path):
    pairs = [article("p1", "oppose", "oppose"), article("p2", "oppose", "oppose")]
    gold, pred = write(tmp_path, pairs, drop={"p2"})
    scores = {m["actor_stance_acc"] for m in resamples(gold, pred, rounds=200)}
    # p2 drawn twice scores 0, once 0.5, not at all 1; dropping it would give only 1.0.
    assert scores == {0.0, 0.5, 1.0}


def test_a_page_drawn_twice_counts_twice(tmp_path):
    pairs = [article("right", "oppose", "oppose"), article("wrong", "oppose", "support"),
             article("wrong2", "oppose", "support")]
    gold, pred = write(tmp_path, pairs)
    scores = {round(m["actor_stance_acc"], 3) for m in resamples(gold, pred, rounds=300)}
    # Three draws of three pages: 0, 1, 2 or 3 of them the right one.
    assert scores == {0.0, 0.333, 0.667, 1.0}


def test_the_same_seed_gives_the_same_interval(tmp_path):
    pairs = [article(f"p{i}", "oppose", "oppose" if i % 3 else None) for i in range(12)]
    gold, pred = write(tmp_path, pairs)
    assert stance_interval(gold, pred, rounds=100, seed=4) == \
        stance_interval(gold, pred, rounds=100, seed=4)


@pytest.mark.parametrize("level, expected", [(0.5, (25, 75)), (0.9, (5, 95))])
def test_percentiles_cut_the_tails_evenly(level, expected):
    samples = [{"m": float(v)} for v in range(101)]
    assert percentile_intervals(samples, level=level)["m"] == expected


def dated(key, events_gold, events_found):
    gold = {"id": key, "actors": [], "quotes": [], "stances": {}, "events": events_gold}
    pred = {"id": key, "actors": [], "quotes": [], "stances": [], "events": events_found}
    return gold, pred


def test_event_dates_count_only_events_found_and_split_dated_from_left_null(tmp_path):
    delay = {"actor_id": "nhs-england", "action": "delay"}
    fund = {"actor_id": "dhsc", "action": "fund"}
    pairs = [
        # dated in the gold and found with that date: right
        dated("a", [{**delay, "date": "2021-04-01"}],
              [{**delay, "date": "2021-04-01"}]),
        # dated in the gold, found with no date: wrong
        dated("b", [{**delay, "date": "2021-04-01"}], [{**delay, "date": None}]),
        # undated in the gold: a guessed date is wrong, a null right
        dated("c", [{**fund, "date": None}], [{**fund, "date": "2020-01-01"}]),
        dated("d", [{**fund, "date": None}], [{**fund, "date": None}]),
        # not found at all: not a date question (events F1 counts it)
        dated("e", [{**fund, "date": "2019-01-01"}], []),
        # found twice, once with the gold date: right
        dated("f", [{**delay, "date": "2022-10-01"}],
              [{**delay, "date": None}, {**delay, "date": "2022-10-01"}]),
    ]
    counts = count_dates(*write(tmp_path, pairs))
    assert (counts.dated, counts.dated_right, counts.undated, counts.left_null) == (3, 2, 2, 1)
    assert counts.line().startswith("event dates right 3/5 (0.600)")


def test_event_dates_skip_gold_that_labels_no_dates(tmp_path):
    pairs = [dated("a", [{"actor_id": "dhsc", "action": "fund"}],
                   [{"actor_id": "dhsc", "action": "fund", "date": "2020-01-01"}])]
    assert count_dates(*write(tmp_path, pairs)).line() == \
        "event dates: none labelled among the events found"


def sure(key, stance_gold, stance_said, confidence):
    """A page where the BMA takes ``stance_gold`` and says it in one quote at offset 10; the
    analysis gives the body and the quote ``stance_said`` with ``confidence``."""
    gold = {"id": key, "actors": ["bma"], "stances": {"bma": stance_gold}, "events": [],
            "quotes": [{"start": 10, "speaker": "BMA", "actor_id": "bma",
                        "stance": stance_gold}]}
    quote = {"text": "five words or more here", "start": 10, "end": 40, "speaker": "BMA",
             "actor_id": "bma", "stance": stance_said, "confidence": confidence}
    pred = {"id": key, "actors": [{"id": "bma"}], "quotes": [quote], "events": [],
            "stances": [{"actor_id": "bma", "stance": stance_said, "confidence": confidence}]}
    return gold, pred


def test_stances_are_counted_right_or_wrong_in_their_confidence_band(tmp_path):
    pairs = [
        sure("a", "oppose", "oppose", 0.9),   # sure and right
        sure("b", "support", "oppose", 0.85),  # sure and wrong
        sure("c", "neutral", "neutral", 0.4),  # unsure and right
        sure("d", "oppose", "neutral", 0.6),   # middling and wrong
    ]
    actors, quotes = reliability(*write(tmp_path, pairs))
    assert (actors.right, actors.total) == ([1, 0, 1], [1, 1, 2])
    assert (quotes.right, quotes.total) == ([1, 0, 1], [1, 1, 2])
    # of the four right-wrong pairs, a right stance is the surer in two
    assert actors.line() == ("actor stances right by confidence: <0.50 1/1 (1.00), "
                             "0.50-0.75 0/1 (0.00), >=0.75 1/2 (0.50); ranking 0.50")


def test_ranking_is_the_chance_a_right_stance_is_surer_than_a_wrong_one():
    assert ranking([(0.9, True), (0.8, True), (0.3, False)]) == 1.0
    assert ranking([(0.2, True), (0.8, False)]) == 0.0
    assert ranking([(0.6, True), (0.6, False)]) == 0.5  # a tie says nothing
    assert ranking([(0.9, True), (0.5, True)]) is None  # nothing wrong to compare with


def test_a_stance_not_given_or_a_quote_not_found_is_in_no_band(tmp_path):
    gold, pred = sure("a", "oppose", "oppose", 0.9)
    pred["stances"] = []
    pred["quotes"][0]["start"] = 500  # the analysis found other words, not the gold quote
    actors, quotes = reliability(*write(tmp_path, [(gold, pred)]))
    assert actors.total == quotes.total == [0, 0, 0]
    assert quotes.line() == ("quote stances right by confidence: "
                             "<0.50 0/0, 0.50-0.75 0/0, >=0.75 0/0")


def test_a_stance_for_a_body_the_labels_give_none_is_counted_apart(tmp_path):
    gold, pred = article("a", "oppose", "oppose")
    # the labels name NHS England only as acting; the analysis gives it a stance all the same
    gold["actors"].append("nhs-england")
    pred["stances"].append({"actor_id": "nhs-england", "stance": "neutral"})
    # a body the labels do not name at all
    pred["stances"].append({"actor_id": "rcgp", "stance": "oppose"})
    # a committee's stance pairs with its parent's label, as score.py pairs them
    gold_b, pred_b = article("b", "support", None)
    pred_b["stances"] = [{"actor_id": "bma-gpc", "stance": "support"}]
    counts = unlabelled(*write(tmp_path, [(gold, pred), (gold_b, pred_b)]))
    assert (counts.given, counts.count) == (4, 2)
    assert counts.line() == ("actor stances the labels do not give: 2 of 4 given (0.50): "
                             "neutral 1, oppose 1")


def test_no_stance_given_says_so(tmp_path):
    counts = unlabelled(*write(tmp_path, [article("a", "oppose", None)]))
    assert counts.line() == "actor stances the labels do not give: none given"
