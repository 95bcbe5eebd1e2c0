"""Faults in the process tree and between processes: real processes, real signals.

Each test is a row of issue 15's table, and README's "Reliability" section:

1. the active scheduler is SIGKILLed while it crawls;
2. the lease holder is paused (SIGSTOP) past its lease, then resumed;
3. two `pcnwatch schedule --once` run at once (PostgreSQL): each job once, but `process`,
   whose workers share the articles by claims (issue 14), may run in both;
11. Ctrl-C (or SIGTERM) comes during `pcnwatch crawl`.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import _postgres_url
from crawler_fixtures import alive, children, crawl_child
from fault_web import fault_site
from sqlmodel import func, select
from test_scheduler import lease, runs, start, stop, wait_for, write_config

from crawler.samplesites import serve
from store.db import dispose_engines, get_engine, session_scope
from store.models import Article, JobLock

REPO = Path(__file__).resolve().parent.parent
PCNWATCH = Path(sys.executable).parent / "pcnwatch"


def articles(url: str) -> int:
    with session_scope(get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(Article)).one()


def overlapping(done: list) -> list[tuple]:
    """Pairs of finished runs of one job whose times overlap."""
    done = sorted((r for r in done if r.finished_at), key=lambda r: r.started_at)
    return [(a.id, b.id) for a, b in zip(done, done[1:], strict=False)
            if b.started_at < a.finished_at]


# -- 1: SIGKILL the active scheduler while it crawls ---------------------------------------------


def test_scheduler_killed_mid_crawl_takes_its_crawl_child_with_it(store_url, tmp_path):
    with fault_site(items=80, page_delay=0.3) as site:
        sources = site.write_sources(tmp_path / "sources.toml")
        cfg = write_config(tmp_path / "s.toml", jobs=["crawl"], sources_file=str(sources),
                           crawl_intervals={"fault-news": 0.001}, lease_seconds=2,
                           standby_poll_seconds=0.2)
        first = start(store_url, cfg, tmp_path / "first.log")
        second = None
        try:
            child = wait_for(lambda: crawl_child(first.pid), what="the crawl child")
            wait_for(lambda: articles(store_url) >= 2, what="two articles stored")
            time.sleep(5.5)  # the run saves its counts every 5 s as it goes
            second = start(store_url, cfg, tmp_path / "second.log")
            wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text(),
                     what="the standby")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            wait_for(lambda: not alive(child), timeout=5, what="the crawl child to die with it")
            gone = datetime.now(UTC)
            # The standby takes over and crawls: after the first crawl ended, never beside it.
            wait_for(lambda: len(runs(store_url, "crawl")) >= 2, what="the standby's crawl")
        finally:
            for proc in (first, second):
                if proc is not None:
                    stop(proc)
    killed, *later = runs(store_url, "crawl")
    # What a killed job leaves behind: its record, closed by the next run, with the
    # counts it saved as it went; every article it stored is kept.
    assert killed.status == "killed" and str(first.pid) in killed.error
    assert 0 < killed.counts["totals"]["new"] <= articles(store_url)
    assert later and all(r.started_at >= gone for r in later)


# -- 2: the lease holder paused past its lease ---------------------------------------------------


def _unanalysed_articles(url: str, n: int) -> None:
    with session_scope(get_engine(url)) as s:
        for i in range(n):
            s.add(Article(url=f"https://paused.example/{i}", source="t", title=f"Networks {i}",
                          text=f"Report {i}. {ANALYSE_ME}", content_hash=f"{i:064d}"))


def _analysed_articles(url: str) -> int:
    with session_scope(get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(Article)
                      .where(Article.analysed_version.is_not(None))).one()


ANALYSE_ME = ("NHS England has cut the number of network targets from five to two. Dr Jane "
              "Holloway, chair of the BMA's GP committee, said: \"These targets were never "
              "deliverable and practices are exhausted by the workload.\"")


def _holds_job(url: str, proc: subprocess.Popen, job: str) -> bool:
    """Whether `proc` holds the lock of `job` (it is running that job now)."""
    with session_scope(get_engine(url)) as s:
        row = s.get(JobLock, job)
        return row is not None and f":{proc.pid}:" in row.holder


def _pause_between_writes(proc: subprocess.Popen, url: str, *, outside: str) -> None:
    """SIGSTOP `proc` at a moment it is not running the job `outside`. On SQLite also only
    at a moment it is not writing: SQLite has one writer, and a process frozen in the
    middle of a write holds the whole file until it wakes, so no standby could take over
    from it (README, Reliability). PostgreSQL ends such a transaction itself, and is paused
    anywhere. A job frozen in flight keeps its lock, rightly (it is still running), so a
    pause meant to fall between two jobs' runs must miss that job."""
    import sqlite3

    from sqlalchemy.engine import make_url

    for _ in range(200):
        proc.send_signal(signal.SIGSTOP)
        if url.startswith("sqlite"):
            con = sqlite3.connect(make_url(url).database, timeout=0.1)
            try:
                con.execute("BEGIN IMMEDIATE")  # would wait for a writer; none is frozen
                con.rollback()
                writing = False
            except sqlite3.OperationalError:
                writing = True
            finally:
                con.close()
        else:
            writing = False
        if not writing and not _holds_job(url, proc, outside):
            return
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError(f"the scheduler never paused outside a write and its {outside} job")


def test_scheduler_paused_past_its_lease_starts_nothing_when_it_wakes(store_url, tmp_path,
                                                                     monkeypatch):
    # The paused scheduler's claims on its batch run out as soon as its lease does.
    monkeypatch.setenv("PCNWATCH_CLAIM_LEASE_SECONDS", "2")
    _unanalysed_articles(store_url, 40)
    cfg = write_config(tmp_path / "s.toml", jobs=["process", "timeline"],
                       process_interval_minutes=0.01, timeline_interval_minutes=0.01,
                       lease_seconds=2, standby_poll_seconds=0.2)
    first = start(store_url, cfg, tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: runs(store_url, "process"), what="the first scheduler's process run")
        second = start(store_url, cfg, tmp_path / "second.log")
        wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text(),
                 what="the standby")
        # Paused in the middle of `process`, or between runs, never in the timeline: after
        # it, its job chain would run the timeline, which the new holder must run instead.
        _pause_between_writes(first, store_url, outside="timeline")
        paused = datetime.now(UTC)
        wait_for(lambda: lease(store_url) and f":{second.pid}:" in lease(store_url).holder,
                 what="the standby to take the lease")
        # A deadline, not a measure: the new holder loads spaCy and analyses the batch the
        # paused one held before its timeline runs. The whole test takes 8 s on an idle host.
        wait_for(lambda: any(r.started_at > paused for r in runs(store_url, "timeline")),
                 timeout=120, what="the new holder's runs")
        first.send_signal(signal.SIGCONT)
        # It finishes the job in flight, starts nothing more, and stops by itself.
        assert first.wait(timeout=240) == 0
    finally:
        for proc in (first, second):
            if proc is not None:
                proc.send_signal(signal.SIGCONT)
                stop(proc)
    done = runs(store_url)
    stale = [(r.job, r.id) for r in done if r.counts["pid"] == first.pid
             and r.started_at > paused]
    assert stale == [], "the paused scheduler started jobs after it lost the lease"
    assert overlapping([r for r in done if r.job == "timeline"]) == [], "timeline ran twice"
    # process runs side by side by design (claims): no article was analysed twice, though
    # the paused one held a batch (and, paused mid-save, the database) when it stopped.
    analysed = sum(r.counts.get("analysed", 0) for r in done if r.job == "process")
    assert analysed == _analysed_articles(store_url)
    assert "lost the lease" in (tmp_path / "first.log").read_text()


# -- 3: two `schedule --once` at once ------------------------------------------------------------


@pytest.fixture
def postgres_url():
    dispose_engines()
    yield _postgres_url()
    dispose_engines()


def test_two_schedule_once_at_once_run_each_job_once_and_report_their_own(postgres_url,
                                                                          tmp_path):
    with serve() as web:
        sources = web.write_sources(tmp_path / "sources.toml", include_trouble=False)
        cfg = write_config(tmp_path / "s.toml", sources_file=str(sources))
        env = {**os.environ, "DATABASE_URL": postgres_url, "PCNWATCH_SMTP_PORT": "9"}
        procs = [subprocess.Popen([str(PCNWATCH), "schedule", "--once", "--config", str(cfg)],
                                  cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out + err
        for fault in ("Deadlock", "UniqueViolation", "Traceback"):
            assert fault not in out + err
    done = runs(postgres_url)
    for job in ("crawl", "timeline", "digest"):
        assert overlapping([r for r in done if r.job == job]) == [], f"{job} ran twice at once"
    # process shares the articles by claims: both may run it, each article is analysed once.
    analysed = sum(r.counts.get("analysed", 0) for r in done if r.job == "process")
    assert analysed == articles(postgres_url)
    # Each process reports its own runs, and says which jobs the other one had.
    for proc, (out, _) in zip(procs, outputs, strict=True):
        reported = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
        mine = {r.job for r in done if r.counts.get("pid") == proc.pid}
        assert {job for job, what in reported.items() if not what.startswith("skipped")} \
            == mine


# -- 11: Ctrl-C or SIGTERM during `pcnwatch crawl` -----------------------------------------------


def _as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_crawl_interrupted_stops_its_child_and_records_what_it_stored(sqlite_url, tmp_path,
                                                                      sig, code):
    with fault_site(items=60, page_delay=0.3) as site:
        sources = site.write_sources(tmp_path / "sources.toml")
        # Its own session, as a shell runs a command: the signal goes to its group, as a
        # terminal sends Ctrl-C. Ctrl-C reaches it even when these tests run in the
        # background, whose shell ignores SIGINT and passes that on to every child.
        proc = subprocess.Popen([str(PCNWATCH), "crawl", "--sources", str(sources)],
                                cwd=tmp_path, env={**os.environ, "DATABASE_URL": sqlite_url},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, preexec_fn=_as_from_a_terminal)
        try:
            child = wait_for(lambda: crawl_child(proc.pid), what="the crawl child")
            wait_for(lambda: articles(sqlite_url) >= 2, what="two articles stored")
            os.killpg(proc.pid, sig)
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == code, err
        wait_for(lambda: not alive(child), timeout=8, what="the crawl child to stop")
        stored = articles(sqlite_url)
        time.sleep(3)
        assert articles(sqlite_url) == stored, "the crawl went on storing after it was stopped"
    (run,) = runs(sqlite_url, "crawl")
    assert run.status == "interrupted" and run.finished_at
    assert run.counts["totals"]["new"] == stored
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err


# -- the same promise for the other children and signals -----------------------------------------


def test_process_killed_takes_its_analysis_workers_with_it(sqlite_url, tmp_path):
    _unanalysed_articles(sqlite_url, 300)
    proc = subprocess.Popen([str(PCNWATCH), "process", "--workers", "2"], cwd=tmp_path,
                            env={**os.environ, "DATABASE_URL": sqlite_url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        workers = wait_for(lambda: len(children(proc.pid)) >= 2 and children(proc.pid),
                           timeout=120, what="spaCy's worker processes")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        wait_for(lambda: not any(alive(w) for w in workers), timeout=5,
                 what="the workers to die with their job")
    finally:
        for pid in [proc.pid, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_scheduler_sigterm_mid_crawl_stops_the_child_and_records_what_it_stored(sqlite_url,
                                                                              tmp_path):
    with fault_site(items=80, page_delay=0.3) as site:
        sources = site.write_sources(tmp_path / "sources.toml")
        cfg = write_config(tmp_path / "s.toml", jobs=["crawl"], sources_file=str(sources),
                           lease_seconds=2, standby_poll_seconds=0.2)
        proc = start(sqlite_url, cfg, tmp_path / "s.log")
        try:
            child = wait_for(lambda: crawl_child(proc.pid), what="the crawl child")
            wait_for(lambda: articles(sqlite_url) >= 2, what="two articles stored")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
        finally:
            stop(proc)
        assert not alive(child)
        stored = articles(sqlite_url)
    (run,) = runs(sqlite_url, "crawl")
    assert run.status == "interrupted" and run.counts["totals"]["new"] == stored
    assert runs(sqlite_url, "process") == []  # nothing started after the signal
    assert lease(sqlite_url) is None
