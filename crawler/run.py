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
from the `pcnwatch/...` stats of every source.
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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import CrawlFailed
from crawler.sources import load_sources, select

log = logging.getLogger(__name__)

COUNTS = ("fetched", "new", "updated", "unchanged", "duplicates", "off_topic", "too_short",
          "skipped", "errors")
# Verdicts on pages that were read, not failures to read them.
_NOT_ERRORS = {"off-topic", "duplicate", "too-short"}


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


@dataclass
class CrawlSummary:
    """What a crawl did, per source; `failed` when the child crashed or timed out."""

    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False
    reason: str | None = None
    returncode: int | None = None
    seconds: float = 0.0

    def add_stats(self, source: str, stats: dict[str, Any]) -> None:
        merged = self.stats.setdefault(source, {})
        for key, value in stats.items():
            if isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
        self.sources[source] = counts_from_stats(merged)

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(c[k] for c in self.sources.values()) for k in COUNTS}

    def errors_by_kind(self, source: str) -> dict[str, int]:
        stats = self.stats.get(source, {})
        out = {k.split("/", 2)[2]: int(v) for k, v in stats.items()
               if k.startswith("pcnwatch/errors/")}
        out.update({k.split("/", 2)[2]: int(v) for k, v in stats.items()
                    if k.startswith("pcnwatch/dropped/")
                    and k.split("/", 2)[2] not in _NOT_ERRORS})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "totals": self.totals, "failed": self.failed,
                "reason": self.reason, "returncode": self.returncode,
                "seconds": round(self.seconds, 3)}


def run_crawl(*, sources_file: Path | None, names: list[str] | None, database_url: str,
              timeout: float = 3600, on_event: Callable[[dict], None] | None = None,
              settings: dict[str, Any] | None = None) -> CrawlSummary:
    """Crawl the named sources (all enabled ones if None) in a child process.

    Source names are checked here, so an unknown name raises UnknownSource before
    anything starts. `settings` overrides Scrapy/PCNWATCH settings in the child.
    """
    select(load_sources(sources_file), names)  # fail fast on a bad file or name
    cmd = [sys.executable, "-m", "crawler.run", "--database-url", database_url]
    if sources_file is not None:
        cmd += ["--sources-file", str(sources_file)]
    for name in names or []:
        cmd += ["--source", name]
    if settings:
        cmd += ["--settings", json.dumps(settings)]
    summary = CrawlSummary()
    started = time.monotonic()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    try:
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
    try:
        summary.returncode = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(child)
        summary.returncode = child.wait()
        summary.failed = True
        summary.reason = f"crawl timed out after {timeout:g} s and was stopped"
    out_reader.join(timeout=10)
    err_reader.join(timeout=10)
    summary.seconds = time.monotonic() - started
    if not summary.failed and summary.returncode != 0:
        summary.failed = True
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        summary.reason = f"crawl process exited with code {summary.returncode}: {last}"
    if summary.failed:
        log.error("%s", summary.reason)
    return summary


def _kill(child: subprocess.Popen) -> None:
    # The child leads its own process group; end it and anything it started.
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


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
        if event.get("event") == "source_done":
            summary.add_stats(event["source"], event.get("stats", {}))
        elif event.get("source") and event["source"] not in summary.sources:
            summary.sources[event["source"]] = dict.fromkeys(COUNTS, 0)
        if on_event is not None:
            try:
                on_event(event)
            except Exception:  # noqa: BLE001 - a display error must not stop the crawl
                log.exception("on_event failed for %s", event)


def crawl_in_process(*, sources_file: str | None, names: list[str] | None,
                     database_url: str, overrides: dict[str, Any] | None = None) -> None:
    """Run the crawl in this process (the child's side); blocks until it ends."""
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
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    for source in sources:
        for kind in source.kinds:
            process.crawl(SPIDERS[kind], source=source)
    process.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run",
                                     description="Crawl sources into the store "
                                     "(JSON-lines events on stdout).")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sources-file")
    parser.add_argument("--source", action="append", dest="names")
    parser.add_argument("--settings", help="JSON object of setting overrides")
    args = parser.parse_args(argv)
    # Scrapy's own log goes to stderr; stdout carries only the events.
    overrides = json.loads(args.settings) if args.settings else {}
    overrides.setdefault("LOG_FILE", None)
    try:
        crawl_in_process(sources_file=args.sources_file, names=args.names,
                         database_url=args.database_url, overrides=overrides)
    except ValueError as exc:  # CrawlError, StoreError: one line, no traceback
        print(f"crawl: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
