"""pcnwatch_quotes: quotation marks, attribution, scare quotes and reported speech."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.components.quotes import find_quotations
from nlp.pipeline import build_pipeline

ROWS = [json.loads(line) for line in
        (Path(__file__).parent / "data" / "nlp_quotes.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(options={"exclude": ("pcnwatch_stance", "pcnwatch_events",
                                               "pcnwatch_topics")})


def _contents(text):
    return [text[q.start:q.end] for q in find_quotations(text)]


def _speakers(doc):
    """Who each quotation is given to, and for which body, in text order."""
    return [(q["speaker"], q["actor_id"]) for q in doc._.pcnwatch_quotes]


@pytest.mark.parametrize("text,expected", [
    ("He said: \u201cYes, we will.\u201d", ["Yes, we will."]),
    ('He said: "Yes, we will."', ["Yes, we will."]),                 # straight double marks
    ("He said: \u2018Yes, we will.\u2019", ["Yes, we will."]),      # curly single marks
    ("He said: 'Yes, we will.'", ["Yes, we will."]),                 # straight single marks
    ("We don\u2019t know, it\u2019s the GPs\u2019 call.", []),      # apostrophes are not marks
    # a closing mark typed to open, after a colon
    ("He added: \u2019There was nothing for GPs.\u2019", ["There was nothing for GPs."]),
    ("Don't say it's 'over' yet.", ["over"]),                       # straight scare quote
    ("A \u201cone\u201d and a \u201ctwo\u201d.", ["one", "two"]),  # two on one line
    # A quote inside a quote stays inside.
    ("\u201cShe called it \u2018a mess\u2019 today,\u201d he said.",
     ["She called it \u2018a mess\u2019 today,"]),
    # Three paragraphs, only the last closing: one quotation from first mark to last.
    ("X said: \u201cOne.\n\n\u201cTwo.\n\n\u201cThree.\u201d",
     ["One.\n\n\u201cTwo.\n\n\u201cThree."]),
    # Paragraphs on single newlines (some sites) work the same way.
    ("X said: \u201cOne.\n\u201cTwo.\u201d\nNext story.", ["One.\n\u201cTwo."]),
    # Unclosed, and the next paragraph does not open with a mark: ends with its paragraph.
    ("X said: \u201cOne two three\n\nThe story goes on here.", ["One two three"]),
    # Unclosed at the very end of the text.
    ("X said: \u201cOne two three", ["One two three"]),
    # A lone closing mark opens nothing.
    ("Stray\u201d mark here.", []),
    # A mistyped opening mark used to close.
    ("He said: \u201cWe will do it.\u201c Then he left.", ["We will do it."]),
    # A mark after a plural s closes the quotation when nothing later in the paragraph
    # could: "some \u2018locum GPs\u2019 joined", not a possessive running to the end.
    ("There are 40 \u2018locum GPs\u2019 working in the area this winter.", ["locum GPs"]),
    # ... but stays a possessive when the quotation closes later,
    ("\u2018The partners\u2019 hours are too long for anyone,\u2019 she said.",
     ["The partners\u2019 hours are too long for anyone,"]),
    # ... but not when what follows cannot be owned, or the word is no plural.
    ("A \u2018number of issues\u2019 for GPs, say the partners\u2019 leaders \u2018in full\u2019.",
     ["number of issues", "in full"]),
    ("The \u2018disastrous\u2019 plan can be \u2018saved\u2019 yet.", ["disastrous", "saved"]),
    # ... or goes on into the next paragraph.
    ("X said: \u2018The partners\u2019 hours are long.\n\n\u2018Too long.\u2019",
     ["The partners\u2019 hours are long.\n\n\u2018Too long."]),
    # A closing mark lost to bad encoding (U+FFFD) after a word closes the quotation.
    ("A \u201cbold new package\ufffd of measures.", ["bold new package"]),
    ("", []),
])
def test_find_quotations(text, expected):
    assert _contents(text) == expected


def test_find_quotations_caps_paragraphs():
    # Every paragraph opens a mark and none closes: a quote stops at max_paragraphs.
    text = "\n\n".join([f"\u201cline {i}" for i in range(20)])
    quotes = find_quotations(text, max_paragraphs=3)
    assert len(quotes) > 1
    assert text[quotes[0].start:quotes[0].end].count("\n\n") == 2


@pytest.mark.parametrize("row", ROWS, ids=[r["note"] for r in ROWS])
def test_quotes_labelled_examples(nlp, row):
    doc = nlp(row["text"])
    quotes = doc._.pcnwatch_quotes
    assert len(quotes) == len(row["quotes"]), [q["text"] for q in quotes]
    for got, want in zip(quotes, row["quotes"], strict=True):
        assert got["text"].startswith(want["starts_with"])
        assert (got["speaker"], got["actor_id"]) == (want["speaker"], want["actor_id"])
        assert row["text"][got["start"]:got["end"]] == got["text"]
        assert got["stance"] is None and got["evidence"] == []  # left for pcnwatch_stance
    if "scare" in row:
        assert [s["text"] for s in doc._.pcnwatch_scare_quotes
                if s["reason"] == "short"] == row["scare"]
    for words in row.get("unattributed", []):
        assert any(s["text"].startswith(words) and s["reason"] == "unattributed"
                   for s in doc._.pcnwatch_scare_quotes)


def test_a_quotation_inside_a_condition_is_not_said_by_the_conditions_subject(nlp):
    # "Unless ICBs can ‘…’ it ‘…’": the words are the LMC's, whose advice sets the
    # condition; the ICBs are only who it is about. (The parser reads "The LMC advised
    # members" as one noun phrase here, so only the body is asserted.)
    doc = nlp("Kent LMC wrote to its members on Friday.\n\nThe LMC advised members to stay "
              "out of the board’s ‘hopeless’ scheme unless ICBs can ‘reshape’ it ‘into a "
              "scheme that a busy practice would choose to join’.")
    [quote] = doc._.pcnwatch_quotes
    assert quote["text"].startswith("into a scheme")
    assert quote["actor_id"] == "lmc-kent"


def test_he_is_the_person_last_brought_back_by_role_not_the_last_named(nlp):
    # Marsh is named, then Okafor; "the college's chair" brings Marsh back, so "he" after
    # it is Marsh, not Okafor, though Okafor was named last.
    doc = nlp("Professor Tom Marsh, chair of the Royal College of GPs, said the plans were "
              "a first step.\n\nSara Okafor, medical director for primary care at NHS "
              "England, called the deal \u201ca real chance for networks to take on more "
              "staff\u201d.\n\nThe college\u2019s chair added that it was not enough. "
              "\u201cSurgeries are still stretched thin and need much more support,\u201d "
              "he said.")
    first, second = doc._.pcnwatch_quotes
    assert (first["speaker"], first["actor_id"]) == ("Sara Okafor", "nhs-england")
    assert (second["speaker"], second["actor_id"]) == ("Professor Tom Marsh", "rcgp")


def test_a_round_up_whose_name_lines_lost_their_colons(nlp):
    # bold names in a reaction round-up come out of extraction as bare lines
    doc = nlp("Reaction to the contract\n\nDr Farah Jameel, GPC England chair\n"
              "\u201cThis contract does nothing for practices that are struggling to keep "
              "their doors open.\u201d\n\nHealthwatch England\n\u201cPatients want to see "
              "their GP when they need to, and this contract must deliver that.\u201d")
    assert _speakers(doc) == [
        ("Dr Farah Jameel", "bma-gpc"), ("Healthwatch England", "healthwatch-england")]


def test_a_bare_heading_that_only_mentions_a_body_does_not_speak(nlp):
    # a heading about a body's review is not the body's name line: the wording is no one's
    doc = nlp("Healthwatch England review of practices\n\u201cEvery practice must answer "
              "the phone within ten minutes of opening.\u201d")
    assert doc._.pcnwatch_quotes == []


def test_a_paragraph_that_sets_up_a_quotation_gives_it_its_speaker(nlp):
    # "X was scathing." then a paragraph that is only the quotation: X said it
    doc = nlp("Dr Ann Cole, chair of Kent LMC, was scathing about the deal.\n\n\u201cIt "
              "is the worst contract we have seen in a decade.\u201d\n\nThe RCGP struck a "
              "more positive note.\n\n\u201cThere is welcome extra money for practices, "
              "and we are pleased.\u201d\n\nNHS England published the plans on Monday.\n\n"
              "\u201cPractices must offer appointments within two weeks.\u201d")
    said = _speakers(doc)
    assert said[:2] == [("Dr Ann Cole", "lmc-kent"), ("RCGP", "rcgp")]
    # a short sentence of news between is narrative, not furniture: the college's voice ends
    assert said[2][1] != "rcgp"


def test_adding_after_a_quoted_verdict_is_still_the_speaker_adding(nlp):
    doc = nlp('Kent LMC chair Dr Ann Cole said the change was "long overdue but welcome", '
              'adding: "It does not undo the damage of years of underfunding."')
    # the parser hangs "adding" on "the change was ...": the change says nothing
    assert _speakers(doc) == [("Dr Ann Cole", "lmc-kent")] * 2


def test_a_role_of_a_body_named_before_the_person_is_the_one_who_holds_it(nlp):
    doc = nlp("The chair of the RCGP said the rise would be \u201cthe straw that breaks the "
              "camel\u2019s back for many practices\u201d.\nRCGP chair Professor Ann Field has "
              "warned that practices could close.")
    assert _speakers(doc) == [("Professor Ann Field", "rcgp")]


def test_a_belief_another_speaker_reports_is_in_that_speakers_words(nlp):
    doc = nlp("Dr Ann Cole said it was no secret that some parts of the Government believed "
              "general practice was a \u2018corner shop model that should be consigned to "
              "history\u2019.")
    assert [speaker for speaker, _ in _speakers(doc)] == ["Dr Ann Cole"]
    # a belief stated by the body itself is its own
    doc = nlp("The Government believes the plan is \u2018the best deal practices have had "
              "in years\u2019.")
    assert _speakers(doc) == [("Government", "government")]


def test_a_report_is_the_body_that_has_been_speaking_not_the_last_one_named(nlp):
    # one sentence a paragraph, as web pages often have it; "the organisation" is the body
    # in focus, and "for NHS England to add" asks NHS England, it does not quote it
    doc = nlp("NHS England must guarantee networks a future, the NHS Confederation has said.\n"
              "The organisation also called for NHS England to add no more specifications.\n"
              "It comes as part of a report marking three years of networks.\n"
              "Networks need stability, it said.\n"
              "The report said: \u2018The three years since networks were introduced have "
              "been tumultuous for practices.\u2019")
    assert _speakers(doc) == [("NHS Confederation", "nhs-confederation")]


def test_a_report_a_body_made_its_comments_in_speaks_for_that_body(nlp):
    doc = nlp("The Public Accounts Committee made the comments in a report on the "
              "Government\u2019s plans for evening surgeries.\n\nAccording to the report, "
              "ministers are \u2018pressing on with longer opening hours with no idea of "
              "need\u2019.\n\nThe report also noted that \u2018some surgeries shut their "
              "doors to patients in the working day\u2019.")
    assert _speakers(doc) == [("Public Accounts Committee", "public-accounts-committee")] * 2


def test_question_time_copied_with_q_and_a_lines_gives_each_member_their_words(nlp):
    # a bulletin's copy of Health Questions: a line naming the member and party (and the
    # minister's office), then the words
    doc = nlp("Q Ann Field (Lab: Kentown North)\n\n\u201cA family in my seat has waited "
              "weeks for a GP appointment this winter.\u201d\n\nA Tom Reed (Con: Westmoor "
              "and Eastvale) \u2013 Secretary of State for Health and Social Care\n\n\u201cOur "
              "access plan gives surgeries new phone systems to end the morning queue.\u201d")
    assert _speakers(doc) == [("Ann Field", "labour"), ("Tom Reed", "dhsc")]


def test_a_letter_its_writer_is_named_for_is_the_writers_words_for_their_body(nlp):
    doc = nlp("Kent and Medway ICB has reduced its extra payment to networks.\n\nA letter "
              "\u2013 penned by Ann Field, director of place \u2013 now says the ICB has no "
              "money for it.\n\nThe letter said: \u2018Nobody can yet say how far this will "
              "squeeze the budgets of local surgeries.\u2019")
    assert _speakers(doc) == [("Ann Field", "icb-kent-and-medway")]


def test_a_name_right_before_the_speech_verb_speaks_whatever_the_parse(nlp):
    # the parser makes "RCGP" the subject and the hyphenated name its apposition; a stray
    # comma before "said" is common in news copy
    for intro in ("RCGP vice chair Dr Victoria Ashworth-Lane said:",
                  "RCGP vice chair Dr Victoria Ashworth-Lane, said:"):
        doc = nlp(f"NHS England said the changes are being made.\n\n{intro} \u2018We are "
                  "extremely disappointed at the closure of this service.\u2019")
        assert _speakers(doc) == [("Dr Victoria Ashworth-Lane", "rcgp")]


def test_a_speaker_the_parser_joined_to_the_phrase_before_still_speaks(nlp):
    # "his" (the minister's comments) is not who speaks; the chair named with her role is
    doc = nlp("In a letter to the chancellor, Dr Ann Field, chair of the BMA\u2019s GP "
              "committee, said that his remarks had left \u201csurgeries reeling, with many "
              "unable to meet the new costs at all.\u201d")
    assert _speakers(doc) == [("Dr Ann Field", "bma-gpc")]


def test_a_letter_is_the_words_of_the_person_who_wrote_it_or_speaks_in_it(nlp):
    doc = nlp("In a letter sent to practices, Dr Ann Field, director of primary care at NHS "
              "England, explained that the deal assumes pay growth of 2.5%.\n\u2018The "
              "maximum reimbursement that networks can claim will be increased,\u2019 the "
              "letter says.")
    assert _speakers(doc) == [("Dr Ann Field", "nhs-england")]
    doc = nlp("Dr Adam Cole, chief executive of Kent LMC, wrote to the ICB last week.\n"
              "\u2018We ask the board to raise the fees for local services by a fifth this "
              "year,\u2019 the letter added.")
    assert _speakers(doc) == [("Dr Adam Cole", "lmc-kent")]
    # the nearest account of the letter decides, not an earlier mention of another letter
    doc = nlp("She said surgeries would get a letter soon.\n\nOn 3 May, NHS England chief "
              "executive Dr Tom Reed wrote to every ICB.\n\n\u2018Networks will start the "
              "care homes service in June rather than October,\u2019 the letter said.")
    assert _speakers(doc) == [("Dr Tom Reed", "nhs-england")]


def test_a_person_whose_role_the_parser_took_for_the_subject_still_speaks(nlp):
    doc = nlp("Responding to the new contract, Dr Ann Field, GP and chair of the network "
              "forum at the NHS Confederation said:\n\u201cWe welcome the additional "
              "investment in primary care this year.\u201d")
    assert _speakers(doc) == [("Dr Ann Field", "nhs-confederation")]
    # a body after the role, right before the speech verb, is the person's
    doc = nlp("Dr Ann Field, national clinical lead for link workers, NHS England "
              "commented: \u201cLink workers will give surgeries back hours every week.\u201d")
    assert _speakers(doc) == [("Dr Ann Field", "nhs-england")]


def test_a_fronted_participle_is_not_the_speaker_and_a_short_form_is_not_its_name(nlp):
    doc = nlp("Reacting to the news that GPs will get a new five-year deal, the National "
              "Pharmacy Association (NPA) said:\n\n\u201cThe NPA is glad to see more money "
              "going to local care this year.\u201d")
    assert _speakers(doc) == [("the National Pharmacy Association", None)]


def test_fragments_of_one_sentence_share_the_speaker_named_after_the_last(nlp):
    doc = nlp("In a letter to local leaders, NHS England said it expects demand to rise.\n\n"
              "\u201cWith winter pressures building fast\u201d the NHS must go on offering "
              "\u201cpractical help to care homes in every area\u201d, wrote NHS England chief "
              "executive Dr Tom Reed.")
    assert _speakers(doc) == [("Dr Tom Reed", "nhs-england")] * 2


def test_what_a_passive_verb_acts_on_does_not_speak(nlp):
    # "GP partners may be directed …": the partners are told, the chair speaks
    doc = nlp("In a bulletin, GPC England chair Dr Ann Field said voting starts on "
              "Monday.\n\nUnder the plan, GP partners may be directed to refuse tests "
              "\u2018that belong in outpatient clinics and not in surgeries\u2019.")
    assert _speakers(doc) == [("Dr Ann Field", "bma-gpc")]


def test_a_bodys_own_office_named_first_is_the_person_who_holds_it_below(nlp):
    # a caption names her first without a role; the role comes with a later mention
    doc = nlp("NHS England\u2019s Tom Reed and Jo Marsh speaking at the pharmacy "
              "conference\n\nIt is \u201cjust a question of months\u201d before pharmacy "
              "technicians work in networks, NHS England\u2019s deputy head of primary care "
              "policy has said.\n\nNHS England is reviewing how the posts are paid for, Jo "
              "Marsh, NHS England\u2019s deputy head of primary care policy for pharmacy, "
              "said last week.")
    assert _speakers(doc) == [("Jo Marsh", "nhs-england")]


def test_the_mps_and_then_they_speak_for_the_committee_last_named(nlp):
    doc = nlp("The Public Accounts Committee published its report on GP access.\n\nThe MPs "
              "said NHS bosses \u2018still lack a credible plan for ensuring there are enough "
              "GPs\u2019.\n\nThey added: \u2018NHS England has several initiatives in place to "
              "boost recruitment.\u2019")
    assert _speakers(doc) == [("Public Accounts Committee", "public-accounts-committee")] * 2
    # "they" that does not follow the committee's words is left alone: more often a group
    # of people than one body
    doc = nlp("The Public Accounts Committee published its report on GP access.\n\nGP "
              "partners in Kent met on Monday.\n\nThey said: \u2018We cannot keep our doors "
              "open much longer on this funding.\u2019")
    assert [actor for _, actor in _speakers(doc)] != ["public-accounts-committee"]


def test_its_chair_is_the_chair_of_the_body_in_focus(nlp):
    doc = nlp("The RCGP was more measured than the BMA in its response.\n\n\u201cThere is "
              "some welcome extra money, but it will not solve the workforce crisis,\u201d "
              "said its chair.")
    [quote] = doc._.pcnwatch_quotes
    assert quote["actor_id"] == "rcgp"


def test_answers_in_a_question_and_answer_interview_are_the_interviewees(nlp):
    doc = nlp("We spoke to Dr Ann Cole, chair of Kent LMC, about the deal.\n\nQ: Is the "
              "contract a good deal for practices?\nA: \u201cNo. It leaves practices with "
              "more work and no more money.\u201d\n\nQ: What happens next?\nA: \u201cWe "
              "will ballot our members on collective action.\u201d")
    assert _speakers(doc) == [
        ("Dr Ann Cole", "lmc-kent")] * 2


def test_a_title_in_quotation_marks_is_no_quote(nlp):
    doc = nlp("Practices should read the ‘Delivery Plan for Recovering Access to Primary Care’ "
              "before April.")
    assert doc._.pcnwatch_quotes == []
    [title] = doc._.pcnwatch_scare_quotes
    assert title["reason"] == "title"


@pytest.mark.parametrize("text,expected", [
    ("NHS England says it is making the changes to help networks.", [("nhs-england", "say")]),
    ("Kent LMC has written to members. It warns that practices may leave the scheme.",
     [("lmc-kent", "write"), ("lmc-kent", "warn")]),
    ("Kent LMC met. The LMC calls for \u201cdramatic\u201d change to the plans.",
     [("lmc-kent", "call")]),
    ("GP leaders say the target is far out of reach.", [(None, "say")]),
    ("The plans will be delayed, according to the Health Service Journal.",
     [("hsj", "according")]),
    # Headline style: the speaker follows the verb after a comma.
    ("GPs cannot deliver the new targets, warn LMC leaders", [("lmcs", "warn")]),
    ("Networks need more time before targets arrive, says the RCGP.", [("rcgp", "say")]),
    ("GPs betrayed by contract imposition, says BMA", [("bma", "say")]),
    # ... but a comma that closes the speaker's role leaves the speaker before the verb,
    # and the body after it is only spoken of.
    ("Dr Ann Field, chair of Kent LMC, accused NHS England of moving the goalposts.",
     [("lmc-kent", "accuse")]),
    ("Dr Ann Field, chair of Kent LMC, said NHS England was moving the goalposts.",
     [("lmc-kent", "say")]),
    # A sentence that introduces a direct quote is a quote, not reported speech.
    ("The BMA said: \u201cWe will not sign this contract in its present form.\u201d", []),
    # The subject is no speaker: guidance, documents and the like are skipped.
    ("The guidance states that reviews must be done in full.", []),
    # A report inside another's report is the outer speaker's claim.
    ("GPC England is in dispute, with the committee's leaders having maintained that the "
     "Government had promised safeguards.", [("bma-gpc", "maintain")]),
    # A passive report: the body spoken to or about says nothing; the agent speaks.
    ("The Government has been warned that the network targets cannot be met.", []),
    ("Kent LMC was asked to comment on the new targets.", []),
    ("The network targets were criticised by the RCGP last week.", [("rcgp", "criticise")]),
    # ... unless the verb names the subject's own position.
    ("The BMA is opposed to the new network targets.", [("bma", "oppose")]),
    # verbs that report a side taken, phrasal ones included
    ("Kent LMC lambasted the network specifications.", [("lmc-kent", "lambast")]),
    ("The RCGP hit out at the network specifications.", [("rcgp", "hit")]),
    ("", []),
])
def test_quotes_reported_speech(nlp, text, expected):
    doc = nlp(text)
    got = [(r["actor_id"], r["verb"]) for r in doc._.pcnwatch_reported]
    assert got == expected
    for r in doc._.pcnwatch_reported:
        assert text[r["start"]:r["end"]] == r["text"]


def test_quotes_reported_stays_in_its_paragraph(nlp):
    text = "Menu\n\nNHS England said the plan would work.\n\nShare this"
    [reported] = nlp(text)._.pcnwatch_reported
    assert reported["text"] == "NHS England said the plan would work."


def test_quotes_unbalanced_marks_never_swallow_the_article(nlp):
    paragraph = "Practices were told to wait for the final guidance from the board."
    text = "Dr Ann Cole said: \u201cWe have had no word at all\n\n" + "\n\n".join([paragraph] * 50)
    doc = nlp(text)
    [quote] = doc._.pcnwatch_quotes
    assert quote["text"] == "We have had no word at all"


def test_a_speaker_named_after_the_verb_with_a_clause_behind_him(nlp):
    # The parser takes a word of the trailing clause ("jacket") for the verb's subject; the
    # name after the verb still speaks, and the page is analysed, not dropped with an error.
    text = ("\u2018We have let practices down for years and we are sorry,\u2019 said "
            "Jeremy Hunt gravely, jacket thrown aside and in relaxed mode.")
    doc = nlp(text)
    assert [q["speaker"] for q in doc._.pcnwatch_quotes] == ["Jeremy Hunt"]


def test_quotes_empty_doc(nlp):
    doc = nlp("")
    assert (doc._.pcnwatch_quotes, doc._.pcnwatch_reported, doc._.pcnwatch_scare_quotes) == (
        [], [], [])


def test_quotes_round_trip_to_disk(nlp, tmp_path):
    finder = nlp.get_pipe("pcnwatch_quotes")
    finder.to_disk(tmp_path / "quotes")
    other = build_pipeline(options={"exclude": ("pcnwatch_stance", "pcnwatch_events",
                                                "pcnwatch_topics"),
                                    "config": {"pcnwatch_quotes": {"min_quote_words": 9}}})
    loaded = other.get_pipe("pcnwatch_quotes").from_disk(tmp_path / "quotes")
    assert loaded.min_quote_words == finder.min_quote_words
    assert loaded.data == finder.data


def test_quotes_min_words_is_configurable():
    strict = build_pipeline(options={"exclude": ("pcnwatch_stance", "pcnwatch_events",
                                                 "pcnwatch_topics"),
                                     "config": {"pcnwatch_quotes": {"min_quote_words": 6}}})
    doc = strict("Dr Ann Cole said: \u201cWe will not sign it.\u201d")
    assert doc._.pcnwatch_quotes == []
    assert [s["text"] for s in doc._.pcnwatch_scare_quotes] == ["We will not sign it."]


@pytest.mark.parametrize(("text", "home"), [
    # a newsletter signed by its body speaks for it
    ("We have heard from many practices this week about the network contract. We will send "
     "our guidance on Friday, and we thank you for your patience.\n\nKent LMC", "lmc-kent"),
    # an excerpt cut off after a line of news leaves that line short, but a body reported
    # acting is not the one signing: the heading names the page's body
    ("Kent LMC weekly update\n\nWe have heard from many practices this week about the "
     "network contract. We will send our guidance on Friday, and we thank you for your "
     "patience.\n\nNHS England has published new guidance for general practice on",
     "lmc-kent"),
    # no heading or sign-off, but the body names itself and goes on as "our" in one breath
    ("Kent LMC understands why so many practices are angry about the new contract, but our "
     "first duty is to patients.\n\n"
     "We have written to every network about the contract. We will share our reply soon.",
     "lmc-kent"),
    # a letter: the heading that names the body comes after a masthead, a date and a
    # greeting, still before the first paragraph of running text
    ("Issue 12\n\nNews for members\n\n3 March 2020\n\nDear colleague,\n\nKent LMC "
     "update on the network contract\n\nThe network contract starts next month, and this "
     "letter sets out what our practices need to send in. Our guidance is on the website, "
     "and our office can help with the forms.\n\nPlease send the forms to "
     "the network's clinical director by the end of the month, and tell us of any delay.",
     "lmc-kent"),
    # a body that tells "us" something is not the writer
    ("NHS Kent CCG has told us that it will not expect the full service from the first day "
     "of the contract.\n\nWe have written to every network about it. We will share our "
     "reply soon.", None),
    # a body named as subject beside the writer's own "we" in another sentence is news
    ("Kent LMC said the contract was late.\n\nWe have written to every network about it. "
     "We will share our reply soon, and we thank you.", None),
])
def test_a_first_person_page_speaks_for_its_body(nlp, text, home):
    assert nlp(text)._.pcnwatch_home == home


@pytest.mark.parametrize("text,expected", [
    # The body a motion calls on is what it asks of, not whose motion it is.
    ("The LMCs conference backed several motions on prescribing. A motion calling for the DH "
     "to review the rules said they were \u201cout of date and confusing for patients and "
     "practices alike\u201d.", [("LMCs conference", "lmcs")]),
    # A document sent by a body is still that body's.
    ("A statement from the Kent and Medway ICB said: \u201cWe are working with the practice "
     "to keep services open for every patient.\u201d",
     [("A statement from the Kent and Medway ICB", "icb-kent-and-medway")]),
    # "DH", as the department styled itself before 2018.
    ("A DH spokesperson said: \u201cNegotiations on the contract are under way and it "
     "would be wrong to comment now.\u201d", [("A DH spokesperson", "dhsc")]),
])
def test_a_document_speaks_for_the_body_that_wrote_it_not_the_one_it_asks_of(
        nlp, text, expected):
    assert _speakers(nlp(text)) == expected


@pytest.mark.parametrize("text,expected", [
    # A voice of no named body speaks for the body named just before ...
    ("NHS England said the consultation was open. A spokesperson said: \u201cWe will listen "
     "to every response from practices.\u201d", [("A spokesperson", "nhs-england")]),
    # ... but a voice of a body the registry does not know is that body's, not the last one's.
    ("NHS England said the system would be fixed. A spokesperson for Medisoft said: \u201cOur "
     "first priority is and always has been the practices that use us.\u201d",
     [("A spokesperson for Medisoft", None)]),
    ("NHS England approved the change. A Medisoft spokesperson said: \u201cWe welcome the "
     "news that the cap on patient lists has been removed.\u201d",
     [("A Medisoft spokesperson", None)]),
])
def test_a_spokesperson_speaks_for_the_body_they_are_named_for(nlp, text, expected):
    assert _speakers(nlp(text)) == expected
