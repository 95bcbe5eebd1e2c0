"""The scheduler: runs crawl, process, timeline and digest on their timetable.

One APScheduler 3 `BlockingScheduler`, in the `Europe/London` time zone, with
jobs defined here under fixed ids (`crawl:<source>`, `process`, `timeline`,
`digest`) and `replace_existing`, so a restart never adds copies. Every job has
`coalesce`, `max_instances=1` and a misfire grace time of hours, and all run on
one worker thread, one after another, so two jobs never write at once. A crawl
is followed by process and timeline, and process by timeline, in the same run;
with `snapshot_file` set, each process run ends by refreshing the SQLite snapshot
that `pcnwatch serve` reads (so a PostgreSQL deployment has a research browser).

APScheduler 3 cannot share a job store between schedulers, so one scheduler
runs per database: it holds the lease row `scheduler_lease.name = 'scheduler'`,
renews it while it runs, and releases it when it stops. Another one started on
the same database says who holds the lease and waits; when the lease expires
(its holder died) it takes over.

Fencing. A scheduler renews its lease before every job it starts and starts
nothing once the lease is not its own (a holder paused past its lease wakes up
to find another in its place, and stops). Every job also takes its job lock
(`store.locks`), so no two processes run the same job at once, whether they are
schedulers, `schedule --once` or a bare `pcnwatch timeline`: the second one skips
the job and says who runs it. Two jobs share their work instead (`jobs.shares_work`):
`process`, whose workers claim batches of articles, and a crawl on a shared frontier
(REDIS_URL); they run beside the same job of other processes and hosts. Each process
reports its own runs only.

Stopping. SIGTERM or SIGINT stop the scheduler: no job starts after it, a crawl
in flight stops its child and records what it stored, `process` stops after the
chunk in hand, and the timeline (one short transaction) finishes.

The weekly digest does not trust misfire handling: it checks its own record
(`job_run`) for an ok run since the latest Monday 07:00, so a scheduler that was
down on Monday sends that week's digest when it comes back, once.

Settings are declared once in `SETTINGS`; a TOML file (`[scheduler]` table, see
`scheduler.example.toml`) overrides them.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import signal
import socket
import threading
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import select

import jobs
from store import get_engine, session_scope
from store.db import database_url as resolve_url
from store.db import redact
from store.errors import JobLocked
from store.locks import job_lock
from store.models import JobRun, SchedulerLease, utcnow

log = logging.getLogger("pcnwatch.scheduler")

JOB_NAMES = ("crawl", "process", "timeline", "digest")
LEASE_NAME = "scheduler"


class ScheduleError(ValueError):
    """A schedule config that cannot be used: unknown key, bad value, unknown time zone."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("timezone", "Europe/London", "Time zone of every trigger (an IANA name)."),
    Setting("jobs", JOB_NAMES, "Which jobs to schedule, of crawl, process, timeline, digest."),
    Setting("sources_file", None, "Sources TOML to crawl; unset: the shipped sources."),
    Setting("crawl_interval_hours", 6.0, "How often to crawl a source that sets no "
            "interval_hours of its own."),
    Setting("crawl_intervals", {}, "Per-source crawl interval in hours, by source name; "
            "wins over the sources file."),
    Setting("crawl_timeout_seconds", 3600.0, "A crawl's time budget: its spiders close a "
            "little before it, keeping what they stored (a long feed goes on next run); a "
            "crawl process still running at it is stopped."),
    Setting("process_interval_minutes", 30.0, "How often to analyse new articles."),
    Setting("timeline_interval_minutes", 30.0, "How often to bring the timeline up to date "
            "(it also runs after every process)."),
    Setting("snapshot_file", None, "SQLite snapshot of the research tables for `pcnwatch "
            "serve` (pcnwatch export --sqlite), written after every process run; unset: none."),
    Setting("digest_day", "mon", "Day of the weekly digest (mon … sun)."),
    Setting("digest_time", "07:00", "Local time of the weekly digest, HH:MM."),
    Setting("misfire_grace_hours", 6.0, "A run missed by less than this still runs late."),
    Setting("lease_seconds", 60.0, "The scheduler lease expires this long after its last "
            "renewal; a standby takes over then."),
    Setting("standby_poll_seconds", 5.0, "How often a standby scheduler checks the lease."),
)


@dataclass(frozen=True)
class ScheduleConfig:
    """Every setting of the scheduler, from `SETTINGS` and a config file."""

    timezone: str = "Europe/London"
    jobs: tuple[str, ...] = JOB_NAMES
    sources_file: str | None = None
    crawl_interval_hours: float = 6.0
    crawl_intervals: dict = field(default_factory=dict)
    crawl_timeout_seconds: float = 3600.0
    process_interval_minutes: float = 30.0
    timeline_interval_minutes: float = 30.0
    snapshot_file: str | None = None
    digest_day: str = "mon"
    digest_time: str = "07:00"
    misfire_grace_hours: float = 6.0
    lease_seconds: float = 60.0
    standby_poll_seconds: float = 5.0

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_hour_minute(self) -> tuple[int, int]:
        hour, minute = self.digest_time.split(":")
        return int(hour), int(minute)


def load_config(path: str | Path | None = None, **overrides: Any) -> ScheduleConfig:
    """The defaults, overridden by the `[scheduler]` table of `path`, then by `overrides`."""
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ScheduleError(f"schedule config {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ScheduleError(f"schedule config {path} is not valid TOML: {exc}") from exc
        table = raw.get("scheduler", {})
        unknown = sorted(set(table) - set(values))
        if unknown:
            raise ScheduleError(f"{path}: unknown setting(s) {', '.join(unknown)} in "
                                f"[scheduler]; known: {', '.join(s.name for s in SETTINGS)}")
        values.update(table)
    values.update(overrides)
    return _checked(ScheduleConfig(**{f.name: values[f.name] for f in fields(ScheduleConfig)}),
                    str(path or "the defaults"))


def _checked(config: ScheduleConfig, where: str) -> ScheduleConfig:
    config = replace(config, jobs=tuple(config.jobs))
    bad = sorted(set(config.jobs) - set(JOB_NAMES))
    if bad:
        raise ScheduleError(f"{where}: unknown job(s) {', '.join(bad)}; "
                            f"jobs are {', '.join(JOB_NAMES)}")
    try:
        config.tz  # noqa: B018 - fails early on a bad name
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"{where}: unknown time zone {config.timezone!r}; use an IANA "
                            "name such as Europe/London") from exc
    try:
        hour, minute = config.digest_hour_minute
        CronTrigger(day_of_week=config.digest_day, hour=hour, minute=minute)
    except ValueError as exc:
        raise ScheduleError(f"{where}: digest_day {config.digest_day!r} / digest_time "
                            f"{config.digest_time!r} is not a weekly time ({exc}); "
                            "use e.g. mon and 07:00") from exc
    for name in ("crawl_interval_hours", "process_interval_minutes",
                 "timeline_interval_minutes", "lease_seconds", "standby_poll_seconds",
                 "crawl_timeout_seconds"):
        if not float(getattr(config, name)) > 0:
            raise ScheduleError(f"{where}: {name} must be more than 0")
    return config


# -- the jobs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """A job as the scheduler adds it: fixed id, the job_run name, trigger and interval."""

    id: str
    job: str
    trigger: Any
    interval: timedelta | None = None  # None for calendar jobs (the digest)
    kwargs: dict = field(default_factory=dict)


def crawl_intervals(config: ScheduleConfig) -> dict[str, float]:
    """Hours between crawls of each enabled source; {} when the crawler is not installed."""
    try:
        from crawler.sources import Source, load_sources
    except ImportError as exc:
        log.warning("crawler not available (%s): no crawl jobs", exc)
        return {}
    # A source that leaves interval_hours at the crawler's default gets ours instead.
    crawler_default = Source.__dataclass_fields__["interval_hours"].default
    out = {}
    for src in load_sources(config.sources_file):
        if not src.enabled:
            continue
        hours = src.interval_hours
        if hours == crawler_default:
            hours = config.crawl_interval_hours
        out[src.name] = float(config.crawl_intervals.get(src.name, hours))
    return out


def job_specs(config: ScheduleConfig, sources: dict[str, float] | None = None) -> list[JobSpec]:
    """The jobs of `config`, with triggers in its time zone (sources: name → hours)."""
    tz = config.tz
    specs = []
    if "crawl" in config.jobs:
        if sources is None:
            sources = crawl_intervals(config)
        for name, hours in sorted(sources.items()):
            every = timedelta(hours=hours)
            specs.append(JobSpec(f"crawl:{name}", "crawl", IntervalTrigger(seconds=every
                                 .total_seconds(), timezone=tz), every, {"source": name}))
    for job, minutes in (("process", config.process_interval_minutes),
                         ("timeline", config.timeline_interval_minutes)):
        if job in config.jobs:
            every = timedelta(minutes=minutes)
            specs.append(JobSpec(job, job, IntervalTrigger(seconds=every.total_seconds(),
                                                           timezone=tz), every))
    if "digest" in config.jobs:
        specs.append(JobSpec("digest", "digest", digest_trigger(config)))
    return specs


def digest_trigger(config: ScheduleConfig) -> CronTrigger:
    hour, minute = config.digest_hour_minute
    return CronTrigger(day_of_week=config.digest_day, hour=hour, minute=minute,
                       timezone=config.tz)


def digest_period_start(config: ScheduleConfig, now: datetime) -> datetime:
    """The latest digest time at or before `now`: the digest of that week is due from then."""
    trigger = digest_trigger(config)
    start = now - timedelta(days=8)
    latest = None
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def digest_due(engine, config: ScheduleConfig, now: datetime | None = None) -> bool:
    """True when no digest run has succeeded since the latest digest time."""
    now = now or datetime.now(config.tz)
    since = digest_period_start(config, now)
    with session_scope(engine) as s:
        runs = s.exec(select(JobRun).where(JobRun.job == "digest", JobRun.status == "ok",
                                           JobRun.started_at >= since)).all()
    return not any(not r.counts.get("skipped") for r in runs)


def _last_start(engine, job: str) -> datetime | None:
    with session_scope(engine) as s:
        return s.exec(select(sa.func.max(JobRun.started_at)).where(JobRun.job == job)).one()


def first_run_time(engine, config: ScheduleConfig, spec: JobSpec,
                   now: datetime | None = None) -> datetime:
    """When a job runs first after a (re)start: now if it is overdue by its own record."""
    now = now or datetime.now(config.tz)
    if spec.interval is None:
        if spec.job == "digest" and digest_due(engine, config, now):
            return now
        return spec.trigger.get_next_fire_time(None, now)
    last = _last_start(engine, spec.job)
    if last is None:
        return now
    return max(now, last.astimezone(config.tz) + spec.interval)


# -- running one job -----------------------------------------------------------------------------


class JobRunner:
    """What each scheduled job calls: the job in `jobs`, its follow-ups, and a record always.

    `fence` (the scheduler's "do I still hold the lease?") is asked before every job
    starts; `stop` set means start nothing more, and stop a crawl or process in flight.
    """

    def __init__(self, config: ScheduleConfig, database_url: str | None = None, *,
                 fence: Callable[[], bool] | None = None,
                 stop: threading.Event | None = None) -> None:
        self.config = config
        self.url = resolve_url(database_url)
        self.engine = get_engine(self.url)
        self.fence = fence
        self.stop = stop or threading.Event()
        self.skipped: dict[str, str] = {}  # job -> why it was not run (another process has it)

    def crawl(self, source: str | None = None) -> None:
        names = [source] if source else None
        self._guarded("crawl", lambda: jobs.crawl(
            names=names, sources_file=self.config.sources_file, database_url=self.url,
            timeout=self.config.crawl_timeout_seconds, stop=self.stop))
        self.process()

    def process(self) -> None:
        self._guarded("process", lambda: jobs.process(database_url=self.url, stop=self.stop))
        self.timeline()
        self.snapshot()

    def snapshot(self) -> None:
        """Refresh the research snapshot, when one is configured (after process and timeline)."""
        if self.config.snapshot_file:
            path = Path(self.config.snapshot_file)
            self._guarded("snapshot", lambda: jobs.snapshot(path, database_url=self.url))

    def timeline(self) -> None:
        self._guarded("timeline", lambda: jobs.timeline(database_url=self.url))

    def digest(self, *, force: bool = False, out_dir: Path | None = None) -> None:
        now = datetime.now(self.config.tz)
        if not force and not digest_due(self.engine, self.config, now):
            log.info("digest: already sent for the week from %s; nothing to do",
                     digest_period_start(self.config, now).isoformat())
            return
        run_digest = getattr(jobs, "digest", None)
        if run_digest is None:
            log.warning("digest: jobs.digest is not built yet; skipped")
            with jobs.recorded_run("digest", self.url) as counts:
                counts["skipped"] = "jobs.digest is not built"
            return
        # The digest job picks the week itself (the last complete one); the scheduler
        # sends it, a demo writes it to files.
        offered = {"database_url": self.url, "send": out_dir is None, "out_dir": out_dir}
        accepted = inspect.signature(run_digest).parameters
        self._guarded("digest", lambda: run_digest(
            **{k: v for k, v in offered.items() if k in accepted}))

    def _may_start(self, job: str) -> bool:
        if self.stop.is_set():
            log.info("%s: not started: stopping", job)
            return False
        if self.fence is not None and not self.fence():
            log.warning("%s: not started: this scheduler no longer holds the lease", job)
            return False
        return True

    def _guarded(self, job: str, call: Callable[[], Any]) -> Any:
        """Run `call` under the job's lock; a failure is logged and recorded, and the
        scheduler goes on. A job another process runs now is skipped, not run twice."""
        if not self._may_start(job):
            return None
        started = utcnow()
        # process (claims) and a crawl on a shared frontier run beside other processes'.
        alone = not jobs.shares_work(job, self.url)
        try:
            with job_lock(self.engine, job) if alone else contextlib.nullcontext():
                # Asked again with the lock held: the lease may have gone while we waited.
                if not self._may_start(job):
                    return None
                log.info("%s: starting", job)
                result = call()
        except JobLocked as exc:
            log.info("%s: skipped: %s", job, exc)
            self.skipped[job] = str(exc)
            return None
        except jobs.Interrupted as exc:
            log.info("%s: interrupted: %s", job, exc)
            return None
        except Exception as exc:
            log.error("%s: failed: %s", job, exc)
            self._record_failure(job, started, exc)
            return None
        log.info("%s: done %s", job, _summary(result))
        return result

    def _record_failure(self, job: str, started: datetime, exc: Exception) -> None:
        # Most jobs record their own failure; one that failed before it could start its
        # record (a bad sources file, a missing module) is recorded here.
        with session_scope(self.engine) as s:
            found = s.exec(select(JobRun.id).where(JobRun.job == job,
                                                   JobRun.started_at >= started)).first()
            if found is None:
                s.add(JobRun(job=job, started_at=started, finished_at=utcnow(), status="error",
                             error=f"{type(exc).__name__}: {exc}"))


def _summary(result: Any) -> str:
    if not isinstance(result, dict):
        return ""
    return ", ".join(f"{k}={v}" for k, v in result.items()
                     if isinstance(v, int | float | str) and not isinstance(v, bool))[:300]


def run_once(database_url: str | None = None, config: ScheduleConfig | None = None, *,
             sources_file: str | Path | None = None, digest: bool = True,
             digest_out_dir: Path | None = None) -> dict[str, dict]:
    """Crawl, process, timeline (and the digest when it is built), once, in order.

    The digest is sent by mail, or written to `digest_out_dir` when given. Each step
    is recorded in `job_run`; a failed step is logged and the next runs. A step that
    another process runs at this moment is skipped (status `skipped`, with why).
    Returns the last run of each step that this process ran or skipped, never
    another process's.
    """
    config = config or load_config()
    if sources_file is not None:
        config = replace(config, sources_file=str(sources_file))
    runner = JobRunner(config, database_url)
    started = utcnow()
    runner.crawl()  # and, after it, process and timeline
    if digest and hasattr(jobs, "digest"):
        runner.digest(force=True, out_dir=digest_out_dir)
    result = {r.job: {"status": r.status, "counts": r.counts, "error": r.error}
              for r in jobs.own_runs(runner.url, started)}
    for job, why in runner.skipped.items():
        result.setdefault(job, {"status": "skipped", "counts": {}, "error": why})
    order = {name: n for n, name in enumerate(JOB_NAMES)}
    return dict(sorted(result.items(), key=lambda kv: order.get(kv[0], len(order))))


# -- the lease -----------------------------------------------------------------------------------


class Lease:
    """The row that says which scheduler runs this database, until when."""

    def __init__(self, engine, holder: str, seconds: float, name: str = LEASE_NAME) -> None:
        self.engine, self.holder, self.seconds, self.name = engine, holder, seconds, name

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or ours; atomic on SQLite and PostgreSQL."""
        now = utcnow()
        expires = now + timedelta(seconds=self.seconds)
        with self.engine.begin() as conn:
            taken = conn.execute(
                sa.update(SchedulerLease)
                .where(SchedulerLease.name == self.name,
                       sa.or_(SchedulerLease.expires_at < now,
                              SchedulerLease.holder == self.holder))
                .values(holder=self.holder, acquired_at=now, expires_at=expires)).rowcount
        if taken == 1:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(SchedulerLease).values(
                    name=self.name, holder=self.holder, acquired_at=now, expires_at=expires))
        except sa.exc.IntegrityError:
            return False  # someone holds it (or took it between our two statements)
        return True

    def renew(self) -> bool:
        """Push the expiry on; False when the lease is no longer ours."""
        expires = utcnow() + timedelta(seconds=self.seconds)
        # Committed by the server as it runs: the renewing thread may wait long for the GIL
        # while a job analyses, and must not hold the lease row locked meanwhile (a standby
        # would wait on it for as long as this process is paused).
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return conn.execute(
                sa.update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                .values(expires_at=expires)).rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(SchedulerLease).where(SchedulerLease.name == self.name,
                                                         SchedulerLease.holder == self.holder))

    def current(self) -> SchedulerLease | None:
        with session_scope(self.engine) as s:
            return s.get(SchedulerLease, self.name)


def make_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# -- the scheduler process -----------------------------------------------------------------------


class Scheduler:
    """`pcnwatch schedule`: wait for the lease, then run the jobs until told to stop."""

    def __init__(self, config: ScheduleConfig, database_url: str | None = None) -> None:
        self.config = config
        self.stopping = threading.Event()
        self.runner = JobRunner(config, database_url, fence=self.holds_lease,
                                stop=self.stopping)
        self.lease = Lease(self.runner.engine, make_holder(), config.lease_seconds)
        self.aps: BlockingScheduler | None = None
        self._shutdown_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def stop(self, reason: str = "asked to stop") -> None:
        """Stop after the job in flight; safe from a signal handler or any thread."""
        with self._lock:
            if not self.stopping.is_set():
                self.stopping.set()
                log.info("scheduler %s: %s; stopping after the job in flight",
                         self.lease.holder, reason)
            # Checked on every call: a signal that came while the scheduler was still
            # starting finds it not yet running, and the next signal stops it.
            if self.aps is not None and self.aps.running and self._shutdown_thread is None:
                # Waiting for the job here would block the signal handler that called us.
                self._shutdown_thread = threading.Thread(
                    target=self.aps.shutdown, kwargs={"wait": True}, name="pcnwatch-shutdown")
                self._shutdown_thread.start()

    def holds_lease(self) -> bool:
        """Renew the lease now; False (and stop) when it is not ours any more."""
        try:
            held = self.lease.renew()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("cannot confirm the scheduler lease, so no job starts: %s", exc)
            return False
        if not held:
            self.stop("lost the lease to another scheduler")
        return held

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: self.stop(signal.Signals(signum).name))

    def wait_for_lease(self) -> bool:
        """Block as a standby until the lease is ours; False when stopped first."""
        shown = None
        while not self.stopping.is_set():
            if self.lease.try_acquire():
                log.info("scheduler %s holds the lease on %s", self.lease.holder,
                         redact(self.runner.url))
                return True
            held = self.lease.current()
            if held is not None and held.holder != shown:
                shown = held.holder
                log.info("standing by: scheduler %s holds the lease on %s until %s; "
                         "taking over if it expires", held.holder, redact(self.runner.url),
                         held.expires_at.isoformat(timespec="seconds"))
            self.stopping.wait(self.config.standby_poll_seconds)
        return False

    def _renew_forever(self) -> None:
        every = self.config.lease_seconds / 3
        while not self.stopping.wait(every):
            try:
                if not self.lease.renew():
                    self.stop("lost the lease to another scheduler")
                    return
            except sa.exc.SQLAlchemyError as exc:
                log.warning("could not renew the scheduler lease (will retry): %s", exc)

    def build(self) -> BlockingScheduler:
        cfg = self.config
        aps = BlockingScheduler(
            timezone=cfg.tz,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(cfg.misfire_grace_hours * 3600)})
        calls = {"crawl": self.runner.crawl, "process": self.runner.process,
                 "timeline": self.runner.timeline, "digest": self.runner.digest}
        for spec in job_specs(cfg):
            first = first_run_time(self.runner.engine, cfg, spec)
            aps.add_job(calls[spec.job], trigger=spec.trigger, id=spec.id, name=spec.id,
                        kwargs=spec.kwargs, replace_existing=True, next_run_time=first)
            log.info("job %s: first run %s, then %s", spec.id,
                     first.isoformat(timespec="seconds"), _describe(spec))
        return aps

    def run(self) -> int:
        """Run until stopped; the lease is released on the way out."""
        if not self.wait_for_lease():
            return 0
        renewer = threading.Thread(target=self._renew_forever, name="pcnwatch-lease",
                                   daemon=True)
        try:
            with self._lock:
                self.aps = self.build()
            renewer.start()
            if not self.stopping.is_set():
                self.aps.start()
            if self._shutdown_thread is not None:
                self._shutdown_thread.join()
        finally:
            self.stopping.set()
            self.lease.release()
            log.info("scheduler %s stopped and released the lease", self.lease.holder)
        return 0


def _describe(spec: JobSpec) -> str:
    if spec.interval is not None:
        return f"every {spec.interval}"
    fields_ = {f.name: str(f) for f in spec.trigger.fields}
    return f"weekly, {fields_['day_of_week']} {int(fields_['hour']):02d}:" \
           f"{int(fields_['minute']):02d} {spec.trigger.timezone}"


def serve(config: ScheduleConfig, database_url: str | None = None) -> int:
    """`pcnwatch schedule`: the foreground scheduler, stopping cleanly on SIGTERM/SIGINT."""
    sched = Scheduler(config, database_url)
    sched.install_signal_handlers()
    return sched.run()


def configure_logging(verbose: bool = True) -> None:
    """Clear log lines for a foreground process (only cli.py and this module configure logs)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


# -- status --------------------------------------------------------------------------------------


def status(database_url: str | None = None, config: ScheduleConfig | None = None, *,
           runs_per_job: int = 3, now: datetime | None = None) -> dict:
    """The last runs of each job, the next run of each scheduled job, and the lease holder."""
    config = config or load_config()
    engine = get_engine(database_url)
    now = now or datetime.now(config.tz)
    runs: dict[str, list[dict]] = {}
    with session_scope(engine) as s:
        for job in sorted(set(s.exec(select(JobRun.job).distinct())) | set(JOB_NAMES)):
            rows = s.exec(select(JobRun).where(JobRun.job == job)
                          .order_by(JobRun.started_at.desc()).limit(runs_per_job)).all()
            runs[job] = [{"job": r.job, "started_at": r.started_at, "finished_at": r.finished_at,
                          "status": r.status, "counts": r.counts, "error": r.error}
                         for r in rows]
        lease = s.get(SchedulerLease, LEASE_NAME)
        lease_info = None
        if lease is not None:
            lease_info = {"holder": lease.holder, "expires_at": lease.expires_at,
                          "alive": lease.expires_at > utcnow()}
    try:
        specs = job_specs(config)
        problem = None
    except ValueError as exc:  # e.g. a broken sources file: still show the other jobs
        specs = job_specs(replace(config, jobs=tuple(j for j in config.jobs if j != "crawl")))
        problem = str(exc)
    upcoming = [{"id": spec.id, "job": spec.job, "next_run": first_run_time(engine, config,
                                                                             spec, now),
                 "every": _describe(spec)} for spec in specs]
    return {"runs": runs, "next": upcoming, "lease": lease_info, "problem": problem,
            "timezone": config.timezone}


def print_status(report: dict, console) -> None:
    """`pcnwatch status` as two Rich tables: recent runs, then what runs next."""
    from rich.table import Table
    from rich.text import Text

    tz = ZoneInfo(report["timezone"])

    def when(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else "-"

    runs = Table(title="last runs", title_justify="left")
    for col in ("job", "started", "finished", "status", "counts", "error"):
        runs.add_column(col, overflow="fold")
    for job, rows in report["runs"].items():
        if not rows:
            runs.add_row(job, "never", "", "", "", "")
        for r in rows:
            counts = ", ".join(f"{k}={v}" for k, v in (r["counts"] or {}).items()
                               if isinstance(v, int | float) and v and not isinstance(v, bool))
            # Text, not markup: an error may quote a URL or a title with brackets.
            runs.add_row(Text(r["job"]), when(r["started_at"]), when(r["finished_at"]),
                         Text(r["status"]), Text(counts), Text((r["error"] or "")[:200]))
    console.print(runs)
    upcoming = Table(title=f"next runs ({report['timezone']})", title_justify="left")
    for col in ("job", "next run", "schedule"):
        upcoming.add_column(col)
    for n in report["next"]:
        upcoming.add_row(n["id"], when(n["next_run"]), n["every"])
    console.print(upcoming)
    lease = report["lease"]
    if lease and lease["alive"]:
        console.print(f"scheduler running: {lease['holder']} holds the lease until "
                      f"{when(lease['expires_at'])}", markup=False)
    else:
        console.print("no scheduler is running (start one with `pcnwatch schedule`)")
    if report["problem"]:
        console.print(f"crawl jobs unknown: {report['problem']}", markup=False)
