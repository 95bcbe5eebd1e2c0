"""``pcnwatch_quotes``: direct quotations with speaker and body, scare quotes and reported speech.

Quotations are found by scanning the characters of the text, paragraph by paragraph
(a paragraph is a non-empty line): curly and straight, double and single marks, with
apostrophes inside words left alone. A quotation that is still open at the end of a
paragraph goes on only when the next paragraph opens with a quote mark (the news
convention for a quote over several paragraphs); otherwise it ends with its paragraph,
so an unbalanced mark never swallows the article. Quotations shorter than
``min_quote_words`` are scare quotes ("overwhelm") and go to ``doc._.pcnwatch_scare_quotes``.

The speaker is read from the attribution around the quote: the subject of a speech
verb before it (``X said: "…"``, ``It said the plans "…"``) or after it (``"…," X said``,
``"…," said X``), ``according to X``, or the speaker of the quote just before when a
paragraph is only a quotation. Pronouns and short forms go to the person ("he",
"she") or body ("it", "the LMC") last in focus.

Sets ``doc._.pcnwatch_quotes``: ``{"text", "start", "end", "speaker", "actor_id",
"stance", "confidence", "evidence"}``; ``doc._.pcnwatch_reported``: ``{"actor_id",
"speaker", "text", "start", "end", "verb"}`` for sentences outside quotes whose subject
(a body, a person or a pronoun for one) has a speech or position verb.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..registry import Registry
from ._data import (
    make_data_file_reader,
    pipeline_registry,
    read_component_data,
    write_component_data,
)
from ._syntax import lemma_in, misparsed_main_verb, name_root, reported_within

VERSION = "pcnwatch.quotes.v1"
_SUBJECT_DEPS = ("nsubj", "nsubjpass")
# The "Q" or "A" opening a line of a question-and-answer record ("Q Ellie Reeves (Lab)").
_QA_MARK = re.compile(r"[QA][:.]?\s+(?=[A-Z])")
# The mark of an answer in a question-and-answer interview, before its quotation.
_ANSWER_MARK = re.compile(r"\s*A\s*[:.\u2013\u2014-]\s*[\"'\u201c\u2018]?\s*$")
# Words opening a clause of time or cause: a speech verb under one reports that clause only.
_TIME_OR_CAUSE = frozenset({"after", "before", "until", "because", "when", "once", "since"})
_OPEN_DOUBLE = "\u201c\u201e"
_CLOSE_DOUBLE = "\u201d"
_LOST_MARK = "\ufffd"
_OPEN_SINGLE = "\u2018"
_CLOSE_SINGLE = "\u2019"
_BACK_TO_SPEAKER = frozenset({"him", "her", "them", "me", "us"})
# Verbs that name the writer of a document: "a letter penned by X".
_AUTHORING = frozenset({"pen", "sign", "write", "author", "send"})
# Verbs of belief: one reported by another speaker is that speaker's telling.
_BELIEFS = frozenset({"believe", "think", "feel", "consider"})
_SINGULAR_OPENERS = frozenset({"one", "a", "an", "another"})
# Words that open a condition or reason clause ("unless", "if"): a quotation inside one is
# the words of whoever sets the condition, not of the clause's subject.
_CONDITIONS = frozenset({"unless", "if", "until", "because", "although", "though", "while",
                         "whereas", "once", "when"})
# Words that open a new clause after a quotation, so what follows attributes something else.
_NEW_CLAUSE = frozenset({"while", "whereas", "but", "and", "although", "though", "because",
                         "whilst", "yet"})
# Endings of words in s that are no plurals ("disastrous", "process", "status", "analysis").
_SINGULAR_S = ("ous", "ss", "us", "is")
# Words after "GPs’ " that show the mark closed a quotation rather than made a possessive.
_NOT_OWNED = frozenset({"for", "to", "and", "or", "but", "in", "on", "at", "of", "with", "by",
                        "from", "as", "is", "are", "was", "were", "will", "would", "could",
                        "should", "has", "have", "had", "that", "which", "who", "than",
                        "because", "if", "when", "while", "unless", "so", "it", "they",
                        "he", "she", "we", "after", "before", "into", "over", "about"})
# Words that stand for "one/another of them" with the noun left out.
_ELLIPTIC = ("another", "one")
# Where a speaker's noun ends and what is said of it begins.
_NOUN_END = re.compile(r",| (?:in|at|from|of|for|with|who|which|that) ")
# Words that mark a plural noun as a group some of whom speak next ("some GPs", "many
# partners"), so "one" or "another" after it is one of them.
_GROUP_WORDS = frozenset({"some", "many", "several", "other", "most", "few", "two", "three",
                          "four", "both", "all"})
_POSSESSIVE = ("'s", "\u2019s", "'", "\u2019")
_PAIR_MARKS = _OPEN_DOUBLE + _CLOSE_DOUBLE + _OPEN_SINGLE + _CLOSE_SINGLE + "\"'"
# The end of a sentence inside an attribution fragment.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_FRAGMENT_START = re.compile(r"^[\s,;:\u2013\u2014-]+")

for _name in ("pcnwatch_quotes", "pcnwatch_reported", "pcnwatch_scare_quotes", "pcnwatch_home"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@dataclass
class Quotation:
    """Character offsets of one quotation: marks at ``open``/``close``, content between."""

    open: int
    start: int
    end: int
    close: int | None  # None when the quotation runs to the end of a paragraph unclosed
    paragraph_start: int
    multi: bool = False


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.rstrip()
        lead = len(line) - len(line.lstrip())
        if stripped.strip():
            spans.append((pos + lead, pos + len(stripped)))
        pos += len(line) + 1
    return spans


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def find_quotations(text: str, *, max_paragraphs: int = 8) -> list[Quotation]:
    """Every quotation in ``text``, in order, balanced or not; see the module docstring."""
    out: list[Quotation] = []
    paragraphs = _paragraphs(text)
    n = len(text)
    kind: str | None = None  # "double" or "single" while a quotation is open
    q_open = q_start = para_start = 0
    used = 0
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        i = p_start
        if kind is not None:
            i += 1  # the opening mark that continues the quotation
        following = paragraphs[p_index + 1] if p_index + 1 < len(paragraphs) else None
        # A quotation open at the paragraph's end may go on into the next.
        runs_on = following is not None and text[following[0]] in (_OPEN_SINGLE, "'")
        while i < p_end:
            ch = text[i]
            prev = text[i - 1] if i > 0 else " "
            nxt = text[i + 1] if i + 1 < n else " "
            if kind is None:
                if ch in _OPEN_DOUBLE or (ch == '"' and not _is_word_char(prev)):
                    kind, q_open, q_start, para_start, used = "double", i, i + 1, p_start, 1
                elif ((ch == _OPEN_SINGLE or ch == "'") and not _is_word_char(prev)
                      and _is_word_char(nxt)) or (
                        # "He added: ’There was nothing …’": a closing mark typed to open
                        ch == _CLOSE_SINGLE and prev.isspace() and nxt.isupper()
                        and text[:i].rstrip().endswith(":")):
                    kind, q_open, q_start, para_start, used = "single", i, i + 1, p_start, 1
            elif kind == "double":
                # A second opening curly mark after a word is a mistyped closing mark, and
                # so is a replacement character there (a closing mark lost to bad encoding).
                if (ch in _CLOSE_DOUBLE or ch == '"'
                        or (ch in _OPEN_DOUBLE + _LOST_MARK and not prev.isspace()
                            and not nxt.isalnum())):
                    out.append(Quotation(q_open, q_start, i, i, para_start, used > 1))
                    kind = None
            elif kind == "single" and _closes_single(text, i):
                # "GPs’ time" is a possessive only if the quotation can still close later.
                possessive = _plural_possessive(text, i) and (
                    runs_on or _closes_later(text, i, p_end))
                if not possessive:
                    out.append(Quotation(q_open, q_start, i, i, para_start, used > 1))
                    kind = None
            i += 1
        if kind is not None:
            opener = text[following[0]] if following else ""
            continues = (following is not None and used < max_paragraphs
                         and ((kind == "double" and (opener in _OPEN_DOUBLE or opener == '"'))
                              or (kind == "single" and opener in (_OPEN_SINGLE, "'"))))
            if continues:
                used += 1
            else:
                out.append(Quotation(q_open, q_start, p_end, None, para_start, used > 1))
                kind = None
    return out


_FIRST_PLURAL = frozenset({"we", "our", "us", "ours"})
_SIGN_OFF_WORDS = 14
_OPENING_LINES = 8


def home_body(doc: Doc, actors: Iterable[Span],
              quotations: list[Quotation] | None = None) -> Span | None:
    """The body a first-person piece speaks for ("we" of an LMC newsletter, a think-tank
    blog, a letter), or None. Outside quotations the text must say "we", "our" or "us";
    the body is one named in a short sign-off paragraph that does not tell what the body
    did, or, where the text speaks so three times or more, in a short heading line before
    its running text, or as the subject of a sentence that goes on as "we" or "our"."""
    text = doc.text
    if quotations is None:
        quotations = find_quotations(text)
    quotes = [(q.start, q.end) for q in quotations]
    starts = [start for start, _ in quotes]

    def quoted(char: int) -> bool:
        i = bisect_right(starts, char) - 1
        return i >= 0 and char < quotes[i][1]

    voiced = sum(1 for t in doc if t.lower_ in _FIRST_PLURAL and not quoted(t.idx))
    if voiced == 0:
        return None
    paragraphs = _paragraphs(text)
    # A sign-off names the writer's body even when "we" comes once ("we issued the following
    # statement"); a heading only when the text speaks as "we" throughout.
    # Headings come after a line or two of page furniture ("top of page", a menu item).
    sign_offs = paragraphs[-2:]
    opening = []
    if voiced >= 3:
        # The opening block: the short lines before the first paragraph of running text
        # (a masthead, a date, "Dear colleague", a heading naming the body).
        for p_start, p_end in paragraphs[:_OPENING_LINES]:
            if len(text[p_start:p_end].split()) > _SIGN_OFF_WORDS:
                break
            opening.append((p_start, p_end))
        opening = opening or paragraphs[:1]
    places = sign_offs + (paragraphs[:3] if voiced >= 3 else []) + opening
    short = [p for p in places if len(text[p[0]:p[1]].split()) <= _SIGN_OFF_WORDS]
    actors = list(actors)
    for p_start, p_end in short:
        for span in actors:
            if span.label_ != "media" and p_start <= span.start_char < p_end and not (
                    (p_start, p_end) in sign_offs and _acts(span)):
                return span
    if voiced >= 3:
        # "The Patients Forum understands why GPs are angry, but our job is to speak for
        # patients": a body that names itself as subject and goes on as "we" or "our" in the
        # same sentence is the voice of the page.
        for span in actors:
            if span.label_ == "media" or quoted(span.start_char) or \
                    name_root(span).dep_ != "nsubj":
                continue
            if any(_speaks_as_we(t) and t.i >= span.end and not quoted(t.idx)
                   for t in span.sent):
                return span
    return None


def _speaks_as_we(tok: Token) -> bool:
    """"we" or "our …" as the subject of a clause: the writer speaking, not spoken to
    ("the CCG has told us", "it wrote to our members")."""
    if tok.lower_ == "we":
        return tok.dep_ in _SUBJECT_DEPS
    return tok.lower_ == "our" and tok.head.dep_ in _SUBJECT_DEPS


def _acts(span: Span) -> bool:
    """"NHS England has published four procedures": a line that tells what a body did (an
    excerpt cut off after it leaves it short) is news of the body, not a sign-off."""
    root = name_root(span)
    return root.dep_ in _SUBJECT_DEPS and root.head.pos_ in ("VERB", "AUX")


def _plural_possessive(text: str, i: int) -> bool:
    """``GPs’ time``: an apostrophe after a plural s, followed by a lower-case word that
    can be what they own. ``‘disastrous’ plan`` ends in s but is no plural, and in
    ``‘a number of issues’ for GPs`` a preposition follows, not a noun."""
    if not (text[i - 1:i] == "s" and text[i + 1:i + 2] == " "
            and text[i + 2:i + 3].islower()):
        return False
    word = re.match(r"[A-Za-z]*", text[i + 2:i + 20]).group(0)
    before = re.search(r"[A-Za-z]*$", text[max(0, i - 20):i]).group(0).lower()
    return word not in _NOT_OWNED and not before.endswith(_SINGULAR_S)


def _closes_later(text: str, i: int, end: int) -> bool:
    """Whether a single closing mark follows ``i`` in its paragraph. ``‘other GPs’ working
    at networks.`` has none, so the mark after "GPs" closes the quotation (unless the next
    paragraph goes on with the quotation); in ``‘The GPs’ time is short,’ she said`` one
    does, so it is a possessive."""
    return any(_closes_single(text, j) for j in range(i + 1, end))


def _closes_single(text: str, i: int) -> bool:
    """A single mark at ``i`` that can close a quotation: after a word, before none."""
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (text[i] in (_CLOSE_SINGLE, "'") and i > 0 and not text[i - 1].isspace()
            and not _is_word_char(nxt))


class QuoteFinder:
    """Find quotations, attribute them, and collect reported speech.

    nlp (Language): the pipeline.
    name (str): the component name.
    spans_key (str): where the actors component put its spans.
    min_quote_words (int): quotations with fewer words are scare quotes.
    max_paragraphs (int): the most paragraphs one quotation may run over.
    data_reader (callable): returns the parsed ``speech_verbs.toml``.
    """

    def __init__(self, nlp: Language, name: str = "pcnwatch_quotes", *,
                 spans_key: str = "pcnwatch_actors", min_quote_words: int = 4,
                 max_paragraphs: int = 8,
                 data_reader: Callable[[], dict[str, Any]] | None = None) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.min_quote_words = min_quote_words
        self.max_paragraphs = max_paragraphs
        self.set_data((data_reader or make_data_file_reader("speech_verbs.toml"))())

    def registry(self) -> Registry:
        return pipeline_registry(self.nlp)

    def set_data(self, data: dict[str, Any]) -> None:
        self.data = data
        self.quote_forms = frozenset(data["quote_forms"])
        self.report_lemmas = frozenset(data["report_lemmas"])
        self.speaker_nouns = frozenset(data["speaker_nouns"])
        self.person_pronouns = frozenset(data["person_pronouns"])
        self.body_pronouns = frozenset(data["body_pronouns"])
        self.body_nouns = frozenset(data.get("body_nouns", ()))
        self.member_nouns = frozenset(data.get("member_nouns", ()))
        self.document_nouns = frozenset(data.get("document_nouns", ()))
        self.policy_documents = frozenset(data.get("policy_documents", ()))
        self.source_nouns = frozenset(data.get("source_nouns", ()))
        self.introducing_verbs = frozenset(data.get("introducing_verbs", ()))
        self.body_voices = frozenset(data.get("body_voices", ()))
        self.listener_verbs = frozenset(data.get("listener_verbs", ()))
        self.holder_passives = frozenset(data.get("holder_passives", ()))
        self.act_passives = frozenset(data.get("act_passives", ()))
        self.voices = make_data_file_reader("voices.toml")()

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        self.set_data(data if data is not None else make_data_file_reader("speech_verbs.toml")())

    def _cfg(self) -> dict[str, Any]:
        return {"spans_key": self.spans_key, "min_quote_words": self.min_quote_words,
                "max_paragraphs": self.max_paragraphs}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.data, self._cfg())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> QuoteFinder:
        data, cfg = read_component_data(path)
        self.spans_key = cfg["spans_key"]
        self.min_quote_words = cfg["min_quote_words"]
        self.max_paragraphs = cfg["max_paragraphs"]
        self.set_data(data)
        return self

    # -- the pass ------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        ctx = _Context(doc, self)
        # Reported speech first: a later "the source said" can point back to it.
        ctx.reported = self._reported(ctx)
        ctx.reported += self._page_voices(ctx)
        ctx.reported.sort(key=lambda item: item["start"])
        quotes: list[dict[str, Any]] = []
        scare: list[dict[str, Any]] = []
        previous: dict[str, Any] | None = None
        previous_q: Quotation | None = None
        for q in ctx.quotes:
            content = ctx.text[q.start:q.end]
            if len(content.split()) < self.min_quote_words:
                scare.append({"text": content, "start": q.start, "end": q.end,
                              "reason": "short"})
                continue
            if _is_title(content):
                # "the ‘Plan for Recovering Access to Primary Care’": a name, not speech.
                scare.append({"text": content, "start": q.start, "end": q.end,
                              "reason": "title"})
                continue
            speaker, actor_id = self._attribute(ctx, q, previous, previous_q)
            item = {"text": content, "start": q.start, "end": q.end, "speaker": speaker,
                    "actor_id": actor_id, "stance": None, "confidence": None, "evidence": []}
            joint = ctx.joint_ids(speaker, actor_id)
            if joint:
                item["actor_ids"] = joint
            quotes.append(item)
            ctx.attributed.append((q.open, item))
            previous, previous_q = item, q
        self._interviewee(ctx, quotes)
        # Words in quotation marks that the text gives to no one are not a quote (realdev
        # LABELLING.md): they stay visible, with the reason, beside the scare quotes.
        scare += [{"text": q["text"], "start": q["start"], "end": q["end"],
                   "reason": "unattributed"} for q in quotes if q["speaker"] is None]
        scare.sort(key=lambda item: item["start"])
        quotes = [q for q in quotes if q["speaker"] is not None]
        doc._.pcnwatch_home = ctx.home.kb_id_ if ctx.home is not None else None
        doc._.pcnwatch_quotes = quotes
        doc._.pcnwatch_scare_quotes = scare
        doc._.pcnwatch_reported = ctx.reported
        return doc

    def _attribute(self, ctx: _Context, q: Quotation, previous: dict[str, Any] | None,
                   previous_q: Quotation | None) -> tuple[str | None, str | None]:
        text = ctx.text
        tail = text[q.start:q.end].rstrip()
        comma_led = tail.endswith(",") or (q.close is not None
                                           and text[q.close + 1:q.close + 2] == ",")
        order = ("post", "pre") if comma_led else ("pre", "post")
        for side in order:
            found = self._from_side(ctx, q, side)
            if found is not None:
                return found
        # "'Given the challenges they face' the NHS must continue providing 'mutual aid …',
        # wrote Sir Simon Stevens": fragments of one sentence share the speaker named after
        # the last of them.
        later = self._next_in_sentence(ctx, q)
        if later is not None:
            found = self._from_side(ctx, later, "post")
            if found is not None:
                return found
        # "X described the award as '…'", "the report said the '…' has meant that '…'": a
        # quotation inside a clause belongs to the subject of the verb that governs it.
        found = self._from_governor(ctx, q)
        if found is not None:
            return found
        # A paragraph that is only a quotation continues the speaker of the quote before it.
        if (previous is not None and previous_q is not None and q.open == q.paragraph_start
                and previous_q.paragraph_start < q.paragraph_start):
            gap = text[(previous_q.close or previous_q.end) + 1:q.open]
            if "\n" in gap and len(gap.strip()) < 3:
                return previous["speaker"], previous["actor_id"]
        # A reaction round-up ("Dr X, chair of Y:" alone on the line before), or a headline
        # ("Dr X: ‘…’").
        found = self._from_heading(ctx, q)
        if found is not None:
            return found
        if q.open == q.paragraph_start:
            # '…,' she said. / '…': a paragraph that is only a quotation, after a paragraph
            # in which someone spoke, goes on with the last speaker there.
            found = self._last_speaker_before(ctx, q)
            if found is not None:
                return found
        # A sentence after the quotation that names its source ("Those were the words of X").
        found = self._from_next_sentence(ctx, q)
        if found is not None:
            return found
        # “…,” said X. “…”: a second part after a bare attribution keeps its speaker.
        if previous is not None and previous_q is not None and previous_q.close is not None \
                and previous_q.paragraph_start == q.paragraph_start:
            gap = text[previous_q.close + 1:q.open]
            words = gap.split()
            if 0 < len(words) <= 8 and any(w.strip(",.:;").lower() in self.quote_forms
                                          for w in words):
                return previous["speaker"], previous["actor_id"]
        # Otherwise the speaker of the sentence just before ("Dr X said the plan was rushed.
        # “Nobody asked us.”"), when that sentence is someone's reported speech.
        found = self._from_previous_sentence(ctx, q)
        if found is not None:
            return found
        # A fragment inside a sentence that names no speaker goes on with the report around
        # it ("NHS England said …. Networks will be given the 'maximum possible time'").
        if q.open != q.paragraph_start:
            found = self._last_speaker_near(ctx, q)
            if found is not None:
                return found
        return None, None

    @staticmethod
    def _next_in_sentence(ctx: _Context, q: Quotation) -> Quotation | None:
        """The next quotation when only a few words of the same sentence lie between (the
        caller has found no speaker in them)."""
        if q.close is None:
            return None
        later = next((o for o in ctx.quotes if o.open > q.close), None)
        if later is None:
            return None
        gap = ctx.text[q.close + 1:later.open]
        if "\n" in gap or _SENTENCE_END.search(gap) or len(gap.split()) > 15:
            return None
        return later

    def _page_voices(self, ctx: _Context) -> list[dict[str, Any]]:
        """Statements a page's layout attributes (``voices.toml``): the answer to a written
        question is its department's; a debate turn is its speaker's."""
        out: list[dict[str, Any]] = []
        text = ctx.text
        lines = ctx.paragraphs
        answer = self.voices.get("answer", {})
        marker = next((i for i, (a, b) in enumerate(lines) if any(
            re.search(m, text[a:b]) for m in answer.get("markers", ()))), None)
        if marker is not None:
            body = next((span for span in ctx.actors if span.start_char < lines[marker][0]
                         and span.label_ == "government"), None)
            if body is not None:
                name = ctx.actor_names.get(body.kb_id_, body.text)
                for a, b in lines[marker + 1:]:
                    if len(text[a:b].split()) >= answer.get("min_words", 6):
                        out.append({"actor_id": body.kb_id_, "speaker": name,
                                    "text": text[a:b], "start": a, "end": b,
                                    "verb": "answer"})
        debate = self.voices.get("debate")
        if not debate:
            return out
        header = re.compile(debate["header"])
        skips = [re.compile(p) for p in debate.get("skip", ())]
        parties = debate.get("parties", {})
        speaker: tuple[str, str | None] | None = None
        for a, b in lines:
            line = text[a:b]
            match = header.match(line)
            if match:
                labels = re.findall(r"\(([^()]*)\)", match["rest"])
                party = next((parties[x] for x in labels if x in parties), None)
                person = ctx.person_at(a, b)
                actor_id = party or (person.get("actor_id") if person else None)
                speaker = (person["name"] if person else match["name"].strip(), actor_id)
                continue
            if speaker is None or any(p.match(line) for p in skips):
                continue
            if speaker[1] is not None and len(line.split()) >= 6:
                out.append({"actor_id": speaker[1], "speaker": speaker[0], "text": line,
                            "start": a, "end": b, "verb": "speak"})
        return out

    def _interviewee(self, ctx: _Context, quotes: list[dict[str, Any]]) -> None:
        """An interview or profile: when every quotation with a speaker is one person's,
        the quotations left without one are theirs too (answers need no "she said")."""
        named = {q["speaker"] for q in quotes if q["speaker"]}
        if not named:
            self._answers(ctx, quotes)
            return
        if len(named) != 1:
            return
        speaker = next(iter(named))
        if not ctx.is_person_name(speaker):
            return
        owner = next(q for q in quotes if q["speaker"] == speaker)
        if sum(1 for q in quotes if q["speaker"] == speaker) < 2:
            return
        for q in quotes:
            if q["speaker"] is None:
                q["speaker"], q["actor_id"] = speaker, owner["actor_id"]

    @staticmethod
    def _answers(ctx: _Context, quotes: list[dict[str, Any]]) -> None:
        """A question-and-answer interview ("Q: …" then "A: ‘…’") whose text names one
        person: the answers are theirs."""
        people = {id(person): person for start, _end, person in ctx.person_mentions
                  if not ctx.in_quote(start)}
        if len(people) != 1:
            return
        person = next(iter(people.values()))
        for q in quotes:
            lead = ctx.text[ctx.paragraph_start(q["start"]):q["start"]]
            if q["speaker"] is None and _ANSWER_MARK.match(lead):
                q["speaker"], q["actor_id"] = person["name"], person.get("actor_id")

    def _from_governor(self, ctx: _Context,
                       q: Quotation) -> tuple[str | None, str | None] | None:
        """The speaker of a quotation set inside a clause: the subject of the nearest verb
        above it in the parse that names a person, a body, a pronoun for one or a document
        ("X described it as '…'", "the letter asks practices to '…'")."""
        doc = ctx.doc
        inner = doc.char_span(q.start, min(q.start + 1, q.end), alignment_mode="expand")
        if inner is None or not len(inner):
            return None
        first = inner[0]
        sent = first.sent
        if ctx.text[sent.start_char:q.open].strip() == "":
            return None  # the quotation opens its sentence: nothing governs it
        lo, hi = sent.start, sent.end
        tok = first
        weak: tuple[str | None, str | None] | None = None
        for _ in range(10):
            if tok.head.i == tok.i:
                break
            tok = tok.head
            if not (lo <= tok.i < hi):
                break
            if ctx.in_quote(tok.idx) or tok.pos_ not in ("VERB", "AUX"):
                continue
            if tok.lower_ not in self.quote_forms and any(
                    a.lower_ in self.quote_forms and lo <= a.i < hi and not ctx.in_quote(a.idx)
                    for a in tok.ancestors):
                # "It added that NHS England's timescales will be '…'": a clause reported
                # by a speech verb above is what the speaker said, and its subject only
                # what it is about.
                continue
            if tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _CONDITIONS
                                           for c in tok.children):
                # "X urged practices to wait unless CCGs can ‘…’": the condition is X's
                # words; its subject is who it is about.
                continue
            subject = self._subject(tok, lo, hi, guess=False)
            if subject is None or ctx.in_quote(subject.idx) or subject.i > first.i:
                continue
            if subject.dep_ == "nsubjpass":
                # "The range of pharmacy services is promised to be expanded – '…'": what a
                # passive verb acts on says nothing.
                continue
            found = ctx.resolve(subject, lo, hi, q.open,
                                strict=subject.lemma_.lower() not in self.document_nouns)
            if found is None or found[0] is None:
                continue
            if subject.lower_ in self.person_pronouns and not ctx.is_person_name(found[0]):
                continue
            if ctx.strong(found, subject) and (
                    subject.lemma_.lower() not in self.document_nouns or weak is None):
                return found
            if weak is None and (found[1] is not None or subject.lower_ in self.speaker_nouns):
                # A document or an unnamed voice; a named speaker further up wins.
                weak = found
        return weak

    def _from_heading(self, ctx: _Context,
                      q: Quotation) -> tuple[str | None, str | None] | None:
        """"Dr Ann Cole, chair of Kent LMC:" alone on its line, then the quotation; or
        before it on the same line, as headlines put it ("Ann Cole: ‘…’")."""
        if q.open == q.paragraph_start:
            prev = ctx.previous_paragraph(q.paragraph_start)
        else:
            prev = (q.paragraph_start, q.open)
        if prev is None:
            return None
        line = ctx.text[prev[0]:prev[1]].rstrip()
        # A round-up set in bold or as headings loses its colon in extraction: a short line
        # with no verb and no full stop that opens with a name ("Dr Ann Cole, Kent LMC
        # chair", "Healthwatch England"), then a paragraph that is only the quotation.
        marked = _QA_MARK.match(line) is not None  # "A Steve Barclay (Con) – Secretary …"
        bare = not line.endswith(":") and q.open == q.paragraph_start and \
            len(line.split()) <= (20 if marked else 12) and \
            line[-1:] not in ".!?;,\"'\u201d\u2019"
        if not (line.endswith(":") or bare) or len(line.split()) > 20:
            return None
        span = ctx.doc.char_span(prev[0], prev[1], alignment_mode="expand")
        if span is None or any(t.pos_ in ("VERB", "AUX") and t.tag_ != "VBN" for t in span):
            return None  # a sentence that introduces the quotation, read by _from_side
        lead = prev[0] + len(line) - len(line.lstrip())
        marker = _QA_MARK.match(ctx.text, lead)
        if marker is not None:
            lead = marker.end()  # "Q Ellie Reeves (Lab: Lewisham West)": a question's asker
        person = ctx.first_person_in(prev[0], prev[1])
        if person is not None and (not bare or any(
                start == lead for start, _end, who in ctx.person_mentions if who is person)):
            return person["name"], person.get("actor_id")
        for span in ctx.actors:
            if prev[0] <= span.start_char < prev[1] and span.label_ != "media" and (
                    not bare or (span.start_char <= lead + 4 and
                                 span.end_char >= prev[0] + len(line) - 1)):
                return ctx.name_of(span), span.kb_id_
        return None

    def _last_speaker_near(self, ctx: _Context,
                           q: Quotation) -> tuple[str | None, str | None] | None:
        """The last named speaker in this paragraph before the quotation, or in the one
        before it."""
        prev = ctx.previous_paragraph(q.paragraph_start)
        floor = prev[0] if prev is not None else q.paragraph_start
        return ctx.last_named_speaker(floor, q.open)

    def _last_speaker_before(self, ctx: _Context,
                             q: Quotation) -> tuple[str | None, str | None] | None:
        """The last speaker of the paragraph before (a quotation or reported speech with a
        named person or body), skipping short lines of page furniture between."""
        p_start = q.paragraph_start
        for _ in range(2):
            prev = ctx.previous_paragraph(p_start)
            if prev is None:
                return None
            found = ctx.last_named_speaker(prev[0], prev[1])
            if found is not None:
                return found
            span = ctx.doc.char_span(*ctx.trim(*prev), alignment_mode="expand")
            found = self._introducer(ctx, span)
            if found is not None:
                return found
            if len(ctx.text[prev[0]:prev[1]].split()) > 8 or self._narrates(span):
                # Narrative between, so the voice has changed, unless the paragraph is the
                # statement a "X said:" line introduced with its opening mark lost.
                return self._introduced(ctx, prev)
            p_start = prev[0]
        return None

    @staticmethod
    def _narrates(span: Span | None) -> bool:
        """A short paragraph that is a sentence of its own ("NHS England published the plans
        on Monday."), not page furniture: it has a finite verb and a full stop."""
        return span is not None and span.text.rstrip()[-1:] == "." and any(
            t.tag_ in ("VBD", "VBZ", "VBP") for t in span)

    def _introducer(self, ctx: _Context,
                    span: Span | None) -> tuple[str | None, str | None] | None:
        """The person or body a one-sentence paragraph (``span``) is about, when it sets up
        the quotation after it without a speech verb: "Dr X, chair of Y, was scathing." /
        "The college was more measured." """
        if span is None or len(span) > 30 or len(list(span.sents)) != 1 or \
                span.text.rstrip()[-1:] != "." or any(ctx.in_quote(t.idx) for t in span):
            return None
        root = span.root
        if root.lemma_.lower() not in self.introducing_verbs:
            return None
        subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
        if subject is None:
            return None
        person = ctx.person_at(subject.left_edge.idx, subject.idx + len(subject))
        if person is not None:
            return person["name"], person.get("actor_id")
        body = ctx.actor_at.get(subject.i)
        if body is not None and body.label_ != "media":
            return ctx.name_of(body), body.kb_id_
        return None

    def _introduced(self, ctx: _Context,
                    paragraph: tuple[int, int]) -> tuple[str | None, str | None] | None:
        """The speaker of a line ending in a colon just before ``paragraph``."""
        intro = ctx.previous_paragraph(paragraph[0])
        if intro is None or not ctx.text[intro[0]:intro[1]].rstrip().endswith(":"):
            return None
        return ctx.last_named_speaker(intro[0], intro[1], quotes=False)

    def _from_next_sentence(self, ctx: _Context,
                            q: Quotation) -> tuple[str | None, str | None] | None:
        """"…." That was the warning from X / The words came from X: a sentence opening
        with a noun for what was said, whose source follows "of", "from" or "by"."""
        text = ctx.text
        if q.close is None or text[q.start:q.end].rstrip()[-1:] not in ".!?":
            return None
        lo = q.close + 1
        par_end = text.find("\n", lo)
        par_end = len(text) if par_end < 0 else par_end
        if not text[lo:par_end].strip():
            following = next((p for p in ctx.paragraphs if p[0] > lo), None)
            if following is None:
                return None
            lo, par_end = following
        match = _SENTENCE_END.search(text, lo, par_end)
        hi = match.start() + 1 if match is not None else par_end
        span = ctx.doc.char_span(*ctx.trim(lo, hi), alignment_mode="contract")
        if span is None or len(span) < 4:
            return None
        for tok in span[:6]:
            if tok.lemma_.lower() not in self.source_nouns or ctx.in_quote(tok.idx):
                continue
            # "That was the warning from X" (prep on the noun) or "The words came from X"
            # (prep on the verb whose subject the noun is).
            heads = [tok] + ([tok.head] if tok.dep_ in _SUBJECT_DEPS else [])
            for head in heads:
                for prep in head.children:
                    if prep.dep_ not in ("prep", "agent") or prep.lower_ not in (
                            "of", "from", "by"):
                        continue
                    obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                    if obj is None:
                        continue
                    found = ctx.resolve(obj, prep.i + 1, span.end, lo, strict=True)
                    if found is not None and found[0] is not None and (
                            found[1] is not None or ctx.person_at(obj.idx, obj.idx + len(obj))
                            or obj.lower_ in self.speaker_nouns):
                        return found
        return None

    def _from_previous_sentence(self, ctx: _Context,
                                q: Quotation) -> tuple[str | None, str | None] | None:
        text = ctx.text
        par_lo = ctx.paragraph_start(q.open)
        if q.open == par_lo:
            prev_par = ctx.previous_paragraph(par_lo)
            if prev_par is None:
                return None
            lo, hi = prev_par
            if text[hi - 1] in _CLOSE_DOUBLE + _CLOSE_SINGLE + "\"'":
                return None
        else:
            before = text[par_lo:q.open]
            ends = list(_SENTENCE_END.finditer(text, par_lo, q.open))
            if not ends or before[ends[-1].end() - par_lo:].strip():
                return None
            lo, hi = par_lo, ends[-1].start() + 1
        ends = list(_SENTENCE_END.finditer(text, lo, hi))
        if ends:
            lo = ends[-1].end()
        span = ctx.doc.char_span(lo, hi, alignment_mode="contract")
        if span is None or len(span) == 0:
            return None
        tokens = [t for t in span if not ctx.in_quote(t.idx)]
        verb = self._speech_verb(tokens, prefer_last=False)
        if verb is None:
            return None
        subject = self._subject(verb, span.start, span.end)
        if subject is None:
            return None
        found = ctx.resolve(subject, span.start, span.end, q.open, strict=True)
        if found is None or found[0] is None or (found[1] is None
                                                 and ctx.person_at(subject.idx, subject.idx + 1)
                                                 is None):
            return None
        return found

    def _from_side(self, ctx: _Context, q: Quotation,
                   side: str) -> tuple[str | None, str | None] | None:
        text = ctx.text
        if side == "pre":
            lo, hi = self._pre_fragment(ctx, q)
        else:
            if q.close is None:
                return None
            lo = q.close + 1
            par_end = text.find("\n", lo)
            hi = len(text) if par_end < 0 else par_end
            match = _SENTENCE_END.search(text, lo, hi)
            # Another quotation later in the paragraph ends the fragment too.
            for mark in range(lo, hi):
                if text[mark] in _OPEN_DOUBLE + _OPEN_SINGLE:
                    hi = mark
                    break
            if match is not None and match.start() < hi:
                hi = match.start() + 1
            first = text[lo:hi].lstrip(" ,;\u2013\u2014-").split(maxsplit=1)[:1]
            if first and first[0].lower() in _NEW_CLAUSE:
                # "“…”, while another said …": a new clause with its own speaker.
                return None
        if hi <= lo:
            return None
        span = ctx.doc.char_span(lo, hi, alignment_mode="contract")
        if span is None or len(span) == 0:
            return None
        tokens = [t for t in span if not ctx.in_quote(t.idx)]
        verb = self._speech_verb(
            tokens if side == "pre" else [t for t in tokens if not _reduced_relative(t)],
            prefer_last=(side == "pre"))
        # "X said colleagues had told her the plan had “…”": X passes on what she was told,
        # and the article quotes X. (Without "told her" the inner speaker is quoted.)
        while (verb is not None and verb.dep_ in ("ccomp", "xcomp")
               and verb.head.i >= span.start and verb.head.lower_ in self.quote_forms
               and any(c.dep_ in ("dobj", "dative") and c.lower_ in _BACK_TO_SPEAKER
                       for c in verb.children)):
            verb = verb.head
        if verb is not None:
            # "X warned that … “…” and said the plan “…”": the subject of a verb joined
            # by "and" sits before the fragment, in the same sentence.
            sent_lo = min(span.start, verb.sent.start) if side == "pre" else span.start
            subject = self._subject(verb, span.start, span.end)
            if subject is None and sent_lo < span.start:
                subject = self._subject(verb, sent_lo, span.end)
                if subject is not None and subject.i >= span.start:
                    subject = None
                if subject is not None:
                    return ctx.resolve(subject, sent_lo, span.start, q.open)
            if subject is not None and subject.dep_ == "nsubjpass" and (
                    verb.lemma_ in self.listener_verbs):
                # "We were told that “…”": the subject heard it; nobody named said it.
                return None
            if subject is not None:
                found = ctx.resolve(subject, span.start, span.end, q.open)
                if side == "pre" and (not ctx.strong(found, subject) or (
                        verb.lemma_.lower() in _BELIEFS
                        and any(a.lower_ in self.quote_forms for a in verb.ancestors))):
                    # "X said that an expert panel had concluded that '…'": the panel is no
                    # one the text names; X, who reports it, is. So with "X said some in the
                    # Government believed it was a '…'": a belief another reports is their
                    # telling, in their words.
                    outer = self._outer_speaker(ctx, tokens, verb, span, q)
                    if outer is not None:
                        return outer
                return found
            # "Speaking to the BMJ, X, a GP in Leeds, said: …": the parser hung the name on
            # the fronted phrase and left the verb without a subject; the first person named
            # in the clause before the verb speaks.
            person = ctx.first_person_in(span.start_char if side == "pre" else verb.idx,
                                         verb.idx if side == "pre" else span.end_char)
            if person is not None:
                return person["name"], person.get("actor_id")
        # "according to X"
        for tok in tokens:
            if tok.lower_ == "according" and tok.i + 2 < span.end and tok.nbor(1).lower_ == "to":
                return ctx.resolve(_according_object(tok), tok.i + 2, span.end, q.open)
        return None

    def _outer_speaker(self, ctx: _Context, tokens: list[Token], inner: Token, span: Span,
                       q: Quotation) -> tuple[str | None, str | None] | None:
        """A named speaker of an earlier speech verb in the same fragment."""
        for tok in tokens:
            if tok.i >= inner.i:
                break
            if tok.lower_ not in self.quote_forms or tok.pos_ not in ("VERB", "AUX"):
                continue
            subject = self._subject(tok, span.start, span.end, guess=False)
            if subject is None:
                # "In a letter to Jones, Katie Bramall-Stainer, chair of the BMA's GP
                # committee, said that …": the parser joined the name to the phrase in
                # front and left the verb no subject.
                named = self._name_with_role(tok, span.start, tok)
                person = ctx.person_at(named.idx, named.idx + len(named)) if named else None
                if person is not None:
                    return person["name"], person.get("actor_id")
                continue
            found = ctx.resolve(subject, span.start, span.end, q.open, strict=True)
            if ctx.strong(found, subject):
                return found
        return None

    def _pre_fragment(self, ctx: _Context, q: Quotation) -> tuple[int, int]:
        text = ctx.text
        lo = ctx.paragraph_start(q.open)
        prior = ctx.last_quote_end_before(q.open, lo)
        if prior is not None:
            lo = max(lo, prior)
        if lo == q.open:
            # The quotation opens its paragraph: an attribution ending in ":" may precede it.
            prev_par = ctx.previous_paragraph(lo)
            if prev_par is not None and text[prev_par[0]:prev_par[1]].rstrip().endswith(":"):
                lo = prev_par[0]
                hi = prev_par[1]
                ends = list(_SENTENCE_END.finditer(text, lo, hi))
                return (ends[-1].end() if ends else lo), hi
            return lo, lo
        ends = list(_SENTENCE_END.finditer(text, lo, q.open))
        if ends:
            lo = ends[-1].end()
        return lo, q.open

    def _speech_verb(self, tokens: list[Token], prefer_last: bool) -> Token | None:
        seq = reversed(tokens) if prefer_last else iter(tokens)
        for tok in seq:
            if tok.lower_ in self.quote_forms and tok.pos_ in ("VERB", "AUX", "NOUN", "ADJ",
                                                                "PROPN") and not (
                    _attributive(tok)):
                return tok
        return None

    @staticmethod
    def _name_before(verb: Token, lo: int) -> Token | None:
        """The last word of a person's name right before the speech verb ("RCGP vice chair Dr
        Victoria Tzortziou-Brown said", "Dr Ann Field, said"): that person speaks, even where
        the parser made the body in front the verb's subject and the name its apposition."""
        doc = verb.doc
        i = verb.i - 1
        if i > lo and doc[i].text == ",":
            i -= 1
        if i < lo or doc[i].pos_ != "PROPN":
            return None
        tok = doc[i]
        for person in doc._.pcnwatch_people or []:
            if any(start <= tok.idx and tok.idx + len(tok) == end
                   for start, end in person["mentions"]):
                return tok
        return None

    @staticmethod
    def _name_with_role(verb: Token, lo: int, chosen: Token) -> Token | None:
        """"Dr Duncan Gooch, GP and chair of the network at the NHS Confederation said": the
        parser took a word of the role (``chosen``, or the verb itself when it found no
        subject) for the subject; the person the role follows, set off by a comma with no
        verb before the speech verb, speaks. The last such person before it."""
        doc = verb.doc
        best: Span | None = None
        for person in doc._.pcnwatch_people or []:
            for start, end in person["mentions"]:
                # The role sits between the person and the verb; a subject word after the
                # verb ("said Jeremy Hunt gravely, jacket thrown aside") has none.
                if not (doc[lo].idx <= start and end <= min(chosen.idx, verb.idx)):
                    continue
                after = doc.char_span(end, verb.idx, alignment_mode="expand")
                if after is None or not len(after) or after[0].text != "," or any(
                        t.pos_ in ("VERB", "AUX") for t in after):
                    continue
                name = doc.char_span(start, end, alignment_mode="expand")
                if name is not None and chosen.i >= after.start and (
                        best is None or name.start > best.start):
                    best = name
        return best[-1] if best is not None else None

    def _subject(self, verb: Token, lo: int, hi: int, guess: bool = True) -> Token | None:
        # "was described by Dr X as …": the agent of a passive speech verb is the speaker.
        for child in verb.children:
            if child.dep_ == "agent":
                agent = next((c for c in child.children if c.dep_ == "pobj"), None)
                if agent is not None and lo <= agent.i < hi:
                    return agent
        head = verb
        for _ in range(3):
            # "Responding to the announcement, the NPA said": the parser may take the fronted
            # participle for the subject; it names no one.
            subjects = [c for c in head.children if c.dep_ in _SUBJECT_DEPS and lo <= c.i < hi
                        and not (c.pos_ == "VERB" and c.tag_ == "VBG")]
            if subjects:
                # "NHS England director Dr A Smith said": two subjects; the name is nearest.
                before = [c for c in subjects if c.i < head.i]
                chosen = before[-1] if before else subjects[0]
                if head is verb:
                    named = self._name_before(verb, lo) or self._name_with_role(verb, lo, chosen)
                    if named is not None and not (named.left_edge.i <= chosen.i <= named.i):
                        return named
                return chosen
            if head.dep_ == "acl" and head.head.i < head.i and lo <= head.head.i:
                # "The chair, Dr X, called it …": the verb hangs off the noun it describes.
                return head.head
            if head.dep_ == "xcomp":
                # "It led other GPs to say: …": the object of the verb above says it.
                obj = next((c for c in head.head.children if c.dep_ == "dobj"
                            and c.i < head.i and lo <= c.i < hi), None)
                if obj is not None:
                    return obj
            if head.dep_ in ("conj", "xcomp", "advcl", "ccomp") and head.head.i != head.i:
                participle = head.dep_ == "advcl" and head.tag_ == "VBG"
                head = head.head
                if participle and head.dep_ == "ccomp" and head.head.lower_ in self.quote_forms:
                    # "X said the change was 'welcome', adding: …": the parser hangs "adding"
                    # on the reported clause, whose subject is what X spoke of, not X.
                    head = head.head
            else:
                break
        if not guess:
            return None
        # The parser lost the subject: take a name, body or pronoun right next to the verb.
        doc = verb.doc
        skip_to = None
        for i in list(range(verb.i - 1, lo - 1, -1)) + list(range(verb.i + 1, hi)):
            tok = doc[i]
            if skip_to is not None:
                if i == skip_to:
                    skip_to = None
                continue
            if tok.text == ")" and i < verb.i:
                # "the National Pharmacy Association (NPA) said": past the short form
                skip_to = next((k for k in range(i - 1, max(lo, i - 6) - 1, -1)
                                if doc[k].text == "("), None)
                if skip_to is not None:
                    continue
            if tok.pos_ in ("ADV", "AUX", "PART"):
                continue
            if tok.pos_ in ("PROPN", "NOUN", "PRON") or tok.lower_ == "another":
                return self._name_with_role(verb, lo, tok) or tok
            break
        return None

    # -- reported speech --------------------------------------------------------------
    def _reported(self, ctx: _Context) -> list[dict[str, Any]]:
        # Filled as it goes, so "It added …" can point back to the body that spoke before.
        out = ctx.reported
        for sent in ctx.units():
            if ctx.in_quote(sent.start_char) and ctx.in_quote(sent.end_char - 1):
                continue
            if sent.text.rstrip().endswith("?"):
                continue  # "Do the Government accept …?": asked of a body, not said by it
            opens = ctx.opens_quote(sent)
            for tok in sent:
                if tok.pos_ not in ("VERB", "AUX") or not lemma_in(tok, self.report_lemmas):
                    continue
                if opens or ctx.in_quote(tok.idx):
                    continue
                if any(c.dep_ == "mark" and c.lower_ == "for" for c in tok.children) and any(
                        c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children):
                    continue  # "called for NHS England to add no more ...": asked, not said
                if reported_within(tok, sent, self.report_lemmas):
                    continue  # "leaders maintained that the Government had promised ...":
                    # the Government's promise is the leaders' claim, not its statement
                subject = _inverted_subject(tok, sent, ctx) or next(
                    (c for c in tok.children if c.dep_ in _SUBJECT_DEPS), None)
                if subject is None and misparsed_main_verb(tok):
                    subject = tok.head  # "The BMA hit out at the targets", read as a noun phrase
                if subject is None and tok.dep_ == "conj":
                    subject = next((c for c in tok.head.children if c.dep_ in _SUBJECT_DEPS),
                                   None)
                if subject is not None and subject.dep_ == "nsubjpass":
                    subject = self._passive_speaker(tok, subject)
                if subject is None or ctx.in_quote(subject.idx):
                    continue
                resolved = ctx.resolve(subject, sent.start, sent.end, tok.idx, strict=True)
                if resolved is None or resolved[0] is None:
                    continue
                speaker, actor_id = resolved
                start, end = ctx.trim(sent.start_char, sent.end_char)
                if tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _TIME_OR_CAUSE
                                               for c in tok.children):
                    # "The plans were scaled back after GPs objected": what they said is the
                    # clause, not the act the sentence reports.
                    start = max(start, tok.left_edge.idx)
                    end = min(end, tok.right_edge.idx + len(tok.right_edge))
                out.append({"actor_id": actor_id, "speaker": speaker,
                            "text": ctx.text[start:end], "start": start, "end": end,
                            "verb": tok.lemma_.lower()})
                joint = ctx.joint_ids(speaker, actor_id)
                if joint:
                    out[-1]["actor_ids"] = joint
                break
            self._according(ctx, sent, out)
        return out

    def _passive_speaker(self, verb: Token, subject: Token) -> Token | None:
        """Who speaks in a passive report: the agent ("the plans were criticised by the
        BMA"); the passive subject is only spoken to or about ("the Government has been
        warned that …", "the RCGP was praised"), unless the verb states its own position
        ("the BMA is opposed to …")."""
        for child in verb.children:
            if child.dep_ == "agent":
                if verb.lemma_.lower() in self.act_passives:
                    return None  # "the contract, which was agreed by NHSE and the BMA"
                return next((c for c in child.children if c.dep_ == "pobj"), None)
        return subject if verb.lemma_.lower() in self.holder_passives else None

    def _according(self, ctx: _Context, sent: Span, out: list[dict[str, Any]]) -> None:
        for tok in sent:
            if (tok.lower_ == "according" and tok.i + 2 < sent.end
                    and tok.nbor(1).lower_ == "to" and not ctx.in_quote(tok.idx)):
                resolved = ctx.resolve(_according_object(tok), tok.i + 2, sent.end, tok.idx,
                                       strict=True)
                if resolved is not None and resolved[0] is not None and resolved[1]:
                    start, end = ctx.trim(sent.start_char, sent.end_char)
                    out.append({"actor_id": resolved[1], "speaker": resolved[0],
                                "text": ctx.text[start:end], "start": start, "end": end,
                                "verb": "according"})
                return


class _Context:
    """Lookups shared by the passes over one Doc: quotations, actors, people, focus."""

    def __init__(self, doc: Doc, finder: QuoteFinder) -> None:
        self.doc = doc
        self.text = doc.text
        self.finder = finder
        self.paragraphs = _paragraphs(self.text)
        self.quotes = find_quotations(self.text, max_paragraphs=finder.max_paragraphs)
        self.quote_ranges = [(q.start, q.end) for q in self.quotes
                             if len(self.text[q.start:q.end].split()) >= finder.min_quote_words]
        self.quote_starts = [start for start, _ in self.quote_ranges]
        self.all_quote_opens = [q.open for q in self.quotes]
        names = doc._.pcnwatch_actor_names or {}
        self.actor_names: dict[str, str] = names
        self.actors: list[Span] = list(doc.spans.get(finder.spans_key, []))
        self.actor_at: dict[int, Span] = {i: s for s in self.actors
                                          for i in range(s.start, s.end)}
        self.people: list[dict[str, Any]] = list(doc._.pcnwatch_people or [])
        mentions = []
        for person in self.people:
            for start, end in person["mentions"]:
                mentions.append((start, end, person))
        mentions.sort(key=lambda m: m[0])
        self.person_mentions = mentions
        self.media = {s.kb_id_ for s in self.actors if s.label_ == "media"}
        self.home = home_body(doc, self.actors, self.quotes)
        self.attributed: list[tuple[int, dict[str, Any]]] = []
        # Speakers that are several bodies together ("the BMA and the RCGP"), by the words
        # that name them: the bodies each statement speaks for.
        self.joint: dict[str, list[str]] = {}
        self._units: list[Span] | None = None
        self.reported: list[dict[str, Any]] = []

    def in_quote(self, char: int) -> bool:
        i = bisect_right(self.quote_starts, char) - 1
        return i >= 0 and char < self.quote_ranges[i][1]

    def opens_quote(self, sent: Span) -> bool:
        """Whether a direct quotation starts or ends inside this sentence."""
        # Quotations are sorted and apart: only those near the sentence can touch it.
        i = max(bisect_right(self.quote_starts, sent.start_char) - 1, 0)
        for s, e in self.quote_ranges[i:]:
            if s - 1 > sent.end_char:
                break
            if sent.start_char <= s - 1 <= sent.end_char or sent.start_char <= e <= sent.end_char:
                return True
        return False

    def units(self) -> list[Span]:
        """Sentences cut at paragraph breaks (the parser sometimes runs one over a break)."""
        if self._units is not None:
            return self._units
        out = self._units = []
        starts = [p_start for p_start, _ in self.paragraphs]
        for sent in self.doc.sents:
            first = max(bisect_right(starts, sent.start_char) - 1, 0)
            for p_start, p_end in self.paragraphs[first:]:
                if p_start >= sent.end_char:
                    break
                if p_end <= sent.start_char:
                    continue
                span = self.doc.char_span(max(p_start, sent.start_char),
                                          min(p_end, sent.end_char), alignment_mode="contract")
                if span is not None and len(span):
                    out.append(span)
        return out

    def trim(self, start: int, end: int) -> tuple[int, int]:
        while end > start and self.text[end - 1].isspace():
            end -= 1
        while start < end and self.text[start].isspace():
            start += 1
        return start, end

    def paragraph_start(self, char: int) -> int:
        for p_start, p_end in self.paragraphs:
            if p_start <= char <= p_end:
                return p_start
        return 0

    def next_paragraph_end(self, char: int) -> int:
        """Where the paragraph after the one holding ``char`` ends (or the text ends)."""
        later = [p_end for p_start, p_end in self.paragraphs if p_end >= char]
        return later[1] if len(later) > 1 else len(self.text)

    def previous_paragraph(self, p_start: int) -> tuple[int, int] | None:
        prev = None
        for par in self.paragraphs:
            if par[0] >= p_start:
                return prev
            prev = par
        return prev

    def last_quote_end_before(self, char: int, lo: int) -> int | None:
        best = None
        i = max(bisect_right(self.all_quote_opens, lo) - 1, 0)
        for q in self.quotes[i:]:
            if q.open >= char:
                break
            close = q.close if q.close is not None else q.end
            # A scare quote ("it was 'outrageous' that …") is part of the attribution.
            short = len(self.text[q.start:q.end].split()) < self.finder.min_quote_words
            if lo <= close < char and not short:
                best = close + 1
        return best

    def first_person_in(self, lo_char: int, hi_char: int) -> dict[str, Any] | None:
        for start, _end, person in self.person_mentions:
            if start >= hi_char:
                break
            if start >= lo_char and not self.in_quote(start):
                return person
        return None

    def person_at(self, lo_char: int, hi_char: int) -> dict[str, Any] | None:
        for start, end, person in self.person_mentions:
            if start < hi_char and end > lo_char:
                return person
        return None

    def _is_subject(self, start: int, end: int) -> bool:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        root = span.root
        while root.dep_ in ("conj", "appos", "compound", "nmod") and root.head.i != root.i:
            root = root.head
        # "…, according to X." puts X in focus as much as "X said" does.
        return root.dep_ in _SUBJECT_DEPS or (
            root.dep_ == "pobj" and root.head.lower_ == "to"
            and root.head.head.lower_ == "according")

    def unnamed_voice(self, after: int, before: int) -> str | None:
        """The one unnamed person ("a GP", "one practice manager") who last spoke in the
        text between `after` and `before`, outside quotations, if no one else spoke since."""
        found = None
        for sent in self.units():
            if sent.start_char >= before:
                break
            if sent.start_char < after:
                continue
            for tok in sent:
                if tok.pos_ not in ("VERB", "AUX") or self.in_quote(tok.idx) or \
                        tok.lemma_.lower() not in self.finder.report_lemmas:
                    continue
                subject = next((c for c in tok.children if c.dep_ in _SUBJECT_DEPS), None)
                if subject is None:
                    # "At a surgery in Leeds, a GP who asked not to be named said": the
                    # parser hangs the speaker on the place; take the last speaker noun.
                    subject = next((t for t in reversed(sent[:tok.i - sent.start])
                                    if t.lower_ in self.finder.speaker_nouns
                                    and t.dep_ not in ("pobj", "dobj")), None)
                if subject is None or subject.pos_ != "NOUN" or subject.tag_ != "NN" or \
                        subject.lower_ not in self.finder.speaker_nouns or \
                        self.person_at(subject.idx, subject.idx + len(subject)) or \
                        subject.i in self.actor_at:
                    continue
                det = [c for c in subject.children if c.dep_ == "det"]
                if not det or det[0].lower_ not in _SINGULAR_OPENERS:
                    continue
                words = [t for t in subject.lefts if t.dep_ in ("det", "amod", "compound")]
                found = " ".join(t.text for t in [*words, subject])
        return found

    def last_person_at(self, before: int) -> tuple[dict[str, Any] | None, int]:
        """The person in focus and where they were named: the last one named as a subject,
        else the last one named. "Dr X said the decision by Y was wrong. She added: …" is X.
        """
        last = last_subject = None
        for start, end, person in self.person_mentions:
            if start >= before:
                break
            if self.in_quote(start):
                continue
            last = (person, start)
            if self._is_subject(start, end):
                last_subject = (person, start)
        return last_subject or last or (None, -1)

    def earlier_speaker(self, head: Token, at_char: int) -> tuple[str, str | None] | None:
        """Who "the source", "the chair" or "the spokesperson" points back to: the last
        person whose role has that word, else the last speaker named with it."""
        word = head.lower_
        best: tuple[int, tuple[str, str | None]] | None = None
        for person in self.people:
            role = (person.get("role") or "").lower().split()
            if word in role:
                named = [s for s, _e in person["mentions"] if s < at_char]
                if named and (best is None or named[-1] > best[0]):
                    best = (named[-1], (person["name"], person.get("actor_id")))
        for start, item in [(q_open, q) for q_open, q in self.attributed] + [
                (r["start"], r) for r in self.reported]:
            speaker = item.get("speaker") or ""
            if start < at_char and speaker.lower().split()[-1:] == [word] and (
                    best is None or start > best[0]) and item.get("actor_id"):
                best = (start, (speaker, item["actor_id"]))
        return best[1] if best else None

    def role_holder(self, subject: Token, phrase: list[Token], at_char: int,
                    body: str | None) -> tuple[str, str | None] | None:
        """Who a definite role ("the chair", "the GPC chair", "the prime minister") points
        back to, by ``earlier_speaker``. When the phrase names a body, only a person of
        that body will do, not a speaker who merely had the same word in their name."""
        # "the chair", or a body's own: "NHS England's assistant head of policy"
        owned = body is not None and any(t.tag_ == "POS" for t in phrase[:6])
        if (phrase[0].lower_ != "the" and not owned) or \
                subject.lower_ not in self.finder.speaker_nouns:
            return None
        earlier = self.earlier_speaker(subject, at_char)
        if earlier is None and body is not None:
            # "The Chair of the RCGP stated ..." in a standfirst, the name only below:
            # the one person of that body with that role, wherever the page names them.
            holders = {(p["name"], body) for p in self.people if p.get("actor_id") == body
                       and subject.lower_ in (p.get("role") or "").lower().split()}
            return holders.pop() if len(holders) == 1 else None
        if earlier is None or (body is not None and (
                earlier[1] != body or not self.is_person_name(earlier[0]))):
            return None
        return earlier

    def _earlier_mentions(self, noun: Token) -> Iterator[Token]:
        """Earlier mentions of the document ``noun`` names, nearest first, outside quotes."""
        lemma = noun.lemma_.lower()
        for tok in reversed(self.doc[:noun.i]):
            if tok.lemma_.lower() == lemma and tok.pos_ == "NOUN" and not self.in_quote(tok.idx):
                yield tok

    def document_author(self, noun: Token) -> dict[str, Any] | None:
        """The person who wrote "the letter" quoted, from what the page says nearest before
        it: an earlier mention that names them ("a letter – penned by Sarah Burns, director
        of place – stated ...", "a letter signed by Dr X", "In a letter to practices, Dr X
        explained ..."), or, for a letter, someone writing to someone ("Dr X wrote to all
        NHS organisations ..."): a signed letter is its signatory's words."""
        lemma = noun.lemma_.lower()
        for tok in reversed(self.doc[:noun.i]):
            if self.in_quote(tok.idx):
                continue
            if lemma == "letter" and tok.lemma_.lower() == "write" and tok.pos_ == "VERB" and \
                    any(c.dep_ == "prep" and c.lower_ == "to" for c in tok.children):
                return self._person_subject(tok)
            if tok.lemma_.lower() != lemma or tok.pos_ != "NOUN":
                continue
            for verb in tok.children:
                if verb.dep_ not in ("acl", "relcl") or verb.lemma_.lower() not in _AUTHORING:
                    continue
                agent = next((c for c in verb.children if c.dep_ == "agent"), None)
                name = next((c for c in agent.children if c.dep_ == "pobj"), None) \
                    if agent is not None else None
                if name is not None:
                    return self.person_at(name.idx, name.idx + len(name))
            head = tok.head
            if tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ in ("in", "through"):
                # the person who speaks through the letter wrote it
                return self._person_subject(head.head)
            return None
        return None

    def _person_subject(self, verb: Token) -> dict[str, Any] | None:
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None:
            return None
        return self.person_at(subject.idx, subject.idx + len(subject))

    def document_owner(self, noun: Token, at_char: int) -> Span | None:
        """"The report finds …" after "The committee published its report": the body
        whose earlier mention of the same document was its own (a possessor, or the subject
        of the verb that has the document as object or says something "in" it)."""
        for tok in self._earlier_mentions(noun):
            for child in tok.children:
                if child.dep_ == "poss" and child.i in self.actor_at:
                    return self.actor_at[child.i]
            verb = tok.head
            if tok.dep_ == "pobj" and verb.dep_ == "prep" and verb.lower_ in ("in", "through"):
                # "The committee made the comments in a progress report": its report
                verb = verb.head
                if verb.dep_ == "dobj":
                    verb = verb.head  # the parser hangs "in" on "the comments"
            if tok.dep_ in ("dobj", "nsubjpass") or verb is not tok.head:
                for child in verb.children:
                    if child.dep_ in ("nsubj", "agent"):
                        owner = child if child.dep_ == "nsubj" else next(
                            (c for c in child.children if c.dep_ == "pobj"), child)
                        span = self.actor_at.get(owner.i)
                        if span is not None and span.label_ != "media":
                            return span
        return None

    def last_named_speaker(self, lo: int, hi: int, *, quotes: bool = True,
                           people_only: bool = False) -> tuple[str, str | None] | None:
        """The last speaker between ``lo`` and ``hi`` (of a quotation, unless ``quotes`` is
        False, or of reported speech) who is a named person or, unless ``people_only``,
        speaks for a body."""
        items = [(start, item) for start, item in self.attributed
                 if lo <= start < hi] if quotes else []
        items += [(r["start"], r) for r in self.reported if lo <= r["start"] < hi]
        items = [(start, item) for start, item in items if item.get("speaker")
                 and (self.is_person_name(item["speaker"])
                      or not people_only and item.get("actor_id"))]
        if not items:
            return None
        _start, item = max(items, key=lambda pair: pair[0])
        return item["speaker"], item.get("actor_id")

    def last_unnamed_speaker(self, at_char: int) -> tuple[str, str | None] | None:
        """The last speaker before ``at_char``, in this paragraph or the one before, when
        it is one unnamed person ("one GP", "another senior figure")."""
        previous = self.previous_paragraph(self.paragraph_start(at_char))
        floor = previous[0] if previous else 0
        items = [(q_open, q) for q_open, q in self.attributed] + [
            (r["start"], r) for r in self.reported]
        before = [(start, item) for start, item in items if floor <= start < at_char]
        if not before:
            return None
        _start, item = max(before, key=lambda pair: pair[0])
        speaker = item.get("speaker") or ""
        if speaker.split()[:1] and speaker.split()[0].lower() in _SINGULAR_OPENERS \
                and not self.is_person_name(speaker):
            return speaker, item.get("actor_id")
        return None

    def elided_noun(self, subject: Token, at_char: int) -> tuple[str, str | None] | None:
        """The noun a bare "another" or "one" leaves out, and its body: that of a group of
        people named in this sentence or the one before ("clinical directors were divided.
        One said …"), else, for "another", that of the last unnamed speaker ("one
        patient")."""
        sent = subject.sent
        lo = self.doc[sent.start - 1].sent.start if sent.start > 0 else sent.start
        for tok in reversed(self.doc[lo:subject.i]):
            if tok.tag_ != "NNS" or tok.lower_ not in self.finder.speaker_nouns or (
                    self.in_quote(tok.idx)):
                continue
            if tok.dep_ in _SUBJECT_DEPS or any(
                    c.lower_ in _GROUP_WORDS for c in tok.children if c.i < tok.i):
                words = [c for c in tok.lefts if c.dep_ in ("compound", "amod")]
                noun = " ".join([*(t.text if t.pos_ == "PROPN" else t.lower_ for t in words),
                                 tok.lemma_.lower()])
                return noun, None
        if subject.lower_ != "another":
            return None
        earlier = self.last_unnamed_speaker(at_char)
        if earlier is None or earlier[0].split()[0].lower() not in ("one", "a", "an"):
            return None
        # "One clinical director in the Midlands": the noun, not where that one works.
        noun = _NOUN_END.split(earlier[0].split(None, 1)[1] if " " in earlier[0] else "")[0]
        return (noun.strip(), earlier[1]) if noun.strip() else None

    def strong(self, found: tuple[str | None, str | None] | None, subject: Token) -> bool:
        """Whether a resolved speaker is someone the text names: a person, or a body
        named directly or by a pronoun, not an unnamed voice or a document."""
        if found is None or found[0] is None:
            return False
        if self.is_person_name(found[0]):
            return True
        return found[1] is not None and subject.lemma_.lower() not in (
            self.finder.document_nouns) and subject.lower_ not in self.finder.speaker_nouns

    def is_person_name(self, speaker: str) -> bool:
        return any(person["name"] == speaker for person in self.people)

    def last_body_speaker(self, at_char: int) -> tuple[str, str] | None:
        """The body that spoke last, in this paragraph or the one before ("The LMC said …
        It added: …"), when the last speaker there was a body rather than a person."""
        previous = self.previous_paragraph(self.paragraph_start(at_char))
        floor = previous[0] if previous else 0
        items = [(q_open, q) for q_open, q in self.attributed] + [
            (r["start"], r) for r in self.reported]
        before = [(start, item) for start, item in items
                  if floor <= start < at_char and item.get("speaker")]
        if not before:
            # Web pages often give each sentence a paragraph of its own: a body that spoke
            # further back is still the one in focus until another body leads a sentence.
            earlier = [(start, item) for start, item in items
                       if start < floor and item.get("speaker")]
            if not earlier:
                return None
            start, item = max(earlier, key=lambda pair: pair[0])
            if self._led_by_another(item.get("end", start), at_char, item.get("actor_id")):
                return None
            before = [(start, item)]
        _start, item = max(before, key=lambda pair: pair[0])
        if item.get("actor_id") and item["actor_id"] not in self.media:
            # "The letter from its chief executive, Dr X, said: …. It added: …": "it" is
            # the body behind the last speaker, whether it spoke itself or through a person.
            return self.full_name(item["actor_id"]), item["actor_id"]
        return None

    def _led_by_another(self, lo: int, hi: int, actor_id: str | None) -> bool:
        """Whether a body other than ``actor_id`` is the subject of a sentence's main verb
        between the two offsets, outside quotations."""
        for span in self.actors:
            if not lo <= span.start_char < hi or span.kb_id_ == actor_id or \
                    self.in_quote(span.start_char):
                continue
            root = span.root
            if root.dep_ in _SUBJECT_DEPS and root.head.dep_ == "ROOT":
                return True
        return False

    def last_of_kind(self, kind: str, before: int) -> Span | None:
        """The last body of ``kind`` named before ``before``, outside quotations."""
        found = [span for span in self.actors if span.start_char < before
                 and span.label_ == kind and not self.in_quote(span.start_char)]
        return max(found, key=lambda span: span.start_char) if found else None

    def last_body(self, before: int) -> Span | None:
        """The body in focus: the last one named as a subject, else the last one named;
        media only when no other body was named."""
        last = last_subject = last_media = None
        for span in self.actors:
            if span.start_char >= before:
                break
            if self.in_quote(span.start_char):
                continue
            if span.label_ == "media":
                last_media = span
                continue
            last = span
            if self._is_subject(span.start_char, span.end_char):
                last_subject = span
        return last_subject or last or last_media

    def name_of(self, span: Span) -> str:
        first = span[0].lower_
        # A short form ("the LMC", "the college") is named by the body it stands for.
        if first == "the" and span.kb_id_ in self.actor_names:
            return self.full_name(span.kb_id_)
        return span.text

    def full_name(self, actor_id: str) -> str:
        """A body as named at its fullest mention in the text ("Surrey and Sussex LMCs",
        not "the LMC" or "SSLMCs"), else its display name."""
        names = [s.text for s in self.actors if s.kb_id_ == actor_id
                 and s[0].lower_ != "the" and not self.in_quote(s.start_char)]
        if not names:
            return self.actor_names.get(actor_id, actor_id)
        return max(names, key=lambda n: (len(n.split()), len(n)))

    def joint_ids(self, speaker: str | None, actor_id: str | None) -> list[str] | None:
        """The bodies a speaker with no one body speaks for together: several bodies named
        as the subject, or a person whose role names several (people's ``actor_ids``)."""
        if actor_id is not None or speaker is None:
            return None
        if speaker in self.joint:
            return self.joint[speaker]
        return next((p["actor_ids"] for p in self.people
                     if p.get("actor_ids") and p["name"] == speaker), None)

    def joint_speaker(self, subject: Token, head_actor: Span, lo: int, hi: int) -> str | None:
        """The words naming several bodies that speak together ("the BMA and the RCGP
        said"), or None. A joint statement is no one body's: the quote's actor stays null
        and each body takes a stance from it (realdev LABELLING.md); the bodies are kept
        in ``self.joint`` under the words."""
        ids = [head_actor.kb_id_]
        spans = [head_actor]
        for tok in subject.conjuncts:
            span = self.actor_at.get(tok.i)
            if span is not None and lo <= tok.i < hi and span.kb_id_ not in ids \
                    and span.root.i == tok.i:
                ids.append(span.kb_id_)
                spans.append(span)
        if len(ids) < 2:
            return None
        first = min(s.start for s in spans)
        last = max(s.end for s in spans)
        while first > lo and self.doc[first - 1].lower_ == "the":
            first -= 1
        words = self.doc[first:last].text
        self.joint[words] = ids
        return words

    def resolve(self, subject: Token, lo: int, hi: int, at_char: int,
                strict: bool = False) -> tuple[str | None, str | None] | None:
        """(speaker, actor_id) named by a subject token; ``strict`` drops unknown nouns."""
        doc = self.doc
        if subject.tag_ == "WDT" and subject.head.dep_ == "relcl" and (
                lo <= subject.head.head.i < subject.i):
            # "a report which said …": the relative pronoun stands for the noun it follows
            # ("who" is left to the person rules, which already follow it to its name).
            return self.resolve(subject.head.head, lo, subject.i, at_char, strict)
        left = max(subject.left_edge.i, lo)
        right = min(subject.right_edge.i + 1, hi)
        # The parser sometimes splits one subject in two ("a Department of Health
        # spokesperson": two nsubj); a sibling subject just before joins the phrase.
        while left - 1 >= lo and subject.dep_ in _SUBJECT_DEPS:
            sibling = _child_of(doc[left - 1], subject.head)
            if sibling is None or sibling.dep_ not in _SUBJECT_DEPS or sibling.i == subject.i:
                break
            left = max(sibling.left_edge.i, lo)
        # "BMA leaders said", with the body misparsed as an adverb: a body right before the
        # subject phrase belongs to it.
        while left - 1 >= lo and (left - 1) in self.actor_at and (
                self.actor_at[left - 1].end == left) and subject.lower_ in (
                self.finder.speaker_nouns):
            left = max(self.actor_at[left - 1].start, lo)
        # Keep the subject phrase to the clause around it: stop at a quotation.
        phrase = [t for t in doc[left:right] if not self.in_quote(t.idx) and not t.is_quote]
        if not phrase:
            return None
        p_lo, p_hi = phrase[0].idx, phrase[-1].idx + len(phrase[-1])
        head_person = self.person_at(subject.idx, subject.idx + len(subject))
        if head_person is None:
            # "The health minister, X, said": the person in apposition is the speaker.
            for child in subject.children:
                if child.dep_ == "appos" and lo <= child.i < hi:
                    head_person = self.person_at(child.idx, child.idx + len(child))
                    if head_person is not None:
                        break
        if head_person is not None:
            return head_person["name"], head_person.get("actor_id")
        word = subject.lower_
        if [t.lower_ for t in phrase] == ["the", word] and word in self.finder.body_nouns:
            word = "it"  # "The organisation also called for ...": the body in focus
        if word in self.finder.person_pronouns:
            person, named_at = self.last_person_at(at_char)
            # "One GP said: … She added: …": a quote by someone unnamed since the last
            # named person is nearer than that person.
            for q_open, item in reversed(self.attributed):
                if q_open < named_at or item["speaker"] is None:
                    break
                # Only one unnamed person can be "she": "one GP", "a practice manager",
                # not "clinical directors".
                if item["actor_id"] is None and not self.is_person_name(item["speaker"]) \
                        and item["speaker"].lower() not in self.finder.person_pronouns \
                        and item["speaker"].split()[0].lower() in _SINGULAR_OPENERS:
                    return item["speaker"], None
                break
            # "A GP who asked not to be named said it was agonising. “…,” she said."
            unnamed = self.unnamed_voice(named_at, at_char)
            if unnamed is not None:
                return unnamed, None
            # "The college's chair added that ... “…,” he said.": a person brought back by
            # role since the last name is the one in focus.
            recalled = self.last_named_speaker(named_at + 1, at_char, quotes=False,
                                               people_only=True)
            if recalled is not None:
                return recalled
            return (person["name"], person.get("actor_id")) if person else (subject.text, None)
        head_actor = self.actor_at.get(subject.i)
        if head_actor is not None:
            joint = self.joint_speaker(subject, head_actor, lo, hi)
            if joint is not None:
                return joint, None
            # "The prime minister said", an office standing for its body.
            holder = self.role_holder(subject, phrase, at_char, head_actor.kb_id_)
            if holder is not None:
                return holder
            # "A Department of Health spokesperson said", misparsed with the body as head:
            # the speaker is the whole phrase, which the body's name does not cover.
            after = [t for t in phrase if t.i >= head_actor.end]
            if after and after[0].lower_ in self.finder.speaker_nouns:
                words = _trim_phrase(phrase)
                return "".join(t.text_with_ws for t in words).strip(), head_actor.kb_id_
            return self.name_of(head_actor), head_actor.kb_id_
        if word == "we" and not self.in_quote(subject.idx) and self.home is not None:
            # "In our reply we wrote: …" in the LMC's own newsletter: the LMC speaks.
            return (self.actor_names.get(self.home.kb_id_, self.home.text),
                    self.home.kb_id_)
        if [t.lower_ for t in phrase] == ["the", word] and word in self.finder.member_nouns:
            # "The MPs said NHS bosses '…'" after a committee's report: its members speak
            # for the committee last named.
            committee = self.last_of_kind("parliament", at_char)
            if committee is not None:
                return self.full_name(committee.kb_id_), committee.kb_id_
        if word == "they" and self.attributed:
            # "… They added: '…'": the committee's members again
            last = self.attributed[-1][1]
            if last["actor_id"] and self.finder.registry().is_known(last["actor_id"]) and \
                    self.finder.registry().get(last["actor_id"]).kind == "parliament":
                return last["speaker"], last["actor_id"]
        if word in self.finder.body_pronouns:
            if word == "we":
                return None if strict else (subject.text, None)
            spoke = self.last_body_speaker(at_char)
            if spoke is not None:
                return spoke
            body = self.last_body(at_char)
            if body is None:
                return None if strict else (subject.text, None)
            return self.full_name(body.kb_id_), body.kb_id_
        person = self.person_at(p_lo, p_hi)
        if person is not None:
            return person["name"], person.get("actor_id")
        inner = self.phrase_body(phrase, subject)
        bare = None if inner is not None else self.bare_short_form(phrase, at_char)
        if inner is None and any(t.lower_ in ("a", "an") for t in phrase[:2]):
            # "An LMC has advised practices ‘…’", the LMC named in the lines after (a
            # label such as "Exclusive" may come first).
            later = self.named_later(phrase)
            if later is not None:
                return self.full_name(later), later
        if inner is None and bare is None and subject.lower_ in self.finder.speaker_nouns \
                and any(c.dep_ == "poss" and c.lower_ == "its" for c in subject.children):
            # "said its chair", "its spokesperson added": the role is of the body in focus,
            # and of the person named in it earlier if there is one.
            body = self.last_body(at_char)
            if body is not None and body.label_ != "media":
                earlier = self.earlier_speaker(subject, at_char)
                if earlier is not None and earlier[1] == body.kb_id_ and \
                        self.is_person_name(earlier[0]):
                    return earlier
                words = _trim_phrase(phrase)
                return "".join(t.text_with_ws for t in words).strip(), body.kb_id_
        if strict and inner is None and bare is None and (
                subject.lower_ not in self.finder.speaker_nouns):
            return None
        if bare is None:
            # "The chair said", "the GPC chair said".
            holder = self.role_holder(subject, phrase, at_char,
                                      inner.kb_id_ if inner is not None else None)
            if holder is not None:
                return holder
        if (not strict and inner is None and bare is None
                and subject.lemma_.lower() in self.finder.document_nouns):
            author = self.document_author(subject)
            if author is not None and author.get("actor_id"):
                return author["name"], author["actor_id"]
            body = self.document_owner(subject, at_char)
            if body is None and subject.lemma_.lower() not in self.finder.policy_documents:
                # "NHS England must act, it said. The report said: …": the report is the
                # body's that has been speaking, not the last one named.
                spoke = self.last_body_speaker(at_char)
                if spoke is not None:
                    return (author["name"], spoke[1]) if author is not None else spoke
            if body is None:
                body = self.last_body(at_char)
                if body is not None and subject.lemma_.lower() in self.finder.policy_documents \
                        and not self.finder.registry().is_policy_maker(body.kb_id_):
                    # "The plan says: …" after a union was named: not the union's plan.
                    body = None
            if body is not None:
                # "a letter penned by Sarah Burns, director of place": hers, for the body
                name = author["name"] if author is not None else self.full_name(body.kb_id_)
                return name, body.kb_id_
            if author is not None:
                return author["name"], None
        if word == "they" and not strict:
            # "Another senior figure said …. “…,” they said.": singular they for the
            # unnamed speaker just before.
            earlier = self.last_unnamed_speaker(at_char)
            if earlier is not None:
                return earlier
        if word in _ELLIPTIC and len(phrase) == 1:
            # "One patient said: …. Another added: …": the noun left out is the one of the
            # group just spoken of.
            elided = self.elided_noun(subject, at_char)
            if elided is not None:
                return f"{subject.text} {elided[0]}", elided[1]
        if subject.pos_ == "PRON" and word not in _ELLIPTIC:
            return None if strict else (subject.text, None)
        words = _trim_phrase(phrase)
        if not words:
            return None
        actor_id = inner.kb_id_ if inner is not None else bare
        if actor_id is None and subject.lower_ in self.finder.speaker_nouns:
            actor_id = self.finder.registry().modifier_actor(
                [t.text for t in phrase if t.i < subject.i])
        if actor_id is None and any(t.lower_ == "our" for t in phrase if t.i < subject.i):
            # "Our pharmacist told me: …" in a first-person piece: the writer's body, or the
            # body of the person whose words these are (an interview's answers).
            if self.home is not None:
                actor_id = self.home.kb_id_
            else:
                person, _named = self.last_person_at(at_char)
                actor_id = person.get("actor_id") if person else None
        if actor_id is None and subject.lower_ in self.finder.body_voices and not any(
                t.i != subject.i and t.i != phrase[0].i and t.text[:1].isupper()
                for t in phrase):
            # "NHS England said the consultation was open. A spokesperson said: …": a voice
            # of a body speaks for the body named just before, in this paragraph or the last;
            # not one that names its own, unregistered, body ("a spokesperson for EMIS").
            body = self.last_body(at_char)
            previous = self.previous_paragraph(self.paragraph_start(at_char))
            if body is not None and body.label_ != "media" and body.start_char >= (
                    previous[0] if previous else 0):
                actor_id = body.kb_id_
        return "".join(t.text_with_ws for t in words).strip(), actor_id

    def phrase_body(self, phrase: list[Token], head: Token) -> Span | None:
        """The body a speaker phrase names: "the union's GP committee chair" is the
        committee (a possessor yields to what it owns), "a source at NHS England" the one
        after the head."""
        spans: list[Span] = []
        for tok in phrase:
            span = self.actor_at.get(tok.i)
            if span is not None and (not spans or spans[-1] is not span) and not (
                    _in_clause_of(span.root, head)):
                spans.append(span)
        if not spans:
            return None
        doc = self.doc
        owned = [s for s in spans if not (s.end < len(doc) and doc[s.end].text in _POSSESSIVE
                                          and s is not spans[-1])]
        spans = owned or spans
        before = [s for s in spans if s.start <= head.i]
        return before[-1] if before else spans[0]

    def named_later(self, phrase: list[Token]) -> str | None:
        """The body an indefinite short form stands for, named by the end of the next
        paragraph."""
        end = phrase[-1].idx
        stop = self.next_paragraph_end(end)
        after = [s.kb_id_ for s in self.actors if end < s.start_char < stop]
        resolve = self.finder.registry().resolve_later
        return _first_actor(phrase, lambda word: resolve(word, after))

    def bare_short_form(self, phrase: list[Token], at_char: int) -> str | None:
        """"An ICB spokesperson": a short-form word without its article names the last one."""
        before = [s.kb_id_ for s in self.actors if s.start_char < at_char]
        resolve = self.finder.registry().resolve_bare
        return _first_actor(phrase, lambda word: resolve(word, before))


def _in_clause_of(tok: Token, head: Token) -> bool:
    """Whether ``tok`` sits in a participle clause that describes ``head``: the body in "a
    motion calling for the DH to review ..." is what the motion asks of, not whose it is
    ("a letter sent by the BMA" is the BMA's)."""
    while tok.i != head.i and tok.head.i != tok.i:
        if tok.dep_ == "acl" and tok.tag_ == "VBG" and tok.head.i == head.i:
            return True
        tok = tok.head
    return False


def _first_actor(phrase: list[Token], resolve: Callable[[str], str | None]) -> str | None:
    """The actor the first word of ``phrase`` that ``resolve`` knows stands for."""
    for tok in phrase:
        actor_id = resolve(tok.text)
        if actor_id:
            return actor_id
    return None


def _inverted_subject(verb: Token, sent: Span, ctx: _Context) -> Token | None:
    """"…, says the RCGP." / "…, warn LMC leaders": after a comma the speaker follows the
    verb and closes the sentence (headline and news style)."""
    if verb.i == sent.start or verb.doc[verb.i - 1].text != ",":
        return None
    if any(c.dep_ in _SUBJECT_DEPS and c.i < verb.i and (
            c.i in ctx.actor_at or ctx.person_at(c.idx, c.idx + len(c)) is not None)
           for c in verb.children):
        # "Dr X, chair of the BMA's GP committee, accused NHS England of ...": the comma
        # closes the speaker's apposition; the body after the verb is spoken of. ("GPs
        # betrayed by the contract, says BMA": what comes first is no speaker.)
        return None
    rest = [t for t in verb.doc[verb.i + 1:sent.end] if not t.is_punct and not t.is_space]
    if not rest or len(rest) > 8:
        return None
    for tok in rest:
        if tok.i in ctx.actor_at or ctx.person_at(tok.idx, tok.idx + len(tok)) is not None:
            return tok
    nouns = [t for t in rest if t.pos_ in ("NOUN", "PROPN")]
    return nouns[-1] if nouns else None


_MINOR_WORDS = frozenset({"a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "at",
                          "by", "with", "from", "as", "into", "&"})


def _reduced_relative(tok: Token) -> bool:
    """A participle that describes a noun before it ("the contract, published by NHS England
    on 6 March"): after a quotation it says who made the thing talked of, not who spoke."""
    return tok.dep_ == "acl" and tok.tag_ == "VBN" and tok.head.i < tok.i


def _attributive(tok: Token) -> bool:
    """A participle used as an adjective between a determiner or possessive and its noun
    ("NHS England's suggested timescales", "the proposed changes"): no one speaks."""
    doc = tok.doc
    if tok.i == 0 or tok.i + 1 >= len(doc) or tok.tag_ not in ("VBN", "VBD", "JJ"):
        return False
    return doc[tok.i - 1].tag_ in ("POS", "DT", "PRP$") and doc[tok.i + 1].pos_ == "NOUN"


def _is_title(content: str) -> bool:
    """A quotation that is a name ("Primary Care Networks and the Network Contract DES",
    "A new service model for the 21st century"): its words are capitalised, but for small
    joining words, and it ends without a sentence's punctuation."""
    words = [w.strip("\u2019'\u201d\",.:;()") for w in content.split()]
    words = [w for w in words if w]
    if not words or content.rstrip()[-1:] in ".!?" or len(words) > 14:
        return False
    capitalised = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
    minor = [w for w in words if w.lower() in _MINOR_WORDS]
    return len(capitalised) >= 0.6 * (len(words) - len(minor)) and len(capitalised) >= 3


def _child_of(token: Token, head: Token) -> Token | None:
    """The child of ``head`` whose subtree holds ``token``, if any."""
    current = token
    for _ in range(12):
        if current.head.i == head.i:
            return current
        if current.head.i == current.i:
            return None
        current = current.head
    return None


def _according_object(according: Token) -> Token:
    """The head of the phrase after "according to" (the parser's object, else the next word)."""
    to = according.nbor(1)
    return next((c for c in to.children if c.dep_ == "pobj"), according.nbor(2))


_PHRASE_EDGE = {",", "-", "\u2013", "\u2014", "(", ")", ":", ";", "and", "but", "however"}


def _trim_phrase(tokens: list[Token]) -> list[Token]:
    words = list(tokens)
    # An apposition after the head ("one GP, who asked not to be named,") is left out.
    for i, tok in enumerate(words):
        if tok.text in (",", "(") and i > 0:
            # likewise a short form in brackets: "the National Pharmacy Association (NPA)"
            words = words[:i]
            break
    while words and words[0].lower_ in _PHRASE_EDGE:
        words.pop(0)
    while words and words[-1].lower_ in _PHRASE_EDGE:
        words.pop()
    return words[:12]


@Language.factory(
    "pcnwatch_quotes",
    assigns=["doc._.pcnwatch_quotes", "doc._.pcnwatch_reported", "doc._.pcnwatch_scare_quotes",
             "doc._.pcnwatch_home"],
    requires=["doc.spans", "doc._.pcnwatch_people", "token.dep", "token.lemma"],
    default_config={"spans_key": "pcnwatch_actors", "min_quote_words": 4, "max_paragraphs": 8,
                    "data_reader": {"@misc": "pcnwatch.data_file.v1",
                                    "name": "speech_verbs.toml", "path": None}},
)
def make_quote_finder(nlp: Language, name: str, *, spans_key: str, min_quote_words: int,
                      max_paragraphs: int,
                      data_reader: Callable[[], dict[str, Any]]) -> QuoteFinder:
    return QuoteFinder(nlp, name, spans_key=spans_key, min_quote_words=min_quote_words,
                       max_paragraphs=max_paragraphs, data_reader=data_reader)
