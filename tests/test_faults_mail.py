"""Digest delivery under faults: real `pcnwatch digest --send` processes, real SIGKILL,
a real SMTP server (aiosmtpd) that can be slow at any step, on both backends.

Issue 15, rows 4 and 5:

4. the sender is killed after it claimed a recipient but before it handed the
   message over (slow RCPT), or after (slow reply to DATA); two senders at once;
5. a subscriber name or address with CR/LF.
"""

import asyncio
import os
import signal
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session
from test_publish_mail import WEEK, _free_port, _rows
from test_publish_queries import build_newsroom
from test_scheduler import wait_for

from publish.mail import add_subscriber
from store.db import get_engine
from store.models import Subscriber

PCNWATCH = Path(sys.executable).parent / "pcnwatch"


class SlowServer:
    """Accepts every message; slow to answer RCPT or DATA for the addresses in `slow_*`."""

    def __init__(self):
        self.received: list[tuple[list[str], object]] = []
        self.slow_rcpt: set[str] = set()
        self.slow_data: set[str] = set()
        self.delay = 30.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.slow_rcpt:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        if set(envelope.rcpt_tos) & self.slow_data:
            await asyncio.sleep(self.delay)  # it has the message; the answer is late
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [rcpt for rcpts, _ in self.received for rcpt in rcpts]


@pytest.fixture
def server():
    handler = SlowServer()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def three(store_url):
    """The newsroom and three subscribers; returns the database URL and their addresses."""
    build_newsroom(store_url)
    emails = [f"manager{i}@practice{i}.test" for i in (1, 2, 3)]
    for e in emails:
        add_subscriber(get_engine(store_url), e, name=f"Manager {e[7]}")
    return store_url, emails


def digest(url: str, server: SlowServer, *args: str, wait: bool = True):
    env = {**os.environ, "DATABASE_URL": url, "PCNWATCH_SMTP_HOST": "127.0.0.1",
           "PCNWATCH_SMTP_PORT": str(server.port),
           "PCNWATCH_MAIL_FROM": "PCN watch <digest@pcnwatch.test>"}
    proc = subprocess.Popen([str(PCNWATCH), "digest", "--week", WEEK, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        proc.out, proc.err = proc.communicate(timeout=120)
    return proc


def claimed(url: str, email: str) -> bool:
    """True once a sender has claimed `email`'s row (every claim counts an attempt)."""
    row = _rows(url).get(email)
    return row is not None and row.attempts >= 1


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


# -- 4: a sender killed mid-send ----------------------------------------------------------------


def test_sender_killed_before_handing_over_is_sent_next_run_once(server, three):
    url, emails = three
    server.slow_rcpt = {emails[1]}
    sender = digest(url, server, "--send", wait=False)
    # Killed while the server keeps it waiting at RCPT: claimed, never handed over.
    wait_for(lambda: claimed(url, emails[1]), what="the claim of recipient 2")
    kill(sender)
    assert server.to() == [emails[0]]
    server.slow_rcpt = set()
    again = digest(url, server, "--send")
    assert again.returncode == 0, again.out + again.err
    # Never reached DATA, so safe to send: every reader gets the week's digest, once.
    assert sorted(server.to()) == sorted(emails)
    assert {r.status for r in _rows(url).values()} == {"sent"}


def test_sender_killed_after_handing_over_is_unknown_reported_and_resent_on_request(
        server, three):
    url, emails = three
    server.slow_data = {emails[1]}
    sender = digest(url, server, "--send", wait=False)
    wait_for(lambda: emails[1] in server.to(), what="message 2 reaching the server")
    kill(sender)
    server.slow_data = set()
    again = digest(url, server, "--send")
    # It may have arrived (it did): not sent again by itself, and the run says so.
    assert again.returncode == 1
    assert "1 of unknown delivery" in again.out and "--status" in again.out
    assert sorted(server.to()) == sorted(emails)
    assert [_rows(url)[e].status for e in emails] == ["sent", "unknown", "sent"]
    status = digest(url, server, "--status")
    assert status.returncode == 0, status.err
    assert emails[1] in status.out and "unknown" in status.out
    assert _rows(url)[emails[1]].message_id in status.out  # to find in the server's log
    assert "--resend-unknown" in status.out
    # The operator decides to send it again.
    resent = digest(url, server, "--send", "--resend-unknown")
    assert resent.returncode == 0, resent.out + resent.err
    assert server.to().count(emails[1]) == 2 and len(server.to()) == 4
    assert {r.status for r in _rows(url).values()} == {"sent"}


def test_second_sender_at_once_touches_nothing_and_calls_no_live_send_crashed(server, three):
    url, emails = three
    server.slow_rcpt, server.delay = {emails[1]}, 4.0
    first = digest(url, server, "--send", wait=False)
    wait_for(lambda: claimed(url, emails[1]), what="the first sender's claim")
    second = digest(url, server, "--send")
    assert second.returncode == 75, second.out + second.err
    assert "digest is already running" in second.err and "crashed" not in second.out
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert sorted(server.to()) == sorted(emails)
    assert {(r.status, r.attempts) for r in _rows(url).values()} == {("sent", 1)}


# -- 5: CR/LF in a subscriber's name or address -------------------------------------------------


@pytest.mark.parametrize("args", [
    ["manager@practice.test\r\nBcc: everyone@elsewhere.test"],
    ["manager@practice.test", "--name", "Manager\r\nBcc: everyone@elsewhere.test"],
    ["manager@practice.test", "--name", "Manager \u202eevil"],  # a bidi override
    ["not an address"],
])
def test_subscribers_add_refuses_what_could_forge_headers(pcnwatch, args):
    result = pcnwatch("subscribers", "add", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert pcnwatch("subscribers", "list").stdout == ""


def test_bad_recipient_in_the_database_fails_alone(server, three):
    url, emails = three
    with Session(get_engine(url)) as s:  # as an older version would have let it in
        s.add(Subscriber(email="forged@practice.test", name="X\r\nBcc: all@elsewhere.test",
                         token="t-forged"))
        s.commit()
    first = digest(url, server, "--send")
    assert first.returncode == 1  # one failed: said, and the others all sent
    assert sorted(server.to()) == sorted(emails)
    assert "Bcc" not in "".join(str(m) for _, m in server.received)
    row = _rows(url)["forged@practice.test"]
    assert row.status == "failed" and "not built" in row.last_error
    # Every week after, the same: it fails alone, the rest go out.
    again = digest(url, server, "--send")
    assert again.returncode == 1 and sorted(server.to()) == sorted(emails)
