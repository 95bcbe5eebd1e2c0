"""Sending the weekly digest over SMTP, at most once per (week, subscriber).

Settings come from the environment, read when sending (never at import):
PCNWATCH_SMTP_HOST (default 127.0.0.1), PCNWATCH_SMTP_PORT (25),
PCNWATCH_SMTP_STARTTLS (0/1), PCNWATCH_SMTP_USER, PCNWATCH_SMTP_PASSWORD,
PCNWATCH_MAIL_FROM. The password is kept only in memory: it is not in any
repr, log line, error message or database row.

How "at most once" holds. Each (week, subscriber) has one `digest_send` row
(unique). Before a message goes out, its row is *claimed*: one UPDATE moves it
from pending/refused/failed to `sending` and commits, and only the process
whose UPDATE changed the row sends. After the server's reply the row becomes:

- `sent` (with sent_at) when the server accepted the message;
- `refused` when the server refused the recipient (5xx): retried next run;
- `failed` when the server answered the message with an error reply (421
  closing, 452 no room ...): certainly not accepted, retried next run. The run
  stops there and fails, since the rest would fail too.

A row stays `sending` when nobody knows whether the server accepted it: the
process died between handing the message over and recording the reply, or the
connection broke with no reply (its `last_error` says so). Such a row is *not*
sent again (twice in a reader's inbox is worse than one week missed), it is
counted as `unknown` in each run's counts and named in the log; to resend it,
set its status back to `pending`. The window is kept small: before claiming
each row, a NOOP checks the server is still there, so a server that went away
between messages fails the run with the row untouched.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from publish.errors import MailConfigError, MailError, PublishError, UnknownSubscriber
from store.db import session_scope
from store.models import DigestSend, Subscriber, utcnow

log = logging.getLogger(__name__)

CLAIMABLE = ("pending", "refused", "failed")


class Setting(NamedTuple):
    name: str
    default: Any
    help: str


# Every environment setting of the publish layer, declared once with its default.
SETTINGS: tuple[Setting, ...] = (
    Setting("PCNWATCH_SMTP_HOST", "127.0.0.1", "SMTP server that sends the digest"),
    Setting("PCNWATCH_SMTP_PORT", 25, "its port (587 for submission with STARTTLS)"),
    Setting("PCNWATCH_SMTP_STARTTLS", False, "1 to upgrade the connection with STARTTLS"),
    Setting("PCNWATCH_SMTP_USER", None, "login name, if the server wants one"),
    Setting("PCNWATCH_SMTP_PASSWORD", None,
            "login password; read from the environment only, never logged or stored"),
    Setting("PCNWATCH_MAIL_FROM", "pcnwatch <digest@pcnwatch.invalid>",
            "From address of the digest; its domain also names Message-IDs and the "
            "mailto unsubscribe address"),
    Setting("PCNWATCH_PUBLIC_URL", "http://127.0.0.1:8001",
            "base URL of `pcnwatch serve`, for unsubscribe links and feed self links"),
)
_DEFAULT = {x.name: x.default for x in SETTINGS}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = _DEFAULT["PCNWATCH_SMTP_HOST"]
    port: int = _DEFAULT["PCNWATCH_SMTP_PORT"]
    starttls: bool = _DEFAULT["PCNWATCH_SMTP_STARTTLS"]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    mail_from: str = _DEFAULT["PCNWATCH_MAIL_FROM"]
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        port_text = env.get("PCNWATCH_SMTP_PORT") or str(cls.port)
        try:
            port = int(port_text)
        except ValueError:
            raise MailConfigError(f"PCNWATCH_SMTP_PORT={port_text!r} is not a port number; "
                                  "set it to e.g. 587") from None
        starttls = env.get("PCNWATCH_SMTP_STARTTLS", "0").strip().lower()
        if starttls not in ("0", "1", "true", "false", "yes", "no", ""):
            raise MailConfigError(f"PCNWATCH_SMTP_STARTTLS={starttls!r}: use 1 or 0")
        user = env.get("PCNWATCH_SMTP_USER") or None
        password = env.get("PCNWATCH_SMTP_PASSWORD") or None
        if bool(user) != bool(password):
            raise MailConfigError("set both PCNWATCH_SMTP_USER and PCNWATCH_SMTP_PASSWORD, "
                                  "or neither")
        return cls(host=env.get("PCNWATCH_SMTP_HOST") or cls.host, port=port,
                   starttls=starttls in ("1", "true", "yes"), user=user, password=password,
                   mail_from=env.get("PCNWATCH_MAIL_FROM") or cls.mail_from)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, greeted (and, if asked, encrypted and logged-in) SMTP connection."""
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"SMTP server {settings.where} refused the login of "
                        f"{settings.user!r} ({exc.smtp_code}); check PCNWATCH_SMTP_USER and "
                        "PCNWATCH_SMTP_PASSWORD") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot reach the SMTP server at {settings.where}: {_reason(exc)}; "
                        "check PCNWATCH_SMTP_HOST and PCNWATCH_SMTP_PORT") from None
    return smtp


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}".strip()
    return str(exc) or type(exc).__name__


# -- the send run --------------------------------------------------------------------------------


def _ensure_rows(engine: Engine, week: str, subscriber_ids: list[int]) -> None:
    with session_scope(engine) as s:
        have = set(s.exec(select(DigestSend.subscriber_id).where(DigestSend.week == week)))
    for sub_id in subscriber_ids:
        if sub_id in have:
            continue
        try:
            with session_scope(engine) as s:
                s.add(DigestSend(week=week, subscriber_id=sub_id))
        except sa.exc.IntegrityError:
            pass  # another process made it first: the unique constraint did its job


def _claim(engine: Engine, week: str, sub_id: int, msg_id: str | None) -> bool:
    table = DigestSend.__table__
    with session_scope(engine) as s:
        result = s.connection().execute(
            table.update()
            .where(table.c.week == week, table.c.subscriber_id == sub_id,
                   table.c.status.in_(CLAIMABLE))
            .values(status="sending", message_id=msg_id, attempts=table.c.attempts + 1))
        return result.rowcount == 1


def _finish(engine: Engine, week: str, sub_id: int, status: str,
            error: str | None = None) -> None:
    with session_scope(engine) as s:
        row = s.exec(select(DigestSend).where(DigestSend.week == week,
                                              DigestSend.subscriber_id == sub_id)).one()
        row.status, row.last_error = status, error
        if status == "sent":
            row.sent_at = utcnow()
        s.add(row)


def send_week(engine: Engine, week: str, make_message: Callable[[Subscriber], EmailMessage],
              settings: SmtpSettings, counts: dict | None = None) -> dict:
    """Send `week`'s digest to every active subscriber not yet sent it.

    `make_message(subscriber)` builds each message; it runs before the row is
    claimed, so an error there leaves the row claimable. Raises MailError when
    the server cannot be reached or stops answering (after recording what was sent).
    """
    counts = {} if counts is None else counts
    for key in ("sent", "refused", "skipped", "unknown"):
        counts.setdefault(key, 0)
    with session_scope(engine) as s:
        subs = list(s.exec(select(Subscriber).where(Subscriber.active.is_(True))
                           .order_by(Subscriber.id)))
    _ensure_rows(engine, week, [x.id for x in subs])
    with session_scope(engine) as s:
        status = {r.subscriber_id: r.status
                  for r in s.exec(select(DigestSend).where(DigestSend.week == week))}
    todo = [x for x in subs if status.get(x.id) in CLAIMABLE]
    counts["skipped"] += sum(status.get(x.id) == "sent" for x in subs)
    for x in subs:
        if status.get(x.id) == "sending":
            counts["unknown"] += 1
            log.warning("digest %s to subscriber %s was being sent when a run died; not "
                        "resending it (set digest_send.status to pending to resend)", week, x.id)
    if not todo:
        return counts
    smtp = connect(settings)  # before any claim: a down server leaves every row as it was
    try:
        for sub in todo:
            try:
                msg = make_message(sub)
            except PublishError as exc:
                # One subscriber's stale filter (a topic gone, say) must not stop the others.
                if _claim(engine, week, sub.id, None):
                    _finish(engine, week, sub.id, "failed", str(exc))
                counts["failed"] = counts.get("failed", 0) + 1
                log.warning("digest %s for subscriber %s not built: %s", week, sub.id, exc)
                continue
            try:
                smtp.noop()  # a server gone since the last message fails here, before a claim
            except (smtplib.SMTPException, OSError) as exc:
                raise MailError(f"SMTP server {settings.where} stopped answering "
                                f"({_reason(exc)}) after {counts['sent']} sent this run; "
                                "run again to send the rest") from None
            if not _claim(engine, week, sub.id, msg["Message-ID"]):
                counts["skipped"] += 1  # another run took it
                continue
            try:
                smtp.send_message(msg, from_addr=settings.mail_from, to_addrs=[sub.email])
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                why = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                _finish(engine, week, sub.id, "refused" if code >= 500 else "failed", why)
                counts["refused"] += 1
                log.warning("digest %s: %s refused by %s: %s", week, sub.email, settings.where,
                            why)
                if code < 500:
                    _stop(smtp)
                    raise MailError(f"SMTP server {settings.where} deferred {sub.email} "
                                    f"({why}); {counts['sent']} sent, run again later") from None
            except smtplib.SMTPResponseException as exc:
                # The server answered no (421 closing, 452 full ...): certainly not accepted.
                _finish(engine, week, sub.id, "failed", _reason(exc))
                _stop(smtp)
                raise MailError(f"SMTP server {settings.where} stopped accepting mail "
                                f"({_reason(exc)}) after {counts['sent']} sent this run; "
                                "run again to send the rest") from None
            except (smtplib.SMTPException, OSError) as exc:  # TimeoutError is an OSError
                # No answer at all: the server may have taken the message just before the
                # line broke. Left `sending`, so no run sends it again (module docstring).
                _finish(engine, week, sub.id, "sending",
                        f"connection lost mid-send, may have been delivered: {_reason(exc)}")
                counts["unknown"] += 1
                _stop(smtp)
                raise MailError(f"lost the SMTP server {settings.where} while sending to "
                                f"{sub.email} ({_reason(exc)}); that digest may have arrived "
                                f"and is not resent; {counts['sent']} sent this run, run "
                                "again to send the rest") from None
            else:
                _finish(engine, week, sub.id, "sent")
                counts["sent"] += 1
                log.info("digest %s sent to subscriber %s as %s", week, sub.id,
                         msg["Message-ID"])
    finally:
        _stop(smtp)
    return counts


def _stop(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# -- subscribers ---------------------------------------------------------------------------------


def add_subscriber(engine: Engine, email: str, *, name: str | None = None,
                   topics: list[str] | None = None, actors: list[str] | None = None,
                   extra_actors: dict | None = None) -> Subscriber:
    """Subscribe `email` (or update and reactivate an existing subscription)."""
    import secrets

    from publish.queries import actor_family, check_topic

    email = email.strip()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise UnknownSubscriber(f"{email!r} is not an e-mail address")
    with session_scope(engine) as s:
        for t in topics or []:
            check_topic(s, t)
        for a in actors or []:
            actor_family(s, a, extra_actors)
        sub = s.exec(select(Subscriber).where(Subscriber.email == email)).first()
        if sub is None:
            sub = Subscriber(email=email, token=secrets.token_urlsafe(24))
        sub.name = name if name is not None else sub.name
        sub.topics, sub.actors, sub.active = list(topics or []), list(actors or []), True
        s.add(sub)
        s.flush()
        s.refresh(sub)
        return sub


def list_subscribers(engine: Engine, *, include_inactive: bool = False) -> list[dict]:
    with session_scope(engine) as s:
        query = select(Subscriber).order_by(Subscriber.email)
        if not include_inactive:
            query = query.where(Subscriber.active.is_(True))
        return [{"email": x.email, "name": x.name, "topics": list(x.topics),
                 "actors": list(x.actors), "active": x.active} for x in s.exec(query)]


def remove_subscriber(engine: Engine, email: str) -> None:
    """Stop sending to `email`; its send history stays, so a later week is never resent."""
    with session_scope(engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == email.strip())).first()
        if sub is None or not sub.active:
            raise UnknownSubscriber(f"{email!r} is not subscribed; see pcnwatch subscribers list")
        sub.active = False
        s.add(sub)


def unsubscribe_token(engine: Engine, token: str) -> bool:
    """One-click unsubscribe by token; True if someone was unsubscribed."""
    with session_scope(engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.token == token)).first()
        if sub is None or not sub.active:
            return False
        sub.active = False
        s.add(sub)
        return True
