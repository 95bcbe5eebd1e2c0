"""Fixtures shared by the whole suite.

`store_url` runs a test once on SQLite and once on PostgreSQL. PostgreSQL
comes from PCNWATCH_TEST_POSTGRES_URL (`.ci/run` starts a server and sets
it); without it those runs skip and say why, except under CI, where a
missing server is a failure.
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.db import database_url, dispose_engines, get_engine

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
DEVSET = REPO.parent / "shared" / "devset"
POSTGRES_ENV = "PCNWATCH_TEST_POSTGRES_URL"


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    in_ci = os.environ.get("CI") == "true"
    if not url:
        if in_ci:
            pytest.fail(f"{POSTGRES_ENV} is not set under CI; .ci/run must start PostgreSQL")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (.ci/run does)")
    try:
        _reset_postgres(url)
    except sa.exc.OperationalError as exc:
        if in_ci:
            raise
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {exc.orig}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A database URL with an empty database: SQLite file, then PostgreSQL."""
    dispose_engines()
    url = f"sqlite:///{tmp_path / 'pcnwatch.db'}" if request.param == "sqlite" else _postgres_url()
    yield url
    dispose_engines()


@pytest.fixture
def fresh_store(store_url):
    """A migrated engine on an empty database (both backends)."""
    return get_engine(store_url)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database URL, for tests that are not about the backend."""
    dispose_engines()
    yield f"sqlite:///{tmp_path / 'pcnwatch.db'}"
    dispose_engines()


@pytest.fixture
def pcnwatch(tmp_path, sqlite_url):
    """Run the installed `pcnwatch` console script in a scratch directory, as a user would.

    Returns a function: `pcnwatch("query", "quotes", env={...}, input="...")` gives the
    CompletedProcess (text mode). DATABASE_URL defaults to an empty SQLite file.
    """
    import subprocess
    import sys

    script = Path(sys.executable).parent / "pcnwatch"

    def run(*args: str, env: dict | None = None, input: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "DATABASE_URL": sqlite_url, **(env or {})}
        return subprocess.run([str(script), *args], cwd=tmp_path, env=full_env, input=input,
                              capture_output=True, text=True, timeout=timeout)

    return run
