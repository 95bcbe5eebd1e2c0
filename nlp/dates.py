"""Resolve the date phrases of UK health-policy news against an article's published date.

Conventions (each a choice; the trade press rarely gives a day):

- A month without a day resolves to its first day ("July 2019" -> 2019-07-01); "the end of
  June" resolves to its last day, as deadlines are written.
- The NHS year starts on 1 April. "The coming year", "next year's contract", "the next
  financial year" resolve to the next 1 April on or after the published date; "2020/21" and
  "2020-21" resolve to 2020-04-01, a start only after "from" ("in 2020/21" is the year).
- A bare year after "from", "until", "to", "by", "before", "starting" ("not until 2021") is an NHS
  year: it resolves to 1 April of that year. A bare year otherwise ("in 2019") is 1 January.
- A month or day without a year looks forward after "from", "to", "by", "until", "before",
  "starting", "next" (the first such month on or after the published month), back after
  "last", "since", and otherwise takes the occurrence nearest the published date.
- "This year" and "last year" are calendar years (1 January), as the news uses them: in
  February 2020 "this year" is 2020, not the NHS year that began in April 2019; "this
  financial year" and "last financial year" are NHS years.
- "Last week" is seven days before publication, "this week" the published date itself,
  "next month" the first day of the following month. "Christmas" is the 25 December nearest
  the published date ("before Christmas" in a January article is the Christmas just gone).
- With no published date only phrases that carry a year resolve.

`find_dates` returns every phrase found with its character offsets and its precision (day,
month or year), so a caller can pick the phrase nearest a word of interest and ignore a year
alone; `resolve_date` returns the first.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DateMention", "find_dates", "resolve_date"]

_MONTHS = {
    name.lower(): number
    for number, name in enumerate(calendar.month_name)
    if name
}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
# "to" leads a new date after a move: "pushed back to October", "delayed to 2021".
_FORWARD = {"from", "by", "until", "till", "before", "starting", "next", "due", "ahead", "to"}
_BACKWARD = {"last", "since", "earlier", "previous", "past"}
_MONTH_LEADS = _FORWARD | _BACKWARD | {"in", "of", "during", "after", "early", "late", "mid"}
_EXPLICIT = {"iso", "numeric", "fyear", "day_month_year", "month_day_year"}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# A lead word stays on the date's line: "Gowland\n\nJanuary 4" is a byline and a date.
_LEAD = r"(?:(?P<lead>[A-Za-z]+)[ \t]+(?:the[ \t]+)?)?"

# Order matters: longer, more specific forms first; a span already taken is not reused.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # A deadline "by the end of June" is the month's last day, not its first.
    ("end_of_month", re.compile(
        r"\b(?:(?P<lead>[A-Za-z]+)\s+)?the\s+end\s+of\s+(?P<month>" + _MONTH_RE + r")"
        r"(?:\s+" + _YEAR + r")?\b", re.I)),
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("numeric", re.compile(r"\b(?P<day>[0-3]?\d)/(?P<month>[01]?\d)/(?P<year>(?:19|20)\d\d)\b")),
    ("fyear", re.compile(
        _LEAD + r"\b(?P<year>(?:19|20)\d\d)\s*[/\-\u2013]\s*(?P<next>(?:19|20)?\d\d)\b(?!-\d)",
        re.I)),
    ("day_month_year", re.compile(
        _LEAD + _DAY + r"\s+(?:of\s+)?(?P<month>" + _MONTH_RE + r"),?\s+" + _YEAR + r"\b", re.I)),
    ("month_day_year", re.compile(
        _LEAD + r"(?P<month>" + _MONTH_RE + r")\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.I)),
    ("month_year", re.compile(
        _LEAD + r"(?P<month>" + _MONTH_RE + r")\s+(?:of\s+)?" + _YEAR + r"\b", re.I)),
    ("day_month", re.compile(
        _LEAD + r"\b" + _DAY + r"\s+(?:of\s+)?(?P<month>" + _MONTH_RE + r")\b", re.I)),
    ("month_day", re.compile(
        _LEAD + r"\b(?P<month>" + _MONTH_RE + r")\s+" + _DAY + r"\b(?!\s*(?:,\s*)?(?:19|20)\d\d)",
        re.I)),
    ("christmas", re.compile(_LEAD + r"\bchristmas\b", re.I)),
    # "April next year", "in March last year": the month of that calendar year, before
    # "next year" and "last year" alone can take the words.
    ("month", re.compile(
        _LEAD + r"\b(?P<month>january|february|march|april|may|june|july|august|september"
        r"|october|november|december)\s+(?P<rel>this|next|last)\s+year\b", re.I)),
    ("financial_year", re.compile(
        r"\b(?P<which>the\s+coming|the\s+next|next|this|the\s+current|the\s+new)\s+"
        r"(?P<kind>(?:financial|contract|nhs|fiscal)\s+)?year\b", re.I)),
    ("relative_unit", re.compile(
        r"\b(?P<which>last|next|this|earlier\s+this|later\s+this)\s+(?P<unit>week|month)\b", re.I)),
    ("ago", re.compile(
        r"\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
        r"(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
    ("last_year", re.compile(r"\blast\s+(?P<kind>(?:financial|contract|nhs|fiscal)\s+)?year\b",
                             re.I)),
    ("weekday", re.compile(
        r"\b(?:(?P<which>last|next|this)\s+)?(?:on\s+)?"
        r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)),
    ("day_word", re.compile(r"\b(?P<word>yesterday|today|tomorrow)\b", re.I)),
    ("month", re.compile(
        _LEAD + r"\b(?P<month>january|february|march|april|june|july|august|september|october"
        r"|november|december|may(?=\s+(?:this|next|last)\b))\b"
        r"(?:\s+(?P<rel>this|next|last)\s+year)?", re.I)),
    ("year", re.compile(_LEAD + r"\b" + _YEAR + r"\b(?![/\-\u2013]\d)")),
]


@dataclass(frozen=True)
class DateMention:
    """A date phrase found in text, with its offsets and its resolved date.

    ``precision`` says how much of the date the phrase gives: ``"day"`` ("1 July 2019",
    "last week"), ``"month"`` ("July 2019", "from April", the NHS year "from 2020/21") or
    ``"year"`` ("in 2019", "this year"), whose month and day are a convention, not news.
    """

    start: int
    end: int
    text: str
    date: date
    precision: str = "day"
    lead: str = ""  # the word before it, lower case: "from April", "in March 2020"
    kind: str = ""  # the form it was read as: "month_year", "month", "relative_unit" ...

    @property
    def month_named(self) -> bool:
        """A month named without a day and not as a start or a limit: "in March 2020",
        "published in February". "From April", "by March" give their first or last day by
        convention; "last month" is counted back from the published date."""
        return self.kind in ("month", "month_year") and _direction(self.lead) != "forward"


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _first_of_next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _next_april(published: date) -> date:
    april = date(published.year, 4, 1)
    return april if published <= april else date(published.year + 1, 4, 1)


def _direction(lead: str | None) -> str:
    word = (lead or "").lower()
    if word in _FORWARD:
        return "forward"
    if word in _BACKWARD:
        return "back"
    return "nearest"


def _place_in_year(month: int, day: int, published: date, direction: str) -> date | None:
    candidates = [_safe(published.year + k, month, day) for k in (-1, 0, 1)]
    candidates = [c for c in candidates if c is not None]
    if direction == "forward":
        # A month named after "from" means the month that has not yet ended.
        floor = published.replace(day=1) if day == 1 else published
        later = [c for c in candidates if c >= floor]
        return min(later) if later else None
    if direction == "back":
        earlier = [c for c in candidates if c < published]
        return max(earlier) if earlier else None
    return min(candidates, key=lambda c: (abs((c - published).days), c < published))


def _resolve(kind: str, m: re.Match[str], published: date | None) -> date | None:
    g = m.groupdict()
    if kind == "iso":
        return _safe(int(g["year"]), int(g["month"]), int(g["day"]))
    if kind == "numeric":
        # UK order: day first.
        return _safe(int(g["year"]), int(g["month"]), int(g["day"]))
    if kind == "fyear":
        start = int(g["year"])
        nxt = g["next"]
        end = int(nxt) if len(nxt) == 4 else (start // 100) * 100 + int(nxt)
        return date(start, 4, 1) if end == start + 1 else None
    if kind in ("day_month_year", "month_day_year"):
        return _safe(int(g["year"]), _MONTHS[g["month"].lower().rstrip(".")], int(g["day"]))
    if kind == "end_of_month":
        month = _MONTHS[g["month"].lower().rstrip(".")]
        if g["year"]:
            first: date | None = date(int(g["year"]), month, 1)
        elif published is None:
            return None
        else:
            first = _place_in_year(month, 1, published, _direction(g["lead"]))
        if first is None:
            return None
        return first.replace(day=calendar.monthrange(first.year, month)[1])
    if kind == "month_year":
        return date(int(g["year"]), _MONTHS[g["month"].lower().rstrip(".")], 1)
    if kind == "year":
        year = int(g["year"])
        return date(year, 4, 1) if _direction(g["lead"]) == "forward" else date(year, 1, 1)
    if published is None:
        return None
    if kind in ("day_month", "month_day"):
        month = _MONTHS[g["month"].lower().rstrip(".")]
        return _place_in_year(month, int(g["day"]), published, _direction(g["lead"]))
    if kind == "month":
        month = _MONTHS[g["month"].lower()]
        rel = (g.get("rel") or "").lower()
        if rel:
            year = published.year + {"this": 0, "next": 1, "last": -1}[rel]
            return date(year, month, 1)
        return _place_in_year(month, 1, published, _direction(g["lead"]))
    if kind == "christmas":
        lead = (g["lead"] or "").lower()
        if lead in ("next", "until", "by"):
            return _place_in_year(12, 25, published, "forward")
        if lead == "last":
            return _place_in_year(12, 25, published, "back")
        return _place_in_year(12, 25, published, "nearest")
    if kind == "financial_year":
        which = " ".join(g["which"].lower().split())
        if which == "this" and not g["kind"]:
            # "this year" in the news is the calendar year: in February 2020 it is 2020,
            # not the NHS year that began in April 2019.
            return date(published.year, 1, 1)
        if which in ("this", "the current"):
            april = date(published.year, 4, 1)
            return april if published >= april else date(published.year - 1, 4, 1)
        return _next_april(published)
    if kind == "relative_unit":
        which = " ".join(g["which"].lower().split())
        if g["unit"].lower() == "week":
            shift = {"last": -7, "next": 7}.get(which, 0)
            return published + timedelta(days=shift)
        if which == "last":
            return _add_months(published, -1)
        if which == "next":
            return _first_of_next_month(published)
        return published.replace(day=1)
    if kind == "ago":
        raw = g["n"].lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = g["unit"].lower()
        if unit == "day":
            return published - timedelta(days=n)
        if unit == "week":
            return published - timedelta(weeks=n)
        if unit == "month":
            return _add_months(published, -n)
        return date(published.year - n, 1, 1)
    if kind == "last_year":
        if g["kind"]:
            april = date(published.year, 4, 1)
            return date(april.year - (1 if published >= april else 2), 4, 1)
        return date(published.year - 1, 1, 1)
    if kind == "weekday":
        target = _WEEKDAYS[g["weekday"].lower()]
        which = (g["which"] or "").lower()
        delta = (published.weekday() - target) % 7
        if which == "next":
            return published + timedelta(days=(target - published.weekday()) % 7 or 7)
        # News speaks of the recent past: "on Tuesday" is the Tuesday just gone.
        return published - timedelta(days=delta or (7 if which == "last" else 0))
    if kind == "day_word":
        return published + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[
            g["word"].lower()])
    return None


_MONTH_KINDS = {"month_year", "month", "financial_year"}
_YEAR_KINDS = {"year", "fyear", "last_year"}


def _precision(kind: str, m: re.Match[str]) -> str:
    g = m.groupdict()
    lead = (g.get("lead") or "").lower()
    if kind in ("year", "fyear") and lead != "by" and (
            _direction(lead) == "forward"):
        # "from 2020/21", "not until 2021": the NHS year starts on 1 April; "by 2023/24"
        # is a target somewhere in that year, and "in 2024/25", "during 2023/24" say
        # only the year (realdev gold leaves an act so dated undated, never 1 April)
        return "month"
    if kind == "financial_year" and g["which"].lower() == "this" and not g["kind"]:
        return "year"
    if kind == "last_year" and not g["kind"]:
        return "year"
    if kind == "relative_unit" and g["unit"].lower() == "month":
        return "month"
    if kind == "ago" and g["unit"].lower() in ("month", "year"):
        return g["unit"].lower()
    if kind in _MONTH_KINDS or kind == "last_year":
        return "month"
    return "year" if kind in _YEAR_KINDS else "day"


def find_dates(text: str, published: date | None) -> list[DateMention]:
    """Every date phrase in `text` that resolves, in text order."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            if (
                kind == "month"
                and m.group("month").lower() == "march"
                and (m.group("lead") or "").lower() not in _MONTH_LEADS
                and not m.group("rel")
            ):
                # "march" alone is as often a verb or a protest as a month.
                continue
            resolved = _resolve(kind, m, published)
            if resolved is None:
                if kind in _EXPLICIT:
                    # "31 February 2020" is no date; do not let "February 2020" stand in.
                    taken.append((start, end))
                continue
            taken.append((start, end))
            found.append(DateMention(start, end, text[start:end], resolved,
                                     _precision(kind, m),
                                     (m.groupdict().get("lead") or "").lower(), kind))
    found.sort(key=lambda d: d.start)
    return found


def resolve_date(text: str, published: date | None = None) -> date | None:
    """The date of the first date phrase in `text`, resolved against `published`."""
    mentions = find_dates(text, published)
    return mentions[0].date if mentions else None


_DATELINE_CHARS = 400


def article_date(published: date | None, text: str) -> date | None:
    """The date an article's relative words and offices are read against: the one given
    with it, else the one its page states at the top (`dateline`)."""
    return published or dateline(text)


def dateline(text: str) -> date | None:
    """The article's own date when the page states one at its top (" date 2020-01-15",
    "Tuesday 28th January 2020", "Published 14 March 2023"): the first full date, day,
    month and year, in its opening characters. Read from the text, never guessed: None when
    the opening names no full date."""
    for mention in find_dates(text[:_DATELINE_CHARS], None):
        if mention.precision == "day":
            return mention.date
    return None
