"""The timeline: policy acts merged across articles, and the reactions to each.

`rebuild_timeline` turns the analysis rows (`PolicyEvent`, `ActorStance`,
`Quote`, `ArticleTopic`) into `TimelineEntry` and `Reaction` rows:

- Events reported by many articles become one entry when they are the same act:
  the same actor once children are rolled up to their parents (NHS Improvement
  acts as NHS England), the same action, a similar object, and dates within
  `merge_window_days`. An event with no date is placed at its article's
  published date, and the entry says its date is an estimate.
- Each actor stance in an article is a reaction. It is linked to an entry the
  same article reports, else to the nearest entry before it (or on the same day)
  that shares a topic with its article, within `reaction_window_days`, made by
  another actor. A reaction that fits none is kept unlinked, with the reason.

The rebuild is incremental: only articles whose analysis the timeline has not
yet taken in (`Article.timeline_at` NULL or older than `analysed_at`) are
(re)placed, plus the reactions near the entries they changed. Run twice, the
second run changes nothing. An entry's `key` is fixed when it is created and
kept while any event stays in it. One transaction does the whole rebuild, so a
killed run leaves the timeline as it was.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from store.models import (
    STANCES,
    Actor,
    ActorStance,
    Article,
    ArticleTopic,
    PolicyEvent,
    Quote,
    Reaction,
    TimelineEntry,
    utcnow,
)

log = logging.getLogger(__name__)


# Any constant will do; it only has to be the same in every pcnwatch process.
_PG_TIMELINE_LOCK = 7_305_201_6

# How objects are compared. Phrases first, so the long and short names of one
# thing become one token; then words that every object in this field shares
# (or that carry no meaning) are dropped, so they cannot make two objects alike.
OBJECT_PHRASES = (
    ("network contract directed enhanced service", "des"),
    ("directed enhanced service", "des"),
    ("network contract des", "des"),
    ("network des", "des"),
    ("additional roles reimbursement scheme", "arrs"),
    ("additional roles", "arrs"),
    ("primary care networks", "network"),
    ("primary care network", "network"),
    ("service specifications", "specification"),
    ("service specification", "specification"),
    ("service specs", "specification"),
)
OBJECT_SYNONYMS = {"pcn": "network", "pcns": "network", "networks": "network",
                   "specs": "specification", "spec": "specification",
                   "specifications": "specification", "requirements": "requirement",
                   "targets": "target", "deadlines": "deadline", "plans": "plan"}
OBJECT_STOPWORDS = frozenset({
    "a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "its", "their", "his", "her",
    "new", "all", "some", "more", "this", "that", "these", "those", "by", "with", "from", "at",
    "as", "be", "is", "are", "was", "were", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten",
    # Words a mis-parsed object is made of: pronouns, question words, days and months.
    "it", "they", "them", "we", "what", "which", "who", "there", "here", "today", "yesterday",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "year", "week", "month"})


@dataclass(frozen=True)
class TimelineOptions:
    """How events merge and reactions link; one object, passed down whole."""

    merge_window_days: int = 45
    reaction_window_days: int = 60
    # Share of the smaller object's words found in the other (overlap coefficient).
    object_similarity: float = 0.6
    # Dated reports this close are one act even when their objects differ.
    same_act_days: int = 3


DEFAULT_OPTIONS = TimelineOptions()


# -- object comparison ---------------------------------------------------------------------------


def object_tokens(text: str) -> frozenset[str]:
    """The words that identify a policy object, normalised for comparison."""
    text = " " + " ".join(re.findall(r"[a-z0-9]+", (text or "").lower())) + " "
    for phrase, token in OBJECT_PHRASES:
        text = text.replace(f" {phrase} ", f" {token} ")
    words = set()
    for word in text.split():
        word = OBJECT_SYNONYMS.get(word, word)
        if word in OBJECT_STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = OBJECT_SYNONYMS.get(word, word[:-1])
        words.add(word)
    return frozenset(words)


def object_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """1.0 when one object's words are all in the other's, 0.0 when they share none.

    Numbers (years, counts) must agree: the 2020/21 contract is not the 2024/25 one.
    """
    if not a or not b:
        # An object with no identifying word ("it", "Monday") matches only its like.
        return 1.0 if a == b else 0.0
    numbers_a, numbers_b = {w for w in a if w.isdigit()}, {w for w in b if w.isdigit()}
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# -- rebuild -------------------------------------------------------------------------------------


@dataclass
class _Member:
    event_id: int
    article_id: int
    actor_id: str | None
    object: str
    tokens: frozenset[str]
    date: date | None  # as the article gives it
    when: date  # the date, or the article's date as an estimate


@dataclass
class _Entry:
    row: TimelineEntry
    root: str | None
    members: list[_Member] = field(default_factory=list)


class _Context:
    """What the rebuild reads once: actor parents, article dates and topics."""

    def __init__(self, session: Session) -> None:
        self.parents = dict(session.exec(select(Actor.id, Actor.parent_id)).all())
        self.article_day: dict[int, date] = {}
        self.article_url: dict[int, str] = {}
        for aid, url, published, seen in session.exec(
                select(Article.id, Article.url, Article.published, Article.first_seen_at)):
            self.article_day[aid] = published or (seen.date() if seen else date.today())
            self.article_url[aid] = url
        self.topics: dict[int, list[str]] = defaultdict(list)
        for aid, topic in session.exec(select(ArticleTopic.article_id, ArticleTopic.topic)
                                       .order_by(ArticleTopic.article_id, ArticleTopic.rank)):
            self.topics[aid].append(topic)

    def root(self, actor_id: str | None) -> str | None:
        seen = set()
        while actor_id and self.parents.get(actor_id) and actor_id not in seen:
            seen.add(actor_id)
            actor_id = self.parents[actor_id]
        return actor_id


def dirty_article_ids(session: Session) -> list[int]:
    """Articles whose latest analysis the timeline has not taken in yet."""
    query = select(Article.id).where(
        sa.or_(Article.timeline_at.is_(None),
               sa.and_(Article.analysed_at.is_not(None),
                       Article.analysed_at > Article.timeline_at)),
        Article.analysed_version.is_not(None)).order_by(Article.id)
    return list(session.exec(query))


def rebuild_timeline(session: Session, options: TimelineOptions = DEFAULT_OPTIONS) -> dict:
    """Bring the timeline up to date with the analysis; returns counts of what changed.

    The caller owns the transaction: commit it whole, or the timeline stays as it was.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Two rebuilds at once would both create the same entries.
        session.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_TIMELINE_LOCK))
    dirty = dirty_article_ids(session)
    counts = {"articles": len(dirty), "events_placed": 0, "entries_created": 0,
              "entries_deleted": 0, "reactions_linked": 0, "reactions_unlinked": 0}
    if not dirty:
        return counts
    ctx = _Context(session)
    relink: set[int] = set(dirty)
    windows: list[date] = []  # dates of entries that changed: reactions after them may move

    for chunk in _chunks(dirty):
        session.exec(sa.update(PolicyEvent).where(PolicyEvent.article_id.in_(chunk))
                     .values(timeline_entry_id=None))
        session.exec(sa.delete(Reaction).where(Reaction.article_id.in_(chunk)))

    entries = _load_entries(session, ctx)
    orphans = [e for e in entries.values() if not e.members]
    if orphans:
        ids = [e.row.id for e in orphans]
        relink |= set(session.exec(select(Reaction.article_id)
                                   .where(Reaction.timeline_entry_id.in_(ids))))
        session.exec(sa.delete(Reaction).where(Reaction.timeline_entry_id.in_(ids)))
        for e in orphans:
            windows.append(e.row.date)
            session.delete(e.row)
            del entries[e.row.id]
        counts["entries_deleted"] = len(orphans)
        session.flush()

    touched: set[int] = set()
    # Only entries of the same actor and action can take an event: index them so.
    by_act: dict[tuple, list[_Entry]] = defaultdict(list)
    for e in entries.values():
        by_act[(e.row.action, e.root)].append(e)
    for event in _unplaced_events(session, ctx):
        member = _member(event, ctx)
        act = (event.action, ctx.root(event.actor_id))
        entry = _best_entry(by_act[act], member, *act, options)
        if entry is None:
            entry = _new_entry(session, member, act[1], event.action)
            entries[entry.row.id] = entry
            by_act[act].append(entry)
            counts["entries_created"] += 1
        entry.members.append(member)
        event.timeline_entry_id = entry.row.id
        session.add(event)
        touched.add(entry.row.id)
        counts["events_placed"] += 1
    # Every entry, not only those that gained events: one that lost a re-analysed
    # report, or whose reports' topics changed, may now have another date or object.
    for entry in entries.values():
        before = entry.row.date
        if _refresh(entry, ctx) or entry.row.id in touched:
            windows += [before, entry.row.date]
            session.add(entry.row)
    session.flush()

    relink |= _articles_after(ctx, windows, options)
    linked, unlinked = _link_reactions(session, ctx, entries, sorted(relink), options)
    counts["reactions_linked"], counts["reactions_unlinked"] = linked, unlinked

    now = utcnow()
    for chunk in _chunks(dirty):
        session.exec(sa.update(Article).where(Article.id.in_(chunk)).values(timeline_at=now))
    session.flush()
    log.info("timeline: %s", counts)
    return counts


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _member(event: PolicyEvent, ctx: _Context) -> _Member:
    return _Member(event.id, event.article_id, event.actor_id, event.object,
                   object_tokens(event.object), event.date,
                   event.date or ctx.article_day.get(event.article_id) or date.today())


def _load_entries(session: Session, ctx: _Context) -> dict[int, _Entry]:
    entries = {row.id: _Entry(row, ctx.root(row.actor_id))
               for row in session.exec(select(TimelineEntry))}
    for event in session.exec(select(PolicyEvent).where(PolicyEvent.timeline_entry_id
                                                         .is_not(None))):
        entries[event.timeline_entry_id].members.append(_member(event, ctx))
    return entries


def _unplaced_events(session: Session, ctx: _Context) -> list[PolicyEvent]:
    events = list(session.exec(select(PolicyEvent).where(PolicyEvent.timeline_entry_id.is_(None))))
    # Oldest first, so an entry grows from its first report and keeps that report's key.
    # Ties go by what the articles say (date, URL, place in the text), never by their
    # ids: ids follow the order a crawl happened to store them in, and the same news
    # must give the same timeline however it was crawled.
    return sorted(events, key=lambda e: (
        e.date or date.max, ctx.article_day.get(e.article_id) or date.max,
        ctx.article_url.get(e.article_id, ""), e.start if e.start is not None else -1, e.id))


def _best_entry(entries: Iterable[_Entry], m: _Member, action: str, root: str | None,
                options: TimelineOptions) -> _Entry | None:
    best, best_rank = None, None
    window = options.merge_window_days
    for entry in entries:
        if entry.row.action != action or entry.root != root:
            continue
        # Measured from the entry's date, not from its nearest member, so a run of
        # reports a month apart cannot chain into one entry spanning years.
        anchor = entry.row.date or min((o.when for o in entry.members), default=m.when)
        gap = abs((anchor - m.when).days)
        if gap > window:
            continue
        sim = max(object_similarity(m.tokens, o.tokens) for o in entry.members)
        if sim < options.object_similarity and not any(_same_moment(m, o, options)
                                                       for o in entry.members):
            continue
        rank = (-sim, gap, entry.row.id)
        if best_rank is None or rank < best_rank:
            best, best_rank = entry, rank
    return best


def _same_moment(a: _Member, b: _Member, options: TimelineOptions) -> bool:
    """Close enough in time to be one act whatever the objects say.

    One body rarely makes two acts of one kind within days, so two reports dated
    that close describe one act in other words; and one article's undated events
    of one kind by one body are usually one act named several ways.
    """
    if a.date and b.date:
        return abs((a.date - b.date).days) <= options.same_act_days
    return a.article_id == b.article_id and not a.date and not b.date


def _new_entry(session: Session, m: _Member, root: str | None, action: str) -> _Entry:
    slug = "-".join(sorted(m.tokens))[:120] or "unnamed"
    base = f"{m.when.isoformat()}|{root or 'unknown'}|{action}|{slug}"
    key, n = base, 1
    while session.exec(select(TimelineEntry.id).where(TimelineEntry.key == key)).first():
        n += 1
        key = f"{base}|{n}"
    row = TimelineEntry(key=key, date=m.when, action=action, actor_id=m.actor_id,
                        object=m.object)
    session.add(row)
    session.flush()
    return _Entry(row, root)


def _refresh(entry: _Entry, ctx: _Context) -> bool:
    """Recompute what the members of an entry agree on; True when something changed."""
    fields = ("date", "actor_id", "object", "topic")
    old = tuple(getattr(entry.row, f) for f in fields)
    _agree(entry, ctx)
    if tuple(getattr(entry.row, f) for f in fields) == old:
        return False
    entry.row.updated_at = utcnow()
    return True


def _agree(entry: _Entry, ctx: _Context) -> None:
    """Date, actor, object and topic as the members of an entry give them."""
    members = entry.members
    dated = Counter(m.date for m in members if m.date)
    if dated:
        # The date most reports give; on a tie the earliest, when the act was first made.
        entry.row.date = min(dated, key=lambda d: (-dated[d], d))
    else:
        entry.row.date = min(m.when for m in members)
    actors = Counter(m.actor_id for m in members if m.actor_id)
    if actors:
        entry.row.actor_id = min(actors, key=lambda a: (-actors[a], a != entry.root, a))
    objects = Counter(m.object for m in members if m.object)
    if objects:
        # Most reports' wording; on a tie the first report's, which named the act first.
        first = {}
        for m in members:
            day = ctx.article_day.get(m.article_id, date.max)
            first[m.object] = min(first.get(m.object, day), day)
        entry.row.object = min(objects, key=lambda o: (-objects[o], not object_tokens(o),
                                                       first[o], -len(o), o))
    topics: Counter[str] = Counter()
    for m in members:
        for rank, topic in enumerate(ctx.topics.get(m.article_id, [])):
            topics[topic] += 10 - min(rank, 9)
    entry.row.topic = min(topics, key=lambda t: (-topics[t], t)) if topics else None


def _articles_after(ctx: _Context, days: list[date | None], options: TimelineOptions) -> set[int]:
    """Articles published in the reaction window after any of `days`."""
    days = sorted({d for d in days if d})
    if not days:
        return set()
    span = timedelta(days=options.reaction_window_days)
    out = set()
    for aid, day in ctx.article_day.items():
        # The latest changed date on or before the article's: is the article in its window?
        i = bisect.bisect_right(days, day)
        if i and day <= days[i - 1] + span:
            out.add(aid)
    return out


# -- reactions -----------------------------------------------------------------------------------


def _link_reactions(session: Session, ctx: _Context, entries: dict[int, _Entry],
                    article_ids: list[int], options: TimelineOptions) -> tuple[int, int]:
    for chunk in _chunks(article_ids):
        session.exec(sa.delete(Reaction).where(Reaction.article_id.in_(chunk)))
    topics_of = {eid: {t for m in e.members for t in ctx.topics.get(m.article_id, [])}
                 for eid, e in entries.items()}
    dated = sorted((e.row.date, eid) for eid, e in entries.items() if e.row.date)
    by_article: dict[int, list[_Entry]] = defaultdict(list)
    for e in entries.values():
        for m in e.members:
            if e not in by_article[m.article_id]:
                by_article[m.article_id].append(e)
    linked = unlinked = 0
    for chunk in _chunks(article_ids):
        stances = session.exec(select(ActorStance).where(ActorStance.article_id.in_(chunk))
                               .order_by(ActorStance.article_id, ActorStance.id)).all()
        quotes: dict[tuple[int, str], list[Quote]] = defaultdict(list)
        for q in session.exec(select(Quote).where(Quote.article_id.in_(chunk))):
            if q.actor_id:
                quotes[(q.article_id, q.actor_id)].append(q)
        for s in stances:
            entry, reason = _choose_entry(s, ctx, entries, dated, by_article, topics_of, options)
            quote = clearest_quote(quotes.get((s.article_id, s.actor_id), []), s.stance)
            session.add(Reaction(timeline_entry_id=entry.row.id if entry else None,
                                 article_id=s.article_id, actor_id=s.actor_id, stance=s.stance,
                                 actor_stance_id=s.id, quote_id=quote.id if quote else None,
                                 reason=reason))
            linked += entry is not None
            unlinked += entry is None
    session.flush()
    return linked, unlinked


def clearest_quote(quotes: list[Quote], stance: str) -> Quote | None:
    """The quote that shows `stance` most surely, or None when no quote shows it."""
    fitting = [q for q in quotes if q.stance == stance]
    if not fitting:
        return None
    return max(fitting, key=lambda q: (q.confidence or 0.0, len(q.text), -(q.id or 0)))


def _choose_entry(s: ActorStance, ctx: _Context, entries: dict[int, _Entry],
                  dated: list[tuple[date, int]], by_article: dict[int, list[_Entry]],
                  topics_of: dict[int, set[str]],
                  options: TimelineOptions) -> tuple[_Entry | None, str]:
    root = ctx.root(s.actor_id)
    day = ctx.article_day.get(s.article_id)
    own = [e for e in by_article.get(s.article_id, []) if e.root != root]
    if own:
        # Several acts in one article: news reacts to the newest act it reports (older
        # ones are background), and an act the text dates beats one only placed at the
        # article's date.
        e = max(own, key=lambda e: (bool(day and e.row.date and e.row.date <= day),
                                    any(m.date for m in e.members),
                                    e.row.date or date.min,
                                    len({m.article_id for m in e.members}), -e.row.id))
        return e, "same article reports the event"
    article_topics = set(ctx.topics.get(s.article_id, []))
    if day is None:
        return None, "article has no date"
    if not article_topics:
        return None, "article has no policy topic"
    window = options.reaction_window_days
    candidates = []
    same_actor = False
    lo = bisect.bisect_left(dated, (day - timedelta(days=window), -1))
    hi = bisect.bisect_right(dated, (day, float("inf")))
    for _, eid in dated[lo:hi]:
        e = entries[eid]
        shared = article_topics & topics_of[eid]
        if not shared:
            continue
        if e.root == root:
            same_actor = True
            continue
        candidates.append(((e.row.date, len(shared), -eid), e, shared))
    if not candidates:
        topics = ", ".join(sorted(article_topics))
        if same_actor:
            return None, (f"the only events on {topics} in the {window} days before are "
                          f"{root}'s own")
        return None, f"no policy event on {topics} in the {window} days before"
    _, e, shared = max(candidates, key=lambda c: c[0])
    gap = (day - e.row.date).days
    when = "same day" if gap == 0 else f"{gap} day{'s' if gap != 1 else ''} after"
    return e, f"topic {', '.join(sorted(shared))}, {when}"


# -- queries -------------------------------------------------------------------------------------


def actor_and_descendants(session: Session, actor_id: str) -> set[str]:
    """`actor_id` and every actor under it (bma → bma-gpc; lmcs → each lmc-<place>)."""
    children: dict[str, list[str]] = defaultdict(list)
    for aid, parent in session.exec(select(Actor.id, Actor.parent_id)):
        if parent:
            children[parent].append(aid)
    found, todo = set(), [actor_id]
    while todo:
        a = todo.pop()
        if a not in found:
            found.add(a)
            todo.extend(children.get(a, []))
    return found


def known_actor_ids(session: Session) -> list[str]:
    return sorted(session.exec(select(Actor.id)))


def known_topics(session: Session) -> list[str]:
    return sorted(set(session.exec(select(ArticleTopic.topic).distinct())))


def timeline_entries(session: Session, since: date | None = None, until: date | None = None,
                     actor: str | None = None, topic: str | None = None, *,
                     unnamed: bool = False) -> list[dict]:
    """Timeline entries in date order (contract section 8 shape, with extras).

    Each dict has `date`, `action`, `actor_id`, `object`, `sources` (article URLs)
    and `reactions` (`actor_id`, `stance`, `url`, `quote`, plus `reason`, `date`,
    `speaker`), and the extras `id`, `key`, `topic`, `topics`, `date_estimated`,
    `actor_name` and `reactions_by_stance`. `actor` matches the entry's actor or a
    reacting actor, children included; `topic` any topic of the entry's sources.
    Entries whose object names nothing ("it", "Monday": a mis-read sentence) are
    left out unless `unnamed`; their rows stay in the store.
    """
    query = select(TimelineEntry)
    if since:
        query = query.where(TimelineEntry.date >= since)
    if until:
        query = query.where(TimelineEntry.date <= until)
    rows = list(session.exec(query.order_by(TimelineEntry.date, TimelineEntry.id)))
    if not rows:
        return []
    ids = [r.id for r in rows]
    names = dict(session.exec(select(Actor.id, Actor.name)).all())
    events: dict[int, list[tuple]] = defaultdict(list)
    article_ids: set[int] = set()
    for chunk in _chunks(ids):
        for ev in session.exec(select(PolicyEvent.timeline_entry_id, PolicyEvent.article_id,
                                      PolicyEvent.date)
                               .where(PolicyEvent.timeline_entry_id.in_(chunk))):
            events[ev[0]].append(ev)
            article_ids.add(ev[1])
    reactions = _reactions(session, entry_ids=ids)
    article_ids |= {r["_article_id"] for rs in reactions.values() for r in rs}
    meta = _article_meta(session, article_ids)
    wanted = actor_and_descendants(session, actor) if actor else None
    result = []
    for row in rows:
        if not unnamed and not object_tokens(row.object):
            continue
        sources = sorted({ev[1] for ev in events[row.id]},
                         key=lambda a: (meta[a][1] or date.max, meta[a][0]))
        topics = sorted({t for a in sources for t in meta[a][2]})
        rs = reactions.get(row.id, [])
        if wanted and row.actor_id not in wanted and not any(r["actor_id"] in wanted
                                                             for r in rs):
            continue
        if topic and topic not in topics and topic != row.topic:
            continue
        # Database ids (the "_" keys) stay inside: they depend on the order of a crawl.
        public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rs]
        result.append({
            "date": row.date.isoformat() if row.date else None,
            "action": row.action,
            "actor_id": row.actor_id,
            "object": row.object,
            "sources": [meta[a][0] for a in sources],
            "reactions": public,
            "id": row.id,
            "key": row.key,
            "topic": row.topic,
            "topics": topics,
            "date_estimated": not any(ev[2] for ev in events[row.id]),
            "actor_name": names.get(row.actor_id, row.actor_id),
            "reactions_by_stance": _by_stance(public),
        })
    return result


def unlinked_reactions(session: Session, since: date | None = None, until: date | None = None,
                       actor: str | None = None, topic: str | None = None) -> list[dict]:
    """Reactions that fit no timeline entry, with why, oldest article first."""
    rs = _reactions(session, entry_ids=None).get(None, [])
    meta = _article_meta(session, {r["_article_id"] for r in rs})
    wanted = actor_and_descendants(session, actor) if actor else None
    out = []
    for r in rs:
        day = meta[r["_article_id"]][1]
        if (since and (day is None or day < since)) or (until and (day is None or day > until)):
            continue
        if wanted and r["actor_id"] not in wanted:
            continue
        if topic and topic not in meta[r["_article_id"]][2]:
            continue
        out.append({k: v for k, v in r.items() if not k.startswith("_")})
    return out


def _by_stance(reactions: list[dict]) -> dict[str, list[dict]]:
    groups = {s: [r for r in reactions if r["stance"] == s] for s in STANCES}
    others = sorted({r["stance"] for r in reactions} - set(STANCES))
    groups.update({s: [r for r in reactions if r["stance"] == s] for s in others})
    return {s: rs for s, rs in groups.items() if rs}


def _article_meta(session: Session, ids: set[int]) -> dict[int, tuple[str, date | None, list]]:
    meta: dict[int, tuple[str, date | None, list]] = {}
    for chunk in _chunks(sorted(ids)):
        for aid, url, published in session.exec(select(Article.id, Article.url,
                                                       Article.published)
                                                .where(Article.id.in_(chunk))):
            meta[aid] = (url, published, [])
        for aid, t in session.exec(select(ArticleTopic.article_id, ArticleTopic.topic)
                                   .where(ArticleTopic.article_id.in_(chunk))
                                   .order_by(ArticleTopic.rank)):
            meta[aid][2].append(t)
    return meta


def _reactions(session: Session, entry_ids: list[int] | None) -> dict[int | None, list[dict]]:
    """Reactions by entry id (None: the unlinked ones), oldest article first."""
    query = (select(Reaction, Article.url, Article.published, Quote.text, Quote.speaker)
             .join(Article, Article.id == Reaction.article_id)
             .join(Quote, Quote.id == Reaction.quote_id, isouter=True))
    if entry_ids is None:
        query = query.where(Reaction.timeline_entry_id.is_(None))
    else:
        query = query.where(Reaction.timeline_entry_id.in_(entry_ids))
    query = query.order_by(Article.published, Reaction.actor_id, Article.url, Reaction.id)
    out: dict[int | None, list[dict]] = defaultdict(list)
    for r, url, published, text, speaker in session.exec(query):
        out[r.timeline_entry_id].append({
            "actor_id": r.actor_id, "stance": r.stance, "url": url, "quote": text,
            "speaker": speaker, "reason": r.reason,
            "date": published.isoformat() if published else None,
            "_article_id": r.article_id})
    return out
