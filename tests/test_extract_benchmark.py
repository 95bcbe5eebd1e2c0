"""Extraction on the web at large: the benchmark's metric, and a fast subset of its pages.

`make bench` scores all 91 pages of ../shared/extbench (bench/bench_extract.py); here every
seventh page, read at test time (never copied here), must score at least as well with
pcnwatch as with plain trafilatura, and no page may come back empty where trafilatura
finds text.
"""

import os

import pytest
import trafilatura

from bench.extbench import EXTBENCH, combine, evaluate, load_pages, score_page, shingles
from crawler.errors import ExtractionFailed
from crawler.extract import extract_page

TRUTH = "one two three four five six"


@pytest.mark.parametrize("extracted, precision, recall", [
    (TRUTH, 1.0, 1.0),                                  # all of it, nothing else
    ("one two  three\nfour five six", 1.0, 1.0),        # whitespace of any kind splits alike
    ("one two three four", 1.0, 1 / 3),                 # the first of three shingles
    (TRUTH + " seven", 0.75, 1.0),                      # one extra shingle of four
    ("", 0.0, 0.0),                                     # nothing extracted
])
def test_score_page_counts_shingles_of_four_whitespace_tokens(extracted, precision, recall):
    got = score_page("k", extracted, TRUTH)
    assert got.precision == pytest.approx(precision)
    assert got.recall == pytest.approx(recall)
    assert got.empty == (not extracted)


def test_shingles_of_a_short_text_are_the_text_itself():
    assert shingles("just three words") == {("just", "three", "words"): 1}
    assert shingles("a b c d a b c d") == {("a", "b", "c", "d"): 2, ("b", "c", "d", "a"): 1,
                                           ("c", "d", "a", "b"): 1, ("d", "a", "b", "c"): 1}


def test_combine_weighs_each_page_alike_and_empty_pages_only_lower_recall():
    long_right = score_page("a", " ".join(map(str, range(1000))),
                            " ".join(map(str, range(1000))))
    empty = score_page("b", None, TRUTH)
    got = combine([long_right, empty])
    assert got.precision == 1.0  # the empty page added no extra shingles
    assert got.recall == pytest.approx(0.5)
    assert got.empty == 1 and got.pages == 2


@pytest.fixture(scope="module")
def subset():
    if not (EXTBENCH / "ground-truth.json").is_file():
        # beside every checkout CI runs in, as ../shared is: missing there is a failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"the extraction benchmark is not at {EXTBENCH} under CI")
        pytest.skip(f"the extraction benchmark is not at {EXTBENCH}")
    pages = load_pages()
    assert len(pages) == 91
    return pages[::7]


def _pcnwatch(page):
    try:
        return extract_page(page.html, page.url)["text"]
    except ExtractionFailed:
        return None


def test_extract_scores_at_least_plain_trafilatura_on_benchmark_pages(subset):
    ours, ours_pages = evaluate(subset, _pcnwatch)
    plain, plain_pages = evaluate(subset, lambda p: trafilatura.extract(p.html))
    assert ours.f1 >= plain.f1, (ours, plain)
    lost = [o.key for o, b in zip(ours_pages, plain_pages, strict=True)
            if o.empty and not b.empty]
    assert not lost, f"empty where trafilatura finds text: {lost}"
