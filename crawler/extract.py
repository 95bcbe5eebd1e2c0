"""Turning one HTML page into one article: body text, title, date, author, language, URL.

The body is trafilatura's, read twice: first favouring precision, which keeps little that
is not the article, then favouring recall as a second opinion, which completes paragraphs
the first reading cut short at a link and stands in when the first is thin. trafilatura's
body is rendered as plain lines (list items and table rows without Markdown marks), and
lines that are boilerplate by the patterns of `crawler/data/rules.toml` (rating widgets,
comment and newsletter prompts, related-post tails) or by a source's own hints are dropped.
Metadata that the site states (JSON-LD, Open Graph, rel=canonical, <html lang>) wins over
guesses (htmldate's search of the page, trafilatura's heuristics).

A short body is still returned, marked `short`: whether it is worth storing is the crawl's
decision. Measured on the development half of a public extraction benchmark by
`bench/bench_extract.py`.
"""

import copy
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

import htmldate
import lxml.etree
import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector
from w3lib.encoding import html_to_unicode

from crawler.errors import ExtractionFailed
from crawler.rules import compile_lines, load_rules

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                  "analysisnewsarticle", "opinionnewsarticle", "webpage", "report",
                  "pressrelease"}
_DATE_META = ("article:published_time", "og:published_time", "datepublished",
              "date", "dc.date", "dc.date.issued", "dcterms.created", "pubdate",
              "publish-date", "sailthru.date", "parsely-pub-date")
# Only a pipe separates a site name reliably; dashes are common inside headlines.
_TITLE_SUFFIX = re.compile(r"\s+\|\s+[^|]{2,60}$")
_BYLINE = re.compile(r"^(?:by|written by)\s+", re.IGNORECASE)
_EARLIEST = date(1995, 1, 1)


@dataclass(frozen=True)
class ExtractOptions:
    """How to extract: the shipped rules plus a source's hints (one frozen object).

    `min_text_chars` does not reject anything here: a body shorter than it is returned and
    marked `short`, and the crawl decides what to do with it.
    """

    min_text_chars: int = 250
    drop_css: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()


DEFAULT_OPTIONS = ExtractOptions()
# The first opinion favours precision; a body it returns shorter than this share of what
# trafilatura's recall mode finds is thin (it kept one block of several, or nothing), and
# the recall mode's body is taken instead. Measured on the development half of the
# extraction benchmark (bench/bench_extract.py): up to 0.5 no page there is thin once cut
# paragraphs are completed; at 0.6 the recall body already replaces a good one with photo
# captions and gallery furniture around it.
THIN_SHARE = 0.5
# A paragraph of at least this many words that ends without closing punctuation may have
# been cut short by the precision mode.
_CUT_WORDS = 4
_CLOSED = re.compile(r"[.!?:;…\"”’')\]]\s*$")
# trafilatura's body elements that start a line of text of their own.
_BLOCKS = frozenset({"body", "div", "p", "head", "list", "item", "table", "row", "quote",
                     "code", "graphic", "section"})


def extract_page(html: str | bytes, url: str | None = None, *,
                 options: ExtractOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The article in `html`: url, title, text, published, author, lang (contract section 1),
    and `short`, true when the body has fewer than `options.min_text_chars` characters.

    Raises ExtractionFailed when the page holds no article text at all.
    """
    text_html = _decode(html)
    if not text_html.strip():
        raise ExtractionFailed("the page is empty", url)
    if _is_binary(text_html):
        raise ExtractionFailed("the page is binary data, not text", url)
    try:
        tree = lxml.html.document_fromstring(text_html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionFailed(f"the page is not HTML ({exc})", url) from exc
    meta = _metadata(tree, url)
    first = _trafilatura(tree, url, options, favor_precision=True)
    found_title = _clean_title(first.title if first is not None else None)
    title = meta["title"] or found_title or _html_title(tree)
    chosen = _paragraphs(_lines(first), title, options)
    # The second opinion: trafilatura's recall mode on the same page.
    more = _paragraphs(_lines(_trafilatura(tree, url, options, favor_recall=True)), title,
                       options)
    thin = sum(map(len, chosen)) < THIN_SHARE * sum(map(len, more))
    text = "\n\n".join(more if thin else _complete(chosen, more))
    if not text:
        raise ExtractionFailed("no main text found", url)
    found_date = first.date if first is not None else None
    found_author = first.author if first is not None else None
    published = meta["published"] or _guess_date(text_html, url) or _iso(found_date)
    return {
        "url": meta["canonical"] or url,
        "title": title,
        "text": text,
        "published": published,
        "author": meta["author"] or _clean_author(found_author),
        "lang": meta["lang"] or _guess_lang(text),
        "short": len(text) < options.min_text_chars,
    }


def find_canonical(html: str | bytes, url: str | None = None) -> str | None:
    """The absolute rel=canonical (or og:url) URL the page declares, if any."""
    try:
        tree = lxml.html.document_fromstring(_decode(html))
    except (lxml.etree.ParserError, ValueError):
        return None
    return _canonical(tree, url)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page as text: the charset the header, BOM or <meta> declares; else UTF-8 if it
    decodes, else Windows-1252, the web's usual undeclared encoding (statistical
    guessers take short English pages for Central European ones)."""
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    return text


# Binary data (an image, a PDF, random bytes) decodes to text full of control characters,
# undefined code points and replacement marks; an HTML page in any encoding has almost
# none. Without this, trafilatura sometimes "extracts" a line of the noise. The share is
# taken over the start of the page, where `file` and git also look for binary data. None
# of the 91 pages of the extraction benchmark has a single such character there. Written
# here because it is one count; the libraries that guess binary files work on files.
_BINARY_SHARE = 0.05
_BINARY_PREFIX = 8000


def _is_binary(text: str) -> bool:
    head = text[:_BINARY_PREFIX]
    odd = sum(1 for ch in head
              if ch == "\ufffd" or (ch not in "\t\n\r\f\v"
                                    and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")))
    return odd > _BINARY_SHARE * len(head)


def _decode(html: str | bytes) -> str:
    return html if isinstance(html, str) else decode_html(html)


def _detect(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _metadata(tree: lxml.html.HtmlElement, url: str | None) -> dict[str, Any]:
    ld = _json_ld(tree)
    og = {(m.get("property") or m.get("name") or m.get("itemprop") or "").lower():
          (m.get("content") or "").strip()
          for m in tree.iter("meta") if m.get("content")}
    title = _text(ld.get("headline")) or og.get("og:title") or _h1(tree)
    published = _iso(ld.get("datePublished")) or next(
        (d for d in (_iso(og.get(k)) for k in _DATE_META) if d), None)
    if published is None:
        for node in tree.iter("time"):
            if node.get("itemprop") == "datePublished" or "published" in (
                    node.get("class") or ""):
                published = _iso(node.get("datetime"))
                if published:
                    break
    author = _ld_author(ld.get("author"))
    if not author:
        for key in ("author", "article:author", "parsely-author", "dc.creator"):
            value = og.get(key, "")
            if value and not value.startswith("http"):
                author = _clean_author(value)
                break
    lang = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
            or og.get("content-language") or _http_equiv_lang(tree) or og.get("og:locale")
            or _text(ld.get("inLanguage")))
    return {"title": _clean_title(title), "published": published, "author": author,
            "lang": _norm_lang(lang), "canonical": _canonical(tree, url)}


def _json_ld(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object that describes an article (or page), else {}."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
                return obj
    return {}


def _ld_objects(data: Any) -> list[dict]:
    if isinstance(data, list):
        return [o for d in data for o in _ld_objects(d)]
    if isinstance(data, dict):
        return [data, *_ld_objects(data.get("@graph", []))]
    return []


def _ld_author(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_ld_author(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return _clean_author(_text(value.get("name")))
    return _clean_author(_text(value))


def _canonical(tree: lxml.html.HtmlElement, url: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return urljoin(url or "", link.get("href").strip())
    for m in tree.iter("meta"):
        if (m.get("property") or "").lower() == "og:url" and m.get("content"):
            return urljoin(url or "", m.get("content").strip())
    return None


def _http_equiv_lang(tree: lxml.html.HtmlElement) -> str | None:
    for m in tree.iter("meta"):
        if (m.get("http-equiv") or "").lower() == "content-language":
            return m.get("content")
    return None


def _html_title(tree: lxml.html.HtmlElement) -> str | None:
    node = tree.find(".//title")
    return _clean_title(node.text_content()) if node is not None else None


def _h1(tree: lxml.html.HtmlElement) -> str | None:
    heads = tree.xpath("//article//h1") or tree.xpath("//h1")
    return heads[0].text_content().strip() if heads else None


def _trafilatura(tree: lxml.html.HtmlElement, url: str | None, options: ExtractOptions,
                 **mode: bool) -> Any:
    """trafilatura's reading of the page in one mode (its defaults otherwise), or None."""
    prune = [CSSSelector(sel).path for sel in options.drop_css] or None
    try:
        return trafilatura.bare_extraction(
            copy.deepcopy(tree), url=url, with_metadata=True, include_comments=False,
            include_tables=True, include_images=False, include_links=False,
            deduplicate=False, prune_xpath=prune, **mode)
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:
        log.info("url=%s trafilatura failed: %s", url, exc)
        return None


def _lines(doc: Any) -> list[str]:
    """The lines of text of trafilatura's body: one per paragraph, heading, list item or
    table row (its cells separated by spaces), without the list and table markup of
    trafilatura's text output, which is not article text. Hand-written because trafilatura
    renders its body only as Markdown-like text, CSV, JSON or XML."""
    body = getattr(doc, "body", None)
    if body is None:
        return []
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = " ".join("".join(buf).split())
        if line:
            lines.append(line)
        buf.clear()

    def walk(el: Any) -> None:
        block = el.tag in _BLOCKS
        if block or el.tag == "lb":
            flush()
        if el.tag == "cell":
            buf.append(" ")
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            buf.append(el.tail)

    walk(body)
    flush()
    return lines


def _complete(paragraphs: list[str], fuller: list[str]) -> list[str]:
    """Each paragraph, or the longer line of `fuller` that it begins when it looks cut short
    (several words, no closing punctuation): the precision mode drops the rest of a
    paragraph after an inline element it distrusts, though it chose the paragraph.
    Lines are matched in order, so a repeated opening finds its own paragraph, and a line
    the paragraphs already hold is not taken twice (a heading that opens a paragraph)."""
    out, at, have = [], 0, set(paragraphs)
    for para in paragraphs:
        match = None
        if len(para.split()) >= _CUT_WORDS and not _CLOSED.search(para):
            match = next((i for i in range(at, len(fuller))
                          if len(fuller[i]) > len(para) and fuller[i].startswith(para)
                          and fuller[i] not in have), None)
        if match is None:
            out.append(para)
            continue
        out.append(fuller[match])
        at = match + 1
    return out


def _paragraphs(lines: list[str], title: str | None, options: ExtractOptions) -> list[str]:
    rules = load_rules()
    extra = compile_lines(options.drop_lines)
    out: list[str] = []
    total, seen = sum(map(len, lines)), 0
    for line in lines:
        if seen >= total / 2 and rules.is_tail_marker(line):
            break
        seen += len(line)
        if title and line == title:
            continue
        if rules.is_boilerplate_line(line) or any(p.fullmatch(line) for p in extra):
            continue
        out.append(line)
    return out


def _guess_date(html: str, url: str | None) -> str | None:
    try:
        found = htmldate.find_date(html, url=url, original_date=True, extensive_search=True,
                                   min_date=_EARLIEST.isoformat())
    except (ValueError, TypeError):
        return None
    return _iso(found)


def _iso(value: Any) -> str | None:
    """YYYY-MM-DD from an ISO date or datetime string, if plausible."""
    value = _text(value)
    if not value:
        return None
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        return None
    if not _EARLIEST <= day <= datetime.now().date():
        return None
    return day.isoformat()


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    # Replacement and control characters are what is left of a title in a broken page.
    title = re.sub(r"[\ufffd\x00-\x1f\x7f]", " ", title)
    title = re.sub(r"\s+", " ", title).strip()
    if not re.search(r"\w", title):
        return None
    return _TITLE_SUFFIX.sub("", title) if _TITLE_SUFFIX.search(title) else title


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = _BYLINE.sub("", re.sub(r"\s+", " ", author).strip())
    return author or None


def _norm_lang(lang: str | None) -> str | None:
    if not lang:
        return None
    return lang.strip().replace("_", "-").split("-")[0].lower() or None


def _guess_lang(text: str) -> str | None:
    # Only English matters to pcnwatch; a page that does not say is English if it reads so.
    words = re.findall(r"[a-z]+", text.lower())
    if not words:
        return None
    stop = load_rules().stopwords
    share = sum(w in stop for w in words) / len(words)
    return "en" if share > 0.25 else None
