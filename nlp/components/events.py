"""Policy events (contract section 5): who changed what practices must do, and when.

A sentence yields an event when it holds a trigger from nlp/data/event_triggers.toml and
the act belongs to a policy maker: the named policy maker in the sentence (its subject
first), or, when none is named ("Five objectives have been cut to two"), the policy maker
the article is about. Sentences whose subject is some other body (an LMC complaining about
"the proposals") and quotes from people who are not policy makers give no event. Noun
triggers ("draft proposals", "funding") need a named policy maker or a publishing verb.
The date is the date phrase nearest the trigger, resolved by nlp.dates against
doc._.pcnwatch_published. One event per (actor, action, object) per article.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..dates import find_dates
from ._data import read_component_data, write_component_data
from .stance import CuePhrases

__all__ = ["EventExtractor", "load_event_triggers"]

ACTIONS = ("announce", "propose", "require", "reduce", "delay", "fund", "agree", "withdraw")

if not Doc.has_extension("pcnwatch_events"):
    Doc.set_extension("pcnwatch_events", default=None)

_STOP_OBJECT = {"which", "that", "who", "whose", "where", "while", "but", "because", ";", ":",
                "\u2013", "\u2014", "(", ")"}


# Links by which a trigger hangs under the verb that asks for or refuses it.
_EMBEDDING_DEPS = {"xcomp", "ccomp", "acl", "advcl", "pcomp", "pobj", "prep", "aux", "mark"}
_SPECULATIVE = {"could", "might", "may"}
# Reporting words the parser sometimes reads as nouns ("New guidance states that ...").
_REPORTING_FORMS = {"states", "says", "shows", "suggests", "confirms", "notes", "warns",
                    "explains", "adds"}
_ANAPHORS = {"these", "they", "it", "this", "those"}
# Kinds that report acts rather than act.
_REPORTING_KINDS = {"media"}


def load_event_triggers(path: str | None = None) -> dict[str, Any]:
    """Read the trigger lexicon (the packaged file unless `path` is given)."""
    if path is None:
        data = resources.files("nlp.data").joinpath("event_triggers.toml").read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _ext(doc: Doc, name: str) -> Any:
    return getattr(doc._, name) if Doc.has_extension(name) else None


class EventExtractor:
    """Sets doc._.pcnwatch_events from trigger words in policy makers' sentences."""

    def __init__(self, nlp: Language, name: str, *, max_object_tokens: int | None = None,
                 triggers_path: str | None = None) -> None:
        self.name = name
        self._tokenizer = nlp.tokenizer
        self._max_object_option = max_object_tokens
        self.set_data(load_event_triggers(triggers_path))

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
        self.policy_makers = set(settings["policy_makers"])
        self.policy_prefixes = tuple(settings["policy_maker_prefixes"])
        self.policy_kinds = set(settings["policy_maker_kinds"])
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
        self.triggers = CuePhrases(nlp_tokenizer, table)
        self.not_acts = set(settings.get("not_act_heads", []))
        self.requests = set(settings.get("request_heads", []))
        self.other_agents = set(settings.get("other_agents", []))
        self.recipient_verbs = set(settings.get("recipient_triggers", []))

    def is_policy_maker(self, actor_id: str, kind: str = "") -> bool:
        return (actor_id in self.policy_makers or actor_id.startswith(self.policy_prefixes)
                or kind in self.policy_kinds)

    def __call__(self, doc: Doc) -> Doc:
        doc._.pcnwatch_events = self.extract(doc)
        return doc

    def extract(self, doc: Doc) -> list[dict[str, Any]]:
        if not len(doc):
            return []
        actors = list(doc.spans["pcnwatch_actors"]) if "pcnwatch_actors" in doc.spans else []
        policy_counts = Counter(
            s.kb_id_ for s in actors if s.kb_id_ and self.is_policy_maker(s.kb_id_, s.label_)
        )
        focus = policy_counts.most_common(1)[0][0] if policy_counts else None
        muted = self._muted_quotes(doc)
        published = _ext(doc, "pcnwatch_published")
        forms = CuePhrases.forms(doc)
        events: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str]] = set()
        for sent in doc.sents:
            matches = self.triggers.find(forms, sent.start, sent.end)
            if not matches:
                continue
            if not self.policy_terms.find(forms, sent.start, sent.end):
                continue
            in_sent = [s for s in actors if sent.start <= s.start and s.end <= sent.end]
            named = [s for s in in_sent if self.is_policy_maker(s.kb_id_, s.label_)]
            makers = {i for s in named for i in range(s.start, s.end)}
            subject_other = any(
                self._is_subject(s) and not self.is_policy_maker(s.kb_id_, s.label_)
                and s.label_ not in _REPORTING_KINDS
                for s in in_sent
            )
            if sent[-1].text == "?" or (len(sent) > 1 and sent[-2].text == "?"):
                continue  # a question about an act is not the act
            matches = self._drop_embedded(
                doc, [m for m in matches if m.value[0] != "ignore"])
            dates = None
            last_object = ""
            for m in matches:
                action, kind = m.value
                if any(a <= m.start < b for a, b in muted):
                    continue
                trigger = doc[m.start:m.end]
                head = self._trigger_head(trigger)
                if kind == "verbs" and not any(t.pos_ in ("VERB", "AUX") for t in trigger) \
                        and head.pos_ not in ("VERB", "AUX", "ADJ"):
                    continue
                if action != "delay" and any(c.dep_ == "neg" for c in head.children):
                    continue
                if self._hypothetical(head) or self._not_an_act(head, makers):
                    continue
                if kind == "nouns" and self._is_name_part(trigger):
                    continue  # "the investment fund", "the Additional Roles Scheme"
                if kind == "verbs" and action != "require" and \
                        trigger.text.lower() not in self.recipient_verbs and \
                        self._other_subject(head, in_sent):
                    continue  # "the network had to cut its hours": not a policy maker's act
                if kind == "nouns" and not named and not any(
                    t.lemma_.lower() in self.publish_verbs for t in sent
                ):
                    continue
                actor_id = self._actor(named, head)
                if actor_id is None:
                    if subject_other or focus is None:
                        continue
                    actor_id = focus
                obj = self._object(doc, head, trigger)
                if obj == trigger.text and last_object and self._pronoun_subject(head):
                    obj = last_object  # "... three objectives, but these will not start"
                last_object = obj
                key = (actor_id, action, obj.lower())
                if key in seen:
                    continue
                seen.add(key)
                if dates is None:
                    dates = find_dates(sent.text, published)
                events.append({
                    "action": action,
                    "actor_id": actor_id,
                    "object": obj,
                    "date": self._nearest_date(dates, trigger.start_char - sent.start_char),
                    "sentence": sent.text.strip(),
                    "start": sent.start_char,
                    "end": sent.end_char,
                    "trigger": trigger.text,
                })
        return events

    # -- helpers ------------------------------------------------------------------------------

    def _muted_quotes(self, doc: Doc) -> list[tuple[int, int]]:
        """Token ranges of quotes by speakers who are not policy makers."""
        muted = []
        for quote in _ext(doc, "pcnwatch_quotes") or []:
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
                    if child.dep_ in ("dobj", "nsubjpass", "prep", "attr", "xcomp", "ccomp"):
                        scope.update(t.i for t in child.subtree)
            scope.difference_update(range(m.start, m.end))
            scopes.append(scope)
        drop: set[int] = set()
        head_at = {h.i: k for k, h in enumerate(heads)}
        for k, (m, head) in enumerate(zip(matches, heads, strict=True)):
            action, kind = m.value
            if kind == "verbs" and head.dep_ == "amod":
                drop.add(k)  # "the proposed target", "reduced pressure"
                continue
            if kind == "nouns" and head.dep_ in ("nsubj", "nsubjpass") and \
                    head.head.i in head_at and head_at[head.head.i] != k:
                drop.add(k)  # "the deal will give networks £1.8bn": the giving is the act
                continue
            for o, (other, scope) in enumerate(zip(matches, scopes, strict=True)):
                if o == k or head.i not in scope:
                    continue
                if action == "fund" and doc[m.start].text in ("£", "$", "€"):
                    break
                if kind == "nouns" and action == "propose" and other.value[0] == "announce":
                    drop.add(o)
                    break
                # What a proposal would do is not yet done; what a deal does is.
                if kind == "nouns" or (other.value[0] == "propose" and
                                       head.dep_ in ("relcl", "acl", "pcomp", "pobj")):
                    drop.add(k)
                    break
        return [m for k, m in enumerate(matches) if k not in drop]

    def _not_an_act(self, head: Token, makers: set[int]) -> bool:
        """True when the act is only denied or refused ("denied that it planned to cut",
        "under pressure to cut"), or asked for by someone who cannot do it ("GP leaders
        called on NHS England to scrap"); a policy maker asking is requiring."""
        tok = head
        for _ in range(4):
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

    def _other_subject(self, head: Token, in_sent: Sequence[Span]) -> bool:
        covered = {i for s in in_sent for i in range(s.start, s.end)}
        verb = head
        while verb.dep_ in ("xcomp", "aux") and verb.head is not verb:
            verb = verb.head
        # Only agents that cannot change national policy count: "the network cut its
        # hours" is no policy event, "the new contract will cut indicators" is one.
        for child in verb.children:
            if child.dep_ == "nsubj" and child.i not in covered and (
                    child.lemma_.lower() in self.other_agents
                    or child.lower_ in self.other_agents):
                return True
        return False

    @staticmethod
    def _hypothetical(head: Token) -> bool:
        """True inside "whether ..." or "if ...", or under "could"/"might": a question or a
        guess about an act, not the act."""
        tok = head
        for _ in range(4):
            if any(c.dep_ == "mark" and c.lower_ in ("whether", "if") for c in tok.children):
                return True
            if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _SPECULATIVE
                   for c in tok.children):
                return True  # "practices could be asked to": a report of what may happen
            if tok.head is tok:
                break
            tok = tok.head
        return False

    @staticmethod
    def _is_subject(span: Span) -> bool:
        root = span.root
        while root.dep_ in ("compound", "appos", "conj") and root.head is not root:
            root = root.head
        return root.dep_ in ("nsubj", "nsubjpass") or (
            root.dep_ == "poss" and root.head.dep_ in ("nsubj", "nsubjpass")
        )

    def _actor(self, named: Sequence[Span], head: Token) -> str | None:
        if not named:
            return None
        for span in named:
            if self._is_subject(span):
                return span.kb_id_
        # "set by NHS England", "guidance from NHS England": the nearest named one.
        return min(named, key=lambda s: abs(s.root.i - head.i)).kb_id_

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
            if verb.dep_ in ("relcl", "acl") and verb.head is not verb:
                # "the measures we are setting out": what is set out is the noun it modifies
                return self._phrase(doc, verb.head)
            for dep in ("nsubjpass", "dobj", "attr"):
                target = next((c for c in verb.children if c.dep_ == dep), None)
                if target is not None:
                    break
            if target is None:
                for child in verb.children:
                    if child.dep_ in ("xcomp", "ccomp"):
                        target = next((c for c in child.children
                                       if c.dep_ in ("dobj", "nsubjpass")), None)
                        if target is not None:
                            break
            if target is None:
                prep = next((c for c in verb.children if c.dep_ in ("prep", "prt")
                             and c.lower_ in ("on", "to", "for", "back")), None)
                if prep is not None:
                    target = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if target is None and verb.dep_ in ("xcomp", "aux", "auxpass") and \
                    verb.head is not verb:
                target = next((c for c in verb.head.children
                               if c.dep_ in ("nsubjpass", "nsubj", "dobj")), None)
            if target is None:
                target = next((c for c in verb.children if c.dep_ == "nsubj"
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
        tokens = []
        for tok in target.subtree:
            if tok.i > target.i and (tok.lower_ in _STOP_OBJECT or tok.dep_ == "relcl"
                                     or tok.text == "," or "\n" in tok.text):
                break  # a paragraph break ends a phrase the parser ran across a headline
            tokens.append(tok)
        return self._phrase_tokens(doc, tokens, fallback=target.text)

    def _phrase_tokens(self, doc: Doc, tokens: list[Token], fallback: str = "") -> str:
        tokens = tokens[: self.max_object_tokens]
        while tokens and (tokens[0].pos_ in ("DET", "PUNCT") or tokens[0].lower_ in ("its",
                                                                                     "their")):
            tokens = tokens[1:]
        while tokens and tokens[-1].pos_ in ("PUNCT", "ADP", "CCONJ", "DET"):
            tokens = tokens[:-1]
        if not tokens:
            return fallback
        return " ".join(doc[tokens[0].i:tokens[-1].i + 1].text.split())

    @staticmethod
    def _nearest_date(dates: Sequence[Any], offset: int) -> str | None:
        if not dates:
            return None
        best = min(dates, key=lambda d: min(abs(d.start - offset), abs(d.end - offset)))
        return best.date.isoformat()


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
