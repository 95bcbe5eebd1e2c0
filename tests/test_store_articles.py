"""Storing articles: idempotent upserts, duplicates, updates and stories, on both databases."""

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from store import ArticleRecord, UpsertOutcome, known_articles, session_scope, upsert_article
from store.models import Article, Story


def record(n: int = 1, **kw) -> ArticleRecord:
    base = dict(url=f"https://news.example/pcn-{n}", source="example",
                title=f"Networks face new targets ({n})",
                text=f"Primary care networks must deliver medication reviews. Item {n}.",
                published=date(2020, 1, 10), minhash=[n * 10 + i for i in range(4)])
    base.update(kw)
    return ArticleRecord(**base)


def count(engine, table) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def test_upsert_article_stores_and_reloads(fresh_store):
    with session_scope(fresh_store) as s:
        outcome, row = upsert_article(s, record(author="A Writer", lang="en"))
    assert outcome is UpsertOutcome.NEW
    with session_scope(fresh_store) as s:
        again = s.exec(select(Article).where(Article.url == "https://news.example/pcn-1")).one()
    assert (again.title, again.author, again.published, again.lang) == (
        "Networks face new targets (1)", "A Writer", date(2020, 1, 10), "en")
    assert again.story_id is not None and again.analysed_version is None


def test_upsert_article_twice_changes_no_row_counts(fresh_store):
    for _ in range(2):
        with session_scope(fresh_store) as s:
            outcomes = [upsert_article(s, record(n))[0] for n in (1, 2, 3)]
    assert outcomes == [UpsertOutcome.UNCHANGED] * 3
    assert count(fresh_store, Article) == 3
    assert count(fresh_store, Story) == 3


def test_upsert_article_same_content_other_url_is_duplicate(fresh_store):
    with session_scope(fresh_store) as s:
        upsert_article(s, record(1))
        outcome, twin = upsert_article(s, record(1, url="https://mirror.example/copy"))
    assert outcome is UpsertOutcome.DUPLICATE
    assert twin.url == "https://news.example/pcn-1"
    assert count(fresh_store, Article) == 1


def test_upsert_article_whitespace_and_case_do_not_make_a_new_article(fresh_store):
    with session_scope(fresh_store) as s:
        upsert_article(s, record(1))
        rec = record(1, url="https://other.example/x")
        rec.text = "  PRIMARY care networks must   deliver medication reviews.\nItem 1."
        assert upsert_article(s, rec)[0] is UpsertOutcome.DUPLICATE


def test_upsert_article_update_in_place_requeues_analysis(fresh_store):
    with session_scope(fresh_store) as s:
        _, row = upsert_article(s, record(1))
        row.analysed_version = "v1"
    with session_scope(fresh_store) as s:
        outcome, row = upsert_article(s, record(1, text="A corrected body about networks."))
    assert outcome is UpsertOutcome.UPDATED
    with session_scope(fresh_store) as s:
        rows = s.exec(select(Article)).all()
    assert len(rows) == 1
    assert rows[0].text == "A corrected body about networks." and rows[0].analysed_version is None


def test_upsert_article_near_duplicates_share_a_story(fresh_store):
    sig = list(range(100))
    rewritten = sig[:80] + [1000 + i for i in range(20)]  # 80% of positions agree
    with session_scope(fresh_store) as s:
        upsert_article(s, record(1, minhash=sig))
        upsert_article(s, record(2, minhash=rewritten, published=date(2020, 1, 12)))
        upsert_article(s, record(3, minhash=[5000 + i for i in range(100)]))
    with session_scope(fresh_store) as s:
        stories = {a.url[-1]: a.story_id for a in s.exec(select(Article))}
    assert stories["1"] == stories["2"] != stories["3"]


def test_known_articles_gives_fetch_state_by_url(fresh_store):
    with session_scope(fresh_store) as s:
        upsert_article(s, record(1, etag='"abc"', last_modified="Tue, 14 Jan 2020 10:00:00 GMT"))
        upsert_article(s, record(2, source="other"))
    with session_scope(fresh_store) as s:
        known = known_articles(s, "example")
    assert list(known) == ["https://news.example/pcn-1"]
    assert known["https://news.example/pcn-1"].etag == '"abc"'
