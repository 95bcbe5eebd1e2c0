"""The tables of pcnwatch, all in one place.

Every later part (crawler, analysis, timeline, outputs) reads and writes these
rows, so the schema is settled here once and changed only by a migration in
`store/migrations/versions/`. Timestamps are aware UTC datetimes; `published` and event
dates are calendar dates. Rows made by the analysis record the
`pipeline_version` that made them, so a new pipeline replaces them.
"""


import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# The contract's vocabulary (sections 4 and 6), for every layer that reads these tables.
STANCES = ("support", "oppose", "mixed", "neutral")
# Always valid as filters, even before any article carries them.
CONTRACT_TOPICS = ("pcn-targets", "gp-contract", "workforce", "funding", "care-homes",
                   "medication-reviews", "access", "workload", "covid", "digital")


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (SQLModel's UTCDateTime refuses naive ones)."""
    return dt.datetime.now(dt.UTC)


def _json(**kw: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False), **kw)


class Source(SQLModel, table=True):
    """A site that pcnwatch crawls, as last read from a sources file."""

    name: str = Field(primary_key=True, max_length=100)
    home: str
    config: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_crawled_at: dt.datetime | None = None


class Story(SQLModel, table=True):
    """One piece of news; copies and rewrites of it across sources share a story."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    first_published: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Article(SQLModel, table=True):
    """A news item as extracted from its page: one row per canonical URL."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True, description="canonical URL")
    source: str = Field(index=True, max_length=100)
    title: str
    author: str | None = None
    published: dt.date | None = Field(default=None, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    lang: str | None = Field(default=None, max_length=16)
    content_hash: str = Field(unique=True, index=True, max_length=64)
    minhash: list = _json(description="MinHash signature for near-duplicate stories")
    story_id: int | None = Field(default=None, foreign_key="story.id", index=True)
    relevance: float | None = None
    relevance_reason: str | None = None
    # Fetch metadata, so a later crawl can ask "changed since?" and skip what has not.
    fetched_at: dt.datetime = Field(default_factory=utcnow)
    first_seen_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    etag: str | None = None
    last_modified: str | None = None
    source_lastmod: str | None = Field(default=None, description="lastmod from feed or sitemap")
    # Analysis bookkeeping: NULL means "not yet analysed" / "timeline not yet rebuilt".
    analysed_version: str | None = Field(default=None, index=True)
    analysed_at: dt.datetime | None = None
    timeline_at: dt.datetime | None = None


# What the crawler made of a page it fetched (Page.outcome).
PAGE_OUTCOMES = ("stored", "duplicate", "off-topic", "too-short", "not-article", "http-error",
                 "robots", "failed")
# Outcomes that are failures to fetch: they back off, doubling the wait each time.
PAGE_FAILURES = ("http-error", "failed")


class Page(SQLModel, table=True):
    """Every article URL the crawler asked for: what it made of the page, the page's
    validators and content hash, and when the page is due to be asked for again."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True, description="canonical URL the crawler asked for")
    source: str = Field(index=True, max_length=100)
    outcome: str = Field(max_length=20, index=True, description="one of PAGE_OUTCOMES")
    reason: str | None = Field(default=None, max_length=60,
                               description="the counted reason: http-404, not-html, timeout ...")
    detail: str | None = Field(default=None, sa_column=Column(Text))
    status: int | None = Field(default=None, description="HTTP status of the last response")
    article_url: str | None = Field(default=None, description="URL of the stored article")
    etag: str | None = None
    last_modified: str | None = None
    source_lastmod: str | None = Field(default=None, description="lastmod from feed or sitemap")
    content_hash: str | None = Field(default=None, max_length=64,
                                     description="hash of the extracted title and text")
    failures: int = Field(default=0, description="failed fetches in a row")
    first_seen_at: dt.datetime = Field(default_factory=utcnow)
    checked_at: dt.datetime = Field(default_factory=utcnow, description="last asked for")
    next_due_at: dt.datetime = Field(default_factory=utcnow, index=True)


class Actor(SQLModel, table=True):
    """A body that speaks or acts (contract section 3); ids are stable slugs."""

    id: str = Field(primary_key=True, max_length=120)
    name: str
    kind: str = Field(max_length=40)
    parent_id: str | None = Field(default=None, foreign_key="actor.id")


class Person(SQLModel, table=True):
    """A named person; the same name under another body is another person."""

    __table_args__ = (UniqueConstraint("key"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, description="name|actor_id, for upserts")
    name: str
    actor_id: str | None = Field(default=None, foreign_key="actor.id")


class ArticlePerson(SQLModel, table=True):
    """A person named in an article, with the role the article gives them."""

    __tablename__ = "article_person"
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str | None = None
    pipeline_version: str


class Mention(SQLModel, table=True):
    """How often an actor is named in an article."""

    __table_args__ = (UniqueConstraint("article_id", "actor_id"),)
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    actor_id: str = Field(foreign_key="actor.id", index=True)
    count: int = 1
    pipeline_version: str


class ArticleTopic(SQLModel, table=True):
    __tablename__ = "article_topic"
    article_id: int = Field(foreign_key="article.id", primary_key=True)
    topic: str = Field(primary_key=True, max_length=60)
    rank: int = 0
    pipeline_version: str


class Quote(SQLModel, table=True):
    """A direct quotation: who said it, for which body, and its stance with evidence."""

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    speaker: str | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor_id: str | None = Field(default=None, foreign_key="actor.id", index=True)
    stance: str | None = Field(default=None, max_length=10, index=True)
    confidence: float | None = None
    evidence: list = _json()
    cues: list = _json(description="the cue phrases that decided the stance")
    start: int | None = None
    end: int | None = None
    pipeline_version: str


class ActorStance(SQLModel, table=True):
    """An actor's stance in one article, from all it says or is reported to say there."""

    __tablename__ = "actor_stance"
    __table_args__ = (UniqueConstraint("article_id", "actor_id"),)
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    actor_id: str = Field(foreign_key="actor.id", index=True)
    stance: str = Field(max_length=10, index=True)
    confidence: float | None = None
    evidence: list = _json()
    cues: list = _json(description="the cue phrases that decided the stance")
    pipeline_version: str


class TimelineEntry(SQLModel, table=True):
    """One policy change, merged from the events of every article that reports it.

    Its action, body and object are those of its lead act; `store.timeline` says how.
    """

    __tablename__ = "timeline_entry"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300, description="stable merge key")
    date: dt.date | None = Field(default=None, index=True,
                                 description="when the change was made (see date_basis)")
    date_basis: str | None = Field(default=None, max_length=20, description=(
        "how the date is known: reported, month (the month only), sources differ, "
        "estimated (the day it was first reported), unknown"))
    effective: dt.date | None = Field(default=None,
                                      description="when its lead act takes effect or is due")
    first_reported: dt.date | None = Field(default=None, index=True)
    action: str = Field(max_length=20)
    actor_id: str | None = Field(default=None, foreign_key="actor.id")
    object: str
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage: str | None = Field(default=None, max_length=30,
                              description="draft published, scaled back, confirmed, ...")
    # The id of the earlier entry on the same policy. A plain id, not a foreign key, so
    # SQLite adds and drops it in place: a batch copy of this table would trip the foreign
    # keys that point at it. The timeline clears it before it deletes the entry it names.
    follows_id: int | None = Field(default=None, index=True)
    topic: str | None = Field(default=None, max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class PolicyEvent(SQLModel, table=True):
    """A policy event as one article reports it (contract section 5)."""

    __tablename__ = "policy_event"
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    action: str = Field(max_length=20, index=True)
    actor_id: str | None = Field(default=None, foreign_key="actor.id", index=True)
    object: str
    date: dt.date | None = None
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    start: int | None = None
    end: int | None = None
    timeline_entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")
    act: int | None = Field(default=None, description="which act of its entry it reports (1: "
                            "the lead act)")
    merge_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pipeline_version: str


class Reaction(SQLModel, table=True):
    """An actor's stance on a timeline entry, or unlinked when it fits none."""

    id: int | None = Field(default=None, primary_key=True)
    timeline_entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")
    article_id: int = Field(foreign_key="article.id", index=True)
    actor_id: str = Field(foreign_key="actor.id", index=True)
    stance: str = Field(max_length=10)
    actor_stance_id: int | None = Field(default=None, foreign_key="actor_stance.id")
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
    reason: str = Field(description="why it was linked to this entry, or why to none")
    created_at: dt.datetime = Field(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    """One run of a job (crawl, process, timeline, digest), whatever its outcome."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60, index=True)
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    status: str = Field(default="running", max_length=20)
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduler for this database, until when."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=60)
    holder: str
    acquired_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime


class JobLock(SQLModel, table=True):
    """Which process runs a job now (see `store.locks`): one row per job while it runs."""

    __tablename__ = "job_lock"
    job: str = Field(primary_key=True, max_length=60)
    holder: str = Field(description="host:pid:start of the process that runs the job")
    acquired_at: dt.datetime = Field(default_factory=utcnow)


class AnalysisClaim(SQLModel, table=True):
    """An article one `process` worker is analysing, until `expires_at` (see `store.claims`).

    The worker renews the claim while it works and deletes it when it commits the analysis;
    a claim left by a worker that died expires, and the article goes to another worker."""

    __tablename__ = "analysis_claim"
    article_id: int = Field(foreign_key="article.id", primary_key=True)
    holder: str = Field(description="host:pid:start of the worker process that claimed it")
    claimed_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime = Field(index=True)


class Subscriber(SQLModel, table=True):
    """A practice manager who gets the weekly digest, with optional filters."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)
    name: str | None = None
    topics: list = _json()
    actors: list = _json()
    token: str = Field(unique=True, max_length=64, description="for one-click unsubscribe")
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


# How far a digest send got (publish/mail.py): only `claimed` or earlier is safe to retry;
# from `handed` on, the server may have the message, so a send never finished is `unknown`.
SEND_STATES = ("pending", "claimed", "handed", "sent", "refused", "failed", "unknown")


class DigestSend(SQLModel, table=True):
    """One digest for one subscriber for one week: sent at most once; `status` is one of
    SEND_STATES."""

    __tablename__ = "digest_send"
    __table_args__ = (UniqueConstraint("week", "subscriber_id"),)
    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=10, description="ISO week, YYYY-Www")
    subscriber_id: int = Field(foreign_key="subscriber.id")
    status: str = Field(default="pending", max_length=20)
    message_id: str | None = None
    attempts: int = 0
    last_error: str | None = None
    sent_at: dt.datetime | None = None
