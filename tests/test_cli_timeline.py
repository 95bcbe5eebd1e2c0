"""`pcnwatch timeline` and `pcnwatch status` as a user runs them: real process, real database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_timeline import add_article, draft_story, event, stance  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


def pcnwatch(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, str(REPO / "cli.py"), *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


@pytest.fixture
def story_url(draft_story):  # noqa: F811
    return str(draft_story.url)


def test_cli_timeline_builds_and_prints_json(story_url):
    done = pcnwatch("timeline", "--format", "json", url=story_url)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [(e["date"], e["action"]) for e in doc] == [("2019-12-23", "propose"),
                                                       ("2020-02-06", "reduce")]
    # The command built the timeline first and recorded that run.
    status = pcnwatch("status", url=story_url)
    assert status.returncode == 0, status.stderr
    assert "timeline" in status.stdout and "ok" in status.stdout


def test_cli_timeline_filters_and_html_file(story_url, tmp_path):
    out = tmp_path / "t.html"
    done = pcnwatch("timeline", "--actor", "rcgp", "-f", "html", "-o", str(out), url=story_url)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "network specifications" in page and "draft PCN service specifications" not in page
    text = pcnwatch("timeline", "--since", "2020-01-01", url=story_url).stdout
    assert text.startswith("Thu 6 Feb 2020  [scaled back]\n"
                           "  NHS England scaled back network specifications\n")


@pytest.mark.parametrize("args, message", [
    (["--actor", "bma-gcp"], "unknown actor 'bma-gcp'; known actors: bma, bma-gpc"),
    (["--topic", "targets"], "unknown topic 'targets'; closest: pcn-targets"),
    (["--since", "last week"], "is not a date"),
])
def test_cli_timeline_bad_input_is_one_line(story_url, args, message):
    done = pcnwatch("timeline", *args, url=story_url)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
