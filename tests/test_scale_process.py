"""Several `pcnwatch process` workers on one database (issue 14): real processes, real
PostgreSQL and SQLite, real SIGKILL.

Workers share the pending articles by claims (store/claims.py), not by the job lock: each
claims a batch, analyses it and commits it with its claims let go, and a worker that dies
leaves its batch to the others once its claims expire. What a user relies on: every
article is analysed into the store exactly once, whatever the number of workers, and a
killed worker leaves no part of its batch behind.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import _postgres_url
from sqlmodel import func, select
from test_scheduler import wait_for

from store.claims import claim_articles, claims_of, held_articles, release_claims
from store.db import dispose_engines, get_engine, session_scope
from store.locks import process_identity
from store.models import Article, JobRun, Quote

REPO = Path(__file__).resolve().parent.parent
PCNWATCH = Path(sys.executable).parent / "pcnwatch"
ARTICLES = REPO / "crawler" / "samplesites" / "articles"


@pytest.fixture
def postgres_url():
    dispose_engines()
    yield _postgres_url()
    dispose_engines()


def pending_articles(url: str, n: int) -> list[str]:
    """`n` stored, unanalysed articles: the sample sites' texts in turn; returns the texts."""
    texts = [p.read_text(encoding="utf-8").split("+++", 2)[-1].strip()
             for p in sorted(ARTICLES.glob("*/*.md"))]
    with session_scope(get_engine(url)) as s:
        for i in range(n):
            s.add(Article(url=f"https://scale.example/{i}", source="t", title=f"Article {i}",
                          text=texts[i % len(texts)], content_hash=f"{i:064d}"))
    return texts


def process(url: str, *args: str, lease: float = 5) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "PCNWATCH_CLAIM_LEASE_SECONDS": str(lease)}
    return subprocess.Popen([str(PCNWATCH), "process", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err


def runs(url: str) -> list[JobRun]:
    with session_scope(get_engine(url)) as s:
        return s.exec(select(JobRun).where(JobRun.job == "process").order_by(JobRun.id)).all()


def unanalysed(url: str) -> int:
    with session_scope(get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(Article)
                      .where(Article.analysed_version.is_(None))).one()


def quotes_by_text(url: str) -> dict[str, set[int]]:
    """How many quotes each text got, over all the articles that carry it: one number per
    text when every article was analysed once and whole."""
    with session_scope(get_engine(url)) as s:
        counts = dict(s.exec(select(Quote.article_id, func.count())
                             .group_by(Quote.article_id)).all())
        texts = {a.id: a.text for a in s.exec(select(Article))}
    out: dict[str, set[int]] = {}
    for article_id, text in texts.items():
        out.setdefault(text, set()).add(counts.get(article_id, 0))
    return out


def _held_once_settled(engine, pid: int) -> list[int]:
    """The claims of frozen process `pid`, once a commit it sent before it froze has landed:
    the server runs no statement for anyone else, and the claims read the same twice. A
    fixed pause was once too short on a busy host, and the claims vanished after the look."""
    last = None
    for _ in range(120):
        time.sleep(0.5)
        with engine.connect() as conn:
            busy = conn.execute(sa.text(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and pid <> pg_backend_pid() and state = 'active'")).scalar()
        held = sorted(a for a, who in claims_of(engine).items() if f":{pid}:" in who)
        if not busy and held == last:
            return held
        last = held
    raise AssertionError("the frozen worker's last statement never landed")


def test_three_process_commands_on_postgresql_analyse_every_article_exactly_once(
        postgres_url):
    pending_articles(postgres_url, 60)
    finish([process(postgres_url, "--batch-size", "4") for _ in range(3)])
    done = runs(postgres_url)
    assert len(done) == 3 and all(r.status == "ok" for r in done), [r.error for r in done]
    assert unanalysed(postgres_url) == 0
    # Each process counts what it committed: together, each article once.
    assert sum(r.counts["analysed"] for r in done) == 60
    assert all(r.counts["analysed"] > 0 for r in done), "a process found nothing to do"
    assert all(len(n) == 1 for n in quotes_by_text(postgres_url).values())
    assert claims_of(get_engine(postgres_url)) == {}


def test_a_worker_killed_mid_batch_leaves_its_batch_to_the_others_and_no_partial_rows(
        postgres_url):
    pending_articles(postgres_url, 40)
    engine = get_engine(postgres_url)
    first = process(postgres_url, "--batch-size", "10")
    try:
        # Killed after it committed its first batch, while it analyses a later one: frozen
        # first (SIGSTOP) so that what it holds can be read before it dies, since a batch
        # of ten short articles can be done between a look and a kill.
        wait_for(lambda: unanalysed(postgres_url) <= 30, timeout=180,
                 what="the first batch committed")
        held = []
        while not held:
            wait_for(lambda: [a for a, who in claims_of(engine).items()
                              if f":{first.pid}:" in who], timeout=180, what="a later batch")
            first.send_signal(signal.SIGSTOP)
            held = _held_once_settled(engine, first.pid)
            if not held:  # stopped between saving one batch and claiming the next
                first.send_signal(signal.SIGCONT)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    left = unanalysed(postgres_url)
    assert (40 - left) % 10 == 0, "the killed worker committed part of a batch"
    assert len(held) == 10, "the killed worker held part of a batch"
    assert set(held) <= set(claims_of(engine)), "the killed worker's claims vanished"
    finish([process(postgres_url, "--batch-size", "5") for _ in range(2)])
    assert unanalysed(postgres_url) == 0
    done = runs(postgres_url)
    assert done[0].status == "killed", "the killed worker's run was not closed as killed"
    assert sum(r.counts["analysed"] for r in done[1:]) == left
    assert all(len(n) == 1 for n in quotes_by_text(postgres_url).values())
    assert claims_of(engine) == {}


def test_process_workers_on_sqlite_share_the_articles(sqlite_url):
    pending_articles(sqlite_url, 24)
    finish([process(sqlite_url, "--workers", "2", "--batch-size", "4")])
    (run,) = runs(sqlite_url)
    assert run.status == "ok" and run.counts["analysed"] == 24
    assert len(run.counts["peak_rss_mb"]) == 2, "not two worker processes"
    assert all(mb > 50 for mb in run.counts["peak_rss_mb"])
    assert unanalysed(sqlite_url) == 0


def test_a_claim_goes_to_one_worker_and_expires_into_another(store_url):
    pending_articles(store_url, 6)
    engine = get_engine(store_url)
    first = claim_articles(engine, "v1", "host:1:a", size=4, lease=60)
    second = claim_articles(engine, "v1", "host:2:b", size=4, lease=0.2)
    assert first == [1, 2, 3, 4] and second == [5, 6]
    assert claim_articles(engine, "v1", "host:3:c", size=4, lease=60) == []
    time.sleep(0.5)
    # The second worker's claims ran out: a third takes them, and the second can no longer
    # save those articles.
    assert claim_articles(engine, "v1", "host:3:c", size=4, lease=60) == [5, 6]
    with session_scope(engine) as s:
        hashes = {a.id: a.content_hash for a in s.exec(select(Article))}
        assert held_articles(s, "host:2:b", {i: hashes[i] for i in second}, "v1",
                             lease=60) == []
        assert [a.id for a in held_articles(s, "host:3:c", {i: hashes[i] for i in second},
                                            "v1", lease=60)] == [5, 6]
        release_claims(s, "host:3:c", second)
    # A text changed since it was claimed is not saved: the analysis was of the old one.
    with session_scope(engine) as s:
        s.get(Article, 1).content_hash = "f" * 64
    with session_scope(engine) as s:
        assert [a.id for a in held_articles(s, "host:1:a", {i: hashes[i] for i in first},
                                            "v1", lease=60)] == [2, 3, 4]
    assert set(claims_of(engine).values()) == {"host:1:a"}


def test_one_worker_analyses_in_the_process_that_runs_the_command(sqlite_url):
    pending_articles(sqlite_url, 3)
    proc = process(sqlite_url)
    finish([proc])
    (run,) = runs(sqlite_url)
    assert run.counts["pid"] == proc.pid and run.counts["process"] != process_identity()
    assert "workers" not in run.counts and run.counts["analysed"] == 3
    assert len(run.counts["peak_rss_mb"]) == 1
