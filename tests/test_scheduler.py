"""The scheduler: real `pcnwatch schedule` processes on a real database, short intervals.

Nothing sleeps for minutes: triggers are asked for their fire times directly,
and the processes run jobs every fraction of a second.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select
from test_timeline import INFO, VERSION, event, stance

import jobs
import scheduler
from store.analysis import save_analysis
from store.db import get_engine, session_scope
from store.models import Article, JobRun, Reaction, SchedulerLease, TimelineEntry

REPO = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")


def write_config(path: Path, **settings) -> Path:
    lines = ["[scheduler]"]
    for key, value in settings.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, list | tuple):
            lines.append(f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in value)}]")
        elif isinstance(value, dict):
            lines.append(f"{key} = {{ {', '.join(f'{k} = {v}' for k, v in value.items())} }}")
        else:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")
    return path


FAST = {"jobs": ["timeline"], "timeline_interval_minutes": 0.01, "lease_seconds": 2,
        "standby_poll_seconds": 0.2}


def start(url: str, config: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, str(REPO / "cli.py"), "schedule", "--config",
                             str(config)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))


def wait_for(predicate, timeout: float = 40.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def runs(url: str, job: str | None = None) -> list[JobRun]:
    with session_scope(get_engine(url)) as s:
        query = select(JobRun).order_by(JobRun.started_at)
        if job:
            query = query.where(JobRun.job == job)
        return list(s.exec(query))


def lease(url: str) -> SchedulerLease | None:
    with session_scope(get_engine(url)) as s:
        return s.get(SchedulerLease, scheduler.LEASE_NAME)


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


# -- triggers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("after, fires_utc", [
    # March 2024: clocks go forward on Sunday 31st. Before it, 07:00 GMT is 07:00 UTC.
    (datetime(2024, 3, 20, tzinfo=UTC), datetime(2024, 3, 25, 7, 0, tzinfo=UTC)),
    # The Monday after: 07:00 BST is 06:00 UTC.
    (datetime(2024, 3, 26, tzinfo=UTC), datetime(2024, 4, 1, 6, 0, tzinfo=UTC)),
    # October 2024: clocks go back on Sunday 27th. Before it, still BST.
    (datetime(2024, 10, 15, tzinfo=UTC), datetime(2024, 10, 21, 6, 0, tzinfo=UTC)),
    (datetime(2024, 10, 22, tzinfo=UTC), datetime(2024, 10, 28, 7, 0, tzinfo=UTC)),
    # Asked at 06:30 UTC on a summer Monday, 07:00 London has already passed.
    (datetime(2024, 7, 1, 6, 30, tzinfo=UTC), datetime(2024, 7, 8, 6, 0, tzinfo=UTC)),
])
def test_scheduler_digest_fires_at_seven_london_time(after, fires_utc):
    (spec,) = scheduler.job_specs(scheduler.load_config(jobs=["digest"]))
    fire = spec.trigger.get_next_fire_time(None, after)
    assert fire == fires_utc
    assert (fire.astimezone(LONDON).hour, fire.astimezone(LONDON).weekday()) == (7, 0)


def test_scheduler_jobs_have_fixed_ids_and_intervals():
    cfg = scheduler.load_config(crawl_intervals={"slow-site": 24})
    specs = {s.id: s for s in scheduler.job_specs(cfg, {"fast-site": 6.0, "slow-site": 24.0})}
    assert list(specs) == ["crawl:fast-site", "crawl:slow-site", "process", "timeline", "digest"]
    assert specs["crawl:fast-site"].interval == timedelta(hours=6)
    assert specs["process"].interval == timedelta(minutes=30)
    assert str(specs["digest"].trigger.timezone) == "Europe/London"


@pytest.mark.parametrize("settings, message", [
    ({"jobs": ["crawl", "backup"]}, "unknown job(s) backup"),
    ({"timezone": "Europe/Londres"}, "unknown time zone"),
    ({"digest_day": "funday"}, "digest_day"),
    ({"process_interval_minutes": 0}, "must be more than 0"),
])
def test_scheduler_config_errors_name_the_fix(tmp_path, settings, message):
    path = write_config(tmp_path / "s.toml", **settings)
    with pytest.raises(scheduler.ScheduleError, match=message.replace("(", r"\(")
                       .replace(")", r"\)")):
        scheduler.load_config(path)


def test_scheduler_config_rejects_unknown_key(tmp_path):
    path = write_config(tmp_path / "s.toml", digest_hour=7)
    with pytest.raises(scheduler.ScheduleError, match="unknown setting.*digest_hour"):
        scheduler.load_config(path)


# -- the weekly digest's own record --------------------------------------------------------------


def test_scheduler_missed_digest_runs_when_back_then_not_again(sqlite_url):
    engine = get_engine(sqlite_url)
    cfg = scheduler.load_config(jobs=["digest"])
    (spec,) = scheduler.job_specs(cfg)
    monday_7 = datetime(2024, 11, 4, 7, 0, tzinfo=LONDON)
    wednesday = datetime(2024, 11, 6, 12, 0, tzinfo=LONDON)
    # Last week's digest went out; this Monday the scheduler was down.
    with session_scope(engine) as s:
        s.add(JobRun(job="digest", status="ok", started_at=monday_7 - timedelta(days=7),
                     finished_at=monday_7 - timedelta(days=7)))
    assert scheduler.digest_due(engine, cfg, wednesday)
    assert scheduler.first_run_time(engine, cfg, spec, wednesday) == wednesday
    # Back on Wednesday, it sends this week's digest; after that, not before next Monday.
    with session_scope(engine) as s:
        s.add(JobRun(job="digest", status="ok", started_at=wednesday, finished_at=wednesday))
    assert not scheduler.digest_due(engine, cfg, wednesday + timedelta(hours=1))
    nxt = scheduler.first_run_time(engine, cfg, spec, wednesday + timedelta(hours=1))
    assert nxt == datetime(2024, 11, 11, 7, 0, tzinfo=LONDON)
    # A failed run does not count as sent.
    with session_scope(engine) as s:
        s.add(JobRun(job="digest", status="error", started_at=nxt, finished_at=nxt))
    assert scheduler.digest_due(engine, cfg, nxt + timedelta(minutes=5))


# -- the lease -----------------------------------------------------------------------------------


def test_scheduler_lease_is_held_by_one(fresh_store):
    a = scheduler.Lease(fresh_store, "a", seconds=30)
    b = scheduler.Lease(fresh_store, "b", seconds=30)
    assert a.try_acquire() and not b.try_acquire()
    assert a.try_acquire() and a.renew() and not b.renew()
    a.release()
    assert b.try_acquire() and not a.try_acquire()
    assert b.current().holder == "b"


def test_scheduler_expired_lease_is_taken_over(fresh_store):
    a = scheduler.Lease(fresh_store, "a", seconds=0.2)
    b = scheduler.Lease(fresh_store, "b", seconds=30)
    assert a.try_acquire()
    time.sleep(0.3)
    assert b.try_acquire() and not a.renew()


# -- real scheduler processes --------------------------------------------------------------------


def test_scheduler_fires_records_and_stops_on_sigterm(store_url, tmp_path):
    cfg = write_config(tmp_path / "s.toml", **FAST)
    log = tmp_path / "a.log"
    proc = start(store_url, cfg, log)
    try:
        wait_for(lambda: len([r for r in runs(store_url, "timeline") if r.status == "ok"]) >= 2,
                 what="two timeline runs")
    finally:
        code = stop(proc)
    assert code == 0, log.read_text()
    done = runs(store_url, "timeline")
    assert all(r.status == "ok" and r.finished_at for r in done)
    assert lease(store_url) is None  # released on the way out
    text = log.read_text()
    assert "holds the lease" in text and "released the lease" in text


def test_scheduler_standby_takes_over_and_no_job_runs_twice(store_url, tmp_path):
    cfg = write_config(tmp_path / "s.toml", **FAST)
    first = start(store_url, cfg, tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: (lease(store_url) and f":{first.pid}:" in lease(store_url).holder
                          and runs(store_url, "timeline")), what="first scheduler running")
        second = start(store_url, cfg, tmp_path / "second.log")
        wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text(),
                 what="second scheduler standing by")
        assert f":{first.pid}:" in lease(store_url).holder
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed = datetime.now(UTC)
        wait_for(lambda: f":{second.pid}:" in (lease(store_url) or SchedulerLease(
            name="", holder="", expires_at=killed)).holder, what="takeover")
        wait_for(lambda: any(r.started_at > killed and r.status == "ok"
                             for r in runs(store_url, "timeline")), what="a run after takeover")
    finally:
        for p in (first, second):
            if p is not None:
                stop(p)
    done = runs(store_url, "timeline")
    # One scheduler at a time: no two runs overlap, and a run cut short by the kill
    # started before it.
    finished = [r for r in done if r.finished_at]
    for before, after in zip(finished, finished[1:], strict=False):
        assert before.finished_at <= after.started_at
    assert all(r.started_at < killed for r in done if r.finished_at is None)
    assert "standing by: scheduler" in (tmp_path / "second.log").read_text()


def test_scheduler_crawl_error_is_recorded_and_scheduling_goes_on(sqlite_url, tmp_path):
    sources = tmp_path / "sources.toml"
    # Nothing listens on port 9 of 127.0.0.1, and the crawl has no time anyway.
    sources.write_text('[[source]]\nname = "dead-site"\nhome = "http://127.0.0.1:9/"\n'
                       'feeds = ["http://127.0.0.1:9/feed"]\n')
    cfg = write_config(tmp_path / "s.toml", jobs=["crawl", "timeline"],
                       sources_file=str(sources), crawl_intervals={"dead-site": 0.0005},
                       crawl_timeout_seconds=0.001, timeline_interval_minutes=0.01,
                       lease_seconds=2, standby_poll_seconds=0.2)
    proc = start(sqlite_url, cfg, tmp_path / "s.log")
    try:
        wait_for(lambda: len(runs(sqlite_url, "crawl")) >= 2, what="two crawl runs")
    finally:
        code = stop(proc)
    assert code == 0
    crawls = runs(sqlite_url, "crawl")
    assert all(r.status == "error" and r.error and r.finished_at for r in crawls[:-1])
    # The crawl in flight when SIGTERM came was stopped, and says so.
    assert crawls[-1].status in ("error", "interrupted") and crawls[-1].finished_at
    # The timeline kept running between and after the failed crawls.
    first_failure = crawls[0].finished_at
    assert any(r.status == "ok" and r.started_at > first_failure
               for r in runs(sqlite_url, "timeline"))


# -- a job killed mid-way ------------------------------------------------------------------------


def _many_articles(url: str, n: int) -> None:
    with session_scope(get_engine(url)) as s:
        for i in range(n):
            day = date(2019, 1, 1) + timedelta(days=i % 1500)
            art = Article(url=f"https://many.example/{i}", source="t", title="t", text="b",
                          published=day, content_hash=hashlib.sha256(str(i).encode()).hexdigest())
            s.add(art)
            s.flush()
            save_analysis(s, art, {
                "events": [event(("announce", "fund", "delay")[i % 3], "nhs-england",
                                 f"scheme {i} for networks", day.isoformat())],
                "stances": [stance("bma-gpc", "oppose"), stance("rcgp", "support")],
                "topics": ["pcn-targets"]}, VERSION, INFO)


def test_timeline_job_killed_midway_leaves_nothing_and_next_run_completes(store_url):
    n = 3000
    _many_articles(store_url, n)
    env = {**os.environ, "DATABASE_URL": store_url}
    proc = subprocess.Popen([sys.executable, "-c", "import jobs; jobs.timeline()"], cwd=REPO,
                            env=env)
    try:
        wait_for(lambda: runs(store_url, "timeline"), what="the run to start")
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    (killed,) = runs(store_url, "timeline")
    assert killed.status == "running" and killed.finished_at is None, \
        "the rebuild finished before the kill; make the data bigger"
    with session_scope(get_engine(store_url)) as s:
        assert s.exec(select(func.count()).select_from(TimelineEntry)).one() == 0
        assert s.exec(select(func.count()).select_from(Reaction)).one() == 0
        assert s.exec(select(func.count()).select_from(Article)
                      .where(Article.timeline_at.is_not(None))).one() == 0
    counts = jobs.timeline(database_url=store_url)
    assert counts["articles"] == n and counts["events_placed"] == n
    assert counts["reactions_linked"] + counts["reactions_unlinked"] == 2 * n
    assert runs(store_url, "timeline")[-1].status == "ok"


def test_scheduler_sigterm_lets_the_job_in_flight_finish(sqlite_url, tmp_path):
    _many_articles(sqlite_url, 3000)
    cfg = write_config(tmp_path / "s.toml", **FAST)
    log = tmp_path / "s.log"
    proc = start(sqlite_url, cfg, log)
    try:
        wait_for(lambda: runs(sqlite_url, "timeline"), what="the rebuild to start")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    finally:
        stop(proc)
    assert code == 0, log.read_text()
    (run,) = runs(sqlite_url, "timeline")  # finished, and no new one started after the signal
    assert run.status == "ok" and run.counts["articles"] == 3000
    with session_scope(get_engine(sqlite_url)) as s:
        assert s.exec(select(func.count()).select_from(Article)
                      .where(Article.timeline_at.is_(None))).one() == 0
    assert lease(sqlite_url) is None
    assert "SIGTERM; stopping after the job in flight" in log.read_text()


def test_scheduler_run_once_runs_each_job_in_order(sqlite_url, tmp_path):
    from nlp import PIPELINE_VERSION

    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "dead-site"\nhome = "http://127.0.0.1:9/"\n'
                       'feeds = ["http://127.0.0.1:9/feed"]\n')
    add_one = {"events": [event("fund", "nhs-england", "care home support", "2020-05-01")],
               "topics": ["care-homes"]}
    with session_scope(get_engine(sqlite_url)) as s:
        art = Article(url="https://once.example/a", source="t", title="t", text="b",
                      published=date(2020, 5, 1), content_hash="x" * 64)
        s.add(art)
        s.flush()
        # Analysed by the current pipeline already, so `process` leaves it alone.
        save_analysis(s, art, add_one, PIPELINE_VERSION, INFO)
    cfg = scheduler.load_config(crawl_timeout_seconds=0.001)
    result = scheduler.run_once(sqlite_url, cfg, sources_file=sources,
                                digest_out_dir=tmp_path / "out")
    assert [r.job for r in runs(sqlite_url)] == ["crawl", "process", "timeline", "digest"]
    assert result["digest"]["status"] == "ok" and any((tmp_path / "out").iterdir())
    # The crawl of a dead site fails, is recorded, and the rest still runs.
    assert result["crawl"]["status"] == "error" and result["crawl"]["error"]
    assert result["timeline"]["status"] == "ok"
    assert result["timeline"]["counts"]["entries_created"] == 1


def test_scheduler_example_config_documents_every_setting():
    example = REPO / "scheduler.example.toml"
    text = example.read_text()
    missing = [s.name for s in scheduler.SETTINGS if s.name not in text]
    assert missing == [], f"add {missing} to scheduler.example.toml"
    assert all(s.help.strip() for s in scheduler.SETTINGS)
    # The example loads and keeps the timetable the issue asks for.
    cfg = scheduler.load_config(example)
    assert (cfg.timezone, cfg.digest_day, cfg.digest_time) == ("Europe/London", "mon", "07:00")
    assert (cfg.crawl_interval_hours, cfg.process_interval_minutes) == (6, 30)


def test_scheduler_refreshes_the_snapshot_after_each_process_run(store_url, tmp_path):
    """With snapshot_file set, what serve reads follows the database after every process run."""
    import sqlite3

    from nlp import PIPELINE_VERSION

    def add(url: str, topic: str) -> None:
        with session_scope(get_engine(store_url)) as s:
            art = Article(url=url, source="t", title="t", text="b", published=date(2020, 5, 1),
                          content_hash=hashlib.sha256(url.encode()).hexdigest())
            s.add(art)
            s.flush()
            save_analysis(s, art, {"topics": [topic]}, PIPELINE_VERSION, INFO)

    snapshot = tmp_path / "research.db"
    runner = scheduler.JobRunner(scheduler.load_config(snapshot_file=str(snapshot)), store_url)
    add("https://snap.example/a", "care-homes")
    runner.process()
    add("https://snap.example/b", "workforce")
    runner.process()
    with sqlite3.connect(snapshot) as db:
        assert db.execute("SELECT url, topics FROM articles ORDER BY url").fetchall() == [
            ("https://snap.example/a", '["care-homes"]'),
            ("https://snap.example/b", '["workforce"]')]
    assert [r.job for r in runs(store_url)] == ["process", "timeline", "snapshot"] * 2
    assert all(r.status == "ok" for r in runs(store_url))
    # without the setting, no snapshot job runs
    scheduler.JobRunner(scheduler.load_config(), store_url).process()
    assert [r.job for r in runs(store_url)][-2:] == ["process", "timeline"]
