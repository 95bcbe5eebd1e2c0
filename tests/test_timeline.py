"""The timeline in the store: merging events, linking reactions, incremental rebuilds.

Analyses are written here in our own words, in the shape `save_analysis`
takes (contract section 2), and every test runs on SQLite and PostgreSQL.
"""

import hashlib
from datetime import date

import pytest
from sqlmodel import select

from store.analysis import ActorInfo, save_analysis
from store.db import session_scope
from store.models import Article, PolicyEvent, Reaction, TimelineEntry
from store.timeline import (
    object_similarity,
    object_tokens,
    rebuild_timeline,
    timeline_entries,
    unlinked_reactions,
)

VERSION = "test-v1"
INFO = {
    "nhs-england": ActorInfo("nhs-england", "NHS England", "national_body"),
    "nhs-improvement": ActorInfo("nhs-improvement", "NHS Improvement", "national_body",
                                 "nhs-england"),
    "bma": ActorInfo("bma", "British Medical Association", "union"),
    "bma-gpc": ActorInfo("bma-gpc", "BMA GP Committee", "union", "bma"),
    "rcgp": ActorInfo("rcgp", "Royal College of GPs", "professional_body"),
    "lmcs": ActorInfo("lmcs", "Local medical committees", "lmc"),
    "lmc-kent": ActorInfo("lmc-kent", "Kent LMC", "lmc", "lmcs"),
    "kings-fund": ActorInfo("kings-fund", "The King's Fund", "think_tank"),
}


def add_article(engine, url: str, published: str | None, analysis: dict) -> int:
    """Store an article and its analysis, as `pcnwatch process` would."""
    with session_scope(engine) as s:
        art = s.exec(select(Article).where(Article.url == url)).first()
        if art is None:
            art = Article(url=url, source="test", title=f"title of {url}", text="body",
                          published=date.fromisoformat(published) if published else None,
                          content_hash=hashlib.sha256(url.encode()).hexdigest())
            s.add(art)
            s.flush()
        save_analysis(s, art, analysis, VERSION, INFO)
        return art.id


def event(action, actor, obj, when):
    return {"action": action, "actor_id": actor, "object": obj, "date": when,
            "sentence": f"{actor} will {action} {obj}."}


def stance(actor, label, conf=0.8):
    return {"actor_id": actor, "stance": label, "confidence": conf, "evidence": ["cue"]}


def quote(actor, label, text, conf=0.8, speaker="A spokesperson"):
    return {"text": text, "speaker": speaker, "actor_id": actor, "stance": label,
            "confidence": conf, "start": 0, "end": len(text)}


def rebuild(engine) -> dict:
    with session_scope(engine) as s:
        return rebuild_timeline(s)


def entries(engine, **filters) -> list[dict]:
    with session_scope(engine) as s:
        return timeline_entries(s, **filters)


def snapshot(engine) -> tuple:
    """Everything the rebuild writes, for comparing two states."""
    with session_scope(engine) as s:
        es = sorted((e.id, e.key, e.date, e.action, e.actor_id, e.object, e.topic)
                    for e in s.exec(select(TimelineEntry)))
        evs = sorted((e.id, e.timeline_entry_id) for e in s.exec(select(PolicyEvent)))
        rs = sorted((r.id, r.timeline_entry_id, r.actor_id, r.stance, r.quote_id, r.reason)
                    for r in s.exec(select(Reaction)))
        return es, evs, rs


@pytest.fixture
def draft_story(fresh_store):
    """A winter of network specifications: a draft, a rejection, a cut, a welcome."""
    e = fresh_store
    add_article(e, "https://a.example/draft", "2019-12-23", {
        "events": [event("propose", "nhs-england", "draft PCN service specifications",
                         "2019-12-23")],
        "stances": [stance("nhs-england", "support")],
        "topics": ["pcn-targets"]})
    add_article(e, "https://b.example/draft-copy", "2019-12-24", {
        "events": [event("propose", "nhs-improvement", "five draft service specifications",
                         "2019-12-23")],
        "topics": ["pcn-targets", "workload"]})
    add_article(e, "https://a.example/gpc-says-no", "2020-01-10", {
        "stances": [stance("bma-gpc", "oppose", 0.9), stance("lmc-kent", "oppose")],
        "quotes": [quote("bma-gpc", "oppose", "Nobody can deliver this in a year.", 0.9),
                   quote("bma-gpc", "oppose", "We reject it.", 0.6),
                   quote("bma-gpc", "neutral", "We met on Thursday.", 0.95)],
        "topics": ["pcn-targets"]})
    add_article(e, "https://c.example/cut", "2020-02-06", {
        "events": [event("reduce", "nhs-england", "network specifications", "2020-02-06")],
        "stances": [stance("rcgp", "support"), stance("nhs-england", "support")],
        "quotes": [quote("rcgp", "support", "This is a welcome change of heart.")],
        "topics": ["pcn-targets", "gp-contract"]})
    return e


# -- object comparison ---------------------------------------------------------------------------


@pytest.mark.parametrize("a, b, same", [
    # Long and short names of the specifications are one thing.
    ("draft PCN service specifications", "the five draft specs for networks", True),
    # "primary care network" and "PCN" are one token.
    ("primary care network DES", "network contract directed enhanced service", True),
    # Different years of a contract are different acts.
    ("contract for 2020/21", "contract for 2024/25", False),
    # Sharing only a generic word is not enough.
    ("GP contract", "network contract directed enhanced service", False),
    ("additional roles reimbursement scheme", "funding for care homes", False),
    # A mis-parsed object names nothing, so it matches nothing.
    ("it", "draft specifications", False),
    ("Monday", "network specifications from April", False),
])
def test_object_similarity_table(a, b, same):
    assert (object_similarity(object_tokens(a), object_tokens(b)) >= 0.6) is same


# -- merging -------------------------------------------------------------------------------------


def test_timeline_merges_reports_of_one_act(draft_story):
    counts = rebuild(draft_story)
    got = entries(draft_story)
    assert [(e["date"], e["action"], e["actor_id"]) for e in got] == [
        ("2019-12-23", "propose", "nhs-england"), ("2020-02-06", "reduce", "nhs-england")]
    assert got[0]["sources"] == ["https://a.example/draft", "https://b.example/draft-copy"]
    assert counts["entries_created"] == 2 and counts["events_placed"] == 3


def test_timeline_keeps_apart_acts_out_of_window(fresh_store):
    add_article(fresh_store, "https://a.example/1", "2020-01-01", {
        "events": [event("delay", "nhs-england", "specifications", "2020-01-01")],
        "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/2", "2021-08-31", {
        "events": [event("delay", "nhs-england", "specifications", "2021-08-31")],
        "topics": ["pcn-targets"]})
    # Same actor and object, other action: not the same act either.
    add_article(fresh_store, "https://a.example/3", "2020-01-02", {
        "events": [event("withdraw", "nhs-england", "specifications", "2020-01-02")],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    assert len(entries(fresh_store)) == 3


def test_timeline_reports_dated_days_apart_are_one_act_in_other_words(fresh_store):
    add_article(fresh_store, "https://a.example/x", "2020-02-06", {
        "events": [event("agree", "nhs-england", "deal with the GP committee", "2020-02-06")],
        "topics": ["gp-contract"]})
    add_article(fresh_store, "https://b.example/y", "2020-02-07", {
        "events": [event("agree", "nhs-england", "contract changes for 2020/21", "2020-02-05")],
        "topics": ["gp-contract"]})
    # Undated, in another article, in other words: not merged on time alone.
    add_article(fresh_store, "https://c.example/z", "2020-02-08", {
        "events": [event("agree", "nhs-england", "weekly care home rounds", None)],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    assert [len(e["sources"]) for e in entries(fresh_store)] == [2, 1]


def test_timeline_monthly_reports_do_not_chain_into_one_entry(fresh_store):
    # A delay reported every month for half a year: each report is within the window
    # of the one before, but not of the first.
    for month in range(1, 7):
        day = f"2021-{month:02d}-15"
        add_article(fresh_store, f"https://a.example/m{month}", day, {
            "events": [event("delay", "nhs-england", "network specifications", day)],
            "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    got = entries(fresh_store)
    assert len(got) >= 3
    for e in got:
        days = sorted(date.fromisoformat(u.rsplit("m", 1)[1].join(["2021-0", "-15"]))
                      for u in e["sources"])
        assert (days[-1] - days[0]).days <= 45


def test_timeline_event_without_date_takes_article_date(fresh_store):
    add_article(fresh_store, "https://a.example/undated", "2020-03-20", {
        "events": [event("delay", "nhs-england", "network requirements", None)],
        "topics": ["covid"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert got["date"] == "2020-03-20" and got["date_estimated"] is True


# -- reactions -----------------------------------------------------------------------------------


def test_timeline_links_reactions_to_the_act_they_answer(draft_story):
    rebuild(draft_story)
    draft, cut = entries(draft_story)
    by_actor = {r["actor_id"]: r for r in draft["reactions"]}
    assert set(by_actor) == {"bma-gpc", "lmc-kent"}
    assert by_actor["bma-gpc"]["stance"] == "oppose"
    # The surest quote of the matching stance, not the surest quote overall.
    assert by_actor["bma-gpc"]["quote"] == "Nobody can deliver this in a year."
    assert by_actor["bma-gpc"]["reason"] == "topic pcn-targets, 18 days after"
    assert by_actor["lmc-kent"]["quote"] is None
    assert [(r["actor_id"], r["reason"]) for r in cut["reactions"]] == [
        ("rcgp", "same article reports the event")]
    assert list(draft["reactions_by_stance"]) == ["oppose"]


def test_timeline_keeps_reactions_that_fit_no_event(draft_story):
    add_article(draft_story, "https://d.example/too-late", "2020-09-01", {
        "stances": [stance("kings-fund", "mixed")], "topics": ["pcn-targets"]})
    add_article(draft_story, "https://d.example/other-topic", "2020-01-12", {
        "stances": [stance("rcgp", "oppose")], "topics": ["care-homes"]})
    rebuild(draft_story)
    loose = {r["url"]: r for r in unlinked_reactions_all(draft_story)}
    assert loose["https://d.example/too-late"]["reason"] == \
        "no policy event on pcn-targets in the 60 days before"
    assert loose["https://d.example/other-topic"]["reason"] == \
        "no policy event on care-homes in the 60 days before"
    # The event's own actor defending its policy is not a reaction to it.
    own = [r for r in loose.values() if r["actor_id"] == "nhs-england"]
    assert own and all("own" in r["reason"] or "no policy" in r["reason"] for r in own)


def unlinked_reactions_all(engine):
    with session_scope(engine) as s:
        return unlinked_reactions(s)


def test_timeline_reaction_before_the_event_is_not_linked(fresh_store):
    add_article(fresh_store, "https://a.example/early", "2020-01-01", {
        "stances": [stance("bma", "oppose")], "topics": ["funding"]})
    add_article(fresh_store, "https://a.example/fund", "2020-01-05", {
        "events": [event("fund", "nhs-england", "pharmacists for networks", "2020-01-05")],
        "topics": ["funding"]})
    rebuild(fresh_store)
    assert entries(fresh_store)[0]["reactions"] == []
    assert [r["url"] for r in unlinked_reactions_all(fresh_store)] == ["https://a.example/early"]


def test_timeline_reaction_goes_to_nearest_preceding_event(fresh_store):
    for url, day, obj in (("https://a.example/e1", "2020-01-01", "care home support"),
                          ("https://a.example/e2", "2020-01-20", "medication reviews")):
        add_article(fresh_store, url, day, {
            "events": [event("require", "nhs-england", obj, day)],
            "topics": ["care-homes"]})
    add_article(fresh_store, "https://a.example/r", "2020-01-25", {
        "stances": [stance("rcgp", "oppose")], "topics": ["care-homes"]})
    rebuild(fresh_store)
    first, second = entries(fresh_store)
    assert first["reactions"] == []
    assert second["reactions"][0]["reason"] == "topic care-homes, 5 days after"


# -- idempotence and increments ------------------------------------------------------------------


def test_timeline_rebuild_twice_changes_nothing(draft_story):
    rebuild(draft_story)
    before = snapshot(draft_story)
    counts = rebuild(draft_story)
    assert counts["articles"] == 0
    assert snapshot(draft_story) == before


def test_timeline_incremental_keeps_keys_and_adds_sources(draft_story):
    rebuild(draft_story)
    keys = [e["key"] for e in entries(draft_story)]
    add_article(draft_story, "https://e.example/late-copy", "2020-01-03", {
        "events": [event("propose", "nhs-england", "draft specifications", None)],
        "topics": ["pcn-targets"]})
    counts = rebuild(draft_story)
    assert counts["articles"] == 1 and counts["entries_created"] == 0
    got = entries(draft_story)
    assert [e["key"] for e in got] == keys
    assert "https://e.example/late-copy" in got[0]["sources"]
    assert got[0]["date"] == "2019-12-23"  # the dated reports outvote the estimate


def test_timeline_new_event_picks_up_earlier_reactions(fresh_store):
    # The reaction arrives first; the report of the act it answers comes later.
    add_article(fresh_store, "https://a.example/angry", "2020-05-10", {
        "stances": [stance("bma-gpc", "oppose")], "topics": ["care-homes"]})
    rebuild(fresh_store)
    assert len(unlinked_reactions_all(fresh_store)) == 1
    add_article(fresh_store, "https://a.example/act", "2020-05-06", {
        "events": [event("require", "nhs-england", "weekly care home rounds", "2020-05-01")],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert [r["actor_id"] for r in got["reactions"]] == ["bma-gpc"]
    assert unlinked_reactions_all(fresh_store) == []


def test_timeline_reanalysis_deletes_orphan_entries(draft_story):
    rebuild(draft_story)
    # The cut is re-analysed and no longer reported as an event.
    add_article(draft_story, "https://c.example/cut", "2020-02-06", {
        "stances": [stance("rcgp", "support")], "topics": ["pcn-targets"]})
    counts = rebuild(draft_story)
    assert counts["entries_deleted"] == 1
    assert [e["action"] for e in entries(draft_story)] == ["propose"]
    # RCGP's welcome is still kept, now linked by topic or unlinked, never dropped.
    with session_scope(draft_story) as s:
        assert s.exec(select(Reaction).where(Reaction.actor_id == "rcgp")).first() is not None


# -- queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("filters, expected", [
    ({}, ["propose", "reduce"]),
    ({"since": date(2020, 1, 1)}, ["reduce"]),
    ({"until": date(2019, 12, 31)}, ["propose"]),
    # A parent finds what its children reacted to.
    ({"actor": "bma"}, ["propose"]),
    ({"actor": "rcgp"}, ["reduce"]),
    # Any topic of any source counts.
    ({"topic": "workload"}, ["propose"]),
    ({"topic": "gp-contract"}, ["reduce"]),
])
def test_timeline_entries_filters(draft_story, filters, expected):
    rebuild(draft_story)
    assert [e["action"] for e in entries(draft_story, **filters)] == expected


def test_timeline_same_article_reaction_goes_to_its_newest_dated_act(fresh_store):
    add_article(fresh_store, "https://a.example/deal", "2020-02-06", {
        "events": [
            # Background: the draft of December, recalled.
            event("propose", "nhs-england", "draft specifications", "2019-12-23"),
            # The news: the deal made this week.
            event("agree", "nhs-england", "contract for 2020/21", "2020-02-05"),
            # A loose mention the text gives no date for.
            event("require", "nhs-england", "care home rounds", None)],
        "stances": [stance("bma-gpc", "mixed")],
        "topics": ["gp-contract"]})
    rebuild(fresh_store)
    linked = {e["action"]: [r["actor_id"] for r in e["reactions"]]
              for e in entries(fresh_store)}
    assert linked == {"propose": [], "agree": ["bma-gpc"], "require": []}


def test_timeline_entry_that_loses_a_report_is_recomputed(fresh_store):
    for url, day in (("https://a.example/1", "2021-04-01"), ("https://a.example/2", "2021-04-01"),
                     ("https://a.example/3", "2021-04-20")):
        add_article(fresh_store, url, day, {
            "events": [event("delay", "nhs-england", "anticipatory care service", day)],
            "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (before,) = entries(fresh_store)
    assert before["date"] == "2021-04-01" and len(before["sources"]) == 3
    # Both reports of 1 April are re-analysed and no longer carry the event.
    for url in ("https://a.example/1", "https://a.example/2"):
        add_article(fresh_store, url, "2021-04-01", {"topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (after,) = entries(fresh_store)
    assert (after["key"], after["date"], after["sources"]) == (
        before["key"], "2021-04-20", ["https://a.example/3"])


def test_timeline_entries_leave_out_acts_whose_object_names_nothing(fresh_store):
    add_article(fresh_store, "https://a.example/x", "2022-09-20", {
        "events": [event("announce", "nhs-england", "It", "2022-09-17"),
                   event("require", "nhs-england", "evening and weekend appointments",
                         "2022-10-01")],
        "topics": ["access"]})
    rebuild(fresh_store)
    assert [e["object"] for e in entries(fresh_store)] == ["evening and weekend appointments"]
    with session_scope(fresh_store) as s:
        assert len(timeline_entries(s, unnamed=True)) == 2
