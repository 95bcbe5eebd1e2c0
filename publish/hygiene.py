"""What every human-facing output does to text that came from crawled pages.

Crawled titles, quotes and names are hostile input. HTML and XML outputs escape
them (Jinja2 autoescaping, feedgen), console tables print them as text, never
as Rich markup (`rich.text.Text`), and on top of that, here:

- `strip_bidi` removes the Unicode bidirectional controls (U+202A-U+202E,
  U+2066-U+2069, U+200E, U+200F, U+061C), which can make text read backwards
  on screen ("evil.exe" shown as "exe.live"); they never carry news.
- `csv_cell` neutralises a CSV cell that a spreadsheet would run as a formula
  (one starting with =, +, -, @, tab or carriage return) by putting a ' in
  front, as OWASP advises; `--raw-csv` leaves such cells as they are.

Machine outputs (JSON, JSON Lines, Parquet of `pcnwatch query`, the timeline's
JSON) keep the text as stored, for researchers who need it exact.
"""

from __future__ import annotations

import re
from typing import Any

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_bidi(text: str) -> str:
    """`text` without bidirectional control characters."""
    return BIDI_CONTROLS.sub("", text)


def clean(value: Any) -> Any:
    """`value` with `strip_bidi` applied to every string in it (lists, tuples, dicts)."""
    if isinstance(value, str):
        return strip_bidi(value) if BIDI_CONTROLS.search(value) else value
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clean(v) for v in value)
    return value


def csv_cell(text: str, *, raw: bool = False) -> str:
    """A text cell for CSV: bidi controls removed, and a would-be formula made text."""
    text = strip_bidi(text)
    if not raw and text.startswith(FORMULA_START):
        return "'" + text
    return text
