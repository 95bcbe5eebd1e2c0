"""The page table: every article URL the crawler asked for, and when to ask again.

A crawl records what it made of each page (`record_page`) and, at the next crawl, reads
what it knows (`known_pages`) to leave alone what it already judged. Failures back off:
each failure in a row doubles the wait before the page is due again, up to a cap.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from store.errors import BadQuery
from store.models import PAGE_FAILURES, PAGE_OUTCOMES, Page, utcnow


@dataclass
class PageRecord:
    """What one request for an article page came to.

    `outcome` None keeps the page's verdict (a 304: the page did not change)."""

    url: str
    source: str
    outcome: str | None
    reason: str | None = None
    detail: str | None = None
    status: int | None = None
    article_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    source_lastmod: str | None = None
    content_hash: str | None = None
    checked_at: dt.datetime | None = None


@dataclass(frozen=True)
class KnownPage:
    """What a crawl needs to know of a page to skip it or ask for it conditionally."""

    url: str
    outcome: str
    etag: str | None
    last_modified: str | None
    source_lastmod: str | None
    failures: int
    next_due_at: dt.datetime

    @property
    def failed(self) -> bool:
        return self.outcome in PAGE_FAILURES


def record_page(session: Session, rec: PageRecord, *, wait: dt.timedelta,
                backoff: dt.timedelta, backoff_max: dt.timedelta) -> Page | None:
    """Store what became of the page: due again after `wait`, or after `backoff` doubled
    for each failure in a row (at most `backoff_max`) when the outcome is a failure."""
    if rec.outcome is not None and rec.outcome not in PAGE_OUTCOMES:
        raise BadQuery(f"unknown page outcome {rec.outcome!r}; one of {', '.join(PAGE_OUTCOMES)}")
    now = rec.checked_at or utcnow()
    row = session.exec(select(Page).where(Page.url == rec.url)).first()
    if row is None:
        if rec.outcome is None:  # a verdict kept for a page we never judged: nothing to keep
            return None
        row = Page(url=rec.url, source=rec.source, outcome=rec.outcome, first_seen_at=now)
    row.source, row.checked_at = rec.source, now
    if rec.outcome is not None:
        row.outcome, row.reason, row.detail = rec.outcome, rec.reason, rec.detail
        row.article_url = rec.article_url
        if rec.content_hash is not None or rec.outcome in PAGE_FAILURES:
            row.content_hash = rec.content_hash or row.content_hash
    if rec.status is not None:
        row.status = rec.status
    if rec.outcome not in PAGE_FAILURES:
        # A response: its validators describe the page now (a 304 may repeat or renew them).
        row.etag = rec.etag or (row.etag if rec.outcome is None else None)
        row.last_modified = rec.last_modified or (row.last_modified if rec.outcome is None
                                                  else None)
    if rec.source_lastmod is not None:
        row.source_lastmod = rec.source_lastmod
    if rec.outcome in PAGE_FAILURES:
        row.failures = (row.failures or 0) + 1
        wait = min(backoff_max, backoff * 2 ** (row.failures - 1))
    else:
        row.failures = 0
    row.next_due_at = now + wait
    session.add(row)
    return row


def known_pages(session: Session, source: str | None = None) -> dict[str, KnownPage]:
    """Every page the crawler asked for (of one source), by canonical URL."""
    query = select(Page.url, Page.outcome, Page.etag, Page.last_modified, Page.source_lastmod,
                   Page.failures, Page.next_due_at)
    if source is not None:
        query = query.where(Page.source == source)
    return {r[0]: KnownPage(*r) for r in session.exec(query)}
