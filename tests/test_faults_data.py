"""Stored data that used to be dropped or read differently (issue 15, rows 9 and 14).

9. A stored article whose text quotes HTML tags is analysed like any other.
14. The same articles give the same timeline, whatever order they were crawled in.
"""

import json
import random

import pytest
from sqlmodel import select

import jobs
from crawler.samplesites.server import ARTICLES_DIR, SITES, SampleWeb
from store import ArticleRecord, get_engine, session_scope, upsert_article
from store.analysis import save_analysis
from store.db import dispose_engines
from store.models import ActorStance, Quote
from store.timeline import rebuild_timeline, timeline_entries, unlinked_reactions

# Our own words: an article about web pages that names three tags, and a quote.
TAGGED = (
    "A new guide for practice websites tells primary care network staff to build pages "
    "from proper headings, not from bare <div> and <span> tags, and to give every "
    "paragraph its own <p> so that screen readers can follow it. "
    "Dr Jane Holloway, chair of the BMA's GP committee, said: \"These targets were never "
    "deliverable and practices are exhausted by the workload.\"")


# -- 9: a stored article with tag-like strings -------------------------------------------------


def test_stored_article_quoting_tags_is_analysed(store_url, pcnwatch, tmp_path):
    with session_scope(get_engine(store_url)) as s:
        upsert_article(s, ArticleRecord(url="https://gp.example/web-guide", source="gp",
                                        title="Practice websites guide", text=TAGGED))
    counts = jobs.process(database_url=store_url)
    assert (counts["analysed"], counts["errors"]) == (1, 0)
    with session_scope(get_engine(store_url)) as s:
        quote = s.exec(select(Quote)).one()
        stances = s.exec(select(ActorStance)).all()
    assert "never deliverable" in quote.text and quote.stance == "oppose"
    assert stances
    # The HTML check still guards `pcnwatch analyze`, whose input may be a raw page.
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "raw", "text": TAGGED}) + "\n")
    (result,) = [json.loads(line) for line in
                 pcnwatch("analyze", "--jsonl", "in.jsonl").stdout.splitlines()]
    assert "HTML" in result["error"]


# -- 14: the same input, the same timeline ------------------------------------------------------


@pytest.fixture(scope="module")
def analysed_samples():
    """The bundled sample articles and their analysis, made once for the module."""
    from nlp import PIPELINE_VERSION, analyze_records

    web = SampleWeb(host="127.0.0.1", articles_dir=ARTICLES_DIR)
    articles = [a for site in SITES if site != "trouble-times" for a in web.articles(site)]
    records = [{"id": str(i), "text": a.text, "title": a.title,
                "published": a.published.isoformat()} for i, a in enumerate(articles)]
    results = {r["id"]: r for r in analyze_records(records)}
    return [(a, results[str(i)]) for i, a in enumerate(articles)], PIPELINE_VERSION


def _timeline_stored_in_order(url: str, samples: list, version: str) -> tuple:
    engine = get_engine(url)
    info = jobs._RegistryActors()
    with session_scope(engine) as s:
        for article, analysis in samples:
            _, row = upsert_article(s, ArticleRecord(
                url=f"https://{article.site}.test{article.path}", source=article.site,
                title=article.title, text=article.text, published=article.published))
            save_analysis(s, row, analysis, version, info)
    with session_scope(engine) as s:
        rebuild_timeline(s)
    with session_scope(engine) as s:
        # `updated` is when the entry was last written: the clock, not the input.
        entries = [{k: v for k, v in e.items() if k != "updated"}
                   for e in timeline_entries(s, unnamed=True)]
        return entries, unlinked_reactions(s)


def test_timeline_is_the_same_whatever_order_articles_were_stored_in(analysed_samples,
                                                                     tmp_path):
    samples, version = analysed_samples
    orders = {"as crawled": samples, "reversed": samples[::-1],
              "shuffled": random.Random(15).sample(samples, len(samples))}
    built = {}
    for name, order in orders.items():
        dispose_engines()
        built[name] = _timeline_stored_in_order(f"sqlite:///{tmp_path / (name + '.db')}",
                                                order, version)
    dispose_engines()
    entries, unlinked = built["as crawled"]
    # Enough to compare: many changes (one entry each since issue 12), some merged from
    # several articles, where the order reports arrive in could change the result.
    assert len(entries) > 10 and unlinked
    assert any(len(e["sources"]) > 2 for e in entries)
    for name in ("reversed", "shuffled"):
        assert len(built[name][0]) == len(entries), name
        assert built[name] == (entries, unlinked), f"the timeline differs when {name}"
