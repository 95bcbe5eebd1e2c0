"""Entry titles a practice manager can read: the body, the act, the thing, or the sentence whole."""

import pytest

from store.titles import clean_object, title, with_article

NHSE = ["NHS England"]


@pytest.mark.parametrize("action, bodies, obj, sentence, expected", [
    # A draft is published; the relative clause after the thing it names is dropped whole.
    ("propose", NHSE, "draft specifications for five national services that primary care "
     "networks will have", "NHS England has published draft specifications.",
     "NHS England published draft specifications for five national services"),
    # Two bodies that acted together; a trailing time word belongs to the sentence.
    ("announce", ["NHS England", "the Government"], "long-awaited plan for recovering access "
     "to primary care yesterday", "x.",
     "NHS England and the Government announced the long-awaited plan for recovering access "
     "to primary care"),
    # A participle clause after the thing ("struck between ...") ends it.
    ("agree", NHSE, "five-year contract deal struck between NHS England", "x.",
     "NHS England agreed the five-year contract deal"),
    ("announce", NHSE, "contract changes for 2022/23 announced by NHS England yesterday", "x.",
     "NHS England announced contract changes for 2022/23"),
    # A singular thing gets its article, a plural or uncountable one none.
    ("reduce", NHSE, "amount of work passed from hospitals to GPs", "x.",
     "NHS England scaled back the amount of work passed from hospitals to GPs"),
    ("reduce", NHSE, "requirements on primary care networks", "x.",
     "NHS England scaled back requirements on primary care networks"),
    ("fund", NHSE, "funding for the old extended access schemes", "x.",
     "NHS England committed funding for the old extended access schemes"),
    ("propose", NHSE, "consultation on the draft specifications", "x.",
     "NHS England opened a consultation on the draft specifications"),
    ("fund", NHSE, "network funding for clinical directors", "x.",
     "NHS England committed network funding for clinical directors"),
    # A sum is committed, and keeps what it pays for; "funded £82m" would fund nothing.
    ("fund", ["the Government"], "around £246m", "x.", "The Government committed around £246m"),
    ("fund", ["the Government"], "£82m set aside for around 1,000 posts", "x.",
     "The Government committed £82m for around 1,000 posts"),
    ("fund", NHSE, "£1.5m announced", "x.", "NHS England committed £1.5m"),
    # Spaced quotes and hyphens the tokeniser left are closed up.
    ("withdraw", ["the Government"], "“ 8 am rush ” rules", "x.",
     "The Government withdrew “8 am rush” rules"),
])
def test_title_says_who_did_what_to_what(action, bodies, obj, sentence, expected):
    assert title(action, bodies, obj, sentence) == expected


@pytest.mark.parametrize("action, obj, sentence", [
    # A clause cut mid-phrase: an adverb ends it.
    ("announce", "allow networks to use the additional roles reimbursement scheme to employ "
     "newly", "The Government announced it would allow networks to use the scheme to employ "
     "newly qualified GPs."),
    # A requirement is given by the analysis as a bare clause: the sentence says it.
    ("require", "practices", "NHS England requires practices to sign up by 31 May."),
    ("require", "Practices decide", "Practices have until the end of May to decide."),
    ("require", "They name a GP lead", "They would have to name a GP lead for every home."),
    # The object was the sentence's subject: the start of a clause, not a name.
    ("fund", "Further roles", "Further roles will be funded from April."),
    # Too vague to stand alone.
    ("reduce", "contract update", "The contract update cuts the targets networks face."),
    ("fund", "deal", "The deal will pay for 20,000 staff."),
    ("agree", "agreement", "Practices signed the agreement."),
    ("delay", "patients", "Patients will wait longer."),
    # A modal verb inside: a clause.
    ("withdraw", "cap on the number of roles a network can claim",
     "The cap on the number of roles a network can claim is removed."),
    # A colon: a list follows, not a name.
    ("require", "only three will start: medication reviews", "Only three will start."),
])
def test_title_is_the_whole_sentence_when_no_clean_phrase_exists(action, obj, sentence):
    assert title(action, NHSE, obj, sentence) == sentence


@pytest.mark.parametrize("sentence, expected", [
    # The second sentence of a quotation, as the analysis splits it: its opening mark back.
    ("The first year is about the foundations,\u201d Dr Ashworth said.",
     "\u201cThe first year is about the foundations,\u201d Dr Ashworth said."),
    ("He said: \u201cWe cannot do this.", "He said: \u201cWe cannot do this.\u201d"),
])
def test_title_sentence_keeps_its_quotation_marks_whole(sentence, expected):
    assert title("require", NHSE, "practices", sentence) == expected


def test_title_without_a_body_is_the_sentence():
    assert title("fund", [], "network pharmacists", "Networks get pharmacists.") == \
        "Networks get pharmacists."


def test_title_without_sentence_or_phrase_never_cuts():
    assert title("require", NHSE, "practices", "") == \
        "NHS England required a change (see the report)"


@pytest.mark.parametrize("obj, clean", [
    ("draft specifications published in December", "draft specifications"),
    ("Investment and Impact Fund", "Investment and Impact Fund"),
    ("face - to - face appointments", "face-to-face appointments"),
    ("It", None),
    ("home aligned to one network and", None),
    ("funding for both", None),
])
def test_clean_object_table(obj, clean):
    assert clean_object(obj, "The Investment and Impact Fund is suspended.") == clean


@pytest.mark.parametrize("phrase, expected", [
    ("new Investment and Impact Fund", "the new Investment and Impact Fund"),
    ("2023/24 GP contract", "the 2023/24 GP contract"),  # a contract year is a name
    ("26,000 extra staff", "26,000 extra staff"),  # a count opens it
    ("estimated 15,500 posts", "an estimated 15,500 posts"),
    ("self-referral", "self-referral"),
    ("NHS England’s draft specifications", "NHS England’s draft specifications"),
])
def test_with_article_table(phrase, expected):
    assert with_article(phrase) == expected
