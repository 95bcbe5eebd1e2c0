"""The jobs that join the layers: crawl, process, timeline, digest, and the demo.

Data flows one way: sources → crawler → store → nlp → store → timeline →
publish. Each job here is what `pcnwatch <job>` and the scheduler run: it
records its run in `job_run` (start, end, status, counts, error) and does its
writes in transactions, so a job killed half-way leaves nothing half-written
and the next run picks up where it stopped.
"""

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from sqlmodel import select

from store import get_engine, session_scope
from store.db import error_line, serialise_writes
from store.locks import job_lock, process_alive, process_identity
from store.models import JobRun, utcnow

log = logging.getLogger(__name__)


# -- run records ---------------------------------------------------------------------------------


class Interrupted(Exception):  # noqa: N818 - a state, like KeyboardInterrupt
    """A job stopped on request (the scheduler stopping) before it finished."""


class RunCounts(dict):
    """The counts of a run in progress; `save()` writes them to its record as they grow,
    so a run killed half-way still says what it did up to its last save."""

    def __init__(self, engine, run_id: int, every: float = 5.0) -> None:
        super().__init__()
        self._engine, self._run_id, self._every = engine, run_id, every
        self._saved = time.monotonic()

    def save(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._saved < self._every:
            return
        self._saved = time.monotonic()
        try:
            with session_scope(self._engine) as s:
                run = s.get(JobRun, self._run_id)
                run.counts = {**run.counts, **_plain_json(self)}
                s.add(run)
        except sa.exc.SQLAlchemyError as exc:  # progress is a courtesy: the job goes on
            log.warning("could not save the progress of %s: %s", self._run_id,
                        error_line(exc))


def _plain_json(counts: dict) -> dict:
    return json.loads(json.dumps(counts, default=str))


@contextmanager
def recorded_run(job: str, database_url: str | None = None, *,
                 lock: bool = True) -> Iterator[RunCounts]:
    """Record a run of `job`; the block fills the yielded dict with counts.

    With `lock`, the run holds the job's lock (store.locks) from before its record is
    made to after it is closed: JobLocked, and no record, when another live process
    runs the job now.
    """
    engine = get_engine(database_url)
    with job_lock(engine, job) if lock else nullcontext():
        with session_scope(engine) as s:
            _close_dead_runs(s, job)
            run = JobRun(job=job, counts={"host": socket.gethostname(), "pid": os.getpid(),
                                          "process": process_identity()})
            s.add(run)
            s.flush()
            run_id = run.id
        counts = RunCounts(engine, run_id)
        status, error = "ok", None
        try:
            yield counts
        except BaseException as exc:
            status = "interrupted" if isinstance(
                exc, KeyboardInterrupt | SystemExit | Interrupted) else "error"
            error = _error_text(exc)
            raise
        finally:
            if counts.get("failed") and status == "ok":
                status = "error"
                error = error or str(counts.get("error") or "some items failed")
            with session_scope(engine) as s:
                run = s.get(JobRun, run_id)
                run.finished_at, run.status, run.error = utcnow(), status, error
                run.counts = {**run.counts, **_plain_json(counts)}
                s.add(run)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, SystemExit):
        return f"interrupted (exit {exc.code})"
    if isinstance(exc, sa.exc.SQLAlchemyError):  # one line, never the SQL or its parameters
        return f"{type(exc).__name__}: {error_line(exc)}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def own_runs(database_url: str | None, since) -> list[JobRun]:
    """The runs this process recorded since `since`, oldest first."""
    me = process_identity()
    with session_scope(get_engine(database_url)) as s:
        runs = s.exec(select(JobRun).where(JobRun.started_at >= since)
                      .order_by(JobRun.id)).all()
    return [r for r in runs if (r.counts or {}).get("process") == me]


def _close_dead_runs(session, job: str) -> None:
    """Mark as killed the runs of `job` left "running" by a process of this host that is gone.

    A SIGKILL leaves no chance to finish the record; without this, `pcnwatch status` would
    show such a run as running for ever. Runs of other hosts are left alone: we cannot see
    their processes. The counts the run saved as it went stay: what it did before it died.
    """
    host = socket.gethostname()
    stale = session.exec(select(JobRun).where(JobRun.job == job, JobRun.status == "running"))
    for run in stale:
        counts = run.counts or {}
        who = counts.get("process") or f"{counts.get('host')}:{counts.get('pid')}:"
        if counts.get("host") == host and counts.get("pid") and not process_alive(who):
            run.status, run.finished_at = "killed", utcnow()
            run.error = f"process {counts['pid']} ended without finishing this record"
            session.add(run)


def _progress(console: Console | None) -> Progress | nullcontext:
    if console is None:
        return nullcontext()
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=console, transient=True)


# -- crawl ---------------------------------------------------------------------------------------


def shared_frontier(database_url: str | None = None) -> str | None:
    """The Redis URL of the crawl frontier that every crawl process storing into this
    database shares (REDIS_URL), or None to crawl alone: without REDIS_URL, and on SQLite,
    which lives on one machine and takes one crawl at a time (the crawl job lock)."""
    from store.db import database_url as resolve_url

    redis_url = (os.environ.get("REDIS_URL") or "").strip()
    if not redis_url:
        return None
    if resolve_url(database_url).startswith("sqlite"):
        log.info("REDIS_URL is set but the database is SQLite: crawling alone")
        return None
    return redis_url


def shares_work(job: str, database_url: str | None = None) -> bool:
    """True for the jobs that several processes run side by side, sharing the work, instead
    of one at a time under the job lock: `process` (claims on articles) and, on a shared
    frontier, `crawl`."""
    if job == "process":
        return True
    return job == "crawl" and shared_frontier(database_url) is not None


def crawl(*, names: list[str] | None = None, sources_file: Path | None = None,
          database_url: str | None = None, console: Console | None = None,
          timeout: float = 3600, settings: dict | None = None,
          stop: threading.Event | None = None) -> dict:
    """Crawl the sources (all, or `names`) in a child process and store what is new.

    The run's record counts what was stored as it goes (saved every few seconds), so
    a crawl stopped by Ctrl-C, SIGTERM, `stop` or its time budget says what it did.
    On a shared frontier (REDIS_URL, see `shared_frontier`) any number of crawls run at
    once, on any hosts, and each page is fetched by one of them; otherwise the crawl job
    lock lets one crawl run at a time.
    """
    from crawler.frontier import check_frontier, redact
    from crawler.run import CrawlSummary, run_crawl
    from crawler.sources import load_sources, select
    from store.db import database_url as resolve_url

    select(load_sources(sources_file), names)  # unknown names fail here, before any work
    url = resolve_url(database_url)
    frontier = shared_frontier(url)
    if frontier:
        check_frontier(frontier)  # a Redis that does not answer fails here, in one line
    summary = CrawlSummary()
    with recorded_run("crawl", url, lock=frontier is None) as counts, \
            _progress(console) as progress:
        task = progress.add_task("crawling", total=None) if progress else None
        if frontier:
            counts["frontier"] = redact(frontier)

        def on_event(event: dict) -> None:
            if progress is not None and event.get("event") == "page":
                progress.update(task, advance=1,
                                description=f"crawling {event.get('source', '')}")
            counts.update(summary.as_dict())
            counts.save()

        try:
            run_crawl(sources_file=sources_file, names=names, database_url=url,
                      timeout=timeout, on_event=on_event, settings=settings, summary=summary,
                      stop=stop, frontier=frontier)
        finally:
            counts.update(summary.as_dict())
            if summary.interrupted and console is not None:
                _print_crawl_summary(console, counts)
        if summary.interrupted:
            raise Interrupted(summary.reason)
    if console is not None:
        _print_crawl_summary(console, counts)
    return counts


def _print_crawl_summary(console: Console, counts: dict) -> None:
    per_source = counts.get("sources") or {}
    table = Table(title="crawl", title_justify="left")
    cols = ["fetched", "new", "updated", "unchanged", "duplicates", "off_topic", "too_short",
            "skipped", "errors"]
    table.add_column("source")
    for c in cols:
        table.add_column(c.replace("_", "-"), justify="right")
    for name, row in sorted(per_source.items()):
        table.add_row(Text(name), *(str(row.get(c, 0)) for c in cols))
    # A log or a pipe is no terminal: give the table its natural width rather than cutting
    # every heading to a stump at the default 80 columns.
    if console.is_terminal:
        console.print(table)
    else:
        # A log or a pipe is no terminal: give the table room rather than cutting every
        # heading to a stump at the default 80 columns.
        width = console.width
        console.width = max(width, 120)
        try:
            console.print(table)
        finally:
            console.width = width
    if counts.get("failed"):
        console.print(Text.assemble(("crawl failed: ", "red"),
                                    counts.get("reason") or "see the log"))
    elif counts.get("reason"):
        console.print(Text(f"crawl: {counts['reason']}"))


# -- process -------------------------------------------------------------------------------------


class _RegistryActors(Mapping):
    """The nlp actor registry, seen as the store's ActorInfo by id (family ids included)."""

    def __init__(self) -> None:
        from nlp.registry import load_registry

        self._registry = load_registry()

    def __getitem__(self, actor_id: str):
        from nlp.errors import UnknownActor
        from store.analysis import ActorInfo

        try:
            actor = self._registry.get(actor_id)
        except UnknownActor:
            raise KeyError(actor_id) from None
        return ActorInfo(actor.id, actor.name, actor.kind, actor.parent or None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry.actors)

    def __len__(self) -> int:
        return len(self._registry.actors)


def process(*, database_url: str | None = None, workers: int = 1, batch_size: int = 32,
            console: Console | None = None, stop: threading.Event | None = None) -> dict:
    """Analyse every stored article not yet analysed by this pipeline version.

    The work is shared by claims (store.claims), not by the job lock: any number of
    `process` runs, on any hosts, take batches of pending articles until none is left,
    and each article is analysed into the store once. `workers` > 1 starts that many
    worker processes here, each claiming its own batches; 1 analyses in this process.
    Stored articles were extracted from their pages already, so a text that quotes
    HTML tags is analysed as the text it is (the HTML check is for `analyze` input).
    `stop`, when set, ends the run after the batch in hand (Interrupted).
    """
    from nlp import PIPELINE_VERSION
    from store.analysis import count_to_analyse
    from store.db import database_url as resolve_url

    url = resolve_url(database_url)
    engine = get_engine(url)
    stop = stop or threading.Event()
    with recorded_run("process", url, lock=False) as counts, _progress(console) as progress:
        with session_scope(engine) as s:
            total = count_to_analyse(s, PIPELINE_VERSION)
        # `waiting`: how many needed analysing when the run began (all of them, once done).
        counts.update(analysed=0, errors=0, lost=0, waiting=total, version=PIPELINE_VERSION)
        if workers > 1:
            counts["workers"] = workers
        if total == 0:
            if console is not None:
                console.print("process: nothing to analyse, every stored article is up to date "
                              f"with pipeline {PIPELINE_VERSION}", markup=False)
            return counts
        task = progress.add_task("analysing", total=total) if progress else None

        def on_batch(analysed: int, errors: int, lost: int) -> None:
            counts["analysed"] += analysed
            counts["errors"] += errors
            counts["lost"] += lost
            counts.save()
            if progress is not None:
                progress.update(task, advance=analysed)

        if workers == 1:
            peak = [analyse_pending(url, batch_size=batch_size, on_batch=on_batch, stop=stop)]
        else:
            peak = _run_workers(url, workers, batch_size, on_batch, stop, counts)
        counts["peak_rss_mb"] = peak
        if stop.is_set():
            raise Interrupted(f"stopped on request after {counts['analysed']} articles; "
                              "the rest is analysed next run")
    if console is not None:
        console.print(f"process: analysed {counts['analysed']} of {counts['waiting']} articles, "
                      f"{counts['errors']} with errors (pipeline {PIPELINE_VERSION}"
                      + (f", {workers} workers)" if workers > 1 else ")"), markup=False)
    return counts


def analyse_pending(database_url: str, *, batch_size: int = 32,
                    on_batch: Callable[[int, int, int], None] | None = None,
                    stop: threading.Event | None = None) -> float:
    """One analysis worker: claim a batch of pending articles, analyse it, commit it, and
    again, until no article is pending; returns this process's peak memory in MB.

    Batches that other workers hold are waited for, up to two leases without progress:
    a worker that died leaves its claims to expire into ours, so a run ends with every
    article analysed; one that is alive but stuck (paused, its locks held) is left to
    finish its own batch, or to the next run. `on_batch(analysed, errors, lost)` is
    called after each commit; `lost` counts articles whose claim went to another worker
    before ours could commit.
    """
    from nlp import PIPELINE_VERSION, build_pipeline
    from store.analysis import count_to_analyse
    from store.claims import claim_articles, claim_lease

    engine = get_engine(database_url)
    holder, lease = process_identity(), claim_lease()
    stop = stop or threading.Event()
    nlp = info = None
    waiting_since = None
    while not stop.is_set():
        ids = claim_articles(engine, PIPELINE_VERSION, holder, size=batch_size, lease=lease)
        if not ids:
            with session_scope(engine) as s:
                left = count_to_analyse(s, PIPELINE_VERSION)
            waiting_since = waiting_since or time.monotonic()
            if left == 0:
                break
            if time.monotonic() - waiting_since > 2 * lease:
                log.info("%d articles are claimed by other workers, which analyse them", left)
                break
            # Claimed by other workers: wait, in case one dies and its claims expire.
            stop.wait(min(2.0, lease / 4))
            continue
        waiting_since = None
        if nlp is None:
            nlp, info = build_pipeline(), _RegistryActors()
        try:
            with _renewing(engine, holder, ids, lease):
                *done, saved = _analyse_batch(engine, holder, ids, nlp, info, batch_size,
                                              lease)
        except BaseException:
            # Killed politely (Ctrl-C, SIGTERM, an error): give the batch back at once
            # rather than after the lease. A SIGKILL leaves it to expire.
            _give_back(engine, holder, ids)
            raise
        if on_batch is not None:
            on_batch(*done)
        if not saved:  # the database is held by a stuck writer: leave it to the next run
            _give_back(engine, holder, ids)
            break
    return _peak_rss_mb()


def _give_back(engine, holder: str, ids: list[int]) -> None:
    from store.claims import release_claims

    with contextlib.suppress(sa.exc.SQLAlchemyError), session_scope(engine) as s:
        release_claims(s, holder, ids)


def _analyse_batch(engine, holder: str, ids: list[int], nlp, info, batch_size: int,
                   lease: float) -> tuple[int, int, int, bool]:
    """Analyse the claimed articles `ids` and commit them with their claims released, in one
    transaction: a worker killed half-way leaves whole batches or nothing. Returns the
    counts (analysed, errors, lost) and whether the batch could be saved."""
    from nlp import PIPELINE_VERSION, analyze_records
    from store.analysis import save_analysis
    from store.claims import held_articles, release_claims
    from store.models import Article

    with session_scope(engine) as s:
        rows = s.exec(select(Article).where(Article.id.in_(ids)).order_by(Article.id)).all()
        todo = [a for a in rows if a.analysed_version != PIPELINE_VERSION]
        hashes = {a.id: a.content_hash for a in todo}
        records = [{"id": str(a.id), "text": a.text, "title": a.title,
                    "published": a.published.isoformat() if a.published else None}
                   for a in todo]
    results = list(analyze_records(records, nlp=nlp, batch_size=batch_size,
                                   check_html=False)) if records else []
    analysed = errors = 0
    try:
        with session_scope(engine) as s:
            # Workers on other hosts may add the same new actor or person. A worker stopped
            # here (SIGSTOP) past its lease has lost its batch: the server ends its
            # transaction, and the others wait for it no longer than that.
            serialise_writes(s, wait_seconds=max(10.0, lease))
            mine = {a.id: a for a in held_articles(s, holder, hashes, PIPELINE_VERSION,
                                                    lease=lease)}
            for result in results:  # each result carries its article id as "id"
                article = mine.get(int(result["id"]))
                if article is None:
                    continue
                if "error" in result:
                    log.warning("article %s (%s): analysis failed: %s", article.id,
                                article.url, result["error"])
                    errors += 1
                    result = {}
                save_analysis(s, article, result, PIPELINE_VERSION, info)
                analysed += 1
            release_claims(s, holder, ids)
    except (sa.exc.OperationalError, sa.exc.InternalError) as exc:
        # The server ended our transaction (this worker was stopped too long), or another
        # writer held the database too long (stopped mid-write): nothing of the batch is
        # stored, and it is analysed again by whoever claims it next.
        log.warning("a batch of %d articles was not saved (%s); it is analysed again later",
                    len(ids), error_line(exc))
        return 0, 0, len(hashes), False
    return analysed, errors, len(hashes) - analysed, True


@contextmanager
def _renewing(engine, holder: str, ids: list[int], lease: float) -> Iterator[None]:
    """Renew the claims on `ids` every third of the lease while the block runs, so a live
    worker keeps its batch however long the analysis takes."""
    from store.claims import renew_claims

    done = threading.Event()

    def renew() -> None:
        while not done.wait(lease / 3):
            try:
                held = renew_claims(engine, holder, ids, lease=lease)
            except sa.exc.SQLAlchemyError as exc:
                log.warning("could not renew the claims on %d articles: %s", len(ids),
                            error_line(exc))
                continue
            if len(held) < len(ids) and not done.is_set():
                log.warning("%d of %d claimed articles went to another worker (this one was "
                            "too slow to renew); they are not saved twice",
                            len(ids) - len(held), len(ids))

    thread = threading.Thread(target=renew, name="pcnwatch-claims", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


def _run_workers(url: str, workers: int, batch_size: int,
                 on_batch: Callable[[int, int, int], None], stop: threading.Event,
                 counts: dict) -> list[float]:
    """Start `workers` analysis worker processes and pass on what they report until all
    have ended. They die with this process (a parent-death signal); on an error or a
    signal here they are stopped (SIGTERM: each gives its batch back) before it goes on."""
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited locks
    procs, conns, peak = [], {}, []
    try:
        for n in range(workers):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, name=f"pcnwatch-process-{n + 1}",
                               args=(theirs, url, batch_size, os.getpid()), daemon=True)
            proc.start()
            theirs.close()
            procs.append(proc)
            conns[ours] = proc
        asked_to_stop = False
        while conns:
            if stop.is_set() and not asked_to_stop:
                for conn in conns:
                    with contextlib.suppress(OSError):
                        conn.send("stop")
                asked_to_stop = True
            for conn in wait(list(conns), timeout=0.5):
                proc = conns[conn]
                try:
                    message = conn.recv()
                except EOFError:  # it ended without saying so: killed, or out of memory
                    proc.join(timeout=5)
                    del conns[conn]
                    counts["failed"] = counts.get("failed", 0) + 1
                    counts["error"] = (f"{proc.name} ended with exit code {proc.exitcode}; "
                                       "its batch goes to the other workers after the lease")
                    log.error("%s", counts["error"])
                    continue
                if message[0] == "batch":
                    on_batch(*message[1:])
                elif message[0] == "done":
                    peak.append(message[1])
                    del conns[conn]
                    proc.join(timeout=10)  # let it shut down by itself
                elif message[0] == "error":
                    counts["failed"] = counts.get("failed", 0) + 1
                    counts["error"] = f"{proc.name}: {message[1]}"
                    log.error("%s", counts["error"])
                    del conns[conn]
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return peak


def _worker_main(conn, database_url: str, batch_size: int, parent: int) -> None:
    """A worker process of `process --workers N`: analyse_pending, reporting on `conn`."""
    import signal

    from store.locks import die_with_parent

    die_with_parent()
    if os.getppid() != parent:  # the parent died before the signal was set
        os._exit(1)
    # The parent decides: Ctrl-C reaches it, and it stops us; SIGTERM gives the batch back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    stop = threading.Event()

    def listen() -> None:
        with contextlib.suppress(EOFError, OSError):
            while conn.recv() != "stop":
                pass
        stop.set()

    threading.Thread(target=listen, name="pcnwatch-stop", daemon=True).start()
    try:
        peak = analyse_pending(database_url, batch_size=batch_size, stop=stop,
                               on_batch=lambda *n: conn.send(("batch", *n)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which records it
        result = ("error", _error_text(exc))
    else:
        result = ("done", peak)
    # Nothing is left to give back: a SIGTERM from the parent from now on (it does not wait
    # long for the interpreter to shut down) ends this process quietly, not in a traceback.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn.send(result)


# -- demo ----------------------------------------------------------------------------------------


DEMO_DATABASE = "pcnwatch-demo.db"


def demo(*, out_dir: Path, console: Console, database_url: str | None = None) -> dict:
    """The whole pipeline, offline, on the bundled sample sites; outputs under `out_dir`.

    Unless DATABASE_URL says otherwise the demo keeps its own SQLite file in `out_dir`,
    so it never mixes sample news into a real database, and re-running it is safe. The
    long steps show progress bars; the end is a short summary (counts, and where the
    outputs are), not the outputs themselves.
    """
    from publish import write_outputs
    from store.db import redact

    out_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{out_dir / DEMO_DATABASE}"
    get_engine(url)  # a bad DATABASE_URL fails before any server starts
    runs: dict[str, dict] = {}
    with _sample_web() as web:
        sources = web.write_sources(out_dir / "demo-sources.toml", include_trouble=False)
        served = ", ".join(web.url(site) for site in web.ports)
        console.print(f"demo: serving the sample sites at {served}", markup=False)
        runs["crawl"] = _demo_step("crawl", console, lambda: crawl(
            sources_file=sources, database_url=url, console=console))
    runs["process"] = _demo_step("process", console, lambda: process(
        database_url=url, console=console))
    runs["timeline"] = _demo_step("timeline", console, lambda: timeline(
        database_url=url, console=console))
    with console.status("writing the digest, feeds, timeline page and calendar..."):
        written = write_outputs(out_dir, url)
    _demo_summary(console, url, out_dir, written)
    console.print(f"demo: database {redact(url)}", markup=False)
    return runs


def _demo_step(job: str, console: Console, call: Callable[[], dict]) -> dict:
    """Run one step; a failure is one line and the demo goes on with what it has."""
    try:
        counts = call()
    except Exception as exc:  # noqa: BLE001 - reported as one line; the next step still runs
        console.print(f"demo: {job} failed: {exc}", markup=False)
        return {"status": "error", "error": str(exc)}
    status = "error" if counts.get("failed") else "ok"
    return {"status": status, "counts": counts}


def _demo_summary(console: Console, url: str, out_dir: Path, written: list[Path]) -> None:
    from sqlalchemy import func

    from publish.deadlines import find_deadlines
    from publish.digest import latest_news_week
    from store.models import Article, Reaction, TimelineEntry

    with session_scope(get_engine(url)) as s:
        articles = s.exec(select(func.count()).select_from(Article)).one()
        changes = s.exec(select(func.count()).select_from(TimelineEntry)).one()
        reactions = s.exec(select(func.count()).select_from(Reaction)
                           .where(Reaction.timeline_entry_id.is_not(None))).one()
        deadlines = len(find_deadlines(s))
        week = latest_news_week(s)
    digest = out_dir / "digest.txt"
    console.print()
    console.print("demo: done.", markup=False)
    console.print(f"  {articles} articles stored; {changes} policy changes on the timeline, "
                  f"{reactions} reactions linked to them; {deadlines} dated deadlines",
                  markup=False)
    if week and digest.is_file():
        heading = digest.read_text(encoding="utf-8").splitlines()[0]
        console.print(f"  the digest of the newest week ({week}): \"{heading}\"", markup=False)
    console.print(f"  outputs in {out_dir}/: {', '.join(p.name for p in written)}", markup=False)
    console.print(f"  explore: open {out_dir / 'timeline.html'}, or DATABASE_URL={url} "
                  "pcnwatch timeline | deadlines | alerts | serve", markup=False)


DEMO_PORT = 8701  # fixed, so article URLs stay the same from one demo run to the next


@contextmanager
def _sample_web() -> Iterator:
    """The sample sites on the demo's fixed ports, or on free ones when those are taken."""
    from crawler.samplesites.server import start, stop

    try:
        web = start(port=DEMO_PORT)
    except OSError:
        web = start()
    try:
        yield web
    finally:
        stop(web)


# -- timeline ------------------------------------------------------------------------------------


def timeline(*, database_url: str | None = None, console: Console | None = None) -> dict:
    """Bring the timeline up to date with the stored analysis (incremental, one transaction)."""
    from store.timeline import rebuild_timeline

    engine = get_engine(database_url)
    # The rebuild commits inside the run record, so a failed commit is recorded as an error.
    with recorded_run("timeline", database_url) as counts, session_scope(engine) as s:
        counts.update(rebuild_timeline(s))
    if console is not None:
        if counts["articles"]:
            console.print(f"timeline: {counts['entries']} policy changes "
                          f"({counts['entries_created']} new); "
                          f"{counts['reactions_linked']} reactions linked to one, "
                          f"{counts['reactions_unlinked']} fit none", markup=False)
        else:
            console.print("timeline: up to date, nothing new analysed since the last build",
                          markup=False)
    return counts


def timeline_if_behind(database_url: str | None) -> None:
    """Bring the timeline up to date when some analysis is not in it yet (a recorded run).

    When another process is building it at this moment (its job lock is taken), the
    timeline is read as it is rather than waited for, as `pcnwatch timeline` does.
    """
    from store.errors import JobLocked
    from store.timeline import dirty_article_ids

    with session_scope(get_engine(database_url)) as s:
        behind = bool(dirty_article_ids(s))
    if behind:
        try:
            timeline(database_url=database_url)
        except JobLocked as exc:
            log.warning("%s; reading the timeline as it is", exc)


# -- snapshot ------------------------------------------------------------------------------------


def snapshot(path: Path, *, database_url: str | None = None,
             console: Console | None = None) -> dict:
    """Write the read-only SQLite snapshot of the research tables that `pcnwatch serve` reads."""
    from store.snapshot import export_sqlite

    with recorded_run("snapshot", database_url) as counts:
        counts["file"] = str(path)
        rows = export_sqlite(path, database_url)
        counts["rows"] = sum(rows.values())
    if console is not None:
        console.print(f"snapshot: {counts['rows']} rows of {len(rows)} tables written to {path}",
                      markup=False)
    return counts


# -- digest --------------------------------------------------------------------------------------


def registry_actors() -> dict[str, str | None]:
    """Actor ids the nlp registry knows, with parents, names and aliases, so filters accept
    actors not yet seen and what people call them ("BMA", "Royal College of GPs")."""
    from publish.queries import RegistryActors

    try:
        from nlp.registry import load_registry

        actors = load_registry().actors.values()
        return RegistryActors({a.id: a.parent or None for a in actors},
                              {a.id: [a.name, *a.aliases] for a in actors})
    except (ImportError, ValueError) as exc:  # a broken registry must not stop the outputs
        log.warning("actor registry unavailable (%s); using the actor table only", exc)
        return RegistryActors({})


def digest(*, week: str | None = None, send: bool = False, out_dir: Path | None = None,
           database_url: str | None = None, console: Console | None = None,
           stdout: IO[str] | None = None, resend_unknown: bool = False) -> dict:
    """Build the weekly digest: write it (`out_dir`), send it (`send`), or print its text.

    Sending holds the `digest` job lock, so two sends never run at once; writing or
    printing does not need it. `resend_unknown` sends again the digests whose delivery
    is unknown (see publish.mail).
    """
    from publish.digest import SAMPLE, last_complete_week, message_for, parse_week, write_files
    from publish.mail import SmtpSettings, send_week

    week = week or last_complete_week()
    parse_week(week)  # a bad week fails here, before a run is recorded
    settings = SmtpSettings.from_env() if send else None
    extra = registry_actors()
    engine = get_engine(database_url)
    timeline_if_behind(database_url)  # the digest reads the timeline
    with recorded_run("digest", database_url, lock=send) as counts:
        counts["week"] = week
        if out_dir is not None:
            paths = write_files(engine, week, out_dir, extra_actors=extra,
                                mail_from=settings.mail_from if settings else None)
            counts["written"] = [str(p) for p in paths]
        if settings is not None:
            from publish.digest import recipient_of

            send_week(engine, week, lambda sub: message_for(
                engine, week, recipient_of(sub), mail_from=settings.mail_from,
                extra_actors=extra), settings, counts, resend_unknown=resend_unknown)
        if out_dir is None and settings is None:
            msg = message_for(engine, week, SAMPLE, extra_actors=extra)
            (stdout or sys.stdout).write(msg.get_body(("plain",)).get_content())
    if console is not None:
        if out_dir is not None:
            console.print(f"digest {week}: wrote {len(counts['written'])} files to {out_dir}")
        if send:
            console.print(f"digest {week}: {counts['sent']} sent, {counts['refused']} refused, "
                          f"{counts['failed']} failed (tried again next run), "
                          f"{counts['skipped']} already sent"
                          + (f", {counts['unknown']} of unknown delivery (see pcnwatch digest "
                             f"--week {week} --status)" if counts["unknown"] else ""),
                          markup=False)
    return counts


def digest_status(*, week: str | None = None, database_url: str | None = None) -> dict:
    """How far each of `week`'s digest sends got (publish.mail.send_status)."""
    from publish.digest import last_complete_week, parse_week
    from publish.mail import send_status

    week = week or last_complete_week()
    parse_week(week)
    return send_status(get_engine(database_url), week)
