"""Extraction of one page: body, title, date, author, language, canonical URL.

Every page here is written for the test: metadata in the places real sites put
it, and the conflicts a crawler meets (a visible date that is not the
publication date, a title with the site's name glued on).
"""

import json
import random

import pytest

from crawler.errors import CrawlError, ExtractionFailed
from crawler.extract import ExtractOptions, decode_html, extract_page, find_canonical

BODY = [
    "Practices in the east of the county have been told they must join a primary care "
    "network by the end of the month or lose the funding attached to the network contract.",
    "The integrated care board said the deadline had been set nationally and it had no "
    "power to extend it, although it would help practices that had not yet found partners.",
    "“We understand that some practices feel rushed, but the money cannot wait,” said a "
    "spokesperson for the board. “Patients will benefit from the extra staff networks can "
    "employ, and nobody should miss out because of paperwork.”",
    "The local medical committee said it would hold an extraordinary meeting next week.",
]


def page(*, head="", title="Practices given deadline to join networks", body=BODY,
         before="", after="", inside="", html_attrs='lang="en-GB"'):
    paras = "\n".join(f"<p>{p}</p>" for p in body)
    return f"""<!DOCTYPE html><html {html_attrs}><head><meta charset="utf-8">
<title>{title} | County Health News</title>{head}</head>
<body><header><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>
<main><article><h1>{title}</h1>{before}
<div class="article-body">{paras}{inside}</div>{after}</article></main>
<footer><p>County Health News, 1 High Street</p></footer></body></html>"""


def ld(**fields):
    return ('<script type="application/ld+json">'
            + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", **fields})
            + "</script>")


def test_extract_body_is_the_paragraphs_separated_by_blank_lines():
    got = extract_page(page(), "https://news.example.org/a/")
    assert got["text"] == "\n\n".join(BODY)
    assert got["title"] == "Practices given deadline to join networks"
    assert got["lang"] == "en"
    assert set(got) == {"url", "title", "text", "published", "author", "lang", "short"}
    assert got["short"] is False


@pytest.mark.parametrize("head, before, want", [
    # JSON-LD datePublished wins over a later date printed on the page
    (ld(datePublished="2021-03-04T09:00:00Z"), "<p class='updated'>Updated 9 June 2022</p>",
     "2021-03-04"),
    # JSON-LD inside an @graph
    ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": '
     '"NewsArticle", "datePublished": "2020-11-02"}]}</script>', "", "2020-11-02"),
    # Open Graph article:published_time when there is no JSON-LD
    ('<meta property="article:published_time" content="2019-12-24T17:45:00+00:00">', "",
     "2019-12-24"),
    # a <time> element marked as the publication date
    ("", '<time class="entry-date published" datetime="2022-10-03">3 Oct</time>',
     "2022-10-03"),
    # nothing declared: htmldate finds the date in the text of the page
    ("", "<p class='dateline'>Published 14 May 2019</p>", "2019-05-14"),
    # a date in the future is not a publication date
    (ld(datePublished="2999-01-01"), "", None),
])
def test_extract_published_date_prefers_declared_metadata(head, before, want):
    assert extract_page(page(head=head, before=before))["published"] == want


@pytest.mark.parametrize("head, before, want", [
    # JSON-LD author object
    (ld(author={"@type": "Person", "name": "Mina Hale"}), "", "Mina Hale"),
    # JSON-LD list of authors
    (ld(author=[{"name": "Mina Hale"}, {"name": "Joe Park"}]), "", "Mina Hale, Joe Park"),
    # meta author, with a "By" to strip
    ('<meta name="author" content="By Joe Park">', "", "Joe Park"),
    # article:author that is a profile URL is not a name
    ('<meta property="article:author" content="https://facebook.com/joe">', "", None),
])
def test_extract_author(head, before, want):
    assert extract_page(page(head=head, before=before))["author"] == want


@pytest.mark.parametrize("head, want", [
    # rel=canonical, made absolute against the page URL
    ('<link rel="canonical" href="/news/deadline/">', "https://news.example.org/news/deadline/"),
    # og:url when there is no rel=canonical
    ('<meta property="og:url" content="https://news.example.org/og/">',
     "https://news.example.org/og/"),
    # neither: the URL we were given
    ("", "https://news.example.org/a/?utm_source=x"),
])
def test_extract_url_is_canonical_when_declared(head, want):
    got = extract_page(page(head=head), "https://news.example.org/a/?utm_source=x")
    assert got["url"] == want
    assert find_canonical(page(head=head), "https://news.example.org/a/?utm_source=x") == (
        want if head else None)


@pytest.mark.parametrize("html_attrs, want", [
    ('lang="en-GB"', "en"),       # the page says
    ('lang="cy"', "cy"),          # a Welsh page says so
    ("", "en"),                   # it does not say, and the text reads as English
])
def test_extract_language(html_attrs, want):
    assert extract_page(page(html_attrs=html_attrs))["lang"] == want


def test_extract_title_prefers_headline_and_strips_site_name():
    got = extract_page(page(head=ld(headline="Deadline set – practices must join by May")))
    assert got["title"] == "Deadline set – practices must join by May"
    # Without JSON-LD or og:title the <h1> is used, never "<title> | Site".
    assert extract_page(page())["title"] == "Practices given deadline to join networks"


@pytest.mark.parametrize("after", [
    # a share bar and a newsletter box with telling classes
    '<div class="share-buttons"><p>Share this article on Twitter</p></div>'
    '<div class="newsletter"><p>Sign up to our weekly bulletin for practice managers</p></div>',
    # an author box and related stories marked only by their words
    "<div><p>View all posts by County Desk</p></div><div><p>Related stories</p>"
    "<p>Board approves new surgery plans</p><p>June 3, 2024</p></div>",
    # comment prompts
    "<div><p>No comments yet.</p><p>Leave a Reply</p></div>",
    # a ratings widget in plain markup
    "<div><p>Rating</p><p>[Total: 3 Average: 4.3/5]</p></div>",
])
def test_extract_drops_boilerplate_after_the_article(after):
    assert extract_page(page(after=after))["text"] == "\n\n".join(BODY)


def test_extract_tail_marker_above_the_article_does_not_cut_it():
    # A rating widget above the story is dropped alone, not with everything after it.
    got = extract_page(page(before="<div><p>Rating</p></div>"))
    assert got["text"] == "\n\n".join(BODY)


def test_extract_source_hints_drop_more():
    extra = '<p class="sponsor">This briefing is brought to you by Acme Pharma Ltd.</p>'
    plain = extract_page(page(inside=extra))
    assert "Acme Pharma" in plain["text"]
    hinted = extract_page(page(inside=extra), options=ExtractOptions(drop_css=(".sponsor",)))
    assert hinted["text"] == "\n\n".join(BODY)
    by_line = extract_page(page(inside=extra),
                           options=ExtractOptions(drop_lines=(r"This briefing is brought .*",)))
    assert by_line["text"] == "\n\n".join(BODY)


def test_extract_bytes_without_charset_are_windows_1252():
    html = page(body=["A £2m fund for networks was called “too little, too late” by GPs, "
                      "who said practices in the county needed far more support than that "
                      "to recruit the pharmacists and physiotherapists the contract promised.",
                      "The integrated care board said the fund was a first step and that it "
                      "would look again at the sums once the year's accounts were closed."])
    raw = html.replace('<meta charset="utf-8">', "").encode("cp1252")
    got = extract_page(raw)
    assert "A £2m fund" in got["text"] and "“too little, too late”" in got["text"]
    assert decode_html(raw) == html.replace('<meta charset="utf-8">', "")
    # A declared charset is honoured.
    assert decode_html("Café".encode("latin-1"), "text/html; charset=iso-8859-1") == "Café"


@pytest.mark.parametrize("html, reason", [
    ("", "empty"),                                                   # nothing at all
    ("   \n ", "empty"),                                             # only whitespace
    ("<html><head><title>Notice</title></head><body></body></html>",  # a page with no text
     "no main text"),
])
def test_extract_failure_says_why(html, reason):
    with pytest.raises(ExtractionFailed, match=reason) as info:
        extract_page(html, "https://news.example.org/x/")
    assert isinstance(info.value, CrawlError)
    assert "https://news.example.org/x/" in str(info.value)


@pytest.mark.parametrize("data", [
    random.Random(7).randbytes(4000),                        # noise trafilatura read as text
    b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(3000),  # an image saved as .html
    b"\xff\xfe" + random.Random(2).randbytes(3000),         # noise behind a UTF-16 mark
])
def test_binary_data_is_not_an_article(data):
    with pytest.raises(ExtractionFailed, match="binary data"):
        extract_page(data, "https://news.example.org/x/")


def test_a_stray_control_character_does_not_make_a_page_binary():
    got = extract_page(page().replace("</h1>", "</h1>\x00\x1b"))
    assert got["text"].startswith(BODY[0])


def test_extract_returns_a_short_article_and_says_it_is_short():
    # Whether a short article is worth storing is the crawl's decision, not extraction's.
    got = extract_page(page(body=BODY[:1]), "https://news.example.org/a/")
    assert got["text"] == BODY[0] and got["short"] is True
    assert got["title"] == "Practices given deadline to join networks"
    longer = extract_page(page(body=BODY[:1]), options=ExtractOptions(min_text_chars=100))
    assert longer["short"] is False


@pytest.mark.parametrize("html", [
    b"<html><head><title>\x00</title><body><div class=<<<>>><p><p>\xff\xfe",
    "<html><body><p>Short note.</p></body></html>",
])
def test_extract_broken_or_bare_page_has_no_title(html):
    # Replacement and control characters are no title; the crawl calls such a page no article.
    assert extract_page(html)["title"] is None


@pytest.mark.parametrize("table, want", [
    # list items are lines of their own, without list marks
    ("<ul><li>Networks must register by 15 May.</li><li>Practices must sign the DES.</li>"
     "</ul>", ["Networks must register by 15 May.", "Practices must sign the DES."]),
    # a table row is its cells, separated by spaces, without table marks
    ("<table><tr><td>Network</td><td>Practices</td></tr><tr><td>Riverside</td><td>6</td>"
     "</tr></table>", ["Network Practices", "Riverside 6"]),
])
def test_extract_lists_and_tables_are_plain_lines(table, want):
    got = extract_page(page(inside=table))["text"].split("\n\n")
    assert got[:len(BODY)] == BODY and got[len(BODY):] == want
