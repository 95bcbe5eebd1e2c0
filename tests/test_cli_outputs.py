"""The output commands as a user runs them: the installed `pcnwatch` script, real files."""

import csv
import io
import json
import socket
from email import message_from_bytes, policy

import feedparser
import pytest
from test_publish_queries import ARTICLES, HOSTILE_TITLE, build_newsroom

URL = {a["key"]: a["url"] for a in ARTICLES}


@pytest.fixture
def cli(pcnwatch, sqlite_url):
    build_newsroom(sqlite_url)
    return pcnwatch


def _one_line_error(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_query_quotes_jsonl_actor_includes_children(cli):
    r = cli("query", "quotes", "--actor", "bma", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["actor_id"] for x in rows] == ["bma-gpc"]
    assert {"url", "text", "speaker", "actor_id", "stance", "confidence",
            "evidence"} <= set(rows[0])


def test_query_unfiltered_writes_every_row(cli):
    r = cli("query", "events", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 4


def test_query_stances_csv_to_file(cli, tmp_path):
    out = tmp_path / "stances.csv"
    r = cli("query", "stances", "--stance", "oppose", "--format", "csv", "--output", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {x["actor_id"] for x in rows} == {"bma-gpc", "lmc-kent"}


def test_query_table_is_readable(cli):
    r = cli("query", "events", "--search", "online booking")
    assert r.returncode == 0, r.stderr
    assert "online booking" in r.stdout and "require" in r.stdout


@pytest.mark.parametrize(("args", "fragments"), [
    # unknown values suggest the closest known ones
    (["query", "quotes", "--actor", "bmx"], ["unknown actor 'bmx'", "closest: ",
                                             "bma (British Medical Association)"]),
    (["query", "articles", "--topic", "targets"], ["unknown topic", "closest: pcn-targets"]),
    (["query", "quotes", "--format", "json", "--bom"], ["--bom is for --format csv"]),
    (["query", "stances", "--stance", "angry"], ["unknown stance", "oppose"]),
    (["query", "quotes", "--format", "parquet"], ["--output"]),
    (["headlines", "--topic", "nope"], ["unknown topic"]),
    (["digest", "--week", "2023-10"], ["YYYY-Www"]),
    (["subscribers", "add", "pm@surgery.test", "--topic", "nope"], ["unknown topic"]),
    (["subscribers", "remove", "nobody@surgery.test"], ["not subscribed"]),
    # a PostgreSQL database is served through a snapshot, so it must be reachable
    (["serve"], ["cannot connect"]),
    (["export", "--sqlite", "pcnwatch.db"], ["is the database itself"]),
])
def test_output_commands_bad_input_is_one_line(cli, args, fragments):
    env = {"DATABASE_URL": "postgresql://u@127.0.0.1:1/x"} if args == ["serve"] else None
    _one_line_error(cli(*args, env=env), *fragments)


def test_headlines_atom_reads_back(cli):
    r = cli("headlines", "--format", "atom", "--since", "2023-03-01", "--until", "2023-03-12")
    assert r.returncode == 0, r.stderr
    feed = feedparser.parse(r.stdout)
    assert not feed.bozo
    assert [e.link for e in feed.entries] == [URL["hostile"], URL["cut"]]
    assert feed.entries[0].title == HOSTILE_TITLE


def test_headlines_jsonfeed_to_file(cli, tmp_path):
    out = tmp_path / "feed" / "headlines.json"
    r = cli("headlines", "--format", "jsonfeed", "--output", str(out), "--actor", "lmcs")
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert [i["url"] for i in doc["items"]] == [URL["hostile"]]


def test_digest_out_writes_three_files(cli, tmp_path):
    out = tmp_path / "digest-out"
    r = cli("digest", "--week", "2023-W10", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {"digest.html", "digest.txt", "digest.eml"}
    msg = message_from_bytes((out / "digest.eml").read_bytes(), policy=policy.default)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<script>" not in (out / "digest.html").read_text()
    assert str(out) in r.stdout


def test_digest_send_server_down_is_one_line(cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert cli("subscribers", "add", "pm@surgery.test").returncode == 0
    r = cli("digest", "--week", "2023-W10", "--send",
            env={"PCNWATCH_SMTP_HOST": "127.0.0.1", "PCNWATCH_SMTP_PORT": str(port)})
    _one_line_error(r, "cannot reach the SMTP server", str(port))


def test_subscribers_add_list_remove(cli):
    r = cli("subscribers", "add", "pm@surgery.test", "--name", "Pat", "--topic", "workforce",
            "--actor", "bma")
    assert r.returncode == 0, r.stderr
    listed = cli("subscribers", "list").stdout
    assert "pm@surgery.test" in listed and "topic=workforce" in listed and "actor=bma" in listed
    assert cli("subscribers", "remove", "pm@surgery.test").returncode == 0
    assert "pm@surgery.test" not in cli("subscribers", "list").stdout


# What a researcher types for a body, and the bodies whose quotes must come back.
@pytest.mark.parametrize(("actor", "expected"), [
    ("BMA", {"bma-gpc"}),                       # an id in capitals; its committee included
    ("Royal College of GPs", {"rcgp"}),         # an alias from the actor registry
    ("royal college of general practitioners", {"rcgp"}),  # the registry's name, lower case
    ("Kent LMC", {"lmc-kent"}),                 # the name an article gave a local committee
])
def test_query_actor_by_name_or_alias_in_any_case(cli, actor, expected):
    r = cli("query", "quotes", "--actor", actor, "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert {json.loads(line)["actor_id"] for line in r.stdout.splitlines()} == expected


def test_query_topic_in_any_case(cli):
    upper = cli("query", "articles", "--topic", "PCN Targets", "--format", "jsonl")
    exact = cli("query", "articles", "--topic", "pcn-targets", "--format", "jsonl")
    assert upper.returncode == 0, upper.stderr
    assert upper.stdout == exact.stdout and len(exact.stdout.splitlines()) == 2


@pytest.mark.parametrize("args", [["query", "quotes"], ["headlines"]])
def test_csv_with_bom_for_excel(cli, tmp_path, args):
    out = tmp_path / "out.csv"
    r = cli(*args, "--format", "csv", "--bom", "--output", str(out))
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and raw.count("\ufeff".encode()) == 1
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and "url" in rows[0]


def test_export_sqlite_writes_a_snapshot(cli, tmp_path):
    import sqlite3

    from store.snapshot import is_snapshot

    r = cli("export", "--sqlite", "research.db")
    assert r.returncode == 0, r.stderr
    path = tmp_path / "research.db"
    assert is_snapshot(path) and "research.db" in r.stdout
    assert cli("subscribers", "add", "pm@surgery.test").returncode == 0
    assert cli("export", "--sqlite", "research.db").returncode == 0  # again: replaced in place
    with sqlite3.connect(tmp_path / "pcnwatch.db") as live, sqlite3.connect(path) as db:
        for view in ("quotes", "actor_stances", "events", "headlines"):
            count = f"SELECT COUNT(*) FROM {view}"
            assert db.execute(count).fetchone() == live.execute(count).fetchone() != (0,)
        assert db.execute("SELECT COUNT(*) FROM subscriber").fetchone() == (0,)  # private


def _commands() -> list[list[str]]:
    import typer

    from cli import app

    root = typer.main.get_command(app)
    found = [[]]
    for name, command in root.commands.items():
        subs = getattr(command, "commands", None)
        found += [[name, sub] for sub in subs] if subs else [[name]]
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "pcnwatch")
def test_help_shows_no_type_placeholders_on_options(command):
    import re

    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    options = result.output.split("Options:", 1)[1]
    # "--since DATE", never "--since <str>" or "--send <bool>"
    assert not re.search(r"<(str|bool|int|float|path|text)\b", options), options
    assert "[default: last week]" in result.output or command != ["digest"]
