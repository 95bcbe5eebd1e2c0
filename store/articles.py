"""Storing articles idempotently.

An article is keyed by its canonical URL. Storing it again with the same
content changes nothing; with new content it is updated in place and queued
for analysis again; the same content under another URL is a duplicate and is
not stored twice. New articles join the story of a near-identical article
(see `store.stories`).
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, select

from store.models import Article, Source, utcnow
from store.stories import assign_story


class UpsertOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass
class ArticleRecord:
    """What the crawler hands the store for one page."""

    url: str
    source: str
    title: str
    text: str
    published: date | None = None
    author: str | None = None
    lang: str | None = None
    relevance: float | None = None
    relevance_reason: str | None = None
    minhash: list[int] = field(default_factory=list)
    fetched_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    source_lastmod: str | None = None


@dataclass(frozen=True)
class KnownArticle:
    """What a crawl needs to know of a stored article to skip or re-validate it."""

    url: str
    content_hash: str
    etag: str | None
    last_modified: str | None
    source_lastmod: str | None


_SPACE = re.compile(r"\s+")
_CONTENT_FIELDS = ("title", "text", "published", "author", "lang")
_FETCH_FIELDS = ("etag", "last_modified", "source_lastmod", "relevance", "relevance_reason")


def content_hash(title: str, text: str) -> str:
    """A hash of what a reader sees, blind to whitespace, case and Unicode form."""
    norm = unicodedata.normalize("NFKC", f"{title}\n{text}").casefold()
    return hashlib.sha256(_SPACE.sub(" ", norm).strip().encode()).hexdigest()


def upsert_article(session: Session, rec: ArticleRecord) -> tuple[UpsertOutcome, Article]:
    """Store `rec`, or update the stored copy; returns what happened and the row."""
    digest = content_hash(rec.title, rec.text)
    now = rec.fetched_at or utcnow()
    row = session.exec(select(Article).where(Article.url == rec.url)).first()
    if row is not None:
        _copy(rec, row, _FETCH_FIELDS)
        row.fetched_at = now
        if row.content_hash == digest and all(
            getattr(row, f) == getattr(rec, f) for f in _CONTENT_FIELDS
        ):
            session.add(row)
            return UpsertOutcome.UNCHANGED, row
        _copy(rec, row, _CONTENT_FIELDS)
        row.content_hash, row.minhash, row.updated_at = digest, rec.minhash, now
        row.analysed_version = row.analysed_at = row.timeline_at = None
        session.add(row)
        session.flush()
        return UpsertOutcome.UPDATED, row
    twin = session.exec(select(Article).where(Article.content_hash == digest)).first()
    if twin is not None:
        return UpsertOutcome.DUPLICATE, twin
    row = Article(url=rec.url, source=rec.source, content_hash=digest, minhash=rec.minhash,
                  fetched_at=now, first_seen_at=now, updated_at=now,
                  **{f: getattr(rec, f) for f in _CONTENT_FIELDS + _FETCH_FIELDS})
    session.add(row)
    session.flush()
    assign_story(session, row)
    return UpsertOutcome.NEW, row


def _copy(rec: ArticleRecord, row: Article, fields: tuple[str, ...]) -> None:
    for f in fields:
        setattr(row, f, getattr(rec, f))


def known_articles(session: Session, source: str | None = None) -> dict[str, KnownArticle]:
    """Every stored article (of one source), by canonical URL."""
    query = select(Article.url, Article.content_hash, Article.etag, Article.last_modified,
                   Article.source_lastmod)
    if source is not None:
        query = query.where(Article.source == source)
    return {r[0]: KnownArticle(*r) for r in session.exec(query)}


def upsert_source(session: Session, name: str, home: str, config: dict) -> Source:
    """Record a source as the sources file now describes it."""
    row = session.get(Source, name) or Source(name=name, home=home)
    row.home, row.config = home, config
    session.add(row)
    return row
