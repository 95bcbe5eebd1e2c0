"""Policy events (contract section 5): who changed what practices must do, and when.

A sentence yields an event when it holds a trigger from nlp/data/event_triggers.toml and
the act belongs to a policy maker: the named policy maker in the sentence (its subject
first; a minister or official counts for their body), or, when none is named ("Five
objectives have been cut to two"), the policy maker last shown acting before it in the
article (in the headline and lede, the one the lede shows acting), and null when there is
none, as the text leaves it. Sentences whose subject is some
other body (an LMC complaining about "the proposals") and quotes from people who are not
policy makers give no event, except what they say of a policy thing as fact ("a contract
that forces practices to open on Saturdays"). An announcement of another act is that act
("NHS England has announced that the requirements will be phased in" is a delay; announced
money is funding).
An old act recalled ("the five-year deal agreed in 2019", in a 2022 article; "the contract
had required ...") is an act too, but not the news: when the sentence does not name its
maker, the maker stays null. An article that hardly names general practice (a dental
contract, social care reform) has no events.
The date is the date phrase hung on the act's verb (else the nearest), resolved by
nlp.dates against doc._.pcnwatch_date (the published date, else the page's own); a year
alone ("in 2019", "this year") dates nothing.

Precision rules (their word lists are in the data file): sentences are read a paragraph at a
time, since the parser runs subheadings into the next paragraph; an act needs a concrete
policy object (a target, contract, fund, service, money ...); money counts only with a word
of provision near it, never a price, a saving or a shortfall; inside a direct quotation only
a policy maker's words state an act, never "we are committed to" or "we will continue to
work with"; forecasts ("talks are expected to begin"), past necessities ("had to"),
headings, advice to the reader, the history of a thing ("first proposed in 2019"),
questions and the claims of speakers who are not policy makers give no event, though what a
claim or a question takes as given does ("the imposed contract"). One event per (actor,
action, object) per article, and same-actor same-action events on overlapping objects
collapse into the first.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..dates import find_dates
from . import extension
from ._data import pipeline_registry, read_component_data, write_component_data
from ._syntax import name_root
from .stance import CueMatch, CuePhrases

__all__ = ["EventExtractor", "load_event_triggers"]

ACTIONS = ("announce", "propose", "require", "reduce", "delay", "fund", "agree", "withdraw")

if not Doc.has_extension("pcnwatch_events"):
    Doc.set_extension("pcnwatch_events", default=None)

_STOP_OBJECT = {"which", "that", "who", "whose", "where", "while", "but", "because", ";", ":",
                "\u2013", "\u2014", "(", ")"}


# Links by which a trigger hangs under the verb that asks for or refuses it.
_EMBEDDING_DEPS = {"xcomp", "ccomp", "acl", "advcl", "pcomp", "pobj", "prep", "aux", "mark"}
_SPECULATIVE = {"could", "might", "may"}
# Links from a body's name to the noun it names or modifies: "a DHSC spokesperson".
_NAME_LINKS = ("compound", "appos", "conj", "amod", "nmod")
_CONDITIONAL = {"whether", "if", "until", "unless"}
# Reporting words the parser sometimes reads as nouns ("New guidance states that ...").
_REPORTING_FORMS = {"states", "says", "shows", "suggests", "confirms", "notes", "warns",
                    "explains", "adds"}
_ANAPHORS = {"these", "they", "it", "this", "those", "them", "that"}
_CURRENCY = {"£", "$", "€"}
_PHRASE_PREPS = {"on", "for", "in", "to", "from", "between", "at", "by", "with", "under", "into",
                 "over", "across", "about", "through", "towards", "against"}
_GRANTING = {"announce", "confirm", "decide", "agree", "rule"}
_FUTURE = {"will", "would", "shall", "to", "could", "might", "may", "'ll"}
_QUANTIFIERS = {"few", "many", "most", "some", "more", "fewer", "all"}
_TIME_WORDS = {"yesterday", "today", "last", "this", "week", "month", "year"}
_WEEKDAY_RE = re.compile(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")
_QUOTE_RE = re.compile(r"\u201c[^\u201d]*(?:\u201d|$)|\"[^\"]*\"")
# Words for a share of a group: "40% of practices", "half of networks", "most of them".
_SHARES = frozenset({"%", "percent", "half", "most", "many", "some", "majority",
                     "minority", "third", "quarter", "proportion", "number", "all", "few"})
# Prepositions of time: what they govern happened before or after the act, not in it.
_TIME_PREPS = frozenset({"following", "after", "before", "since", "until", "ahead"})
_COUNT_RE = re.compile(r"^\d{1,3}(?:,\d{3})+$|^(?!(?:19|20)\d\d$)\d{3,}$")  # not a year
_MONEY_RE = re.compile(r"^\d[\d,.]*(?:m|bn|k|%)$|^(?:million|billion|%)$")
_STOPWORDS = {"the", "a", "an", "of", "for", "to", "in", "on", "and", "with", "by", "from",
              "their", "its", "this", "that", "will", "be", "new"}


def _content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9£%.,/]+", text.lower())
            if w not in _STOPWORDS and len(w) > 2}


def _overlap(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.5
# Kinds that report acts rather than act.
_REPORTING_KINDS = {"media"}


def load_event_triggers(path: str | None = None) -> dict[str, Any]:
    """Read the trigger lexicon (the packaged file unless `path` is given)."""
    if path is None:
        data = resources.files("nlp.data").joinpath("event_triggers.toml").read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


_NOT_INFLECTED = {"must", "have", "has", "had", "will", "be", "to", "not", "due", "should",
                  "would", "need", "could", "may", "obliged", "required", "expected", "fewer",
                  "provide", "give", "agree", "ask", "want", "meet", "cover", "add"}


def _inflections(verb: str) -> set[str]:
    """-s, -ed and -ing forms of a trigger verb, by English spelling rules (over-generating
    is harmless: a form that is no word never occurs)."""
    if verb in _NOT_INFLECTED or not verb.isalpha() or len(verb) < 3:
        return set()
    stem = verb[:-1] if verb.endswith("e") else verb
    forms = {verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s"),
             stem + "ed", stem + "ing"}
    if verb.endswith("y") and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}  # "scrapped", "cutting"
    return forms - {verb}


def _dated(clause: Token) -> bool:
    """True when a clause carries a date or a word of time ("on Monday", "last week"): a
    participle or relative clause that does reports an act, not a thing's history."""
    return any(t.ent_type_ == "DATE" or t.lower_ in _TIME_WORDS for t in clause.subtree)


def _refused(verb: Token, refusals: set[str]) -> bool:
    """Whether a verb is denied ("did not accept") or refused ("refused to accept")."""
    return any(c.dep_ == "neg" for c in verb.children) or (
        verb.dep_ == "xcomp" and verb.head.lemma_.lower() in refusals)


def _fell(verb: Token) -> bool:
    """"Drop" used of its own subject with no object ("the workforce dropped by 1.3%"): a
    fall, not an act of scrapping anything."""
    deps = {c.dep_ for c in verb.children}
    return verb.lemma_.lower() == "drop" and "nsubj" in deps and not (
        deps & {"dobj", "nsubjpass", "auxpass", "prt"})


def _no_longer(head: Token) -> bool:
    """True when the act is said to stop: "will no longer be required" ("no" hangs on
    "longer", not on the verb, so it is no plain negation)."""
    return any(c.dep_ == "advmod" and c.lower_ == "longer"
               and any(g.dep_ == "neg" and g.lower_ == "no" for g in c.children)
               for c in head.children)


class EventExtractor:
    """Sets doc._.pcnwatch_events from trigger words in policy makers' sentences."""

    def __init__(self, nlp: Language, name: str, *, max_object_tokens: int | None = None,
                 triggers_path: str | None = None) -> None:
        self.name = name
        self.nlp = nlp
        self._tokenizer = nlp.tokenizer
        self._max_object_option = max_object_tokens
        self.set_data(load_event_triggers(triggers_path))
        self._bounds = (0, 0)  # token range of the sentence being read

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        """Load the triggers: ``data`` if given, else the packaged file."""
        self.set_data(data if data is not None else load_event_triggers())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.data, {"max_object_tokens": self._max_object_option})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EventExtractor:
        data, cfg = read_component_data(path)
        self._max_object_option = cfg["max_object_tokens"]
        self.set_data(data)
        return self

    def set_data(self, data: dict[str, Any]) -> None:
        """Compile a parsed trigger file (see nlp/data/event_triggers.toml)."""
        self.data = data
        nlp_tokenizer = self._tokenizer
        settings = data["settings"]
        self.max_object_tokens = int(self._max_object_option or settings["max_object_tokens"])
        self.publish_verbs = set(settings["publish_verbs"])
        self.policy_terms = CuePhrases(nlp_tokenizer, {t: 1 for t in settings["policy_terms"]})
        table: dict[str, tuple[str, str]] = {}
        # Phrases that look like triggers but name something else ("online consultations"):
        # matched so that they consume their words, then dropped.
        for phrase in data.get("ignore", {}).get("phrases", []):
            table[phrase] = ("ignore", "ignore")
        for action in ACTIONS:
            for kind in ("verbs", "nouns"):
                for phrase in data[action].get(kind, []):
                    table.setdefault(phrase, (action, kind))
        # The small model's lemmatizer misses verbs it tags as nouns ("a contract mandating
        # evening appointments"): the inflected forms of each trigger verb match as written.
        for action in ACTIONS:
            for phrase in data[action].get("verbs", []):
                first, _, rest = phrase.partition(" ")
                for form in _inflections(first):
                    table.setdefault(f"{form} {rest}".strip(), (action, "verbs"))
        self.triggers = CuePhrases(nlp_tokenizer, table)
        # One-word trigger verbs: "reported speech" under one of these ("a contract agreed
        # between ...") is an act, not a claim.
        self.act_verbs = {"according"} | {phrase for action in ACTIONS
                                          for phrase in data[action].get("verbs", [])
                                          if " " not in phrase}
        self.noun_forms = {phrase: action for action in ACTIONS
                           for phrase in data[action].get("nouns", [])}
        self.agreed_things = set(settings.get("agreed_things", []))
        self.old_modifiers = set(settings.get("old_modifiers", []))
        self.intransitive = set(settings.get("intransitive_triggers", []))
        self.start_triggers = set(settings.get("start_triggers", []))
        self.people_nouns = set(settings.get("people_nouns", []))
        self.gated = [(set(g["triggers"]), set(g["object_has"]), set(g.get("object_lacks", [])))
                      for g in data.get("gated", [])]
        self.not_acts = set(settings.get("not_act_heads", []))
        self.requests = set(settings.get("request_heads", []))
        self.other_agents = set(settings.get("other_agents", []))
        self.recipient_verbs = set(settings.get("recipient_triggers", []))
        self.policy_objects = set(settings.get("policy_objects", []))
        self.counted_staff = set(settings.get("counted_staff", []))
        self.policy_things = set(settings.get("policy_things", []))
        self.practice_terms = CuePhrases(nlp_tokenizer,
                                         {t: 1 for t in settings.get("practice_terms", [])})
        self.min_practice_terms = int(settings.get("min_practice_terms", 0))
        self.gate_tokens = int(settings.get("practice_terms_from_tokens", 0))
        self.lede_chars = int(settings.get("lede_chars", 0))
        self.motion_verbs = set(settings.get("motion_verbs", []))
        self.motion_forms = {v + ("es" if v.endswith(("s", "sh", "ch")) else "s")
                             for v in self.motion_verbs}
        self.motion_marks = set(settings.get("motion_marks", []))
        self.intention_nouns = set(settings.get("intention_nouns", []))
        self.closing_verbs = set(settings.get("closing_verbs", []))
        self.history_adverbs = set(settings.get("history_adverbs", []))
        self.event_nouns = set(settings.get("event_nouns", []))
        self.policy_people = set(settings.get("policy_people", []))
        self.question_openers = tuple(settings.get("question_openers", []))
        labels = "|".join(re.escape(w) for w in settings.get("link_labels", ()))
        self._link_label = re.compile(rf"(?im)^[ \t]*(?:{labels})[ \t]*(?::|$)") if labels \
            else None
        self.singular_only = set(settings.get("singular_only", []))
        self.money_given = set(settings.get("money_given", []))
        self.money_not_given = set(settings.get("money_not_given", []))
        self.duty_holders = set(settings.get("duty_holders", []))
        self.vague_heads = set(settings.get("vague_heads", []))
        self.expectation_heads = set(settings.get("expectation_heads", []))
        self.report_verbs = set(settings.get("report_verbs", []))
        self.draft_words = set(settings.get("draft_words", []))
        self.asking_verbs = set(settings.get("asking_verbs", []))
        self.background_preps = set(settings.get("background_preps", []))
        self.background_days = int(settings.get("background_days", 365))
        self.made_on_actions = set(settings.get("made_on_actions", []))
        self.retargets = [
            {"from": r["from"], "to": r["to"], "triggers": set(r["triggers"]),
             "object_has": set(r.get("object_has", [])),
             "object_of": set(r.get("object_of", [])),
             "then": set(r.get("then", [])),
             "subject_has": set(r.get("subject_has", []))}
            for r in data.get("retarget", [])
        ]

    def is_policy_maker(self, actor_id: str | None) -> bool:
        return pipeline_registry(self.nlp).is_policy_maker(actor_id)

    def __call__(self, doc: Doc) -> Doc:
        doc._.pcnwatch_events = self.extract(doc)
        return doc

    def extract(self, doc: Doc) -> list[dict[str, Any]]:
        if not len(doc) or not self._about_general_practice(doc):
            return []
        actors = self._actor_mentions(doc)
        self._mentions = actors
        muted = self._muted_quotes(doc)
        # Relative dates ("last month") resolve against the article's date.
        published = doc._.pcnwatch_date
        forms = CuePhrases.forms(doc)
        quoted = self._quoted_ranges(doc)
        # A policy maker's own words (its letter, its plan) state its acts in any person: "the
        # Chancellor set out a commitment to publish a recovery plan".
        maker_quotes = [(q["start"], q["end"]) for q in extension(doc, "pcnwatch_quotes") or []
                        if q.get("actor_id") and self.is_policy_maker(q["actor_id"])]
        reported_other = self._reported_by_others(doc)
        events: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str]] = set()
        links = self._link_lines(doc.text)
        for sent in self._segments(doc):
            if any(a <= sent.start_char < b for a, b in links):
                continue  # another story's headline, listed as a link
            self._bounds = (sent.start, sent.end)
            # "the LMC chair said the requirement had been introduced ...": a claim by
            # someone else; only what it says of a policy thing as fact stands
            claimed = any(a <= sent.start_char < b for a, b in reported_other) or \
                self._reported_by_other_subject(sent)
            if self._imperative(sent.root, sent):
                continue  # advice to the reader
            in_sent = [s for s in actors if sent.start <= s.start and s.end <= sent.end]
            named = [s for s in in_sent if self.is_policy_maker(s.kb_id_)]
            makers = {i for s in named for i in range(s.start, s.end)}
            matches = self.triggers.find(forms, sent.start, sent.end)
            matches += self._asked_duties(sent, named, makers, matches)
            if not matches:
                continue
            if not self.policy_terms.find(forms, sent.start, sent.end):
                continue
            others = [s for s in in_sent if self._is_subject(s)
                      and not self.is_policy_maker(s.kb_id_)
                      and s.label_ not in _REPORTING_KINDS]
            if sent[-1].text == "?" or (len(sent) > 1 and sent[-2].text == "?") or \
                    sent.text.lstrip().lower().startswith(self.question_openers):
                # a question about an act is not the act ("will NHS England scrap the
                # targets?"); what it takes as given is ("the increase, which the
                # Government put in place"), as in a claim
                claimed = True
            has_verb = any(t.pos_ in ("VERB", "AUX") for t in sent)
            # a noun trigger on a verb ("the plans offered funding") names nothing
            matches = self._drop_embedded(
                doc, [m for m in matches if m.value[0] != "ignore" and not (
                    m.value[1] == "nouns" and m.end - m.start == 1
                    and doc[m.start].pos_ == "VERB")])
            dates = None
            last_object = ""
            for m in matches:
                action, kind = m.value
                # An act named in a quote as a policy maker's ("we welcomed the Secretary of
                # State's announcement on funding") is a fact the speaker rests on.
                owned = m.value[1] == "nouns" and self._owned_by_maker(doc[m.start:m.end], named)
                if any(a <= m.start < b for a, b in muted) and not owned:
                    continue
                trigger = doc[m.start:m.end]
                head = self._trigger_head(trigger)
                described = self._describes_policy_thing(head)
                if claimed and not described and not (
                        kind == "nouns" and action != "fund" and self._presupposed(head)) \
                        and not self._decided(head):
                    continue
                if kind == "verbs" and not any(t.pos_ in ("VERB", "AUX") for t in trigger) \
                        and head.pos_ not in ("VERB", "AUX", "ADJ") \
                        and not self._mistagged_verb(trigger[0]):
                    if self.noun_forms.get(m.phrase) != action:
                        continue
                    kind = "nouns"  # "the drafts": a trigger listed as verb and noun
                if action != "delay" and _negated(head):
                    continue
                if _no_longer(head):
                    # "the specification will no longer be introduced", "practices will no
                    # longer be required to report": the policy or duty is scrapped
                    if action not in ("announce", "require", "fund"):
                        continue
                    action = "withdraw"
                if self._hypothetical(head) or self._not_an_act(head, makers):
                    continue
                if head.dep_ == "csubj" and head.tag_ == "VBG":
                    continue  # "creating more senior posts would be the obvious way": an idea
                if action == "withdraw" and kind == "verbs" and _fell(head):
                    continue  # "the workforce dropped by 1.3%": numbers fell, nothing scrapped
                if kind == "nouns" and self._is_name_part(trigger):
                    continue  # "the investment fund", "the Additional Roles Scheme"
                if kind == "nouns" and not has_verb:
                    continue  # a heading ("Funding for practices") reports no act
                if kind == "nouns" and self._noun_in_background(head):
                    continue  # "since the 2019 deal", "without agreement", "is a fair deal"
                if kind == "verbs" and self._under_background_prep(head):
                    continue  # "without extra funding to cover the costs": what is lacking
                in_quote = any(a <= trigger.start_char < b for a, b in quoted)
                if kind == "verbs" and action != "require" and \
                        trigger.text.lower() not in self.recipient_verbs and \
                        not (in_quote and self._first_person_act(head, kind)) and \
                        not described and self._other_subject(head, in_sent, in_quote):
                    continue  # "the network had to cut its hours": not a policy maker's act
                if kind == "nouns" and trigger.root.tag_ in ("NNS", "NNPS") and \
                        trigger.root.lemma_.lower() in self.singular_only:
                    continue  # "online consultations" are appointments, not a consultation
                if kind == "nouns" and action == "fund" and not self._money_provided(trigger):
                    continue  # "consultations costing £45", "saved £100,000", "an underspend"
                if in_quote and not owned and not self._first_person_act(head, kind) and \
                        not any(a <= trigger.start_char < b for a, b in maker_quotes):
                    continue  # a quote reports an act only as "we will cut ..."
                vague = self._vague(head) and not (
                    action == "require" and self._duty_on_holder(head))
                if vague or self._unrealised(head, trigger) or self._imperative(head, sent):
                    continue
                if action == "require" and not described and self._describes(head):
                    continue  # "the specifications that networks are due to deliver"
                if kind == "verbs" and not self._participle_reports_act(head, sent):
                    continue  # "extra staff funded through the scheme" describes the staff
                if kind == "verbs" and action == "agree" and (
                        head.tag_ == "VBG" or not self._agreed_by_bodies(head, in_sent)):
                    # "is negotiating with NHS England": talks under way, no deal yet
                    continue  # "practices that could not agree a network"
                if trigger.text.lower() in self.recipient_verbs and \
                        not self._duty_holder_receives(head):
                    continue  # "easier for patients to get an appointment"
                actor_ids = self._actors(named, head)
                via = "named"
                if not actor_ids:
                    via = "unnamed"
                    if not described and self._acted_by_other(head, others,
                                                               duty=action == "require"):
                        continue
                    actor_ids = [None]
                obj = self._object(doc, head, trigger)
                if action == "require" and kind == "verbs":
                    obj = self._duty(doc, head, trigger) or obj
                if self._anaphor(obj, trigger) and last_object and (
                        self._pronoun_subject(head) or obj.lower() in _ANAPHORS):
                    obj = last_object  # "... three objectives, but these will not start"
                if not self._gate_open(trigger, obj):
                    continue  # "published figures": publishing is an act only on some things
                if self._trigger_form(trigger) & self.start_triggers and \
                        not self._policy_thing_starts(head):
                    continue  # "the network will start recruiting"
                named_thing = len(trigger) > 1 and any(
                    t.lemma_.lower() in self.policy_objects for t in trigger)
                if not named_thing and not described and \
                        not self._policy_object(obj, head, action):
                    # "the first of which were due to begin": the thing named before
                    obj = self._antecedent(doc, sent, trigger) or ""
                    if not obj:
                        continue  # "cut avoidable admissions", "get the care they need"
                action = self._retarget(action, trigger, obj, self._subject_words(head))
                if action == "announce" and self._said_by_draft(head):
                    # "the draft plans will introduce ...": launched only as a proposal. A
                    # draft's duties stay `require`: the timeline files them under the draft
                    # and the digest tells practice managers they are only proposed.
                    action = "propose"
                last_object = obj
                if dates is None:
                    dates = find_dates(sent.text, published)
                when = self._act_date(dates, head, sent, published, action)
                # An old act recalled ("the five-year deal agreed in 2019", in a 2022
                # article; "the contract had required ...") is still an act, but one the
                # news does not make: unnamed, its maker stays null.
                background = self._background(dates, head, sent, published) or \
                    self._past_perfect(head)
                for actor_id in actor_ids:
                    own = self._without_maker(obj, actor_id, in_sent)
                    key = (actor_id or "", action, own.lower())
                    if key in seen:
                        continue
                    seen.add(key)
                    events.append({
                        "action": action,
                        "actor_id": actor_id,
                        "object": own,
                        "date": when,
                        "sentence": sent.text.strip(),
                        "start": sent.start_char,
                        "end": sent.end_char,
                        "trigger": trigger.text,
                        "via": "background" if via == "unnamed" and background else via,
                        "_head": head.i,
                        "_described": described,
                        "_scope": self._clause_scope(head) if action == "announce" else (),
                        # the sentence names no policy maker and the verb is passive
                        "_unnamed_passive": kind == "verbs" and not named and _passive(head),
                    })
        events = self._drop_wrappers(events)
        # An act whose maker the sentence does not name belongs to the policy maker last
        # shown acting before it ("NHS England has written to practices. Networks will get
        # £43m ..."); with none before it, the actor stays null, as the text leaves it.
        # A body that only presents another maker's act in the same sentence ("the
        # Government's plans, set out by the minister") is not the maker of what follows.
        named_acts = [(e["start"], e["end"], e["actor_id"]) for e in events
                      if e["via"] == "named"]
        acting = sorted([(a, actor) for a, _, actor in named_acts] + [
            (at, actor) for at, actor, agent in self._acting_makers(doc, actors, published)
            if not (agent and any(a <= at < b and actor != other
                                  for a, b, other in named_acts))])
        home = extension(doc, "pcnwatch_home")
        own_page = bool(home and self.is_policy_maker(home))
        if own_page:
            # A policy maker's own page ("I am pleased to announce that agreement has been
            # reached"): its unnamed acts are its own until it names another maker acting.
            acting.insert(0, (-1, home))
        spoken = [(q["start"], q["end"], q["actor_id"])
                  for q in extension(doc, "pcnwatch_quotes") or []
                  if q.get("actor_id") and self.is_policy_maker(q["actor_id"])]
        for event in events:
            unnamed_passive = event.pop("_unnamed_passive")
            if event.pop("via") == "unnamed":
                # "There is the investment in digital telephony", in the minister's answer:
                # what a policy maker's own words report is its act.
                speaker = next((actor for a, b, actor in spoken
                                if a - 1 <= event["start"] and event["end"] <= b + 1), None)
                if speaker is not None:
                    event["actor_id"] = speaker
                    continue
                if unnamed_passive and not own_page:
                    # "PCNs are expected to be given 100% reimbursement": the passive names
                    # no maker, and a maker shown acting earlier is only a guess at one
                    # (LABELLING.md: actor null when the passive names none). A maker
                    # named in the sentence ("a letter from NHS England stated the
                    # indicators would be retired") still owns it.
                    event["actor_id"] = None
                    continue
                before = [actor for at, actor in acting if at <= event["start"]]
                if not before and event["start"] < self.lede_chars:
                    # a headline's act belongs to the body its lede shows acting
                    before = [actor for at, actor in acting if at < self.lede_chars][:1]
                event["actor_id"] = before[-1] if before else None

        return self._collapse(events)

    # -- helpers ------------------------------------------------------------------------------

    def _about_general_practice(self, doc: Doc) -> bool:
        """Events change what practices or networks must do: an article that hardly names
        general practice (a dental contract, social care charging, a vets' takeover) has
        none, whatever its policy words."""
        if len(doc) < self.gate_tokens:
            return True  # a sentence or two: too little to judge an article's subject by
        found = self.practice_terms.find(CuePhrases.forms(doc))
        return len(found) >= self.min_practice_terms

    @staticmethod
    def _mistagged_verb(token: Token) -> bool:
        """A participle the tagger read as a noun it could not lemmatise ("a contract
        mandating evening appointments")."""
        return token.pos_ == "NOUN" and token.lower_.endswith(("ing", "ed")) and \
            token.lemma_.lower() == token.lower_ and token.dep_ not in ("nsubj", "dobj", "pobj")

    def _money_provided(self, trigger: Span) -> bool:
        """Money named as given: an amount with a word of provision near it ("an extra £43m",
        "£82m would be made available", "funding for networks"), not a price, a saving or a
        shortfall."""
        head = self._trigger_head(trigger)
        lo, hi = self._bounds
        window = trigger.doc[max(lo, trigger.start - 6):min(hi, trigger.end + 8)]
        words = {t.lemma_.lower() for t in window} | {t.lower_ for t in window}
        if words & self.money_not_given:
            return False
        return bool(words & self.money_given) or head.lower_ in ("funding", "investment")

    def _owned_by_maker(self, trigger: Span, named: Sequence[Span]) -> bool:
        """A policy maker named as the owner or maker of a noun trigger: "the Secretary of
        State's announcement", "the deal agreed with NHS England"."""
        head = self._trigger_head(trigger)
        inside = {t.i for t in head.subtree}
        return any(s.root.i in inside and s.root.i not in range(trigger.start, trigger.end)
                   for s in named)

    @staticmethod
    def _presupposed(head: Token) -> bool:
        """A definite act named in passing, as a fact the claim rests on: "the 2023/24
        contract imposition", "the Welsh Government's offer", "a package of contract
        proposals in January"."""
        return any(c.dep_ in ("det", "poss", "compound", "nummod", "amod") for c in
                   head.children) or head.dep_ in ("pobj", "compound")

    @staticmethod
    def _without_maker(obj: str, actor_id: str | None, in_sent: Sequence[Span]) -> str:
        """"NHS England's draft specifications", proposed by NHS England: the maker is the
        event's actor, so the object names only the thing (its title would say the maker
        twice, and reports that leave the possessive out would not look alike)."""
        for span in in_sent:
            if span.kb_id_ != actor_id:
                continue
            for mark in ("'s ", "\u2019s "):
                for lead in (span.text, "the " + span.text, "The " + span.text):
                    if obj.startswith(lead + mark) and len(obj) > len(lead + mark):
                        return obj[len(lead + mark):]
        return obj

    def _decided(self, head: Token) -> bool:
        """An act named as a policy maker's decision ("we welcome the Government's decision
        to free up money"): whoever welcomes or attacks it takes it as done."""
        if head.tag_ != "VB" or not any(c.lower_ == "to" for c in head.children):
            return False
        if head.dep_ in ("acl", "xcomp"):
            nouns = [head.head]
        elif head.dep_ == "advcl":
            # the parser may hang the infinitive on the verb the decision is the object of
            nouns = [c for c in head.head.children if c.dep_ == "dobj" and c.i < head.i]
        else:
            return False
        return any(n.lemma_.lower() in self.intention_nouns
                   and any(c.dep_ == "poss" for c in n.children) for n in nouns)

    def _describes_policy_thing(self, head: Token) -> bool:
        """A trigger in a clause that describes a policy thing ("a contract that forces
        practices to open on Saturdays", "the new contract, which will see practices given a
        1.9% rise"): the writer states the act as fact, whoever the sentence is about."""
        tok = head
        for _ in range(5):
            if tok.head is tok:
                return False
            if tok.dep_ in ("relcl", "acl") or self._mistagged_verb(tok) or (
                    tok.dep_ == "amod" and tok.tag_ in ("VBN", "VBD")):
                # "measures to reduce debt" gives a purpose, not an act
                return tok.head.lemma_.lower() in self.policy_things and not any(
                    c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)
            tok = tok.head
        return False

    @staticmethod
    def _clause_scope(head: Token) -> set[int]:
        """Tokens of what an announcing verb announces: its object and its clause."""
        if head.pos_ not in ("VERB", "AUX"):
            return set()
        return {t.i for c in head.children if c.dep_ in ("ccomp", "xcomp") for t in c.subtree}

    @staticmethod
    def _drop_wrappers(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """"NHS England has announced that the requirements will be phased in": the act is
        the phasing in (a delay); the announcing only reports it."""
        kept = []
        undone = {e["start"] for e in events if e["action"] in ("delay", "withdraw")}
        for event in events:
            described = event.pop("_described")
            if event["action"] == "require" and (
                    described and event["start"] in undone):
                event.pop("_scope")
                continue  # "the fund, which was due to start in April, will be suspended"
            scope = event.pop("_scope")
            inner = event["action"] == "announce" and any(
                o["action"] != "announce" and o["_head"] in scope and o["start"] == event["start"]
                for o in events if o is not event)
            if not inner:
                kept.append(event)
        for event in kept:
            event.pop("_head")
        return kept

    def _actor_mentions(self, doc: Doc) -> list[Span]:
        """The registry bodies named in the text, and the people who speak for a policy maker
        by office ("the health secretary, Wes Streeting, announced ..."): a minister acts for
        the department."""
        spans = list(doc.spans["pcnwatch_actors"]) if "pcnwatch_actors" in doc.spans else []
        taken = {i for s in spans for i in range(s.start, s.end)}
        kinds = {s.kb_id_: s.label_ for s in spans}
        for person in extension(doc, "pcnwatch_people") or []:
            actor_id = person.get("actor_id")
            if not self.is_policy_maker(actor_id):
                continue
            kind = kinds.get(actor_id) or pipeline_registry(self.nlp).get(actor_id).kind
            for start, end in person.get("mentions") or ():
                span = doc.char_span(start, end, label=kind, kb_id=actor_id,
                                     alignment_mode="expand")
                if span is not None and not taken & set(range(span.start, span.end)):
                    spans.append(span)
        spans.sort(key=lambda s: s.start)
        return spans

    def _acting_makers(self, doc: Doc, actors: Sequence[Span],
                       published: Any = None) -> list[tuple[int, str, bool]]:
        """Where the article shows a policy maker acting: as the subject of a verb ("NHS
        England has written to practices"), as its agent ("set by NHS England"), or
        reported saying something."""
        acting = []
        for span in actors:
            if not self.is_policy_maker(span.kb_id_):
                continue
            root = name_root(span, _NAME_LINKS)
            # a subject of a clause of time or condition ("once the government responds")
            # is not shown acting
            if root.dep_ in ("nsubj", "nsubjpass") and root.head.pos_ in ("VERB", "AUX") and \
                    not any(c.dep_ == "mark" for c in root.head.children) or (
                    root.dep_ == "pobj" and root.head.lower_ == "by"
                    and root.head.dep_ == "agent") or root.dep_ in ("poss", "attr") or (
                    root.dep_ == "pobj" and root.head.lower_ == "from"
                    and root.head.head.pos_ in ("VERB", "AUX")):
                # "the contract is NHS England's", "the guidance comes from NHS England"
                if self._acted_in_past_year(root.head, published):
                    continue  # "in 2014 NHS England set out ...": history, not today's maker
                acting.append((span.start_char, span.kb_id_, root.dep_ == "pobj"
                               and root.head.dep_ == "agent"))
        for rep in extension(doc, "pcnwatch_reported") or []:
            actor_id = rep.get("actor_id")
            if rep.get("verb") == "answer":
                continue  # a minister's written answer explains policy; it shows no one acting
            if actor_id and self.is_policy_maker(actor_id):
                acting.append((rep["start"], actor_id, False))
        return acting

    def _link_lines(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of other stories' headlines: the rest of a "Related:" line, and
        the lines after a bare "Read more:" that end with no full stop (a title), up to the
        first line of running text or a blank line."""
        if self._link_label is None:
            return []
        ranges = []
        for m in self._link_label.finditer(text):
            end = text.find("\n", m.end())
            end = len(text) if end < 0 else end
            if text[m.end():end].strip():
                # "RELATED: <title>", from the label: a sentence may start at either
                ranges.append((m.start(), end))
                continue
            pos = end + 1
            while pos < len(text):
                nxt = text.find("\n", pos)
                nxt = len(text) if nxt < 0 else nxt
                line = text[pos:nxt].strip()
                if not line or line[-1] in ".!?\u201d\"'":
                    break
                ranges.append((pos, nxt))
                pos = nxt + 1
        return ranges

    def _acted_in_past_year(self, verb: Token, published: Any) -> bool:
        """The verb is dated by a year of its own ("in 2014 ... set out") long before the
        article: a body acting then is history, not the maker of the acts reported now. A
        year inside its object ("began talks on the deal agreed in 2019") does not count."""
        if published is None:
            return False
        for child in verb.children:
            if child.dep_ != "prep" or child.lower_ not in ("in", "during"):
                continue
            for tok in child.children:
                if tok.dep_ == "pobj" and re.fullmatch(r"(?:19|20)\d\d", tok.text) and \
                        (published - date(int(tok.text), 12, 31)).days > self.background_days:
                    return True
        return False

    @staticmethod
    def _segments(doc: Doc) -> Iterable[Span]:
        """Sentences clipped at line breaks: the parser runs a subheading into the paragraph
        after it ("The government response\n\nLast month ..."), which is never one act."""
        for sent in doc.sents:
            start = sent.start
            for tok in sent:
                if "\n" in tok.text:
                    if tok.i > start:
                        yield doc[start:tok.i]
                    start = tok.i + 1
            if start < sent.end:
                yield doc[start:sent.end]

    @staticmethod
    def _quoted_ranges(doc: Doc) -> list[tuple[int, int]]:
        """Character ranges of direct quotations (four words or more) in each paragraph; an
        unclosed opening quote runs to the end of its paragraph, as the press writes them."""
        ranges = [(q["start"], q["end"]) for q in extension(doc, "pcnwatch_quotes") or []]
        text = doc.text
        pos = 0
        for para in re.split(r"(\n\s*\n)", text):
            for m in _QUOTE_RE.finditer(para):
                if len(m.group(0).split()) >= 4:
                    ranges.append((pos + m.start(), pos + m.end()))
            pos += len(para)
        return ranges

    def _reported_by_others(self, doc: Doc) -> list[tuple[int, int]]:
        """Sentences of reported speech by speakers who are not policy makers."""
        out = []
        # The press reports acts ("cut to two, the HSJ reported"); it does not claim them.
        media = {s.kb_id_ for s in doc.spans.get("pcnwatch_actors", [])
                 if s.label_ in _REPORTING_KINDS}
        for rep in extension(doc, "pcnwatch_reported") or []:
            actor_id = rep.get("actor_id") or ""
            if rep.get("verb") in self.act_verbs or actor_id in media or (
                    actor_id and self.is_policy_maker(actor_id)) or (
                    not actor_id and self._policy_people(rep.get("speaker") or "")):
                continue  # "a contract agreed between ...", "health leaders confirmed ..."
            out.append((rep["start"], rep["end"]))
        return out

    def _reported_by_other_subject(self, sent: Span) -> bool:
        """A sentence whose main verb is a reporting verb with a person or another body as
        its subject is their claim ("he added that extra funding was not guaranteed"), also
        where the quotes component left the speaker unresolved."""
        root = sent.root
        subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
        if subject is None and root.lemma_.lower() in self.motion_verbs and \
                root.tag_ in ("VBZ", "VBP"):
            return True  # a motion's clause: "- insists that practices must ..."
        words = [t for t in sent if not t.is_space]
        if len(words) > 1 and words[0].text in self.motion_marks and \
                words[1].lower_ in self.motion_forms:
            return True  # the same, however the parser reads "- demands the removal ..."
        if root.lemma_.lower() not in self.report_verbs or any(
                c.dep_ == "aux" and c.tag_ == "MD" for c in root.children):
            return False  # "networks must tell their ICB" is a duty, not a claim
        if subject is None:
            return False
        actors = self._mentions
        inside = [s for s in actors if subject.left_edge.i <= s.start and
                  s.end <= subject.right_edge.i + 1]
        if any(self.is_policy_maker(s.kb_id_) for s in inside):
            return False
        if inside:
            return not all(s.label_ in _REPORTING_KINDS for s in inside)
        return subject.pos_ == "PROPN" or subject.lemma_.lower() in self.other_agents

    def _chain(self, head: Token, steps: int = 4) -> list[Token]:
        """The trigger and the verbs it hangs under, up to the clause that holds it."""
        out = [head]
        tok = head
        lo, hi = self._bounds
        for _ in range(steps):
            if tok.head is tok or tok.dep_ not in _EMBEDDING_DEPS | {"conj"} or \
                    not lo <= tok.head.i < hi:
                break  # the parser may hang a clause under the paragraph before
            tok = tok.head
            out.append(tok)
        return out

    def _realised(self, verb: Token) -> bool:
        """False for an act still to come: "will publish", "is expected to publish"."""
        if any(c.dep_ == "aux" and c.lower_ in _FUTURE for c in verb.children):
            return False
        return not any(t.lemma_.lower() in self.expectation_heads for t in self._chain(verb)[1:])

    def _first_person_act(self, head: Token, kind: str) -> bool:
        if kind == "nouns":
            # "we are putting £40m into ...": the verb the noun phrase belongs to
            while head.dep_ in ("compound", "nmod", "quantmod", "nummod", "amod", "dobj",
                                "pobj", "prep", "appos") and head.head is not head:
                head = head.head
            if head.pos_ not in ("VERB", "AUX"):
                return False
        return any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ == "we"
                   for t in self._chain(head) for c in t.children)

    def _vague(self, head: Token) -> bool:
        """"we are committed to rebuilding", "we will continue to work with": no act. A noun
        is only vague as what the vague verb itself governs ("one year on from their launch"
        in a report that "looked at" networks is still a launch)."""
        chain = self._chain(head)
        if head.pos_ in ("NOUN", "PROPN"):
            chain = chain[:2] if head.dep_ in ("dobj", "xcomp") else chain[:1]
        # "wants networks to offer ...": someone else is to act, so it is a request, not a
        # wish of the body's own ("wants to free up money")
        if any(t.lemma_.lower() in self.vague_heads and not self._others_to_act(below)
               for below, t in zip(chain, chain[1:], strict=False)):
            return True
        return head.lemma_.lower() in self.vague_heads and not any(
            c.dep_ == "dobj" or self._others_to_act(c) for c in head.children)

    def _duty_on_holder(self, head: Token) -> bool:
        """"Practices must keep online access open": a duty whose verb is one of the vague
        heads is still a duty when practices or networks are the ones bound by it (the
        vague heads are for a body's own pledges: "we will keep listening")."""
        for tok in self._chain(head):
            subject = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subject is not None:
                return self._is_duty_holder(subject.lower_)
        return False

    @staticmethod
    def _others_to_act(clause: Token) -> bool:
        return clause.dep_ == "ccomp" and any(c.dep_ == "nsubj" for c in clause.children)

    def _unrealised(self, head: Token, trigger: Span) -> bool:
        """Expected, possible or past necessities: "talks are expected to begin", "the
        contract is expected to be published", "CCGs had to step in"."""
        if trigger[0].lower_ == "had" and trigger[0].tag_ == "VBD":
            return True
        if head.dep_ in ("acl", "relcl", "amod", "advcl") and head.tag_ == "VBN" and any(
                c.dep_ == "advmod" and c.lower_ in self.history_adverbs for c in head.children):
            # "the service, first proposed in 2019, is delayed": its history. A maker named
            # doing it ("since Jeremy Hunt first pledged to add 5,000 GPs") is an act
            # recalled, which the timeline keeps as background.
            return True
        for tok in self._chain(head):
            lemma = tok.lemma_.lower()
            if lemma not in self.expectation_heads:
                continue
            # "Networks will be expected to offer ...": a duty laid on practices or networks.
            subject = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subject is None or subject.lemma_.lower() not in self.duty_holders:
                return True
            if any(c.dep_ in ("det", "amod") and c.lower_ in _QUANTIFIERS
                   for c in subject.children):
                return True  # "few practices are expected to stay out": a forecast
        return False

    @staticmethod
    def _describes(head: Token) -> bool:
        """A duty in a relative clause only says what a thing is ("the specifications that
        networks are due to start delivering"): the act that laid it is reported elsewhere."""
        tok = head
        while tok.dep_ in ("xcomp", "acomp", "aux", "conj") and tok.head is not tok:
            tok = tok.head
        return tok.dep_ in ("relcl", "acl")

    @staticmethod
    def _imperative(head: Token, sent: Span) -> bool:
        """Advice to the reader ("Agree with your network who will draft the plan")."""
        top = head
        while top.dep_ in ("xcomp", "conj") and top.head is not top:
            top = top.head
        first = next((t for t in sent if not t.is_space and t.lower_ not in ("and", "then")),
                     None)
        return (first is not None and top.i == first.i and top.tag_ == "VB"
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in top.children))

    @staticmethod
    def _participle_reports_act(head: Token, sent: Span) -> bool:
        """A past participle after a noun ("staff funded through the scheme") describes the
        noun; it reports an act only with the bodies that did it or a date. A past-tense
        relative clause on a thing tells its history."""
        if head.dep_ == "pcomp" and head.head.dep_ == "prep" and \
                head.head.lower_ != "of" and head.head.head.pos_ in ("NOUN", "PROPN"):
            return False  # "the programme for cutting referrals" names the programme
        if head.dep_ == "relcl" and head.tag_ == "VBD" and any(
                c.dep_ == "nsubj" and c.lower_ in ("which", "that") for c in head.children):
            # "the 2019 deal, which created networks": the deal's history; "networks,
            # which went live on Monday": news, dated
            return _dated(head)
        if head.dep_ != "acl" or head.tag_ != "VBN":
            return True
        for tok in head.subtree:
            if tok.dep_ == "pobj" and tok.head.lower_ in ("by", "between", "with") and \
                    tok.head.head.i == head.i:
                return True
            if tok.ent_type_ in ("DATE", "ORG") or tok.lower_ in _TIME_WORDS:
                return True
        return False

    def _agreed_by_bodies(self, head: Token, in_sent: Sequence[Span]) -> bool:
        """An agreement is made by named bodies or is of a policy thing ("the deal was
        agreed"), never by practices or the reader."""
        covered = {i for s in in_sent for i in range(s.start, s.end)}
        top = head
        while top.dep_ in ("xcomp", "conj") and top.head is not top:
            top = top.head
        for verb in {head, top}:
            for c in verb.children:
                # "GP leaders and NHS England have struck a deal": any of joined subjects
                if c.dep_ in ("nsubj", "nsubjpass") and (
                        any(t.i in covered for t in (c, *c.conjuncts))
                        or c.lemma_.lower() in self.agreed_things):
                    return True
                if c.dep_ in ("prep", "agent") and c.lower_ in ("by", "between", "with") and \
                        any(t.i in covered for t in c.subtree):
                    return True
        return head.dep_ == "acl" and head.head.lemma_.lower() in self.agreed_things

    def _duty(self, doc: Doc, head: Token, trigger: Span) -> str | None:
        """What a modal requirement asks of whom: "networks submit their plans"."""
        verb: Token | None = None
        subject: Token | None = None
        if trigger[0].lower_ == "due":
            return self._scheduled(doc, trigger)
        if head.lower_ in ("must", "should") or head.dep_ == "aux":
            verb = head.head if head.head is not head else None
        elif any(c.dep_ == "aux" and c.lower_ in ("must", "should") for c in head.children):
            verb = head  # "the appointments must be a mix of ..."
        else:
            verb = next((c for c in head.children if c.dep_ == "xcomp"), None)
            subject = next((c for c in head.children if c.dep_ in ("dobj", "nsubjpass")), None)
        if verb is None or verb.pos_ not in ("VERB", "AUX"):
            return None
        passive = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        if passive is not None and subject is None:
            return self._phrase(doc, passive)  # "reviews must be delivered": the reviews
        if subject is None:
            subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None:
            subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None and subject.lower_ in _REPORTING_FORMS:
            return None  # "new guidance states that ...": the object repair reads it
        tokens = self._phrase_list(subject) if subject is not None else []
        tokens.append(verb)
        tokens.extend(c for c in verb.children if c.dep_ == "prt")
        rest = next((c for c in verb.children if c.dep_ in ("dobj", "attr", "acomp")), None)
        if rest is None:
            rest = next((c for c in verb.children if c.dep_ == "prep"), None)
        if rest is not None:
            tokens.extend(self._phrase_list(rest))
        tokens = [t for t in tokens if t.i not in range(trigger.start, trigger.end)]
        kept = tokens[: self.max_object_tokens]
        while kept and kept[0].pos_ in ("DET", "PUNCT"):
            kept = kept[1:]
        while kept and kept[-1].pos_ in ("ADP", "CCONJ", "DET", "PUNCT"):
            kept = kept[:-1]  # "... between 6.30pm and 8pm on" cut at twelve words
        text = " ".join(t.text for t in kept).strip()
        return text if len(kept) > 1 else None

    def _scheduled(self, doc: Doc, trigger: Span) -> str | None:
        """What is "due to start": the noun "due" describes or the subject of its "be"."""
        due = trigger[0]
        thing: Token | None = None
        if due.dep_ in ("amod", "acl") and due.head is not due:
            thing = due.head
        elif due.dep_ == "acomp":
            thing = next((c for c in due.head.children if c.dep_ in ("nsubj", "nsubjpass")),
                         None)
        if thing is None or thing.lower_ in _ANAPHORS | {"which", "first"}:
            return None
        phrase = self._phrase_list(thing)
        words = [t.text for t in phrase][: self.max_object_tokens - 3]
        if any(t.i == due.i for t in phrase):
            return " ".join(words) or None  # "the specifications due to begin in April"
        return " ".join(words + [t.text for t in trigger]) if words else None

    def _phrase_list(self, target: Token) -> list[Token]:
        out = []
        lo, hi = self._bounds
        for tok in target.subtree:
            if not lo <= tok.i < hi:
                continue  # a subheading the parser hung on the subject
            if tok.i > target.i and (tok.lower_ in _STOP_OBJECT or tok.dep_ == "relcl"
                                     or tok.text == "," or "\n" in tok.text):
                break
            out.append(tok)
        while out and out[-1].pos_ in ("PUNCT", "ADP", "CCONJ", "DET"):
            out.pop()
        return out

    def _gate_open(self, trigger: Span, obj: str) -> bool:
        forms = self._trigger_form(trigger)
        gates = [(has, lacks) for triggers, has, lacks in self.gated if forms & triggers]
        if not gates:
            return True
        words = {w.rstrip(".,;:").lower() for w in obj.split()}
        # What is published may sit outside the object phrase the parser gives: "the
        # publication on Thursday of the updated DES specification", "the DES, published on
        # 31 March".
        head = self._trigger_head(trigger)
        lo, hi = self._bounds
        near = list(head.subtree)
        if head.dep_ in ("acl", "relcl", "amod", "appos") and head.head is not head:
            near.append(head.head)
            near.extend(t for c in head.head.lefts for t in c.subtree)
        words |= {t.lower_ for t in near if lo <= t.i < hi}
        words |= {"£" for w in words if w.startswith("£")}
        return all(words & has and not words & lacks for has, lacks in gates)

    @staticmethod
    def _trigger_form(trigger: Span) -> set[str]:
        return {trigger.text.lower(), " ".join(t.lemma_.lower() for t in trigger)}

    def _policy_thing_starts(self, head: Token) -> bool:
        subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None:
            return False
        lemma = subject.lemma_.lower()
        if lemma in _ANAPHORS | {"which"} or subject.pos_ == "NUM":
            return True  # "only three will start": the things named before
        return lemma in self.policy_objects and lemma not in self.duty_holders

    def _noun_in_background(self, head: Token) -> bool:
        if head.dep_ == "attr" and any(
                c.dep_ == "expl" or (c.dep_ == "nsubj" and c.lower_ in _TIME_WORDS)
                for c in head.head.children):
            pass  # "there has been a requirement for networks to ...", "today is the deadline"
        elif head.dep_ == "attr" or (head.dep_ == "nsubj" and head.head.lemma_ == "be"):
            return True  # "the consultation had been a real one"
        if any(t.lower_ in self.old_modifiers and t.dep_ in ("amod", "det")
               for c in head.lefts for t in c.subtree):
            # "existing network funding", "any extra funding", "a broken government promise"
            return True
        if head.dep_ in ("nsubj", "nsubjpass", "dobj") and any(
                c.dep_ == "neg" for c in head.head.children):
            return True  # "extra funding wasn't guaranteed"
        if head.dep_ == "nsubj" and head.head.lemma_.lower() in self.closing_verbs:
            return True  # "the consultation closed on Friday": an end, not an act
        if head.lemma_.lower() in self.event_nouns:
            verb = head.head
            while verb.dep_ == "prep" and verb.head is not verb:
                verb = verb.head
            if any(c.dep_ == "aux" and c.lower_ in ("will", "would", "'ll") for c in
                   verb.children):
                return True  # "the opt-out deadline will follow the publication": not yet
        tok = head
        for _ in range(4):  # "it will publish the draft specifications for consultation"
            if tok.head is tok or tok.dep_ not in ("dobj", "nsubjpass", "pobj", "prep",
                                                   "compound", "conj"):
                break
            tok = tok.head
            if tok.pos_ == "VERB":
                if tok.lemma_.lower() in self.publish_verbs and not self._realised(tok):
                    return True
                break
        return head.dep_ == "pobj" and head.head.lower_ in self.background_preps

    def _under_background_prep(self, verb: Token) -> bool:
        """A verb describing a noun inside "without", "since", "despite" … ("Without extra
        funding to cover the additional costs, they warn …"): no act is reported."""
        if verb.dep_ not in ("acl", "relcl", "advcl"):
            return False
        head = verb.head
        if head.dep_ == "prep":  # the parser may hang the verb on "without" itself
            return head.lower_ in self.background_preps
        return head.dep_ == "pobj" and head.head.lower_ in self.background_preps

    @staticmethod
    def _anaphor(obj: str, trigger: Span) -> bool:
        return obj == trigger.text or obj.lower() in _ANAPHORS

    def _policy_object(self, obj: str, head: Token, action: str) -> bool:
        """A concrete policy object: a phrase that names a target, contract, fund, service,
        money, roles... ("cut avoidable admissions" or "get the care they need" is no act)."""
        words = [w.strip(".,;:\u2019'\"()").lower() for w in obj.split()]
        if len(words) == 1 and words[0] in _ANAPHORS | {"what", "which", "who"}:
            return False
        # The noun phrase up to its first preposition ("of" kept: "the number of
        # indicators"): "main conclusions on networks" is about networks, not a network;
        # but an announcement or a pledge "of" or "on" something names what is announced.
        cut = next((k for k, w in enumerate(words) if k and w in _PHRASE_PREPS), len(words))
        if head.lemma_.lower() in self.event_nouns:
            cut = len(words)
        for word in words[:cut]:
            if word in self.policy_objects or word.rstrip("s") in self.policy_objects:
                return True
            if "£" in word or _MONEY_RE.match(word):
                return True
        # A workforce pledge counts heads: "to recruit 6,000 more GPs", "5,000 extra doctors"
        for k, word in enumerate(words[:cut] if action in ("announce", "fund") else ()):
            if _COUNT_RE.match(word) and any(w in self.counted_staff
                                             for w in words[k + 1:k + 4]):
                return True
        if action in ("delay", "withdraw", "reduce") and any(
                c.dep_ == "nsubjpass" for c in head.children):
            return True  # "anticipatory care has been delayed": the thing acted on
        return action == "require" and any(self._is_duty_holder(w) for w in words[:3])

    def _retarget(self, action: str, trigger: Span, obj: str, subject: set[str]) -> str:
        """Some triggers name another act by what they act on or who does it: a deadline
        extended is delayed, money that networks "will receive" is funding, requirements
        that "the drafts set out" are proposed."""
        forms = {trigger.text.lower(), " ".join(t.lemma_.lower() for t in trigger)}
        words = set(re.findall(r"[a-z£]+", obj.lower()))
        for rule in self.retargets:
            if action != rule["from"] or not forms & rule["triggers"]:
                continue
            if rule["object_has"] and not (words & rule["object_has"] or (
                    "£" in rule["object_has"] and "£" in obj)):
                continue
            if rule["subject_has"] and not subject & rule["subject_has"]:
                continue
            head = self._trigger_head(trigger)
            if rule["object_of"] and not (
                    head.dep_ == "dobj" and head.head.lemma_.lower() in rule["object_of"]
                    and not _refused(head.head, self.not_acts)):
                continue
            if rule["then"] and not any(c.dep_ == "xcomp" and c.lemma_.lower() in rule["then"]
                                        for c in head.children):
                continue
            return rule["to"]
        return action

    def _subject_words(self, head: Token) -> set[str]:
        lo, hi = self._bounds
        verb = head
        while verb.dep_ in ("xcomp", "aux", "acomp") and verb.head is not verb:
            verb = verb.head
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")
                        and lo <= c.i < hi), None)
        return {t.lower_ for t in subject.subtree} if subject is not None else set()

    def _asked_duties(self, sent: Span, named: Sequence[Span], makers: set[int],
                      found: Sequence[CueMatch]) -> list[CueMatch]:
        """A policy maker (one of `named`, whose tokens are `makers`) asking or telling
        practices or networks to do something lays a duty on them, however long their name
        ("NHS England has asked the primary care networks (PCNs) of each region to begin the
        reviews"): the asking verb is a require trigger."""
        taken = {i for m in found for i in range(m.start, m.end)}
        out = []
        for tok in sent:
            if tok.lemma_.lower() not in self.asking_verbs or tok.i in taken or \
                    tok.pos_ != "VERB":
                continue
            told = next((c for c in tok.children if c.dep_ == "dobj"), None)
            todo = next((c for c in tok.children if c.dep_ == "xcomp"), None)
            subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if subject is None and tok.dep_ == "advcl":
                # "NHS England has written to practices, telling them to ...": the writer tells
                subject = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
            if told is None or todo is None or (
                    (subject is None or subject.i not in makers)
                    and self._opening_subject(named, {tok.i}) is None):
                continue
            if told.lower_ == "them":
                # "... to all practices telling them to": they are the holders named before
                told = next((t for t in reversed(sent[:tok.i - sent.start])
                             if self._is_duty_holder(t.lower_)), told)
            if self._is_duty_holder(told.lemma_.lower()):
                out.append(CueMatch(tok.i, tok.i + 1, tok.lower_, ("require", "verbs")))
        return out

    def _said_by_draft(self, head: Token) -> bool:
        """The act is what a draft, proposal or consultation says (its subject names one:
        "the draft plans will introduce ..."; or it sits in a clause on one: "the draft that
        said ..."): proposed, not yet laid down."""
        lo, hi = self._bounds
        tok = head
        for _ in range(6):
            for child in tok.children:
                if child.dep_ in ("nsubj", "nsubjpass") and lo <= child.i < hi and any(
                        t.lower_ in self.draft_words for t in child.subtree):
                    return True
            if tok.head is tok or not lo <= tok.head.i < hi:
                return False
            if tok.dep_ in ("relcl", "acl"):
                # "the draft that said ...", "requirements in the draft DES that said ..."
                clause = {t.i for t in tok.subtree}
                words = {t.lower_ for t in tok.head.subtree if t.i not in clause}
                return bool(words & self.draft_words)
            if tok.dep_ not in ("ccomp", "xcomp", "conj", "aux", "auxpass", "advcl", "acomp"):
                return False
            tok = tok.head
        return False

    def _is_duty_holder(self, word: str) -> bool:
        """A word naming those a duty can fall on ("practice", "networks"), one or many."""
        return word in self.duty_holders or word.rstrip("s") in self.duty_holders

    def _duty_holder_receives(self, head: Token) -> bool:
        return any(self._is_duty_holder(w) for w in self._subject_words(head))

    def _antecedent(self, doc: Doc, sent: Span, trigger: Span) -> str | None:
        """For a relative or pronoun subject ("which", "the first of which", "they"): the
        last policy thing named before the trigger in the sentence."""
        subject = self._subject_words(self._trigger_head(trigger))
        if not subject & (_ANAPHORS | {"which", "first"}):
            return None
        for tok in reversed(doc[sent.start:trigger.start]):
            lemma = tok.lemma_.lower()
            if tok.pos_ in ("NOUN", "PROPN") and lemma in self.policy_objects and \
                    lemma not in self.people_nouns:
                return self._phrase(doc, tok)
        return None

    @staticmethod
    def _past_perfect(head: Token) -> bool:
        """"The contract had required ...": an act before the news."""
        verb = head
        while verb.dep_ in ("xcomp", "aux", "auxpass") and verb.head is not verb:
            verb = verb.head
        return any(c.dep_ == "aux" and c.lower_ in ("had", "'d") for c in verb.children)

    def _background(self, dates: Sequence[Any], head: Token, sent: Span,
                    published: Any) -> bool:
        """Every year named in the act's own clause is long before publication: an old act
        recalled as background ("the deal agreed in 2019"), not news."""
        if published is None or not dates:
            return False
        lo = head.left_edge.idx - sent.start_char
        hi = head.right_edge.idx + len(head.right_edge) - sent.start_char
        # Only named years: "at last year's level" dates a level, not the act.
        inside = [d for d in dates if lo <= d.start and d.end <= hi
                  and re.search(r"(?:19|20)\d\d", d.text)]
        return bool(inside) and all(
            (published - d.date).days > self.background_days for d in inside)

    @staticmethod
    def _collapse(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One event per act: the same actor and action on overlapping objects in one
        article ("the service specifications" and "five network service specifications")
        are one, kept where first reported."""
        kept: list[dict[str, Any]] = []
        for event in events:
            words = _content_words(event["object"])
            twin = next((k for k in kept if k["actor_id"] == event["actor_id"]
                         and k["action"] == event["action"]
                         and _overlap(words, _content_words(k["object"]))), None)
            if twin is None:
                kept.append(event)
            elif twin["date"] is None and event["date"] is not None:
                twin["date"] = event["date"]
        return kept

    def _muted_quotes(self, doc: Doc) -> list[tuple[int, int]]:
        """Token ranges of quotes by speakers who are not policy makers."""
        muted = []
        for quote in extension(doc, "pcnwatch_quotes") or []:
            actor_id = quote.get("actor_id") or ""
            if actor_id and self.is_policy_maker(actor_id):
                continue
            span = doc.char_span(quote["start"], quote["end"], alignment_mode="expand")
            if span is not None:
                muted.append((span.start, span.end))
        return muted

    def _drop_embedded(self, doc: Doc, matches: list[Any]) -> list[Any]:
        """Triggers inside what another trigger acts on describe its object, not a second act.

        "withdrew the draft guidance" is one withdrawal; "cut the funding" one cut. A
        proposal noun under a publishing verb ("launched a consultation") is the act itself,
        so it wins over the verb. Money ("£20 million") always counts as funding as well.
        """
        heads = [self._trigger_head(doc[m.start:m.end]) for m in matches]
        scopes: list[set[int]] = []
        for m, head in zip(matches, heads, strict=True):
            scope: set[int] = set()
            if head.pos_ in ("VERB", "AUX"):
                for child in head.children:
                    if child.dep_ == "prep" and child.lower_ in _TIME_PREPS:
                        continue  # "following the publication of the contract": an act of its own
                    if child.dep_ in ("dobj", "nsubjpass", "prep", "attr", "xcomp", "ccomp"):
                        scope.update(t.i for t in child.subtree)
            elif head.lemma_.lower() in self.event_nouns:
                # "the publication of the draft specifications": what is published
                for child in head.children:
                    if child.dep_ == "prep" and child.lower_ == "of":
                        scope.update(t.i for t in child.subtree)
            scope.difference_update(range(m.start, m.end))
            scopes.append(scope)
        drop: set[int] = set()
        head_at = {h.i: k for k, h in enumerate(heads)}
        for k, (m, head) in enumerate(zip(matches, heads, strict=True)):
            action, kind = m.value
            if kind == "verbs" and head.dep_ == "amod" and not (
                    action in ("propose", "announce")
                    and head.head.lemma_.lower() in self.policy_things):
                # "reduced pressure", "the proposed target"; but "the proposed contract
                # changes" and "the imposed contract" report a proposal and an imposition
                drop.add(k)
                continue
            if kind == "nouns" and action != "fund" and head.dep_ in ("nsubj", "nsubjpass") \
                    and head.head.i in head_at and head_at[head.head.i] != k:
                # "the deal will give networks £1.8bn": the giving is the act; money that
                # "was introduced" is funding as well
                drop.add(k)
                continue
            for o, (other, scope) in enumerate(zip(matches, scopes, strict=True)):
                if o == k or head.i not in scope:
                    continue
                if action == "fund" and doc[m.start].text in ("£", "$", "€"):
                    break
                if kind == "nouns" and action in ("fund", "withdraw") and \
                        other.value[0] == "announce":
                    break  # "extra funding and the removal of the cap were introduced"
                if kind == "nouns" and action == "propose" and other.value[0] == "announce":
                    drop.add(o)
                    break
                # What a proposal would do is not yet done; what a deal does is.
                if kind == "nouns" or (other.value[0] == "propose" and
                                       head.dep_ in ("relcl", "acl", "pcomp", "pobj")):
                    drop.add(k)
                    break
        # "published the draft specifications ..., setting out what networks must do": the
        # setting out is the publishing of the drafts, one proposal.
        proposed = {t.i for m, h in zip(matches, heads, strict=True)
                    if m.value == ("propose", "nouns") for t in h.ancestors}
        for k, (m, head) in enumerate(zip(matches, heads, strict=True)):
            if m.value[0] == "announce" and head.dep_ == "advcl" and head.head.i in proposed:
                drop.add(k)
        return [m for k, m in enumerate(matches) if k not in drop]

    def _not_an_act(self, head: Token, makers: set[int]) -> bool:
        """True when the act is only denied or refused ("denied that it planned to cut",
        "under pressure to cut"), or asked for by someone who cannot do it ("GP leaders
        called on NHS England to scrap"); a policy maker asking is requiring."""
        tok = head
        # a noun sits deeper: "seeking assurance about what happens to the funding"
        for _ in range(7 if head.pos_ in ("NOUN", "PROPN") else 4):
            if tok.head is tok or tok.dep_ not in _EMBEDDING_DEPS:
                return False
            tok = tok.head
            lemma = tok.lemma_.lower()
            if lemma in self.not_acts:
                return True
            if lemma in self.requests:
                return not any(c.dep_ == "nsubj" and c.i in makers for c in tok.children)
        return False

    @staticmethod
    def _pronoun_subject(head: Token) -> bool:
        return any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _ANAPHORS
                   for c in head.children)

    @staticmethod
    def _is_name_part(trigger: Span) -> bool:
        root = trigger.root
        if root.dep_ in ("compound", "amod") and root.head.pos_ in ("NOUN", "PROPN"):
            return root.head.i > trigger.end - 1 and root.head.lower_ not in ("boost", "cut")
        return root.pos_ == "PROPN" or root.text[:1].isupper() and root.i > root.sent.start

    def _other_subject(self, head: Token, in_sent: Sequence[Span],
                       in_quote: bool = False) -> bool:
        covered = {i for s in in_sent for i in range(s.start, s.end)}
        verb = head
        subjects = ("nsubj",)
        while verb.dep_ in ("xcomp", "aux") or (verb.dep_ == "pcomp" and
                                                verb.head.lower_ == "by"):
            if verb.head is verb:
                break
            if verb.dep_ == "xcomp":
                # "practices are expected to agree new terms": the passive subject of the
                # verb above does what its complement says
                subjects = ("nsubj", "nsubjpass")
            # "we have done it by cutting sessions": who did it
            verb = verb.head.head if verb.dep_ == "pcomp" else verb.head
        # Only agents that cannot change national policy count: "the network cut its
        # hours" is no policy event, "the new contract will cut indicators" is one.
        for child in verb.children:
            if child.lower_ in ("we", "i") and not in_quote:
                continue  # the page's own voice ("the plan explains how we will expand ...")
            if child.dep_ not in subjects:
                continue
            if child.lower_ in _SHARES or child.like_num:
                # "40% of practices had reduced ...": the practices act
                child = next((g for c in child.children if c.dep_ == "prep" and c.lower_ == "of"
                              for g in c.children if g.dep_ == "pobj"), child)
            if child.i not in covered and not any(
                    t.i in covered for t in child.conjuncts) and (
                    child.lemma_.lower() in self.other_agents
                    or child.lower_ in self.other_agents) and \
                    not self._policy_people(" ".join(t.text for t in child.subtree)):
                return True
        return False

    def _acted_by_other(self, head: Token, others: Sequence[Span], duty: bool = False) -> bool:
        """Another body is the subject of the act's clause, or of the clause that reports it
        ("the LMC said networks must ..."): "soon after the college exerted pressure" in
        another clause does not make the act the college's."""
        clause = self._clause_ancestors(head)
        for span in others:
            root = span.root
            while root.dep_ in ("compound", "appos", "conj", "poss") and root.head is not root:
                root = root.head
            if (root.dep_ == "nsubjpass" or duty) and self._is_duty_holder(root.lower_):
                # A body the act falls on, as a passive subject ("ICBs have been told to
                # identify ...", "ICBs were given £20m") or as the one a duty binds ("ICBs
                # have until October to ..."), is acted on, not acting.
                continue
            if root.head.i in clause:
                return True
        return False

    def _policy_people(self, words: str) -> bool:
        """Unnamed people of the policy makers: "national leaders", "health bosses"."""
        text = " ".join(words.lower().split())
        return any(text == p or text.endswith(" " + p) for p in self.policy_people)

    @staticmethod
    def _hypothetical(head: Token) -> bool:
        """True inside "whether ..." or "if ...", or under "could"/"might": a question or a
        guess about an act, not the act."""
        tok = head
        for _ in range(4):
            if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL for c in tok.children):
                return True  # "until the contract has been published": not yet
            if tok.dep_ == "pcomp" and tok.head.lower_ == "without":
                return True  # "hard to do without reducing appointments"
            if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _SPECULATIVE
                   for c in tok.children):
                # "practices could be asked to" is a guess; "announced that networks could
                # use the scheme" is a permission granted.
                return not any(t.lemma_.lower() in _GRANTING for t in tok.ancestors)
            if tok.head is tok:
                break
            tok = tok.head
        return False

    @staticmethod
    def _is_subject(span: Span) -> bool:
        root = name_root(span, _NAME_LINKS)
        return root.dep_ in ("nsubj", "nsubjpass") or (
            root.dep_ == "poss" and root.head.dep_ in ("nsubj", "nsubjpass")
        )

    def _actors(self, named: Sequence[Span], head: Token) -> list[str]:
        """The policy makers that act: every one in the subject ("NHS England and the
        government published ..."), else the one nearest the trigger."""
        subjects = []
        # the clauses that hold the act, not the phrase it is mentioned in ("began talks
        # over the deal agreed in 2019" is not an agreement by whoever began the talks)
        chain = self._clause_ancestors(head)
        for span in named:
            root = name_root(span, _NAME_LINKS)
            if self._is_subject(span) and root.head.i in chain and \
                    span.kb_id_ not in subjects:
                subjects.append(span.kb_id_)
        if subjects:
            return subjects
        opening = self._opening_subject(named, chain)
        if opening is not None:
            return [opening.kb_id_]
        own_subject = any(c.dep_ in ("nsubj", "nsubjpass") and c.pos_ in ("NOUN", "PROPN")
                          for t in self._chain(head) for c in t.children)
        if own_subject and all(self._is_subject(s) for s in named):
            # "income is being protected, and the CQC has paused inspections": the CQC is
            # the subject of another clause; the act's maker is not named here.
            return []
        actor_id = self._actor(named, head)
        return [actor_id] if actor_id else []

    def _opening_subject(self, named: Sequence[Span], verbs: set[int]) -> Span | None:
        """The body that opens a paragraph and comes straight before its verb ("NHS England
        has asked networks ..."), where the parser ran the paragraph into the one before and
        hung the name there: it is the verb's subject all the same."""
        lo, hi = self._bounds
        for span in named:
            if span.start != lo or lo <= span.root.head.i < hi:
                continue
            nxt = span.end
            while nxt < hi and span.doc[nxt].dep_ in ("aux", "auxpass", "neg", "advmod"):
                nxt += 1
            if nxt < hi and nxt in verbs:
                return span
        return None

    def _actor(self, named: Sequence[Span], head: Token) -> str | None:
        if not named:
            return None
        # "NHS England said networks must ...": the subject of a clause that holds the act
        ancestors = self._clause_ancestors(head)
        for span in named:
            root = name_root(span, _NAME_LINKS)
            if self._is_subject(span) and root.head.i in ancestors:
                return span.kb_id_
        # "set by NHS England", "guidance from NHS England", "NHS England's plan": a body
        # named inside the act's own phrase; one named elsewhere in the sentence ("a
        # concern in the Treasury") does not make the act its own.
        lo, hi = self._bounds
        top = head
        while top.dep_ in ("xcomp", "aux", "auxpass", "amod", "compound") and top.head is not top:
            top = top.head
        if top.pos_ in ("NOUN", "PROPN") and top.dep_ in ("nsubjpass", "nsubj", "dobj") and \
                top.head.pos_ in ("VERB", "AUX"):
            top = top.head  # "a draft was circulated by NHS England": the act's own verb
        if top.dep_ in ("acl", "relcl") and top.head is not top:
            top = top.head  # "a government support package set out last week"
        inside = {t.i for t in top.subtree if lo <= t.i < hi}
        if top.dep_ in ("advcl", "xcomp") and any(c.lower_ == "to" for c in top.children):
            # "the Government's decision to free up money": the parser may hang the
            # infinitive on the verb; the decision it belongs to names the maker
            inside |= {t.i for c in top.head.children if c.dep_ in ("dobj", "nsubjpass")
                       and c.lemma_.lower() in self.intention_nouns
                       for t in c.subtree if lo <= t.i < hi}
        linked = [s for s in named if s.root.i in inside and not self._receiver(s, head)]
        if linked:
            return min(linked, key=lambda s: abs(s.root.i - head.i)).kb_id_
        return None

    @staticmethod
    def _receiver(span: Span, head: Token) -> bool:
        """The body is what another verb in the act's phrase acts on ("a contract that
        binds practices, handing the Government a fresh fight"): it receives, it does not
        make the act."""
        root = name_root(span, _NAME_LINKS)
        return root.dep_ == "dative" and root.head.pos_ == "VERB" and \
            root.head.i != head.i

    @staticmethod
    def _clause_ancestors(head: Token) -> set[int]:
        """The verb an act belongs to and the verbs whose clauses hold it: "NHS England said
        networks must ...", "NHS England published the drafts"; not the verb of a phrase the
        act is only mentioned in ("began talks over the deal agreed in 2019")."""
        verb = head
        while verb.pos_ not in ("VERB", "AUX") and verb.head is not verb:
            if verb.dep_ not in ("dobj", "nsubjpass", "nsubj", "attr", "pobj", "prep",
                                 "compound", "amod", "nummod", "quantmod", "conj", "appos"):
                break
            nxt = verb.head
            if nxt.pos_ in ("NOUN", "PROPN") and verb.dep_ not in ("compound", "amod",
                                                                 "nummod", "quantmod",
                                                                 "conj", "appos"):
                return {head.i}  # the act sits inside another noun's phrase
            verb = nxt
        out = {head.i, verb.i}
        tok = verb
        while tok.head is not tok and (
                tok.dep_ in ("ccomp", "xcomp", "conj", "advcl", "aux", "auxpass") or (
                # "ministers are due to announce": the subject of "are" does the announcing
                tok.dep_ == "acomp" and tok.head.pos_ in ("VERB", "AUX")) or (
                tok.dep_ in ("pcomp", "prep") and tok.head.pos_ in ("VERB", "AUX", "ADP"))):
            tok = tok.head  # "by expanding the role of pharmacies, ... said Sunak"
            out.add(tok.i)
        return out

    @staticmethod
    def _trigger_head(trigger: Span) -> Token:
        for tok in trigger:
            if tok.pos_ == "VERB":
                return tok
        return trigger.root

    def _object(self, doc: Doc, head: Token, trigger: Span) -> str:
        target: Token | None = None
        if head.pos_ in ("VERB", "AUX", "ADJ"):
            verb = head
            lo, hi = self._bounds
            # Only words of this paragraph: the parser may hang a subheading on the verb.
            kids = [c for c in verb.children if lo <= c.i < hi]
            infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in kids) and \
                any(c.dep_ == "dobj" for c in kids)  # "the decision to free up money"
            if verb.dep_ in ("relcl", "acl", "amod") and verb.head is not verb and \
                    lo <= verb.head.i < hi and not infinitive:
                # "the measures we are setting out": what is set out is the noun it modifies
                noun = verb.head
                if noun.pos_ == "NUM" and noun.dep_ == "pobj" and noun.head.head.pos_ == "NOUN":
                    noun = noun.head.head  # "changes for 2022/23 announced by ..."
                return self._phrase(doc, noun)
            before = verb.left_edge.i - 1
            if verb.tag_ == "VBN" and verb.dep_ == "advcl" and verb.left_edge.i == verb.i \
                    and before - 1 >= lo and \
                    doc[before].text == "," and doc[before - 1].pos_ in ("NOUN", "PROPN") \
                    and _dated(verb):
                # "Under the plan, published yesterday, GPs will ...": a dated participle
                # set off by a comma after a noun is that noun's, though parsed as the verb's
                return self._phrase(doc, doc[before - 1])
            if trigger.text.lower() in self.intransitive or \
                    " ".join(t.lemma_.lower() for t in trigger) in self.intransitive:
                # "networks go live on Monday": what goes live is the subject
                target = next((c for c in kids if c.dep_ in ("nsubj", "nsubjpass")), None)
            for dep in ("nsubjpass", "dobj", "attr"):
                if target is not None:
                    break
                target = next((c for c in kids if c.dep_ == dep), None)
            if target is None:
                # "The contract agreed between NHS England and ..." read as a main verb
                target = next((c for c in kids if c.dep_ == "nsubj"
                               and c.lemma_.lower() in self.policy_objects), None)
            if target is None:
                for child in kids:
                    if child.dep_ in ("xcomp", "ccomp"):
                        target = next((c for c in child.children
                                       if c.dep_ in ("dobj", "nsubjpass")), None)
                        if target is not None:
                            break
            if target is None:
                prep = next((c for c in kids if c.dep_ in ("prep", "prt")
                             and c.lower_ in ("on", "to", "for", "back")), None)
                if prep is not None:
                    target = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if target is None and verb.dep_ in ("xcomp", "aux", "auxpass", "conj") and \
                    verb.head is not verb:
                target = next((c for c in verb.head.children
                               if c.dep_ in ("nsubjpass", "nsubj", "dobj")), None)
            if target is None and verb.i + 1 < len(doc) and \
                    doc[verb.i + 1].pos_ in ("DET", "NOUN", "ADJ", "NUM"):
                # The parser made a verb of the object's head ("widened the roles scheme
                # to ..."): the words after the trigger up to the next linking word.
                tokens = []
                for tok in doc[verb.i + 1:min(verb.i + 1 + self.max_object_tokens,
                                              verb.sent.end)]:
                    if tok.pos_ in ("ADP", "PART", "PUNCT", "SCONJ", "CCONJ", "PRON") or \
                            "\n" in tok.text:
                        break
                    tokens.append(tok)
                if tokens:
                    return self._phrase_tokens(doc, tokens, fallback=trigger.text)
            clause = next((c for c in kids if c.dep_ == "ccomp"), None)
            if target is None and clause is not None and \
                    not any(c.dep_ in ("dobj", "nsubjpass") for c in clause.children):
                # "announced that it would allow networks to use the roles scheme"
                tokens = []
                for tok in doc[clause.i:min(clause.right_edge.i + 1, hi)]:
                    if tok.text in (",", ";", ":") or "\n" in tok.text:
                        break
                    tokens.append(tok)
                if tokens:
                    return self._phrase_tokens(doc, tokens, fallback=trigger.text)
            if target is None:
                target = next((c for c in kids if c.dep_ == "nsubj"
                               and c.pos_ != "PRON"), None)
        else:
            # A noun trigger names its act through the noun phrase it sits in: "£50 million
            # for extra staff", not "£".
            target = head
            while target.dep_ in ("compound", "nmod", "quantmod", "nummod", "amod") and \
                    target.head is not target and target.head.pos_ in ("NOUN", "PROPN", "NUM"):
                target = target.head
        if target is None:
            return trigger.text
        if trigger[0].text in _CURRENCY and target.pos_ in ("NUM", "SYM", "AUX"):
            # The parser splits "£82m set aside for 1,000 posts" oddly; the amount and what
            # follows it, up to the clause's end, is the object.
            tokens = []
            for tok in doc[trigger.start:trigger.sent.end]:
                if tok.lower_ in _STOP_OBJECT or tok.text in (",", ".") or "\n" in tok.text:
                    break
                tokens.append(tok)
            return self._phrase_tokens(doc, tokens, fallback=trigger.text)
        if target.lower_ in _REPORTING_FORMS:
            # The parser read "New guidance states that reviews must be delivered" as a
            # noun "states"; what is required is what follows "that".
            that = next((t for t in target.subtree if t.lower_ == "that"), None)
            if that is not None and that.i + 1 < len(doc):
                rest = [t for t in target.subtree if t.i > that.i]
                if rest:
                    return self._phrase_tokens(doc, rest)
        return self._phrase(doc, target)

    def _phrase(self, doc: Doc, target: Token) -> str:
        # "the services we are asking networks to deliver": the services, not "we are"
        clauses = {t.i for c in target.children if c.dep_ == "relcl" for t in c.subtree}
        tokens = []
        for tok in target.subtree:
            if tok.i > target.i and (tok.lower_ in _STOP_OBJECT or tok.i in clauses
                                     or tok.text == "," or "\n" in tok.text):
                break  # a paragraph break ends a phrase the parser ran across a headline
            tokens.append(tok)
        return self._phrase_tokens(doc, tokens, fallback=target.text)

    def _phrase_tokens(self, doc: Doc, tokens: list[Token], fallback: str = "") -> str:
        lo, hi = self._bounds
        if hi > lo:
            tokens = [t for t in tokens if lo <= t.i < hi]
        tokens = tokens[: self.max_object_tokens]
        while tokens and (tokens[0].pos_ in ("DET", "PUNCT") or tokens[0].lower_ in ("its",
                                                                                     "their")):
            tokens = tokens[1:]
        while tokens and tokens[-1].pos_ in ("PUNCT", "ADP", "CCONJ", "DET"):
            tokens = tokens[:-1]
        if not tokens:
            return fallback
        return " ".join(doc[tokens[0].i:tokens[-1].i + 1].text.split())

    def _act_date(self, dates: Sequence[Any], head: Token, sent: Span,
                  published: date | None = None, action: str = "") -> str | None:
        """The date of the act: a date phrase that hangs on the act's verb ("announced ...
        last week") before one inside what it acts on ("the drafts published in December",
        "the contract for 2024/25"); else the nearest to the trigger. An act dated by the
        day it was made (`made_on_actions`: a plan published, a deal reached) and named
        only by its month ("published in May 2023") has no known date: null, not the 1st."""
        # A year alone ("in 2019", "by 2023/24", "this year") does not date an act.
        dates = [d for d in dates if d.precision != "year"]
        if not dates:
            return None
        own = []
        for mention in dates:
            span = sent.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            tok = span.root
            on_verb = False
            for _ in range(6):
                if tok.i == head.i:
                    on_verb = True
                    break
                if tok.head is tok or (tok.pos_ in ("NOUN", "PROPN") and
                                       tok.i not in range(span.start, span.end)):
                    break
                tok = tok.head
            if on_verb:
                own.append(mention)
        if published is not None and not self._realised(head):
            # "will set out her plan on Thursday": the weekday of a coming act is the next
            # one, not the one just gone that reports of the past mean
            ahead = {d.start: replace(d, date=d.date + timedelta(days=7)) for d in dates
                     if _WEEKDAY_RE.search(d.text) and d.date < published}
            dates = [ahead.get(d.start, d) for d in dates]
            own = [ahead.get(d.start, d) for d in own]
        if action in self.made_on_actions and not own and head.dep_ == "pobj" and \
                head.head.lower_ in _TIME_PREPS:
            # "following the publication of the contract, practices have until 31 March":
            # the date is the duty's, not the day the contract was published
            return None
        best = self._nearest_date(own or dates, head.idx - sent.start_char)
        # "struck a deal on next year's contract": the year the thing runs from is no day
        # the deal was made either
        if best is None or (action in self.made_on_actions and (
                best.month_named or best.kind == "financial_year")):
            return None
        return best.date.isoformat()

    @staticmethod
    def _nearest_date(dates: Sequence[Any], offset: int) -> Any:
        if not dates:
            return None
        return min(dates, key=lambda d: min(abs(d.start - offset), abs(d.end - offset)))


@Language.factory(
    "pcnwatch_events",
    assigns=["doc._.pcnwatch_events"],
    requires=["doc.sents", "token.dep", "token.lemma"],
    default_config={"max_object_tokens": None, "triggers_path": None},
)
def make_events(nlp: Language, name: str, *, max_object_tokens: int | None,
                triggers_path: str | None) -> EventExtractor:
    return EventExtractor(nlp, name, max_object_tokens=max_object_tokens,
                          triggers_path=triggers_path)


def _passive(head: Token) -> bool:
    """The act's verb is passive ("will be required", "are expected to be given"), also
    through the verbs it hangs on ("is set to be expanded"), and no one is reported saying
    it: "health leaders confirmed that the service would be postponed" reports the act of
    those who confirm it."""
    token = head
    for _ in range(4):
        if any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children):
            # a reporting verb's subject is the act's source, so it may carry a maker
            return not (token.dep_ == "ccomp" and
                        any(c.dep_ == "nsubj" for c in token.head.children))
        if token.dep_ not in ("xcomp", "conj") or token.head is token:
            return False
        token = token.head
    return False


def _negated(head: Token) -> bool:
    """The act is denied, by its own verb or a verb it hangs on: "will not fund", "the roles
    do not need to be scrapped"."""
    token = head
    for _ in range(4):
        if any(c.dep_ == "neg" for c in token.children):
            return True
        if token.dep_ != "xcomp" or token.head is token:
            return False
        token = token.head
    return False
