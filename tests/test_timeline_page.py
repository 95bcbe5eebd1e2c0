"""The timeline page as a practice manager sees it: a real headless Chromium at 1280 and 390 px.

`pcnwatch serve` runs on 127.0.0.1 over a timeline built from events written here;
Debian's `chromium` and `chromium-driver` (which `.ci/run` installs) load `/timeline`
and check what a person sees: no sideways scrolling, bodies by name, every change's
marker labelled, filters by topic, body and date that work. A screenshot of each width
is kept in `test-artefacts/` (or `$PCNWATCH_TEST_ARTEFACTS`) for a person to look at.
"""

import os
from pathlib import Path

import pytest
from test_serve_live import _serve, browser  # noqa: F401  (fixtures shared with the research pages)
from test_timeline import add_article, event, quote, rebuild, stance

REPO = Path(__file__).resolve().parent.parent
ARTEFACTS = Path(os.environ.get("PCNWATCH_TEST_ARTEFACTS") or REPO / "test-artefacts")


def _many_years(engine) -> None:
    """Six years of changes on several topics, with bodies reacting, some long-named."""
    changes = [
        ("2019-01-31", "agree", "five-year contract deal", ["gp-contract"], "bma-gpc", "support"),
        ("2019-12-23", "propose", "draft network service specifications", ["care-homes"],
         "lmc-kent", "oppose"),
        ("2020-02-06", "reduce", "network service specifications", ["care-homes"], "bma-gpc",
         "mixed"),
        ("2020-03-19", "delay", "Investment and Impact Fund", ["covid"], "rcgp", "support"),
        ("2021-01-26", "fund", "mental health practitioners in networks", ["workforce"],
         "nhs-confederation", "support"),
        ("2022-03-01", "require", "enhanced access appointments", ["access"], "rcgp", "oppose"),
        ("2023-03-07", "announce", "2023/24 GP contract", ["gp-contract"], "bma-gpc", "oppose"),
        ("2024-02-29", "announce", "2024/25 GP contract", ["gp-contract"], "kings-fund",
         "mixed"),
    ]
    for n, (day, action, obj, topics, body, side) in enumerate(changes):
        add_article(engine, f"https://news.example/{n}", day, {
            "events": [event(action, "nhs-england", obj, day,
                             sentence=f"NHS England will {action} the {obj}.")],
            "stances": [stance(body, side)],
            "quotes": [quote(body, side, f"Our view on the {obj} is plain.")],
            "topics": topics}, title=f"News about the {obj}")


@pytest.fixture
def served_timeline(sqlite_url, tmp_path):
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    _many_years(engine)
    rebuild(engine)
    proc, base, log = _serve(sqlite_url, tmp_path)
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def _fits(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def _visible_entries(driver) -> list:
    return [li for li in driver.find_elements("css selector", "li.entry") if li.is_displayed()]


def _choose(driver, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", select_id)).select_by_value(value)


def _set_date(driver, input_id: str, value: str) -> None:
    # Date inputs take their value in the page's own format; set it as a script would.
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('change', {bubbles: true}));", input_id, value)


@pytest.mark.parametrize("width", [1280, 390])
def test_timeline_page_in_a_browser(served_timeline, browser, width):  # noqa: F811
    browser.set_window_size(width, 1000)
    browser.get(served_timeline + "/timeline")
    assert _fits(browser), "the page scrolls sideways"
    entries = _visible_entries(browser)
    assert len(entries) == 8
    # Bodies by name, never by their ids.
    text = browser.find_element("tag name", "body").text
    for name in ("BMA GP Committee", "Kent LMC", "NHS Confederation", "The King's Fund"):
        assert name in text
    for internal in ("bma-gpc", "lmc-kent", "nhs-confederation", "kings-fund"):
        assert internal not in text
    # Every change has a labelled marker: its number and its stage.
    markers = [li.find_element("css selector", ".marker").text for li in entries]
    assert markers == [str(n) for n in range(1, 9)]
    stages = [li.find_element("css selector", ".stage").text.lower() for li in entries]
    assert stages[1:3] == ["draft published", "scaled back"]
    # The chart that shows at this width fits it, with a number on every change's line.
    (chart,) = [c for c in browser.find_elements("css selector", "svg.pcnwatch-timeline-chart")
                if c.is_displayed()]
    assert 0 < chart.size["width"] <= width
    numbers = [n.text for n in chart.find_elements("css selector", "text.num")]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 9)]
    names = {n.text for n in chart.find_elements("css selector", "text.body-name")}
    assert {"BMA GP Committee", "Royal College of GPs"} <= names

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / f"timeline-{width}.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Filters: a topic, then a body, then dates; the count and the address follow.
    _choose(browser, "f-topic", "gp-contract")
    shown = _visible_entries(browser)
    assert len(shown) == 3
    assert all("gp-contract" in li.get_attribute("data-topics").split() for li in shown)
    assert browser.find_element("id", "shown").text == "3"
    assert "topic=gp-contract" in browser.current_url
    _choose(browser, "f-body", "bma-gpc")
    assert [li.find_element("css selector", "h2").text for li in _visible_entries(browser)] == [
        "NHS England agreed the five-year contract deal",
        "NHS England announced the 2023/24 GP contract"]
    _set_date(browser, "f-from", "2020-01-01")
    assert len(_visible_entries(browser)) == 1
    assert _fits(browser)
    browser.find_element("id", "f-reset").click()
    assert len(_visible_entries(browser)) == 8
    _set_date(browser, "f-from", "2020-01-01")
    _set_date(browser, "f-to", "2021-12-31")
    assert [li.find_element("css selector", ".date").text[:3] for li in
            _visible_entries(browser)] == ["Thu", "Thu", "Tue"]


def test_timeline_page_filters_from_the_address(served_timeline, browser):  # noqa: F811
    browser.set_window_size(390, 900)
    # A filtered view someone shared: the server filters it, and so does the page.
    browser.get(served_timeline + "/timeline?topic=care-homes")
    assert [li.find_element("css selector", ".stage").text.lower()
            for li in _visible_entries(browser)] == ["draft published", "scaled back"]
    # The page kept for reading offline filters from its address too.
    browser.get(served_timeline + "/pages/timeline.html?body=lmc-kent")
    assert len(_visible_entries(browser)) == 1
    assert browser.find_element("id", "f-body").get_attribute("value") == "lmc-kent"
