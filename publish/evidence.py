"""Evidence a researcher can check: each distinct sentence, its cue phrases marked.

The stance analysis stores, for a quote or a body's stance, the sentences that
show it (`evidence`) and the cue phrases of its lexicon that decided it
(`cues`, such as "sign up" or "too much"). Neither carries offsets, and cues
are written as the lexicon writes them ("lose" decides on "Losing them now"),
so marking them is a small matcher of our own: each cue word matches the same
word in the sentence, or (from four letters on) the word with an ending added
("lose" finds "losing", "welcome" finds "welcomed"); the words of a cue must
follow one another. No library marks lexicon phrases in stored text, and the
few rules here are all it takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

_WORD = re.compile(r"\w+", re.UNICODE)
_ENDING = r"\w{0,4}"
_BETWEEN = r"[\W_]+"


def as_list(value: Any) -> list[str]:
    """A stored JSON list (or a list already) as a list of strings; anything else empty."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if v is not None]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def distinct_sentences(sentences: Iterable[str], *, leave_out: Iterable[str] = ()) -> list[str]:
    """The sentences once each (spacing and case aside), without those in `leave_out`."""
    seen = {_key(s) for s in leave_out}
    out = []
    for sentence in sentences:
        key = _key(sentence)
        if key and key not in seen:
            seen.add(key)
            out.append(sentence)
    return out


def _cue_pattern(cue: str) -> re.Pattern | None:
    words = _WORD.findall(cue)
    if not words:
        return None
    parts = []
    for word in words:
        if len(word) < 4:
            parts.append(re.escape(word) + r"\b")
        else:
            # "lose" -> "los" + ending finds "losing"; "welcome" finds "welcomed".
            stem = word[:-1] if word.endswith("e") else word
            parts.append(re.escape(stem) + _ENDING + r"\b")
    return re.compile(r"\b" + _BETWEEN.join(parts), re.IGNORECASE)


def cue_spans(text: str, cues: Sequence[str]) -> list[tuple[int, int]]:
    """Where the cue phrases occur in `text`: sorted, overlapping spans merged."""
    spans = []
    for cue in cues:
        pattern = _cue_pattern(cue)
        if pattern is not None:
            spans += [m.span() for m in pattern.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark_cues(text: str, cues: Sequence[str]) -> Markup:
    """`text` as escaped HTML with each cue phrase in it wrapped in `<mark>`."""
    out, at = [], 0
    for start, end in cue_spans(text, cues):
        out.append(escape(text[at:start]))
        out.append(Markup("<mark>{}</mark>").format(text[start:end]))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def evidence_html(evidence: Any, cues: Any, *, quote: str | None = None) -> Markup:
    """A list of the distinct evidence sentences, cues marked; for a quote, without itself."""
    cue_list = as_list(cues)
    sentences = distinct_sentences(as_list(evidence), leave_out=[quote] if quote else [])
    if not sentences:
        if quote and as_list(evidence):
            return Markup('<span class="pcnwatch-note">the quote itself (cues marked '
                          "there)</span>")
        return Markup('<span class="pcnwatch-note">none</span>')
    items = Markup("").join(Markup("<li>{}</li>").format(mark_cues(s, cue_list))
                            for s in sentences)
    return Markup('<ol class="pcnwatch-evidence">{}</ol>').format(items)
