"""Relevance: items about primary care pass, others are dropped with a reason."""

import pytest

from crawler.relevance import score_relevance

THRESHOLD = 1.0  # PCNWATCH_RELEVANCE_THRESHOLD's default

ON_TOPIC = [
    # network policy
    ("Networks told to recruit more staff",
     "Primary care networks must recruit the additional roles promised in the network "
     "contract, NHS England said, as clinical directors warned of a shortage of applicants."),
    # a practice-level story without the word network
    ("Surgery to close its doors",
     "A GP practice serving 6,000 patients will close next month after its two partners "
     "retired. The practice manager said patients would be moved to a neighbouring surgery."),
    # a professional body on workload
    ("College warns on workload",
     "The RCGP said GPs were working unsafe hours and that general practice needed more "
     "funding before winter."),
]

OFF_TOPIC = [
    # hospital car parking
    ("Hospital staff protest over parking",
     "Nurses and porters at the city hospital have signed a petition against higher car "
     "parking charges, which the trust says will fund repairs to the multi-storey."),
    # a council budget story
    ("Council approves budget",
     "The county council approved its budget last night, with rises in fees for bins and "
     "libraries and a freeze on road repairs."),
    # an acute trust's waiting list with one passing mention of patients
    ("Trust waiting list grows",
     "The waiting list for planned operations at the trust rose again in March, with "
     "orthopaedic patients waiting longest, according to figures published on Thursday."),
]


@pytest.mark.parametrize("title, text", ON_TOPIC)
def test_relevance_keeps_primary_care(title, text):
    got = score_relevance(title, text)
    assert got.score >= THRESHOLD, got
    assert "primary-care terms" in got.reason


@pytest.mark.parametrize("title, text", OFF_TOPIC)
def test_relevance_drops_the_rest_with_a_reason(title, text):
    got = score_relevance(title, text)
    assert got.score < THRESHOLD, got
    assert got.reason


def test_relevance_long_text_with_one_passing_mention_is_off_topic():
    text = ("The new hospital wing opened with 120 beds and a rooftop garden. " * 20
            + "Local GPs were invited to the opening.")
    assert score_relevance("New hospital wing opens", text).score < THRESHOLD
