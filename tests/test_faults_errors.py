"""Errors people meet at the command line (issue 15, row 10): each one line, soon, and
never the SQL or its parameters. Real `pcnwatch` processes, real sockets.
"""

import random
import socket
import time

import pytest


def one_line(result, *fragments: str) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for leak in ("Traceback", "error: unexpected", "[SQL", "[parameters", "INSERT", "SELECT",
                 "WARNING"):
        assert leak not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word (a hung server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_a_file_that_is_not_a_database(pcnwatch, tmp_path):
    (tmp_path / "notes.db").write_text("shopping: milk, bread\n")
    result = pcnwatch("status", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'notes.db'}"})
    one_line(result, "file is not a database")
    assert result.returncode == 2


def test_a_read_only_database_never_prints_the_sql_or_a_secret(pcnwatch, tmp_path):
    db = tmp_path / "ro.db"
    assert pcnwatch("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{db}"}).returncode == 0
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = pcnwatch("subscribers", "add", "manager@practice.test",
                      env={"DATABASE_URL": read_only})
    line = one_line(result, "readonly database")
    # The INSERT's parameters held the new subscriber's unsubscribe token.
    assert "manager@practice.test" not in line and "token" not in line


def test_a_postgresql_port_that_never_answers_fails_within_the_timeout(pcnwatch, silent_port):
    started = time.monotonic()
    result = pcnwatch("status", env={
        "DATABASE_URL": f"postgresql://pcnwatch:hunter2@127.0.0.1:{silent_port}/pcnwatch",
        "PCNWATCH_DB_CONNECT_TIMEOUT": "2"}, timeout=60)
    assert time.monotonic() - started < 20
    line = one_line(result, "cannot connect", "timeout")
    assert "hunter2" not in line


def test_an_smtp_server_that_never_answers_fails_within_the_timeout(pcnwatch, silent_port):
    assert pcnwatch("subscribers", "add", "manager@practice.test").returncode == 0
    started = time.monotonic()
    result = pcnwatch("digest", "--week", "2023-W10", "--send", env={
        "PCNWATCH_SMTP_HOST": "127.0.0.1", "PCNWATCH_SMTP_PORT": str(silent_port),
        "PCNWATCH_SMTP_TIMEOUT": "2"}, timeout=60)
    assert time.monotonic() - started < 20
    one_line(result, "cannot reach the SMTP server", "timed out")


@pytest.mark.parametrize("args, fragment", [
    (("serve", "--port", "99999"), "'--port': Input should be less than or equal to 65535"),
    (("serve", "--port", "0"), "'--port': Input should be greater than or equal to 1"),
    (("process", "--workers", "0"), "'--workers'"),
])
def test_argument_ranges_are_checked_before_anything_starts(pcnwatch, args, fragment):
    result = pcnwatch(*args)
    one_line(result, fragment)
    assert result.returncode == 2 and result.stdout == ""  # no "serving ..." first


def test_junk_to_extract_is_one_line_without_library_warnings(pcnwatch, tmp_path):
    # Seeded, so the bytes are the same on every run. These are bytes of which trafilatura
    # took a line for text, as it does for about one random page in nine.
    (tmp_path / "junk.html").write_bytes(random.Random(7).randbytes(4000))
    result = pcnwatch("extract", "junk.html")
    one_line(result, "no article extracted")
    assert result.returncode == 2


@pytest.mark.parametrize("env, fragment", [
    ({"PCNWATCH_DB_CONNECT_TIMEOUT": "soon"}, "PCNWATCH_DB_CONNECT_TIMEOUT"),
    ({"PCNWATCH_SMTP_TIMEOUT": "-1"}, "PCNWATCH_SMTP_TIMEOUT"),
])
def test_timeout_settings_are_checked(pcnwatch, env, fragment):
    args = ("digest", "--send") if "SMTP" in fragment else ("status",)
    database = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"} if "DB" in fragment \
        else {}
    one_line(pcnwatch(*args, env={**env, **database}), fragment)
