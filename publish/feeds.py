"""Headlines written out: text, Markdown, JSON, CSV, RSS 2.0, Atom and JSON Feed 1.1.

RSS and Atom come from feedgen, which escapes what it writes. Every format is
read by people, so bidi controls are removed from all of them, and CSV cells a
spreadsheet would run as formulas are made text unless `raw_csv`
(publish.hygiene). Entry ids are the
story's canonical URL (stable across runs and rebuilds). An entry's dates are
the articles' dates: `published` is the story's first publication and `updated`
its newest copy's (the time a page was crawled is no news to a reader); an
undated story falls back to its last change. Every entry names its site (RSS
`<source>`, Atom `<source>` and `<author>`, JSON Feed `authors`). The summary
ends with the stance of each body that took a side (support, oppose or mixed);
publications never appear there. The feed's own `updated` is the newest
entry's, so writing the same headlines twice gives the same bytes.

`pcnwatch serve` answers the addresses each feed gives as its own:
`/headlines.xml` (Atom), `/headlines.rss` (RSS 2.0) and `/headlines.json`
(JSON Feed 1.1), under PCNWATCH_PUBLIC_URL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import UTC, datetime, time
from typing import Any

from publish.errors import BadFilter
from publish.hygiene import clean, csv_cell, strip_bidi

FORMATS = ("text", "md", "json", "csv", "rss", "atom", "jsonfeed")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8001"
FEED_TITLE = "pcnwatch: primary care network news"
# When no entry gives one: a fixed instant, so empty feeds are reproducible too.
_EPOCH = datetime(2019, 1, 1, tzinfo=UTC)


def public_url() -> str:
    """Where pcnwatch's pages are served, from PCNWATCH_PUBLIC_URL; no trailing slash."""
    return (os.environ.get("PCNWATCH_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


# The stances worth a line in a headline: a body that took a side.
SIDES = ("support", "oppose", "mixed")
# Where each feed format is served, relative to PCNWATCH_PUBLIC_URL.
FEED_PATHS = {"atom": "/headlines.xml", "rss": "/headlines.rss", "jsonfeed": "/headlines.json"}


def _when(h: dict) -> datetime:
    """The story's first publication, as the feeds' `published`."""
    if h.get("published"):
        return datetime.combine(h["published"], time(0), UTC)
    return h["updated"]


def _latest(h: dict) -> datetime:
    """The newest copy's publication, as the feeds' `updated`."""
    if h.get("last_published"):
        return datetime.combine(h["last_published"], time(0), UTC)
    return _when(h)


def stance_summary(h: dict) -> str:
    """"Body: stance" for each body that took a side in the story, most named first."""
    return "; ".join(f"{a['name']}: {a['stance']}" for a in h["actors"]
                     if a.get("stance") in SIDES)


def render(items: list[dict], fmt: str, *, title: str = FEED_TITLE,
           link: str | None = None, feed_url: str | None = None, raw_csv: bool = False) -> str:
    """`items` from `publish.headlines.headlines` in format `fmt`, as text."""
    if fmt not in FORMATS:
        raise BadFilter(f"unknown headline format {fmt!r}; use one of {', '.join(FORMATS)}")
    link = link or public_url() + "/"
    extra = {"raw": raw_csv} if fmt == "csv" else {}
    return _RENDER[fmt](clean(items), title=title, link=link,
                        feed_url=feed_url or public_url() + FEED_PATHS.get(fmt, "/"), **extra)


def _text(items: list[dict], **_: Any) -> str:
    lines = []
    for h in items:
        day = h["published"].isoformat() if h["published"] else "undated"
        who = f" [{stance_summary(h)}]" if stance_summary(h) else ""
        summary = f" \u2014 {h['summary']}" if h["summary"] else ""
        lines.append(f"{day}  {h['title']}{summary}{who} ({', '.join(h['sources'])}) {h['url']}")
    return "\n".join(lines) + ("\n" if lines else "")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_escape(text: str) -> str:
    """Text safe inside Markdown: its syntax characters escaped, HTML turned into entities."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("<", "%3C")


def _md(items: list[dict], *, title: str, **_: Any) -> str:
    out = [f"# {md_escape(title)}", ""]
    for h in items:
        day = h["published"].isoformat() if h["published"] else "undated"
        line = f"- **[{md_escape(h['title'])}]({_md_url(h['url'])})** ({day}, " \
               f"{md_escape(', '.join(h['sources']))})"
        if h["summary"]:
            line += f" \u2014 {md_escape(h['summary'])}"
        if stance_summary(h):
            line += f" _{md_escape(stance_summary(h))}_"
        out.append(line)
    return "\n".join(out) + "\n"


def _plain(h: dict) -> dict:
    last = h.get("last_published")
    return {**h, "published": h["published"].isoformat() if h["published"] else None,
            "last_published": last.isoformat() if last else None,
            "updated": h["updated"].isoformat()}


def _json(items: list[dict], **_: Any) -> str:
    return json.dumps([_plain(h) for h in items], ensure_ascii=False, indent=2) + "\n"


def _csv(items: list[dict], *, raw: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "published", "updated", "title", "sources", "url", "summary",
                     "actors", "topics"])
    for h in items:
        texts = [h["id"], h["title"], "; ".join(h["sources"]), h["url"], h["summary"],
                 stance_summary(h), "; ".join(h["topics"])]
        cid, title, sources, url, summary, actors, topics = (csv_cell(t, raw=raw)
                                                             for t in texts)
        writer.writerow([cid, h["published"] or "", h["updated"].isoformat(), title, sources,
                         url, summary, actors, topics])
    return buf.getvalue()


def _feed(items: list[dict], *, title: str, link: str, feed_url: str):
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    # feedgen's RSS <link> is the last link given, so the site comes after the self link.
    fg.link(href=feed_url, rel="self")
    fg.link(href=link, rel="alternate")
    fg.description("One line per story: the news on primary care networks and the reactions "
                   "to it, de-duplicated across sources.")
    fg.language("en-GB")
    newest = max((_latest(h) for h in items), default=_EPOCH)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for h in items:
        fe = fg.add_entry(order="append")
        fe.id(h["id"])
        fe.guid(h["id"], permalink=h["id"].startswith(("http://", "https://")))
        fe.title(h["title"])
        fe.link(href=h["url"])
        fe.published(_when(h))
        fe.updated(_latest(h))
        summary = h["summary"]
        if stance_summary(h):
            summary = f"{summary} ({stance_summary(h)})".strip()
        fe.description(summary or h["title"])
        fe.source(url=h.get("source_home") or h["url"], title=h.get("source") or h["sources"][0])
        for source in h["sources"]:
            fe.author(name=source)
        for topic in h["topics"]:
            fe.category(term=topic)
    return fg


def _rss(items: list[dict], **kw: Any) -> str:
    return _feed(items, **kw).rss_str(pretty=True).decode("utf-8")


def _atom(items: list[dict], **kw: Any) -> str:
    return _feed(items, **kw).atom_str(pretty=True).decode("utf-8")


def jsonfeed(items: list[dict], *, title: str = FEED_TITLE, link: str | None = None,
             feed_url: str | None = None) -> dict:
    """A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1) as a dict."""
    link = link or public_url() + "/"
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": link,
        "feed_url": feed_url or public_url() + FEED_PATHS["jsonfeed"],
        "language": "en-GB",
        "items": [{
            "id": h["id"],
            "url": h["url"],
            "title": h["title"],
            "content_text": h["summary"] or h["title"],
            "summary": h["summary"],
            "date_published": _when(h).isoformat(),
            "date_modified": _latest(h).isoformat(),
            "authors": [{"name": s} for s in h["sources"]],
            "tags": h["topics"],
            "_pcnwatch": {"sources": h["sources"], "copies": h["urls"],
                          "actors": h["actors"], "story": h["story"]},
        } for h in items],
    }


def _jsonfeed(items: list[dict], **kw: Any) -> str:
    return json.dumps(jsonfeed(items, **kw), ensure_ascii=False, indent=2) + "\n"


_RENDER = {"text": _text, "md": _md, "json": _json, "csv": _csv, "rss": _rss, "atom": _atom,
           "jsonfeed": _jsonfeed}


def write_headlines(fmt: str, *, output: Any = None, stream: Any = None,
                    database_url: str | None = None, filters: Any = None,
                    extra_actors: Any = None, bom: bool = False, raw_csv: bool = False) -> int:
    """Query the headlines and write them as `fmt`; returns how many stories.

    `bom` starts a CSV with a byte-order mark, for Excel; `raw_csv` keeps CSV cells a
    spreadsheet would run as formulas as they are.
    """
    from publish.headlines import HeadlineFilters, headlines
    from publish.queries import BOM, check_bom
    from store.db import get_engine, session_scope

    check_bom(fmt, bom)
    with session_scope(get_engine(database_url)) as session:
        items = headlines(session, filters or HeadlineFilters(), extra_actors)
    text = (BOM if bom else "") + render(items, fmt, raw_csv=raw_csv)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        stream.write(text)
    return len(items)


def live_feed(fmt: str, filters: Any, *, database_url: str | None = None,
              extra_actors: Any = None, base_url: str | None = None, query: str = "") -> str:
    """One feed as `pcnwatch serve` answers it: its own address carries its filters."""
    from publish.headlines import headlines
    from store.db import get_engine, session_scope

    if fmt not in FEED_PATHS:
        raise BadFilter(f"unknown feed format {fmt!r}; use one of {', '.join(FEED_PATHS)}")
    base = base_url or public_url()
    with session_scope(get_engine(database_url)) as session:
        items = headlines(session, filters, extra_actors)
    wanted = [f"{name} {value}" for name in ("topic", "actor", "source", "since", "until")
              if (value := getattr(filters, name, None))]
    # The filters come from the address: a reader's feed title gets no bidi controls either.
    title = strip_bidi(FEED_TITLE + (f" ({', '.join(wanted)})" if wanted else ""))
    return render(items, fmt, title=title, link=base + "/",
                  feed_url=base + FEED_PATHS[fmt] + (f"?{query}" if query else ""))


__all__ = ["FEED_PATHS", "FORMATS", "jsonfeed", "live_feed", "md_escape", "public_url",
           "render", "stance_summary", "write_headlines"]
