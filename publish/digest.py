"""The weekly digest for practice managers, around the questions they ask of a week.

A week is an ISO week (YYYY-Www, Monday to Sunday). Its digest answers, in order:

- **What changed?** The policy changes (timeline entries) first reported in the
  week's articles, each once however many articles and sites told it: the
  publisher's own headline first, then the change in one sentence, when it was made
  and how sure that date is, what else it does, the stage it follows, and who
  reacted. Changes reported before and in the news again get one line each.
- **What must the practice do, and by when?** Dated requirements and consultations
  due in the coming weeks (`publish.deadlines`), whatever week reported them, each
  with how sure its date is and a link to the calendar that holds them all.
- **Who objected or welcomed it?** One line per body that took a side in the week's
  articles (media left out), with one quote and one link, and the change it is about.
- **Who changed their mind?** Stance-shift alerts (`publish.alerts`) whose later
  statement is in the week.
- The week's headlines, one per story.

A subscriber's topic filter keeps the changes, articles and deadlines on those
topics; the actor filter (children included) keeps changes made or reacted to by
those actors, their reactions, alerts and headlines naming them. Deadlines ignore
the actor filter: a practice must meet them whoever set them. A week with no
change, reaction, alert or headline gives a short "nothing new" digest.
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

from publish.alerts import stance_shifts
from publish.deadlines import calendar_url, find_deadlines
from publish.errors import BadWeek
from publish.feeds import public_url
from publish.headlines import HeadlineFilters, headlines
from publish.hygiene import clean, strip_bidi
from publish.queries import actor_family, check_topic
from store.models import Actor, ActorStance, Article, ArticleTopic, Quote, Reaction
from store.timeline import clearest_quote as _clearest_about
from store.timeline import subject_tokens, timeline_entries

LONDON = ZoneInfo("Europe/London")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TOP_HEADLINES = 10
MAX_DEADLINES = 10
MAX_EARLIER = 5
MAX_ACTS = 6
# "The coming weeks" of the deadlines section.
DEADLINE_WEEKS = 26
DEFAULT_FROM = "pcnwatch <digest@pcnwatch.invalid>"
# v3: organised around a practice manager's questions; long words wrap as in v2.
TEMPLATE_VERSION = "v3"

STANCE_WORDS = {"support": "welcomes", "oppose": "objects to", "mixed": "has mixed views on",
                "neutral": "comments on"}
# The sides of "who objected or welcomed it", in the order a manager reads them.
SIDES = (("oppose", "Objected"), ("mixed", "Mixed views"), ("support", "Welcomed"))
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
    earlier: list[dict] = field(default_factory=list)
    deadlines: list[dict] = field(default_factory=list)
    reactions: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)
    calendar_url: str = ""

    @property
    def nothing_new(self) -> bool:
        return not (self.changes or self.earlier or self.reactions or self.alerts
                    or self.headlines)

    @property
    def sides(self) -> list[tuple[str, list[dict]]]:
        """The reactions grouped: objected, mixed views, welcomed."""
        return [(label, [r for r in self.reactions if r["stance"] == stance])
                for stance, label in SIDES
                if any(r["stance"] == stance for r in self.reactions)]


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
    digest = Digest(week=week, start=start, end=end, calendar_url=calendar_url())
    articles = _week_articles(session, start, end, recipient.topics)
    by_id = {a.id: a for a in articles}
    urls = {a.url for a in articles}
    entries = timeline_entries(session, since=start - timedelta(days=3 * 366),
                               until=end + timedelta(days=7))
    if recipient.topics:
        entries = [e for e in entries if set(e["topics"]) & set(recipient.topics)]
    told = [e for e in entries if set(e["sources"]) & urls]
    new = [e for e in told if e["first_reported"] and
           start <= date.fromisoformat(e["first_reported"]) <= end]
    digest.changes = [_change(e, end) for e in new]
    digest.earlier = [_change(e, end) for e in told if e not in new][:MAX_EARLIER]
    titles = {e["id"]: e["title"] for e in entries}
    digest.reactions = _reactions(session, by_id, names, kinds, titles)
    digest.alerts = [a.as_json() for a in stance_shifts(session, since=start, until=end)
                     if kinds.get(a.actor_id) != "media"]
    if wanted is not None:
        digest.reactions = [r for r in digest.reactions if r["actor_id"] in wanted]
        digest.alerts = [a for a in digest.alerts if a["actor_id"] in wanted]
        reacting = {r["on_id"] for r in digest.reactions if r["on_id"]}
        keep = [e for e in told if e["id"] in reacting or e["actor_id"] in wanted
                or any(b["actor_id"] in wanted for b in e["actors"])]
        ids = {e["id"] for e in keep}
        digest.changes = [c for c in digest.changes if c["id"] in ids]
        digest.earlier = [c for c in digest.earlier if c["id"] in ids]
    for c in digest.changes + digest.earlier:
        c["reactions"] = [r for r in digest.reactions if r["on_id"] == c["id"]]
    # Due this week (a registration closing on Wednesday) or in the coming weeks.
    digest.deadlines = [d.as_json() | {"due": d.due, "first_reported": d.first_reported,
                                       "this_week": d.due <= end}
                        for d in find_deadlines(session, since=start,
                                                until=end + timedelta(weeks=DEADLINE_WEEKS),
                                                reported_by=end, topics=recipient.topics)
                        ][:MAX_DEADLINES]
    items = headlines(session, HeadlineFilters(since=start, until=end))
    if recipient.topics:
        items = [h for h in items if set(h["topics"]) & set(recipient.topics)]
    if wanted is not None:
        items = [h for h in items if any(a["actor_id"] in wanted for a in h["actors"])]
    digest.headlines = items[:TOP_HEADLINES]
    # Read by people, in mail clients: no bidi controls in anything crawled.
    for section in ("changes", "earlier", "reactions", "alerts", "deadlines", "headlines"):
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


def date_text(entry: dict) -> str:
    """When a change was made, and how sure that is, in words."""
    basis, when = entry["date_basis"], entry["date"]
    if basis == "unknown" or not when:
        return "date not known"
    day = date.fromisoformat(when)
    if basis == "month":
        return f"{day.strftime('%B %Y')} (the reports give the month only)"
    if basis == "estimated":
        return f"date not given; first reported {_day(day)}"
    if basis == "sources differ":
        return f"{_day(day)} (reports give different days)"
    return _day(day)


def _change(entry: dict, end: date) -> dict:
    """A change as the digest shows it: the publisher's headline first, then what changed."""
    sites = list(dict.fromkeys(d["source"] for d in entry["source_details"]))
    acts = []
    for act in entry["acts"][1:MAX_ACTS + 1]:
        due = date.fromisoformat(act["effective"]) if act["effective"] else None
        acts.append({"title": act["title"], "action": act["action"], "when": due,
                     "due": due if act["action"] == "require" else None})
    lead = entry["acts"][0] if entry["acts"] else {}
    when = date.fromisoformat(lead["effective"]) if lead.get("effective") else None
    return {
        "key": f"entry-{entry['id']}", "id": entry["id"], "title": entry["title"],
        "stage": entry["stage"], "headline": entry["headline"],
        "url": entry["headline"]["url"] if entry["headline"] else None,
        "date": date.fromisoformat(entry["date"]) if entry["date"] else None,
        "date_text": date_text(entry), "date_basis": entry["date_basis"],
        "action": entry["action"], "actor_id": entry["actor_id"],
        "actor": entry["actor_name"], "object": entry["object"],
        # The lead act's own due day, when it is a requirement still ahead.
        "due": when if when and when > end and entry["action"] == "require" else None,
        "effective": when, "acts": acts, "more_acts": max(0, len(entry["acts"]) - 1 - MAX_ACTS),
        "follows": entry["follows"], "sources": entry["sources"], "sites": sites,
        "reactions": [],
    }


def clearest_quote(quotes: list[Quote], stance: str) -> Quote | None:
    """The quote that shows `stance` most surely (ties: the longer), or None."""
    return _clearest_about(quotes, stance)


def _reactions(session: Session, articles: dict[int, Article], names: dict, kinds: dict,
               titles: dict[int, str]) -> list[dict]:
    """One line per body that took a side this week: its stance, one quote, one link."""
    if not articles:
        return []
    ids = list(articles)
    stances = list(session.exec(select(ActorStance).where(ActorStance.article_id.in_(ids))))
    quotes: dict[str, list[Quote]] = defaultdict(list)
    for q in session.exec(select(Quote).where(Quote.article_id.in_(ids),
                                              Quote.actor_id.is_not(None))):
        quotes[q.actor_id].append(q)
    linked: dict[int, Reaction] = {
        r.actor_stance_id: r for r in session.exec(select(Reaction).where(
            Reaction.article_id.in_(ids), Reaction.actor_stance_id.is_not(None)))}
    by_actor: dict[str, list[ActorStance]] = defaultdict(list)
    for s in stances:
        if kinds.get(s.actor_id) != "media" and s.stance in STANCE_RANK and s.stance != "neutral":
            by_actor[s.actor_id].append(s)
    out = []
    for actor_id, rows in by_actor.items():
        best = max(rows, key=lambda s: (STANCE_RANK.get(s.stance, 1), s.confidence or 0.0,
                                        -s.article_id))
        link = linked.get(best.id)
        if link is not None and link.timeline_entry_id is None and "its own" in link.reason:
            continue  # a policy maker speaking of its own change is not reacting to it
        on_id = link.timeline_entry_id if link else None
        about = subject_tokens(titles.get(on_id, "")) if on_id else frozenset()
        quote = _clearest_about([q for q in quotes.get(actor_id, [])
                                 if q.article_id == best.article_id] or
                                quotes.get(actor_id, []), best.stance, about)
        source = articles[quote.article_id if quote else best.article_id]
        evidence = next((e for e in best.evidence or [] if e), None)
        out.append({
            "actor_id": actor_id, "actor": names.get(actor_id, actor_id),
            "stance": best.stance, "stance_words": STANCE_WORDS.get(best.stance, best.stance),
            "quote": quote.text if quote else None, "speaker": quote.speaker if quote else None,
            "evidence": None if quote else evidence,
            "url": source.url, "title": source.title, "site": source.source,
            "on_id": on_id if on_id in titles else None,
            "on": titles.get(on_id) if on_id else None,
            "reason": link.reason if link else None,
        })
    out.sort(key=lambda r: ([s for s, _ in SIDES].index(r["stance"]), r["actor"]))
    return out


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
    env.filters["oneline"] = lambda text: " ".join(str(text or "").split())
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


def _day(value: date | str | None) -> str:
    if not value:
        return "date not given"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
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
    """A subject a person reads: "Primary care policy, week of 29 July 2024"."""
    week_of_day = f"week of {digest.start.day} {digest.start.strftime('%B %Y')}"
    if digest.nothing_new:
        return f"Primary care policy, {week_of_day}: nothing new"
    return f"Primary care policy, {week_of_day}"


def preview_text(digest: Digest) -> str:
    """The line mail clients show after the subject."""
    if digest.nothing_new:
        return "No new policy changes, reactions or headlines this week."
    parts = []
    if digest.changes:
        more = len(digest.changes) - 1
        parts.append(digest.changes[0]["title"].rstrip(".")
                     + (f" (and {more} more change{'s' if more != 1 else ''})" if more else ""))
    if digest.deadlines:
        parts.append(f"next deadline {_day(digest.deadlines[0]['due'])}")
    if digest.reactions:
        parts.append(f"{len(digest.reactions)} bod{'ies' if len(digest.reactions) != 1 else 'y'}"
                     " took a side")
    if digest.alerts:
        parts.append(f"{len(digest.alerts)} changed their stance")
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
            "earlier": digest.earlier, "reactions": digest.reactions,
            "deadlines": digest.deadlines, "alerts": digest.alerts,
            "headlines": digest.headlines, "calendar_url": digest.calendar_url}


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
