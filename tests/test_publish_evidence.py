"""Evidence for researchers: each sentence once, cue phrases marked, nothing unescaped."""

import pytest

from publish.evidence import distinct_sentences, evidence_html, mark_cues


# Each row: a sentence, its cues, and the sentence as HTML with the cues marked.
@pytest.mark.parametrize(("text", "cues", "html"), [
    ("It is too much, too fast.", ["too much", "too fast"],
     "It is <mark>too much</mark>, <mark>too fast</mark>."),
    # the lexicon writes the base form; the text inflects it
    ("Losing them now would set networks back.", ["lose"],
     "<mark>Losing</mark> them now would set networks back."),
    ("GPs welcomed the plan.", ["welcome"], "GPs <mark>welcomed</mark> the plan."),
    ("We did not sign up to this.", ["sign up"], "We did not <mark>sign up</mark> to this."),
    # a short cue word matches itself only, not the start of a longer word
    ("The cut cuts nothing.", ["cut"], "The <mark>cut</mark> cuts nothing."),
    # overlapping cues make one mark
    ("far too much work", ["too much", "much work"], "far <mark>too much work</mark>"),
    # a cue not in the sentence marks nothing; markup in the text stays text
    ("Networks are <b>drowning</b>", ["unfunded"], "Networks are &lt;b&gt;drowning&lt;/b&gt;"),
    ("<i>unsafe</i> & unfunded", ["unsafe"],
     "&lt;i&gt;<mark>unsafe</mark>&lt;/i&gt; &amp; unfunded"),
])
def test_mark_cues(text, cues, html):
    assert str(mark_cues(text, cues)) == html


def test_distinct_sentences_keep_the_first_of_each():
    got = distinct_sentences(["A b.", "a  B.", "C.", " A b. "], leave_out=["C."])
    assert got == ["A b."]


def test_evidence_html_of_a_quote_leaves_out_the_quote_itself():
    assert "the quote itself" in evidence_html('["We object."]', '["object"]', quote="We object.")
    assert "none" in evidence_html("[]", "[]")
    html = evidence_html('["One.", "one.", "Two, too much."]', '["too much"]')
    assert html.count("<li>") == 2 and "<mark>too much</mark>" in html
