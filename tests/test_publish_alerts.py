"""Stance-shift alerts: a body that changes its side on a policy, with both statements.

The test corpus plants one change of mind (the BMA, from mixed to oppose on the
network DES) among statements that must not raise an alert: a body that keeps its
side, a neutral word between two of the same side, one story told by two sites.
"""

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_timeline import add_article, event, quote, rebuild, stance

from publish.alerts import stance_shifts, write_alerts
from store.db import session_scope


@pytest.fixture
def des_story(fresh_store):
    e = fresh_store
    add_article(e, "https://a.example/des", "2019-01-31", {
        "events": [event("announce", "nhs-england", "network contract directed enhanced service",
                         "2019-01-31")],
        "stances": [stance("bma", "mixed"), stance("lmc-kent", "oppose")],
        "quotes": [quote("bma", "mixed", "The network DES brings money, but the workload it "
                         "adds is a worry.", speaker="Dr Ann Lee"),
                   quote("lmc-kent", "oppose", "The network DES will swallow our practices.")],
        "topics": ["pcn-targets"]}, story="des-launch")
    # The same story on another site: said once, not twice.
    add_article(e, "https://b.example/des-copy", "2019-02-01", {
        "stances": [stance("bma", "mixed")],
        "quotes": [quote("bma", "mixed", "The network DES brings money, but the workload it "
                         "adds is a worry.", speaker="Dr Ann Lee")],
        "topics": ["pcn-targets"]}, story="des-launch")
    # A neutral word in between takes no side.
    add_article(e, "https://a.example/des-guide", "2019-06-01", {
        "events": [event("require", "nhs-england", "network DES registration", "2019-06-30")],
        "stances": [stance("bma", "neutral")],
        "quotes": [quote("bma", "neutral", "The network DES registration opens this month.")],
        "topics": ["pcn-targets"]})
    add_article(e, "https://a.example/des-forms", "2020-01-10", {
        "events": [event("require", "nhs-england", "network DES participation", "2020-03-31")],
        "stances": [stance("bma", "oppose"), stance("lmc-kent", "oppose")],
        "quotes": [quote("bma", "oppose", "The network DES has become unworkable for practices.",
                         speaker="Dr Ann Lee"),
                   quote("lmc-kent", "oppose", "Practices should leave the network DES.")],
        "topics": ["pcn-targets"]})
    rebuild(e)
    return e


def shifts(engine, **kw):
    with session_scope(engine) as s:
        return stance_shifts(s, **kw)


def test_alerts_find_the_planted_change_of_stance(des_story):
    (alert,) = shifts(des_story)
    assert (alert.actor_id, alert.actor) == ("bma", "British Medical Association")
    assert alert.summary == "British Medical Association moved from mixed to oppose"
    assert alert.policy == "NHS England announced the network contract directed enhanced service"
    before, after = alert.before, alert.after
    assert (before.stance, before.date, before.url) == ("mixed", date(2019, 1, 31),
                                                        "https://a.example/des")
    assert before.quote.startswith("The network DES brings money")
    assert (after.stance, after.date, after.url) == ("oppose", date(2020, 1, 10),
                                                     "https://a.example/des-forms")
    assert after.quote == "The network DES has become unworkable for practices."


def test_alerts_since_keeps_only_shifts_said_on_or_after_it(des_story):
    assert len(shifts(des_story, since=date(2020, 1, 10))) == 1
    assert shifts(des_story, since=date(2020, 1, 11)) == []
    assert shifts(des_story, until=date(2019, 12, 31)) == []


def test_alerts_need_a_linked_side_on_the_same_policy(fresh_store):
    # Oppose on one policy, support on another: no change of mind.
    add_article(fresh_store, "https://a.example/1", "2021-01-05", {
        "events": [event("fund", "nhs-england", "social prescribing link workers", "2021-01-05")],
        "stances": [stance("rcgp", "oppose")],
        "quotes": [quote("rcgp", "oppose", "Link workers are no answer to the GP shortage.")],
        "topics": ["workforce"]})
    add_article(fresh_store, "https://a.example/2", "2021-03-05", {
        "events": [event("delay", "nhs-england", "anticipatory care specification",
                         "2021-03-05")],
        "stances": [stance("rcgp", "support")],
        "quotes": [quote("rcgp", "support", "Delaying anticipatory care is the right call.")],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    assert shifts(fresh_store) == []


def test_write_alerts_text_and_json(des_story):
    url = des_story.url.render_as_string(hide_password=False)
    out = io.StringIO()
    write_alerts(database_url=url, format="json", stream=out)
    (doc,) = json.loads(out.getvalue())
    assert doc["before"]["date"] == "2019-01-31" and doc["after"]["stance"] == "oppose"
    out = io.StringIO()
    write_alerts(database_url=url, format="text", stream=out)
    text = out.getvalue()
    assert text.startswith("Fri 10 Jan 2020  British Medical Association moved from mixed to "
                           "oppose\n    on: NHS England announced the network contract")
    assert "before: mixed, Thu 31 Jan 2019" in text and "now: oppose, Fri 10 Jan 2020" in text


def test_cli_alerts(des_story, tmp_path):
    script = Path(sys.executable).parent / "pcnwatch"
    env = {**os.environ, "DATABASE_URL": des_story.url.render_as_string(hide_password=False)}
    done = subprocess.run([str(script), "alerts", "--since", "2020-01-01", "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [a["actor_id"] for a in json.loads(done.stdout)] == ["bma"]
    none = subprocess.run([str(script), "alerts", "--since", "2021-01-01"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert none.stdout == "No body has changed its stance on a policy.\n"
