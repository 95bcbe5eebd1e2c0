"""The timeline: one entry per policy change, and the reactions to each.

`rebuild_timeline` turns the analysis rows (`PolicyEvent`, `ActorStance`, `Quote`,
`ArticleTopic`) into `TimelineEntry` and `Reaction` rows in three steps.

1. **Acts.** Each event is one article's report of an act. Reports are one act when
   their bodies can act together (the same body, a body and the body above it, NHS
   England and the Government: `[actors] policy_makers` in `store/data/timeline.toml`,
   or a body the report does not name), their actions agree ("announced" joins any
   act: news announces drafts, cuts and deals alike), their objects share their
   identifying words (`object_similarity`), their due or effective dates agree, and
   their dates allow one day for the act: a dated report says when the act was made,
   an undated one (or one dated ahead, "from April") that it was made in the
   `report_lag_days` before its article. An act keeps only the days every report
   allows, so an entry never moves to a date a source does not support.
2. **Changes.** An article's news (the fresh acts it reports, by bodies that act
   together) is one change: a contract update that scales back specifications,
   postpones two and funds new roles is one entry, not five. Reports of the same act
   in other articles bring their articles' news into the change, within
   `change_span_days`. A change's lead act, the first its earliest report names,
   gives the entry its action, body, object and title (`store.titles`); the entry's
   date is the day its reports give for the change, else the day it was first
   reported, marked as an estimate (`date_basis`).
3. **Stages and reactions.** An entry follows the latest earlier entry on the same
   policy (`follows_id`), and its stage says what it did to it ("draft published",
   "scaled back", "confirmed"). Each body's stance in an article is a reaction to
   the change its words are about: the change, reported in that article or in the
   `reaction_window_days` before, whose objects its quotes and evidence name (rare
   words weigh more); with no word in common, the change its article reports when
   the statement names nothing else, else none, with the reason.

Every event records why it joined its entry (`merge_reason`); every reaction why it
was linked (`reason`). The rebuild works the whole timeline out again when any
article's analysis changed and writes only what differs, keeping each entry's row and
key while it keeps any of its reports, so keys (and calendar UIDs made from them)
stay stable; run twice, the second run changes nothing. One transaction does it all,
so a killed run leaves the timeline as it was.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

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
from store.titles import title as make_title

log = logging.getLogger(__name__)

# Any constant will do; it only has to be the same in every pcnwatch process.
_PG_TIMELINE_LOCK = 7_305_201_6


@cache
def _data() -> dict:
    return tomllib.loads((resources.files("store") / "data" / "timeline.toml")
                         .read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TimelineOptions:
    """How reports merge into acts and changes, and how reactions link; passed down whole."""

    # An undated report (or one dated ahead) says its act was made at most this long
    # before the article. A requirement with a due date is the same requirement however
    # late it is reported, within `requirement_lag_days` of its first report.
    report_lag_days: int = 30
    requirement_lag_days: int = 730
    # An act made this close before its article is that article's news.
    current_days: int = 14
    # Dates this close are one date (one source says "yesterday", another the day).
    same_act_days: int = 3
    # The reports that make one change are first published within this span.
    change_span_days: int = 31
    reaction_window_days: int = 60
    # Share of the smaller object's words found in the other (overlap coefficient).
    object_similarity: float = 0.6
    # A later stage of a policy follows its earlier stage within this.
    thread_days: int = 800
    # A statement that opens this close after a report in its article (about three
    # paragraphs) answers it.
    reaction_proximity_chars: int = 1500
    # A statement in another article must share with a change a word that at most this
    # share of all changes' objects use (or only this one) to be linked to it.
    reaction_max_share: float = 0.2


DEFAULT_OPTIONS = TimelineOptions()


# -- object comparison ---------------------------------------------------------------------------


@cache
def _object_rules() -> tuple[tuple[tuple[str, str], ...], dict[str, str], frozenset[str]]:
    objects = _data()["objects"]
    return (tuple((p, t) for p, t in objects["phrases"]), dict(objects["synonyms"]),
            frozenset(objects["stopwords"]))


def object_tokens(text: str) -> frozenset[str]:
    """The words that identify a policy object, normalised for comparison."""
    phrases, synonyms, stopwords = _object_rules()
    text = " " + " ".join(re.findall(r"[a-z0-9£]+", (text or "").lower())) + " "
    for phrase, token in phrases:
        text = text.replace(f" {phrase} ", f" {token} ")
    words = set()
    for word in text.split():
        word = synonyms.get(word, word)
        if word in stopwords:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = synonyms.get(word, word[:-1])
        words.add(_stem(word))
    return frozenset(words)


def _stem(word: str) -> str:
    """"recovering" and "recovery" as one word. A crude suffix rule, enough for the nouns
    and gerunds of policy objects (a full stemmer would be one more dependency)."""
    if len(word) > 6 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 6 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1]
    return word


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


@cache
def common_words() -> frozenset[str]:
    """Words every statement and object of this field uses: they say nothing of the subject."""
    return frozenset(_data()["reactions"]["common"])


@cache
def _generic_policy() -> frozenset[str]:
    return frozenset(_data()["reactions"]["generic_policy"])


def policy_tokens(text: str) -> frozenset[str]:
    """The words that name a policy itself, not what every act does ("requirement", "deal")."""
    return subject_tokens(text) - _generic_policy()


def match_tokens(text: str) -> frozenset[str]:
    """Object tokens less the words every object here shares ("networks", "practices"), so
    that "primary care networks that" cannot match any object that names networks."""
    return object_tokens(text) - common_words()


def objects_alike(a: frozenset[str], b: frozenset[str], whole_a: frozenset[str],
                  whole_b: frozenset[str]) -> float:
    """`object_similarity` on the identifying words; two objects made only of shared words
    ("networks", "primary care networks") are alike only when they are the same words."""
    if not a and not b:
        return 1.0 if whole_a and whole_a == whole_b else 0.0
    return object_similarity(a, b)


def subject_tokens(text: str) -> frozenset[str]:
    """What a text is about, as object tokens less the words everything here shares."""
    return frozenset(t for t in object_tokens(text)
                     if t not in common_words() and len(t) > 2 and not t.isdigit())


# -- reading the analysis ------------------------------------------------------------------------


@dataclass(eq=False)
class _Report:
    """One article's report of an act (one PolicyEvent), with what it says of the act's date."""

    id: int
    article_id: int
    url: str
    published: date  # the article's date, or the day it was first seen
    offset: int
    action: str
    actor_id: str | None
    root: str | None
    group: str | None
    object: str
    tokens: frozenset[str]
    key: frozenset[str]  # the identifying words (`match_tokens`)
    sentence: str
    date: date | None  # as the article gives it, unless set aside (`date_note`)
    lo: date  # the act was made on or after this day ...
    hi: date  # ... and on or before this one
    effective: date | None  # when it takes effect or is due, if later than the report
    date_note: str | None = None
    act: _Act | None = None
    join_reason: str = ""

    place: tuple = ()  # its article's site and path (`_Context.place`)

    @property
    def order(self) -> tuple:
        """Where it stands among reports on one day: by its article's site and path and its
        place in the article, never by row ids or ports, so the timeline does not hang on
        the order pages were crawled in."""
        return (self.place, self.offset, self.action, self.object, self.id)


@dataclass(eq=False)
class _Act:
    reports: list[_Report]
    action: str
    group: str | None
    lo: date
    hi: date
    effective: date | None
    index: int = 0
    first: date = date.max  # the day it was first reported

    def add(self, r: _Report) -> None:
        self.reports.append(r)
        self.first = min(self.first, r.published)
        r.act = self


# "has scaled back", "have published": the present perfect reports an act just done.
_JUST_DONE = re.compile(r"\b(?:has|have)\s+(?:(?:now|just|also|already|formally|finally)\s+)?"
                        r"(?:been\s+)?[a-z]+(?:ed|en|wn|ne|lt|nt|ut|et)\b", re.I)


class _Context:
    """What the rebuild reads once: actor parents and names, article dates, topics, stories."""

    def __init__(self, session: Session) -> None:
        self.parents = dict(session.exec(select(Actor.id, Actor.parent_id)).all())
        self.names = dict(session.exec(select(Actor.id, Actor.name)).all())
        self.article_day: dict[int, date] = {}
        self.dated: set[int] = set()
        self.article_url: dict[int, str] = {}
        self.story: dict[int, int] = {}
        self.place: dict[int, tuple[str, str]] = {}
        for aid, url, published, seen, story, source in session.exec(
                select(Article.id, Article.url, Article.published, Article.first_seen_at,
                       Article.story_id, Article.source)):
            self.place[aid] = (source, urlsplit(url).path + "?" + urlsplit(url).query)
            self.article_day[aid] = published or (seen.date() if seen else date.today())
            if published:
                self.dated.add(aid)
            self.article_url[aid] = url
            self.story[aid] = story if story is not None else -aid
        self.topics: dict[int, list[str]] = defaultdict(list)
        for aid, topic in session.exec(select(ArticleTopic.article_id, ArticleTopic.topic)
                                       .order_by(ArticleTopic.article_id, ArticleTopic.rank)):
            self.topics[aid].append(topic)
        self._groups: dict[str, str] = {}
        for group in _data()["actors"]["policy_makers"]:
            for actor in group:
                self._groups[actor] = "+".join(sorted(group))

    def root(self, actor_id: str | None) -> str | None:
        seen = set()
        while actor_id and self.parents.get(actor_id) and actor_id not in seen:
            seen.add(actor_id)
            actor_id = self.parents[actor_id]
        return actor_id

    def group(self, actor_id: str | None) -> str | None:
        """The bodies `actor_id` acts with, as one key (its root alone, for most)."""
        root = self.root(actor_id)
        return self._groups.get(root, root) if root else None


def report_dates(action: str, when: date | None, published: date | None, sentence: str,
                 options: TimelineOptions = DEFAULT_OPTIONS
                 ) -> tuple[date | None, date | None, str | None]:
    """What one report says of its act's dates: (made on, takes effect or is due on, note).

    A requirement's date is when it is due; another act's date after its article is when
    it takes effect ("from April"), one before it when it was made. A date the sentence
    contradicts is set aside, with a note saying why: a months-old date in a sentence that
    reports the act as just done ("has scaled back"), or a requirement "due" months before
    it was reported (a past one recalled, or a date that belongs to something else).
    """
    if when is None or published is None:
        return None, (when if action == "require" else None), None
    lag = timedelta(days=options.report_lag_days)
    if action != "require" and when < published - lag and _JUST_DONE.search(sentence or ""):
        return None, None, (f"date {when.isoformat()} set aside: the sentence reports the act "
                            "as just done")
    if action == "require":
        if when < published - lag:
            return None, None, f"due date {when.isoformat()} set aside: long before the report"
        return None, when, None
    if when > published + timedelta(days=options.same_act_days):
        return None, when, None
    return when, None, None


def _report(event: PolicyEvent, ctx: _Context, options: TimelineOptions) -> _Report:
    published = ctx.article_day.get(event.article_id) or date.today()
    slack = timedelta(days=options.same_act_days)
    made, effective, note = report_dates(event.action, event.date, published, event.sentence,
                                         options)
    if made is None:
        lo, hi = published - timedelta(days=options.report_lag_days), published
    else:
        # "In December" is resolved to the 1st: a first of the month may stand for the month.
        last = _month_end(made) if made.day == 1 else made
        lo, hi = made - slack, min(last + slack, published + slack)
    root = ctx.root(event.actor_id)
    return _Report(id=event.id, article_id=event.article_id,
                   url=ctx.article_url.get(event.article_id, ""), published=published,
                   place=ctx.place.get(event.article_id, ()),
                   offset=event.start if event.start is not None else 10**9 + (event.id or 0),
                   action=event.action, actor_id=event.actor_id, root=root,
                   group=ctx.group(event.actor_id), object=event.object or "",
                   tokens=object_tokens(event.object), key=match_tokens(event.object),
                   sentence=event.sentence or "",
                   date=made, lo=lo, hi=hi, effective=effective, date_note=note)


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


# -- step 1: acts --------------------------------------------------------------------------------


def _generic() -> frozenset[str]:
    return frozenset(_data()["actions"]["generic"])


def _join_reason(r: _Report, act: _Act, best: _Report, sim: float, ctx: _Context) -> str | None:
    """Why `r` is a report of `act` (matched best by its member `best`), or None if it is not."""
    generic = _generic()
    if r.action != act.action and r.action not in generic and act.action not in generic:
        return None
    why = []
    if r.article_id == best.article_id:
        why.append("same article")
    other = best.root or next((m.root for m in act.reports if m.root), None)
    if r.group and act.group and other and r.root != other:
        names = sorted({ctx.names.get(r.root) or r.root, ctx.names.get(other) or other})
        why.append(f"{' and '.join(names)} act together")
    elif not r.group or not act.group:
        why.append("body not named in one report")
    if r.action != best.action:
        generic_one = r.action if r.action in generic else best.action
        why.append(f"'{generic_one}' reports the same act")
    why.append(f"objects alike ({sim:.2f}): {r.object!r} ~ {best.object!r}")
    if r.effective and act.effective:
        why.append(f"due {act.effective.isoformat()}")
    if r.date and best.date and r.effective is None and best.effective is None:
        why.append(f"dated {best.date.isoformat()}" if r.date == best.date
                   else f"dated {r.date.isoformat()} and {best.date.isoformat()}")
    else:
        why.append(f"made by {min(act.hi, r.hi).isoformat()}")
    return "; ".join(why)


def _due_requirement(r: _Report) -> bool:
    return r.action == "require" and r.effective is not None


def _same_moment(r: _Report, act: _Act, options: TimelineOptions) -> _Report | None:
    """A report of `act` dated within days of `r`, of the same action by the same body.

    One body rarely makes two acts of one kind within days, so two such reports in other
    words ("deal with the GP committee", "contract changes for 2020/21") are one act.
    """
    if not (r.date and r.effective is None and r.group) or r.action in _generic():
        return None
    for m in act.reports:
        if m.date and m.effective is None and m.group == r.group and m.action == r.action \
                and abs((m.date - r.date).days) <= options.same_act_days:
            return m
    return None


def _actions_agree(r: _Report, act: _Act) -> bool:
    generic = _generic()
    return r.action == act.action or r.action in generic or act.action in generic


class _ActIndex:
    """Where to look for the acts a report may belong to, so that each report is compared
    with the few acts that share a word with it (or a day and a body), not with all."""

    def __init__(self) -> None:
        self.by_word: dict[str, list[_Act]] = defaultdict(list)
        self.by_whole: dict[frozenset[str], list[_Act]] = defaultdict(list)
        self.by_moment: dict[tuple, list[_Act]] = defaultdict(list)

    def add(self, act: _Act, r: _Report) -> None:
        for word in r.key:
            self.by_word[word].append(act)
        if not r.key and r.tokens:
            self.by_whole[r.tokens].append(act)
        if r.date and r.effective is None and r.group:
            self.by_moment[(r.group, r.action, r.date)].append(act)

    def candidates(self, r: _Report, slack: int, live) -> list[_Act]:
        """Acts that share a word (or a day and a body) with `r` and that `live` keeps; acts
        it drops are over for every later report too (they come in order), so they go."""
        found: dict[int, _Act] = {}
        for word in r.key:
            acts = self.by_word.get(word)
            if acts:
                acts[:] = [a for a in acts if live(a)]
                found.update((a.index, a) for a in acts)
        if not r.key:
            found.update((a.index, a) for a in self.by_whole.get(r.tokens, ()))
        if r.date and r.effective is None and r.group:
            for shift in range(-slack, slack + 1):
                day = r.date + timedelta(days=shift)
                found.update((a.index, a) for a in self.by_moment.get((r.group, r.action, day),
                                                                       ()))
        return [found[i] for i in sorted(found)]


def _cluster_acts(reports: list[_Report], ctx: _Context, options: TimelineOptions) -> list[_Act]:
    """Reports into acts: each report joins the act it matches best, or starts one.

    Two reports of a requirement with the same due date are one requirement however far
    apart they are reported; any other pair must leave a day on which the act was made.
    """
    slack = timedelta(days=options.same_act_days)
    keep_due = timedelta(days=options.requirement_lag_days)
    acts: list[_Act] = []
    index = _ActIndex()
    generic = _generic()
    for r in sorted(reports, key=lambda r: (r.lo, r.published, r.order)):
        best_act, best_rank, best_match = None, None, None
        def live(act: _Act, r: _Report = r) -> bool:
            # Not over: made recently enough for this report (or a requirement still due).
            return act.hi + slack >= r.lo or bool(act.action == "require" and act.effective
                                                   and act.first + keep_due >= r.lo)

        for act in index.candidates(r, options.same_act_days, live):
            if not live(act):
                continue
            if r.group and act.group and r.group != act.group:
                continue
            if not _actions_agree(r, act):
                continue
            both_due = _due_requirement(r) and act.action == "require" and bool(act.effective)
            if not both_due and max(act.lo, r.lo) > min(act.hi, r.hi):
                continue  # no day that both allow
            if r.effective and act.effective and \
                    abs((r.effective - act.effective).days) > options.same_act_days:
                continue  # due or taking effect on another day: another act
            # Ties go to the first report in the articles' order, never the lowest row id:
            # the reason given for a merge must not hang on the order of a crawl.
            sim, match = min(((objects_alike(r.key, m.key, r.tokens, m.tokens), m)
                              for m in act.reports), key=lambda p: (-p[0], p[1].order))
            moment = None
            if sim < options.object_similarity:
                moment = _same_moment(r, act, options)
                if moment is None:
                    continue
            gap = abs((act.hi - r.hi).days)
            rank = (-sim, r.action != act.action, gap, act.index)
            if best_rank is None or rank < best_rank:
                best_act, best_rank, best_match = act, rank, (sim, match, moment)
        if best_act is None:
            best_act = _Act([], r.action, r.group, r.lo, r.hi, r.effective, index=len(acts))
            acts.append(best_act)
            r.join_reason = "first report of the act"
        else:
            sim, match, moment = best_match
            r.join_reason = _join_reason(r, best_act, moment or match, sim, ctx) or ""
            if moment is not None:
                r.join_reason += (f"; one body's {r.action} dated {moment.date.isoformat()} and "
                                  f"{r.date.isoformat()}: one act told in other words")
            if not (_due_requirement(r) and best_act.effective):
                # A late report of a requirement does not narrow when it was made.
                best_act.lo, best_act.hi = max(best_act.lo, r.lo), min(best_act.hi, r.hi)
            best_act.group = best_act.group or r.group
            best_act.effective = best_act.effective or r.effective
            if best_act.action in generic and r.action not in generic:
                best_act.action = r.action
        if r.date_note:
            r.join_reason += f" ({r.date_note})"
        best_act.add(r)
        index.add(best_act, r)
    return acts


# -- step 2: changes -----------------------------------------------------------------------------


class _Changes:
    """Union-find over acts; each set is one change."""

    def __init__(self, acts: list[_Act]) -> None:
        self.parent = list(range(len(acts)))
        # When each act was made by: an act recalled months later still dates itself.
        self.first = [a.hi for a in acts]
        self.last = [a.hi for a in acts]
        self.reason: dict[int, str] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, span: int, reason: str, *, force: bool = False) -> None:
        a, b = self.find(i), self.find(j)
        if a == b:
            return
        first, last = min(self.first[a], self.first[b]), max(self.last[a], self.last[b])
        if (last - first).days > span and not force:
            return  # made too far apart to be one change
        if self.first[b] < self.first[a] or (self.first[b] == self.first[a] and b < a):
            a, b = b, a
        self.parent[b] = a
        self.first[a], self.last[a] = first, last
        self.reason.setdefault(j, reason)


def _group_changes(acts: list[_Act], reports: list[_Report], ctx: _Context,
                   options: TimelineOptions) -> list[list[_Act]]:
    changes = _Changes(acts)
    by_article: dict[int, list[_Report]] = defaultdict(list)
    for r in reports:
        by_article[r.article_id].append(r)
    current = timedelta(days=options.current_days)
    slack = timedelta(days=options.same_act_days)
    for article_id in sorted(by_article, key=lambda a: (ctx.article_day.get(a),
                                                        ctx.place.get(a, ()))):
        rs = sorted(by_article[article_id], key=lambda r: r.order)
        day = rs[0].published
        url = ctx.article_url.get(article_id, "")
        span = options.change_span_days
        # The article's news: acts made lately and first reported lately. An act it only
        # recalls (dated long before, or first reported long before) is not part of it.
        news = [r for r in rs if r.hi >= day - current and r.act.first >= day - current]
        fresh = {r.id for r in news}
        recalled = [r for r in rs if r.id not in fresh]
        for group in (news, *_same_day(recalled, slack)):
            for part in _by_body(group):
                for r in part[1:]:
                    changes.union(part[0].act.index, r.act.index, span,
                                  f"reported with it as one change in {url}")
        # Acts told in one sentence are one announcement.
        by_sentence: dict[str, list[_Report]] = defaultdict(list)
        for r in rs:
            if r.sentence.strip() and r.key:
                by_sentence[" ".join(r.sentence.split())].append(r)
        for told in by_sentence.values():
            for part in _by_body(told):
                for r in part[1:]:
                    # One sentence is one announcement even when the analysis dated its
                    # parts apart; but an act reported elsewhere too keeps its own dates.
                    alone = {x.article_id for x in part[0].act.reports + r.act.reports} == \
                        {article_id}
                    changes.union(part[0].act.index, r.act.index, span,
                                  f"told in one sentence with it in {url}", force=alone)
        # An article that opens on an earlier change and dates nothing new of its own
        # describes that change: what it says networks must do is that change's content.
        lead = rs[0]
        if lead.id not in fresh and news and not any(r.date and r.effective is None for r in news):
            for r in news:
                if not r.group or not lead.group or r.group == lead.group:
                    changes.union(lead.act.index, r.act.index, span,
                                  f"described in {url}, which opens on it")
    sets: dict[int, list[_Act]] = defaultdict(list)
    for act in acts:
        sets[changes.find(act.index)].append(act)
    for act in acts:
        reason = changes.reason.get(act.index)
        if reason:
            for r in act.reports:
                r.join_reason += f"; {reason}"
    return sorted(sets.values(), key=lambda s: (min(a.first for a in s), min(a.index for a in s)))


def _by_body(reports: list[_Report]) -> list[list[_Report]]:
    """Reports in parts by the bodies that made them; a report that names no body goes
    with the body last named before it (the first named, at the top of the article)."""
    parts: dict[str, list[_Report]] = {}
    unnamed: list[tuple[_Report, str | None]] = []
    last = None
    for r in reports:  # in the order the article tells them
        if r.group:
            parts.setdefault(r.group, []).append(r)
            last = r.group
        else:
            unnamed.append((r, last))
    for r, before in unnamed:
        target = before or next(iter(parts), None)
        parts.setdefault(target or "", []).append(r)
    return [sorted(p, key=lambda r: r.order) for p in parts.values()]


def _same_day(reports: list[_Report], slack: timedelta) -> list[list[_Report]]:
    """Recalled reports in groups whose acts were made on the same days."""
    groups: list[list[_Report]] = []
    for r in sorted(reports, key=lambda r: (r.act.lo, r.order)):
        for g in groups:
            act = g[0].act
            if max(act.lo, r.act.lo) <= min(act.hi, r.act.hi) + slack:
                g.append(r)
                break
        else:
            groups.append([r])
    return groups


# -- what an entry says --------------------------------------------------------------------------


@dataclass(eq=False)
class _Change:
    acts: list[_Act]
    lead: _Act
    lead_report: _Report
    fields: dict = field(default_factory=dict)

    @property
    def reports(self) -> list[_Report]:
        return [r for a in self.acts for r in a.reports]

    @property
    def event_ids(self) -> set[int]:
        return {r.id for r in self.reports}


def _action_order() -> dict[str, int]:
    return {a: i for i, a in enumerate(_data()["actions"]["order"])}


def _describe(acts: list[_Act], ctx: _Context) -> _Change:
    order = _action_order()
    reports = [r for a in acts for r in a.reports]
    first = min(reports, key=lambda r: (r.published, r.order))
    # The lead act: the first the earliest report names, preferring an act whose object
    # names something ("it" names nothing).
    in_lead = [r for r in reports if r.article_id == first.article_id]
    lead_report = min(in_lead, key=lambda r: (not r.tokens, r.offset,
                                              order.get(r.act.action, 99), r.order))
    lead = lead_report.act
    # Move the acts into a stable order: the lead first, then as first reported.
    acts = [lead] + sorted((a for a in acts if a is not lead), key=lambda a: (
        a.first, min(r.offset for r in a.reports if r.article_id == min(
            a.reports, key=lambda x: (x.published, x.place)).article_id), a.index))
    return _Change(acts, lead, lead_report)


def _act_summary(act: _Act, ctx: _Context) -> dict:
    """Action, bodies, object, sentence and dates of one act, as its reports agree."""
    reports = sorted(act.reports, key=lambda r: (r.published, r.order))
    bodies = _bodies_named(reports, ctx)
    objects = Counter(r.object for r in reports if r.object)
    first_of = {}
    for r in reports:
        first_of.setdefault(r.object, (r.published, r.offset))
    obj = min(objects, key=lambda o: (-objects[o], not object_tokens(o), first_of[o], o)) \
        if objects else ""
    lead = next((r for r in reports if r.object == obj), reports[0])
    effective = Counter(r.effective for r in reports if r.effective)
    return {"action": act.action, "bodies": bodies, "object": obj,
            "sentence": lead.sentence,
            "effective": min(effective, key=lambda d: (-effective[d], d)) if effective else None,
            "title": make_title(act.action, [ctx.names.get(b, b) for b in bodies], obj,
                                lead.sentence)}


def _bodies_named(reports: list[_Report], ctx: _Context) -> list[str]:
    """One actor id per body that made the act, in the order the first report names them
    (then the most reported); a body's own id rather than a child's when both appear."""
    actors = Counter(r.actor_id for r in reports if r.actor_id)
    order: dict[str, tuple] = {}
    for n, r in enumerate(reports):
        if r.actor_id:
            root = ctx.root(r.actor_id)
            order.setdefault(root, (r.article_id != reports[0].article_id, n))
    by_root: dict[str, str] = {}
    for actor_id, _ in sorted(actors.items(),
                              key=lambda p: (p[0] != ctx.root(p[0]), -p[1], p[0])):
        by_root.setdefault(ctx.root(actor_id), actor_id)
    return [by_root[root] for root in sorted(by_root, key=lambda r: (order[r], r))]


def _entry_fields(change: _Change, ctx: _Context) -> dict:
    reports = change.reports
    lead = _act_summary(change.lead, ctx)
    first_reported = min(r.published for r in reports)
    # When the change was made: the days its reports give for it (not when parts of it
    # take effect), else the day it was first reported, as an estimate.
    # The lead act's own dates first; another act of the change only when it has none.
    made = Counter(r.date for r in change.lead.reports if r.date) or \
        Counter(r.date for r in reports if r.date)
    if made:
        day = min(made, key=lambda d: (-made[d], d))
        spread = max(made) - min(made)
        basis = "reported" if spread.days <= 0 else "sources differ"
        if basis == "reported" and day.day == 1 and \
                (change.lead.hi - change.lead.lo).days >= 20:
            # "In January" is resolved to the 1st, and no report pins the day.
            basis = "month"
    elif any(r.article_id in ctx.dated for r in reports):
        day = min(r.published for r in reports if r.article_id in ctx.dated)
        basis = "estimated"
    else:
        day, basis = None, "unknown"
    topics: Counter[str] = Counter()
    for r in reports:
        for rank, topic in enumerate(ctx.topics.get(r.article_id, [])):
            topics[topic] += 10 - min(rank, 9)
    return {
        "date": day, "date_basis": basis, "effective": lead["effective"],
        "first_reported": first_reported, "action": change.lead.action,
        "actor_id": lead["bodies"][0] if lead["bodies"] else None,
        "object": lead["object"], "title": lead["title"],
        "topic": min(topics, key=lambda t: (-topics[t], t)) if topics else None,
    }


# -- step 3: stages ------------------------------------------------------------------------------


def _stages() -> dict:
    return _data()["stages"]


def _link_stages(changes: list[_Change], ctx: _Context, options: TimelineOptions) -> None:
    """Each change follows the latest earlier change on the same policy; label its stage."""
    stages = _stages()
    vocab = [{policy_tokens(r.object) for a in c.acts for r in a.reports[:3]} - {frozenset()}
             for c in changes]
    lead_vocab = [{policy_tokens(r.object) for r in c.lead.reports[:3]} - {frozenset()}
                  for c in changes]

    def day_of(k: int) -> date:
        return changes[k].fields["date"] or changes[k].fields["first_reported"]

    ordered = sorted(range(len(changes)), key=lambda i: (
        day_of(i), changes[i].fields["first_reported"], i))
    # Placed changes by each policy word they use: only those can be on the same policy.
    by_word: dict[str, list[int]] = defaultdict(list)
    span = timedelta(days=options.thread_days)
    for i in ordered:
        c = changes[i]
        day = day_of(i)
        found = set()
        for word in {w for words in lead_vocab[i] for w in words}:
            placed = by_word.get(word)
            if placed:
                # Changes come in date order: one too old for this change is for every later.
                placed[:] = [j for j in placed if day - day_of(j) <= span]
                found.update(placed)
        best, best_rank = None, None
        # Latest first: the first one on exactly the same policy cannot be beaten.
        for j in sorted(found, key=lambda k: (day_of(k), k), reverse=True):
            if best_rank is not None and best_rank[0] == -1.0:
                break
            p = changes[j]
            pday = day_of(j)
            if pday >= day and p.fields["first_reported"] >= c.fields["first_reported"]:
                continue
            if day - pday > span:
                continue
            if c.lead.group and p.lead.group and c.lead.group != p.lead.group:
                continue
            sim = max((object_similarity(a, b) for a in lead_vocab[i] for b in vocab[j]),
                      default=0.0)
            if sim < options.object_similarity:
                continue
            rank = (-sim, -pday.toordinal(), -j)
            if best_rank is None or rank < best_rank:
                best, best_rank = p, rank
        c.fields["follows"] = best
        stage = stages.get(c.lead.action, c.lead.action)
        if c.lead.action in stages["confirms"] and _has_open_draft(best, stages):
            stage = stages["confirmed"]
        c.fields["stage"] = stage
        for word in {w for words in vocab[i] for w in words}:
            by_word[word].append(i)


def _has_open_draft(change: _Change | None, stages: dict) -> bool:
    """Whether the stages before this one hold a draft that nothing has confirmed yet."""
    seen = set()
    while change is not None and id(change) not in seen:
        seen.add(id(change))
        stage = change.fields.get("stage")
        if stage == stages["confirmed"]:
            return False
        if stage == stages["propose"]:
            return True
        change = change.fields.get("follows")
    return False


# -- rebuild -------------------------------------------------------------------------------------


def dirty_article_ids(session: Session) -> list[int]:
    """Articles whose latest analysis the timeline has not taken in yet."""
    query = select(Article.id).where(
        sa.or_(Article.timeline_at.is_(None),
               sa.and_(Article.analysed_at.is_not(None),
                       Article.analysed_at > Article.timeline_at)),
        Article.analysed_version.is_not(None)).order_by(Article.id)
    return list(session.exec(query))


def build_changes(session: Session, options: TimelineOptions = DEFAULT_OPTIONS
                  ) -> tuple[list[_Change], _Context, dict[int, PolicyEvent]]:
    """Work the changes out from every stored event (read only)."""
    ctx = _Context(session)
    events = {e.id: e for e in session.exec(select(PolicyEvent))}
    reports = [_report(e, ctx, options) for e in events.values()]
    acts = _cluster_acts(reports, ctx, options)
    changes = [_describe(s, ctx) for s in _group_changes(acts, reports, ctx, options)]
    for c in changes:
        c.fields = _entry_fields(c, ctx)
    _link_stages(changes, ctx, options)
    return changes, ctx, events


def rebuild_timeline(session: Session, options: TimelineOptions = DEFAULT_OPTIONS) -> dict:
    """Bring the timeline up to date with the analysis; returns counts of what changed.

    The caller owns the transaction: commit it whole, or the timeline stays as it was.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Two rebuilds at once would both create the same entries.
        session.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_TIMELINE_LOCK))
    dirty = dirty_article_ids(session)
    counts = {"articles": len(dirty), "events_placed": 0, "entries_created": 0,
              "entries_deleted": 0, "entries": 0, "reactions_linked": 0,
              "reactions_unlinked": 0}
    if not dirty:
        return counts
    changes, ctx, events = build_changes(session, options)
    rows = {row.id: row for row in session.exec(select(TimelineEntry))}
    kept = _match_rows(changes, events, rows)
    orphans = [rows[i] for i in rows if i not in {r.id for r in kept.values()}]

    # Events leave the entries that go, then those entries go (their reactions and the
    # links of later stages to them with them), so their keys are free to be reused.
    placement = {}
    for n, c in enumerate(changes):
        for a_no, act in enumerate(c.acts, start=1):
            for r in act.reports:
                placement[r.id] = (n, a_no, r.join_reason[:2000])
    orphan_ids = [o.id for o in orphans]
    if orphan_ids:
        for chunk in _chunks(orphan_ids):
            session.exec(sa.update(PolicyEvent).where(PolicyEvent.timeline_entry_id.in_(chunk))
                         .values(timeline_entry_id=None))
            session.exec(sa.update(TimelineEntry).where(TimelineEntry.follows_id.in_(chunk))
                         .values(follows_id=None))
            session.exec(sa.delete(Reaction).where(Reaction.timeline_entry_id.in_(chunk)))
        for o in orphans:
            session.delete(o)
        session.flush()
        counts["entries_deleted"] = len(orphans)
    taken = set(session.exec(select(TimelineEntry.key)))
    for n, c in enumerate(changes):
        row = kept.get(n)
        if row is None:
            row = TimelineEntry(key=_new_key(taken, c), action=c.fields["action"],
                                object=c.fields["object"])
            counts["entries_created"] += 1
        _apply(row, c.fields)
        session.add(row)
        c.fields["row"] = row
    session.flush()
    for c in changes:
        follows = c.fields["follows"]
        target = follows.fields["row"].id if follows is not None else None
        if c.fields["row"].follows_id != target:
            c.fields["row"].follows_id = target
            session.add(c.fields["row"])
    for event_id, (n, act_no, reason) in placement.items():
        event = events[event_id]
        entry_id = changes[n].fields["row"].id
        if event.timeline_entry_id != entry_id:
            counts["events_placed"] += 1
        if (event.timeline_entry_id, event.act, event.merge_reason) != (entry_id, act_no,
                                                                        reason):
            event.timeline_entry_id, event.act, event.merge_reason = entry_id, act_no, reason
            session.add(event)
    session.flush()
    counts["entries"] = len(changes)
    linked, unlinked = _link_reactions(session, ctx, changes, options)
    counts["reactions_linked"], counts["reactions_unlinked"] = linked, unlinked

    now = utcnow()
    for chunk in _chunks(dirty):
        session.exec(sa.update(Article).where(Article.id.in_(chunk)).values(timeline_at=now))
    session.flush()
    log.info("timeline: %s", counts)
    return counts


_ROW_FIELDS = ("date", "date_basis", "effective", "first_reported", "action", "actor_id",
               "object", "title", "topic", "stage")


def _apply(row: TimelineEntry, fields: dict) -> None:
    changed = False
    for name in _ROW_FIELDS:
        value = fields.get(name)
        if name == "object":
            value = value or ""
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed and row.id is not None:
        row.updated_at = utcnow()


def _match_rows(changes: list[_Change], events: dict[int, PolicyEvent],
                rows: dict[int, TimelineEntry]) -> dict[int, TimelineEntry]:
    """Each change keeps the existing entry it shares most reports with (each entry once)."""
    overlap: Counter[tuple[int, int]] = Counter()
    for n, c in enumerate(changes):
        for event_id in c.event_ids:
            old = events[event_id].timeline_entry_id
            if old in rows:
                overlap[(n, old)] += 1
    kept: dict[int, TimelineEntry] = {}
    taken: set[int] = set()
    for (n, old), _ in sorted(overlap.items(), key=lambda p: (-p[1], p[0][0], p[0][1])):
        if n not in kept and old not in taken:
            kept[n] = rows[old]
            taken.add(old)
    return kept


def _new_key(taken: set[str], c: _Change) -> str:
    day = c.fields["date"] or c.fields["first_reported"]
    slug = "-".join(sorted(object_tokens(c.fields["object"])))[:120] or "unnamed"
    base = f"{day.isoformat()}|{c.lead.group or 'unknown'}|{c.fields['action']}|{slug}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}|{n}"
    taken.add(key)
    return key


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


# -- reactions -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Candidate:
    change: _Change
    day: date
    groups: set[str]
    vocab: frozenset[str]
    articles: set[int]
    offsets: dict[int, list[int]]  # article id -> where its reports start
    topics: set[str] = field(default_factory=set)


def _candidates(changes: list[_Change], ctx: _Context) -> list[_Candidate]:
    out = []
    for c in changes:
        vocab: set[str] = set()
        offsets: dict[int, list[int]] = defaultdict(list)
        for r in c.reports:
            vocab |= subject_tokens(r.object)
            offsets[r.article_id].append(r.offset)
        groups = {r.group for r in c.reports if r.group}
        topics = {t for a in offsets for t in ctx.topics.get(a, [])}
        out.append(_Candidate(c, c.fields["date"] or c.fields["first_reported"], groups,
                              frozenset(vocab), set(offsets), dict(offsets), topics))
    return out


def _link_reactions(session: Session, ctx: _Context, changes: list[_Change],
                    options: TimelineOptions) -> tuple[int, int]:
    """Link every stance to the change it is about; write only the reactions that differ."""
    candidates = _candidates(changes, ctx)
    df: Counter[str] = Counter(t for cand in candidates for t in cand.vocab)
    n = max(len(candidates), 1)
    weight = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
    rare = max(1.0, options.reaction_max_share * n)
    by_article: dict[int, list[_Candidate]] = defaultdict(list)
    for cand in candidates:
        for aid in cand.articles:
            by_article[aid].append(cand)
    by_day = sorted(candidates, key=lambda c: c.day)
    days = [c.day for c in by_day]
    quotes: dict[tuple[int, str], list[Quote]] = defaultdict(list)
    for q in session.exec(select(Quote).where(Quote.actor_id.is_not(None))):
        quotes[(q.article_id, q.actor_id)].append(q)
    existing = {r.actor_stance_id: r for r in session.exec(select(Reaction))}
    wanted: set[int] = set()
    linked = unlinked = 0
    for s in session.exec(select(ActorStance).order_by(ActorStance.article_id, ActorStance.id)):
        qs = quotes.get((s.article_id, s.actor_id), [])
        cand, reason, words = _choose_change(s, qs, ctx, by_article, (by_day, days), weight,
                                             df, rare, options)
        quote = clearest_quote(qs, s.stance, cand.vocab if cand else frozenset())
        entry_id = cand.change.fields["row"].id if cand else None
        wanted.add(s.id)
        row = existing.get(s.id)
        values = {"timeline_entry_id": entry_id, "article_id": s.article_id,
                  "actor_id": s.actor_id, "stance": s.stance,
                  "quote_id": quote.id if quote else None, "reason": reason}
        if row is None:
            session.add(Reaction(actor_stance_id=s.id, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
        linked += cand is not None
        unlinked += cand is None
    for stance_id, row in existing.items():
        if stance_id not in wanted:
            session.delete(row)
    session.flush()
    return linked, unlinked


def _statement(s: ActorStance, quotes: list[Quote]) -> tuple[frozenset[str], int | None]:
    """What a body's statement in an article is about, and where in the article it starts."""
    texts = [q.text for q in quotes] + [str(e) for e in (s.evidence or [])]
    starts = [q.start for q in quotes if q.start is not None]
    return subject_tokens(" ".join(texts)), (min(starts) if starts else None)


def _choose_change(s: ActorStance, quotes: list[Quote], ctx: _Context,
                   by_article: dict[int, list[_Candidate]],
                   by_day: tuple[list[_Candidate], list[date]],
                   weight: dict[str, float], df: Counter, rare: float,
                   options: TimelineOptions
                   ) -> tuple[_Candidate | None, str, frozenset[str]]:
    group = ctx.group(s.actor_id)
    day = ctx.article_day.get(s.article_id)
    words, start = _statement(s, quotes)
    same = [c for c in by_article.get(s.article_id, []) if group not in c.groups]
    own = [c for c in by_article.get(s.article_id, []) if group in c.groups]
    earlier = []
    article_topics = set(ctx.topics.get(s.article_id, []))
    if day is not None:
        lo = day - timedelta(days=options.reaction_window_days)
        cands, days = by_day
        for c in cands[bisect.bisect_left(days, lo):bisect.bisect_right(days, day)]:
            if group not in c.groups and c not in same and article_topics & c.topics:
                earlier.append(c)

    def score(c: _Candidate) -> tuple[float, list[str]]:
        shared = sorted(words & c.vocab, key=lambda t: (-weight.get(t, 0), t))
        return sum(weight.get(t, 0.0) for t in shared), [_shown(t) for t in shared]

    scored = [(score(c), c in same, c) for c in same + earlier]
    scored = [x for x in scored if x[0][0] > 0 and (x[1] or any(
        df.get(t, 0) <= rare for t in x[0][1]))]
    if scored:
        (value, shared), in_article, c = max(scored, key=lambda x: (
            x[0][0], x[1], x[2].day, -x[2].change.fields["row"].id))
        where = "in the same article" if in_article else _after(day, c.day)
        return c, f"names {', '.join(shared[:3])} ({where})", words
    if same:
        if not words:
            c = _news_of(same, day)
            return c, "the same article reports it; the statement names nothing else", words
        if start is None:
            return _news_of(same, day), "the same article reports it", words
        near = _nearest_before(same, s.article_id, start, options.reaction_proximity_chars)
        if near is not None:
            return near, "follows the report of it in the same article", words
        if own:
            return None, "speaks of its own change, not of another body's", words
        about = ", ".join(_shown(t) for t in sorted(
            words, key=lambda t: (-weight.get(t, 1.0), t))[:3])
        return None, (f"about {about}, which none of the changes this article reports "
                      "names"), words
    if earlier and not words:
        c = max(earlier, key=lambda c: (c.day, -c.change.fields["row"].id))
        topics = sorted(article_topics & c.topics)
        return c, f"topic {', '.join(topics)}, {_after(day, c.day)}", words
    if own:
        return None, "the only change its article reports is its own", words
    if day is None:
        return None, "article has no date", words
    if not article_topics:
        return None, "article has no policy topic", words
    topics = ", ".join(sorted(article_topics))
    if words:
        about = ", ".join(_shown(t) for t in sorted(
            words, key=lambda t: (-weight.get(t, 1.0), t))[:3])
        return None, (f"about {about}; no change on {topics} in the "
                      f"{options.reaction_window_days} days before names it"), words
    return None, (f"no policy change on {topics} in the {options.reaction_window_days} days "
                  "before"), words


@cache
def _phrase_names() -> dict[str, str]:
    """Each phrase token by the phrase it stands for ("arr": "additional roles ...")."""
    names: dict[str, str] = {}
    for phrase, token in _object_rules()[0]:
        for key in (token, token[:-1] if token.endswith("s") else token):
            names.setdefault(key, phrase)
    return names


def _shown(token: str) -> str:
    return _phrase_names().get(token, token)


def _after(day: date | None, then: date) -> str:
    if day is None:
        return "undated"
    gap = (day - then).days
    return "same day" if gap == 0 else f"{gap} day{'s' if gap != 1 else ''} after"


def _news_of(same: list[_Candidate], day: date | None) -> _Candidate:
    """Of the changes one article reports, the one it is news of (the newest it dates)."""
    return max(same, key=lambda c: (bool(day and c.day <= day),
                                    c.change.fields["date_basis"] == "reported", c.day,
                                    len({r.article_id for r in c.change.reports}),
                                    -c.change.fields["row"].id))


def _nearest_before(same: list[_Candidate], article_id: int, start: int | None,
                    reach: int) -> _Candidate | None:
    if start is None:
        return None
    best, best_gap = None, None
    for c in same:
        for offset in c.offsets.get(article_id, []):
            gap = start - offset
            if 0 <= gap <= reach and (best_gap is None or gap < best_gap):
                best, best_gap = c, gap
    return best


def clearest_quote(quotes: list[Quote], stance: str,
                   about: frozenset[str] = frozenset()) -> Quote | None:
    """The quote that shows `stance` most surely, on the subject `about` if one is; or None."""
    fitting = [q for q in quotes if q.stance == stance]
    if not fitting:
        return None
    return max(fitting, key=lambda q: (len(subject_tokens(q.text) & about),
                                       q.confidence or 0.0, len(q.text), -(q.id or 0)))


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

    Each dict has `date`, `action`, `actor_id`, `object`, `sources` (article URLs, first
    report first) and `reactions` (`actor_id`, `stance`, `url`, `quote`, plus
    `actor_name`, `reason`, `date`, `speaker` and `urls`: one reaction per body and
    story, its copies on other sites in `urls`), and the extras `id`, `key`, `title`,
    `stage`, `date_basis` (reported, month, sources differ, estimated, unknown),
    `date_estimated`, `effective`, `first_reported`, `topic`, `topics`, `actor_name`,
    `headline` (the first report's own headline), `source_details` (each report's
    article and why it joined), `acts` (what the change does, lead act first),
    `follows` and `followed_by` (the entries before and after it on the same policy)
    and `reactions_by_stance`. `actor` matches the entry's body or a reacting body,
    children included; `topic` any topic of the entry's sources. Entries none of whose
    reports names anything ("it", "Monday") are left out unless `unnamed`.
    """
    query = select(TimelineEntry)
    day = sa.func.coalesce(TimelineEntry.date, TimelineEntry.first_reported)
    if since:
        query = query.where(day >= since)
    if until:
        query = query.where(day <= until)
    rows = list(session.exec(query.order_by(day, TimelineEntry.id)))
    if not rows:
        return []
    ids = [r.id for r in rows]
    names = dict(session.exec(select(Actor.id, Actor.name)).all())
    events: dict[int, list[PolicyEvent]] = defaultdict(list)
    article_ids: set[int] = set()
    for chunk in _chunks(ids):
        for ev in session.exec(select(PolicyEvent).where(PolicyEvent.timeline_entry_id
                                                          .in_(chunk))):
            events[ev.timeline_entry_id].append(ev)
            article_ids.add(ev.article_id)
    reactions = _reactions(session, entry_ids=ids)
    article_ids |= {r["_article_id"] for rs in reactions.values() for r in rs}
    meta = _article_meta(session, article_ids)
    links = {r.id: r for r in rows}
    followers: dict[int, list[int]] = defaultdict(list)
    missing = {r.follows_id for r in rows if r.follows_id and r.follows_id not in links}
    for extra in (session.exec(select(TimelineEntry).where(TimelineEntry.id.in_(missing)))
                  if missing else []):
        links[extra.id] = extra
    for fid, follows in session.exec(select(TimelineEntry.id, TimelineEntry.follows_id)
                                     .where(TimelineEntry.follows_id.in_(ids))):
        followers[follows].append(fid)
    for fid in {f for fs in followers.values() for f in fs} - set(links):
        links[fid] = session.get(TimelineEntry, fid)
    wanted = actor_and_descendants(session, actor) if actor else None
    result = []
    for row in rows:
        evs = sorted(events[row.id], key=lambda e: (meta[e.article_id]["published"] or date.max,
                                                    meta[e.article_id]["url"], e.start or 0,
                                                    e.id))
        if not unnamed and evs and not any(object_tokens(e.object) for e in evs):
            continue
        sources = list(dict.fromkeys(e.article_id for e in evs))
        topics = sorted({t for a in sources for t in meta[a]["topics"]})
        rs = _once_per_story(reactions.get(row.id, []))
        if wanted and row.actor_id not in wanted and not any(r["actor_id"] in wanted
                                                             for r in rs):
            continue
        if topic and topic not in topics and topic != row.topic:
            continue
        lead = meta[sources[0]] if sources else None
        # Database ids (the "_" keys) stay inside: they depend on the order of a crawl.
        public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rs]
        result.append({
            "date": row.date.isoformat() if row.date else None,
            "action": row.action,
            "actor_id": row.actor_id,
            "object": row.object,
            "sources": [meta[a]["url"] for a in sources],
            "reactions": public,
            "id": row.id,
            "key": row.key,
            "title": row.title or row.object,
            "stage": row.stage or row.action,
            "date_basis": row.date_basis or "estimated",
            "date_estimated": (row.date_basis or "estimated") in ("estimated", "unknown",
                                                                  "month"),
            "effective": row.effective.isoformat() if row.effective else None,
            "first_reported": row.first_reported.isoformat() if row.first_reported else None,
            "updated": row.updated_at.isoformat() if row.updated_at else None,
            "topic": row.topic,
            "topics": topics,
            "actor_name": names.get(row.actor_id, row.actor_id),
            "actors": _bodies(evs, names),
            "headline": _source(meta[sources[0]]) if lead else None,
            "source_details": [_source(meta[a], [e.merge_reason for e in evs
                                                 if e.article_id == a]) for a in sources],
            "acts": _acts(evs, meta, names),
            "follows": _link(links.get(row.follows_id)),
            "followed_by": [_link(links[f]) for f in sorted(followers.get(row.id, []))],
            "reactions_by_stance": _by_stance(public),
        })
    return result


def _source(m: dict, reasons: list[str | None] | None = None) -> dict:
    out = {"url": m["url"], "title": m["title"], "source": m["source"],
           "published": m["published"].isoformat() if m["published"] else None}
    if reasons is not None:
        out["reason"] = next((r for r in reasons if r), None)
    return out


def _link(row: TimelineEntry | None) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "title": row.title or row.object, "stage": row.stage or row.action,
            "date": row.date.isoformat() if row.date else None,
            "first_reported": row.first_reported.isoformat() if row.first_reported else None}


def _bodies(evs: list[PolicyEvent], names: dict[str, str]) -> list[dict]:
    counts = Counter(e.actor_id for e in evs if e.actor_id)
    return [{"actor_id": a, "name": names.get(a, a)}
            for a, _ in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]


def _acts(evs: list[PolicyEvent], meta: dict, names: dict[str, str]) -> list[dict]:
    """What a change does, one act each (lead act first), with its due or effective date."""
    by_act: dict[int, list[PolicyEvent]] = defaultdict(list)
    for e in evs:
        by_act[e.act or 1].append(e)
    generic = _generic()
    out = []
    for number in sorted(by_act):
        group = by_act[number]
        actions = [e.action for e in group if e.action not in generic] or [group[0].action]
        action = Counter(actions).most_common(1)[0][0]
        objects = Counter(e.object for e in group if e.object)
        obj = objects.most_common(1)[0][0] if objects else ""
        lead = next((e for e in group if e.object == obj), group[0])
        due = Counter(d for e in group if (d := report_dates(
            e.action, e.date, meta[e.article_id]["published"], e.sentence)[1]))
        first = min((meta[e.article_id]["published"] for e in group
                     if meta[e.article_id]["published"]), default=None)
        bodies = list(dict.fromkeys(names.get(e.actor_id, e.actor_id) for e in group
                                    if e.actor_id))
        effective = min(due, key=lambda d: (-due[d], d)) if due else None
        out.append({
            "act": number, "action": action, "object": obj,
            "title": make_title(action, bodies, obj, lead.sentence),
            "sentence": lead.sentence,
            "effective": effective.isoformat() if effective else None,
            "effective_dates": sorted(d.isoformat() for d in due),
            "effective_sources": sum(due.values()),
            "first_reported": first.isoformat() if first else None,
            "sources": list(dict.fromkeys(meta[e.article_id]["url"] for e in group)),
            "stories": len({meta[e.article_id]["story_key"] for e in group}),
            "story_keys": sorted({meta[e.article_id]["story_key"] for e in group}),
            "_names_something": any(subject_tokens(e.object) for e in group),
            "_sentences": {" ".join((e.sentence or "").split()) for e in group},
        })
    return _told_once(out)


def _told_once(acts: list[dict]) -> list[dict]:
    """Each act once: acts with one title are one, and an act that names nothing and was
    read from the lead act's own sentence is the lead act read twice."""
    from store.titles import tidy

    kept: list[dict] = []
    by_title: dict[str, dict] = {}
    lead_sentences = {tidy(t) for t in acts[0]["_sentences"]} if acts else set()
    for act in acts:
        title = " ".join(act["title"].split()).casefold()
        twin = by_title.get(title)
        if twin is None and kept and not act["_names_something"] and \
                {tidy(t) for t in act["_sentences"]} <= lead_sentences:
            twin = kept[0]
        if twin is not None:
            twin["sources"] = list(dict.fromkeys(twin["sources"] + act["sources"]))
            twin["effective_dates"] = sorted(set(twin["effective_dates"] +
                                                 act["effective_dates"]))
            twin["story_keys"] = sorted(set(twin["story_keys"]) | set(act["story_keys"]))
            twin["stories"] = len(twin["story_keys"])
            continue
        by_title[title] = act
        kept.append(act)
    for act in kept:
        del act["_names_something"], act["_sentences"]
    return kept


def _once_per_story(reactions: list[dict]) -> list[dict]:
    """One reaction per body and story: a story carried by two sites, or one quote carried
    by two stories, counts once; the copies' URLs stay with it in `urls`."""
    kept: dict[tuple, dict] = {}
    for r in reactions:
        quote = " ".join((r["quote"] or "").split()).casefold()
        keys = [(r["actor_id"], "story", r["_story"])]
        if quote:
            keys.append((r["actor_id"], "quote", quote))
        found = next((kept[k] for k in keys if k in kept), None)
        if found is None:
            r = {**r, "urls": [r["url"]]}
            for k in keys:
                kept[k] = r
            continue
        if r["url"] not in found["urls"]:
            found["urls"].append(r["url"])
        if not found["quote"] and r["quote"]:
            found.update(quote=r["quote"], speaker=r["speaker"])
        for k in keys:
            kept.setdefault(k, found)
    seen, out = set(), []
    for r in kept.values():
        if id(r) not in seen:
            seen.add(id(r))
            out.append(r)
    return sorted(out, key=lambda r: (r["date"] or "9999", r["actor_id"]))


def unlinked_reactions(session: Session, since: date | None = None, until: date | None = None,
                       actor: str | None = None, topic: str | None = None) -> list[dict]:
    """Reactions that fit no timeline entry, with why, oldest article first."""
    rs = _reactions(session, entry_ids=None).get(None, [])
    meta = _article_meta(session, {r["_article_id"] for r in rs})
    wanted = actor_and_descendants(session, actor) if actor else None
    out = []
    for r in rs:
        day = meta[r["_article_id"]]["published"]
        if (since and (day is None or day < since)) or (until and (day is None or day > until)):
            continue
        if wanted and r["actor_id"] not in wanted:
            continue
        if topic and topic not in meta[r["_article_id"]]["topics"]:
            continue
        out.append({k: v for k, v in r.items() if not k.startswith("_")})
    return out


def _by_stance(reactions: list[dict]) -> dict[str, list[dict]]:
    groups = {s: [r for r in reactions if r["stance"] == s] for s in STANCES}
    others = sorted({r["stance"] for r in reactions} - set(STANCES))
    groups.update({s: [r for r in reactions if r["stance"] == s] for s in others})
    return {s: rs for s, rs in groups.items() if rs}


def _article_meta(session: Session, ids: set[int]) -> dict[int, dict]:
    """Each article's address, date, title, source, topics and story.

    `story` is the story's row id, for telling copies apart inside; `story_key` names
    the story by the address of its first article (earliest date, then address), so
    what is shown does not hang on the order a crawl stored the copies in.
    """
    meta: dict[int, dict] = {}
    for chunk in _chunks(sorted(ids)):
        for aid, url, published, title, source, story in session.exec(
                select(Article.id, Article.url, Article.published, Article.title,
                       Article.source, Article.story_id).where(Article.id.in_(chunk))):
            meta[aid] = {"url": url, "published": published, "title": title, "source": source,
                         "story": story if story is not None else -aid, "story_key": url,
                         "topics": []}
        for aid, t in session.exec(select(ArticleTopic.article_id, ArticleTopic.topic)
                                   .where(ArticleTopic.article_id.in_(chunk))
                                   .order_by(ArticleTopic.rank)):
            meta[aid]["topics"].append(t)
    first: dict[int, tuple] = {}
    for chunk in _chunks(sorted({m["story"] for m in meta.values() if m["story"] > 0})):
        for story, url, published in session.exec(
                select(Article.story_id, Article.url, Article.published)
                .where(Article.story_id.in_(chunk))):
            first[story] = min(first.get(story, (date.max, url)), (published or date.max, url))
    for m in meta.values():
        if m["story"] in first:
            m["story_key"] = first[m["story"]][1]
    return meta


def _reactions(session: Session, entry_ids: list[int] | None) -> dict[int | None, list[dict]]:
    """Reactions by entry id (None: the unlinked ones), oldest article first."""
    query = (select(Reaction, Article.url, Article.published, Article.story_id, Quote.text,
                    Quote.speaker, Actor.name)
             .join(Article, Article.id == Reaction.article_id)
             .join(Actor, Actor.id == Reaction.actor_id)
             .join(Quote, Quote.id == Reaction.quote_id, isouter=True))
    if entry_ids is None:
        query = query.where(Reaction.timeline_entry_id.is_(None))
    else:
        query = query.where(Reaction.timeline_entry_id.in_(entry_ids))
    query = query.order_by(Article.published, Reaction.actor_id, Article.url, Reaction.id)
    out: dict[int | None, list[dict]] = defaultdict(list)
    for r, url, published, story, text, speaker, name in session.exec(query):
        out[r.timeline_entry_id].append({
            "actor_id": r.actor_id, "actor_name": name, "stance": r.stance, "url": url,
            "quote": text, "speaker": speaker, "reason": r.reason,
            "date": published.isoformat() if published else None,
            "_article_id": r.article_id, "_story": story if story is not None else -r.article_id})
    return out
