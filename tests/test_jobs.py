"""The jobs that join the layers: process stores analysis once per pipeline version,
and `pcnwatch analyze` answers every input line in order."""

import json
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

import jobs
import nlp
from store import ArticleRecord, get_engine, session_scope, upsert_article
from store.models import ActorStance, Article, JobRun, Mention, Quote

ARTICLES = [
    ("https://gp.example/a", "Networks told to cut targets",
     "NHS England has cut the number of network targets from five to two for the coming year. "
     "Dr Jane Holloway, chair of the BMA's GP committee, said: \"These targets were never "
     "deliverable and practices are exhausted by the workload.\"", date(2020, 1, 14)),
    ("https://gp.example/b", "College welcomes networks",
     "The Royal College of GPs welcomed the launch of primary care networks. Professor Ian "
     "Marsh, chair of the RCGP, said: \"Networks have real benefits for patients, but they "
     "need far more support and time to develop.\"", date(2019, 7, 1)),
]


@pytest.fixture
def stored(store_url):
    engine = get_engine(store_url)
    with session_scope(engine) as s:
        for url, title, text, published in ARTICLES:
            upsert_article(s, ArticleRecord(url=url, source="gp", title=title, text=text,
                                            published=published))
    return store_url


def _count(url, table) -> int:
    with session_scope(get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def test_process_analyses_each_article_once(stored):
    first = jobs.process(database_url=stored)
    assert first["analysed"] == 2 and first["errors"] == 0
    quotes, stances, mentions = (_count(stored, t) for t in (Quote, ActorStance, Mention))
    assert quotes >= 2 and stances >= 2 and mentions >= 2
    second = jobs.process(database_url=stored)
    assert second["analysed"] == 0
    assert (_count(stored, Quote), _count(stored, ActorStance), _count(stored, Mention)) == (
        quotes, stances, mentions)
    with session_scope(get_engine(stored)) as s:
        runs = s.exec(select(JobRun).where(JobRun.job == "process")).all()
        versions = {a.analysed_version for a in s.exec(select(Article))}
    assert [r.status for r in runs] == ["ok", "ok"]
    assert versions == {nlp.PIPELINE_VERSION}


def test_process_new_pipeline_version_replaces_old_rows(stored, monkeypatch):
    jobs.process(database_url=stored)
    quotes = _count(stored, Quote)
    monkeypatch.setattr(nlp, "pipeline_version", lambda: "test-next-version")
    again = jobs.process(database_url=stored)
    assert again["analysed"] == 2
    assert _count(stored, Quote) == quotes  # replaced, not added
    with session_scope(get_engine(stored)) as s:
        assert {q.pipeline_version for q in s.exec(select(Quote))} == {"test-next-version"}


def test_process_stores_quote_with_speaker_actor_and_evidence(stored):
    jobs.process(database_url=stored)
    with session_scope(get_engine(stored)) as s:
        quote = s.exec(select(Quote).where(Quote.text.contains("never deliverable"))).one()
    assert quote.speaker.endswith("Holloway")
    assert quote.actor_id in ("bma-gpc", "bma")
    assert quote.stance == "oppose"
    assert quote.evidence


def _analyze(pcnwatch, lines: list[str]) -> list[dict]:
    result = pcnwatch("analyze", "--jsonl", "-", input="\n".join(lines) + "\n")
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_analyze_jsonl_answers_every_line_in_order_with_errors_for_bad_ones(pcnwatch):
    good = {"id": "g1", "text": ARTICLES[0][2], "published": "2020-01-14", "title": None}
    result, rows = _analyze(pcnwatch, [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "no-text", "published": None}),
        json.dumps({**good, "id": "g2"}),
        json.dumps({"id": "bad-date", "text": "x", "published": "14/01/2020"}),
    ])
    assert [r["id"] for r in rows] == ["g1", "line-2", "no-text", "g2", "bad-date"]
    assert [("error" in r) for r in rows] == [False, True, True, False, True]
    assert rows[0]["quotes"] and rows[0]["quotes"][0]["stance"] == "oppose"
    assert result.returncode == 1  # some inputs failed


def test_analyze_files_reads_text_and_html(pcnwatch, tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLES[1][2])
    (tmp_path / "b.html").write_text(
        "<html><head><title>College welcomes networks</title></head><body><article>"
        + "".join(f"<p>{p}.</p>" for p in ARTICLES[1][2].split(". "))
        + "<p>Networks of neighbouring practices will share pharmacists, physiotherapists and "
          "social prescribers, paid for through the new network contract.</p>"
        + "</article></body></html>")
    result = pcnwatch("analyze", "a.txt", "b.html", "--published", "2019-07-01")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a.txt", "b.html"]
    for row in rows:
        assert "rcgp" in {a["id"] for a in row["actors"]}


def test_recorded_run_closes_a_run_whose_process_was_killed(sqlite_url):
    import subprocess
    import sys

    # A child process opens a run record and is killed before it can close it.
    child = subprocess.Popen([sys.executable, "-c", (
        "import jobs, os, signal\n"
        f"with jobs.recorded_run('process', {sqlite_url!r}):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n")])
    child.wait(timeout=120)
    with jobs.recorded_run("process", sqlite_url) as counts:
        counts["analysed"] = 0
    with session_scope(get_engine(sqlite_url)) as s:
        runs = s.exec(select(JobRun).order_by(JobRun.id)).all()
    assert [r.status for r in runs] == ["killed", "ok"]
    assert str(child.pid) in runs[0].error and runs[1].counts["analysed"] == 0
