"""Research queries: filters, section 8 keys, every export format, clear errors; both backends.

`build_newsroom` (imported by the other publish tests) stores a small week of
invented news, written for these tests, through the real store functions.
"""

import csv
import io
import json
from datetime import UTC, date, datetime

import pyarrow.parquet as pq
import pytest
from sqlmodel import Session

from publish.errors import BadFilter, OutputRequired, UnknownActor, UnknownStance, UnknownTopic
from publish.queries import Filters, RegistryActors, export, query_rows, write_rows
from store.analysis import ActorInfo, save_analysis
from store.articles import ArticleRecord, upsert_article
from store.db import get_engine, session_scope

VERSION = "test-v1"
HOSTILE_TITLE = '<script>alert("pwned")</script> Kent LMC warns of "unsafe" rota & staffing'
HOSTILE_QUOTE = "Networks are <b>drowning</b> & nobody in Leeds is listening"

INFO = {
    "nhs-england": ActorInfo("nhs-england", "NHS England", "national_body"),
    "bma": ActorInfo("bma", "British Medical Association", "union"),
    "bma-gpc": ActorInfo("bma-gpc", "BMA GP Committee", "union", "bma"),
    "rcgp": ActorInfo("rcgp", "Royal College of GPs", "professional_body"),
    "lmcs": ActorInfo("lmcs", "Local medical committees", "lmc"),
    "lmc-kent": ActorInfo("lmc-kent", "Kent LMC", "lmc", "lmcs"),
    "pulse": ActorInfo("pulse", "Pulse", "media"),
}

# Invented articles: the week 2023-W10 runs from Monday 6 to Sunday 12 March 2023.
ARTICLES = [
    {
        "key": "cut", "url": "https://gp-bulletin.test/2023/03/targets-trimmed",
        "source": "gp-bulletin", "published": date(2023, 3, 7), "minhash": [7] * 16,
        "title": "Network targets trimmed for the coming year",
        "text": "Dr. Ada Lane said networks will have fewer targets to chase from April. "
                "The national body confirmed the cut on Tuesday.\n\n"
                "Practices must still offer online booking by the end of June.",
        "analysis": {
            "actors": [{"id": "nhs-england", "mentions": 3}, {"id": "bma-gpc", "mentions": 2},
                       {"id": "rcgp", "mentions": 1}, {"id": "pulse", "mentions": 1}],
            "quotes": [
                {"text": "This is a sensible easing that lets teams breathe", "speaker":
                 "A national director", "actor_id": "nhs-england", "stance": "support",
                 "confidence": 0.8},
                {"text": "Trimming a few targets does nothing for unfunded work",
                 "speaker": "Dr Sam Okoro", "actor_id": "bma-gpc", "stance": "oppose",
                 "confidence": 0.9},
                {"text": "Some relief, but the core problem of workload is untouched",
                 "speaker": "Royal College of GPs", "actor_id": "rcgp", "stance": "mixed",
                 "confidence": 0.7},
            ],
            "stances": [
                {"actor_id": "nhs-england", "stance": "support", "confidence": 0.8,
                 "evidence": ["a sensible easing"]},
                {"actor_id": "bma-gpc", "stance": "oppose", "confidence": 0.9,
                 "evidence": ["does nothing for unfunded work"]},
                {"actor_id": "rcgp", "stance": "mixed", "confidence": 0.7,
                 "evidence": ["Some relief, but"]},
                {"actor_id": "pulse", "stance": "neutral", "confidence": 0.5, "evidence": []},
            ],
            "events": [
                {"action": "reduce", "actor_id": "nhs-england",
                 "object": "PCN service specifications", "date": "2023-03-07",
                 "sentence": "The national body confirmed the cut on Tuesday."},
                {"action": "require", "actor_id": "nhs-england",
                 "object": "online booking in every practice", "date": "2023-06-30",
                 "sentence": "Practices must still offer online booking by the end of June."},
            ],
            "topics": ["pcn-targets", "access"],
        },
    },
    {
        # A copy of the story above on another site: same story, one headline.
        "key": "copy", "url": "https://network-news.test/targets-trimmed-copy",
        "source": "network-news", "published": date(2023, 3, 8), "minhash": [7] * 16,
        "title": "Fewer network targets next year, NHS England confirms",
        "text": "Networks will have fewer targets from April, the national body said.",
        "analysis": {
            "actors": [{"id": "nhs-england", "mentions": 1}],
            "stances": [{"actor_id": "nhs-england", "stance": "support", "confidence": 0.6,
                         "evidence": ["said"]}],
            "topics": ["pcn-targets"],
        },
    },
    {
        "key": "hostile", "url": "https://practice-matters.test/kent?a=1&b=2",
        "source": "practice-matters", "published": date(2023, 3, 10), "minhash": [3] * 16,
        "title": HOSTILE_TITLE,
        "text": "Kent LMC wrote to members on Friday. It said the new rota cannot be staffed.",
        "analysis": {
            "actors": [{"id": "lmc-kent", "mentions": 2}],
            "quotes": [{"text": HOSTILE_QUOTE, "speaker": "Dr Priya <i>Rao</i>",
                        "actor_id": "lmc-kent", "stance": "oppose", "confidence": 0.85}],
            "stances": [{"actor_id": "lmc-kent", "stance": "oppose", "confidence": 0.85,
                         "evidence": [HOSTILE_QUOTE]}],
            "topics": ["workforce"],
        },
    },
    {
        # The week before: its deadline still lies ahead in 2023-W10.
        "key": "earlier", "url": "https://gp-bulletin.test/2023/02/recruitment-deadline",
        "source": "gp-bulletin", "published": date(2023, 2, 20), "minhash": [5] * 16,
        "title": "Networks told to submit recruitment plans",
        "text": "Every network has to file its workforce plan by the end of April.",
        "analysis": {
            "actors": [{"id": "nhs-england", "mentions": 1}],
            "events": [{"action": "require", "actor_id": "nhs-england",
                        "object": "network workforce plans", "date": "2023-04-30",
                        "sentence": "Every network has to file its workforce plan."}],
            "topics": ["workforce"],
        },
    },
    {
        # After the week: in no 2023-W10 output.
        "key": "later", "url": "https://network-news.test/funding-boost",
        "source": "network-news", "published": date(2023, 3, 21), "minhash": [9] * 16,
        "title": "Extra money for network pharmacists",
        "text": "Networks get more money for pharmacists, the department said.",
        "analysis": {
            "actors": [{"id": "bma", "mentions": 1}],
            "stances": [{"actor_id": "bma", "stance": "support", "confidence": 0.6,
                         "evidence": ["welcome"]}],
            "events": [{"action": "fund", "actor_id": "nhs-england",
                        "object": "network pharmacists", "date": "2023-03-21",
                        "sentence": "Networks get more money."}],
            "topics": ["funding"],
        },
    },
]


def build_newsroom(url: str) -> dict[str, int]:
    """Store ARTICLES with their analysis in the database at `url`; article ids by key."""
    engine = get_engine(url)
    ids = {}
    with session_scope(engine) as s:
        for a in ARTICLES:
            fetched = datetime(a["published"].year, a["published"].month, a["published"].day,
                               9, 30, tzinfo=UTC)
            _, row = upsert_article(s, ArticleRecord(
                url=a["url"], source=a["source"], title=a["title"], text=a["text"],
                published=a["published"], minhash=a["minhash"], fetched_at=fetched))
            save_analysis(s, row, a["analysis"], VERSION, INFO)
            ids[a["key"]] = row.id
    return ids


@pytest.fixture
def newsroom(store_url):
    ids = build_newsroom(store_url)
    return store_url, ids


def rows(url: str, table: str, **filters) -> list[dict]:
    with Session(get_engine(url)) as s:
        return query_rows(s, table, Filters(**filters))


# -- contract keys -------------------------------------------------------------------------------

SECTION_8 = {
    "articles": {"url", "title", "published", "source", "text", "actors", "topics", "story"},
    "quotes": {"url", "text", "speaker", "actor_id", "stance", "confidence", "evidence"},
    "stances": {"url", "actor_id", "stance", "confidence", "evidence"},
    "events": {"url", "action", "actor_id", "object", "date", "sentence"},
}


@pytest.mark.parametrize("table", sorted(SECTION_8))
def test_query_rows_carry_section_8_keys(newsroom, table):
    url, _ = newsroom
    got = rows(url, table)
    assert got, f"no {table} rows"
    for r in got:
        assert SECTION_8[table] <= set(r), f"{table} row lacks {SECTION_8[table] - set(r)}"
        assert r["url"].startswith("https://")


def test_query_articles_share_story_between_copies_and_list_actors_topics(newsroom):
    url, _ = newsroom
    by_url = {r["url"]: r for r in rows(url, "articles")}
    cut = by_url["https://gp-bulletin.test/2023/03/targets-trimmed"]
    copy = by_url["https://network-news.test/targets-trimmed-copy"]
    assert cut["story"] == copy["story"]
    assert cut["story"] != by_url["https://network-news.test/funding-boost"]["story"]
    assert cut["actors"][0] == "nhs-england" and "bma-gpc" in cut["actors"]
    assert cut["topics"] == ["pcn-targets", "access"]
    assert [r["published"] for r in rows(url, "articles")] == sorted(
        (r["published"] for r in rows(url, "articles")), reverse=True)


# Each row: filters, table, and the URLs (by article key) that must come back.
FILTER_CASES = [
    # a parent id includes its children: bma finds the GP Committee's quote and the bma stance
    ({"actor": "bma"}, "quotes", {"cut"}),
    ({"actor": "bma"}, "stances", {"cut", "later"}),
    # the LMC family: lmcs covers lmc-kent
    ({"actor": "lmcs"}, "stances", {"hostile"}),
    # a child alone does not pull in its parent
    ({"actor": "bma-gpc"}, "stances", {"cut"}),
    ({"stance": "oppose"}, "quotes", {"cut", "hostile"}),
    ({"stance": "mixed"}, "stances", {"cut"}),
    # articles with a given stance by a given actor family
    ({"stance": "support", "actor": "bma"}, "articles", {"later"}),
    ({"topic": "workforce"}, "events", {"earlier"}),
    ({"topic": "pcn-targets"}, "articles", {"cut", "copy"}),
    ({"since": date(2023, 3, 8), "until": date(2023, 3, 10)}, "articles", {"copy", "hostile"}),
    ({"source": "network-news"}, "events", {"later"}),
    # full text: words anywhere in the article (events) or in the quote (quotes)
    ({"search": "online booking"}, "events", {"cut"}),
    ({"search": "drowning"}, "quotes", {"hostile"}),
    ({"search": "pharmacists"}, "articles", {"later"}),
    ({"actor": "rcgp", "since": date(2023, 3, 8)}, "quotes", set()),
]


@pytest.mark.parametrize(("filters", "table", "keys"), FILTER_CASES)
def test_query_rows_filters(newsroom, filters, table, keys):
    url, _ = newsroom
    urls = {a["key"]: a["url"] for a in ARTICLES}
    assert {r["url"] for r in rows(url, table, **filters)} == {urls[k] for k in keys}


def test_query_rows_limit(newsroom):
    url, _ = newsroom
    assert len(rows(url, "articles", limit=2)) == 2


@pytest.mark.parametrize(("filters", "error", "names"), [
    # a miss suggests the three closest, so the user can correct it (not all ~100 ids)
    ({"actor": "bmaa"}, UnknownActor, ["bma (British Medical Association)", "bma-gpc"]),
    ({"topic": "pcn-target"}, UnknownTopic, ["pcn-targets"]),
    ({"stance": "against"}, UnknownStance, ["support", "oppose", "mixed", "neutral"]),
])
def test_query_rows_unknown_values_suggest_known_ones(newsroom, filters, error, names):
    url, _ = newsroom
    with pytest.raises(error) as info:
        rows(url, "quotes", **filters)
    for name in names:
        assert name in str(info.value)
    assert isinstance(info.value, ValueError)


def test_query_rows_unknown_actor_suggests_at_most_three(newsroom):
    url, _ = newsroom
    with pytest.raises(UnknownActor) as info:
        rows(url, "quotes", actor="lmc-kenr")
    closest = str(info.value).split("closest: ")[1].split(", ")
    assert closest[0].startswith("lmc-kent") and len(closest) <= 3


REGISTRY = RegistryActors({"rcgp": None, "bma": None, "bma-gpc": "bma", "kings-fund": None},
                          {"rcgp": ["Royal College of General Practitioners",
                                    "Royal College of GPs", "RCGP"],
                           "bma": ["British Medical Association", "BMA"],
                           "kings-fund": ["The King's Fund", "King's Fund"]})


# What a researcher types, and the rows it must find (by article key).
@pytest.mark.parametrize(("actor", "keys"), [
    ("BMA", {"cut", "later"}),                      # an id in upper case, children included
    ("Royal College of GPs", {"cut"}),              # an alias of the registry
    ("royal college of general practitioners", {"cut"}),  # its name, in any case
    ("BMA GP Committee", {"cut"}),                  # the name stored in the actor table
    ("Kent LMC", {"hostile"}),                      # a family actor named by an article
    ("kings fund", set()),                          # apostrophe and "the" do not matter
])
def test_query_rows_actor_by_name_or_alias_in_any_case(newsroom, actor, keys):
    url, _ = newsroom
    urls = {a["key"]: a["url"] for a in ARTICLES}
    with Session(get_engine(url)) as s:
        got = query_rows(s, "stances", Filters(actor=actor), extra_actors=REGISTRY)
    assert {r["url"] for r in got} == {urls[k] for k in keys}


@pytest.mark.parametrize("topic", ["Workforce", "WORKFORCE", "workforce ", "Pcn Targets"])
def test_query_rows_topic_in_any_case(newsroom, topic):
    url, _ = newsroom
    expected = rows(url, "articles", topic=topic.strip().lower().replace(" ", "-"))
    assert expected and rows(url, "articles", topic=topic) == expected


def test_query_rows_registry_actor_without_rows_is_known(newsroom):
    url, _ = newsroom
    with Session(get_engine(url)) as s:
        assert query_rows(s, "quotes", Filters(actor="kings-fund"),
                          extra_actors={"kings-fund": None}) == []


def test_query_rows_stance_on_events_is_refused(newsroom):
    url, _ = newsroom
    with pytest.raises(BadFilter, match="events"):
        rows(url, "events", stance="oppose")


# -- formats -------------------------------------------------------------------------------------


def test_export_jsonl_and_json_and_csv_agree(newsroom):
    url, _ = newsroom
    streams = {}
    for fmt in ("jsonl", "json", "csv"):
        streams[fmt] = io.StringIO()
        export("quotes", Filters(), fmt, stream=streams[fmt], database_url=url)
    jsonl = [json.loads(line) for line in streams["jsonl"].getvalue().splitlines()]
    as_json = json.loads(streams["json"].getvalue())
    as_csv = list(csv.DictReader(io.StringIO(streams["csv"].getvalue())))
    assert jsonl == as_json
    assert [r["text"] for r in as_csv] == [r["text"] for r in jsonl]
    assert HOSTILE_QUOTE in {r["text"] for r in jsonl}
    assert json.loads(as_csv[0]["evidence"]) == jsonl[0]["evidence"]
    assert all(r["published"] is None or len(r["published"]) == 10 for r in jsonl)


def test_export_parquet_reads_back(newsroom, tmp_path):
    url, _ = newsroom
    path = tmp_path / "stances.parquet"
    n = export("stances", Filters(), "parquet", output=path, database_url=url)
    table = pq.read_table(path).to_pylist()
    assert len(table) == n == len(rows(url, "stances"))
    assert {"url", "actor_id", "stance", "confidence", "evidence"} <= set(table[0])


def test_export_parquet_needs_output(newsroom):
    url, _ = newsroom
    with pytest.raises(OutputRequired):
        export("stances", Filters(), "parquet", stream=io.StringIO(), database_url=url)


def test_write_rows_table_shows_rows(newsroom):
    url, _ = newsroom
    buf = io.StringIO()
    write_rows(rows(url, "events"), "table", stream=buf, table="events")
    assert "online booking" in buf.getvalue() and "require" in buf.getvalue()


@pytest.mark.parametrize("table", sorted(SECTION_8))
def test_query_rows_keys_match_declared_keys(newsroom, table):
    from publish.queries import ROW_KEYS

    assert tuple(rows(newsroom[0], table)[0]) == ROW_KEYS[table]


def test_export_empty_result_still_names_columns(newsroom, tmp_path):
    url, _ = newsroom
    path = tmp_path / "none.parquet"
    assert export("quotes", Filters(search="zebra"), "parquet", output=path,
                  database_url=url) == 0
    assert pq.read_table(path).column_names[:6] == [
        "url", "text", "speaker", "actor_id", "stance", "confidence"]
    buf = io.StringIO()
    export("events", Filters(search="zebra"), "csv", stream=buf, database_url=url)
    assert buf.getvalue().splitlines()[0].startswith("url,action,actor_id,object,date")


def test_export_csv_with_bom_opens_as_utf8_in_excel(newsroom, tmp_path):
    url, _ = newsroom
    path = tmp_path / "quotes.csv"
    export("quotes", Filters(), "csv", output=path, database_url=url, bom=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark, once
    assert not raw[3:].startswith(b"\xef\xbb\xbf")
    as_csv = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert HOSTILE_QUOTE in {r["text"] for r in as_csv}
    plain = tmp_path / "plain.csv"
    export("quotes", Filters(), "csv", output=plain, database_url=url)
    assert plain.read_bytes() == raw[3:]


def test_export_bom_is_for_csv_only(newsroom):
    url, _ = newsroom
    with pytest.raises(BadFilter, match="csv"):
        export("quotes", Filters(), "json", stream=io.StringIO(), database_url=url, bom=True)
