"""``pcnwatch_actors``: mentions of registered bodies, by registry, never by statistical NER.

Three passes over the Doc, all with matchers compiled once from the registry:

1. aliases of registered actors (PhraseMatcher on the exact text);
2. families, "<Place> LMC", "NHS <Place> CCG", "<Place> Primary Care Network"
   (token Matcher on capitalised words before the head);
3. short forms ("the college", "the LMC") resolved to the last candidate mentioned.

The spans go to ``doc.spans[spans_key]`` with ``kb_id_`` = actor id and ``label_`` =
kind; ``doc._.pcnwatch_actor_names`` maps each id found to its display name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, filter_spans, registry

from ..registry import Actor, Registry, read_registry_data

VERSION = "pcnwatch.actors.v1"
DEFAULT_SPANS_KEY = "pcnwatch_actors"
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
# A capitalised word, or a joiner inside a place name ("Kent and Medway", "Stoke-on-Trent").
_PLACE_WORD = re.compile(r"^[A-Z][A-Za-z'\u2019.]*$")
_MAX_PLACE_TOKENS = 10
# Closed-class openers the tagger knows are not names ("Then Kent LMC"); open classes are
# left alone because the tagger takes a place for a verb at times ("Leeds LMC said").
_NOT_PLACE_POS = frozenset({"ADV", "DET", "ADP", "PRON", "CCONJ", "SCONJ", "INTJ"})
_PLACE_JOINER = {"and", "&", "-", "on", "upon", "under", "le", "in", "of"}

if not Doc.has_extension("pcnwatch_actor_names"):
    Doc.set_extension("pcnwatch_actor_names", default=None)
if not Doc.has_extension("pcnwatch_abroad"):
    Doc.set_extension("pcnwatch_abroad", default=False)
# On a page about one devolved nation, that nation's government ("" for one with no registry
# body); None elsewhere. People read it for offices the UK's and a nation's alike bear.
if not Doc.has_extension("pcnwatch_nation"):
    Doc.set_extension("pcnwatch_nation", default=None)
# Kinds that say nothing of where a page is: governments are what an abroad page would
# mistake; publications are read everywhere.
_PLACELESS_KINDS = frozenset({"government", "media"})


@registry.misc("pcnwatch.actor_registry.v1")
def make_actor_registry_reader(path: str | None = None) -> Callable[[], dict[str, Any]]:
    """A reader of the registry TOML; ``path=None`` reads the packaged file."""

    def read() -> dict[str, Any]:
        return read_registry_data(path)

    return read


class ActorRecognizer:
    """Find registered actors and family members in a Doc.

    nlp (Language): the pipeline, for its vocab and tokenizer.
    name (str): the component name.
    spans_key (str): the ``doc.spans`` key written.
    registry_reader (callable): returns the registry data (parsed TOML).
    """

    def __init__(self, nlp: Language, name: str = "pcnwatch_actors", *,
                 spans_key: str = DEFAULT_SPANS_KEY,
                 registry_reader: Callable[[], dict[str, Any]] | None = None) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        data = registry_reader() if registry_reader is not None else read_registry_data()
        self.set_registry(data)

    # -- data in and out -------------------------------------------------------
    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        """Load registry ``data`` (parsed TOML); without it, the packaged file."""
        self.set_registry(data if data is not None else read_registry_data())

    def set_registry(self, data: dict[str, Any]) -> None:
        self.registry = Registry.from_data(data)
        self._compile()

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "registry.json", self.registry.source)
        srsly.write_json(path / "cfg", {"spans_key": self.spans_key})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ActorRecognizer:
        path = ensure_path(path)
        self.spans_key = srsly.read_json(path / "cfg")["spans_key"]
        self.set_registry(srsly.read_json(path / "registry.json"))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({"registry": self.registry.source, "spans_key": self.spans_key})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> ActorRecognizer:
        msg = srsly.msgpack_loads(data)
        self.spans_key = msg["spans_key"]
        self.set_registry(msg["registry"])
        return self

    # -- matching ---------------------------------------------------------------
    def _compile(self) -> None:
        vocab = self.nlp.vocab
        make_doc = self.nlp.make_doc
        self._alias = PhraseMatcher(vocab, attr="ORTH")
        # Offices and common nouns are written in any case ("Health secretary", "Ministers").
        self._weak = PhraseMatcher(vocab, attr="LOWER")
        self._short = PhraseMatcher(vocab, attr="ORTH")
        self._keys: dict[int, Any] = {}
        for actor in self.registry.actors.values():
            for matcher, aliases in ((self._alias, actor.aliases),
                                     (self._weak, actor.weak_aliases)):
                variants = {v for a in aliases for v in (a, a.replace("'", "\u2019"))}
                if variants:
                    key = f"actor:{actor.id}"
                    self._keys[vocab.strings.add(key)] = actor
                    matcher.add(key, [make_doc(v) for v in sorted(variants)])
        for i, short in enumerate(self.registry.short_forms):
            key = f"short:{i}"
            self._keys[vocab.strings.add(key)] = short
            variants = set()
            for phrase in short.phrases:
                for form in (phrase, phrase[:1].upper() + phrase[1:]):
                    variants.update({form, form.replace("'", "\u2019")})
            self._short.add(key, [make_doc(v) for v in sorted(variants)])
        abroad = self.registry.source.get("abroad", {})
        self._abroad = PhraseMatcher(vocab, attr="ORTH")
        for key, phrases in (("abroad", abroad.get("markers", ())),
                             ("home", abroad.get("home_markers", ()))):
            if phrases:
                self._abroad.add(key, [make_doc(p) for p in phrases])
        devolved = self.registry.source.get("devolved", {})
        self._nations = PhraseMatcher(vocab, attr="ORTH")
        self._nation_governments: dict[str, str] = {}
        for i, nation in enumerate(devolved.get("nation", ())):
            key = f"nation:{i}"
            self._nation_governments[key] = nation.get("government", "")
            self._nations.add(key, [make_doc(p) for p in nation.get("markers", ())])
        if devolved.get("england_markers"):
            self._nations.add("england", [make_doc(p) for p in devolved["england_markers"]])
        self._uk_bodies = frozenset(devolved.get("uk_bodies", ()))
        self._uk_names = frozenset(devolved.get("uk_names", ()))
        self._min_nation_mentions = int(devolved.get("min_mentions", 2))
        self._england_ratio = float(devolved.get("england_ratio", 3))
        self._family = PhraseMatcher(vocab, attr="ORTH")
        self._head_ends: set[str] = set()
        stop = self.registry.source.get("stop", {})
        self._of_heads = frozenset(stop.get("of_heads", ()))
        self._place_prefixes = frozenset(stop.get("place_prefixes", ()))
        for i, family in enumerate(self.registry.families):
            key = f"family:{i}"
            self._keys[vocab.strings.add(key)] = family
            heads = [make_doc(head) for head in family.heads]
            self._family.add(key, heads)
            self._head_ends.update(h[-1].text for h in heads)

    def __call__(self, doc: Doc) -> Doc:
        found: list[Span] = []
        for key, start, end in self._alias(doc):
            actor = self._keys[key]
            if self._guarded(doc, start, end, actor):
                continue
            found.append(Span(doc, start, end, label=actor.kind, kb_id=actor.id))
        for key, start, end in self._weak(doc):
            actor = self._keys[key]
            if self._guarded(doc, start, end, actor):
                continue
            found.append(Span(doc, start, end, label=actor.kind, kb_id=actor.id))
        names: dict[str, str] = {}
        family_names: dict[tuple[int, int], str] = {}
        taken = {i for span in found for i in range(span.start, span.end)}
        for key, start, end in self._family(doc):
            family = self._keys[key]
            place_start = self._place_start(doc, start, taken)
            if place_start is None:
                continue
            for first, last in self._places(doc, place_start, start, end):
                actor = family.actor(doc[first:min(last, start)].text)
                family_names[(first, last)] = actor.name
                found.append(Span(doc, first, last, label=actor.kind, kb_id=actor.id))
        spans = filter_spans(found)
        spans = filter_spans(spans + self._abbreviations(doc, spans))
        # Short forms only fill gaps: "the PCN Network" is the alias, not "the PCN".
        used = {i for span in spans for i in range(span.start, span.end)}
        short_at: dict[int, Any] = {}
        for key, start, end in sorted(self._short(doc), key=lambda m: (m[1], -m[2])):
            if any(i in used for i in range(start, end)):
                # Taken already: only a short form read over an alias ("the LMCs") takes the
                # place of the names wholly inside it, and never of one that runs past it.
                if not self._keys[key].over_alias or any(
                        s.start < start < s.end or s.start < end < s.end for s in spans):
                    continue
                spans = [s for s in spans if not start <= s.start < end]
            used.update(range(start, end))
            short_at[start] = self._keys[key]
            spans.append(Span(doc, start, end, label="", kb_id="?"))
        spans.sort(key=lambda s: s.start)
        resolved: list[Span] = []
        for span in spans:
            if span.kb_id_ == "?":
                actor = self._resolve_short(short_at[span.start], resolved)
                if actor is None:
                    continue
                span = Span(doc, span.start, span.end, label=actor.kind, kb_id=actor.id)
            resolved.append(span)
        doc._.pcnwatch_abroad = self._is_abroad(doc, resolved)
        if doc._.pcnwatch_abroad:
            resolved = [s for s in resolved if s.label_ != "government"]
        else:
            resolved = self._devolved(doc, resolved)
        for span in resolved:
            if span.kb_id_ not in names:
                names[span.kb_id_] = (family_names.get((span.start, span.end))
                                      or self.registry.get(span.kb_id_).name)
        doc.spans[self.spans_key] = resolved
        doc._.pcnwatch_actor_names = names
        return doc

    def _is_abroad(self, doc: Doc, spans: list[Span]) -> bool:
        """Whether the page is on another country's health system ([abroad] in the
        registry): it names that country and nothing of the UK's."""
        if any(s.label_ not in _PLACELESS_KINDS for s in spans):
            return False
        where = {doc.vocab.strings[key] for key, _, _ in self._abroad(doc)}
        return where == {"abroad"}

    def _devolved(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """On a page about one devolved nation ([devolved] in the registry) the UK
        government's names that any government bears ("the Government", "the health
        secretary") are that nation's: re-pointed to its government, or dropped where the
        registry has none. The nation's government stays on the doc (`pcnwatch_nation`) for
        the offices people hold ("Health Minister X")."""
        counts = Counter(doc.vocab.strings[key] for key, _start, _end in self._nations(doc))
        nations = [k for k, n in counts.items() if k != "england"
                   and n >= self._min_nation_mentions]
        if len(nations) != 1 or counts[nations[0]] < self._england_ratio * counts["england"]:
            # A page on England's policy, or on a comparison of nations; a page on one
            # nation may still mention England in passing ("unlike in England").
            return spans
        government = self._nation_governments.get(nations[0], "")
        doc._.pcnwatch_nation = government
        out = []
        for span in spans:
            if span.kb_id_ in self._uk_bodies and span.text not in self._uk_names:
                if not government:
                    continue
                span = Span(doc, span.start, span.end,
                            label=self.registry.get(government).kind, kb_id=government)
            out.append(span)
        return out

    @staticmethod
    def _abbreviations(doc: Doc, spans: list[Span]) -> list[Span]:
        """"Surrey and Sussex LMCs (SSLMCs)": an abbreviation defined in brackets after a
        body names that body wherever else the text uses it."""
        defined: dict[str, Span] = {}
        for span in spans:
            end = span.end
            if end + 2 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")":
                word = doc[end + 1].text
                if len(word) >= 2 and word[:1].isupper() and sum(c.isupper() for c in word) >= 2:
                    defined.setdefault(word, span)
        if not defined:
            return []
        taken = {i for span in spans for i in range(span.start, span.end)}
        extra = []
        for tok in doc:
            span = defined.get(tok.text)
            if span is not None and tok.i not in taken:
                extra.append(Span(doc, tok.i, tok.i + 1, label=span.label_, kb_id=span.kb_id_))
        return extra

    def _guarded(self, doc: Doc, start: int, end: int, actor: Actor) -> bool:
        if actor.not_before and end < len(doc) and doc[end].text in actor.not_before:
            return True
        if (actor.not_before_place and end - start == 1 and end < len(doc)
                and doc[end].text[:1].isupper()
                and "\n" not in doc[end - 1].text_with_ws and not doc[end].is_sent_start):
            return True
        return bool(actor.not_after and start > 0 and doc[start - 1].text in actor.not_after)

    @staticmethod
    def _places(doc: Doc, place_start: int, head_start: int,
                end: int) -> list[tuple[int, int]]:
        """The spans one family mention names: usually one, the place and its head.

        A plural head after places joined twice names two bodies, split at the last "and":
        "Eastvale & Northmoor and South Riverside CCGs", "Fenwick, Marsh and Downs and North
        Fell CCGs". With one joiner the plural is often the body's
        own name ("Surrey and Sussex LMCs"), so that stays one body.
        """
        joins = [i for i in range(place_start + 1, head_start - 1)
                 if doc[i].lower_ in ("and", "&")]
        plural = doc[end - 1].text.endswith("s")
        if not plural or len(joins) < 2 or doc[joins[-1]].lower_ != "and":
            return [(place_start, end)]
        return [(place_start, joins[-1]), (joins[-1] + 1, end)]

    def _place_start(self, doc: Doc, head_start: int, taken: set[int]) -> int | None:
        """Where the place name before a family head starts, or None when there is none."""
        i = head_start
        # Walk back over capitalised words and joiners; a registered actor, another
        # family head or a sentence start ends the place.
        while i > 0 and head_start - i < _MAX_PLACE_TOKENS:
            prev = doc[i - 1]
            if (i - 1) in taken or prev.text in self._head_ends or doc[i].is_sent_start:
                break
            # "Bristol, North Somerset and South Gloucestershire ICB": a list of places
            # joined by commas and a last "and" is one place.
            if (prev.text == "," and i >= 2 and _PLACE_WORD.match(doc[i - 2].text)
                    and (i - 2) not in taken and doc[i].text[:1].isupper()
                    and any(t.lower_ == "and" for t in doc[i:head_start])):
                i -= 1
                continue
            if not (_PLACE_WORD.match(prev.text) or prev.lower_ in _PLACE_JOINER):
                break
            # "Dr Ann Ode LMC": a title or an opener is not part of the place.
            if prev.lower_ in self.registry.stop_words and prev.lower_ not in _PLACE_JOINER:
                break
            # "of" joins a place only after words like "Isle" ("Dr Ben Ode of Wessex LMC").
            if prev.lower_ == "of" and (i < 2 or doc[i - 2].text not in self._of_heads):
                break
            i -= 1
        stop = self.registry.stop_words
        while i < head_start and (doc[i].lower_ in stop or doc[i].lower_ in _PLACE_JOINER
                                  or not doc[i].text[:1].isupper()
                                  or doc[i].pos_ in _NOT_PLACE_POS):
            i += 1
        if i >= head_start or doc[head_start - 1].lower_ in _PLACE_JOINER:
            return None
        # "south-west London CCGs": a compass point in lower case still belongs to the place.
        prefixes = self._place_prefixes
        while i > 0 and (i - 1) not in taken and not doc[i].is_sent_start:
            prev = doc[i - 1]
            if prev.lower_ in prefixes:
                i -= 1
            elif prev.text == "-" and i >= 2 and doc[i - 2].lower_ in prefixes:
                i -= 2
            else:
                break
        return i

    def _resolve_short(self, short: Any, before: list[Span]) -> Actor | None:
        for span in reversed(before):
            if short.accepts(span.kb_id_):
                return self.registry.get(span.kb_id_)
        return self.registry.get(short.default) if short.default else None


def _is_subject(span: Span) -> bool:
    root = span.root
    # "NHS England and the government published": a conjunct of the subject acts too.
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    if root.dep_ in _SUBJECT_DEPS:
        return True
    # "the government's plans": a possessive of the subject still names the body acting.
    if root.dep_ == "poss" and root.head.dep_ in _SUBJECT_DEPS:
        return True
    # "a government pledge", "a government spokesperson": the body as a noun's modifier.
    if root.dep_ == "compound" and root.head.pos_ == "NOUN" and root.head.i > root.i:
        return True
    # "according to ministers"
    return root.dep_ == "pobj" and root.head.lower_ == "to" and root.head.head.lower_ == "according"


@Language.factory(
    "pcnwatch_actors",
    assigns=["doc.spans", "doc._.pcnwatch_actor_names", "doc._.pcnwatch_abroad"],
    requires=["token.dep", "token.is_sent_start"],
    default_config={"spans_key": DEFAULT_SPANS_KEY,
                    "registry_reader": {"@misc": "pcnwatch.actor_registry.v1", "path": None}},
)
def make_actor_recognizer(nlp: Language, name: str, *, spans_key: str,
                          registry_reader: Callable[[], dict[str, Any]]) -> ActorRecognizer:
    return ActorRecognizer(nlp, name, spans_key=spans_key, registry_reader=registry_reader)
