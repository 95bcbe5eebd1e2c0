"""Analysis throughput of `pcnwatch process` as a command, with one and with more workers.

    python bench/bench_scale.py [--articles 384] [--window 90] [--stored 10000]

1. `pcnwatch process --workers 1` and `--workers 2` on the same `--articles` stored
   articles (a copy of one SQLite database each), timed as commands from start to exit,
   model loading included: articles per second and their ratio (the goal on 2 cores is
   1.7 or more).
2. PostgreSQL: `pcnwatch process --workers 2` against `--stored` pending articles for
   `--window` seconds (then SIGTERM): articles per second, start-up included, and each
   worker's peak resident memory (VmHWM, read from /proc while it runs). Needs a server:
   PCNWATCH_BENCH_POSTGRES_URL, else PCNWATCH_TEST_POSTGRES_URL (`.ci/run` sets it); the
   bench works in its own database `pcnwatch_bench` on that server (dropped and made
   anew), never in the one the URL names. With neither set, it starts a throw-away
   server of its own from Debian's PostgreSQL (as `.ci/run` does), or, when PostgreSQL
   is not installed, says so in one line and skips.

Articles: the sample sites' texts (our own writing), in turn, each copy its own row.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from store.db import database_url, dispose_engines, get_engine  # noqa: E402
from store.models import Article, JobRun  # noqa: E402

PCNWATCH = Path(sys.executable).parent / "pcnwatch"
GOAL = 1.7


def texts() -> list[str]:
    paths = sorted((REPO / "crawler" / "samplesites" / "articles").glob("*/*.md"))
    found = [p.read_text(encoding="utf-8").split("+++", 2)[-1].strip() for p in paths]
    if not found:
        sys.exit("bench_scale: no sample articles found")
    return found


def store_pending(url: str, n: int) -> int:
    """`n` pending articles in the (migrated) database at `url`; returns their words."""
    pool = texts()
    rows = [{"url": f"https://bench.example/{i}", "source": "bench", "title": f"Article {i}",
             "text": pool[i % len(pool)], "content_hash": f"{i:064d}", "minhash": []}
            for i in range(n)]
    engine = get_engine(url)
    with engine.begin() as conn:
        for start in range(0, n, 1000):
            conn.execute(sa.insert(Article), [
                {**Article(**row).model_dump(exclude={"id"}), **row}
                for row in rows[start:start + 1000]])
    dispose_engines()
    return sum(len(r["text"].split()) for r in rows)


def analysed(url: str) -> int:
    engine = sa.create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Article)
                                .where(Article.analysed_version.is_not(None))).scalar()
    finally:
        engine.dispose()


def run_process(url: str, workers: int, *, window: float | None = None) -> tuple[float, list]:
    """Run `pcnwatch process --workers N`; (seconds, peak MB of each worker process)."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen([str(PCNWATCH), "process", "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, float] = {}
    while proc.poll() is None:
        for pid in [proc.pid, *children(proc.pid)]:
            peaks[pid] = max(peaks.get(pid, 0.0), vm_hwm_mb(pid))
        if window is not None and time.perf_counter() - started >= window:
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.5)
    _, err = proc.communicate(timeout=120)
    seconds = time.perf_counter() - started
    if window is None and proc.returncode != 0:
        sys.exit(f"bench_scale: pcnwatch process --workers {workers} failed: {err.strip()}")
    workers_peak = [mb for pid, mb in peaks.items() if pid != proc.pid] if workers > 1 \
        else [peaks.get(proc.pid, 0.0)]
    return seconds, workers_peak


def children(pid: int) -> list[int]:
    """The analysis workers `pid` started (not multiprocessing's resource tracker)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in found:
            try:
                cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                kids.append(kid)
    return kids


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of `pid` so far, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def commands(n: int) -> None:
    # The machine may be shared: the load before and after says how many cores were free.
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pcnwatch-bench-") as tmp:
        base = Path(tmp) / "base.db"
        words = store_pending(f"sqlite:///{base}", n)
        rates = {}
        for workers in (1, 2):
            db = Path(tmp) / f"w{workers}.db"
            shutil.copy(base, db)
            seconds, peaks = run_process(f"sqlite:///{db}", workers)
            done = analysed(f"sqlite:///{db}")
            if done != n:
                sys.exit(f"bench_scale: --workers {workers} analysed {done} of {n} articles")
            rates[workers] = n / seconds
            print(f"process --workers {workers} (command, SQLite): {n} articles "
                  f"({words} words) in {seconds:.1f} s = {rates[workers]:.2f} articles/s; "
                  f"peak memory per worker {', '.join(f'{mb:.0f}' for mb in peaks)} MB")
    ratio = rates[2] / rates[1]
    print(f"process --workers 2 / --workers 1: x{ratio:.2f} (goal on 2 cores: x{GOAL}; "
          f"{os.cpu_count()} cores here, load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} at the end)")


def postgres_server() -> str | None:
    return os.environ.get("PCNWATCH_BENCH_POSTGRES_URL") or \
        os.environ.get("PCNWATCH_TEST_POSTGRES_URL")


def bench_database(server: str) -> str:
    """A new empty database `pcnwatch_bench` on `server`; its URL."""
    url = sa.engine.make_url(database_url(server))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS pcnwatch_bench WITH (FORCE)"))
            conn.execute(sa.text("CREATE DATABASE pcnwatch_bench"))
    finally:
        admin.dispose()
    return url.set(database="pcnwatch_bench").render_as_string(hide_password=False)


@contextmanager
def own_postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL server on a free port of 127.0.0.1, stopped and removed on
    the way out; None when Debian's PostgreSQL is not installed. The server refuses to run
    as root, so as root it runs as the `postgres` user, as in `.ci/run`."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    as_root = os.geteuid() == 0
    if not initdb or (as_root and shutil.which("su") is None):
        yield None
        return
    bindir = Path(initdb[-1]).parent
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp(prefix="pcnwatch-bench-pg-"))
    data = tmp / "data"

    def run(*argv: str) -> None:
        cmd = [str(bindir / argv[0]), *argv[1:]]
        if as_root:
            cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    try:
        if as_root:
            shutil.chown(tmp, user="postgres")
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        run("pg_ctl", "-D", str(data), "-l", str(tmp / "server.log"), "-w", "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (OSError, LookupError, subprocess.CalledProcessError) as exc:
        print(f"process on PostgreSQL: could not start a server of its own: "
              f"{getattr(exc, 'stderr', None) or exc}".strip())
        shutil.rmtree(tmp, ignore_errors=True)
        yield None
        return
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run("pg_ctl", "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


def postgres(stored: int, window: float) -> None:
    server = postgres_server()
    if server:
        postgres_on(server, stored, window)
        return
    with own_postgres() as server:
        if server is None:
            print("process on PostgreSQL: skipped: PostgreSQL is not installed (apt-get "
                  "install postgresql, or set PCNWATCH_BENCH_POSTGRES_URL)")
            return
        postgres_on(server, stored, window)


def postgres_on(server: str, stored: int, window: float) -> None:
    url = bench_database(server)
    store_pending(url, stored)
    seconds, peaks = run_process(url, 2, window=window)
    done = analysed(url)
    engine = sa.create_engine(database_url(url))
    with engine.connect() as conn:
        status = conn.execute(sa.select(JobRun.status)).scalar()
    engine.dispose()
    print(f"process --workers 2 on PostgreSQL against {stored} stored articles: {done} "
          f"analysed in {seconds:.0f} s (then stopped, run {status}) = {done / seconds:.2f} "
          f"articles/s, start-up included; peak memory per worker "
          f"{', '.join(f'{mb:.0f}' for mb in peaks)} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=384)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=90.0)
    args = parser.parse_args()
    commands(args.articles)
    postgres(args.stored, args.window)


if __name__ == "__main__":
    main()
