"""Canonical URLs and near-duplicate signatures."""

import pytest

from crawler.dedup import canonical_url, minhash_signature, same_site, shingles
from store.stories import STORY_THRESHOLD, similarity


@pytest.mark.parametrize("url, want", [
    # campaign trackers go, the fragment goes
    ("https://news.example.org/a/?utm_source=tw&utm_medium=social#comments",
     "https://news.example.org/a/"),
    # parameters that choose content stay, sorted
    ("https://news.example.org/search?q=pcn&page=2&fbclid=abc",
     "https://news.example.org/search?page=2&q=pcn"),
    # host case and the default port do not make another page
    ("HTTPS://News.Example.ORG:443/a/", "https://news.example.org/a/"),
    # Mailchimp and Google click ids
    ("http://127.0.0.1:8000/x/?mc_cid=1&mc_eid=2&gclid=3", "http://127.0.0.1:8000/x/"),
    # an empty path is the root
    ("https://news.example.org", "https://news.example.org/"),
])
def test_canonical_url_strips_tracking_and_fragment(url, want):
    assert canonical_url(url) == want
    assert canonical_url(want) == want  # idempotent


@pytest.mark.parametrize("url, domains, want", [
    ("https://www.example.org/a", ["www.example.org"], True),
    ("https://cdn.example.org/a", ["example.org"], True),       # subdomain
    ("https://example.org.evil.net/a", ["example.org"], False),  # look-alike
    ("http://127.0.0.1:9000/a", ["127.0.0.1"], True),            # port does not matter
])
def test_same_site(url, domains, want):
    assert same_site(url, domains) is want


ORIGINAL = """NHS England has cut the number of service specifications that primary care
networks must deliver in the coming year from five to three, after GP leaders said the
drafts were undeliverable. Dr Ana Reyes, chair of the GP committee, said: "This is a
welcome step back from a set of demands that would have driven practices out of networks."
Funding for additional roles will rise to cover the full cost of pharmacists and link
workers, and the anticipatory care and personalised care specifications are delayed."""

REWRITE = """Networks will now have three service specifications to deliver rather than five,
after NHS England scaled back its plans following protests from GP leaders that the drafts
could not be delivered. The anticipatory care and personalised care specifications are
delayed, and additional roles funding will cover the full cost of pharmacists and link
workers. "This is a welcome step back from a set of demands that would have driven
practices out of networks," said Dr Ana Reyes, who chairs the GP committee."""

OTHER = """The Royal College of GPs has warned that practices face the busiest winter on
record, with flu vaccination clinics starting late because of supply delays. Its chair
said GPs were already seeing more patients each day than safe working guidance advises,
and called for a national campaign urging people to use pharmacies for minor illness."""


def test_minhash_rewritten_copy_is_near_unrelated_story_is_not():
    a, b, c = (minhash_signature(t) for t in (ORIGINAL, REWRITE, OTHER))
    assert similarity(a, b) >= STORY_THRESHOLD
    assert similarity(a, c) < STORY_THRESHOLD / 2


def test_minhash_signature_is_stable_and_json_safe():
    sig = minhash_signature(ORIGINAL)
    assert sig == minhash_signature(ORIGINAL)  # a fixed seed: same text, same signature
    assert len(sig) == 128 and all(type(v) is int for v in sig)
    assert minhash_signature(ORIGINAL, seed=2) != sig
    assert len(minhash_signature(ORIGINAL, num_perm=64)) == 64


def test_shingles_leave_out_stopwords_and_case():
    assert shingles("The GP and the Network") == {"gp", "network"}
    assert shingles("primary care networks deliver", words=2) == {
        "primary care", "care networks", "networks deliver"}
