"""Job locks: one process runs a job at a time, and a dead holder leaves no lock behind.

Real processes on both backends: a child takes the lock and holds it, the test
process asks for it, then the child is SIGKILLed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.db import get_engine
from store.errors import JobLocked
from store.locks import job_lock, lock_holder, process_alive, process_identity

REPO = Path(__file__).resolve().parent.parent

HOLD = """
import sys, time
from store.db import get_engine
from store.locks import job_lock
with job_lock(get_engine(sys.argv[1]), "crawl"):
    print("held", flush=True)
    time.sleep(600)
"""


def holder(url: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, url], cwd=REPO, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_job_lock_is_held_by_one_process_and_freed_when_it_dies(store_url):
    engine = get_engine(store_url)
    other = holder(store_url)
    try:
        busy = rf"crawl is already running \(process \S+:{other.pid}"
        with pytest.raises(JobLocked, match=busy), job_lock(engine, "crawl"):
            pass
        with job_lock(engine, "process"):  # another job is free
            pass
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=30)
    # The holder died without letting go: its lock does not outlive it.
    deadline = time.monotonic() + 10
    while True:
        try:
            with job_lock(engine, "crawl"):
                assert lock_holder(engine, "crawl").holder == process_identity()
            break
        except JobLocked:
            assert time.monotonic() < deadline, "a dead process still holds the lock"
            time.sleep(0.2)
    assert lock_holder(engine, "crawl") is None  # released on the way out


def test_job_lock_is_reentrant_in_one_thread(store_url):
    engine = get_engine(store_url)
    with job_lock(engine, "timeline"), job_lock(engine, "timeline"):
        assert lock_holder(engine, "timeline") is not None
    assert lock_holder(engine, "timeline") is None


def test_process_identity_tells_a_dead_or_reused_pid_from_a_live_process():
    assert process_alive(process_identity())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    me = process_identity(child.pid)
    child.wait()
    assert not process_alive(me)
    # The same pid with another start time is another process: not the holder.
    host, pid, _ = process_identity().split(":")
    assert not process_alive(f"{host}:{pid}:1")
    assert process_alive(f"another-host:{os.getpid()}:1")  # cannot see it: counts as alive
