"""Full-text search over articles and quotes, one function per table.

SQLite answers from FTS5 tables, PostgreSQL from generated tsvector columns
(both made by the first migration). The user's words are searched as words:
no FTS syntax leaks through, so any text is a valid search.
"""

import re

import sqlalchemy as sa
from sqlmodel import Session, select

from store.errors import BadQuery
from store.models import Article, Quote

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    words = _WORD.findall(text or "")
    if not words:
        raise BadQuery(f"nothing to search for in {text!r}: give at least one word")
    return words


def _matching_ids(session: Session, table: str, text: str, limit: int) -> list[int]:
    words = _words(text)
    if session.get_bind().dialect.name == "postgresql":
        sql = sa.text(f"SELECT id FROM {table} WHERE search @@ plainto_tsquery('english', :q) "
                      f"ORDER BY ts_rank(search, plainto_tsquery('english', :q)) DESC, id "
                      f"LIMIT :n")
        params = {"q": " ".join(words), "n": limit}
    else:
        # Each word quoted, so FTS5 reads them as terms joined by AND, never as operators.
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        sql = sa.text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :q "
                      f"ORDER BY rank LIMIT :n")
        params = {"q": match, "n": limit}
    return [r[0] for r in session.connection().execute(sql, params)]


def search_articles(session: Session, text: str, *, limit: int = 100) -> list[Article]:
    """Articles whose title or body contain every word of `text`, best match first."""
    ids = _matching_ids(session, "article", text, limit)
    rows = {a.id: a for a in session.exec(select(Article).where(Article.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def search_quotes(session: Session, text: str, *, limit: int = 100) -> list[Quote]:
    """Quotes whose words or speaker contain every word of `text`, best match first."""
    ids = _matching_ids(session, "quote", text, limit)
    rows = {q.id: q for q in session.exec(select(Quote).where(Quote.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def matching_article_ids(session: Session, text: str, *, limit: int = 100_000) -> list[int]:
    """Ids of matching articles, for filters that join them to other tables."""
    return _matching_ids(session, "article", text, limit)


def matching_quote_ids(session: Session, text: str, *, limit: int = 100_000) -> list[int]:
    """Ids of matching quotes, for filters that join them to other tables."""
    return _matching_ids(session, "quote", text, limit)
