"""The ground of pcnwatch: tables, database, and the queries every other part uses.

It imports nothing else of pcnwatch, so it can be used alone.
"""

import logging

from store.articles import (
    ArticleRecord,
    KnownArticle,
    UpsertOutcome,
    known_articles,
    upsert_article,
)
from store.db import database_url, get_engine, session_scope
from store.errors import (
    BadDatabaseURL,
    BadQuery,
    DatabaseUnavailable,
    JobLocked,
    SchemaError,
    StoreError,
)
from store.search import search_articles, search_quotes

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ArticleRecord",
    "BadDatabaseURL",
    "BadQuery",
    "DatabaseUnavailable",
    "JobLocked",
    "KnownArticle",
    "SchemaError",
    "StoreError",
    "UpsertOutcome",
    "database_url",
    "get_engine",
    "known_articles",
    "search_articles",
    "search_quotes",
    "session_scope",
    "upsert_article",
]
