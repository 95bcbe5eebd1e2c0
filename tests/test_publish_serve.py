"""SQL views on both backends, and `pcnwatch serve` through Datasette's own test client."""

import asyncio
import json
import sqlite3

import pytest
from test_publish_queries import ARTICLES, HOSTILE_QUOTE, build_newsroom

from publish import datasette as pds
from publish.errors import ServeError
from publish.views import VIEWS, view_rows
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
    assert heads[URL["cut"]]["topic"] == "pcn-targets"
    gpc = next(q for q in quotes if q["actor_id"] == "bma-gpc")
    assert (gpc["actor_name"], gpc["stance"], gpc["url"]) == ("BMA GP Committee", "oppose",
                                                              URL["cut"])
    assert {r["action"] for r in timeline} >= {"reduce", "require"}


@pytest.fixture
def ds(sqlite_url, tmp_path):
    build_newsroom(sqlite_url)
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
    page = get(ds, "/pages/timeline.html")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_serve_descriptions_and_facets(ds):
    r = get(ds, "/pcnwatch/quotes.json?_extra=facet_results&_shape=objects")
    assert r.status_code == 200
    facets = r.json()["facet_results"]
    facet_names = set(facets.get("results", facets))
    assert {"actor_id", "stance", "topic", "source"} <= facet_names
    html = get(ds, "/pcnwatch/quotes").text
    assert VIEWS["quotes"]["description"] in html
    assert VIEWS["quotes"]["columns"]["stance"] in html


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
     == {("2023-03", "bma-gpc", 1, 0), ("2023-03", "bma", 0, 1)}),
    ("actor_quotes", "actor=lmcs",
     lambda rows: [r["text"] for r in rows] == [HOSTILE_QUOTE]),
    ("search", "q=online booking",
     lambda rows: [r["url"] for r in rows] == [URL["cut"]]),
    # FTS syntax in the words is searched as text, not an error
    ("search", "q=pharmacists OR \"",
     lambda rows: rows == []),
    ("quote_search", "q=drowning",
     lambda rows: [r["url"] for r in rows] == [URL["hostile"]]),
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
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM article").fetchone()[0] == 5
    assert "write" not in json.dumps(pds.metadata()["databases"]["pcnwatch"]["queries"])


def test_serve_refuses_postgres_and_missing_file(tmp_path):
    with pytest.raises(ServeError, match="SQLite only"):
        pds.sqlite_path("postgresql://u@127.0.0.1:5432/db")
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
