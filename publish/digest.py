"""The weekly digest for practice managers: what changed, who said what, what is due.

A week is an ISO week (YYYY-Www, Monday to Sunday). Its digest is built from
the articles published in it:

- policy changes: the policy events those articles report, one per timeline
  entry when the timeline has merged them (else one per action, actor and
  object), with what must be done and by when;
- reactions: each body's stance in the week's articles (media left out), its
  clearest quote with the same stance and a link to the article, and the
  change it reacts to when the timeline linked it;
- upcoming deadlines: `require` events reported up to the week's end that fall
  due after it, whatever the week reported them;
- top headlines: one per story (see `publish.headlines`).

A subscriber's topic filter keeps the articles on those topics; the actor
filter (children included) keeps changes made or reacted to by those actors,
their reactions and headlines naming them. Deadlines ignore the actor filter:
a practice must meet them whoever set them. A week with none of the first,
second and fourth sections gives a short "nothing new" digest.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from typing import Any
from urllib.parse import quote as urlquote
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from publish.errors import BadWeek
from publish.feeds import public_url
from publish.headlines import HeadlineFilters, headlines
from publish.hygiene import clean, strip_bidi
from publish.queries import actor_family, check_topic
from store.models import (
    Actor,
    ActorStance,
    Article,
    ArticleTopic,
    PolicyEvent,
    Quote,
    Reaction,
    TimelineEntry,
)

LONDON = ZoneInfo("Europe/London")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TOP_HEADLINES = 10
MAX_DEADLINES = 10
DEFAULT_FROM = "pcnwatch <digest@pcnwatch.invalid>"
TEMPLATE_VERSION = "v2"  # v2: long words wrap in the HTML

ACTION_VERBS = {
    "announce": "announced", "propose": "proposed", "require": "requires",
    "reduce": "cut back", "delay": "postponed", "fund": "funded", "agree": "agreed",
    "withdraw": "withdrew",
}
STANCE_WORDS = {"support": "supports", "oppose": "opposes", "mixed": "has mixed views on",
                "neutral": "comments on"}
STANCE_RANK = {"oppose": 3, "support": 3, "mixed": 2, "neutral": 0}


# -- weeks ---------------------------------------------------------------------------------------


def parse_week(week: str) -> tuple[date, date]:
    """Monday and Sunday of ISO week `week` (YYYY-Www)."""
    m = _WEEK.match((week or "").strip())
    if not m:
        raise BadWeek(f"{week!r} is not an ISO week; write it YYYY-Www, e.g. 2020-W05")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise BadWeek(f"{week!r} is not a week of {m.group(1)}: it has "
                      f"{date(int(m.group(1)), 12, 28).isocalendar().week} weeks") from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def last_complete_week(now: datetime | None = None) -> str:
    """The ISO week that ended most recently, by the clock in London."""
    today = (now or datetime.now(LONDON)).astimezone(LONDON).date()
    return week_of(today - timedelta(days=today.isoweekday()))


# -- content -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None
    token: str = "sample"
    topics: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()


SAMPLE = Recipient(email="sample@pcnwatch.invalid", name=None, token="sample")


@dataclass
class Digest:
    week: str
    start: date
    end: date
    changes: list[dict] = field(default_factory=list)
    reactions: list[dict] = field(default_factory=list)
    deadlines: list[dict] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not (self.changes or self.reactions or self.headlines)


def build_digest(session: Session, week: str, recipient: Recipient = SAMPLE,
                 extra_actors: Mapping[str, str | None] | None = None) -> Digest:
    """The content of `week`'s digest for `recipient` (their filters applied)."""
    start, end = parse_week(week)
    for t in recipient.topics:
        check_topic(session, t)
    wanted: set[str] | None = None
    if recipient.actors:
        wanted = set().union(*(actor_family(session, a, extra_actors) for a in recipient.actors))
    names, kinds = {}, {}
    for actor_id, name, kind in session.exec(select(Actor.id, Actor.name, Actor.kind)):
        names[actor_id], kinds[actor_id] = name, kind
    digest = Digest(week=week, start=start, end=end)
    articles = _week_articles(session, start, end, recipient.topics)
    by_id = {a.id: a for a in articles}
    digest.changes = _changes(session, by_id, names, end)
    digest.reactions = _reactions(session, by_id, names, kinds, digest.changes)
    if wanted is not None:
        digest.reactions = [r for r in digest.reactions if r["actor_id"] in wanted]
        reacting = {c for r in digest.reactions for c in r["change_keys"]}
        digest.changes = [c for c in digest.changes
                          if c["actor_id"] in wanted or c["key"] in reacting]
    for c in digest.changes:
        c["reactions"] = [r for r in digest.reactions if c["key"] in r["change_keys"]]
    digest.deadlines = _deadlines(session, end, recipient.topics, names)
    items = headlines(session, HeadlineFilters(since=start, until=end))
    if recipient.topics:
        items = [h for h in items if set(h["topics"]) & set(recipient.topics)]
    if wanted is not None:
        items = [h for h in items if any(a["actor_id"] in wanted for a in h["actors"])]
    digest.headlines = items[:TOP_HEADLINES]
    # Read by people, in mail clients: no bidi controls in anything crawled.
    for section in ("changes", "reactions", "deadlines", "headlines"):
        setattr(digest, section, clean(getattr(digest, section)))
    return digest


def _week_articles(session: Session, start: date, end: date,
                   topics: Iterable[str]) -> list[Article]:
    query = select(Article).where(Article.published >= start, Article.published <= end)
    topics = list(topics)
    if topics:
        tagged = select(ArticleTopic.article_id).where(ArticleTopic.topic.in_(topics))
        query = query.where(Article.id.in_(tagged))
    return list(session.exec(query.order_by(Article.published, Article.id)))


def _change_key(e: PolicyEvent) -> str:
    if e.timeline_entry_id is not None:
        return f"entry-{e.timeline_entry_id}"
    return f"{e.action}|{e.actor_id}|{' '.join(e.object.lower().split())}"


def _changes(session: Session, articles: dict[int, Article], names: dict,
             end: date) -> list[dict]:
    if not articles:
        return []
    events = list(session.exec(select(PolicyEvent)
                               .where(PolicyEvent.article_id.in_(list(articles)))
                               .order_by(PolicyEvent.article_id, PolicyEvent.start)))
    entry_ids = {e.timeline_entry_id for e in events if e.timeline_entry_id is not None}
    entries = {t.id: t for t in session.exec(
        select(TimelineEntry).where(TimelineEntry.id.in_(entry_ids)))} if entry_ids else {}
    groups: dict[str, list[PolicyEvent]] = defaultdict(list)
    for e in events:
        groups[_change_key(e)].append(e)
    changes = []
    for key, evs in groups.items():
        first = evs[0]
        entry = entries.get(first.timeline_entry_id)
        action = entry.action if entry else first.action
        actor_id = entry.actor_id if entry else first.actor_id
        # An event whose object the analysis could not name is still news: say what it said.
        obj = (entry.object if entry else first.object) or "a change (see the report)"
        when = (entry.date if entry else None) or next((e.date for e in evs if e.date), None)
        sources = list(dict.fromkeys(articles[e.article_id].url for e in evs))
        changes.append({
            "key": key, "action": action, "verb": ACTION_VERBS.get(action, action),
            "actor_id": actor_id, "actor": names.get(actor_id, actor_id) if actor_id else None,
            "object": obj, "date": when,
            # A date after the week is when it must be done; one before, when it was made.
            "due": when if when and when > end and action in ("require", "delay") else None,
            "sentence": first.sentence, "url": sources[0], "sources": sources,
            "title": articles[first.article_id].title,
        })
    changes.sort(key=lambda c: (c["date"] or date.max, c["actor"] or "", c["object"]))
    return changes


def clearest_quote(quotes: list[Quote], stance: str) -> Quote | None:
    """The quote that shows `stance` most surely (ties: the longer), or None."""
    fitting = [q for q in quotes if q.stance == stance]
    if not fitting:
        return None
    return max(fitting, key=lambda q: (q.confidence or 0.0, len(q.text), -(q.id or 0)))


def _reactions(session: Session, articles: dict[int, Article], names: dict, kinds: dict,
               changes: list[dict]) -> list[dict]:
    if not articles:
        return []
    ids = list(articles)
    stances = list(session.exec(select(ActorStance).where(ActorStance.article_id.in_(ids))))
    quotes: dict[str, list[Quote]] = defaultdict(list)
    for q in session.exec(select(Quote).where(Quote.article_id.in_(ids),
                                              Quote.actor_id.is_not(None))):
        quotes[q.actor_id].append(q)
    linked: dict[int, set[int]] = defaultdict(set)  # actor_stance id -> timeline entry ids
    for r in session.exec(select(Reaction).where(Reaction.article_id.in_(ids),
                                                 Reaction.timeline_entry_id.is_not(None))):
        if r.actor_stance_id is not None:
            linked[r.actor_stance_id].add(r.timeline_entry_id)
    shown = {c["key"] for c in changes}
    by_actor: dict[str, list[ActorStance]] = defaultdict(list)
    for s in stances:
        if kinds.get(s.actor_id) != "media":
            by_actor[s.actor_id].append(s)
    out = []
    for actor_id, rows in by_actor.items():
        best = max(rows, key=lambda s: (STANCE_RANK.get(s.stance, 1), s.confidence or 0.0))
        if best.stance == "neutral" and not quotes.get(actor_id):
            continue  # a body only named in passing has not reacted
        quote = clearest_quote(quotes.get(actor_id, []), best.stance)
        source = articles[quote.article_id if quote else best.article_id]
        keys = [f"entry-{e}" for s in rows for e in sorted(linked.get(s.id, ()))]
        keys = [k for k in dict.fromkeys(keys) if k in shown]
        evidence = next((e for e in best.evidence or [] if e), None)
        out.append({
            "actor_id": actor_id, "actor": names.get(actor_id, actor_id),
            "stance": best.stance, "stance_words": STANCE_WORDS.get(best.stance, best.stance),
            "quote": quote.text if quote else None, "speaker": quote.speaker if quote else None,
            "evidence": None if quote else evidence,
            "url": source.url, "title": source.title, "change_keys": keys,
        })
    out.sort(key=lambda r: (-STANCE_RANK.get(r["stance"], 1), r["actor"]))
    return out


def _deadlines(session: Session, end: date, topics: Iterable[str], names: dict) -> list[dict]:
    query = (select(PolicyEvent, Article)
             .join(Article, Article.id == PolicyEvent.article_id)
             .where(PolicyEvent.action == "require", PolicyEvent.date > end,
                    Article.published <= end))
    topics = list(topics)
    if topics:
        tagged = select(ArticleTopic.article_id).where(ArticleTopic.topic.in_(topics))
        query = query.where(Article.id.in_(tagged))
    seen, out = set(), []
    for e, a in session.exec(query.order_by(PolicyEvent.date, Article.published.desc())):
        key = e.timeline_entry_id or (e.actor_id, " ".join(e.object.lower().split()), e.date)
        if key in seen:
            continue
        seen.add(key)
        out.append({"date": e.date, "actor_id": e.actor_id,
                    "actor": names.get(e.actor_id, e.actor_id) if e.actor_id else None,
                    "object": e.object, "sentence": e.sentence, "url": a.url})
    return out[:MAX_DEADLINES]


# -- rendering -----------------------------------------------------------------------------------


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("publish", "templates"),
                      autoescape=select_autoescape(["html", "html.j2"],
                                                   default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=_finalize)
    env.filters["day"] = _day
    env.filters["href"] = safe_href
    return env


def _finalize(value: Any) -> Any:
    """Every `{{ … }}` of the templates: no bidi controls, whatever the value's origin."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return Markup(strip_bidi(str(value)))
    return strip_bidi(value) if isinstance(value, str) else value


def safe_href(url: str | None) -> str:
    """`url` if it is a web address, else "" (a javascript: or data: link is never a link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def _day(value: date | None) -> str:
    if value is None:
        return "date not given"
    return f"{value.strftime('%a')} {value.day} {value.strftime('%b %Y')}"


def unsubscribe_links(recipient: Recipient, mail_from: str | None = None) -> tuple[str, str]:
    """The mailto and https one-click unsubscribe links for `recipient`."""
    domain = _domain(mail_from or DEFAULT_FROM)
    token = urlquote(recipient.token, safe="")
    return (f"mailto:unsubscribe@{domain}?subject=unsubscribe%20{token}",
            f"{public_url()}/unsubscribe?token={token}")


def _domain(address: str) -> str:
    from email.utils import parseaddr

    return parseaddr(address)[1].rpartition("@")[2] or "pcnwatch.invalid"


def subject(digest: Digest) -> str:
    if digest.nothing_new:
        return f"PCN watch {digest.week}: nothing new this week"
    n = len(digest.changes)
    what = f"{n} policy change{'s' if n != 1 else ''}" if n else "reactions and headlines"
    return f"PCN watch {digest.week}: {what}, {_day(digest.start)} to {_day(digest.end)}"


def preview_text(digest: Digest) -> str:
    """The line mail clients show after the subject."""
    if digest.nothing_new:
        return "No new policy changes, reactions or headlines this week."
    parts = []
    if digest.changes:
        c = digest.changes[0]
        parts.append(f"{c['actor'] or 'Policy'} {c['verb']} {c['object']}")
    if digest.reactions:
        parts.append(f"{len(digest.reactions)} bodies reacted")
    if digest.deadlines:
        parts.append(f"next deadline {_day(digest.deadlines[0]['date'])}")
    return "; ".join(parts)[:150]


def render(digest: Digest, recipient: Recipient = SAMPLE,
           mail_from: str | None = None) -> tuple[str, str]:
    """The digest as (plain text, HTML with its CSS inlined)."""
    import css_inline

    mailto, https = unsubscribe_links(recipient, mail_from)
    ctx = {"d": digest, "recipient": recipient, "subject": subject(digest),
           "preview": preview_text(digest), "unsubscribe_url": https, "unsubscribe_mailto": mailto,
           "home": public_url() + "/"}
    env = _environment()
    text = env.get_template(f"digest.{TEMPLATE_VERSION}.txt.j2").render(ctx)
    html = env.get_template(f"digest.{TEMPLATE_VERSION}.html.j2").render(ctx)
    # Mail clients drop <style> blocks; inlining keeps the layout in Gmail and Outlook.
    html = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False).inline(html)
    return text, html


def message_id(week: str, recipient: Recipient, mail_from: str | None = None) -> str:
    """The same Message-ID every time this week's digest is made for this address."""
    digest_of = hashlib.sha256(f"{week}\n{recipient.email.lower()}".encode()).hexdigest()[:24]
    return f"<digest.{week}.{digest_of}@{_domain(mail_from or DEFAULT_FROM)}>"


def build_message(digest: Digest, recipient: Recipient = SAMPLE, *,
                  mail_from: str | None = None, now: datetime | None = None) -> EmailMessage:
    """A multipart/alternative message: text first, then HTML, with RFC 8058 headers."""
    mail_from = mail_from or DEFAULT_FROM
    text, html = render(digest, recipient, mail_from)
    mailto, https = unsubscribe_links(recipient, mail_from)
    msg = EmailMessage()
    msg["Subject"] = subject(digest)
    msg["From"] = mail_from
    msg["To"] = formataddr((recipient.name or "", recipient.email))
    msg["Date"] = format_datetime((now or datetime.now(LONDON)).astimezone(LONDON))
    msg["Message-ID"] = message_id(digest.week, recipient, mail_from)
    msg["List-Unsubscribe"] = f"<{https}>, <{mailto}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = f"PCN watch weekly digest <digest.{_domain(mail_from)}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-PCNWatch-Week"] = digest.week
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def as_context(digest: Digest) -> dict[str, Any]:
    """The digest as plain data (JSON-ready apart from dates)."""
    return {"week": digest.week, "start": digest.start, "end": digest.end,
            "nothing_new": digest.nothing_new, "changes": digest.changes,
            "reactions": digest.reactions, "deadlines": digest.deadlines,
            "headlines": digest.headlines}


# -- whole runs ----------------------------------------------------------------------------------


def recipient_of(subscriber: Any) -> Recipient:
    return Recipient(email=subscriber.email, name=subscriber.name, token=subscriber.token,
                     topics=tuple(subscriber.topics or ()), actors=tuple(subscriber.actors or ()))


def message_for(engine: Any, week: str, recipient: Recipient, *, mail_from: str | None = None,
                extra_actors: Mapping[str, str | None] | None = None) -> EmailMessage:
    """Build `week`'s digest for `recipient` and wrap it as a message."""
    from store.db import session_scope

    with session_scope(engine) as session:
        digest = build_digest(session, week, recipient, extra_actors)
    return build_message(digest, recipient, mail_from=mail_from)


def latest_news_week(session: Session) -> str | None:
    """The ISO week of the newest dated article (what a demo on old news should show)."""
    from sqlalchemy import func

    newest = session.exec(select(func.max(Article.published))).one()
    return week_of(newest) if newest else None


def write_files(engine: Any, week: str, out_dir: Any, *, mail_from: str | None = None,
                extra_actors: Mapping[str, str | None] | None = None,
                subscribers: bool = True) -> list[Any]:
    """Write digest.html/.txt/.eml (unfiltered, for a sample reader) and, with
    `subscribers`, one set per active subscriber (digest-<n>.*); returns the paths."""
    from pathlib import Path

    from sqlmodel import select as sm_select

    from store.db import session_scope
    from store.models import Subscriber

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as session:
        subs = [recipient_of(x) for x in session.exec(
            sm_select(Subscriber).where(Subscriber.active.is_(True)).order_by(Subscriber.id))
            ] if subscribers else []
    written = []
    for stem, recipient in [("digest", SAMPLE)] + [
            (f"digest-{n}", r) for n, r in enumerate(subs, start=1)]:
        msg = message_for(engine, week, recipient, mail_from=mail_from,
                          extra_actors=extra_actors)
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        for suffix, body in ((".txt", text), (".html", html)):
            path = out / f"{stem}{suffix}"
            path.write_text(body, encoding="utf-8")
            written.append(path)
        path = out / f"{stem}.eml"
        path.write_bytes(msg.as_bytes())
        written.append(path)
    return written
