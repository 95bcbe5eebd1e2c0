"""``pcnwatch_lines``: a line break ends a sentence, before the parser draws its own.

Pages come as lines: headings, menu items, bylines, captions and paragraphs. The parser
reads on across a break ("In conversation with Ann Cole\\nAnn Cole is director of …" as one
sentence), which hangs names and verbs on the wrong clause. A break is kept inside a
sentence only where the text plainly runs on: the line before does not end a sentence and
the next line starts in lower case (a wrapped line of one paragraph).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

VERSION = "pcnwatch.lines.v1"
_ENDS = frozenset(".!?:;\"'\u201d\u2019)]")


@Language.component("pcnwatch_lines", assigns=["token.is_sent_start"])
def mark_line_starts(doc: Doc) -> Doc:
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
        if nxt.text[:1].islower() and last.text[-1:] not in _ENDS:
            continue  # a wrapped line: the sentence runs on
        nxt.is_sent_start = True
        # The parser, given a start, sometimes draws another right after it ("NHS" |
        # "England said …"); the second word of a line never starts a sentence.
        after = doc[nxt.i + 1] if nxt.i + 1 < len(doc) else None
        if after is not None and not after.is_space and after.is_sent_start is None:
            after.is_sent_start = False
    return doc
