"""Full-text search over articles and quotes behaves the same on SQLite and PostgreSQL."""

from datetime import date

import pytest

from store import (
    ArticleRecord,
    BadQuery,
    search_articles,
    search_quotes,
    session_scope,
    upsert_article,
)
from store.analysis import ActorInfo, save_analysis

INFO = {"rcgp": ActorInfo("rcgp", "Royal College of GPs", "professional_body")}


def _store_two(engine):
    with session_scope(engine) as s:
        _, a = upsert_article(s, ArticleRecord(
            url="https://x.example/1", source="x", title="Care home visits delayed",
            text="Networks will not have to start weekly care home rounds until October."))
        upsert_article(s, ArticleRecord(
            url="https://x.example/2", source="x", title="Pension rules change",
            text="Consultants and GPs see new pension tax rules.", published=date(2020, 3, 1)))
        save_analysis(s, a, {"actors": [{"id": "rcgp", "name": "RCGP", "kind": "x"}],
                             "quotes": [{"text": "Workload is simply unmanageable for practices",
                                         "speaker": "Dr Jo Bloggs", "actor_id": "rcgp",
                                         "stance": "oppose", "confidence": 0.8}]}, "v1", INFO)


def test_search_articles_finds_words_in_title_and_body(fresh_store):
    _store_two(fresh_store)
    with session_scope(fresh_store) as s:
        assert [a.url for a in search_articles(s, "care homes")] == ["https://x.example/1"]
        assert [a.url for a in search_articles(s, "pension")] == ["https://x.example/2"]
        assert search_articles(s, "vaccination") == []


def test_search_quotes_finds_words_and_speakers(fresh_store):
    _store_two(fresh_store)
    with session_scope(fresh_store) as s:
        assert [q.speaker for q in search_quotes(s, "unmanageable workload")] == ["Dr Jo Bloggs"]
        assert [q.stance for q in search_quotes(s, "Bloggs")] == ["oppose"]


@pytest.mark.parametrize("text", [
    'care AND "homes',   # FTS operators and an unbalanced quote are read as plain words
    "care* OR -homes",
    "NEAR(care homes)",
])
def test_search_articles_treats_syntax_as_words(fresh_store, text):
    _store_two(fresh_store)
    with session_scope(fresh_store) as s:
        search_articles(s, text)  # must not raise a database error


def test_search_articles_refuses_empty_search(fresh_store):
    with session_scope(fresh_store) as s, pytest.raises(BadQuery, match="at least one word"):
        search_articles(s, "  ?! ")


def test_search_follows_updates_and_deletes(fresh_store):
    _store_two(fresh_store)
    with session_scope(fresh_store) as s:
        upsert_article(s, ArticleRecord(url="https://x.example/2", source="x",
                                        title="Pension rules change",
                                        text="Now about indemnity instead."))
    with session_scope(fresh_store) as s:
        assert search_articles(s, "consultants") == []
        assert [a.url for a in search_articles(s, "indemnity")] == ["https://x.example/2"]
