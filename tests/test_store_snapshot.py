"""The read-only SQLite snapshot of the research tables, from SQLite and from PostgreSQL."""

import sqlite3
import threading

import pytest
from test_publish_queries import HOSTILE_QUOTE, build_newsroom

from publish.mail import add_subscriber
from store.db import get_engine
from store.errors import SnapshotError
from store.snapshot import LEFT_OUT, export_sqlite, is_snapshot, snapshot_tables


def rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_snapshot_carries_the_research_tables_and_views(store_url, tmp_path):
    build_newsroom(store_url)
    add_subscriber(get_engine(store_url), "pm@surgery.test", name="Pat")
    path = tmp_path / "research.db"
    counts = export_sqlite(path, store_url)
    assert set(counts) == set(snapshot_tables()) and not set(counts) & LEFT_OUT
    assert counts["article"] == 5 and counts["quote"] == 4
    assert is_snapshot(path)
    # the views are there, with every topic of an article
    assert rows(path, "SELECT topics FROM quotes WHERE text LIKE 'Trimming%'") == [
        ('["pcn-targets","access"]',)]
    # the full-text indexes were filled as the rows arrived
    assert rows(path, "SELECT q.text FROM quote_fts JOIN quote q ON q.id = quote_fts.rowid "
                      "WHERE quote_fts MATCH 'drowning'") == [(HOSTILE_QUOTE,)]
    # private and bookkeeping rows stay behind
    assert rows(path, "SELECT COUNT(*) FROM subscriber") == [(0,)]
    assert rows(path, "SELECT COUNT(*) FROM job_run") == [(0,)]
    assert not list(tmp_path.glob(".research.db*"))  # no work file left behind


def test_snapshot_refresh_is_seen_by_an_open_reader(sqlite_url, tmp_path):
    build_newsroom(sqlite_url)
    path = tmp_path / "research.db"
    export_sqlite(path, sqlite_url)
    # a reader that keeps its connection, as Datasette does, read-only
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    assert reader.execute("SELECT COUNT(*) FROM quote").fetchone() == (4,)
    with get_engine(sqlite_url).begin() as conn:
        conn.exec_driver_sql("DELETE FROM reaction")
        conn.exec_driver_sql("DELETE FROM quote WHERE speaker LIKE 'Dr Priya%'")
    done = threading.Event()
    threading.Thread(target=lambda: (export_sqlite(path, sqlite_url), done.set())).start()
    assert done.wait(30)
    assert reader.execute("SELECT COUNT(*) FROM quote").fetchone() == (3,)
    assert reader.execute("SELECT COUNT(*) FROM quote_fts WHERE quote_fts MATCH 'drowning'"
                          ).fetchone() == (0,)
    reader.close()


def test_snapshot_never_overwrites_another_file(sqlite_url, tmp_path):
    build_newsroom(sqlite_url)
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE note (text TEXT)")
        db.execute("INSERT INTO note VALUES ('keep me')")
    with pytest.raises(SnapshotError, match="not a pcnwatch snapshot"):
        export_sqlite(other, sqlite_url)
    assert rows(other, "SELECT text FROM note") == [("keep me",)]
    live = sqlite_url.removeprefix("sqlite:///")
    with pytest.raises(SnapshotError, match="the database itself"):
        export_sqlite(live, sqlite_url)
    with pytest.raises(SnapshotError, match="directory"):
        export_sqlite(tmp_path, sqlite_url)
