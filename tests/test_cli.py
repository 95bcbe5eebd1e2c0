"""The console command: every subcommand has help; user errors are one line, never a traceback."""

import json
import os

import pytest

from cli import app

COMMANDS = ["demo", "crawl", "process", "timeline", "digest", "headlines", "schedule", "status",
            "serve", "analyze", "extract", "query articles", "query quotes", "query stances",
            "query events", "db upgrade", "subscribers add", "subscribers list",
            "subscribers remove"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(pcnwatch, command):
    result = pcnwatch(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_contract_commands_are_all_registered():
    import typer

    names = set(typer.main.get_command(app).commands)
    assert {"demo", "crawl", "process", "timeline", "digest", "headlines", "query", "schedule",
            "analyze", "extract"} <= names


def _one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("args, fragments", [
    (["timeline", "--since", "2020-13-45"], ["--since", "YYYY-MM-DD"]),     # malformed date
    (["headlines", "--until", "last tuesday"], ["--until", "YYYY-MM-DD"]),
    (["query", "quotes", "--since", "01/02/2020"], ["--since", "YYYY-MM-DD"]),
    (["extract", "no-such-page.html"], ["no-such-page.html", "does not exist"]),
    (["analyze", "--jsonl", "missing.jsonl"], ["missing.jsonl", "does not exist"]),
    (["crawl", "--sources", "nowhere.toml"], ["nowhere.toml", "does not exist"]),
    (["no-such-command"], ["No such command"]),
])
def test_bad_arguments_are_one_line_errors(pcnwatch, args, fragments):
    _one_line_error(pcnwatch(*args), *fragments)


@pytest.mark.parametrize("url, fragment", [
    ("mysql-but-not-really://x", "is not a database URL"),
    ("postgresql://pcnwatch:hunter2@127.0.0.1:1/nothing", "cannot connect"),
])
def test_bad_database_url_is_one_line_error(pcnwatch, url, fragment):
    result = pcnwatch("db", "upgrade", env={"DATABASE_URL": url})
    _one_line_error(result, fragment)
    assert "hunter2" not in result.stderr


def test_unreadable_file_is_one_line_error(tmp_path):
    # Root reads any file, so as root the command runs as `nobody` (setpriv) on a locked file.
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    scratch = Path(tempfile.mkdtemp(prefix="pcnwatch-unreadable-"))
    scratch.chmod(0o777)
    page = scratch / "locked.html"
    page.write_text("<html><body><p>nothing to see</p></body></html>")
    page.chmod(0)
    command = [str(Path(sys.executable).parent / "pcnwatch"), "extract", str(page)]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    try:
        result = subprocess.run(command, cwd=scratch, capture_output=True, text=True,
                                timeout=120)
    finally:
        shutil.rmtree(scratch)
    _one_line_error(result, "not readable", "locked.html")


def test_db_upgrade_reports_revision_and_is_repeatable(pcnwatch):
    first, second = pcnwatch("db", "upgrade"), pcnwatch("db", "upgrade")
    assert first.returncode == second.returncode == 0
    assert "schema revision" in second.stdout


def test_verbose_shows_logging_not_tracebacks_for_user_errors(pcnwatch):
    result = pcnwatch("--verbose", "db", "upgrade", env={"DATABASE_URL": "nope://"})
    assert result.returncode == 2
    assert "is not a database URL" in result.stderr


def test_extract_prints_a_short_article_and_says_so(pcnwatch, tmp_path):
    para = ("The integrated care board said the network deadline had been set nationally "
            "and that it had no power to extend it.")
    page = tmp_path / "note.html"
    page.write_text(f"<html><head><title>Deadline stands</title></head><body><article>"
                    f"<h1>Deadline stands</h1><p>{para}</p></article></body></html>")
    result = pcnwatch("extract", str(page), "--url", "https://news.example.org/note/")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["text"] == para and got["short"] is True
    assert "short" in result.stderr and "would not store it" in result.stderr
    more = ("<p>Practices that have not found partners will be helped to do so, the board "
            "said, and none will lose funding because of paperwork.</p><p>The local medical "
            "committee will meet next week to decide how to respond to the deadline.</p>")
    page.write_text(page.read_text().replace(f"<p>{para}</p>", f"<p>{para}</p>{more}"))
    longer = pcnwatch("extract", str(page))
    assert json.loads(longer.stdout)["short"] is False and longer.stderr == ""
