"""Stance of each quote and each actor toward the national policy for general practice.

Labels follow contract section 4: support / oppose / mixed / neutral. The method is a
weighted cue lexicon (``nlp/data/stance_cues.toml``) read over tokens the tagger has already
made, so it costs little beyond a dictionary lookup per token:

1. Cue phrases are found by lower-case form or lemma, each with a side (support, oppose,
   condition, defend; flip and mend, which oppose when denied and, for mend, also when
   called for) and a weight.
2. A negator a few tokens before a cue, inside its clause, flips it ("not supportive",
   "no longer concerned", "far from prepared"); so does a counterfactual ("it would have
   been absurd to press ahead" backs the pause). A benefit denied only for now ("won't
   change things overnight") counts for neither side.
3. Contrast re-weights clauses: after "but"/"however" counts more, a "while"/"although"
   clause counts less than the main clause that follows it.
4. Intensifiers and scare quotes raise a cue, hedges lower it.
5. Totals for (P)ro and (N)ot decide: neutral when both are small, one side when it
   dominates, mixed when real benefits and serious reservations stand together.
6. Each quotation is then read again by the quotation stance model (``reader.py``), a
   word model trained on labelled real pages that takes the rules' label as one of its
   features; its label is the quotation's.
7. An actor's stance comes from all it says: each quote (as the model read it), reported
   statement and sentence it is the subject of is judged alone and votes (a mixed one for
   both sides); mixed when the lesser side has at least ``mixed_share`` of the votes of the
   greater, else the greater.

A policy maker (NHS England, the Government …) explaining its own policy is neutral (contract
section 4) unless it praises or defends it in evaluative words; one only promising to listen
or keep talking (``[process]`` cues) is neutral. Every judgement keeps the sentences and cue
phrases (or the model's weightiest words) that decided it, so a reader can check it.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..registry import Registry, load_registry
from . import extension
from ._data import pipeline_registry, read_component_data, write_component_data
from ._syntax import lemma_in, misparsed_main_verb, name_root, reported_within
from .reader import StanceReader, load_stance_reader

__all__ = ["CuePhrases", "StanceJudge", "StanceTagger", "Judgement", "load_stance_cues"]

if not Doc.has_extension("pcnwatch_stances"):
    Doc.set_extension("pcnwatch_stances", default=None)

STANCES = ("support", "oppose", "mixed", "neutral")
_GAP = "*"
_MAX_GAP = 3
_NORMAL = {"n't": "not", "ca": "can", "wo": "will", "\u2019s": "'s", "cannot": "can"}
_QUOTE_MARKS = {'"', "'", "\u2018", "\u2019", "\u201c", "\u201d"}
_COMPLEMENT_DEPS = {"acomp", "attr", "advmod", "xcomp", "amod", "npadvmod", "oprd"}
# Links a cue climbs to reach the verb whose negation covers it ("is not workable",
# "do not work", "not going to sign up"); objects and prepositions are not among them.
_CLIMB_DEPS = {"acomp", "attr", "xcomp", "oprd", "amod", "compound", "advmod", "auxpass",
               "aux", "neg", "prt"}
# Links from a trouble word up to a verb of relief ("the burden has been cut").
_RELIEF_DEPS = {"dobj", "pobj", "prep", "nsubjpass", "compound", "amod", "poss", "pcomp"}
# Words between a relief verb and its trouble word that leave the relief standing.
_QUANTIFIERS = {"many", "some", "most", "all", "several", "few", "of", "the", "these", "those",
                "their", "our", "its", "your", "much", "a", "lot"}
_CLAUSE_BREAK = {",", ";", ":", "(", ")", "-", "\u2013", "\u2014", ".", "!", "?"}


# Links from a change word up to the verb that welcomes it: "the decision to scrap" (acl),
# "plans to pause" (xcomp, acl), "the scrapping of" (dobj, pobj, prep).
_WELCOMED_LINKS = frozenset({"acl", "relcl", "xcomp", "dobj", "pobj", "prep", "compound",
                             "amod", "nmod", "poss"})


def _norm(word: str) -> str:
    word = word.lower().replace("\u2019", "'")
    return _NORMAL.get(word, word)


def load_stance_cues(path: str | None = None) -> dict[str, Any]:
    """Read the stance cue file (the packaged one unless `path` is given)."""
    if path is None:
        data = resources.files("nlp.data").joinpath("stance_cues.toml").read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _cleft(clause: Token) -> bool:
    """True when a relative clause is the claim of a cleft sentence ("it is patients who
    will suffer"): its noun is what "it is" points to."""
    noun = clause.head
    copula = noun.head
    return clause.dep_ == "relcl" and noun.dep_ == "attr" and copula.lemma_ == "be" and any(
        c.dep_ == "nsubj" and c.lower_ == "it" for c in copula.children)


@dataclass(frozen=True)
class CueMatch:
    start: int  # token index into the forms list
    end: int
    phrase: str
    value: Any


class CuePhrases:
    """Multi-word phrase lookup over (lower, lemma) token forms, with "*" gaps.

    Shared by the stance, events and topics components: each gives its own phrase table.
    """

    def __init__(self, tokenizer: Any, phrases: dict[str, Any]) -> None:
        self._by_first: dict[str, list[tuple[list[str], str, Any]]] = defaultdict(list)
        for phrase, value in phrases.items():
            words = [_GAP if t.text == _GAP else _norm(t.text) for t in tokenizer(phrase)]
            if not words or words[0] == _GAP:
                raise ValueError(f"cue phrase {phrase!r} must start with a word")
            self._by_first[words[0]].append((words, phrase, value))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    @staticmethod
    def forms(tokens: Iterable[Any]) -> list[tuple[str, str]]:
        """The (lower, lemma) pair of each token, computed once per document. A comparative
        keeps its own form: "greater pay for nurses" asks for more, where "great" would
        praise."""
        return [(_norm(t.text), _norm(t.text if getattr(t, "tag_", "") == "JJR"
                                      else t.lemma_ or t.text)) for t in tokens]

    def _match_at(self, forms: Sequence[tuple[str, str]], words: list[str], i: int,
                  limit: int) -> int | None:
        pos = i
        k = 0
        while k < len(words):
            word = words[k]
            if word == _GAP:
                nxt = words[k + 1]
                for gap in range(_MAX_GAP + 1):
                    j = pos + gap
                    if j < limit and nxt in forms[j]:
                        pos = j
                        break
                else:
                    return None
                k += 1
                continue
            if pos >= limit or word not in forms[pos]:
                return None
            pos += 1
            k += 1
        return pos

    def find(self, forms: Sequence[tuple[str, str]], start: int = 0,
             end: int | None = None) -> list[CueMatch]:
        """Longest non-overlapping matches in forms[start:end], left to right."""
        limit = len(forms) if end is None else end
        found: list[CueMatch] = []
        i = start
        while i < limit:
            lower, lemma = forms[i]
            candidates = self._by_first.get(lower, [])
            if lemma != lower:
                candidates = candidates + self._by_first.get(lemma, [])
            best: CueMatch | None = None
            for words, phrase, value in candidates:
                stop = self._match_at(forms, words, i, limit)
                if stop is not None and (best is None or stop > best.end):
                    best = CueMatch(i, stop, phrase, value)
            if best is not None:
                found.append(best)
                i = best.end
            else:
                i += 1
        return found


@dataclass
class Judgement:
    stance: str
    confidence: float
    support: float = 0.0
    oppose: float = 0.0
    cues: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class _Hit:
    side: str
    weight: float
    cue: str
    sentence: int
    base: float = 0.0
    raw: float = 0.0  # the weight before clause weighting, for weighing the two sides


class StanceJudge:
    """Scores token ranges of a Doc with the cue lexicon; no Doc state of its own."""

    def __init__(self, tokenizer: Any, cues: dict[str, Any],
                 registry: Callable[[], Registry] = load_registry) -> None:
        self.settings = cues["settings"]
        self._registry = registry
        self._texts_of: Doc | None = None
        self._texts: list[str] = []
        table: dict[str, tuple[str, float]] = {}
        for side in ("condition", "support", "oppose", "flip", "mend", "neutral"):
            for phrase, weight in cues.get(side, {}).items():
                table[phrase] = (side, float(weight))
        reporting = cues.get("reporting", {})
        for side in ("support", "oppose"):
            for phrase, weight in reporting.get(side, {}).items():
                table.setdefault(phrase, (side, float(weight)))
        self.cues = CuePhrases(tokenizer, table)
        questions = cues.get("question", {})
        self.questions = CuePhrases(tokenizer, {
            p: (side, float(w)) for side in ("support", "oppose")
            for p, w in questions.get(side, {}).items()
        })
        self.neg_raising = set(cues["negators"].get("neg_raising", []))
        self.negative_subjects = set(cues["negators"].get("negative_subjects", []))
        self.negators = set(cues["negators"]["words"])
        self.negator_phrases = [
            [_norm(t.text) for t in tokenizer(p)] for p in cues["negators"]["phrases"]
        ]
        self.not_negating = [
            [_norm(t.text) for t in tokenizer(p)] for p in cues["negators"]["not_negating"]
        ]
        self.after = set(cues["contrast"]["after"])
        self.concession_words = [
            [_norm(t.text) for t in tokenizer(p)] for p in cues["contrast"]["concession"]
        ]
        self.concession_first = {words[0] for words in self.concession_words}
        self.timing = set(cues["negators"].get("timing", []))
        self.manner = set(cues["negators"].get("manner", []))
        self.missed = set(cues["negators"].get("missed", []))
        self.counterfactual = [
            [_norm(t.text) for t in tokenizer(p)]
            for p in cues["negators"].get("counterfactual", [])
        ]
        self.irony = [[_norm(t.text) for t in tokenizer(p)]
                      for p in cues["negators"].get("irony", [])]
        self.faint = set(cues["hedges"].get("faint", []))
        self.sure_when_negated = set(cues["hedges"].get("sure_when_negated", []))
        self.reducers = set(cues["negators"]["reducers"])
        self.process = CuePhrases(tokenizer, {p: 1 for p in cues.get("process", {})})
        self.praise = CuePhrases(tokenizer, {p: 1 for p in cues["actors"].get("praise", [])})
        self.defend = CuePhrases(tokenizer, {
            p: ("defend", float(w)) for p, w in cues.get("defend", {}).items()
        })
        self.pos_only = {phrase: set(tags) for phrase, tags in cues.get("pos_only", {}).items()}
        # A reporting verb takes a side only as a verb: "the BMA slammed the plans", not
        # "a slam dunk".
        for side in ("support", "oppose"):
            for phrase in reporting.get(side, {}):
                self.pos_only.setdefault(phrase, {"VERB"})
        self.position_idioms = CuePhrases(tokenizer, {
            p: side for side in ("support", "oppose")
            for p in reporting.get(side, {}) if " " in p.strip()})
        self.beneficiaries = set(cues.get("beneficiaries", {}).get("words", []))
        self.unmet = set(cues["negators"].get("unmet", ["whether"]))
        self.policy_words = {t for t in cues["target"]["terms"] if " " not in t}
        self.intensifiers = set(cues["intensifiers"]["words"])
        self.hedges = set(cues["hedges"]["words"])
        self.target = CuePhrases(tokenizer, {t: 1 for t in cues["target"]["terms"]})
        self.general_practice = CuePhrases(
            tokenizer, {t: 1 for t in cues["target"].get("general_practice", [])})
        self.off_target = CuePhrases(tokenizer, {t: 1 for t in cues["off_target"]["terms"]})
        actors = cues["actors"]
        self.settings_actions = tuple(actors.get("stating_actions", ()))
        self.silent_kinds = set(actors["silent_kinds"])
        self.position_verbs = set(actors["position_verbs"])
        self.taking_sides = set(actors.get("taking_sides", ()))
        self.policy_statement_verbs = set(actors.get("policy_statement_verbs", ()))
        self.carry_over = set(actors["carry_over"])
        self.holder_passives = set(actors.get("holder_passives", ()))
        self.copulas = set(actors.get("copulas", ("be",)))
        self.announcement_nouns = set(actors.get("announcement_nouns", ()))
        self.organs = set(actors.get("organs", ()))
        welcomed = cues.get("welcomed", {})
        self.welcoming_verbs = set(welcomed.get("verbs", ()))
        self.welcomed_changes = set(welcomed.get("changes", ()))
        self.welcoming_predicates = set(welcomed.get("predicates", ()))

    def is_policy_maker(self, actor_id: str | None) -> bool:
        return self._registry().is_policy_maker(actor_id)

    # -- clause weights -------------------------------------------------------------------

    def _clause_weights(self, forms: Sequence[tuple[str, str]], texts: Sequence[str],
                        start: int, end: int) -> list[float]:
        s = self.settings
        weights = [1.0] * (end - start)
        first = start
        while first < end and texts[first] in _QUOTE_MARKS:
            first += 1
        for i in range(start, end):
            lower = forms[i][0]
            if lower in self.after and not (i + 1 < end and forms[i + 1][0] == "also"):
                if lower in ("still", "though") and i != first:
                    continue  # mid-sentence "still"/"though" rarely turns the argument
                for j in range(start, i):
                    weights[j - start] *= s["before_contrast"]
                for j in range(i + 1, end):
                    weights[j - start] *= s["after_contrast"]
                if i == first:
                    weights = [w * s["sentence_contrast"] / s["after_contrast"] for w in weights]
                continue
            if lower not in self.concession_first:
                continue
            for words in self.concession_words:
                if [f[0] for f in forms[i:i + len(words)]] != words:
                    continue
                if i > first and texts[i - 1] not in (",", ";", "that"):
                    break  # "while" mid-clause is usually temporal
                j = i
                while j < end and texts[j] != ",":
                    j += 1
                for k in range(i, j):
                    weights[k - start] *= s["concession"]
                for k in range(j, end):
                    weights[k - start] *= s["after_concession"]
                break
        return weights

    def _negated(self, doc: Doc, forms: Sequence[tuple[str, str]], texts: Sequence[str],
                 i: int, floor: int, skip: frozenset[int] = frozenset()) -> bool:
        """True when a negator governs the cue at token i.

        A "not" negates the verb it hangs on and that verb's complements ("are not
        supportive", "do not support") but not its object ("does not address the shortage"
        is no praise of shortages); "no", "far from", "without" negate what follows closely.
        """
        window = int(self.settings["negation_window"])
        cue = doc[i]
        j = i - 1
        while j >= max(floor, i - window):
            if texts[j] in _CLAUSE_BREAK or forms[j][0] in self.after:
                return False
            if doc[j].dep_ in ("nsubj", "nsubjpass") and doc[j].pos_ == "PRON":
                return False
            if any([f[0] for f in forms[j:j + len(w)]] == w for w in self.not_negating):
                j -= 1
                continue
            for words in self.negator_phrases:
                n = len(words)
                if j - n + 1 >= floor and [f[0] for f in forms[j - n + 1:j + 1]] == words:
                    return i - j <= 3
            if forms[j][0] in self.negators and j not in skip:
                tok = doc[j]
                if tok.dep_ == "neg":
                    head = tok.head
                    return head.i == i or (
                        cue.head.i == head.i and cue.dep_ in _COMPLEMENT_DEPS
                    ) or i - j == 1
                return i - j <= 2
            j -= 1
        return False

    def _verb_negated(self, verb: Token, skip: frozenset[int]) -> bool:
        for child in verb.children:
            if child.i in skip:
                continue
            if child.dep_ == "neg":
                return True
            if child.dep_ in ("nsubj", "nsubjpass") and (
                child.lower_ in self.negative_subjects
                or any(d.dep_ == "det" and d.lower_ == "no" for d in child.children)
            ):
                return True
        return False

    def _object_of_negated(self, doc: Doc, start: int, end: int, skip: frozenset[int]) -> bool:
        root = doc[start:end].root
        return root.dep_ in ("dobj", "pobj") and (
            self._verb_negated(root.head, skip)
            or root.dep_ == "pobj" and self._verb_negated(root.head.head, skip)
        )

    def _clause_negated(self, doc: Doc, i: int, floor: int, skip: frozenset[int]) -> bool:
        """True when the verb whose complement the cue is carries a negation.

        Reaches over a verb ("do not work", "are not going to sign up") and through
        neg-raising verbs ("I don't think it is a bad deal", "nobody thinks it is a good
        idea"), but never into an object: "does not address the shortage".
        """
        tok = doc[i]
        for _ in range(6):
            if self._verb_negated(tok, skip):
                return True
            head = tok.head
            if head is tok or head.i < floor:
                return False
            if tok.dep_ in _CLIMB_DEPS:
                tok = head
                continue
            if tok.dep_ == "ccomp" and head.lemma_.lower() in self.neg_raising:
                tok = head
                continue
            if tok.dep_ == "conj" and not any(
                    c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass", "neg") for c in tok.children
            ) and not any(c.dep_ == "cc" and c.lower_ != "and" for c in head.children):
                # Verbs joined by "and" under one auxiliary share its negation: "they are
                # not being recruited and integrated effectively"; "not imposed but agreed"
                # does not.
                tok = head
                continue
            return False
        return False

    @staticmethod
    def _clause_holds(words: set[str], forms: Sequence[tuple[str, str]],
                      texts: Sequence[str], i: int, end: int) -> bool:
        """True when the clause from `i` holds one of `words` within eight tokens: timing
        words around a denied benefit say it comes later, not never ("won't immediately
        improve", "not overnight"); manner words take the negation to themselves."""
        for j in range(i, min(end, i + 8)):
            if texts[j] in _CLAUSE_BREAK:
                return False
            if forms[j][0] in words:
                return True
        return False

    def _counterfactual(self, forms: Sequence[tuple[str, str]], texts: Sequence[str], i: int,
                        floor: int, phrases: Sequence[list[str]] | None = None) -> bool:
        """True when the cue at `i` judges what did not happen ("would have been absurd"),
        or, given the irony phrases, what only pretends ("as if it were good news")."""
        low = max(floor, i - 6)
        for words in self.counterfactual if phrases is None else phrases:
            n = len(words)
            for k in range(i - n, low - 1, -1):
                if any(texts[j] in _CLAUSE_BREAK for j in range(k + n, i)):
                    break
                if [f[0] for f in forms[k:k + n]] == words:
                    return True
        return False

    def _reduced(self, doc: Doc, forms: Sequence[tuple[str, str]], i: int, floor: int) -> bool:
        """True when a trouble word is the object of relief: "cut bureaucracy",
        "the burden has been cut", "responding to practices' concerns"."""
        for j in range(max(floor, i - 5), i):
            if j < i - 3 and not all(forms[k][0] in _QUANTIFIERS for k in range(j + 1, i)):
                continue  # "addresses many of the concerns", but not across a verb
            if (forms[j][1] in self.reducers or forms[j][0] in self.reducers) and not (
                    j + 1 < i and forms[j + 1][0] == "up"  # "end up paying" is no relief
            ) and not (doc[j].pos_ == "NOUN" and forms[j + 1][0] not in ("to", "in", "on", "of")):
                # "a cut dressed up as investment" complains of the cut; "a cut in red tape"
                # and "an end to box-ticking" are relief
                before = forms[max(floor, j - 2):j]
                return not any(f[0] in self.negators for f in before) and \
                    not self._relief_wished(doc[j])
        tok = doc[i]
        for _ in range(4):
            if tok.dep_ not in _RELIEF_DEPS or tok.head is tok:
                return False
            tok = tok.head
            if tok.lemma_.lower() in self.reducers and tok.pos_ == "VERB":
                return not self._relief_wished(tok)
        return False

    def _relief_wished(self, verb: Token) -> bool:
        """True when relief is only wished for, not given: the relief verb is denied ("will
        not cut bureaucracy", "is not going to ease the pressure") or asked after ("when will
        they fix the crisis?"), or is the purpose of a
        denied act ("does not go far enough to address the crisis", "will not do enough to
        reduce the burden") or of a chance let slip ("a missed opportunity to cut red
        tape")."""
        floor = verb.sent.start
        if self._clause_negated(verb.doc, verb.i, floor, frozenset()):
            return True
        if verb.sent.text.rstrip().rstrip("\"'\u201d\u2019 ").endswith("?") and any(
                c.lower_ in ("when", "why", "how") for c in verb.children):
            return True  # "When will the Government finally fix the crisis?": still awaited
        if verb.dep_ not in ("advcl", "xcomp", "acl") or not any(
                c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
            return False
        head = verb.head
        if head.pos_ in ("VERB", "AUX"):
            return self._clause_negated(verb.doc, head.i, floor, frozenset())
        return any(c.dep_ == "amod" and c.lemma_.lower() in self.missed
                   for c in head.children)

    def _modifier(self, forms: Sequence[tuple[str, str]], i: int, floor: int) -> float:
        s = self.settings
        factor = 1.0
        if i - 1 >= floor and forms[i - 1][0] in self.intensifiers:
            factor *= s["intensifier"]
        for j in range(max(floor, i - 3), i):
            if forms[j][0] in self.hedges:
                if forms[j][0] in self.sure_when_negated and j + 1 < i and \
                        forms[j + 1][0] in self.negators:
                    break  # "could not be delivered": it cannot be
                factor *= s["hedge"]
                break
        return factor

    # -- scoring -----------------------------------------------------------------------------

    def hits(self, doc: Doc, forms: Sequence[tuple[str, str]], ranges: Iterable[tuple[int, int]],
             *, speaker_is_policy_maker: bool = False) -> list[_Hit]:
        """Weighted cue hits over token ranges, sentence by sentence."""
        s = self.settings
        if self._texts_of is not doc:
            # Building Token objects is the dearest step here, so once per Doc.
            self._texts_of, self._texts = doc, [t.text for t in doc]
        texts = self._texts
        out: list[_Hit] = []
        for start, end in ranges:
            if end <= start:
                continue
            for sent in doc[start:end].sents:
                a, b = max(sent.start, start), min(sent.end, end)
                if b <= a:
                    continue
                weights = self._clause_weights(forms, texts, a, b)
                matches = self.cues.find(forms, a, b)
                if speaker_is_policy_maker:
                    matches += self.defend.find(forms, a, b)
                    # Evaluative praise of its own policy is what makes a policy maker
                    # support it; any one such phrase is enough (contract section 4).
                    matches += [CueMatch(m.start, m.end, m.phrase,
                                         ("support", s["policy_maker_praise"]))
                                for m in self.praise.find(forms, a, b)]
                    if self.process.find(forms, a, b):
                        # Promising to hear people out is how the body works, not a verdict
                        # on the policy; only strong praise in the same sentence still counts.
                        matches = [m for m in matches if m.value[0] not in ("support", "defend")
                                   or m.value[1] >= s["strong"]]
                last = b - 1
                while last > a and texts[last] in _QUOTE_MARKS:
                    last -= 1
                if texts[last] == "?":
                    matches += self.questions.find(forms, a, b)
                # "wrong not to welcome", "cannot deny": the negation is part of the praise.
                skip = frozenset(
                    k for m in matches if m.value[0] == "support"
                    for k in range(m.start, m.end) if forms[k][0] in self.negators
                )
                # Praise asked about or only expected is not given: "questioned whether it
                # would ease the pressure", "networks were supposed to take pressure off".
                doubt = next((k for k in range(a, b) if forms[k][0] in self.unmet), b)
                for m in matches:
                    side, weight = m.value
                    if side == "support" and m.start > doubt:
                        continue
                    tags = self.pos_only.get(m.phrase)
                    if side == "neutral" or tags is not None and not self._tagged(doc[m.start],
                                                                                 tags):
                        continue  # "go back to", "more support": not the endorsing verb
                    if side == "oppose" and m.end - m.start == 1 and self._describes_people(
                            doc[m.start]):
                        continue  # "help for struggling practices" describes who gains
                    if side == "oppose" and m.phrase in self.welcomed_changes and \
                            self._welcomed(doc[m.start], a):
                        continue  # "welcomed the decision to scrap the targets"
                    if tags is not None and side == "support" and self._backs_people(
                            doc[m.start]):
                        continue  # "we will support any practice that opts out"
                    if side == "support" and self._about_oneself(doc[m.start]):
                        continue  # "that visit transformed my approach": the speaker's own life
                    base = weight
                    phrase_words = {f[0] for f in forms[m.start:m.end]}
                    negated = not (phrase_words & self.negators) and (
                        self._negated(doc, forms, texts, m.start, a, skip)
                        or self._clause_negated(doc, m.start, a, skip)
                    )
                    flipped = side == "flip"
                    if flipped:
                        if not negated:
                            continue
                        side, negated = "oppose", False
                    elif side == "mend":
                        if doc[m.end - 1].dep_ == "compound" or not negated and any(
                                c.dep_ == "nsubj" and c.lemma_.lower() in self.policy_words
                                for c in doc[m.start].children):
                            continue  # "the deal fixes the contract (problems)" is relief
                        side, negated = "oppose", False
                    elif side == "support" and not negated and self._object_of_negated(
                            doc, m.start, m.end, skip):
                        continue  # "does not deliver the investment": no praise of it
                    relieved = not negated and side == "oppose" and \
                        self._reduced(doc, forms, m.start, a)
                    if relieved:
                        negated = True
                    if negated and side == "support" and self._clause_holds(
                            self.timing, forms, texts, max(a, m.start - 2), b):
                        continue  # "won't transform things overnight" only asks for patience
                    if negated and self._clause_holds(self.manner, forms, texts, m.start, b):
                        negated = False  # "we did not walk away lightly": they walked away
                    unreal = self._counterfactual(forms, texts, m.start, a)
                    if unreal:
                        negated = not negated
                    # Praise said to be only pretended is scorn: "sold as if it were good
                    # news". A trouble word after "as if" is a simile ("as if we are
                    # drowning") and keeps its side.
                    ironic = side in ("support", "defend") and not negated and \
                        self._counterfactual(forms, texts, m.start, a, self.irony)
                    if ironic:
                        negated = True
                    label = f"not {m.phrase}" if flipped else m.phrase
                    if negated:
                        if side in ("support", "defend"):
                            side, weight = "oppose", weight * s["negated_support"]
                        elif side == "oppose":
                            side, weight = "support", weight * s["negated_oppose"]
                        # "cut bureaucracy" is relief from it, which "not" would misreport
                        label = f"relief from {m.phrase}" if relieved and not unreal \
                            else f"not {m.phrase}"
                    if unreal:
                        label = f"would have been {m.phrase}"
                    if ironic:
                        label = f"as if {m.phrase}"
                    weight *= self._modifier(forms, m.start, a)
                    raw = weight
                    weight *= weights[m.start - a]
                    if (m.start > a and m.end < b and texts[m.start - 1] in _QUOTE_MARKS
                            and texts[m.end] in _QUOTE_MARKS and m.end - m.start <= 3):
                        weight *= s["scare_quote"]
                        label = f"\u201c{m.phrase}\u201d"
                    if side == "defend":
                        side = "support"
                    out.append(_Hit(side, weight, label, sent.start, base, raw))
                    if side == "support" and not negated and self._faint(doc, forms, m, a):
                        # Praise made small ("a small step in the right direction") grants
                        # a benefit and says in the same breath that it falls short.
                        out.append(_Hit("condition", weight, f"faint: {m.phrase}",
                                        sent.start, base, raw))
        return out

    def _faint(self, doc: Doc, forms: Sequence[tuple[str, str]], m: CueMatch,
               floor: int) -> bool:
        """True when a belittling word qualifies the praise itself ("a small step in the
        right direction", "a modest improvement"), not people nearby ("small practices")."""
        for k in range(max(floor, m.start - 3), m.start):
            if forms[k][0] in self.faint and (
                    m.start <= doc[k].head.i < m.end
                    or all(doc[j].pos_ in ("DET", "ADV") for j in range(k + 1, m.start))):
                return True
        return False

    def _about_oneself(self, tok: Token) -> bool:
        """True when praise falls on the speaker's own things ("a visit transformed my
        approach"), not on a policy or the people it serves."""
        if any(c.dep_ == "nsubj" and (c.lower_ in self.policy_words
                                      or c.lemma_.lower() in self.policy_words)
               for c in tok.children):
            return False  # "the new roles have transformed my week" praises the roles
        for child in tok.children:
            if child.dep_ in ("dobj", "nsubj", "nsubjpass") and any(
                    g.dep_ == "poss" and g.lower_ == "my" for g in child.children) \
                    and child.lower_ not in self.policy_words \
                    and child.lemma_.lower() not in self.beneficiaries:
                return True
        return False

    @staticmethod
    def _tagged(tok: Token, tags: set[str]) -> bool:
        # The tagger calls "like" a preposition even as the root with a subject.
        return tok.pos_ in tags or "VERB" in tags and (
            tok.dep_ == "ROOT" or any(c.dep_ == "nsubj" for c in tok.children))

    def _describes_people(self, tok: Token) -> bool:
        """True when a trouble word only describes people the policy is for: "struggling
        practices", "practices that have struggled to recruit"."""
        if tok.dep_ in ("amod", "relcl") and tok.head.lemma_.lower() in self.beneficiaries:
            # "it is patients who will suffer": a cleft puts the claim in the clause
            return not _cleft(tok)
        # The parser reads "for struggling surgeries" as a verb with an object.
        nxt = tok.nbor() if tok.i + 1 < len(tok.doc) else None
        return tok.tag_ in ("VBG", "JJ") and nxt is not None and nxt.tag_ == "NNS" \
            and nxt.lemma_.lower() in self.beneficiaries

    def _welcomed(self, tok: Token, floor: int) -> bool:
        """True when a change word is inside what a verb of welcome governs, earlier in the
        same sentence ("welcomed the decision to scrap", "backs plans to pause"), or in the
        subject of a praising predicate ("the decision to scrap was overdue"). The climb
        goes only through what the welcome takes as its object; a demand in a clause of its
        own ("welcomed the money, but NHS England must scrap ...") is not welcomed."""
        head = tok
        for _ in range(6):
            if tok is not head and head.pos_ in ("VERB", "AUX"):
                return False  # another verb's clause: what that verb says is its own
            if head.dep_ == "nsubj" and head.head.lemma_ == "be":
                # "the decision to scrap the targets was long overdue": praised as what it is
                return any(c.dep_ in ("acomp", "attr") and (
                    c.lemma_.lower() in self.welcoming_predicates or any(
                        a.dep_ == "amod" and a.lemma_.lower() in self.welcoming_predicates
                        for a in c.children)) for c in head.head.children)
            if head.dep_ not in _WELCOMED_LINKS or head.head is head:
                return False
            head = head.head
            if head.i < floor:
                return False
            if head.pos_ == "VERB" and head.i < tok.i and \
                    head.lemma_.lower() in self.welcoming_verbs:
                return True
        return False

    def _backs_people(self, tok: Token) -> bool:
        """True when an endorsing verb's object is people or places, not a policy.

        Not when the policy is what does the backing: "a deal that backs practices".
        """
        if tok.pos_ != "VERB":
            return False
        for child in tok.children:
            if child.dep_ == "nsubj":
                subject = tok.head if tok.dep_ == "relcl" else child
                if subject.lemma_.lower() in self.policy_words:
                    return False
        # In the passive the people helped are the subject: "patients are supported to
        # manage their own care" tells what a service does for them.
        return any(c.dep_ in ("dobj", "nsubjpass") and (
            c.lemma_.lower() in self.beneficiaries or c.lower_ == "they")
            for c in tok.children)

    def on_target(self, forms: Sequence[tuple[str, str]],
                  ranges: Iterable[tuple[int, int]], doc: Doc | None = None) -> bool:
        """False when the text speaks only of something other than GP policy.

        An off-target word that only modifies another noun ("hospital follow-ups",
        "hospital-style service") names a kind of work, not another subject.
        """
        target = 0
        off = 0.0
        for start, end in ranges:
            target += len(self.target.find(forms, start, end))
            for m in self.off_target.find(forms, start, end):
                modifier = doc is not None and (
                    doc[m.end - 1].dep_ == "compound"
                    or m.end < len(doc) and (
                        doc[m.end].text in ("-", "\u2011")
                        or doc[m.end].pos_ in ("NOUN", "PROPN")
                        and doc[m.end - 1].pos_ in ("NOUN", "PROPN")))
                off += 0.5 if modifier else 1.0
        return not (off >= 1 and not target)

    def decide(self, hits: Sequence[_Hit], *, on_target: bool = True,
               policy_maker: bool = False, spoke: bool = True) -> Judgement:
        s = self.settings
        pro = sum(h.weight for h in hits if h.side == "support")
        opp = sum(h.weight for h in hits if h.side == "oppose")
        cond = sum(h.weight for h in hits if h.side == "condition")
        con = opp + cond
        strong = any(h.side == "oppose" and h.base >= s["strong"] for h in hits)
        # Which side dominates a two-sided statement is judged before clause weighting:
        # "real potential, but worried about the workload" weighs both, it does not
        # simply take the side after "but".
        pro_raw = sum(h.raw for h in hits if h.side == "support")
        opp_raw = sum(h.raw for h in hits if h.side == "oppose")
        con_raw = opp_raw + sum(h.raw for h in hits if h.side == "condition")
        if not on_target:
            return Judgement("neutral", 0.7, pro, con)
        total = pro + con
        side_min = s["min_evidence"] * 0.5
        if policy_maker and spoke and not (strong and opp > pro):
            # A body explaining its own policy is neutral (contract section 4); it supports
            # the policy only when it praises or defends it in evaluative words, which
            # weigh more than the words any announcement uses ("help", "will improve").
            if pro >= s["policy_maker_praise"]:
                stance = "support"
                confidence = 0.6 + 0.35 * (1 - math.exp(-max(pro - con, 0.0) / 2))
            else:
                stance = "neutral"
                confidence = 0.7 if pro == 0 else 0.6
        elif pro > 0 and cond > 0 and opp_raw == 0 and total >= s["min_evidence"] \
                and pro_raw < cond * s["support_dominance"]:
            # Praise with a condition and nothing against: "a good start, but it will only
            # work if the staff are found".
            stance = "mixed"
            confidence = 0.5 + 0.3 * min(pro, cond) / max(pro, cond)
        elif total < s["min_evidence"]:
            stance = "neutral"
            confidence = 0.75 if total == 0 else 0.55
        elif pro < side_min or con < side_min:
            stance = "support" if pro > con else "oppose"
            confidence = 0.55 + 0.4 * (1 - math.exp(-abs(pro - con) / 2))
            if stance == "support" and pro < s["min_support"]:
                # One mild word of good ("help", "improve", "better") is how any account
                # of a plan reads; endorsement takes more.
                stance, confidence = "neutral", 0.55
        elif not strong and (any(h.side == "support" and h.raw >= 1.5 and h.weight < h.raw
                                 for h in hits) and any(
                h.side != "support" and h.weight > h.raw for h in hits) or any(
                h.side != "support" and h.raw >= 1.5 and h.weight < h.raw for h in hits) and any(
                h.side == "support" and h.raw >= 1.5 and math.isclose(h.weight, h.raw)
                for h in hits)):
            # "The delay is welcome, but …": a benefit granted in earnest before a turn
            # against it weighs both sides, however the words add up (contract: mixed); so
            # does a welcome in a plain clause with a warning conceded beside it ("welcomed
            # the money, although it warned the targets were unrealistic"). A welcome after
            # "but" ("worried ..., but we welcome the contract") has turned the argument.
            stance = "mixed"
            confidence = 0.5 + 0.3 * min(pro, con) / max(pro, con)
        elif (strong and opp >= pro) or opp_raw > pro_raw * s["oppose_dominance"] + 1e-6:
            stance = "oppose"
            confidence = 0.5 + 0.4 * (1 - math.exp(-(con - pro) / 2))
        elif pro_raw >= con_raw * s["support_dominance"]:
            stance = "support"
            confidence = 0.5 + 0.4 * (1 - math.exp(-(pro - con) / 2))
        else:
            stance = "mixed"
            confidence = 0.5 + 0.3 * min(pro, con) / max(pro, con)
        if policy_maker and spoke and stance == "oppose" and not strong:
            # A policy maker's warnings are mostly about those who resist its policy ("capping
            # appointments risks harm"); it turns on its own policy only in strong words.
            stance, confidence = "neutral", 0.55
        if stance == "support":
            chosen = [h for h in hits if h.side == "support"]
        elif stance == "oppose":
            chosen = [h for h in hits if h.side != "support"]
        else:
            chosen = list(hits)
        chosen.sort(key=lambda h: -h.weight)
        cues = []
        for h in chosen:
            if h.cue not in cues:
                cues.append(h.cue)
        return Judgement(stance, round(min(confidence, 0.97), 3), round(pro, 3), round(con, 3),
                         cues[:8])

    def combine(self, statements: Sequence[Judgement], pooled: Judgement) -> Judgement:
        """An actor's stance from the stances of each thing it says.

        Each statement that takes a side is one vote; a mixed one is half a vote each way.
        Both sides substantial (the lesser has at least `mixed_share` of the greater) is
        mixed, otherwise the greater side wins: two complaints and one "welcome, but" are
        opposition, not ambivalence. When no single statement takes a side, weak cues
        spread over several statements may still add up, so the pooled reading decides.
        """
        votes = {"support": 0.0, "oppose": 0.0}
        for judgement in statements:
            if judgement.stance == "mixed":
                # One statement, weighed both ways: half a vote to each side.
                votes["support"] += 0.5
                votes["oppose"] += 0.5
            elif judgement.stance in votes:
                votes[judgement.stance] += 1
        high, low = sorted(votes, key=lambda side: -votes[side])
        if votes[high] == 0:
            return pooled
        stance = "mixed" if votes[low] >= votes[high] * self.settings["mixed_share"] else high
        taking = [j for j in statements if j.stance == stance
                  or (stance == "mixed" and j.stance != "neutral")]
        confidence = sum(j.confidence for j in taking) / len(taking) if taking else 0.55
        if stance != "mixed":
            confidence *= votes[high] / (votes[high] + votes[low])
        cues: list[str] = []
        for judgement in taking:
            cues += [c for c in judgement.cues if c not in cues]
        return Judgement(stance, round(max(confidence, 0.5), 3), pooled.support, pooled.oppose,
                         cues[:8])

    def judge_ranges(self, doc: Doc, forms: Sequence[tuple[str, str]],
                     ranges: Sequence[tuple[int, int]], *, actor_id: str | None = None,
                     spoke: bool = True) -> tuple[Judgement, list[_Hit]]:
        policy_maker = self.is_policy_maker(actor_id)
        hits = self.hits(doc, forms, ranges, speaker_is_policy_maker=policy_maker)
        judgement = self.decide(
            hits, on_target=self.on_target(forms, ranges, doc), policy_maker=policy_maker,
            spoke=spoke,
        )
        return judgement, hits


def _words_only(doc: Doc, rng: tuple[int, int]) -> tuple[int, int]:
    """The range without the punctuation and spaces at its ends (a quotation's marks)."""
    lo, hi = rng
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    while hi > lo and (doc[hi - 1].is_punct or doc[hi - 1].is_space):
        hi -= 1
    return lo, hi


def _voices(item: dict[str, Any]) -> list[str]:
    """The bodies a quote or report speaks for: its actor, or each body of a joint
    statement (``actor_ids``, actor null)."""
    if item.get("actor_id"):
        return [item["actor_id"]]
    return list(item.get("actor_ids") or ())


def _token_range(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.start, span.end


def _subtract(rng: tuple[int, int], holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [rng]
    for h0, h1 in holes:
        nxt = []
        for a, b in pieces:
            if h1 <= a or h0 >= b:
                nxt.append((a, b))
                continue
            if a < h0:
                nxt.append((a, h0))
            if h1 < b:
                nxt.append((h1, b))
        pieces = nxt
    return [(a, b) for a, b in pieces if b > a]


def _own_words(doc: Doc, rng: tuple[int, int], holes: Sequence[tuple[int, int]]) -> str:
    """The sentence as evidence for its subject: a quotation inside it is someone else's
    words (a quote has its own speaker and stance), so it shows as "…"."""
    pieces = _subtract(rng, holes)
    if pieces == [rng]:
        return doc[rng[0]:rng[1]].text.strip()
    return " \u2026 ".join(doc[a:b].text.strip(" \n'\"\u2018\u2019\u201c\u201d")
                           for a, b in pieces if doc[a:b].text.strip()).strip()


def _statement_key(text: str) -> str:
    return " ".join("".join(ch for ch in text if ch not in _QUOTE_MARKS).split()).lower()


class StanceTagger:
    """Sets quote stances and one stance per speaking actor (doc._.pcnwatch_stances)."""

    def __init__(self, nlp: Language, name: str, *, max_evidence: int = 3,
                 cues_path: str | None = None, read_quotes: bool = True,
                 reader_path: str | None = None) -> None:
        self.name = name
        self.nlp = nlp
        self.max_evidence = max_evidence
        self._tokenizer = nlp.tokenizer
        self.set_data(load_stance_cues(cues_path))
        # The word model's second reading of each quotation (nlp/components/reader.py);
        # make train turns it off to see the rules' own reading, which it learns from.
        self.reader = StanceReader(load_stance_reader(reader_path)) if read_quotes else None

    def set_data(self, data: dict[str, Any]) -> None:
        """Compile a parsed cue file (see nlp/data/stance_cues.toml)."""
        self.data = data
        self.judge = StanceJudge(self._tokenizer, data, lambda: pipeline_registry(self.nlp))

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        """Load the cues: ``data`` if given, else the packaged file."""
        self.set_data(data if data is not None else load_stance_cues())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.data, {
            "max_evidence": self.max_evidence,
            "reader": self.reader.data if self.reader is not None else None})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> StanceTagger:
        data, cfg = read_component_data(path)
        self.max_evidence = cfg["max_evidence"]
        self.reader = StanceReader(cfg["reader"]) if cfg.get("reader") else None
        self.set_data(data)
        return self

    def __call__(self, doc: Doc) -> Doc:
        forms = CuePhrases.forms(doc)
        if len(doc) >= self.judge.settings["article_tokens"] and not (
                self.judge.general_practice.find(forms)):
            return self._elsewhere(doc)
        quotes = extension(doc, "pcnwatch_quotes") or []
        quote_ranges: list[tuple[int, int]] = []
        read: dict[str, Judgement] = {}
        for quote in quotes:
            rng = _token_range(doc, quote["start"], quote["end"])
            quote_ranges.append(rng or (0, 0))
            if rng is None:
                quote.update(stance="neutral", confidence=0.5, evidence=[], cues=[])
                continue
            judgement, _ = self.judge.judge_ranges(doc, forms, [rng],
                                                   actor_id=quote.get("actor_id"))
            if self.reader is not None:
                judgement = self._read(quote, judgement)
                # The quotation is one statement of its speaker, so the model's reading is
                # its vote too. Only quotations: on reported speech and a body's own
                # sentences the model lost on realtrain's pages left out of its training.
                read[_statement_key(quote["text"])] = judgement
            quote.update(
                stance=judgement.stance,
                confidence=judgement.confidence,
                evidence=[quote["text"]] if judgement.stance != "neutral" else [],
                cues=judgement.cues,
            )
        doc._.pcnwatch_stances = self._actor_stances(doc, forms, quotes, quote_ranges, read)
        return doc

    def _read(self, quote: dict[str, Any], rules: Judgement) -> Judgement:
        """The word model's reading of a quotation, which the rules' label is part of. Its
        cue names the words that weighed most; the rules' cues follow, as they still say
        what the rules found."""
        assert self.reader is not None
        label, probability, words = self.reader.read(
            quote["text"], rules.stance, self.judge.is_policy_maker(quote.get("actor_id")))
        cue = f"stance model: {', '.join(words)}" if words else "stance model"
        cues = [cue, *rules.cues] if label != rules.stance else [*rules.cues, cue]
        return Judgement(label, probability, rules.support, rules.oppose, cues[:8])

    def _elsewhere(self, doc: Doc) -> Doc:
        """An article that never names general practice (dentistry, hospitals, another
        country's doctors) takes no side on its policy: everyone in it is neutral."""
        cue = "not about general practice"
        for quote in extension(doc, "pcnwatch_quotes") or []:
            quote.update(stance="neutral", confidence=0.7, evidence=[], cues=[cue])
        speakers: dict[str, str] = {}
        for item in [*(extension(doc, "pcnwatch_quotes") or []),
                     *(extension(doc, "pcnwatch_reported") or [])]:
            if item.get("actor_id"):
                speakers.setdefault(item["actor_id"], item.get("text") or "")
        doc._.pcnwatch_stances = [
            {"actor_id": actor_id, "stance": "neutral", "confidence": 0.7,
             "evidence": [text] if text else [], "cues": [cue]}
            for actor_id, text in speakers.items()
            if actor_id not in self._silent_ids(doc)]
        return doc

    def _silent_ids(self, doc: Doc) -> set[str]:
        return {s.kb_id_ for s in doc.spans.get("pcnwatch_actors", [])
                if s.label_ in self.judge.silent_kinds}

    def judge_doc(self, doc: Doc, *, actor_id: str | None = None) -> Judgement:
        """The stance of a whole Doc read as one statement by `actor_id`."""
        forms = CuePhrases.forms(doc)
        judgement, hits = self.judge.judge_ranges(doc, forms, [(0, len(doc))],
                                                  actor_id=actor_id)
        judgement.sentences = [doc[h.sentence].sent.text for h in hits][:3]
        return judgement

    # -- who says what --------------------------------------------------------------------

    def _speaker_mentions(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """(token start, token end, actor_id, kind) for every actor and linked person."""
        mentions = []
        if "pcnwatch_actors" in doc.spans:
            for span in doc.spans["pcnwatch_actors"]:
                if span.kb_id_:
                    mentions.append((span.start, span.end, span.kb_id_, span.label_))
        for person in extension(doc, "pcnwatch_people") or []:
            if not person.get("actor_id"):
                continue
            rng = _token_range(doc, person["start"], person["end"])
            if rng:
                mentions.append((rng[0], rng[1], person["actor_id"], "person"))
        mentions.sort()
        return mentions

    def _is_position_subject(self, span: Span, forms: Sequence[tuple[str, str]],
                             actor_id: str | None = None) -> bool:
        if span.sent.text.rstrip().endswith("?"):
            return False  # a question put to a body is not its position
        root = name_root(span)
        if root.dep_ == "poss" and root.head.lemma_.lower() in self.judge.organs and not any(
                other.start <= root.head.i < other.end
                for other in span.doc.spans.get("pcnwatch_actors", ())):
            # "The BMA's council branded ...": the body's own organ speaks for it, unless the
            # organ is a body of its own ("the BMA's GP committee").
            root = name_root(span.doc[root.head.i:root.head.i + 1])
        if root.dep_ == "ROOT" and root.pos_ in ("PROPN", "NOUN"):
            # "The BMA hit out at the targets", read as a noun phrase: the body's verb is
            # the sentence's only one.
            verb = next((c for c in root.rights if misparsed_main_verb(c)), None)
            return verb is not None and (lemma_in(verb, self.judge.position_verbs)
                                         or self._opens_idiom(verb, forms))
        if root.dep_ not in ("nsubj", "nsubjpass"):
            return False
        head = root.head
        if reported_within(head, span.sent, self.judge.position_verbs):
            return False  # "leaders maintained that the Government had promised ...": theirs
        lemma = head.lemma_.lower()
        if head.dep_ in ("relcl", "acl") and lemma not in self.judge.taking_sides:
            # "the specifications NHS England has written": no position taken; but "a move
            # which the RCGP disagrees with" takes one.
            return False
        if root.dep_ == "nsubjpass":
            # A passive subject is spoken to or about ("the Government was warned", "a scheme
            # seen as a welcome step"), unless the verb names its own state ("the LMC was
            # alarmed by", "the BMA is opposed to").
            return lemma in self.judge.holder_passives
        if lemma_in(head, self.judge.position_verbs) or self._opens_idiom(head, forms):
            return True
        if lemma in self.judge.policy_statement_verbs and self.judge.is_policy_maker(actor_id):
            return True
        # "X is deeply concerned", "X remains supportive of"
        return lemma in self.judge.copulas and any(
            c.dep_ in ("acomp", "attr") for c in head.children)

    def _opens_idiom(self, verb: Token, forms: Sequence[tuple[str, str]]) -> bool:
        """True when a reporting idiom starts at the verb: "threw its weight behind"."""
        end = min(verb.i + 8, verb.sent.end)
        return any(m.start == verb.i
                   for m in self.judge.position_idioms.find(forms, verb.i, end))

    def _subject_sentences(self, doc: Doc, forms: Sequence[tuple[str, str]],
                           mentions: Sequence[tuple[int, int, str, str]],
                           kinds: dict[str, str]) -> dict[str, list[Span]]:
        found: dict[str, list[Span]] = defaultdict(list)
        by_sentence: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
        for m in mentions:
            by_sentence[doc[m[0]].sent.start].append(m)
        last_speaker: tuple[str, int] | None = None
        for index, sent in enumerate(doc.sents):
            speaker = None
            for start, end, actor_id, _kind in by_sentence.get(sent.start, []):
                if kinds.get(actor_id) in self.judge.silent_kinds:
                    continue
                if self._is_position_subject(doc[start:end], forms, actor_id):
                    speaker = actor_id
                    break
            if speaker is None and last_speaker and index - last_speaker[1] <= 2:
                for tok in sent:
                    if (tok.dep_ == "nsubj" and tok.lower_ in self.judge.carry_over
                            and tok.head.lemma_.lower() in self.judge.position_verbs):
                        speaker = last_speaker[0]
                        break
            if speaker is not None:
                found[speaker].append(sent)
                last_speaker = (speaker, index)
        return found

    def _actor_stances(self, doc: Doc, forms: Sequence[tuple[str, str]],
                       quotes: Sequence[dict[str, Any]],
                       quote_ranges: Sequence[tuple[int, int]],
                       read: dict[str, Judgement] | None = None) -> list[dict[str, Any]]:
        mentions = self._speaker_mentions(doc)
        kinds = {actor_id: kind for _, _, actor_id, kind in mentions if kind != "person"}
        statements: dict[str, list[tuple[list[tuple[int, int]], str]]] = defaultdict(list)
        seen: dict[str, set[tuple[int, int]]] = defaultdict(set)

        def add(actor_id: str | None, ranges: list[tuple[int, int]], text: str) -> None:
            if not actor_id or kinds.get(actor_id) in self.judge.silent_kinds:
                return
            ranges = [r for r in ranges if r not in seen[actor_id] and r[1] > r[0]]
            if not ranges:
                return
            seen[actor_id].update(ranges)
            statements[actor_id].append((ranges, text))

        for quote, rng in zip(quotes, quote_ranges, strict=True):
            for actor_id in _voices(quote):
                add(actor_id, [rng], quote["text"])
        holes = [r for r in quote_ranges if r[1] > r[0]]
        for quote, rng in zip(quotes, quote_ranges, strict=True):
            # "X warned that ...: '…'": the words that bring in a quotation say how its
            # speaker stands, as reported speech does.
            if rng[1] <= rng[0] or not _voices(quote):
                continue
            sent = doc[rng[0]].sent
            end = rng[0]
            while end > sent.start and doc[end - 1].text in _QUOTE_MARKS:
                end -= 1
            lead = _subtract((sent.start, end), holes)
            if sum(b - a for a, b in lead) >= 3:
                words = _own_words(doc, (sent.start, end), holes)
                for actor_id in _voices(quote):
                    add(actor_id, lead, words)
        for item in extension(doc, "pcnwatch_reported") or []:
            rng = _token_range(doc, item["start"], item["end"])
            if rng:
                parts, words = _subtract(rng, holes), _own_words(doc, rng, holes)
                for actor_id in _voices(item):
                    add(actor_id, parts, words)
        home = extension(doc, "pcnwatch_home")
        if home:
            # A body's own page (a newsletter, a statement): what "we" say is the body's.
            for sent in doc.sents:
                if any(t.lower_ == "we" and t.dep_ in ("nsubj", "nsubjpass")
                       and not any(a <= t.i < b for a, b in holes) for t in sent):
                    add(home, _subtract((sent.start, sent.end), holes),
                        _own_words(doc, (sent.start, sent.end), holes))
        for actor_id, sents in self._subject_sentences(doc, forms, mentions, kinds).items():
            for sent in sents:
                # "The BMA said: “…”": the words around the quotation were read already, as
                # the quotation and its lead; the sentence is not a statement of its own.
                parts = _subtract((sent.start, sent.end), holes)
                covered = all(any(a <= lo and hi <= b for a, b in seen[actor_id])
                              for lo, hi in (_words_only(doc, r) for r in parts) if hi > lo)
                if not covered:
                    add(actor_id, parts, _own_words(doc, (sent.start, sent.end), holes))

        out = []
        judge = self.judge
        for actor_id, items in statements.items():
            # Hits of a range do not depend on the other ranges, so each statement is
            # read once and the actor's judgement is decided on all of them together.
            policy_maker = judge.is_policy_maker(actor_id)
            singles = []
            for ranges, text in items:
                hits = judge.hits(doc, forms, ranges, speaker_is_policy_maker=policy_maker)
                singles.append((hits, judge.on_target(forms, ranges, doc), text))
            pooled = judge.decide(
                [h for hits, _, _ in singles for h in hits],
                on_target=any(on for _, on, _ in singles), policy_maker=policy_maker,
            )
            # A sentence reported and also read as the actor's subject sentence is one
            # statement, not two votes.
            votes: dict[str, Judgement] = {}
            for hits, on, text in singles:
                key = _statement_key(text)
                if key not in votes:
                    votes[key] = (read or {}).get(key) or judge.decide(
                        hits, on_target=on, policy_maker=policy_maker)
            if policy_maker and pooled.stance == "support":
                # Mild words spread over a policy maker's account of its own plan do not add
                # up to praise (contract section 4); only a statement that praises does.
                pooled = Judgement("neutral", 0.6, pooled.support, pooled.oppose)
            judgement = judge.combine(list(votes.values()), pooled)
            evidence = self._evidence(singles, judgement, policy_maker, read)
            out.append({
                "actor_id": actor_id,
                "stance": judgement.stance,
                "confidence": judgement.confidence,
                "evidence": evidence,
                "cues": judgement.cues,
            })
        self._announcers(doc, out, mentions, forms)
        self._page_owner(doc, out, forms, holes)
        return out

    def _page_owner(self, doc: Doc, out: list[dict[str, Any]],
                    forms: Sequence[tuple[str, str]], holes: Sequence[tuple[int, int]]) -> None:
        """A body's own page on GP policy is all its own statement: when none of it takes a
        side in the body's voice ("we ..."), the body speaks without judging, which is
        neutral (contract section 4), not silence."""
        home = extension(doc, "pcnwatch_home")
        if not home or any(item["actor_id"] == home for item in out) or (
                home in self._silent_ids(doc)):
            return
        if not self.judge.general_practice.find(forms) or not self.judge.target.find(forms):
            return
        # Only a page that speaks as "we"/"our" throughout, not one signed off by a body.
        voiced = sum(1 for t in doc if t.lower_ in ("we", "our", "us")
                     and not any(a <= t.i < b for a, b in holes))
        if voiced < 3:
            return
        named = next((s for s in doc.spans.get("pcnwatch_actors", []) if s.kb_id_ == home),
                     None)
        out.append({"actor_id": home, "stance": "neutral", "confidence": 0.55,
                    "evidence": [named.sent.text.strip()] if named is not None else [],
                    "cues": ["its own page, no judgement in its own voice"]})

    def _announcers(self, doc: Doc, out: list[dict[str, Any]],
                    mentions: Sequence[tuple[int, int, str, str]],
                    forms: Sequence[tuple[str, str]]) -> None:
        """A policy maker reported making its own policy (an announcing, funding or
        requiring event, or an announcement noun among its `mentions`) and saying nothing
        more is neutral toward it (contract section 4); one only proposing or deferring
        takes no position at all."""
        have = {item["actor_id"] for item in out}
        stating = set(self.judge.settings_actions)
        for event in extension(doc, "pcnwatch_events") or []:
            actor_id = event.get("actor_id")
            if (actor_id in have or event.get("action") not in stating
                    or not self.judge.is_policy_maker(actor_id)):
                continue
            have.add(actor_id)
            out.append({"actor_id": actor_id, "stance": "neutral", "confidence": 0.6,
                        "evidence": [event.get("sentence") or ""],
                        "cues": [f"{event['action']} (its own policy, no judgement)"]})
        # "Responding to the announcement by the health secretary that GPs would be expected
        # to ...", "the Government's pledge of 6,000 more GPs": the same, told as a noun.
        for start, end, actor_id, _kind in mentions:
            if actor_id in have or not self.judge.is_policy_maker(actor_id):
                continue
            noun = self._announcement_of(doc[start:end])
            if noun is None:
                continue
            sent = noun.sent
            if not self.judge.on_target(forms, [(sent.start, sent.end)], doc) or not (
                    self.judge.target.find(forms, sent.start, sent.end)
                    or self.judge.general_practice.find(forms, sent.start, sent.end)):
                continue
            have.add(actor_id)
            out.append({"actor_id": actor_id, "stance": "neutral", "confidence": 0.55,
                        "evidence": [sent.text.strip()],
                        "cues": [f"{noun.lower_} (its own policy, no judgement)"]})

    def _announcement_of(self, span: Span) -> Token | None:
        """The announcement noun a body is the maker of: "X's announcement", "the
        announcement by X"."""
        root = name_root(span)
        if root.dep_ == "poss":
            noun = root.head
        elif root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.dep_ == "prep":
            noun = root.head.head
        else:
            return None
        return noun if noun.lemma_.lower() in self.judge.announcement_nouns else None

    def _evidence(self, singles: Sequence[tuple[list[_Hit], bool, str]], judgement: Judgement,
                  policy_maker: bool, read: dict[str, Judgement] | None = None) -> list[str]:
        scored = []
        for hits, on_target, text in singles:
            single = (read or {}).get(_statement_key(text)) or self.judge.decide(
                hits, on_target=on_target, policy_maker=policy_maker)
            agrees = single.stance == judgement.stance or (
                judgement.stance == "mixed" and single.stance != "neutral"
            )
            strength = single.support + single.oppose
            scored.append((not agrees, -strength, text))
        scored.sort()
        out: list[str] = []
        for _, _, text in scored:
            # One entry per distinct sentence: a sentence read both as reported speech and
            # as the body's own statement is one piece of evidence.
            if text not in out and not any(_statement_key(text) == _statement_key(o)
                                           for o in out):
                out.append(text)
            if len(out) == self.max_evidence:
                break
        return out


@Language.factory(
    "pcnwatch_stance",
    assigns=["doc._.pcnwatch_quotes", "doc._.pcnwatch_stances"],
    requires=["doc.sents", "token.lemma"],
    default_config={"max_evidence": 3, "cues_path": None, "read_quotes": True,
                    "reader_path": None},
)
def make_stance(nlp: Language, name: str, *, max_evidence: int, cues_path: str | None,
                read_quotes: bool, reader_path: str | None) -> StanceTagger:
    return StanceTagger(nlp, name, max_evidence=max_evidence, cues_path=cues_path,
                        read_quotes=read_quotes, reader_path=reader_path)
