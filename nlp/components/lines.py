"""``pcnwatch_lines``: a line break ends a sentence, before the parser draws its own.

Pages come as lines: headings, menu items, bylines, captions and paragraphs. The parser
reads on across a break ("In conversation with Ann Cole\\nAnn Cole is director of …" as one
sentence), which hangs names and verbs on the wrong clause. A break is kept inside a
sentence only where the text plainly runs on: the line before does not end a sentence and
the next line starts in lower case, or a long line is cut by a single break before a word
that is not capitalised ("… as falling\n“well short …"): a wrapped line of one paragraph.
A headline, standfirst or caption has no full stop either, and the line after it starts
with a capital; a blank line ends a paragraph, so only a lower-case start runs on across it
(a sentence cut by page furniture).

A page may open with its date on the same line as its first sentence (" date 2020-01-15
Ministers promised …", as excerpts of crawled pages come): the date ends there too, or it
becomes part of the first sentence's subject.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Token

VERSION = "pcnwatch.lines.v1"
_ENDS = frozenset(".!?:;\"'\u201d\u2019)]")
_WRAPPED_WORDS = 10
_DATE_PREFIX = re.compile(r"\s*date \d{4}-\d{2}-\d{2}[ \t]+(?=\S)")


@Language.component("pcnwatch_lines", assigns=["token.is_sent_start"])
def mark_line_starts(doc: Doc) -> Doc:
    prefix = _DATE_PREFIX.match(doc.text)
    if prefix:
        first = doc.char_span(prefix.end(), prefix.end() + 1, alignment_mode="expand")
        if first is not None and first.start > 0:
            _start_sentence(doc, doc[first.start])
    for tok in doc[:-1]:
        if "\n" not in tok.text_with_ws:
            continue
        nxt = doc[tok.i + 1]
        while nxt.is_space and nxt.i + 1 < len(doc):
            nxt = doc[nxt.i + 1]
        if nxt.is_space:
            break
        last = tok
        while last.is_space and last.i > 0:
            last = doc[last.i - 1]
        if last.text[-1:] not in _ENDS and (
                nxt.text[:1].islower()
                or (not nxt.text[:1].isupper() and not _blank_line_between(doc, last, nxt)
                    and _long_line(doc, last))):
            continue  # a wrapped line: the sentence runs on ("… summed it up as falling\n“well")
        _start_sentence(doc, nxt)
    return doc


def _start_sentence(doc: Doc, tok: Token) -> None:
    tok.is_sent_start = True
    # The parser, given a start, sometimes draws another right after it ("NHS" |
    # "England said …"); the second word of a line never starts a sentence.
    after = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    if after is not None and not after.is_space and after.is_sent_start is None:
        after.is_sent_start = False


def _blank_line_between(doc: Doc, last: Token, nxt: Token) -> bool:
    # Line breaks are space tokens of their own; a word's trailing whitespace holds none.
    return sum(t.text.count("\n") for t in doc[last.i + 1:nxt.i]) >= 2


def _long_line(doc: Doc, last: Token) -> bool:
    """A line of many words that ends without a sentence's end is a sentence cut by a line
    break, not a heading or a menu item (those are short)."""
    words = 0
    for tok in reversed(doc[:last.i + 1]):
        if "\n" in tok.text_with_ws and tok.i != last.i:
            break
        words += not (tok.is_space or tok.is_punct)
        if words >= _WRAPPED_WORDS:
            return True
    return False
