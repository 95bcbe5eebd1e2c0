"""Running a crawl in its own process.

`run_crawl` starts `python -m crawler.run ...` as a child, so the caller (the CLI,
the scheduler) never runs the Twisted reactor itself and can crawl again and
again. The child runs one spider per source and way of finding articles, all in
one CrawlerProcess, and writes JSON lines to stdout:

    {"event": "start", "source": ..., "spider": ...}
    {"event": "page", "source": ..., "url": ..., "outcome": ..., "reason": ...}
      (outcome: new, updated, unchanged, duplicate, dropped, skipped or error)
    {"event": "source_done", "source": ..., "stats": {"pcnwatch/...": n, ...}}

`run_crawl` passes each event to `on_event` and returns a `CrawlSummary` built
from the `pcnwatch/...` stats of every source, or, for a source whose spiders
did not all finish, from the page events counted as they came.

One process tree per crawl. The child dies with its parent however the parent
ends (a parent-death signal, and a watch on its parent for systems without one).
Ctrl-C, SIGTERM or a `stop` event in the parent stop the child (SIGTERM, which
Scrapy takes as "finish what is in hand", then SIGKILL after `STOP_GRACE`
seconds), and the summary says what was stored until then. A crawl has a time
budget: its spiders close themselves a little before `timeout`
(PCNWATCH_CLOSE_AT), keeping and counting what they stored, and the rest of a
long feed is crawled by the next run, newest first; only a child still running
at `timeout` is stopped.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.defaults import BUDGET_REASON
from crawler.errors import CrawlFailed
from crawler.sources import load_sources, select

log = logging.getLogger(__name__)

COUNTS = ("fetched", "new", "updated", "unchanged", "duplicates", "off_topic", "too_short",
          "skipped", "errors")
# Verdicts on pages that were read, not failures to read them.
_NOT_ERRORS = {"off-topic", "duplicate", "too-short"}
STOP_GRACE = 5.0  # seconds a stopped child has to finish the items in hand


def counts_from_stats(stats: dict[str, Any]) -> dict[str, int]:
    """The summary counts of one source from its crawl stats (`pcnwatch/...` keys)."""

    def get(key: str) -> int:
        return int(stats.get(f"pcnwatch/{key}", 0) or 0)

    dropped = {k.split("/", 2)[2]: int(v) for k, v in stats.items()
               if k.startswith("pcnwatch/dropped/")}
    errors = sum(int(v) for k, v in stats.items() if k.startswith("pcnwatch/errors/"))
    errors += sum(n for reason, n in dropped.items() if reason not in _NOT_ERRORS)
    return {
        "fetched": get("fetched"),
        "new": get("new"),
        "updated": get("updated"),
        "unchanged": get("unchanged"),
        "duplicates": get("duplicates") + dropped.get("duplicate", 0),
        "off_topic": dropped.get("off-topic", 0),
        "too_short": dropped.get("too-short", 0),
        # pages the page table had judged and left alone (verdict standing, failure backing off)
        "skipped": sum(int(v) for k, v in stats.items() if k.startswith("pcnwatch/skipped/")),
        "errors": errors,
    }


def budget_seconds(timeout: float) -> float:
    """How long the spiders of a crawl with `timeout` may fetch before closing themselves.

    The rest is kept for finishing the items in hand and for Scrapy to shut down: a fifth
    of the timeout, at least 10 s and at most a minute (at most half of a short timeout).
    """
    keep = min(60.0, max(10.0, timeout / 5), timeout / 2)
    return max(0.5, timeout - keep)


@dataclass
class CrawlSummary:
    """What a crawl did, per source; `failed` when the child crashed or timed out,
    `interrupted` when it was stopped, `budget_reached` when its spiders ran out of time."""

    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False
    interrupted: bool = False
    budget_reached: bool = False
    reason: str | None = None
    returncode: int | None = None
    seconds: float = 0.0
    live: dict[str, Counter] = field(default_factory=dict)
    live_errors: dict[str, Counter] = field(default_factory=dict)
    spiders: dict[str, int] = field(default_factory=dict)  # started, per source
    done: dict[str, int] = field(default_factory=dict)  # finished, per source

    def add_stats(self, source: str, stats: dict[str, Any]) -> None:
        merged = self.stats.setdefault(source, {})
        for key, value in stats.items():
            if isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
        self.done[source] = self.done.get(source, 0) + 1
        self._settle(source)

    def add_event(self, event: dict[str, Any]) -> None:
        """Count one event of the child as it comes (what a crawl stopped early keeps)."""
        kind, source = event.get("event"), event.get("source")
        if not source:
            return
        live = self.live.setdefault(source, Counter())
        errors = self.live_errors.setdefault(source, Counter())
        if kind == "start":
            self.spiders[source] = self.spiders.get(source, 0) + 1
        elif kind == "source_done":
            if event.get("finish_reason") in (BUDGET_REASON, "closespider_timeout"):
                self.budget_reached = True
            self.add_stats(source, event.get("stats", {}))
            return
        elif kind == "page":
            outcome, reason = event.get("outcome"), event.get("reason") or "other"
            if outcome in ("new", "updated"):
                live[outcome] += 1
                live["fetched"] += 1
            elif outcome == "unchanged":
                live["unchanged"] += 1
            elif outcome == "skipped":  # a page-table verdict that stands: not fetched
                live["skipped"] += 1
            elif outcome == "duplicate" or (outcome == "dropped" and reason == "duplicate"):
                live["duplicates"] += 1
                live["fetched"] += 1
            elif outcome == "dropped" and reason == "off-topic":
                live["off_topic"] += 1
                live["fetched"] += 1
            elif outcome == "dropped" and reason == "too-short":
                live["too_short"] += 1
                live["fetched"] += 1
            elif outcome in ("dropped", "error"):
                live["errors"] += 1
                errors[reason] += 1
                live["fetched"] += outcome == "dropped"
        self._settle(source)

    def _settle(self, source: str) -> None:
        # A source's stats are exact once every spider of it has finished; until then
        # (or if the child never finishes) the events counted as they came stand.
        if source in self.stats and self.done.get(source, 0) >= self.spiders.get(source, 1):
            self.sources[source] = counts_from_stats(self.stats[source])
        else:
            live = self.live.get(source, Counter())
            self.sources[source] = {k: int(live.get(k, 0)) for k in COUNTS}

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(c[k] for c in self.sources.values()) for k in COUNTS}

    def errors_by_kind(self, source: str) -> dict[str, int]:
        if source not in self.stats or self.done.get(source, 0) < self.spiders.get(source, 1):
            return dict(self.live_errors.get(source, {}))
        stats = self.stats.get(source, {})
        out = {k.split("/", 2)[2]: int(v) for k, v in stats.items()
               if k.startswith("pcnwatch/errors/")}
        out.update({k.split("/", 2)[2]: int(v) for k, v in stats.items()
                    if k.startswith("pcnwatch/dropped/")
                    and k.split("/", 2)[2] not in _NOT_ERRORS})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"sources": {k: dict(v) for k, v in self.sources.items()},
                "totals": self.totals,
                "errors_by_kind": {s: self.errors_by_kind(s) for s in sorted(self.sources)},
                "failed": self.failed, "interrupted": self.interrupted,
                "budget_reached": self.budget_reached, "reason": self.reason,
                "returncode": self.returncode, "seconds": round(self.seconds, 3)}


def run_crawl(*, sources_file: Path | None, names: list[str] | None, database_url: str,
              timeout: float = 3600, on_event: Callable[[dict], None] | None = None,
              settings: dict[str, Any] | None = None, summary: CrawlSummary | None = None,
              stop: threading.Event | None = None,
              frontier: str | None = None) -> CrawlSummary:
    """Crawl the named sources (all enabled ones if None) in a child process.

    `frontier`, a Redis URL, puts the crawl on the frontier it shares with every crawl
    process on that Redis (crawler.frontier); None crawls alone with Scrapy's scheduler.

    Source names are checked here, so an unknown name raises UnknownSource before
    anything starts. `settings` overrides Scrapy/PCNWATCH settings in the child.
    `summary` is filled as events come, so a caller interrupted by Ctrl-C still has
    it; `stop`, when set, stops the child early (the summary says `interrupted`).
    """
    select(load_sources(sources_file), names)  # fail fast on a bad file or name
    budget = budget_seconds(timeout)
    # An instant, not a length: the child's start-up (seconds of imports) is in the budget.
    cmd = [sys.executable, "-m", "crawler.run", "--database-url", database_url,
           "--close-at", f"{time.time() + budget:.3f}", "--parent-pid", str(os.getpid())]
    if settings:
        cmd += ["--settings", json.dumps(settings)]
    if frontier:
        cmd += ["--frontier"]  # the URL goes by the environment: it may hold a password
    if sources_file is not None:
        cmd += ["--sources-file", str(sources_file)]
    for name in names or []:
        cmd += ["--source", name]
    summary = summary if summary is not None else CrawlSummary()
    started = time.monotonic()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if frontier:
        env["REDIS_URL"] = frontier
    try:
        # Its own session: a terminal's Ctrl-C reaches us, and we stop the child in order.
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, encoding="utf-8", env=env,
                                 start_new_session=True)
    except OSError as exc:
        raise CrawlFailed(f"cannot start the crawl process ({exc})") from exc
    tail: deque[str] = deque(maxlen=40)
    err_reader = threading.Thread(target=_drain, args=(child.stderr, tail), daemon=True)
    err_reader.start()
    out_reader = threading.Thread(target=_read_events, args=(child.stdout, summary, on_event),
                                  daemon=True)
    out_reader.start()

    def finish() -> None:
        out_reader.join(timeout=10)
        err_reader.join(timeout=10)
        summary.seconds = time.monotonic() - started

    try:
        while True:
            try:
                summary.returncode = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if stop is not None and stop.is_set():
                summary.returncode = _stop(child)
                summary.interrupted = True
                summary.reason = "crawl stopped on request; what it stored is kept"
                break
            if time.monotonic() - started > timeout:
                summary.returncode = _stop(child)
                summary.failed = True
                summary.reason = (f"crawl timed out after {timeout:g} s and was stopped; "
                                  "what it stored is kept and counted")
                break
    except BaseException as exc:  # Ctrl-C, SIGTERM: the crawl ends with us
        summary.returncode = _stop(child)
        summary.interrupted = True
        summary.reason = f"crawl interrupted ({type(exc).__name__}); what it stored is kept"
        finish()
        log.warning("%s", summary.reason)
        raise
    finish()
    if not (summary.failed or summary.interrupted) and summary.returncode != 0:
        summary.failed = True
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        summary.reason = f"crawl process exited with code {summary.returncode}: {last}"
    elif summary.budget_reached and not (summary.failed or summary.interrupted):
        summary.reason = (f"stopped at its time budget ({budget:g} s); the rest is crawled "
                          "next run, newest first")
    if summary.failed:
        log.error("%s", summary.reason)
    elif summary.reason:
        log.warning("%s", summary.reason)
    return summary


def _stop(child: subprocess.Popen) -> int:
    """Stop the child and all it started: SIGTERM, then SIGKILL after STOP_GRACE seconds."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 30.0)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            return child.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return child.wait()


def _drain(stream: Any, tail: deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip("\n"))
        log.debug("crawl: %s", line.rstrip("\n"))


def _read_events(stream: Any, summary: CrawlSummary,
                 on_event: Callable[[dict], None] | None) -> None:
    for line in stream:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            log.debug("crawl stdout: %s", line.rstrip("\n"))
            continue
        if not isinstance(event, dict):
            continue
        summary.add_event(event)
        if on_event is not None:
            try:
                on_event(event)
            except Exception:  # noqa: BLE001 - a display error must not stop the crawl
                log.exception("on_event failed for %s", event)


def crawl_in_process(*, sources_file: str | None, names: list[str] | None,
                     database_url: str, overrides: dict[str, Any] | None = None,
                     close_at: float | None = None, frontier: str | None = None) -> None:
    """Run the crawl in this process (the child's side); blocks until it ends.

    `close_at` (a time.time() instant) is when the spiders close themselves, keeping
    what they stored (crawler.middlewares.BudgetExtension). `frontier`: the Redis URL
    of the shared frontier (crawler.frontier), or None.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders import SPIDERS
    from store import get_engine

    sources = select(load_sources(sources_file), names)
    # Connect and migrate once here, before several crawlers race to do it.
    get_engine(database_url)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PCNWATCH_DATABASE_URL", database_url, priority="cmdline")
    settings.set("PCNWATCH_SOURCES_FILE", sources_file, priority="cmdline")
    settings.set("PCNWATCH_EVENTS_ENABLED", True, priority="cmdline")
    settings.set("PCNWATCH_EVENTS_FILE", "-", priority="cmdline")
    if close_at is not None:
        settings.set("PCNWATCH_CLOSE_AT", close_at, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    if frontier:
        from crawler.frontier import frontier_settings

        per_domain = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        for key, value in frontier_settings(frontier, per_domain).items():
            settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    for source in sources:
        for kind in source.kinds:
            process.crawl(SPIDERS[kind], source=source)
    process.start()


def _die_with_parent(parent: int) -> None:
    """End this process when `parent`, the one that started it, ends, even by SIGKILL.

    Linux's parent-death signal does it at once; a thread watching our parent pid
    does it on other systems (within a second).
    """
    from store.locks import die_with_parent

    die_with_parent()
    if os.getppid() != parent:  # it died before the signal was set
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="pcnwatch-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run",
                                     description="Crawl sources into the store "
                                     "(JSON-lines events on stdout).")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sources-file")
    parser.add_argument("--source", action="append", dest="names")
    parser.add_argument("--settings", help="JSON object of setting overrides")
    parser.add_argument("--close-at", type=float,
                        help="time.time() instant at which the spiders close themselves")
    parser.add_argument("--parent-pid", type=int,
                        help="end when this process (the one that started us) ends")
    parser.add_argument("--frontier", action="store_true",
                        help="share the frontier in Redis at $REDIS_URL with other crawls")
    args = parser.parse_args(argv)
    if args.parent_pid:
        _die_with_parent(args.parent_pid)
    # Scrapy's own log goes to stderr; stdout carries only the events.
    overrides = json.loads(args.settings) if args.settings else {}
    overrides.setdefault("LOG_FILE", None)
    try:
        crawl_in_process(sources_file=args.sources_file, names=args.names,
                         database_url=args.database_url, overrides=overrides,
                         close_at=args.close_at,
                         frontier=os.environ.get("REDIS_URL") if args.frontier else None)
    except ValueError as exc:  # CrawlError, StoreError: one line, no traceback
        print(f"crawl: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
