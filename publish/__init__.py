"""The outputs: weekly digest, headlines and feeds, research queries, Datasette, timeline page.

Reads the store only; imports nothing of crawler or nlp.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())


def write_outputs(out_dir, database_url: str | None = None, *, week: str | None = None) -> list:
    """Write what `pcnwatch demo` shows into `out_dir`: digest.html, digest.txt,
    digest.eml (the week of the newest article unless `week`), headlines.xml (Atom),
    headlines.json (JSON Feed 1.1), timeline.html and deadlines.ics (the calendar);
    returns the paths written."""
    from pathlib import Path

    from publish.datasette import write_timeline_page
    from publish.digest import last_complete_week, latest_news_week, write_files
    from publish.feeds import write_headlines
    from store.db import get_engine, session_scope

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    engine = get_engine(database_url)
    with session_scope(engine) as session:
        week = week or latest_news_week(session) or last_complete_week()
    paths = write_files(engine, week, out, subscribers=False)
    for name, fmt in (("headlines.xml", "atom"), ("headlines.json", "jsonfeed")):
        write_headlines(fmt, output=out / name, database_url=database_url)
        paths.append(out / name)
    page = write_timeline_page(out, database_url)
    if page is not None:
        paths.append(page)
    from publish.deadlines import find_deadlines, render_ics

    with session_scope(engine) as session:
        calendar = render_ics(find_deadlines(session))
    # icalendar writes CRLF line ends (RFC 5545); keep them as they are.
    (out / "deadlines.ics").write_bytes(calendar.encode("utf-8"))
    paths.append(out / "deadlines.ics")
    return paths
