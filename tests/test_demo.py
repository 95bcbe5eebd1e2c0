"""`pcnwatch demo`: the whole pipeline, offline, from one command, safe to run twice."""

import email
import json
from email import policy

import feedparser
import pytest


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    import os
    import subprocess
    import sys
    from pathlib import Path

    where = tmp_path_factory.mktemp("demo")
    script = Path(sys.executable).parent / "pcnwatch"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    runs = [subprocess.run([str(script), "demo"], cwd=where, env=env, capture_output=True,
                           text=True, timeout=900) for _ in range(2)]
    return where, runs


def test_demo_runs_and_says_what_it_did(demo_run):
    _, (first, _) = demo_run
    assert first.returncode == 0, first.stderr
    for step in ("crawl: ok", "process: ok", "timeline: ok", "policy changes on the timeline"):
        assert step in first.stdout


def test_demo_writes_every_output(demo_run):
    where, _ = demo_run
    for name in ("digest.html", "digest.txt", "digest.eml", "headlines.xml", "headlines.json",
                 "timeline.html"):
        assert (where / "out" / name).stat().st_size > 200, name


def test_demo_outputs_read_back(demo_run):
    where, _ = demo_run
    feed = feedparser.parse((where / "out" / "headlines.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) >= 15
    titles = [e.title for e in feed.entries]
    assert len(titles) == len(set(titles)), "a story appears twice in the headlines"
    items = json.loads((where / "out" / "headlines.json").read_text())["items"]
    assert len(items) == len(feed.entries)
    msg = email.message_from_bytes((where / "out" / "digest.eml").read_bytes(),
                                   policy=policy.default)
    assert msg.get_body(("plain",)) and msg.get_body(("html",))
    assert "<svg" in (where / "out" / "timeline.html").read_text()


def test_demo_timeline_has_the_sample_policy_changes_in_order_with_reactions(demo_run):
    import os
    import subprocess
    import sys
    from pathlib import Path

    where, _ = demo_run
    script = Path(sys.executable).parent / "pcnwatch"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{where / 'out' / 'pcnwatch-demo.db'}"}
    result = subprocess.run([str(script), "timeline", "--format", "json"], cwd=where, env=env,
                            capture_output=True, text=True, timeout=300)
    entries = json.loads(result.stdout)
    dates = [e["date"] for e in entries if e["date"]]
    assert dates == sorted(dates)
    assert dates[0] < "2019-08-01" and dates[-1] >= "2024-01-01"
    reacted = {(e["date"][:7], r["actor_id"]) for e in entries if e["date"]
               for r in e["reactions"]}
    # The December 2019 drafts and the February 2020 scale-back drew the profession's answers.
    assert any(month in ("2019-12", "2020-01") and actor.startswith(("bma", "lmc"))
               for month, actor in reacted)
    actions = {e["action"] for e in entries}
    assert {"propose", "reduce", "agree", "announce"} <= actions


def test_demo_second_run_adds_nothing(demo_run):
    _, (first, second) = demo_run
    assert second.returncode == 0, second.stderr
    assert "new 0" not in first.stdout
    assert "analysed" not in second.stdout.split("process:")[1].splitlines()[0]
