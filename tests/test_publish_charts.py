"""The stance chart's bars: periods that stay readable, stacks that add up."""

import pytest

from publish.charts import HEIGHT, stance_bars, unit_for


@pytest.mark.parametrize(("months", "unit"), [(1, "month"), (36, "month"), (37, "quarter"),
                                              (120, "quarter"), (121, "year")])
def test_unit_for_span(months, unit):
    assert unit_for(months) == unit


def test_bars_fill_the_gaps_and_stack_to_the_counts():
    chart = stance_bars({"2023-01": {"support": 2, "oppose": 1}, "2023-03": {"mixed": 3}})
    assert [b.label for b in chart["bars"]] == ["2023-01", "2023-02", "2023-03"]
    assert [b.total for b in chart["bars"]] == [3, 0, 3]
    first = chart["bars"][0]
    assert [s["stance"] for s in first.segments] == ["oppose", "support"]
    # the tallest bar fills the plot, and segments sit one on another
    plot = chart["plot"]
    assert sum(s["height"] for s in first.segments) == pytest.approx(plot["height"])
    assert first.segments[0]["y"] + first.segments[0]["height"] == pytest.approx(plot["bottom"])
    assert all(b.x >= 0 and b.x + b.width <= plot["right"] for b in chart["bars"])
    assert chart["height"] == HEIGHT


def test_long_spans_are_counted_by_quarter():
    chart = stance_bars({"2019-01": {"oppose": 1}, "2019-02": {"oppose": 1},
                         "2023-12": {"support": 4}})
    assert chart["unit"] == "quarter"
    assert chart["bars"][0].label == "2019 Q1" and chart["bars"][0].counts["oppose"] == 2
    assert (chart["bars"][0].first, chart["bars"][0].last) == ("2019-01", "2019-03")
    assert sum(b.show_label for b in chart["bars"]) <= 8


def test_no_dated_stance_no_bars():
    assert stance_bars({})["bars"] == []
