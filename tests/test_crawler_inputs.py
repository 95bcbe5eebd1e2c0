"""Files and JSON Lines given to `pcnwatch analyze` become analysis records, and an input
that cannot be read becomes an error in its place rather than stopping the run."""

import json
import subprocess
import sys

from crawler.inputs import file_records, jsonl_records


def test_each_jsonl_line_is_a_record_or_an_error_named_by_its_line():
    lines = ['{"id": "a", "text": "x"}\n', "\n", "{not json\n", "[1, 2]\n", '{"id": "b"}\n']
    records = list(jsonl_records(lines))
    assert [r["id"] for r in records] == ["a", "line-3", "line-4", "b"]
    assert records[1]["error"].startswith("line 3 is not valid JSON")
    assert records[2]["error"] == "line 4 is not a JSON object"
    assert "error" not in records[0] and "error" not in records[3]


def test_text_files_are_read_as_they_are_and_html_pages_are_extracted(tmp_path):
    (tmp_path / "note.txt").write_text("The college said networks need more time.")
    page = ("<html><head><title>Networks get more time</title></head><body><nav>Home | News"
            "</nav><article>" + "<p>The college said networks need more time to recruit "
            "pharmacists, and practices welcomed the delay.</p>" * 4 + "</article></body></html>")
    (tmp_path / "page.html").write_text(page)
    (tmp_path / "empty.html").write_text("<html><body></body></html>")
    paths = [tmp_path / "note.txt", tmp_path / "page.html", tmp_path / "empty.html"]
    from datetime import date

    text, html, empty = file_records(paths, date(2020, 3, 1))
    assert text["text"] == "The college said networks need more time."
    assert text["published"] == "2020-03-01"
    assert "need more time to recruit pharmacists" in html["text"]
    assert "Home | News" not in html["text"]
    assert html["title"] == "Networks get more time"
    assert empty["id"] == str(paths[2]) and "error" in empty and "text" not in empty


def test_analyze_starts_without_loading_the_store():
    # The store's libraries (SQLAlchemy, SQLModel, Alembic) took about 0.7 s of every
    # `pcnwatch analyze` start-up, which stores nothing.
    code = ("import sys, cli\n"
            "cli.main(['analyze', '--jsonl', '-'])\n"
            "loaded = sorted(m for m in ('store', 'sqlalchemy', 'sqlmodel', 'alembic', 'jobs')"
            " if m in sys.modules)\n"
            "print('LOADED', loaded, file=sys.stderr)\n")
    line = json.dumps({"id": "a", "text": "The BMA said the plan would harm practices."})
    run = subprocess.run([sys.executable, "-c", code], input=line + "\n", capture_output=True,
                         text=True, timeout=300)
    assert json.loads(run.stdout)["id"] == "a"
    assert "LOADED []" in run.stderr, run.stderr
