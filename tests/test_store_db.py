"""The database: URLs, SQLite settings and migrations applied once, on both backends."""

import pytest
import sqlalchemy as sa

from store import BadDatabaseURL, get_engine
from store.db import current_revision, database_url, dispose_engines, head_revision, upgrade

TABLES = {"article", "actor", "person", "mention", "quote", "actor_stance", "policy_event",
          "timeline_entry", "reaction", "story", "source", "job_run", "subscriber",
          "digest_send", "scheduler_lease", "article_person", "article_topic", "page"}


def test_get_engine_creates_the_schema_by_migration(fresh_store):
    names = set(sa.inspect(fresh_store).get_table_names())
    assert names >= TABLES
    assert "alembic_version" in names
    assert current_revision(fresh_store) == head_revision()


def test_upgrade_is_idempotent(store_url):
    engine = get_engine(store_url)
    dispose_engines()
    again = get_engine(store_url)  # a second process start: nothing to do, nothing breaks
    assert upgrade(again) == head_revision()
    assert set(sa.inspect(again).get_table_names()) >= TABLES
    engine.dispose()


def test_sqlite_uses_wal_foreign_keys_and_busy_timeout(sqlite_url):
    engine = get_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_enforces_foreign_keys(sqlite_url):
    engine = get_engine(sqlite_url)
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.exec_driver_sql("INSERT INTO quote (article_id, text, evidence, pipeline_version) "
                             "VALUES (999, 'x', '[]', 'v')")


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),  # steer to the driver we install
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),    # Heroku-style scheme
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_normalises_postgres_schemes(url, expected):
    assert database_url(url) == expected


def test_database_url_defaults_to_sqlite_file_in_working_directory(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///pcnwatch.db"


@pytest.mark.parametrize("url, message", [
    ("nosuchdb://x", "is not a database URL"),
    ("not a url at all", "is not a database URL"),
    ("postgresql://nobody:secret@127.0.0.1:1/none", "cannot connect"),
    ("sqlite:////nonexistent-dir/sub/x.db", "cannot connect"),
])
def test_get_engine_bad_url_is_one_clear_error(url, message):
    with pytest.raises(BadDatabaseURL, match=message) as info:
        get_engine(url)
    assert "secret" not in str(info.value)  # passwords never reach messages


def test_upgrade_from_many_processes_at_once_on_a_new_sqlite_file(tmp_path):
    # The scheduler and a command often open a new database together: one must wait.
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    code = f"from store.db import get_engine; get_engine({url!r}); print('ok')"
    children = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [child.communicate(timeout=120) for child in children]
    assert [c.returncode for c in children] == [0] * 6, [err for _, err in results]
    assert current_revision(get_engine(url)) == head_revision()


def test_research_views_migration_goes_down_and_up(store_url):
    """0003 can be taken back (views of 0002, no cue columns) and applied again."""
    from alembic import command

    from store.db import _alembic_config

    engine = get_engine(store_url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("quote")}
    assert "cues" not in columns
    with engine.connect() as conn:
        assert "topic" in list(conn.execute(sa.text("SELECT * FROM quotes")).keys())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert {"topics", "year", "month", "cues"} <= set(
            conn.execute(sa.text("SELECT * FROM quotes")).keys())
