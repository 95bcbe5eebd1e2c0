"""Sending the digest to a real SMTP server on 127.0.0.1 (aiosmtpd), on both backends.

The server is real; only its behaviour is chosen per test: refuse an address,
stop accepting after N messages, require a login. Every message it receives is
parsed back with the email package.
"""

import logging
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import Session, select
from test_publish_queries import build_newsroom

import jobs
from publish.digest import Recipient, message_id
from publish.errors import MailError
from publish.mail import SmtpSettings, add_subscriber
from store.db import get_engine
from store.models import DigestSend, JobRun, Subscriber

WEEK = "2023-W10"
PASSWORD = "s3cret-Pa55word"


class Handler:
    """Records accepted messages; can refuse addresses or stop after `limit` messages."""

    def __init__(self):
        self.received: list = []
        self.refuse: set[str] = set()
        self.limit: int | None = None
        self.hang_up_in_data: set[str] = set()  # take the message, then drop the line unanswered
        self.gone_after: int | None = None  # after this many messages, hang up on the next NOOP

    async def handle_NOOP(self, server, session, envelope, arg):
        if self.gone_after is not None and len(self.received) >= self.gone_after:
            server.transport.close()
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.limit is not None and len(self.received) >= self.limit:
            return "421 4.3.2 shutting down, try later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))
        if set(envelope.rcpt_tos) & self.hang_up_in_data:
            server.transport.close()
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("PCNWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PCNWATCH_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("PCNWATCH_MAIL_FROM", "PCN watch <digest@pcnwatch.test>")
    monkeypatch.setenv("PCNWATCH_PUBLIC_URL", "https://pcnwatch.test/")
    monkeypatch.delenv("PCNWATCH_SMTP_USER", raising=False)
    monkeypatch.delenv("PCNWATCH_SMTP_PASSWORD", raising=False)
    yield handler
    controller.stop()


@pytest.fixture
def list_of(store_url):
    """The newsroom plus `n` subscribers; returns the database URL and their addresses."""
    build_newsroom(store_url)
    engine = get_engine(store_url)

    def make(n: int, **kw) -> list[str]:
        emails = [f"manager{i}@practice{i}.test" for i in range(1, n + 1)]
        for e in emails:
            add_subscriber(engine, e, name=f"Manager {e[7]}", **kw)
        return emails
    return store_url, make


def _rows(url: str) -> dict[str, DigestSend]:
    with Session(get_engine(url)) as s:
        subs = {x.id: x.email for x in s.exec(select(Subscriber))}
        return {subs[r.subscriber_id]: r for r in s.exec(select(DigestSend))}


def _to(handler: Handler) -> list[str]:
    return [rcpt for rcpts, _ in handler.received for rcpt in rcpts]


def test_send_delivers_parsable_multipart_with_rfc8058_headers(smtp, list_of):
    url, make = list_of
    [email] = make(1)
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert counts["sent"] == 1 and _to(smtp) == [email]
    _, msg = smtp.received[0]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    with Session(get_engine(url)) as s:
        token = s.exec(select(Subscriber.token)).one()
    assert msg["Message-ID"] == message_id(WEEK, Recipient(email=email),
                                           "digest@pcnwatch.test")
    assert msg["Message-ID"] == _rows(url)[email].message_id
    assert msg["From"].addresses[0].addr_spec == "digest@pcnwatch.test"
    assert msg["Date"].datetime.tzinfo is not None
    unsub = str(msg["List-Unsubscribe"])
    assert f"<https://pcnwatch.test/unsubscribe?token={token}>" in unsub
    assert "<mailto:unsubscribe@pcnwatch.test?subject=unsubscribe%20" in unsub
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    # hostile titles and quotes arrive as text, never as markup
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>drowning</b>" not in html and "&lt;b&gt;drowning&lt;/b&gt;" in html
    assert "<script>alert" in text  # plain text is not HTML: shown as written
    # no remote images, scripts or stylesheets; CSS inlined
    assert "<img" not in html and "<script" not in html and "<link" not in html
    assert "<style" not in html and 'style="' in html
    assert 'href="https://practice-matters.test/kent?a=1&amp;b=2"' in html
    assert f'href="https://pcnwatch.test/unsubscribe?token={token}"' in html
    row = _rows(url)[email]
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_send_twice_sends_nothing_twice(smtp, list_of):
    url, make = list_of
    make(2)
    assert jobs.digest(week=WEEK, send=True, database_url=url)["sent"] == 2
    again = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (again["sent"], again["skipped"]) == (0, 2)
    assert len(smtp.received) == 2


def test_send_filters_per_subscriber(smtp, list_of):
    url, make = list_of
    [workforce] = make(1, topics=["workforce"])
    jobs.digest(week=WEEK, send=True, database_url=url)
    body = smtp.received[0][1].get_body(("plain",)).get_content()
    assert workforce in _to(smtp)
    assert "Kent LMC" in body
    assert "BMA GP Committee" not in body  # its article is on pcn-targets only


def test_send_server_stops_midrun_then_rerun_sends_only_the_rest(smtp, list_of):
    url, make = list_of
    emails = make(4)
    smtp.limit = 2
    with pytest.raises(MailError, match="stopped accepting mail"):
        jobs.digest(week=WEEK, send=True, database_url=url)
    assert _to(smtp) == emails[:2]
    rows = _rows(url)
    assert [rows[e].status for e in emails] == ["sent", "sent", "failed", "pending"]
    assert "421" in rows[emails[2]].last_error
    with Session(get_engine(url)) as s:
        assert s.exec(select(JobRun).where(JobRun.job == "digest")).one().status == "error"
    smtp.limit = None
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["skipped"]) == (2, 2)
    assert sorted(_to(smtp)) == sorted(emails)  # each exactly once
    assert {r.status for r in _rows(url).values()} == {"sent"}


def test_send_refused_recipient_recorded_and_retried(smtp, list_of):
    url, make = list_of
    emails = make(3)
    smtp.refuse = {emails[1]}
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["refused"]) == (2, 1)
    row = _rows(url)[emails[1]]
    assert (row.status, row.attempts) == ("refused", 1)
    assert "550" in row.last_error
    smtp.refuse = set()
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["skipped"]) == (1, 2)
    assert _to(smtp) == [emails[0], emails[2], emails[1]]
    row = _rows(url)[emails[1]]
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_send_server_down_fails_cleanly(list_of, monkeypatch):
    url, make = list_of
    emails = make(2)
    monkeypatch.setenv("PCNWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PCNWATCH_SMTP_PORT", str(_free_port()))  # nobody listens
    with pytest.raises(MailError, match="cannot reach the SMTP server"):
        jobs.digest(week=WEEK, send=True, database_url=url)
    rows = _rows(url)
    assert [rows[e].status for e in emails] == ["pending", "pending"]
    assert all(r.attempts == 0 for r in rows.values())


def test_send_row_left_handed_by_a_dead_run_is_not_resent(smtp, list_of):
    url, make = list_of
    emails = make(2)
    jobs.digest(week=WEEK, send=True, database_url=url)
    # A run that died after handing message 2 to the server, before recording the reply:
    with Session(get_engine(url)) as s:
        row = s.exec(select(DigestSend).join(Subscriber).where(
            Subscriber.email == emails[1])).one()
        row.status = "handed"
        s.add(row)
        s.commit()
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["unknown"]) == (0, 1)
    assert len(smtp.received) == 2
    assert _rows(url)[emails[1]].status == "unknown"


def test_send_stale_subscriber_filter_does_not_stop_the_others(smtp, list_of):
    url, make = list_of
    [ok] = make(1)
    with Session(get_engine(url)) as s:
        s.add(Subscriber(email="stale@practice.test", topics=["no-such-topic"], token="t-stale"))
        s.commit()
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["failed"]) == (1, 1)
    assert _to(smtp) == [ok]
    assert "no-such-topic" in _rows(url)["stale@practice.test"].last_error


def test_send_nothing_new_week_is_short_not_empty(smtp, list_of):
    url, make = list_of
    make(1)
    jobs.digest(week="2023-W30", send=True, database_url=url)
    msg = smtp.received[0][1]
    assert "nothing new" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert "Nothing new this week" in text
    assert "POLICY CHANGES" not in text and "TOP HEADLINES" not in text


def test_send_login_password_never_logged_or_stored(list_of, monkeypatch, caplog):
    url, make = list_of
    make(1)

    def check(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == PASSWORD.encode())

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(),
                            authenticator=check, auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setenv("PCNWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PCNWATCH_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("PCNWATCH_SMTP_USER", "digest")
        monkeypatch.setenv("PCNWATCH_SMTP_PASSWORD", PASSWORD)
        with caplog.at_level(logging.DEBUG):
            counts = jobs.digest(week=WEEK, send=True, database_url=url)
        assert counts["sent"] == 1 and len(handler.received) == 1
    finally:
        controller.stop()
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(SmtpSettings.from_env())
    with Session(get_engine(url)) as s:
        stored = " ".join(str(r.model_dump()) for r in s.exec(select(JobRun)))
        stored += " ".join(str(r.model_dump()) for r in s.exec(select(DigestSend)))
    assert PASSWORD not in stored


def test_claim_is_won_by_one_run_only(list_of):
    from publish.mail import _claim, _ensure_rows

    url, make = list_of
    make(1)
    engine = get_engine(url)
    with Session(engine) as s:
        sub_id = s.exec(select(Subscriber.id)).one()
    _ensure_rows(engine, WEEK, [sub_id])
    _ensure_rows(engine, WEEK, [sub_id])  # a second run finds the row made: no duplicate
    # two runs racing for one (week, subscriber): only the first UPDATE changes the row
    assert _claim(engine, WEEK, sub_id, "<a@x>") is True
    assert _claim(engine, WEEK, sub_id, "<b@x>") is False
    row = _rows(url)["manager1@practice1.test"]
    assert (row.status, row.attempts, row.message_id) == ("claimed", 1, "<a@x>")


# Each row: environment, and a fragment of the error (None: valid).
@pytest.mark.parametrize(("env", "error"), [
    ({}, None),
    ({"PCNWATCH_SMTP_PORT": "587", "PCNWATCH_SMTP_STARTTLS": "1"}, None),
    # a port must be a number
    ({"PCNWATCH_SMTP_PORT": "smtp"}, "PCNWATCH_SMTP_PORT"),
    ({"PCNWATCH_SMTP_STARTTLS": "maybe"}, "PCNWATCH_SMTP_STARTTLS"),
    # a user without a password (or the reverse) is a half-done setup
    ({"PCNWATCH_SMTP_USER": "digest"}, "both"),
    ({"PCNWATCH_SMTP_PASSWORD": PASSWORD}, "both"),
])
def test_smtp_settings_from_env(env, error):
    from publish.errors import MailConfigError

    if error is None:
        settings = SmtpSettings.from_env(env)
        assert settings.port == int(env.get("PCNWATCH_SMTP_PORT", 25))
        assert settings.starttls == ("PCNWATCH_SMTP_STARTTLS" in env)
    else:
        with pytest.raises(MailConfigError, match=error) as info:
            SmtpSettings.from_env(env)
        assert PASSWORD not in str(info.value)


def test_send_line_lost_mid_message_is_never_resent(smtp, list_of):
    url, make = list_of
    emails = make(3)
    smtp.hang_up_in_data = {emails[1]}
    with pytest.raises(MailError, match="may have arrived"):
        jobs.digest(week=WEEK, send=True, database_url=url)
    rows = _rows(url)
    assert [rows[e].status for e in emails] == ["sent", "unknown", "pending"]
    assert "may have been delivered" in rows[emails[1]].last_error
    smtp.hang_up_in_data = set()
    counts = jobs.digest(week=WEEK, send=True, database_url=url)
    assert (counts["sent"], counts["unknown"], counts["skipped"]) == (1, 1, 1)
    # the server did take message 2 before the line broke: it arrived once, not twice
    assert _to(smtp) == emails


def test_send_server_gone_between_messages_claims_nothing_more(smtp, list_of):
    url, make = list_of
    emails = make(3)
    smtp.gone_after = 1
    with pytest.raises(MailError, match="stopped answering"):
        jobs.digest(week=WEEK, send=True, database_url=url)
    rows = _rows(url)
    assert [(rows[e].status, rows[e].attempts) for e in emails] == [
        ("sent", 1), ("pending", 0), ("pending", 0)]
    smtp.gone_after = None
    assert jobs.digest(week=WEEK, send=True, database_url=url)["sent"] == 2
    assert _to(smtp) == emails
