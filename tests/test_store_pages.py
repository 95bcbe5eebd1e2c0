"""The page table: one row per URL asked for, verdicts kept, failures backing off."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from store import BadQuery, get_engine, session_scope
from store.models import Article, Page
from store.pages import PageRecord, known_pages, record_page

URL = "https://news.example.org/a/"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WAITS = {"wait": 6 * HOUR, "backoff": HOUR, "backoff_max": 5 * HOUR}


def record(engine, at_hours, outcome, **fields):
    with session_scope(engine) as session:
        record_page(session, PageRecord(URL, "county-news", outcome,
                                        checked_at=T0 + at_hours * HOUR, **fields), **WAITS)
    with session_scope(engine) as session:
        return session.exec(select(Page).where(Page.url == URL)).one()


def test_page_failures_back_off_doubling_up_to_the_cap_and_reset_on_success(fresh_store):
    waits = []
    for n in range(5):
        row = record(fresh_store, n, "http-error", reason="http-503", status=503)
        waits.append((row.next_due_at - row.checked_at) / HOUR)
        assert row.failures == n + 1
    assert waits == [1, 2, 4, 5, 5]  # doubled each time, capped at backoff_max
    row = record(fresh_store, 10, "stored", article_url=URL, etag='"v1"', status=200)
    assert row.failures == 0 and row.next_due_at == T0 + 16 * HOUR  # the plain wait again
    assert (row.outcome, row.reason, row.status) == ("stored", None, 200)


def test_page_304_keeps_the_verdict_and_its_validators(fresh_store):
    record(fresh_store, 0, "off-topic", reason="off-topic", etag='"v1"',
           last_modified="Wed, 01 May 2024 08:00:00 GMT", content_hash="h" * 64)
    row = record(fresh_store, 3, None, status=304)
    assert (row.outcome, row.reason, row.content_hash) == ("off-topic", "off-topic", "h" * 64)
    assert (row.etag, row.last_modified) == ('"v1"', "Wed, 01 May 2024 08:00:00 GMT")
    assert row.first_seen_at == T0 and row.checked_at == T0 + 3 * HOUR
    assert row.next_due_at == T0 + 9 * HOUR


def test_page_rows_are_one_per_url_and_known_by_source(fresh_store):
    record(fresh_store, 0, "too-short", reason="too-short")
    record(fresh_store, 1, "stored", article_url=URL)
    with session_scope(fresh_store) as session:
        assert session.exec(sa.select(sa.func.count()).select_from(Page)).one()[0] == 1
        known = known_pages(session, "county-news")
        assert known_pages(session, "other-source") == {}
    assert known[URL].outcome == "stored" and not known[URL].failed


def test_page_a_kept_verdict_for_an_unknown_page_writes_nothing(fresh_store):
    with session_scope(fresh_store) as session:
        assert record_page(session, PageRecord(URL, "county-news", None), **WAITS) is None
        assert known_pages(session) == {}


def test_page_unknown_outcome_is_refused(fresh_store):
    with pytest.raises(BadQuery, match="unknown page outcome 'maybe'"), \
            session_scope(fresh_store) as session:
        record_page(session, PageRecord(URL, "county-news", "maybe"), **WAITS)


def test_page_migration_gives_stored_articles_a_row_due_at_once(store_url):
    # Articles stored before the page table get a row each (migration 0004_page_table).
    from alembic import command

    from store.db import _alembic_config

    engine = get_engine(store_url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    with session_scope(engine) as session:
        session.add(Article(url=URL, source="county-news", title="T", text="Body.",
                            content_hash="c" * 64, etag='"e"', fetched_at=T0))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with session_scope(engine) as session:
        row = session.exec(select(Page).where(Page.url == URL)).one()
    assert (row.outcome, row.article_url, row.etag, row.content_hash) == (
        "stored", URL, '"e"', "c" * 64)
    assert row.next_due_at == T0
