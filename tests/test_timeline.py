"""The timeline in the store: one entry per policy change, its stages, and the reactions to it.

Analyses are written here in our own words, in the shape `save_analysis` takes
(contract section 2), so each test controls exactly the events the timeline is
given; every test runs on SQLite and PostgreSQL.
"""

import hashlib
from datetime import date

import pytest
from sqlmodel import select

from store.analysis import ActorInfo, save_analysis
from store.db import session_scope
from store.models import Article, PolicyEvent, Reaction, Story, TimelineEntry
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
    "government": ActorInfo("government", "the Government", "government"),
    "dhsc": ActorInfo("dhsc", "Department of Health and Social Care", "government",
                      "government"),
    "cqc": ActorInfo("cqc", "Care Quality Commission", "regulator"),
    "bma": ActorInfo("bma", "British Medical Association", "union"),
    "bma-gpc": ActorInfo("bma-gpc", "BMA GP Committee", "union", "bma"),
    "rcgp": ActorInfo("rcgp", "Royal College of GPs", "professional_body"),
    "nhs-confederation": ActorInfo("nhs-confederation", "NHS Confederation",
                                   "membership_body"),
    "lmcs": ActorInfo("lmcs", "Local medical committees", "lmc"),
    "lmc-kent": ActorInfo("lmc-kent", "Kent LMC", "lmc", "lmcs"),
    "kings-fund": ActorInfo("kings-fund", "The King's Fund", "think_tank"),
}


def add_article(engine, url: str, published: str | None, analysis: dict, *,
                source: str = "test", story: str | None = None, title: str | None = None,
                text: str = "body") -> int:
    """Store an article and its analysis, as `pcnwatch process` would.

    Articles given the same `story` are copies of one piece of news (as the crawler's
    near-duplicate detection would mark them).
    """
    with session_scope(engine) as s:
        art = s.exec(select(Article).where(Article.url == url)).first()
        if art is None:
            story_id = None
            if story is not None:
                found = s.exec(select(Story).where(Story.title == story)).first()
                if found is None:
                    found = Story(title=story)
                    s.add(found)
                    s.flush()
                story_id = found.id
            art = Article(url=url, source=source, title=title or f"title of {url}",
                          text=text, story_id=story_id,
                          published=date.fromisoformat(published) if published else None,
                          content_hash=hashlib.sha256(url.encode()).hexdigest())
            s.add(art)
            s.flush()
        save_analysis(s, art, analysis, VERSION, INFO)
        return art.id


def event(action, actor, obj, when, sentence=None, start=None):
    return {"action": action, "actor_id": actor, "object": obj, "date": when,
            "sentence": sentence or f"{actor} will {action} {obj}.", "start": start}


def stance(actor, label, conf=0.8, evidence=()):
    return {"actor_id": actor, "stance": label, "confidence": conf, "evidence": list(evidence)}


def quote(actor, label, text, conf=0.8, speaker="A spokesperson", start=None):
    return {"text": text, "speaker": speaker, "actor_id": actor, "stance": label,
            "confidence": conf, "start": start, "end": None if start is None else
            start + len(text)}


def rebuild(engine) -> dict:
    with session_scope(engine) as s:
        return rebuild_timeline(s)


def entries(engine, **filters) -> list[dict]:
    with session_scope(engine) as s:
        return timeline_entries(s, **filters)


def unlinked_reactions_all(engine):
    with session_scope(engine) as s:
        return unlinked_reactions(s)


def snapshot(engine) -> tuple:
    """Everything the rebuild writes, for comparing two states."""
    with session_scope(engine) as s:
        es = sorted((e.id, e.key, e.date, e.action, e.actor_id, e.object, e.topic, e.title,
                     e.stage, e.follows_id, e.date_basis) for e in s.exec(select(TimelineEntry)))
        evs = sorted((e.id, e.timeline_entry_id, e.act, e.merge_reason)
                     for e in s.exec(select(PolicyEvent)))
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
        "quotes": [quote("bma-gpc", "oppose", "Nobody can deliver these specifications in a "
                         "year.", 0.9),
                   quote("bma-gpc", "oppose", "We reject the drafts.", 0.6),
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


# -- one entry per change ------------------------------------------------------------------------


def test_timeline_merges_reports_of_one_act(draft_story):
    counts = rebuild(draft_story)
    got = entries(draft_story)
    assert [(e["date"], e["action"], e["actor_id"]) for e in got] == [
        ("2019-12-23", "propose", "nhs-england"), ("2020-02-06", "reduce", "nhs-england")]
    assert got[0]["sources"] == ["https://a.example/draft", "https://b.example/draft-copy"]
    assert counts["entries_created"] == 2 and counts["events_placed"] == 3
    # Why the copy joined: NHS Improvement acts as NHS England, same words, same day.
    reason = got[0]["source_details"][1]["reason"]
    assert "objects alike" in reason and "dated 2019-12-23" in reason
    assert got[0]["source_details"][0]["reason"] == "first report of the act"


def test_timeline_nhs_england_and_the_government_announcing_one_plan_are_one_change(
        fresh_store):
    add_article(fresh_store, "https://a.example/plan", "2023-05-10", {
        "events": [
            event("announce", "nhs-england", "plan for recovering access to primary care",
                  "2023-05-09", start=0),
            event("announce", "government", "plan for recovering access to primary care",
                  "2023-05-09", start=0)],
        "topics": ["access"]})
    add_article(fresh_store, "https://b.example/plan", "2023-05-11", {
        "events": [event("announce", "dhsc", "access recovery plan", None)],
        "topics": ["access"]}, source="other-site")
    rebuild(fresh_store)
    (plan,) = entries(fresh_store)
    assert plan["title"] == ("NHS England and the Government announced the plan for "
                             "recovering access to primary care")
    assert len(plan["sources"]) == 2
    assert "act together" in plan["source_details"][0]["reason"] + " ".join(
        d["reason"] or "" for d in plan["source_details"][1:]) or \
        plan["source_details"][1]["reason"].startswith("objects alike")


def test_timeline_announced_joins_the_act_it_reports(fresh_store):
    # One sentence read twice by the analysis: "announced" and "cut back" the drafts.
    add_article(fresh_store, "https://a.example/cut", "2020-02-07", {
        "events": [event("announce", "nhs-england", "draft specifications", "2020-02-06",
                         start=10),
                   event("reduce", "nhs-england", "draft specifications", "2020-02-06",
                         start=10)],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (cut,) = entries(fresh_store)
    assert (cut["action"], cut["stage"]) == ("reduce", "scaled back")
    assert len(cut["acts"]) == 1
    assert cut["title"] == "NHS England scaled back draft specifications"


CONTRACT_UPDATE = [
    event("reduce", "nhs-england", "service specifications", None, start=0,
          sentence="NHS England has scaled back the service specifications networks must "
                   "deliver."),
    event("agree", "nhs-england", "update to the five-year contract deal", "2020-02-06",
          start=200, sentence="The update to the five-year contract deal was agreed today."),
    event("delay", "nhs-england", "anticipatory care and personalised care specifications",
          "2021-04-01", start=400,
          sentence="The anticipatory care and personalised care specifications will not "
                   "begin until April 2021."),
    event("fund", "nhs-england", "full cost of additional roles", "2020-04-01", start=600,
          sentence="NHS England will pay the full cost of additional roles from April."),
    event("require", "nhs-england", "practices decide", "2020-05-31", start=800,
          sentence="Practices have until the end of May to decide whether to stay in the "
                   "network DES."),
]


def test_timeline_one_announcement_is_one_change_with_its_acts(fresh_store):
    add_article(fresh_store, "https://a.example/update", "2020-02-06", {
        "events": CONTRACT_UPDATE, "topics": ["gp-contract"]})
    rebuild(fresh_store)
    (update,) = entries(fresh_store)
    # The news leads with the cut, so the change is the cut; the rest is what it does.
    assert update["title"] == "NHS England scaled back service specifications"
    assert [a["action"] for a in update["acts"]] == ["reduce", "agree", "delay", "fund",
                                                     "require"]
    # Made on the day the update was agreed, not on the days its parts take effect.
    assert (update["date"], update["date_basis"]) == ("2020-02-06", "reported")
    deadline = update["acts"][-1]
    assert deadline["effective"] == "2020-05-31"
    assert deadline["title"] == ("Practices have until the end of May to decide whether to "
                                 "stay in the network DES.")


def test_timeline_change_reported_by_several_articles_and_sites_is_one_entry_with_reactions(
        fresh_store):
    """The contract update told by three articles on two sites (one a copy of another in
    the same story), each with reactions: one entry, every source, each reaction once."""
    add_article(fresh_store, "https://bulletin.example/update", "2020-02-06", {
        "events": CONTRACT_UPDATE,
        "stances": [stance("bma-gpc", "mixed"), stance("nhs-confederation", "support")],
        "quotes": [quote("bma-gpc", "mixed", "The specifications we have agreed are a fraction "
                         "of the drafts, but the work is still heavy.", start=300),
                   quote("nhs-confederation", "support", "Phasing the specifications gives "
                         "networks a fighting chance.", start=500)],
        "topics": ["gp-contract", "pcn-targets"]}, source="gp-bulletin", story="update")
    add_article(fresh_store, "https://news.example/update-copy", "2020-02-06", {
        "events": [event("reduce", "nhs-england", "service specifications", None)],
        "stances": [stance("bma-gpc", "mixed")],
        "quotes": [quote("bma-gpc", "mixed", "The specifications we have agreed are a fraction "
                         "of the drafts, but the work is still heavy.")],
        "topics": ["gp-contract"]}, source="network-news", story="update")
    add_article(fresh_store, "https://matters.example/what-it-means", "2020-02-07", {
        "events": [
            event("agree", "nhs-england", "five-year GP contract deal update", "2020-02-06"),
            event("fund", "nhs-england", "full cost of additional roles from April",
                  "2020-04-01"),
            event("require", "nhs-england", "practices confirm", "2020-05-31",
                  sentence="Practices must confirm by the end of May whether they stay in "
                           "the network DES.")],
        "stances": [stance("lmc-kent", "mixed")],
        "quotes": [quote("lmc-kent", "mixed", "Full funding for the additional roles is "
                         "better, but not good enough.")],
        "topics": ["gp-contract"]}, source="practice-matters", story="guide")
    rebuild(fresh_store)
    (update,) = entries(fresh_store)
    assert update["sources"] == ["https://bulletin.example/update",
                                 "https://news.example/update-copy",
                                 "https://matters.example/what-it-means"]
    assert update["headline"]["url"] == "https://bulletin.example/update"
    # What practices must do, told by two sites, with the day it is due.
    due = [a for a in update["acts"] if a["action"] == "require"]
    assert {a["effective"] for a in due} == {"2020-05-31"}
    assert {u for a in due for u in a["sources"]} == {"https://bulletin.example/update",
                                                      "https://matters.example/what-it-means"}
    # The committee's quote carried by both copies of one story counts once, both URLs kept.
    by_body = {}
    for r in update["reactions"]:
        by_body.setdefault(r["actor_id"], []).append(r)
    assert sorted(by_body) == ["bma-gpc", "lmc-kent", "nhs-confederation"]
    (gpc,) = by_body["bma-gpc"]
    assert gpc["urls"] == ["https://bulletin.example/update", "https://news.example/update-copy"]
    assert "specification" in gpc["reason"]
    assert "additional roles" in by_body["lmc-kent"][0]["reason"]


def test_timeline_proposal_revision_and_final_form_are_linked_entries(fresh_store):
    add_article(fresh_store, "https://a.example/draft", "2019-12-24", {
        "events": [event("propose", "nhs-england", "draft network service specifications",
                         "2019-12-23")], "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/cut", "2020-02-06", {
        "events": [event("reduce", "nhs-england", "network service specifications",
                         "2020-02-06")], "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/final", "2020-03-30", {
        "events": [event("announce", "nhs-england", "final network service specifications",
                         "2020-03-27")], "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    draft, cut, final = entries(fresh_store)
    assert [e["stage"] for e in (draft, cut, final)] == ["draft published", "scaled back",
                                                         "confirmed"]
    assert draft["follows"] is None
    assert cut["follows"]["id"] == draft["id"] and final["follows"]["id"] == cut["id"]
    assert [f["id"] for f in draft["followed_by"]] == [cut["id"]]


def test_timeline_keeps_apart_acts_out_of_window(fresh_store):
    add_article(fresh_store, "https://a.example/1", "2020-01-01", {
        "events": [event("delay", "nhs-england", "specifications", "2020-01-01")],
        "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/2", "2021-08-31", {
        "events": [event("delay", "nhs-england", "specifications", "2021-08-31")],
        "topics": ["pcn-targets"]})
    # Same body and object, another action days later: a second act, not a report of it.
    add_article(fresh_store, "https://a.example/3", "2020-01-05", {
        "events": [event("withdraw", "nhs-england", "specifications", "2020-01-05")],
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
    add_article(fresh_store, "https://c.example/z", "2020-02-20", {
        "events": [event("agree", "nhs-england", "weekly care home rounds", None)],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    got = entries(fresh_store)
    assert [len(e["sources"]) for e in got] == [2, 1]
    assert any("one act told in other words" in d["reason"]
               for d in got[0]["source_details"])


def test_timeline_monthly_reports_do_not_chain_into_one_entry(fresh_store):
    # A delay reported every month for half a year, undated: each report could be the act
    # of the one before, but no one day fits them all.
    for month in range(1, 7):
        day = f"2021-{month:02d}-15"
        add_article(fresh_store, f"https://a.example/m{month}", day, {
            "events": [event("delay", "nhs-england", "network specifications", None)],
            "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    got = entries(fresh_store)
    assert len(got) >= 3
    for e in got:
        days = sorted(date.fromisoformat(f"2021-0{u.rsplit('m', 1)[1]}-15")
                      for u in e["sources"])
        assert (days[-1] - days[0]).days <= 31


# -- dates -----------------------------------------------------------------------------------------


def test_timeline_event_without_date_takes_article_date_as_an_estimate(fresh_store):
    add_article(fresh_store, "https://a.example/undated", "2020-03-20", {
        "events": [event("delay", "nhs-england", "network requirements", None)],
        "topics": ["covid"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert (got["date"], got["date_basis"], got["date_estimated"]) == (
        "2020-03-20", "estimated", True)


def test_timeline_article_without_date_gives_an_unknown_date(fresh_store):
    add_article(fresh_store, "https://a.example/nodate", None, {
        "events": [event("fund", "nhs-england", "network pharmacists", None)],
        "topics": ["workforce"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert (got["date"], got["date_basis"]) == (None, "unknown")


def test_timeline_entry_never_moves_to_a_date_its_sources_do_not_support(fresh_store):
    add_article(fresh_store, "https://a.example/made", "2020-01-06", {
        "events": [event("fund", "nhs-england", "network pharmacists", "2020-01-05")],
        "topics": ["workforce"]})
    # A later report dates the act a month apart: no day fits both, so it is not merged
    # into the January entry, which keeps the day its own source gives.
    add_article(fresh_store, "https://b.example/later", "2020-02-10", {
        "events": [event("fund", "nhs-england", "network pharmacists", "2020-02-07")],
        "topics": ["workforce"]})
    rebuild(fresh_store)
    first, second = entries(fresh_store)
    assert (first["date"], first["sources"]) == ("2020-01-05", ["https://a.example/made"])
    assert second["date"] == "2020-02-07"


def test_timeline_sets_aside_a_date_the_sentence_contradicts(fresh_store):
    # "has scaled back" is news of this week: the analysis took a date from the drafts
    # the sentence also names. The entry is placed at the report, as an estimate.
    add_article(fresh_store, "https://a.example/cut", "2020-02-06", {
        "events": [event("reduce", "nhs-england", "service specifications", "2019-04-01",
                         sentence="NHS England has scaled back the service specifications "
                                  "drafted last spring.")],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert (got["date"], got["date_basis"]) == ("2020-02-06", "estimated")
    assert "set aside" in got["source_details"][0]["reason"]


def test_timeline_due_date_is_not_when_the_requirement_was_made(fresh_store):
    add_article(fresh_store, "https://a.example/due", "2019-02-12", {
        "events": [event("require", "nhs-england", "network registration", "2019-05-15",
                         sentence="Networks must register with their CCG by 15 May.")],
        "topics": ["pcn-targets"]})
    # The same requirement, reported again three months later with the same due date.
    add_article(fresh_store, "https://b.example/reminder", "2019-05-13", {
        "events": [event("require", "nhs-england", "network registration forms", "2019-05-15")],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert (got["date"], got["date_basis"], got["effective"]) == (
        "2019-02-12", "estimated", "2019-05-15")
    assert len(got["sources"]) == 2
    assert got["title"] == "Networks must register with their CCG by 15 May."


def test_timeline_sources_that_give_different_days_say_so(fresh_store):
    add_article(fresh_store, "https://a.example/x", "2020-02-06", {
        "events": [event("agree", "nhs-england", "contract update", "2020-02-06")],
        "topics": ["gp-contract"]})
    add_article(fresh_store, "https://b.example/y", "2020-02-08", {
        "events": [event("agree", "nhs-england", "contract update", "2020-02-05")],
        "topics": ["gp-contract"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert (got["date"], got["date_basis"]) == ("2020-02-05", "sources differ")


# -- reactions -----------------------------------------------------------------------------------


def test_timeline_links_reactions_to_the_act_they_answer(draft_story):
    rebuild(draft_story)
    draft, cut = entries(draft_story)
    by_actor = {r["actor_id"]: r for r in draft["reactions"]}
    assert set(by_actor) == {"bma-gpc", "lmc-kent"}
    assert by_actor["bma-gpc"]["stance"] == "oppose"
    # The quote of the matching stance that is about the change.
    assert by_actor["bma-gpc"]["quote"] == "Nobody can deliver these specifications in a year."
    assert by_actor["bma-gpc"]["reason"] == "names draft, service specifications (18 days after)"
    assert by_actor["bma-gpc"]["actor_name"] == "BMA GP Committee"
    # Kent LMC said nothing more specific: linked by the topic its article shares.
    assert by_actor["lmc-kent"]["quote"] is None
    assert by_actor["lmc-kent"]["reason"] == "topic pcn-targets, 18 days after"
    assert [(r["actor_id"], r["reason"]) for r in cut["reactions"]] == [
        ("rcgp", "the same article reports it")]
    assert list(draft["reactions_by_stance"]) == ["oppose"]


def test_timeline_links_a_statement_by_what_it_is_about_not_by_its_article(fresh_store):
    add_article(fresh_store, "https://a.example/action", "2024-08-01", {
        "events": [event("fund", "government", "newly qualified GPs in networks", "2024-07-01",
                         start=0)],
        "stances": [stance("bma-gpc", "oppose"), stance("rcgp", "mixed")],
        "quotes": [quote("bma-gpc", "oppose", "Collective action is the only way left to "
                         "protect patients from unsafe workload.", start=4000),
                   quote("rcgp", "mixed", "Funding newly qualified GPs is welcome, but it "
                         "comes late.", start=300)],
        "topics": ["workforce", "workload"]})
    rebuild(fresh_store)
    (fund,) = entries(fresh_store)
    assert [r["actor_id"] for r in fund["reactions"]] == ["rcgp"]
    assert fund["reactions"][0]["reason"].startswith("names ")
    (loose,) = unlinked_reactions_all(fresh_store)
    assert loose["actor_id"] == "bma-gpc"
    assert loose["reason"].startswith("about ") and "collective" in loose["reason"]


def test_timeline_keeps_reactions_that_fit_no_event(draft_story):
    add_article(draft_story, "https://d.example/too-late", "2020-09-01", {
        "stances": [stance("kings-fund", "mixed")], "topics": ["pcn-targets"]})
    add_article(draft_story, "https://d.example/other-topic", "2020-01-12", {
        "stances": [stance("rcgp", "oppose")], "topics": ["care-homes"]})
    rebuild(draft_story)
    loose = {r["url"]: r for r in unlinked_reactions_all(draft_story)}
    assert loose["https://d.example/too-late"]["reason"] == \
        "no policy change on pcn-targets in the 60 days before"
    assert loose["https://d.example/other-topic"]["reason"] == \
        "no policy change on care-homes in the 60 days before"
    # The policy maker defending its own policy is not a reaction to it.
    own = [r for r in loose.values() if r["actor_id"] == "nhs-england"]
    assert own and all("own" in r["reason"] for r in own)


def test_timeline_reaction_before_the_event_is_not_linked(fresh_store):
    add_article(fresh_store, "https://a.example/early", "2020-01-01", {
        "stances": [stance("bma", "oppose")], "topics": ["funding"]})
    add_article(fresh_store, "https://a.example/fund", "2020-01-05", {
        "events": [event("fund", "nhs-england", "pharmacists for networks", "2020-01-05")],
        "topics": ["funding"]})
    rebuild(fresh_store)
    assert entries(fresh_store)[0]["reactions"] == []
    assert [r["url"] for r in unlinked_reactions_all(fresh_store)] == ["https://a.example/early"]


def test_timeline_reaction_goes_to_the_change_its_words_name(fresh_store):
    for url, day, obj in (("https://a.example/e1", "2020-01-01", "care home support"),
                          ("https://a.example/e2", "2020-01-20", "medication reviews")):
        add_article(fresh_store, url, day, {
            "events": [event("require", "nhs-england", obj, day)],
            "topics": ["care-homes"]})
    add_article(fresh_store, "https://a.example/r", "2020-01-25", {
        "stances": [stance("rcgp", "oppose")],
        "quotes": [quote("rcgp", "oppose", "Weekly support for every care home cannot be "
                         "staffed.")],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    first, second = entries(fresh_store)
    # Not the nearest change before it: the one it talks about.
    assert [r["actor_id"] for r in first["reactions"]] == ["rcgp"]
    assert first["reactions"][0]["reason"] == "names home, support (24 days after)"
    assert second["reactions"] == []


def test_timeline_new_event_picks_up_earlier_reactions(fresh_store):
    # The reaction arrives first; the report of the act it answers comes later.
    add_article(fresh_store, "https://a.example/angry", "2020-05-10", {
        "stances": [stance("bma-gpc", "oppose")],
        "quotes": [quote("bma-gpc", "oppose", "Weekly care home rounds are unsafe.")],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    assert len(unlinked_reactions_all(fresh_store)) == 1
    add_article(fresh_store, "https://a.example/act", "2020-05-06", {
        "events": [event("require", "nhs-england", "weekly care home rounds", "2020-05-15")],
        "topics": ["care-homes"]})
    rebuild(fresh_store)
    (got,) = entries(fresh_store)
    assert [r["actor_id"] for r in got["reactions"]] == ["bma-gpc"]
    assert unlinked_reactions_all(fresh_store) == []


def test_timeline_same_article_reaction_goes_to_its_newest_dated_act(fresh_store):
    add_article(fresh_store, "https://a.example/deal", "2020-02-06", {
        "events": [
            # Background: the draft of December, recalled.
            event("propose", "nhs-england", "draft specifications", "2019-12-23", start=500),
            # The news: the deal made this week.
            event("agree", "nhs-england", "contract for 2020/21", "2020-02-05", start=0)],
        "stances": [stance("bma-gpc", "mixed")],
        "topics": ["gp-contract"]})
    rebuild(fresh_store)
    linked = {e["action"]: [r["actor_id"] for r in e["reactions"]]
              for e in entries(fresh_store)}
    assert linked == {"propose": [], "agree": ["bma-gpc"]}


# -- idempotence and increments ------------------------------------------------------------------


def test_timeline_rebuild_twice_changes_nothing(draft_story):
    rebuild(draft_story)
    before = snapshot(draft_story)
    counts = rebuild(draft_story)
    assert counts["articles"] == 0
    assert snapshot(draft_story) == before


def test_timeline_rebuild_after_an_unrelated_article_keeps_every_row(draft_story):
    rebuild(draft_story)
    before = snapshot(draft_story)
    add_article(draft_story, "https://z.example/unrelated", "2023-01-01", {
        "topics": ["digital"]})
    counts = rebuild(draft_story)
    assert counts["articles"] == 1 and counts["events_placed"] == 0
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


def test_timeline_entry_that_loses_a_report_is_recomputed(fresh_store):
    add_article(fresh_store, "https://a.example/1", "2021-04-01", {
        "events": [event("delay", "nhs-england", "anticipatory care service", "2021-04-01")],
        "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/2", "2021-04-01", {
        "events": [event("delay", "nhs-england", "anticipatory care service", "2021-04-01")],
        "topics": ["pcn-targets"]})
    add_article(fresh_store, "https://a.example/3", "2021-04-20", {
        "events": [event("delay", "nhs-england", "anticipatory care service", None)],
        "topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (before,) = entries(fresh_store)
    assert (before["date"], before["date_basis"], len(before["sources"])) == (
        "2021-04-01", "reported", 3)
    # Both reports of 1 April are re-analysed and no longer carry the event.
    for url in ("https://a.example/1", "https://a.example/2"):
        add_article(fresh_store, url, "2021-04-01", {"topics": ["pcn-targets"]})
    rebuild(fresh_store)
    (after,) = entries(fresh_store)
    assert (after["key"], after["date"], after["date_basis"], after["sources"]) == (
        before["key"], "2021-04-20", "estimated", ["https://a.example/3"])


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


def test_timeline_acts_whose_object_names_nothing_join_their_article_change(fresh_store):
    add_article(fresh_store, "https://a.example/x", "2022-09-20", {
        "events": [event("announce", "nhs-england", "It", "2022-09-17", start=0),
                   event("require", "nhs-england", "evening and weekend appointments",
                         "2022-10-01", start=100,
                         sentence="Networks must offer evening and weekend appointments "
                                  "from October.")],
        "topics": ["access"]})
    add_article(fresh_store, "https://a.example/y", "2022-12-01", {
        "events": [event("announce", "nhs-england", "Monday", None)], "topics": ["access"]})
    rebuild(fresh_store)
    # "It" is not an entry of its own, and does not lead the change it belongs to.
    assert [e["title"] for e in entries(fresh_store)] == [
        "Networks must offer evening and weekend appointments from October."]
    with session_scope(fresh_store) as s:
        assert len(timeline_entries(s, unnamed=True)) == 2


# -- robust to the events it is given -----------------------------------------------------------


def _story_in(engine, order: list[int]) -> list[tuple]:
    articles = [
        ("https://a.example/draft", "2019-12-24", {
            "events": [event("propose", "nhs-england", "draft network specifications",
                             "2019-12-23", start=0),
                       event("require", None, "weekly care home rounds", "2020-04-01",
                             start=100)],
            "stances": [stance("bma-gpc", "oppose")],
            "quotes": [quote("bma-gpc", "oppose", "The draft specifications cannot be "
                             "delivered.", start=300)],
            "topics": ["care-homes"]}),
        ("https://b.example/draft", "2019-12-24", {
            "events": [event("announce", "nhs-improvement", "draft specifications for networks",
                             "2019-12-23")],
            "topics": ["care-homes"]}),
        ("https://c.example/cut", "2020-02-06", {
            "events": [event("reduce", "nhs-england", "network specifications", "2020-02-06")],
            "stances": [stance("rcgp", "support")], "topics": ["care-homes"]}),
    ]
    for i in order:
        add_article(engine, *articles[i])
    rebuild(engine)
    return [(e["title"], e["stage"], e["sources"], [r["actor_id"] for r in e["reactions"]])
            for e in entries(engine)]


def test_timeline_does_not_hang_on_the_order_articles_were_stored(store_url, tmp_path):
    from store.db import dispose_engines, get_engine

    first = _story_in(get_engine(store_url), [0, 1, 2])
    dispose_engines()
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert _story_in(get_engine(other), [2, 1, 0]) == first
    dispose_engines()


def test_timeline_report_that_names_no_body_joins_its_article_change(fresh_store):
    _story_in(fresh_store, [0, 1, 2])
    draft = entries(fresh_store)[0]
    assert draft["stage"] == "draft published" and len(draft["sources"]) == 2
    # The requirement the analysis gave no body is part of NHS England's draft.
    assert [a["action"] for a in draft["acts"]] == ["propose", "require"]
