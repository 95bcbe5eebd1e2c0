"""Per-job locks: no two processes run the same job on one database at once.

    with job_lock(engine, "crawl"):
        ...  # JobLocked if another live process runs "crawl" now

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection kept
open for the length of the job. The server drops it when that connection ends, so
a process that dies, however it dies, leaves no lock behind.

SQLite has no lock that outlives a transaction, so a row of `job_lock` stands for
one. Its holder names a process as `host:pid:start` (`start`: when the process
started, so a pid reused by another program is not taken for the holder); a row
whose process is gone is taken over. SQLite lives on one machine, so the holder
is always on this host. On both backends the row says who holds the job, for the
message of `JobLocked`.

The lock is re-entrant within a thread: the scheduler takes it around a job, and
the job takes it again inside without waiting for itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.errors import JobLocked
from store.models import JobLock, utcnow

_held: dict[tuple[str, str], list] = {}  # (database, job) -> [owner thread id, depth]
_held_guard = threading.Lock()


# -- processes -----------------------------------------------------------------------------------


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), from /proc; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and brackets: count from its end.
    return stat.rsplit(")", 1)[1].split()[19]


def process_identity(pid: int | None = None) -> str:
    """`host:pid:start` of this process (or of `pid`), stable for its whole life."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}"


def process_alive(identity: str) -> bool:
    """False only when `identity` names a process of this host that has ended.

    A process of another host cannot be seen from here, so it counts as alive.
    """
    host, _, rest = identity.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not start or _start_ticks(pid) in (None, start)


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Have the kernel SIGKILL this process when the thread that started it ends, however
    it ends (Linux's parent-death signal); False where there is no such thing.

    What keeps a job's children (a crawl, spaCy's workers) from outliving it. Written by
    hand: no library we use offers it.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError):
        return False


# -- locks ---------------------------------------------------------------------------------------


def _advisory_key(job: str) -> int:
    digest = hashlib.sha256(f"pcnwatch-job:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _reenter(key: tuple[str, str]) -> bool:
    """True if this thread already holds `key` (and counts one more hold)."""
    with _held_guard:
        held = _held.get(key)
        if held is None:
            return False
        if held[0] != threading.get_ident():
            raise JobLocked(f"{key[1]} is already running in this process")
        held[1] += 1
        return True


def _leave(key: tuple[str, str]) -> bool:
    """Count one hold of `key` less; True when that was the last."""
    with _held_guard:
        held = _held[key]
        held[1] -= 1
        if held[1] == 0:
            del _held[key]
            return True
        return False


@contextmanager
def job_lock(engine: Engine, job: str) -> Iterator[None]:
    """Hold the lock of `job` on `engine`'s database for the block; JobLocked if taken."""
    key = (str(engine.url), job)
    if _reenter(key):
        try:
            yield
        finally:
            _leave(key)
        return
    me = process_identity()
    release = _lock_postgres(engine, job, me) if engine.dialect.name == "postgresql" \
        else _lock_row(engine, job, me)
    with _held_guard:
        _held[key] = [threading.get_ident(), 1]
    try:
        yield
    finally:
        if _leave(key):
            release()


def lock_holder(engine: Engine, job: str) -> JobLock | None:
    """The `job_lock` row of `job`: who runs it now (or ran it and died, on SQLite)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(JobLock.holder, JobLock.acquired_at)
                           .where(JobLock.job == job)).first()
    return JobLock(job=job, holder=row.holder, acquired_at=row.acquired_at) if row else None


def _busy(engine: Engine, job: str) -> JobLocked:
    held = lock_holder(engine, job)
    who = f"process {held.holder.rstrip(':')} since " \
          f"{held.acquired_at.isoformat(timespec='seconds')}" if held else "another process"
    return JobLocked(f"{job} is already running ({who}); it was not started again")


def _write_holder(engine: Engine, job: str, me: str) -> None:
    table = JobLock.__table__
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.job == job))
        conn.execute(table.insert().values(job=job, holder=me, acquired_at=utcnow()))


def _lock_postgres(engine: Engine, job: str, me: str):
    key = _advisory_key(job)
    conn = engine.connect()
    try:
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        conn.commit()  # the lock belongs to the session, not to this transaction
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        raise _busy(engine, job)
    try:
        _write_holder(engine, job, me)
    except BaseException:
        _unlock_postgres(conn, key)
        raise

    def release() -> None:
        table = JobLock.__table__
        try:
            with engine.begin() as c:
                c.execute(table.delete().where(table.c.job == job, table.c.holder == me))
        finally:
            _unlock_postgres(conn, key)

    return release


def _unlock_postgres(conn, key: int) -> None:
    try:
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.commit()
    except sa.exc.SQLAlchemyError:
        conn.invalidate()  # a connection that cannot unlock must not go back to the pool
    finally:
        conn.close()


def _lock_row(engine: Engine, job: str, me: str):
    table = JobLock.__table__
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(table.c.holder).where(table.c.job == job)).first()
            if row is None:
                conn.execute(table.insert().values(job=job, holder=me, acquired_at=utcnow()))
            elif process_alive(row.holder):
                raise _busy(engine, job)
            else:
                # Its holder died without letting go: only one taker's UPDATE matches.
                taken = conn.execute(table.update()
                                     .where(table.c.job == job, table.c.holder == row.holder)
                                     .values(holder=me, acquired_at=utcnow())).rowcount
                if taken != 1:
                    raise _busy(engine, job)
    except sa.exc.IntegrityError:
        raise _busy(engine, job) from None  # another process inserted the row first

    def release() -> None:
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.job == job, table.c.holder == me))

    return release
