"""Hostile crawled text in every output people read (issue 15, rows 6-8).

6. `[/]` and `[link=…]` (Rich markup) in titles, quotes and evidence;
7. cells starting with =, +, - or @ (spreadsheet formulas) in CSV exports;
8. Unicode bidi controls (U+202E and its kin) in the digest, feeds, timeline, deadlines,
   alerts, console and Datasette pages.

The news is invented for these tests and stored through the real store; the
outputs come from the real `pcnwatch` command and Datasette's own test client.
"""

import asyncio
import csv
import io
import re
from datetime import date

import pytest
from test_publish_queries import INFO, VERSION

from publish import datasette as pds
from publish.hygiene import BIDI_CONTROLS
from store.analysis import save_analysis
from store.articles import ArticleRecord, upsert_article
from store.db import get_engine, session_scope
from store.timeline import rebuild_timeline

WEEK = "2023-W10"
LINK_TITLE = "[link=https://evil.invalid]Network targets cut for next year[/link]"
STRAY_CLOSE = "GPs say [/] the rota [bold]cannot[/bold] be staffed"
FORMULA = '=HYPERLINK("https://evil.invalid/steal","Network targets")'
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "gnp.exe" shows as "exe.png"
LONG_WORD = "networkcontract" * 20  # 300 letters, no space to break at


def _article(key, title, quote, speaker, evidence, obj, day):
    return {
        "url": f"https://hostile.test/{key}", "title": title, "published": day,
        "text": f"{title}. The board met on the day. {quote}",
        "analysis": {
            "actors": [{"id": "bma-gpc", "mentions": 2}, {"id": "nhs-england", "mentions": 1}],
            "quotes": [{"text": quote, "speaker": speaker, "actor_id": "bma-gpc",
                        "stance": "oppose", "confidence": 0.9}],
            "stances": [{"actor_id": "bma-gpc", "stance": "oppose", "confidence": 0.9,
                         "evidence": [evidence]}],
            "events": [{"action": "reduce", "actor_id": "nhs-england", "object": obj,
                        "date": day.isoformat(), "sentence": f"NHS England cut the {obj}."}],
            "topics": ["pcn-targets"],
        },
    }


HOSTILE = [
    _article("markup", LINK_TITLE, STRAY_CLOSE, "Dr [red]Lane[/red]",
             "[link=https://evil.invalid]never deliverable[/link]",
             "[link=https://evil.invalid]network specifications[/link]", date(2023, 3, 7)),
    _article("formula", FORMULA, "+1 more unfunded duty for every network",
             "@SUM(A1:A9)", "-2 targets is not enough", "network targets", date(2023, 3, 8)),
    _article("bidi", f"Networks told {BIDI}exe.snalp{BIDI}\u202c to cut",
             f"Practices \u2067cannot\u2069 cope {BIDI}with this", f"Dr {BIDI}Rao",
             "\u200fnever\u200e deliverable", f"care home {BIDI}rounds", date(2023, 3, 9)),
    _article("long", f"Networks and the {LONG_WORD}", "Too long to read", "Dr Lane",
             "too long", "long words", date(2023, 3, 10)),
]


def store_hostile(url: str) -> None:
    engine = get_engine(url)
    with session_scope(engine) as s:
        for a in HOSTILE:
            _, row = upsert_article(s, ArticleRecord(url=a["url"], source="hostile-news",
                                                     title=a["title"], text=a["text"],
                                                     published=a["published"]))
            save_analysis(s, row, a["analysis"], VERSION, INFO)
    with session_scope(engine) as s:
        rebuild_timeline(s)


@pytest.fixture
def hostile(pcnwatch, sqlite_url):
    store_hostile(sqlite_url)
    return pcnwatch


def _wide(extra: dict | None = None) -> dict:
    return {"COLUMNS": "400", **(extra or {})}


# -- 6: Rich markup in crawled text ---------------------------------------------------------------


@pytest.mark.parametrize("table, shown", [
    ("articles", [LINK_TITLE]),
    ("quotes", [STRAY_CLOSE, "Dr [red]Lane[/red]"]),
    ("stances", ["[link=https://evil.invalid]never deliverable[/link]"]),
])
def test_query_table_shows_markup_in_data_as_written(hostile, table, shown):
    # A terminal that shows colours and links: where a live link would do harm.
    result = hostile("query", table, env=_wide({"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}))
    assert result.returncode == 0, result.stderr
    assert "\x1b]8;" not in result.stdout, "crawled text became a terminal hyperlink"
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    for text in shown:
        assert text in plain


def test_status_table_shows_markup_in_errors_as_written(hostile, sqlite_url):
    from store.models import JobRun

    with session_scope(get_engine(sqlite_url)) as s:
        s.add(JobRun(job="crawl", status="error", error=f"page {LINK_TITLE} failed [/]"))
    result = hostile("status", env=_wide())
    assert result.returncode == 0, result.stderr
    assert "[/]" in result.stdout and "[link=https://evil.invalid]" in result.stdout


# -- 7: spreadsheet formulas in CSV ---------------------------------------------------------------


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("command", [
    ("headlines", "--format", "csv"),
    ("query", "articles", "--format", "csv"),
    ("query", "quotes", "--format", "csv"),
    ("query", "stances", "--format", "csv"),
])
def test_csv_cells_a_spreadsheet_would_run_are_made_text(hostile, command):
    result = hostile(*command)
    assert result.returncode == 0, result.stderr
    cells = _cells(result.stdout)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert any(c.startswith("'=HYPERLINK(") or c.startswith("'+1 more") or
               c.startswith("'-2 targets") for c in cells)
    # Numbers and dates stay numbers and dates.
    assert "2023-03-08" in cells
    raw = hostile(*command, "--raw-csv")
    assert raw.returncode == 0, raw.stderr
    assert any(c.startswith(("=HYPERLINK(", "+1 more", '["-2 targets')) for c in _cells(
        raw.stdout))


@pytest.mark.parametrize("path", [
    "/pcnwatch/article.csv",
    "/pcnwatch/quote.csv?_stream=on",
    "/pcnwatch.csv?sql=select+title,+text+from+article",
])
def test_datasette_csv_exports_make_formulas_text(sqlite_url, tmp_path, path):
    """A researcher who downloads a table from `pcnwatch serve` and opens it in a
    spreadsheet gets text, as from `pcnwatch query --format csv`; `_raw_csv=1` keeps it."""
    store_hostile(sqlite_url)
    ds = pds.app(sqlite_url, pages_dir=tmp_path)

    async def fetch(path):
        return (await ds.client.get(path)).text

    cells = _cells(asyncio.run(fetch(path)))
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert any(c.startswith(("'=HYPERLINK(", "'+1 more")) for c in cells)
    assert _bidi(",".join(cells)) == []
    raw = _cells(asyncio.run(fetch(path + ("&" if "?" in path else "?") + "_raw_csv=1")))
    assert any(c.startswith(("=HYPERLINK(", "+1 more")) for c in raw)


def test_datasette_csv_rewriting_keeps_records_split_across_chunks():
    """A streamed export arrives in chunks that may cut a record, even a quoted cell with a
    line break in it, anywhere: every record comes out whole, numbers stay numbers."""
    from publish.datasette_plugin import CsvAsText

    rows = [["id", "title", "score"]] + [
        [str(i), f'=cmd("{i}")\nsecond line, with a comma', f"-{i}.5"] for i in range(50)]
    whole = io.StringIO()
    csv.writer(whole, lineterminator="\r\n").writerows(rows)
    data = whole.getvalue().encode()

    async def export(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/csv"),
                                (b"content-length", str(len(data)).encode())]})
        for at in range(0, len(data), 7):  # cut every seven bytes
            await send({"type": "http.response.body", "body": data[at:at + 7],
                        "more_body": at + 7 < len(data)})

    sent = []

    async def send(message):
        sent.append(message)

    asyncio.run(CsvAsText(export, lambda: True)(
        {"type": "http", "path": "/pcnwatch/t.csv", "query_string": b""}, None, send))
    assert b"content-length" not in dict(sent[0]["headers"])
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    got = list(csv.reader(io.StringIO(body, newline="")))
    assert got == [rows[0]] + [[r[0], "'" + r[1], r[2]]
                               for r in rows[1:]]


# -- 8: bidi controls -----------------------------------------------------------------------------


def _bidi(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in BIDI_CONTROLS.findall(text)})


@pytest.mark.parametrize("command", [
    ("headlines", "--format", "text"),
    ("headlines", "--format", "md"),
    ("headlines", "--format", "rss"),
    ("headlines", "--format", "atom"),
    ("headlines", "--format", "jsonfeed"),
    ("headlines", "--format", "csv"),
    ("timeline", "--format", "text"),
    ("timeline", "--format", "html"),
    ("query", "quotes"),
    ("query", "quotes", "--format", "csv"),
    ("digest", "--week", WEEK),
])
def test_no_bidi_control_reaches_a_reader(hostile, command):
    result = hostile(*command, env=_wide())
    assert result.returncode == 0, result.stderr
    assert "exe.snalp" in result.stdout or "Rao" in result.stdout or "rounds" in result.stdout
    assert _bidi(result.stdout) == []


def test_no_bidi_control_in_the_digest_files_and_long_words_wrap(hostile, tmp_path):
    result = hostile("digest", "--week", WEEK, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for path in (tmp_path / "out").iterdir():
        assert _bidi(path.read_bytes().decode("utf-8", "replace")) == [], path.name
    html = (tmp_path / "out" / "digest.html").read_text()
    # The column that holds the 300-letter word breaks it rather than widen the mail.
    page = re.search(r'<div class="page" style="([^"]*)">(.*)', html, re.S)
    assert page and "overflow-wrap: anywhere" in page.group(1)
    assert LONG_WORD in page.group(2)


def test_no_bidi_control_in_datasette_pages(sqlite_url, tmp_path):
    store_hostile(sqlite_url)
    ds = pds.app(sqlite_url, pages_dir=tmp_path)

    async def fetch(path):
        return (await ds.client.get(path)).text

    for path in ("/pcnwatch/article", "/pcnwatch/quote", "/pcnwatch/quotes",
                 "/pcnwatch/article/3", "/pcnwatch/timeline",
                 "/pcnwatch?sql=select+title,+text+from+article"):
        page = asyncio.run(fetch(path))
        assert any(m in page for m in ("exe.snalp", "rounds", "Rao", "cope", "deliverable")), \
            path
        assert _bidi(page) == [], path


# -- 8, in the outputs of issue 12: deadlines, their calendar, alerts, the served timeline --------


def store_hostile_policy(url: str) -> None:
    """A policy a body changes its mind on, with a dated requirement: bidi controls in the
    titles, the objects, the quotes and the speakers' names."""
    from test_timeline import add_article, event, quote, rebuild, stance

    engine = get_engine(url)
    add_article(engine, "https://hostile.test/des", "2023-03-01", {
        "events": [event("announce", "nhs-england",
                         f"network contract {BIDI}directed enhanced service", "2023-03-01",
                         sentence="NHS England announced the network contract "
                                  f"{BIDI}directed enhanced service.")],
        "stances": [stance("bma", "mixed")],
        "quotes": [quote("bma", "mixed", f"The network DES brings money, but the {BIDI}workload "
                         "it adds is a worry.", speaker=f"Dr {BIDI}Rao")],
        "topics": ["pcn-targets"]}, title=f"Networks told {BIDI}exe.snalp{BIDI}\u202c to sign up")
    add_article(engine, "https://hostile.test/des-forms", "2023-03-08", {
        "events": [event("require", "nhs-england", f"network DES {BIDI}participation",
                         "2023-04-28", sentence=f"Practices must confirm their {BIDI}"
                                                "participation in the network DES by 28 April.")],
        "stances": [stance("bma", "oppose")],
        "quotes": [quote("bma", "oppose", "The network DES has become \u2067unworkable\u2069 "
                         f"for practices {BIDI}now.", speaker=f"Dr {BIDI}Rao")],
        "topics": ["pcn-targets"]}, title=f"Network DES {BIDI}participation due in April")
    rebuild(engine)


@pytest.fixture
def hostile_policy(pcnwatch, sqlite_url):
    store_hostile_policy(sqlite_url)
    return pcnwatch


def _unfolded(text: str) -> str:
    """What a calendar shows: the text of an iCalendar file with its long lines unfolded."""
    from icalendar import Calendar

    cal = Calendar.from_ical(text)
    return "\n".join(str(ev.get(k, "")) for ev in cal.walk("VEVENT")
                     for k in ("summary", "description"))


@pytest.mark.parametrize("command, shown", [
    (("deadlines", "--format", "text"), "directed enhanced service"),
    (("deadlines", "--format", "ics"), "directed enhanced service"),
    (("alerts", "--format", "text"), "unworkable"),
    (("timeline", "--format", "text"), "exe.snalp"),
    (("timeline", "--format", "html"), "unworkable"),
    (("digest", "--week", WEEK), "unworkable"),
])
def test_no_bidi_control_in_deadlines_alerts_and_the_policy_timeline(hostile_policy, command,
                                                                     shown):
    result = hostile_policy(*command, env=_wide())
    assert result.returncode == 0, result.stderr
    readable = _unfolded(result.stdout) if "ics" in command else result.stdout
    assert shown in readable
    assert _bidi(result.stdout) == [] and _bidi(readable) == []


def test_digest_deadlines_and_alerts_sections_carry_no_bidi_control(hostile_policy, tmp_path):
    result = hostile_policy("digest", "--week", WEEK, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "digest.txt").read_text()
    # The sections issue 12 added are there, with the hostile text in them, cleaned.
    assert "WHAT YOUR PRACTICE MUST DO" in text and "moved from mixed to oppose" in text
    assert "directed enhanced service" in text and "unworkable" in text
    for path in (tmp_path / "out").iterdir():
        assert _bidi(path.read_bytes().decode("utf-8", "replace")) == [], path.name


def test_no_bidi_control_in_the_served_timeline_and_calendar(sqlite_url, tmp_path):
    store_hostile_policy(sqlite_url)
    ds = pds.app(sqlite_url, pages_dir=tmp_path)

    async def fetch(path):
        return (await ds.client.get(path)).text

    page = asyncio.run(fetch("/timeline"))
    assert "unworkable" in page and "exe.snalp" in page
    assert _bidi(page) == []
    calendar = asyncio.run(fetch("/deadlines.ics?since=2023-01-01"))
    assert "directed enhanced service" in _unfolded(calendar)
    assert _bidi(calendar) == [] and _bidi(_unfolded(calendar)) == []
