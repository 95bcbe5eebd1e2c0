"""The `pcnwatch` command: parse, call one library function, print.

No SQL, spaCy or Scrapy here: each command hands its options to `jobs`,
`publish`, `crawler` or `nlp` and shows what came back. Every error a user can
cause (a bad date, a missing file, an unknown actor, an unreachable database)
is a `ValueError` subclass in its layer, printed as one line on stderr with
exit code 2; never a traceback unless `--verbose` asks for it. A database error
is one line too, without its SQL or parameters. Libraries' own warnings go to
the log (`--verbose`), not to the terminal. Ctrl-C and SIGTERM stop the command
and whatever it started, and its run is recorded as interrupted.
"""

import json
import logging
import signal
import sys
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

log = logging.getLogger("pcnwatch")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

app = typer.Typer(
    name="pcnwatch",
    help="Watch UK primary-care news: crawl it, find who says what about PCN policy, "
    "keep a timeline, and publish digests, headlines and research queries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: Rich's would show <str> and <bool> after every option and read any
    # "[default: ...]" in a help text as markup (and drop it).
    rich_markup_mode=None,
)
query_app = typer.Typer(help="Filter and export articles, quotes, stances and events.",
                        no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True, rich_markup_mode=None)
subscribers_app = typer.Typer(help="Manage who gets the weekly digest.", no_args_is_help=True,
                              rich_markup_mode=None)
app.add_typer(query_app, name="query")
app.add_typer(db_app, name="db")
app.add_typer(subscribers_app, name="subscribers")

EXIT_BAD_INPUT = 2
EXIT_NOT_BUILT = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another process runs this job now; try again later
EXIT_SIGTERM = 128 + 15
# Loggers of pcnwatch itself; other loggers are libraries', shown only with --verbose.
OWN_LOGGERS = ("pcnwatch", "cli", "jobs", "scheduler", "crawler", "store", "nlp", "publish")


class _State:
    verbose = False


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _existing_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise typer.BadParameter(f"{value} does not exist or is not a file")
    return value


DateOpt = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.", metavar="DATE",
                                             callback=_parse_date)]
ActorOpt = Annotated[str | None, typer.Option(
    metavar="BODY", help="A body by id, name or alias, in any case (bma, \"Royal College of "
    "GPs\"); the bodies it has are included (bma finds bma-gpc).")]
TopicOpt = Annotated[str | None, typer.Option(metavar="TOPIC",
                                              help="A topic, e.g. pcn-targets or \"care homes\".")]
SourceOpt = Annotated[str | None, typer.Option(metavar="NAME", help="A source's name.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE",
                                                help="Write to a file.")]
BomOpt = Annotated[bool, typer.Option("--bom", help="Start a CSV with a byte-order mark, so "
                                      "Excel reads it as UTF-8.")]
RawCsvOpt = Annotated[bool, typer.Option("--raw-csv", help="CSV cells as stored, even those a "
                                         "spreadsheet would run as formulas.")]


def _not_built(what: str) -> None:
    err.print(f"pcnwatch: {what} is not built yet")
    raise typer.Exit(EXIT_NOT_BUILT)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and show "
                                          "tracebacks.")] = False,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", envvar="DATABASE_URL", metavar="URL",
        help="SQLAlchemy URL of the database [default: sqlite:///pcnwatch.db]")] = None,
) -> None:
    _State.verbose = verbose
    configure_logging(verbose)
    if database_url:
        import os

        os.environ["DATABASE_URL"] = database_url


def _own_record(record: logging.LogRecord) -> bool:
    return record.name.split(".", 1)[0] in OWN_LOGGERS


def configure_logging(verbose: bool) -> None:
    """pcnwatch's warnings on stderr; with `verbose`, everything at INFO, libraries too."""
    logging.captureWarnings(True)  # `warnings.warn` of libraries becomes a log record
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(_own_record)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        handlers=[handler], force=True)


# -- pipeline jobs -------------------------------------------------------------------------------


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR",
                                          help="Where to write the outputs.")] = Path("out"),
) -> None:
    """Run the whole pipeline offline on the bundled sample sites and write ./out/."""
    import jobs

    jobs.demo(out_dir=out_dir, console=out)


@app.command()
def crawl(
    source: Annotated[list[str] | None, typer.Option(
        "--source", metavar="NAME", help="Crawl only this source (repeatable).")] = None,
    sources: Annotated[Path | None, typer.Option(
        "--sources", metavar="FILE", help="A sources TOML file instead of the shipped one.",
        callback=_existing_file)] = None,
) -> None:
    """Run the spiders over the configured sources and store new articles."""
    import jobs

    summary = jobs.crawl(names=source or None, sources_file=sources, console=out)
    if summary.get("failed"):
        raise typer.Exit(1)


@app.command()
def process(
    workers: Annotated[int, typer.Option(min=1, max=32, metavar="N",
                                         help="Worker processes on this host; each claims "
                                         "its own batches of articles.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, metavar="N",
                                            help="Articles per claim and transaction.")] = 32,
) -> None:
    """Analyse every stored article not yet analysed by the current pipeline version.

    Any number of process commands, on any hosts, share the pending articles: each
    article is analysed once (see docs/scale.md)."""
    import jobs

    jobs.process(workers=workers, batch_size=batch_size, console=out)


class TimelineFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


@app.command()
def timeline(
    since: DateOpt = None,
    until: DateOpt = None,
    actor: Annotated[str | None, typer.Option(metavar="BODY", help="Only entries by or "
                                              "reacted to by this body.")] = None,
    topic: Annotated[str | None, typer.Option(metavar="TOPIC",
                                              help="Only entries on this topic.")] = None,
    format: Annotated[TimelineFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                                   help="text, json or html.")
                      ] = TimelineFormat.text,
    output: OutputOpt = None,
) -> None:
    """The timeline of policy changes and the reactions to each."""
    import jobs
    from publish.timeline import write_timeline
    from store.errors import JobLocked

    try:
        jobs.timeline()  # incremental: takes in only what was analysed since the last build
    except JobLocked as exc:  # another process is bringing it up to date right now
        err.print(f"pcnwatch: {exc}; showing the timeline as it is", markup=False)
    write_timeline(since=since, until=until, actor=actor, topic=topic, format=format.value,
                   output=output, stream=sys.stdout)
    if output is not None:
        err.print(f"timeline written to {output}")


class DeadlinesFormat(StrEnum):
    text = "text"
    json = "json"
    ics = "ics"


@app.command()
def deadlines(
    since: DateOpt = None,
    format: Annotated[DeadlinesFormat, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="text, json or ics (an RFC 5545 calendar to import or subscribe to).")
    ] = DeadlinesFormat.text,
) -> None:
    """What practices must do, and by when: dated requirements and consultations.

    Each deadline says how sure its date is and links its source. pcnwatch serve
    publishes the calendar at /deadlines.ics.
    """
    import jobs
    from publish.deadlines import write_deadlines

    jobs.timeline_if_behind(None)  # deadlines come from the timeline
    write_deadlines(since=since, format=format.value, stream=sys.stdout)


class AlertsFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def alerts(
    since: DateOpt = None,
    format: Annotated[AlertsFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                                 help="text or json.")] = AlertsFormat.text,
) -> None:
    """Bodies whose stance on a policy changed, with both statements and their dates."""
    import jobs
    from publish.alerts import write_alerts

    jobs.timeline_if_behind(None)  # alerts come from the timeline
    write_alerts(since=since, format=format.value, stream=sys.stdout)


@app.command()
def digest(
    week: Annotated[str | None, typer.Option(metavar="WEEK", help="ISO week, YYYY-Www "
                                             "[default: last week].")] = None,
    send: Annotated[bool, typer.Option("--send", help="Send by SMTP to subscribers.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Write .html, "
                                                 ".txt and .eml here.")] = None,
    status: Annotated[bool, typer.Option("--status", help="Show how far each send of the "
                                         "week got, and what to do about the unknown.")]
    = False,
    resend_unknown: Annotated[bool, typer.Option(
        "--resend-unknown", help="With --send: send again the digests whose delivery is "
        "unknown (a reader may get two).")] = False,
) -> None:
    """The weekly digest for practice managers.

    Without --send or --out, prints the plain-text digest. SMTP settings come from
    PCNWATCH_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD, _TIMEOUT and PCNWATCH_MAIL_FROM;
    unsubscribe links from PCNWATCH_PUBLIC_URL [default: http://127.0.0.1:8001, where
    pcnwatch serve answers them].
    """
    import jobs

    if status and (send or out_dir is not None):
        raise typer.BadParameter("--status only reports; give it without --send or --out")
    if resend_unknown and not send:
        raise typer.BadParameter("--resend-unknown goes with --send")
    if status:
        _print_send_status(jobs.digest_status(week=week))
        return
    counts = jobs.digest(week=week, send=send, out_dir=out_dir, console=out if send or out_dir
                         else None, resend_unknown=resend_unknown)
    if counts.get("failed") or counts.get("refused") or counts.get("unknown"):
        raise typer.Exit(1)


def _print_send_status(report: dict) -> None:
    # Plain lines, not a table: an address or a Message-ID must stay whole to be copied.
    counts = ", ".join(f"{n} {state}" for state, n in sorted(report["by_status"].items()))
    out.print(f"digest {report['week']}: {counts or 'nothing sent or due yet'}", markup=False)
    for row in report["attention"]:
        out.print(f"  {row['status']}: {row['email']} {row['message_id'] or ''} "
                  f"(tries: {row['attempts']}; {row['error'] or 'no error recorded'})",
                  markup=False)
    if any(row["status"] == "unknown" for row in report["attention"]):
        out.print(f"unknown: {report['advice']}", markup=False)
    if any(row["status"] in ("refused", "failed") for row in report["attention"]):
        out.print("refused and failed sends are tried again by the next pcnwatch digest "
                  "--send", markup=False)


class HeadlineFormat(StrEnum):
    text = "text"
    md = "md"
    json = "json"
    csv = "csv"
    rss = "rss"
    atom = "atom"
    jsonfeed = "jsonfeed"


@app.command()
def headlines(
    since: DateOpt = None,
    until: DateOpt = None,
    source: Annotated[str | None, typer.Option(metavar="NAME", help="Only stories carried "
                                               "by this source.")] = None,
    topic: TopicOpt = None,
    actor: ActorOpt = None,
    format: Annotated[HeadlineFormat, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="text, md, json, csv, rss, atom or jsonfeed.")] = HeadlineFormat.text,
    output: OutputOpt = None,
    bom: BomOpt = False,
    raw_csv: RawCsvOpt = False,
) -> None:
    """De-duplicated headlines, one per story, newest first."""
    import jobs
    from publish.feeds import write_headlines
    from publish.headlines import HeadlineFilters

    n = write_headlines(format.value, output=output, stream=sys.stdout,
                        filters=HeadlineFilters(since=since, until=until, source=source,
                                                topic=topic, actor=actor),
                        extra_actors=jobs.registry_actors() if actor else None, bom=bom,
                        raw_csv=raw_csv)
    if output is not None:
        out.print(f"wrote {n} stories to {output}", markup=False)


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    parquet = "parquet"


def _query(table: str, actor, stance, topic, since, until, source, search, format, output,
           limit, bom, raw_csv) -> None:
    import jobs
    from publish.queries import Filters, export

    export(table, Filters(actor=actor, stance=stance, topic=topic, since=since, until=until,
                          source=source, search=search, limit=limit),
           format.value, output=output, stream=sys.stdout, console=out,
           extra_actors=jobs.registry_actors() if actor else None, bom=bom, raw_csv=raw_csv)


def _make_query_command(table: str, doc: str):
    def command(
        actor: ActorOpt = None,
        stance: Annotated[str | None, typer.Option(
            metavar="STANCE", help="support, oppose, mixed or neutral.")] = None,
        topic: TopicOpt = None,
        since: DateOpt = None,
        until: DateOpt = None,
        source: SourceOpt = None,
        search: Annotated[str | None, typer.Option(metavar="WORDS",
                                                   help="Full-text search.")] = None,
        format: Annotated[QueryFormat, typer.Option(
            "--format", "-f", metavar="FORMAT",
            help="table, csv, json, jsonl or parquet.")] = QueryFormat.table,
        output: OutputOpt = None,
        limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="At most this many "
                                                  "rows.")] = None,
        bom: BomOpt = False,
        raw_csv: RawCsvOpt = False,
    ) -> None:
        _query(table, actor, stance, topic, since, until, source, search, format, output, limit,
               bom, raw_csv)

    command.__doc__ = doc
    query_app.command(table)(command)


for _table, _doc in {
    "articles": "Stored articles, with their actors, topics and story.",
    "quotes": "Quotes with speaker, actor, stance and evidence.",
    "stances": "Each actor's stance in each article, with its evidence.",
    "events": "Policy events as each article reports them.",
}.items():
    _make_query_command(_table, _doc)


@app.command()
def schedule(
    once: Annotated[bool, typer.Option("--once", help="Run crawl, process, timeline and digest "
                                                      "once, in order, and exit.")] = False,
    config: Annotated[Path | None, typer.Option(metavar="FILE", help="Schedule config (TOML).",
                                                callback=_existing_file)] = None,
) -> None:
    """Run the jobs on their timetable (APScheduler), in the foreground."""
    import scheduler

    settings = scheduler.load_config(config)
    scheduler.configure_logging()
    if once:
        runs = scheduler.run_once(config=settings)  # this process's runs only
        for job, run in runs.items():
            out.print(f"{job}: {run['status']}" + (f" ({run['error']})" if run["error"] else ""),
                      markup=False)
        if any(run["status"] not in ("ok", "skipped") for run in runs.values()):
            raise typer.Exit(1)
        return
    raise typer.Exit(scheduler.serve(settings))


@app.command()
def status(
    config: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Schedule config (TOML), for the next run times.",
        callback=_existing_file)] = None,
) -> None:
    """The last runs of each job and when each runs next."""
    import scheduler

    scheduler.print_status(scheduler.status(config=scheduler.load_config(config)), out)


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT",
                                      help="Port on 127.0.0.1.")] = 8001,
    snapshot: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Serve a SQLite snapshot of the research tables, written to FILE "
        "now (and by the scheduler after each process run, with snapshot_file set) [default: "
        "the database itself when it is SQLite, else pcnwatch-snapshot.db].")] = None,
) -> None:
    """Browse the research database read-only with Datasette, with live headline feeds.

    Feeds at /headlines.xml (Atom), /headlines.rss and /headlines.json (JSON Feed), each
    filtered by ?topic=, ?actor=, ?source=, ?since=; the stance chart at /-/stance; the
    timeline at /timeline (filtered by ?topic=, ?body=, ?from=, ?to=) and
    /pages/timeline.html; the deadlines calendar at /deadlines.ics.
    """
    import jobs
    from publish.datasette import serve as run_datasette

    run_datasette(port=port, snapshot=snapshot, extra_actors=jobs.registry_actors(),
                  announce=lambda line: out.print(line, markup=False))


@app.command()
def export(
    sqlite: Annotated[Path, typer.Option("--sqlite", metavar="FILE", help="The SQLite file to "
                                         "write (made, or replaced if it is a snapshot).")],
) -> None:
    """Write a read-only SQLite snapshot of the research tables, for pcnwatch serve."""
    import jobs

    jobs.snapshot(sqlite, console=out)


# -- analysis and extraction of single inputs ----------------------------------------------------


@app.command()
def analyze(
    files: Annotated[list[Path] | None, typer.Argument(metavar="FILE...",
                                                       help="Text or HTML files.")] = None,
    jsonl: Annotated[Path | None, typer.Option(
        "--jsonl", metavar="FILE", help="JSON Lines input: {id, text, published, title} a "
        "line; - for stdin.")] = None,
    published: DateOpt = None,
) -> None:
    """Analyse text without storing it; JSON Lines out (contract section 2)."""
    # Not through `jobs`: nothing here is stored, and loading the store's libraries took
    # about 0.7 s of every run's start-up (one short input: 2.4 s, now 1.7 s).
    from crawler.inputs import file_records, jsonl_records

    if not files and jsonl is None:
        raise typer.BadParameter("give FILE... or --jsonl IN.jsonl")
    if jsonl is not None and str(jsonl) != "-" and not jsonl.is_file():
        raise typer.BadParameter(f"{jsonl} does not exist or is not a file")
    for path in files or []:
        _existing_file(path)
    if jsonl is None:
        failed = _print_analyses(file_records(files or [], published))
    elif str(jsonl) == "-":
        failed = _print_analyses(jsonl_records(sys.stdin))
    else:
        with open(jsonl, encoding="utf-8") as stream:
            failed = _print_analyses(jsonl_records(stream))
    if failed:
        raise typer.Exit(1)


def _print_analyses(records: Iterable[dict]) -> int:
    """One JSON line per record, each as soon as it is analysed; returns how many failed."""
    from nlp import analyze_records

    failed = 0
    for result in analyze_records(records):
        failed += "error" in result
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return failed


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A saved HTML page.",
                                         callback=_existing_file)],
    url: Annotated[str | None, typer.Option(metavar="URL", help="The page's URL, for relative "
                                            "links and the canonical URL.")] = None,
) -> None:
    """The article in one saved page, as JSON; says on stderr when its body is short."""
    from crawler.extract import DEFAULT_OPTIONS, extract_page

    result = extract_page(file.read_bytes(), url)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if result["short"]:
        err.print(f"note: the article body is short ({len(result['text'])} characters, fewer "
                  f"than {DEFAULT_OPTIONS.min_text_chars}); a crawl would not store it",
                  markup=False)


# -- database and subscribers --------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from store.db import database_url, get_engine, head_revision, redact

    get_engine()
    out.print(f"{redact(database_url())} is at schema revision {head_revision()}")


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    name: Annotated[str | None, typer.Option(metavar="NAME",
                                             help="Name for the greeting.")] = None,
    topic: Annotated[list[str] | None, typer.Option(metavar="TOPIC", help="Only these topics "
                                                    "(repeatable).")] = None,
    actor: Annotated[list[str] | None, typer.Option(metavar="BODY", help="Only these bodies "
                                                    "(repeatable).")] = None,
) -> None:
    """Subscribe someone to the weekly digest."""
    import jobs
    from publish.mail import add_subscriber
    from store import get_engine

    sub = add_subscriber(get_engine(), email, name=name, topics=topic, actors=actor,
                         extra_actors=jobs.registry_actors() if actor else None)
    out.print(f"subscribed {sub.email}", markup=False)


@subscribers_app.command("list")
def subscribers_list() -> None:
    """List subscribers and their filters."""
    from publish.mail import list_subscribers
    from store import get_engine

    subscribers = list_subscribers(get_engine())
    if not subscribers:
        err.print("no subscribers yet: pcnwatch subscribers add EMAIL")
    from publish.hygiene import strip_bidi

    for s in subscribers:
        filters = " ".join([f"topic={t}" for t in s["topics"]] + [f"actor={a}" for a in
                                                                    s["actors"]])
        line = "\t".join(x for x in (s["email"], s["name"] or "", filters))
        out.print(strip_bidi(line), markup=False)


@subscribers_app.command("remove")
def subscribers_remove(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Unsubscribe someone."""
    from publish.mail import remove_subscriber
    from store import get_engine

    remove_subscriber(get_engine(), email)
    out.print(f"unsubscribed {email}", markup=False)


# -- entry point ---------------------------------------------------------------------------------


def _terminate(signum: int, _frame) -> None:
    # Once: a second SIGTERM must not cut short the clean-up the first one started.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(EXIT_SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """Run the app; user errors become one line on stderr, never a traceback."""
    command = typer.main.get_command(app)
    # SIGTERM unwinds like Ctrl-C: a job stops its children and records what it did.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        # Without standalone mode, an Exit raised by a command comes back as its return value.
        result = command.main(args=argv, prog_name="pcnwatch", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("pcnwatch: interrupted")
        return 130
    except SystemExit as exc:
        if exc.code == EXIT_SIGTERM:
            err.print("pcnwatch: stopped by SIGTERM")
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        return _report(exc)
    return result if isinstance(result, int) else 0


def _report(exc: Exception) -> int:
    """One line on stderr for `exc`, and the exit code it deserves."""
    import sqlalchemy as sa

    from store.db import error_line
    from store.errors import JobLocked

    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # Typer's usage errors
        message, code = exc.format_message(), exc.exit_code
    elif isinstance(exc, JobLocked):
        message, code = str(exc), EXIT_BUSY
    elif isinstance(exc, ValueError):  # every layer's user-facing errors subclass ValueError
        message, code = str(exc), EXIT_BAD_INPUT
    elif isinstance(exc, sa.exc.SQLAlchemyError):
        message, code = f"database error: {error_line(exc)}", 1
    elif isinstance(exc, OSError):
        message, code = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_BAD_INPUT
    else:
        message, code = f"unexpected {type(exc).__name__}: {exc} (--verbose shows more)", 1
    if _State.verbose:
        log.error("failed", exc_info=exc)
    err.print(f"pcnwatch: error: {message}", markup=False)
    return code


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
