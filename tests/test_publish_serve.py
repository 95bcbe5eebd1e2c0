"""SQL views on both backends, and `pcnwatch serve` through Datasette's own test client.

What a researcher relies on: a facet count is the number `pcnwatch query` gives,
search narrows any research view and combines with facets, the front page leads
with the research views and hides the internals, and evidence shows each
sentence once with its cue phrases marked.
"""

import asyncio
import json
import re
import sqlite3
from datetime import date

import feedparser
import pytest
from sqlmodel import Session
from test_publish_queries import ARTICLES, HOSTILE_QUOTE, INFO, VERSION, build_newsroom

from publish import datasette as pds
from publish.errors import ServeError
from publish.queries import Filters, known_topics, query_rows
from publish.views import VIEWS, view_rows
from store.analysis import save_analysis
from store.articles import ArticleRecord, upsert_article
from store.db import get_engine, session_scope
from store.timeline import rebuild_timeline

URL = {a["key"]: a["url"] for a in ARTICLES}


@pytest.fixture
def newsroom_with_timeline(store_url):
    build_newsroom(store_url)
    with session_scope(get_engine(store_url)) as s:
        rebuild_timeline(s)
    return store_url


def test_views_have_documented_columns_on_both_backends(newsroom_with_timeline):
    with get_engine(newsroom_with_timeline).connect() as conn:
        for name, view in VIEWS.items():
            got = view_rows(conn, name)
            assert got, f"view {name} is empty"
            assert set(got[0]) == set(view["columns"]), name


def test_views_content(newsroom_with_timeline):
    with get_engine(newsroom_with_timeline).connect() as conn:
        heads = {r["url"]: r for r in view_rows(conn, "headlines")}
        quotes = view_rows(conn, "quotes")
        timeline = view_rows(conn, "timeline")
    # one row per story, told by its first copy
    assert set(heads) == {URL["cut"], URL["hostile"], URL["earlier"], URL["later"]}
    assert (heads[URL["cut"]]["copies"], heads[URL["cut"]]["sources"]) == (2, 2)
    # every topic of every copy, not the first one only
    assert json.loads(heads[URL["cut"]]["topics"]) == ["access", "pcn-targets"]
    gpc = next(q for q in quotes if q["actor_id"] == "bma-gpc")
    assert (gpc["actor_name"], gpc["stance"], gpc["url"]) == ("BMA GP Committee", "oppose",
                                                              URL["cut"])
    # the article's topics in rank order, and its year and month for date facets
    assert json.loads(gpc["topics"]) == ["pcn-targets", "access"]
    assert (gpc["year"], gpc["month"]) == (2023, "2023-03")
    assert {r["action"] for r in timeline} >= {"reduce", "require"}


# Written for these tests: a body's stance whose evidence repeats a sentence, with cues.
CUED_SENTENCE = "Leaders said the rota is simply too much, too fast for practices."
CUED_QUOTE = "We cannot sign up to this without more doctors"
CUED = {
    "key": "cued", "url": "https://gp-bulletin.test/2023/03/rota-too-fast", "source": "gp-bulletin",
    "published": date(2023, 3, 9), "title": "NEWS: Rota plans too fast, say leaders",
    "text": f"{CUED_SENTENCE} One chair said: \u201c{CUED_QUOTE}.\u201d",
    "analysis": {
        "actors": [{"id": "bma-gpc", "mentions": 1}],
        "quotes": [{"text": CUED_QUOTE, "speaker": "One chair", "actor_id": "bma-gpc",
                    "stance": "oppose", "confidence": 0.8, "evidence": [CUED_QUOTE],
                    "cues": ["sign up"]}],
        "stances": [{"actor_id": "bma-gpc", "stance": "oppose", "confidence": 0.8,
                     "evidence": [CUED_SENTENCE, CUED_SENTENCE.upper(), f"  {CUED_SENTENCE}"],
                     "cues": ["too much", "too fast"]}],
        "topics": ["workforce", "access"],
    },
}


def add_cued_article(url: str) -> None:
    with session_scope(get_engine(url)) as s:
        _, row = upsert_article(s, ArticleRecord(
            url=CUED["url"], source=CUED["source"], title=CUED["title"], text=CUED["text"],
            published=CUED["published"], minhash=[11] * 16))
        save_analysis(s, row, CUED["analysis"], VERSION, INFO)


@pytest.fixture
def ds(sqlite_url, tmp_path):
    build_newsroom(sqlite_url)
    add_cued_article(sqlite_url)
    with session_scope(get_engine(sqlite_url)) as s:
        rebuild_timeline(s)
    pages = tmp_path / "pages"
    assert pds.write_timeline_page(pages, sqlite_url) is not None
    return pds.app(sqlite_url, pages_dir=pages)


def get(ds, path):
    async def fetch():
        return await ds.client.get(path)
    return asyncio.run(fetch())


def test_serve_index_links_timeline_page(ds):
    home = get(ds, "/")
    assert home.status_code == 200
    assert 'href="/pages/timeline.html"' in home.text
    assert 'href="/timeline"' in home.text and 'href="/deadlines.ics"' in home.text
    page = get(ds, "/pages/timeline.html")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_serve_timeline_filters_on_the_server(ds):
    page = get(ds, "/timeline")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "NHS England scaled back PCN service specifications" in page.text
    # the same filters as the page's own form, read by the server
    workforce = get(ds, "/timeline?topic=workforce&from=2023-01-01")
    assert workforce.status_code == 200
    assert "network workforce plans" in workforce.text or "workforce plan" in workforce.text
    assert "NHS England scaled back PCN service specifications" not in workforce.text
    assert 'value="workforce" selected' in workforce.text
    bad = get(ds, "/timeline?body=nobody")
    assert bad.status_code == 400 and "unknown actor 'nobody'" in bad.text
    assert get(ds, "/timeline?from=soon").status_code == 400


def test_serve_deadlines_calendar_at_a_stable_address(ds):
    import icalendar

    r = get(ds, "/deadlines.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert [(e.get("DTSTART").dt, str(e["URL"])) for e in cal.walk("VEVENT")] == [
        (date(2023, 4, 30), URL["earlier"]), (date(2023, 6, 30), URL["cut"])]
    # the same events, with the same UIDs, every time it is fetched
    again = icalendar.Calendar.from_ical(get(ds, "/deadlines.ics").content)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == \
        [str(e["UID"]) for e in cal.walk("VEVENT")]
    later = icalendar.Calendar.from_ical(get(ds, "/deadlines.ics?since=2023-05-01").content)
    assert len(list(later.walk("VEVENT"))) == 1


def facets(ds, path: str) -> dict[str, dict]:
    """{facet name: {value: count}} of a table or view page."""
    sep = "&" if "?" in path else "?"
    r = get(ds, f"{path}{sep}_facet_size=max&_shape=objects")
    assert r.status_code == 200, r.text
    found = r.json()["facet_results"]
    return {name: {str(v["value"]): v["count"] for v in f["results"]}
            for name, f in found.items()}


def count(ds, path: str) -> int:
    sep = "&" if "?" in path else "?"
    r = get(ds, f"{path}{sep}_shape=objects&_size=1")
    assert r.status_code == 200, r.text
    return r.json()["filtered_table_rows_count"]


def test_serve_descriptions_and_facets(ds):
    assert {"actor_name", "stance", "topics", "source", "year", "month"} <= set(
        facets(ds, "/pcnwatch/quotes.json"))
    html = get(ds, "/pcnwatch/quotes").text
    assert VIEWS["quotes"]["title"] in html
    assert VIEWS["quotes"]["description"].replace("'", "&#39;") in html
    # the column notes are there, folded away under the one-line description
    assert "What the columns mean" in html and VIEWS["quotes"]["columns"]["stance"] in html


@pytest.mark.parametrize(("view", "table"), [("quotes", "quotes"), ("actor_stances", "stances"),
                                             ("events", "events"), ("articles", "articles")])
def test_serve_topic_facet_counts_equal_query_for_every_topic(ds, sqlite_url, view, table):
    by_topic = facets(ds, f"/pcnwatch/{view}.json")["topics"]
    with Session(get_engine(sqlite_url)) as s:
        topics = known_topics(s)
        expected = {t: len(query_rows(s, table, Filters(topic=t))) for t in topics}
    assert {t: by_topic.get(t, 0) for t in topics} == expected
    assert sum(expected.values()) > count(ds, f"/pcnwatch/{view}.json")  # rows with 2 topics
    for topic, n in expected.items():  # and the filter a facet link applies agrees
        assert count(ds, f"/pcnwatch/{view}.json?topics__arraycontains={topic}") == n


def test_serve_date_facets_year_and_month(ds):
    found = facets(ds, "/pcnwatch/actor_stances.json")
    assert found["year"] == {"2023": 8}
    assert found["month"] == {"2023-03": 8}
    assert count(ds, "/pcnwatch/actor_stances.json?month=2023-03&stance=oppose") == 3


# Each row: a table or view, a search, and what it must find (by column).
@pytest.mark.parametrize(("path", "words", "column", "expected"), [
    ("article", "pharmacists", "url", {URL["later"]}),
    ("article", "online booking", "url", {URL["cut"]}),
    ("quote", "drowning", "text", {HOSTILE_QUOTE}),
    ("quotes", "drowning", "url", {URL["hostile"]}),
    ("actor_stances", "rota", "url", {URL["hostile"], CUED["url"]}),
    ("articles", "targets", "url", {URL["cut"], URL["copy"]}),
    # search syntax in the words is searched as text, not an error
    ("quotes", 'targets OR "', "url", set()),
])
def test_serve_search_narrows_tables_and_views(ds, path, words, column, expected):
    from urllib.parse import quote

    everything = count(ds, f"/pcnwatch/{path}.json")
    r = get(ds, f"/pcnwatch/{path}.json?_search={quote(words)}&_shape=objects&_size=max")
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert {row[column] for row in rows} == expected
    assert len(rows) < everything


def test_serve_search_combines_with_facets_and_filters(ds, sqlite_url):
    searched = facets(ds, "/pcnwatch/quotes.json?_search=targets")
    with Session(get_engine(sqlite_url)) as s:
        expected = query_rows(s, "quotes", Filters(search="targets"))
    assert sum(searched["stance"].values()) == len(expected) == 1
    assert facets(ds, "/pcnwatch/actor_stances.json?_search=rota")["stance"] == {"oppose": 2}
    both = "/pcnwatch/actor_stances.json?_search=rota&topics__arraycontains=access"
    assert count(ds, both) == 1  # the cued article only: the Kent one is not on access
    assert count(ds, "/pcnwatch/article.json?_search=networks&source=network-news") == 2


def test_serve_search_box_on_research_views(ds):
    for view in ("quotes", "actor_stances", "events", "headlines", "articles"):
        assert 'name="_search"' in get(ds, f"/pcnwatch/{view}").text, view


INTERNAL = ("alembic_version", "scheduler_lease", "job_run", "job_lock", "mention",
            "subscriber", "digest_send", "article_person", "article_topic", "source", "page",
            "analysis_claim")


def test_serve_hides_internal_tables(ds):
    tables = {t["name"]: t for t in get(ds, "/pcnwatch.json").json()["tables"]}
    for name in INTERNAL:
        assert tables[name]["hidden"], f"{name} is not hidden"
    assert not any(tables[name]["hidden"] for name in ("article", "quote", "actor"))
    home = get(ds, "/").text
    for name in INTERNAL:
        assert f'href="/pcnwatch/{name}"' not in home, f"{name} on the front page"


def test_serve_front_page_leads_with_research_views(ds):
    home = get(ds, "/").text
    links = re.findall(r'href="/pcnwatch/([a-z_]+)"', home)
    assert links[:6] == list(VIEWS), links
    assert home.index("Research views") < home.index("Raw tables")
    assert 'href="/-/stance"' in home and 'href="/headlines.xml"' in home
    assert 'type="application/atom+xml"' in home  # feed readers find the feed from the page
    # plain words: no jargon of our own documents
    for page in ["/", *(f"/pcnwatch/{v}" for v in VIEWS)]:
        assert "contract" not in get(ds, page).text.lower(), page


@pytest.mark.parametrize("view", ["quotes", "actor_stances", "events", "headlines", "articles"])
def test_serve_views_newest_first(ds, view):
    rows = get(ds, f"/pcnwatch/{view}.json?_shape=objects&_size=max").json()["rows"]
    dates = [r["published"] for r in rows]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 1


def test_serve_evidence_once_per_sentence_with_cues_marked(ds):
    html = get(ds, "/pcnwatch/actor_stances?actor_id=bma-gpc&published=2023-03-09").text
    cell = html.split('<td class="col-evidence')[1].split("</td>")[0]
    assert cell.count("<li>") == 1  # three copies of one sentence are one entry
    assert "<mark>too much</mark>" in cell and "<mark>too fast</mark>" in cell
    quotes = get(ds, "/pcnwatch/quotes?published=2023-03-09").text
    text = quotes.split('<td class="col-text')[1].split("</td>")[0]
    assert "<mark>sign up</mark>" in text  # the cue marked in the quote itself
    evidence = quotes.split('<td class="col-evidence')[1].split("</td>")[0]
    assert "the quote itself" in evidence and CUED_QUOTE not in evidence


def test_serve_evidence_marks_escape_hostile_text(ds):
    page = get(ds, "/pcnwatch/actor_stances?actor_id=lmc-kent").text
    assert "<b>drowning</b>" not in page and "&lt;b&gt;drowning&lt;/b&gt;" in page


def test_serve_stance_chart(ds):
    page = get(ds, "/-/stance?actor=bma&topic=pcn-targets")
    assert page.status_code == 200
    svg = page.text.split("<svg", 1)[1].split("</svg>")[0]
    # bma with bma-gpc on pcn-targets: the cut story has bma-gpc oppose, nothing else
    assert re.findall(r"<title>([^<]+)</title></rect>", svg) == ["2023-03: 1 oppose"]
    link = re.search(r'<a href="([^"]+)"><rect', svg).group(1).replace("&amp;", "&")
    assert count(ds, link.replace("/actor_stances?", "/actor_stances.json?")) == 1
    # without a body: all bodies together, then the six most heard one by one
    assert get(ds, "/-/stance").text.count("<svg") == 1 + 6
    unknown = get(ds, "/-/stance?actor=nobody&topic=pcn-targets").text
    assert "No stance is recorded for a body with the id &#39;nobody&#39;" in unknown


def test_serve_feeds_live_and_filtered(ds):
    feed = feedparser.parse(get(ds, "/headlines.xml?topic=workforce").text)
    assert not feed.bozo and feed.version == "atom10"
    assert {e.link for e in feed.entries} == {URL["hostile"], URL["earlier"], CUED["url"]}
    rss = get(ds, "/headlines.rss?actor=BMA&since=2023-03-08")
    assert rss.headers["content-type"].startswith("application/rss+xml")
    assert [e.link for e in feedparser.parse(rss.text).entries] == [URL["later"], CUED["url"]]
    bad = get(ds, "/headlines.json?topic=nope")
    assert bad.status_code == 400 and bad.text.startswith("unknown topic 'nope'")
    assert get(ds, "/headlines.json?since=yesterday").status_code == 400


def test_serve_escapes_hostile_text(ds):
    html = get(ds, "/pcnwatch/headlines").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    quote_page = get(ds, "/pcnwatch/quotes?actor_id=lmc-kent").text
    assert "<b>drowning</b>" not in quote_page


# Each row: canned query, its parameters, and a check on the rows.
@pytest.mark.parametrize(("query", "params", "check"), [
    ("stance_by_month", "actor=bma",
     lambda rows: {(r["month"], r["actor_id"], r["oppose"], r["support"]) for r in rows}
     == {("2023-03", "bma-gpc", 2, 0), ("2023-03", "bma", 0, 1)}),
    ("actor_quotes", "actor=lmcs",
     lambda rows: [r["text"] for r in rows] == [HOSTILE_QUOTE]),
])
def test_serve_canned_queries(ds, query, params, check):
    r = get(ds, f"/pcnwatch/{query}.json?{params}&_shape=objects")
    assert r.status_code == 200, r.text
    assert check(r.json()["rows"])


def test_serve_event_reactions(ds):
    entries = get(ds, "/pcnwatch/timeline.json?action=reduce&_shape=objects").json()["rows"]
    entry_id = entries[0]["entry_id"]
    rows = get(ds, f"/pcnwatch/event_reactions.json?entry_id={entry_id}&_shape=objects"
               ).json()["rows"]
    assert rows and all(r["entry_id"] == entry_id for r in rows)


def test_serve_is_read_only(ds, sqlite_url):
    r = get(ds, "/pcnwatch.json?sql=" + "DELETE FROM article")
    assert r.status_code in (400, 403)
    path = pds.sqlite_path(sqlite_url)
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM article").fetchone()[0] == 6
    assert "write" not in json.dumps(pds.metadata()["databases"]["pcnwatch"]["queries"])


def test_serve_refuses_missing_file(tmp_path):
    with pytest.raises(ServeError, match="SQLite only"):
        pds.sqlite_path("postgresql://u@127.0.0.1:5432/db")  # served through a snapshot
    with pytest.raises(ServeError, match="no database"):
        pds.sqlite_path(f"sqlite:///{tmp_path / 'absent.db'}")



def test_serve_one_click_unsubscribe(sqlite_url, tmp_path):
    import httpx

    from publish.mail import add_subscriber, list_subscribers

    build_newsroom(sqlite_url)
    engine = get_engine(sqlite_url)
    sub = add_subscriber(engine, "pm@surgery.test")
    asgi = pds.asgi_app(sqlite_url, pages_dir=tmp_path)

    async def talk():
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            shown = await client.get(f"/unsubscribe?token={sub.token}")
            still = list_subscribers(engine)
            posted = await client.post(f"/unsubscribe?token={sub.token}",
                                       content="List-Unsubscribe=One-Click",
                                       headers={"content-type":
                                                "application/x-www-form-urlencoded"})
            bogus = await client.post("/unsubscribe?token=%3Cscript%3E")
            datasette = await client.get("/pcnwatch/headlines.json")
            return shown, still, posted, bogus, datasette

    shown, still, posted, bogus, datasette = asyncio.run(talk())
    # a GET (a link scanner) only shows the button
    assert shown.status_code == 200 and 'method="post"' in shown.text
    assert [s["email"] for s in still] == ["pm@surgery.test"]
    assert posted.status_code == 200 and "unsubscribed" in posted.text
    assert list_subscribers(engine) == []
    assert bogus.status_code == 404 and "<script>" not in bogus.text
    assert datasette.status_code == 200


def test_serve_hides_subscriber_addresses_and_tokens(ds, sqlite_url):
    from publish.mail import add_subscriber

    sub = add_subscriber(get_engine(sqlite_url), "pm@surgery.test", name="Pat",
                         topics=["workforce"])
    table = get(ds, "/pcnwatch/subscriber.json?_shape=objects").json()["rows"]
    assert [(r["email"], r["name"], r["token"], r["topics"]) for r in table] == [
        (None, None, None, '["workforce"]')]
    sql = get(ds, "/pcnwatch.json?_shape=objects&sql=" +
              "select email || token as leak from subscriber").json()["rows"]
    assert sql == [{"leak": None}]
    page = get(ds, "/pcnwatch/subscriber").text
    assert "pm@surgery.test" not in page and sub.token not in page


def test_serve_postgres_through_a_snapshot(store_url, tmp_path):
    """A database Datasette cannot read is served from a snapshot, under the same addresses."""
    build_newsroom(store_url)
    add_cued_article(store_url)
    snapshot = tmp_path / "research.db"
    served = pds.app(store_url, snapshot=snapshot)
    assert served._pcnwatch.snapshot and served._pcnwatch.path == snapshot
    with Session(get_engine(store_url)) as s:
        expected = len(query_rows(s, "quotes", Filters(topic="access")))
    assert facets(served, "/pcnwatch/quotes.json")["topics"]["access"] == expected
    assert count(served, "/pcnwatch/quotes.json?_search=drowning") == 1
    assert "Research views" in get(served, "/").text
    # the feeds read the database itself
    feed = feedparser.parse(get(served, "/headlines.xml").text)
    assert not feed.bozo and len(feed.entries) == 5
