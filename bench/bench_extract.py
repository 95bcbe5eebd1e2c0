"""Extraction quality on the web at large: the development half of the public
article-extraction benchmark (../shared/extbench, 91 news and blog pages from many sites),
scored with the benchmark's shingle metric (bench/extbench.py).

Prints, from one run, pcnwatch's extraction (`crawler.extract.extract_page`, as
`pcnwatch extract PAGE --url URL` runs it) next to plain `trafilatura.extract(html)`,
the pages where pcnwatch returns nothing although trafilatura finds text, and the time
each takes. Exits non-zero if pcnwatch falls below trafilatura or below 0.97, or returns
nothing where trafilatura finds text.
"""

import sys
import time
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.extbench import EXTBENCH, Page, evaluate, load_pages  # noqa: E402
from crawler.errors import ExtractionFailed  # noqa: E402
from crawler.extract import extract_page  # noqa: E402

FLOOR = 0.97


def pcnwatch(page: Page) -> str | None:
    try:
        return extract_page(page.html, page.url)["text"]
    except ExtractionFailed:
        return None


def plain(page: Page) -> str | None:
    return trafilatura.extract(page.html)


def main() -> int:
    if not (EXTBENCH / "ground-truth.json").is_file():
        print(f"extraction benchmark not found at {EXTBENCH}; skipped")
        return 0
    pages = load_pages()
    timed = {}
    for name, fn in (("trafilatura.extract(html)", plain), ("pcnwatch extract", pcnwatch)):
        start = time.perf_counter()
        timed[name] = (*evaluate(pages, fn), time.perf_counter() - start)
    (ours, ours_pages, ours_s) = timed["pcnwatch extract"]
    (base, base_pages, base_s) = timed["trafilatura.extract(html)"]
    lost = [o.key for o, b in zip(ours_pages, base_pages, strict=True) if o.empty and not b.empty]
    print(f"extraction benchmark, development half: {len(pages)} pages, shingle F1 "
          "(4-grams of whitespace tokens)")
    print(base.line("trafilatura.extract(html)") + f"  {base_s / len(pages) * 1000:.0f} ms/page")
    print(ours.line("pcnwatch extract         ") + f"  {ours_s / len(pages) * 1000:.0f} ms/page")
    print(f"pcnwatch - trafilatura: F1 {ours.f1 - base.f1:+.3f}; pages where pcnwatch returns "
          f"nothing and trafilatura finds text: {len(lost)}; time x{ours_s / base_s:.1f}")
    if ours.f1 < base.f1 or ours.f1 < FLOOR or lost:
        print(f"FAIL: pcnwatch must score at least trafilatura and {FLOOR}, and lose no page")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
