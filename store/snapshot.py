"""A read-only SQLite snapshot of the research tables, for Datasette on any database.

Datasette reads SQLite only, so a deployment on PostgreSQL publishes its research
tables as a SQLite file: `export_sqlite` builds a new SQLite database with the
same migrations (so it has the research views and the full-text indexes, which its
triggers fill as rows arrive), copies the research tables into it, and then copies
that file over the snapshot with SQLite's backup API. A Datasette that has the old
snapshot open sees the new one as a single change, never a half-written file.

Left out: subscribers and digest deliveries (private), job runs, job locks and the
scheduler lease (bookkeeping), and the sources' crawl settings. A snapshot is
marked with its own SQLite application id, and an existing file without that mark
is never overwritten, so a slip of the path cannot replace a live database.
"""

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers every table on SQLModel.metadata)
from store.db import get_engine, upgrade
from store.errors import SnapshotError

log = logging.getLogger(__name__)

LEFT_OUT = frozenset({"subscriber", "digest_send", "job_run", "scheduler_lease", "job_lock",
                      "source", "page", "analysis_claim"})
# "pcnw" in ASCII: what `PRAGMA application_id` says in every snapshot file.
APPLICATION_ID = 0x70636E77
_CHUNK = 1000


def snapshot_tables() -> list[str]:
    """The tables a snapshot carries, parents before children."""
    return [t.name for t in SQLModel.metadata.sorted_tables if t.name not in LEFT_OUT]


def is_snapshot(path: Path) -> bool:
    """Whether `path` is a SQLite file written by `export_sqlite`."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    except sqlite3.Error:
        return False


def _check_target(target: Path, source: sa.engine.Engine) -> None:
    if source.dialect.name == "sqlite" and source.url.database and \
            Path(source.url.database).resolve() == target:
        raise SnapshotError(f"{target} is the database itself; give another file for the "
                            "snapshot")
    if target.is_dir():
        raise SnapshotError(f"{target} is a directory; give a file name for the snapshot")
    if target.exists() and target.stat().st_size and not is_snapshot(target):
        raise SnapshotError(f"{target} exists and is not a pcnwatch snapshot; it is left "
                            "alone: give a new file name or remove it")


def export_sqlite(path: str | Path, database_url: str | None = None) -> dict[str, int]:
    """Write the research tables of the database to the SQLite file `path`; rows by table."""
    source = get_engine(database_url)
    target = Path(path).resolve()
    _check_target(target, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.{os.getpid()}.building")
    building.unlink(missing_ok=True)
    try:
        counts = _build(building, source)
        _publish(building, target)
    finally:
        building.unlink(missing_ok=True)
        Path(f"{building}.migrate-lock").unlink(missing_ok=True)  # left by upgrade()
    log.info("snapshot %s: %s rows", target, sum(counts.values()))
    return counts


def _build(path: Path, source: sa.engine.Engine) -> dict[str, int]:
    # A plain engine, not get_engine's: no WAL (a snapshot is one file), and foreign keys
    # stay off, as rows arrive table by table (an actor may come before its parent).
    dest = sa.create_engine(f"sqlite:///{path}")
    try:
        upgrade(dest)
        counts: dict[str, int] = {}
        tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
        with source.connect() as src, dest.begin() as out:
            for name in snapshot_tables():
                table = tables[name]
                order = list(table.primary_key.columns)
                result = src.execution_options(yield_per=_CHUNK).execute(
                    sa.select(table).order_by(*order))
                counts[name] = 0
                for rows in result.partitions(_CHUNK):
                    out.execute(table.insert(), [dict(r._mapping) for r in rows])
                    counts[name] += len(rows)
            out.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    finally:
        dest.dispose()
    return counts


def _publish(building: Path, target: Path) -> None:
    """Copy the new snapshot over the old one in one step that readers never see half done."""
    with closing(sqlite3.connect(building)) as new, \
            closing(sqlite3.connect(target, timeout=30)) as old:
        new.backup(old)
