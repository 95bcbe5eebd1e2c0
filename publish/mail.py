"""Sending the weekly digest over SMTP, at most once per (week, subscriber).

Settings come from the environment, read when sending (never at import):
PCNWATCH_SMTP_HOST (default 127.0.0.1), PCNWATCH_SMTP_PORT (25),
PCNWATCH_SMTP_STARTTLS (0/1), PCNWATCH_SMTP_USER, PCNWATCH_SMTP_PASSWORD,
PCNWATCH_MAIL_FROM, PCNWATCH_SMTP_TIMEOUT (10 s). The password is kept only in
memory: it is not in any repr, log line, error message or database row.

How far each send got. Each (week, subscriber) has one `digest_send` row
(unique), whose status moves on as the send does (store.models.SEND_STATES):

- `pending`: not tried yet (or safe to try again);
- `claimed`: this run took the row (one UPDATE, committed; only the process
  whose UPDATE changed the row sends) and is talking to the server; the
  message has not been handed over;
- `handed`: the server accepted the sender and the recipient and we are
  sending DATA: from here the server may have the message;
- `sent` when the server accepted the message (with sent_at);
- `refused` when the server refused the recipient for good (5xx), `failed`
  when it said no for now (4xx), or the message could not be built or
  addressed: both are tried again by the next run, and never stop the others;
- `unknown`: a send that reached `handed` and never learnt the server's answer
  (the process died, the line broke). Nobody knows whether it arrived, so it is
  not sent again by itself: twice in a reader's inbox is worse than a week
  missed. `pcnwatch digest --status` lists such sends with their Message-ID
  (to look for in the mail server's log); `--send --resend-unknown` sends them
  again.

Only one run sends at a time (the `digest` job lock), so a run that finds rows
`claimed` or `handed` knows their run died: `claimed` ones go back to `pending`
(they never reached DATA) and are sent; `handed` ones become `unknown`. Before
claiming each row, a NOOP checks the server is still there, so a server that
went away between messages fails the run with the row untouched.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from publish.errors import (
    BadSubscriber,
    MailConfigError,
    MailError,
    UnknownSubscriber,
)
from store.db import session_scope
from store.locks import job_lock
from store.models import DigestSend, Subscriber, utcnow

log = logging.getLogger(__name__)

CLAIMABLE = ("pending", "refused", "failed")
UNKNOWN_ADVICE = ("it may or may not have arrived: look for its Message-ID in the mail "
                  "server's log; `pcnwatch digest --week {week} --send --resend-unknown` "
                  "sends it again (a reader may then get it twice)")


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
    Setting("PCNWATCH_SMTP_TIMEOUT", 10.0,
            "seconds to wait for the SMTP server to connect or answer a command"),
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
    timeout: float = _DEFAULT["PCNWATCH_SMTP_TIMEOUT"]

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
        timeout_text = env.get("PCNWATCH_SMTP_TIMEOUT") or str(cls.timeout)
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 3600:
            raise MailConfigError(f"PCNWATCH_SMTP_TIMEOUT={timeout_text!r} is not a number of "
                                  "seconds between 0 and 3600; set it to e.g. 10")
        return cls(host=env.get("PCNWATCH_SMTP_HOST") or cls.host, port=port,
                   starttls=starttls in ("1", "true", "yes"), user=user, password=password,
                   mail_from=env.get("PCNWATCH_MAIL_FROM") or cls.mail_from, timeout=timeout)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class TrackedSMTP(smtplib.SMTP):
    """smtplib's client, calling `before_data` just before it sends DATA: the moment from
    which the server may have the message (smtplib itself offers no such hook)."""

    before_data: Callable[[], None] | None = None

    def data(self, msg):
        if self.before_data is not None:
            self.before_data()
        return super().data(msg)


def connect(settings: SmtpSettings) -> TrackedSMTP:
    """An open, greeted (and, if asked, encrypted and logged-in) SMTP connection."""
    try:
        smtp = TrackedSMTP(settings.host, settings.port, timeout=settings.timeout)
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
            .values(status="claimed", message_id=msg_id, attempts=table.c.attempts + 1))
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


def _move(engine: Engine, week: str, old: str, new: str, error: str | None) -> list[int]:
    """Move every row of `week` from status `old` to `new`; returns their subscriber ids."""
    table = DigestSend.__table__
    with session_scope(engine) as s:
        conn = s.connection()
        ids = list(conn.execute(sa.select(table.c.subscriber_id)
                                .where(table.c.week == week, table.c.status == old)).scalars())
        if ids:
            values = {"status": new} if error is None else {"status": new, "last_error": error}
            conn.execute(table.update().where(table.c.week == week, table.c.status == old,
                                              table.c.subscriber_id.in_(ids)).values(**values))
    return ids


def _recover(engine: Engine, week: str, resend_unknown: bool) -> None:
    """Settle the rows of runs that died (we hold the digest lock: no other run is live)."""
    for sub_id in _move(engine, week, "claimed", "pending", None):
        log.info("digest %s to subscriber %s: its run died before handing it over; "
                 "sending it again is safe", week, sub_id)
    died = "the run sending it died after handing it to the server; it may have arrived"
    for sub_id in _move(engine, week, "handed", "unknown", died):
        log.warning("digest %s to subscriber %s: %s", week, sub_id, died)
    if resend_unknown:
        for sub_id in _move(engine, week, "unknown", "pending", None):
            log.warning("digest %s to subscriber %s: delivery unknown; sending it again as "
                        "asked (--resend-unknown)", week, sub_id)


def send_week(engine: Engine, week: str, make_message: Callable[[Subscriber], EmailMessage],
              settings: SmtpSettings, counts: dict | None = None, *,
              resend_unknown: bool = False) -> dict:
    """Send `week`'s digest to every active subscriber not yet sent it.

    `make_message(subscriber)` builds each message; it runs before the row is
    claimed. A subscriber whose message cannot be built or addressed, or whom the
    server refuses, is recorded and the run goes on with the others. Raises
    MailError when the server cannot be reached or stops answering (after
    recording what was sent). Holds the `digest` job lock (JobLocked if another
    process is sending).
    """
    counts = {} if counts is None else counts
    for key in ("sent", "refused", "failed", "skipped", "unknown"):
        counts.setdefault(key, 0)
    with job_lock(engine, "digest"):
        return _send_week(engine, week, make_message, settings, counts, resend_unknown)


def _send_week(engine: Engine, week: str, make_message: Callable[[Subscriber], EmailMessage],
               settings: SmtpSettings, counts: dict, resend_unknown: bool) -> dict:
    with session_scope(engine) as s:
        subs = list(s.exec(select(Subscriber).where(Subscriber.active.is_(True))
                           .order_by(Subscriber.id)))
    _ensure_rows(engine, week, [x.id for x in subs])
    _recover(engine, week, resend_unknown)
    with session_scope(engine) as s:
        status = {r.subscriber_id: r.status
                  for r in s.exec(select(DigestSend).where(DigestSend.week == week))}
    todo = [x for x in subs if status.get(x.id) in CLAIMABLE]
    counts["skipped"] += sum(status.get(x.id) == "sent" for x in subs)
    for x in subs:
        if status.get(x.id) == "unknown":
            counts["unknown"] += 1
            log.warning("digest %s to subscriber %s: delivery unknown, not sent again; %s",
                        week, x.id, UNKNOWN_ADVICE.format(week=week))
    if not todo:
        return counts
    smtp = connect(settings)  # before any claim: a down server leaves every row as it was
    try:
        for sub in todo:
            _send_one(engine, week, sub, make_message, settings, smtp, counts)
    finally:
        _stop(smtp)
    return counts


def _send_one(engine: Engine, week: str, sub: Subscriber,
              make_message: Callable[[Subscriber], EmailMessage], settings: SmtpSettings,
              smtp: TrackedSMTP, counts: dict) -> None:
    """Send one subscriber's digest and record how far it got; MailError stops the run."""
    try:
        msg = make_message(sub)
    except Exception as exc:  # noqa: BLE001 - one subscriber's message must not stop the rest
        # A stale filter (a topic gone), a name that cannot be a header: theirs alone.
        if _claim(engine, week, sub.id, None):
            _finish(engine, week, sub.id, "failed", f"message not built: {exc}")
        counts["failed"] += 1
        log.warning("digest %s for subscriber %s not built: %s", week, sub.id, exc)
        return
    try:
        smtp.noop()  # a server gone since the last message fails here, before a claim
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP server {settings.where} stopped answering "
                        f"({_reason(exc)}) after {counts['sent']} sent this run; "
                        "run again to send the rest") from None
    if not _claim(engine, week, sub.id, msg["Message-ID"]):
        counts["skipped"] += 1  # another run took it
        return
    handed = False

    def hand_over() -> None:
        nonlocal handed
        _finish(engine, week, sub.id, "handed")
        handed = True

    smtp.before_data = hand_over
    try:
        smtp.send_message(msg, from_addr=settings.mail_from, to_addrs=[sub.email])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        why = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        _finish(engine, week, sub.id, "refused" if code >= 500 else "failed", why)
        counts["refused" if code >= 500 else "failed"] += 1
        log.warning("digest %s: %s refused by %s: %s", week, sub.email, settings.where, why)
        if code == 421:  # the server is closing the connection: the rest would fail too
            raise MailError(f"SMTP server {settings.where} is closing ({why}) after "
                            f"{counts['sent']} sent this run; run again later") from None
    except smtplib.SMTPResponseException as exc:
        # The server answered no (421 closing, 452 full, 554 rejected): not accepted.
        _finish(engine, week, sub.id, "failed", _reason(exc))
        counts["failed"] += 1
        log.warning("digest %s to %s not accepted by %s: %s", week, sub.email,
                    settings.where, _reason(exc))
        if exc.smtp_code == 421 or isinstance(exc, smtplib.SMTPSenderRefused) \
                or not _still_there(smtp):
            raise MailError(f"SMTP server {settings.where} stopped accepting mail "
                            f"({_reason(exc)}) after {counts['sent']} sent this run; "
                            "run again to send the rest") from None
    except (smtplib.SMTPException, OSError) as exc:  # TimeoutError is an OSError
        if handed:
            # No answer after DATA: the server may have taken the message just before the
            # line broke. `unknown`, so no run sends it again by itself.
            _finish(engine, week, sub.id, "unknown",
                    "connection lost after the message was handed over, so it may have been "
                    f"delivered: {_reason(exc)}")
            counts["unknown"] += 1
            raise MailError(f"lost the SMTP server {settings.where} while sending to "
                            f"{sub.email} ({_reason(exc)}); that digest may have arrived and "
                            f"is not resent (see pcnwatch digest --week {week} --status); "
                            f"{counts['sent']} sent this run, run again to send the rest"
                            ) from None
        # Lost before DATA: certainly not delivered, so safe to send next run.
        _finish(engine, week, sub.id, "failed", f"connection lost before DATA: {_reason(exc)}")
        counts["failed"] += 1
        raise MailError(f"lost the SMTP server {settings.where} before sending to "
                        f"{sub.email} ({_reason(exc)}); {counts['sent']} sent this run, run "
                        "again to send the rest") from None
    except (ValueError, UnicodeError) as exc:
        # An address smtplib cannot put on the wire (say, non-ASCII without SMTPUTF8).
        _finish(engine, week, sub.id, "failed", f"cannot address the message: {exc}")
        counts["failed"] += 1
        log.warning("digest %s to subscriber %s cannot be addressed: %s", week, sub.id, exc)
    else:
        _finish(engine, week, sub.id, "sent")
        counts["sent"] += 1
        log.info("digest %s sent to subscriber %s as %s", week, sub.id, msg["Message-ID"])
    finally:
        smtp.before_data = None


def _still_there(smtp: smtplib.SMTP) -> bool:
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError):
        return False
    return True


def send_status(engine: Engine, week: str) -> dict:
    """How far `week`'s sends got: counts by status, and the sends that need a person."""
    with session_scope(engine) as s:
        rows = s.exec(select(DigestSend, Subscriber)
                      .join(Subscriber, Subscriber.id == DigestSend.subscriber_id)
                      .where(DigestSend.week == week).order_by(Subscriber.email)).all()
    by_status: dict[str, int] = {}
    attention = []
    for row, sub in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
        if row.status in ("unknown", "refused", "failed", "claimed", "handed"):
            attention.append({"email": sub.email, "status": row.status,
                              "message_id": row.message_id, "attempts": row.attempts,
                              "error": row.last_error})
    return {"week": week, "by_status": by_status, "attention": attention,
            "advice": UNKNOWN_ADVICE.format(week=week)}


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

    email = check_address(email)
    name = check_name(name)
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


def _control_characters(text: str) -> list[str]:
    # Cc: CR, LF, NUL ...; Cf: bidi overrides and other invisible formatting; Zl/Zp:
    # line and paragraph separators. None belongs in a name or an address.
    return sorted({f"U+{ord(c):04X}" for c in text
                   if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")})


def check_address(email: str) -> str:
    """`email` as an RFC 5322 addr-spec (user@domain), else BadSubscriber saying why."""
    text = (email or "").strip()
    bad = _control_characters(text)
    if bad:
        raise BadSubscriber(f"{text!r} is not an e-mail address: it holds control "
                            f"characters ({', '.join(bad)})")
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError, MessageError) as exc:  # parse errors
        raise BadSubscriber(f"{text!r} is not an e-mail address (RFC 5322 user@domain): "
                            f"{exc}") from None
    if not address.username or not address.domain:
        raise BadSubscriber(f"{text!r} is not an e-mail address: write it user@domain")
    return address.addr_spec


def check_name(name: str | None) -> str | None:
    """A subscriber's name for the greeting, or BadSubscriber when it could forge headers."""
    if name is None:
        return None
    name = name.strip()
    bad = _control_characters(name)
    if bad:
        raise BadSubscriber(f"the name {name!r} holds control characters ({', '.join(bad)}); "
                            "give it on one line, as plain text")
    if len(name) > 200:
        raise BadSubscriber("the name is over 200 characters; give a shorter one")
    return name or None


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
