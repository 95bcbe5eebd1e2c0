"""Claims on pending articles: how any number of `process` workers share the analysis.

    ids = claim_articles(engine, version, me, size=32, lease=60)   # this batch is mine
    ... analyse them, renewing the claims every lease/3 seconds (renew_claims) ...
    with session_scope(engine) as s:
        for article in held_articles(s, me, ids, hashes, version):  # still mine, unchanged
            save_analysis(...)
        release_claims(s, me, ids)                                  # in the same commit

A claim is a row of `analysis_claim`: the article, the worker (`host:pid:start`) and when
the claim runs out. Claiming is one statement: it picks pending articles that no live
claim covers and inserts or takes over their claim rows, on PostgreSQL with
`SELECT ... FOR UPDATE SKIP LOCKED`, so workers claiming at the same moment pass each
other's rows by instead of waiting. The upsert only takes over a claim that has expired
(`ON CONFLICT ... DO UPDATE ... WHERE expires_at <= now`), and RETURNING says which rows
it took, so two workers never hold one article, whatever the timing.

A worker saves an article only if it still holds the claim, the article is still
pending for this version and its text is the one it analysed (`held_articles`, which
renews the claims in the same write, so on SQLite the transaction starts as a writer
and never has to upgrade, and on PostgreSQL the claim rows are locked until commit).
So an article is analysed into the store once, even when a worker paused past its
lease wakes up to find its claim taken. A worker that dies, however it dies, leaves
its claims to expire after the lease; the next claim takes them over.

Times come from the database server on PostgreSQL (workers on several hosts need not
agree on the time) and from this machine on SQLite (which lives on one machine).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.errors import BadSetting
from store.models import AnalysisClaim, Article, utcnow

_CLAIM = AnalysisClaim.__table__
_ARTICLE = Article.__table__


def claim_lease() -> float:
    """Seconds a claim lasts after its last renewal (PCNWATCH_CLAIM_LEASE_SECONDS)."""
    from store.db import SETTINGS

    default = next(s.default for s in SETTINGS if s.name == "PCNWATCH_CLAIM_LEASE_SECONDS")
    text = os.environ.get("PCNWATCH_CLAIM_LEASE_SECONDS") or str(default)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 1:
        raise BadSetting(f"PCNWATCH_CLAIM_LEASE_SECONDS={text!r} is not a number of seconds "
                         "of at least 1; set it to e.g. 60")
    return seconds


def _now(dialect: str):
    """The current time as the claims compare it (see the module docstring)."""
    if dialect == "postgresql":
        return sa.func.now()
    return sa.literal(utcnow(), type_=_CLAIM.c.expires_at.type)


def _later(dialect: str, seconds: float):
    if dialect == "postgresql":
        return sa.func.now() + sa.func.make_interval(0, 0, 0, 0, 0, 0, float(seconds))
    return sa.literal(utcnow() + dt.timedelta(seconds=seconds), type_=_CLAIM.c.expires_at.type)


def _pending(version: str):
    return sa.or_(_ARTICLE.c.analysed_version.is_(None), _ARTICLE.c.analysed_version != version)


def claim_articles(engine: Engine, version: str, holder: str, *, size: int,
                   lease: float) -> list[int]:
    """Claim up to `size` pending articles for `holder` for `lease` seconds; their ids,
    oldest first. [] when every pending article is claimed by someone alive (or none is
    pending)."""
    dialect = engine.dialect.name
    now = _now(dialect)
    live_claim = sa.exists().where(_CLAIM.c.article_id == _ARTICLE.c.id,
                                   _CLAIM.c.expires_at > now)
    picked = (sa.select(_ARTICLE.c.id, sa.literal(holder), _now(dialect),
                        _later(dialect, lease))
              .where(_pending(version), ~live_claim)
              .order_by(_ARTICLE.c.id).limit(size))
    if dialect == "postgresql":
        picked = picked.with_for_update(skip_locked=True, of=_ARTICLE)
        insert = postgresql.insert(_CLAIM)
    elif dialect == "sqlite":
        insert = sqlite.insert(_CLAIM)
    else:  # pragma: no cover - the store supports these two
        raise NotImplementedError(f"claims on {dialect}")
    stmt = insert.from_select(["article_id", "holder", "claimed_at", "expires_at"], picked)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_CLAIM.c.article_id],
        set_={"holder": stmt.excluded.holder, "claimed_at": stmt.excluded.claimed_at,
              "expires_at": stmt.excluded.expires_at},
        where=_CLAIM.c.expires_at <= now,
    ).returning(_CLAIM.c.article_id)
    with engine.begin() as conn:
        if dialect == "postgresql":
            # A claim row another worker's transaction holds is not worth waiting for.
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        try:
            return sorted(conn.execute(stmt).scalars())
        except sa.exc.OperationalError as exc:
            if "lock timeout" not in str(exc.orig or exc).lower():
                raise
            return []


def renew_claims(engine: Engine, holder: str, ids: Iterable[int], *, lease: float) -> set[int]:
    """Push on the claims of `holder` on `ids`; returns the ids it still holds."""
    ids = list(ids)
    if not ids:
        return set()
    # One statement committed by the server as it runs: a renewing thread that waits for
    # the GIL (spaCy holds it for long stretches) holds no row lock meanwhile.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return _renew(conn, holder, ids, lease)


def _renew(conn, holder: str, ids: list[int], lease: float) -> set[int]:
    dialect = conn.dialect.name
    stmt = (sa.update(_CLAIM)
            .where(_CLAIM.c.article_id.in_(ids), _CLAIM.c.holder == holder)
            .values(expires_at=_later(dialect, lease))
            .returning(_CLAIM.c.article_id))
    return set(conn.execute(stmt).scalars())


def held_articles(session: Session, holder: str, hashes: Mapping[int, str], version: str, *,
                  lease: float) -> list[Article]:
    """The articles of `hashes` (id -> content hash analysed) that `holder` may save now:
    it still holds their claims, they are still pending for `version`, and their text is
    the one it analysed. Call it first in the transaction that saves them."""
    ids = sorted(hashes)
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # Articles before claims, the order a claim takes its locks in, so a worker saving
        # and one taking over its expired claims wait for each other, never deadlock.
        session.exec(select(Article.id).where(Article.id.in_(ids)).order_by(Article.id)
                     .with_for_update())
    mine = _renew(session.connection(), holder, ids, lease)
    if not mine:
        return []
    rows = session.exec(select(Article).where(Article.id.in_(sorted(mine)))
                        .order_by(Article.id)).all()
    return [a for a in rows if a.analysed_version != version
            and a.content_hash == hashes[a.id]]


def release_claims(session: Session, holder: str, ids: Iterable[int]) -> None:
    """Let go of the claims of `holder` on `ids` (analysed, or given back)."""
    ids = list(ids)
    if ids:
        session.exec(sa.delete(_CLAIM).where(_CLAIM.c.article_id.in_(ids),
                                             _CLAIM.c.holder == holder))


def claims_of(engine: Engine) -> dict[int, str]:
    """Every claim now in the table: article id -> holder (for status and tests)."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(_CLAIM.c.article_id, _CLAIM.c.holder)).all())
