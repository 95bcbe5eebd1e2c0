"""``pcnwatch_people``: named people, their role and the body they speak for.

Names come from the statistical NER (PERSON) and from titles ("Dr", "Professor" …)
followed by capitalised words; the actor registry wins over NER, so a name that
overlaps a registered body, or a word in ``not_people``, is not a person. The role and
body come from an apposition ("Jane Roe, chief executive of NHS England,") or a
pre-modifier ("NHS England director of primary care Dr Ann Smith"); for a person the text
gives no body, from the dated list of office holders in ``roles.toml`` ("Mr Streeting told
MPs" in 2025 is DHSC). Later mentions by surname ("Smith said") link back to the person.

``doc._.pcnwatch_people``: one dict per person, ``{"name", "role", "actor_id", "start",
"end", "mentions"}``; ``name`` is the fullest form the text gives ("Professor Kamila
Hawthorne" below a heading's "Kamila Hawthorne"), ``start``/``end`` are the character
offsets of the first full mention, ``mentions`` the ``[start, end]`` of every mention, full
or surname.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from ..registry import Registry
from ._data import (
    make_data_file_reader,
    pipeline_registry,
    read_component_data,
    write_component_data,
)
from ._syntax import name_root
from .quotes import home_body

VERSION = "pcnwatch.people.v1"
# Latin-1 letters too: "Thérèse", "Seán", "Zoë".
_UP, _LOW = "A-Z\u00c0-\u00d6\u00d8-\u00de", "a-z\u00df-\u00f6\u00f8-\u00ff"
_NAME_WORD = re.compile(rf"^[{_UP}][{_LOW}]*(?:['\u2019][{_UP}]?[{_LOW}]+|[{_UP}][{_LOW}]+)*"
                        rf"[{_LOW}]?$|^[{_UP}]\.?$")
_MAX_NAME_TOKENS = 5
_MAX_PREMODIFIER = 10
_MAX_APPOSITION = 18
_SIGN_OFF_WORDS = 12
_EDGE_WORDS = {"the", "a", "an", "of", "at", "for", "from", "and", "'s", "\u2019s", ",", "in",
               "to", "on", "by", "with", "-", "\u2013", "/", "its", "their", "our"}
_POSSESSIVE = {"'s", "\u2019s", "'", "\u2019"}
# Titles used with a first name alone: "Sir Ed" is Sir Ed Davey.
_FIRST_NAME_STYLES = {"Sir", "Dame"}
# Dashes that set off an apposition when spaced ("Dr X - chair of Y - said").
_DASHES = frozenset({"-", "\u2013", "\u2014"})
# Marks inside a word the tokenizer splits off ("vice-chair", "Labour/Co-operative MP"): a
# hyphen, a non-breaking one, a slash.
_WORD_JOINERS = {"-", "\u2011", "/"}
# "Its chair, Dr X", "Dr X, its chair": the body is the one last named before.
_BODY_DETERMINERS = {"its", "their", "our"}
_CLAUSE_OPENERS = {",", "(", *_DASHES}
_PERSONAL_POSSESSIVES = {"her", "his", "my", "your"}

# An office holder's term: the body, from, and to (None while it is still held).
_Term = tuple[str, date, date | None]

if not Doc.has_extension("pcnwatch_people"):
    Doc.set_extension("pcnwatch_people", default=None)


# "– Secretary of State for Health and Social Care" after a member's name and party.
_OFFICE_AFTER = re.compile(r"[^\n\w]*[\u2013\u2014-]\s*([A-Za-z ,']+?)\s*(?::|$)")


class PeopleFinder:
    """Find named people with role and body.

    nlp (Language): the pipeline.
    name (str): the component name.
    spans_key (str): where the actors component put its spans.
    data_reader (callable): returns the parsed ``roles.toml``.
    """

    def __init__(self, nlp: Language, name: str = "pcnwatch_people", *,
                 spans_key: str = "pcnwatch_actors",
                 data_reader: Callable[[], dict[str, Any]] | None = None) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.actors_component = "pcnwatch_actors"
        self._home_of: tuple[Doc, Span | None] | None = None
        from ._data import make_data_file_reader

        reader = data_reader or make_data_file_reader("roles.toml")
        self.set_data(reader())

    def set_data(self, data: dict[str, Any]) -> None:
        self.data = data
        self.titles = frozenset(data["titles"])
        self.role_words = frozenset(w.lower() for w in data["role_words"])
        self.office_words = frozenset(w.lower() for w in data.get("office_words", ()))
        self.stops = frozenset(w.lower() for w in data["apposition_stops"])
        self.not_people = frozenset(data["not_people"])
        self.implied = {k.lower(): v for k, v in data.get("implied_actor", {}).items()}
        self.leading_verbs: dict[str, str] = dict(data.get("leading_verbs", {}))
        self.venue_words = frozenset(w.lower() for w in data.get("venue_words", ()))
        self.event_nouns = frozenset(data.get("event_nouns", ()))
        self.appointing_verbs = frozenset(data.get("appointing_verbs", ()))
        self.post_nominals = frozenset(data.get("post_nominals", ()))
        # What a name is folded without: titles before it, letters after it.
        self.name_extras = self.titles | self.post_nominals
        # Each holder's terms as (body, from, to or None), read once.
        self.office_holders: dict[str, list[_Term]] = {}
        self.holders_by_surname: dict[str, list[list[_Term]]] = {}
        names: set[str] = set()
        for holder in data.get("office_holder", ()):
            terms = [(t["actor"], date.fromisoformat(str(t["from"])),
                      date.fromisoformat(str(t["to"])) if t.get("to") else None)
                     for t in holder["terms"]]
            for name in (holder["name"], *holder.get("aliases", ())):
                words = _folded_name(name, self.name_extras)
                self.office_holders[" ".join(words)] = terms
                self.holders_by_surname.setdefault(words[-1], []).append(terms)
                names.update((name, _unaccented(name)))
        # Their names are found even where the statistical model misses them ("Therese
        # Coffey" read as a nationality), with or without accents.
        self.known_names = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.known_names.add("known", [self.nlp.make_doc(n) for n in sorted(names)])
        # "Wes Streeting (Lab: Ilford North)": the party labels of Hansard, as
        # parliamentary pages and LMC bulletins copy them after a member's name.
        parties = make_data_file_reader("voices.toml")()["debate"]["parties"]
        labels = "|".join(re.escape(label) for label in sorted(parties, key=len, reverse=True))
        self.party_after = re.compile(r"\s*\((" + labels + r")\s*(?:[:,)]|$)")
        self.parties: dict[str, str] = dict(parties)
        self.copular_verbs = frozenset(data.get("copular_verbs", ("be",)))
        self.press_roles = frozenset(data.get("press_roles", ()))

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, data: dict[str, Any] | None = None) -> None:
        from ._data import make_data_file_reader

        self.set_data(data if data is not None else make_data_file_reader("roles.toml")())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        write_component_data(path, self.data, {"spans_key": self.spans_key})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> PeopleFinder:
        data, cfg = read_component_data(path)
        self.spans_key = cfg["spans_key"]
        self.set_data(data)
        return self

    # -- finding ------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        actor_at: dict[int, Span] = {}
        for span in doc.spans.get(self.spans_key, []):
            for i in range(span.start, span.end):
                actor_at[i] = span
        candidates = self._candidates(doc, actor_at)
        people: list[dict[str, Any]] = []
        by_surname: dict[str, dict[str, Any]] = {}
        covered: set[int] = set()
        for span in candidates:
            names = _name_words(span, self.titles)
            if len(names) >= 2:
                surname = names[-1]
                first = names[0]
                person = by_surname.get(surname)
                if person is None or person["_first"] not in (first, ""):
                    person = {"name": _clean_name(span), "role": None, "actor_id": None,
                              "start": span.start_char, "end": span.end_char, "mentions": [],
                              "_first": first}
                    people.append(person)
                elif person["_first"] == "":
                    person.update(name=_clean_name(span), _first=first)
                elif len(_clean_name(span)) > len(person["name"]):
                    # "Kamila Hawthorne" in a heading, "Professor Kamila Hawthorne" below:
                    # the same first name and surname, and the fuller form names her.
                    person["name"] = _clean_name(span)
                by_surname[surname] = person
                if "-" in surname:
                    # "Stokes-Lampard" alone later is tokenised in parts; its last part
                    # finds the person too.
                    by_surname.setdefault(surname.rsplit("-", 1)[-1], person)
            elif len(names) == 1 and len(span) >= 2:
                # "Dr Madan": a title and a surname, either a later mention or a new person.
                surname = names[0]
                person = by_surname.get(surname)
                if person is None and span[0].text in _FIRST_NAME_STYLES:
                    # "Sir Ed" after "Sir Ed Davey": a knight or dame is styled by first name.
                    same = [p for p in people if p["_first"] == surname]
                    person = same[0] if len(same) == 1 else None
                if person is None:
                    person = {"name": span.text, "role": None, "actor_id": None,
                              "start": span.start_char, "end": span.end_char, "mentions": [],
                              "_first": ""}
                    people.append(person)
                    by_surname[surname] = person
            else:
                continue
            person["mentions"].append([span.start_char, span.end_char])
            covered.update(range(span.start, span.end))
            if person["role"] is None:
                role, actor_id = self._press_checked(*self._role(doc, span, actor_at))
                if person["actor_id"] is None:
                    if role or actor_id:
                        person["role"], person["actor_id"] = role, actor_id
                    joint = self._joint_bodies(doc, span, actor_at, actor_id)
                    if joint:
                        # "managing director of Eastvale & Northmoor and South Riverside
                        # CCGs": one person for several bodies speaks for all of them, so
                        # for no one body (realdev LABELLING.md's joint statements).
                        person["actor_id"], person["actor_ids"] = None, joint
                elif role and actor_id == person["actor_id"]:
                    # "NHS England's Richard Cattell and Alison Hemsworth" in a caption,
                    # then "Alison Hemsworth, NHS England's assistant head of policy, said":
                    # the later mention gives the role of the same body.
                    person["role"] = role
        # "Ruth explains": a first name alone, in an interview or profile, when it is the
        # first name of one person only and nobody's surname.
        firsts: dict[str, list[dict[str, Any]]] = {}
        for person in people:
            if person["_first"]:
                firsts.setdefault(person["_first"], []).append(person)
        by_first = {name: found[0] for name, found in firsts.items()
                    if len(found) == 1 and name not in by_surname}
        if by_surname or by_first:
            for token in doc:
                person = by_surname.get(token.text)
                if person is None and token.pos_ == "PROPN" and (
                        token.i + 1 >= len(doc) or not doc[token.i + 1].text[:1].isupper()):
                    person = by_first.get(token.text)
                if (person is not None and token.i not in covered and token.i not in actor_at
                        and token.idx > person["start"]):
                    person["mentions"].append([token.idx, token.idx + len(token)])
                    if person["role"] is None and person["actor_id"] is None:
                        # "Thorne chairs Kent LMC": a later sentence about the person.
                        role, actor_id = self._press_checked(
                            *self._role(doc, doc[token.i:token.i + 1], actor_at))
                        if role or actor_id:
                            person["role"], person["actor_id"] = role, actor_id
        for person in people:
            person.pop("_first")
            person["mentions"].sort()
            if person["actor_id"] is None:
                person["actor_id"] = self._party_label(doc.text, person) or self._office_of(
                    person["name"], doc._.pcnwatch_date, doc.text)
            if person["actor_id"] and self._abroad(doc) and (
                    self._registry().get(person["actor_id"]).kind == "government"):
                # "Minister Harris" on a page about Ireland is not a UK minister.
                person["actor_id"] = None
        doc._.pcnwatch_people = people
        self._home_of = None
        return doc

    def _party_label(self, text: str, person: dict[str, Any]) -> str | None:
        """The party of a member named with a Hansard label right after the name; a
        government office after it ("(Con: North East Cambridgeshire) – Secretary of State
        for Health and Social Care") names the department instead."""
        for _start, end in person["mentions"]:
            label = self.party_after.match(text, end)
            if label is None:
                continue
            line_end = text.find("\n", label.end())
            if line_end < 0:
                line_end = len(text)
            close = text.find(")", label.end() - 1, line_end)
            rest = text[close + 1:line_end] if close >= 0 else ""
            office = _OFFICE_AFTER.match(rest)
            if office is not None:
                body = self.implied.get(office.group(1).strip().lower())
                if isinstance(body, str):
                    return body
            return self.parties[label.group(1)]
        return None

    @staticmethod
    def _abroad(doc: Doc) -> bool:
        return Doc.has_extension("pcnwatch_abroad") and bool(doc._.pcnwatch_abroad)

    def _is_role_word(self, tok: Token) -> bool:
        """A role word that is no title: "Chair" is a role, "Professor" a title."""
        return tok.lower_ in self.role_words and tok.text not in self.titles

    def _office_of(self, name: str, published: date | None, text: str) -> str | None:
        """The body a known office holder spoke for on the article's date (``office_holder``
        in ``roles.toml``), for a person the text gives no body: "Mr Streeting told MPs".
        With no date, the one body of their terms that an office the page names stands for
        ("the health secretary has told MPs" on an undated page: Wes Streeting is dhsc, not
        labour as before 2024)."""
        words = _folded_name(name, self.name_extras)
        if not words:
            return None
        terms = self.office_holders.get(" ".join(words)) if len(words) >= 2 else None
        if terms is None and len(words) == 1:
            # "Mr Streeting": a surname alone only when one holder has it.
            found = self.holders_by_surname.get(words[0], [])
            terms = found[0] if len(found) == 1 else None
        if not terms:
            return None
        if published is None:
            bodies = {body for body, _, _ in terms}
            if len(bodies) > 1:
                lowered = text.lower()
                bodies &= {body for office, body in self.implied.items()
                           if isinstance(body, str) and office in lowered}
            return bodies.pop() if len(bodies) == 1 else None
        return next((body for body, start, end in terms
                     if start <= published and (end is None or published <= end)), None)

    def _implied(self, role: str, doc: Doc) -> str | None:
        """The body a role names by itself; an opposition office changes hands with the
        government, so it is read against the article's date (unknown: the later party)."""
        value = self.implied.get(role)
        if value is None:
            # "shadow health secretary" and "Labour's shadow health secretary" alike
            value = next((v for k, v in self.implied.items() if role.endswith(" " + k)), None)
        if value is None:
            # A named office inside a longer role ("deputy chief inspector of general
            # practice for the north of England"); only offices of three words or more, which
            # no other office holds inside its name, as "minister" is inside many.
            inside = [k for k in self.implied if k.count(" ") >= 2 and f" {k} " in f" {role} "]
            value = self.implied[max(inside, key=len)] if inside else None
        if isinstance(value, str):
            return self._nations_own(value, doc)
        if value is None:
            return None
        published = doc._.pcnwatch_date
        until = date.fromisoformat(str(value["until"]))
        return value["then"] if published is not None and published <= until else value["after"]

    def _nations_own(self, actor_id: str, doc: Doc) -> str | None:
        """On a page about one devolved nation its health minister is its government's
        (none, where the registry has no body for it), as the actors component re-points
        that nation's "Government"."""
        nation = doc._.pcnwatch_nation if Doc.has_extension("pcnwatch_nation") else None
        if nation is None or actor_id not in self._registry().source.get(
                "devolved", {}).get("uk_bodies", ()):
            return actor_id
        return nation or None

    def _press_checked(self, role: str | None,
                       actor_id: str | None) -> tuple[str | None, str | None]:
        """A publication is a person's body only when the role is a journalist's: who "told
        Pulse" or wrote "in a letter seen by the BMJ" speaks for someone else."""
        if actor_id is None:
            return role, actor_id
        try:
            kind = self._registry().get(actor_id).kind
        except ValueError:
            return role, actor_id
        if kind == "media" and not (role and any(
                w in self.press_roles for w in re.split(r"[\s,]+", role.lower()))):
            return role, None
        return role, actor_id

    def _candidates(self, doc: Doc, actor_at: dict[int, Span]) -> list[Span]:
        spans: dict[int, Span] = {}
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                span = self._extend(doc, ent.start, ent.end)
                if span is not None:
                    spans[span.start] = span
        owner = {i: s.start for s in spans.values() for i in range(s.start, s.end)}
        for _, start, end in self.known_names(doc):
            if any(i in actor_at for i in range(start, end)):
                continue
            # A known name widens an overlapping part the model found ("Coffey").
            for key in {owner[i] for i in range(start, end) if i in owner}:
                other = spans.pop(key)
                start, end = min(start, other.start), max(end, other.end)
            spans[start] = doc[start:end]
            owner.update({i: start for i in range(start, end)})
        for token in doc:
            if token.text in self.titles and (token.i == 0 or doc[token.i - 1].text
                                               not in self.titles):
                span = self._extend(doc, token.i, token.i + 1, from_title=True)
                if span is None:
                    continue
                overlapping = {owner[i] for i in range(span.start, span.end) if i in owner}
                start, end = span.start, span.end
                # A title widens an overlapping NER name ("Dr" + "Ann Smith").
                for key in overlapping:
                    other = spans.pop(key)
                    start, end = min(start, other.start), max(end, other.end)
                spans[start] = doc[start:end]
                owner.update({i: start for i in range(start, end)})
        # Names the statistical model missed: two or three capitalised proper nouns after a
        # role word ("chief executive Amanda Reyes"), before a speech verb or before a party
        # label ("Ellie Reeves (Lab: Lewisham West)").
        taken = {i for s in spans.values() for i in range(s.start, s.end)}
        i = 0
        while i < len(doc):
            if self._is_role_word(doc[i]):
                # "Chair Kamila Hawthorne": a role in title case opens no name.
                i += 1
                continue
            j = i
            # After the first word the tagger may take a surname for a noun when the role
            # before it is in title case ("College Chair Kamila Hawthorne"): a capital
            # inside the sentence still marks it.
            while (j < len(doc) and j - i < 3
                   and (doc[j].pos_ == "PROPN" or (j > i and doc[j].pos_ == "NOUN"
                                                   and not doc[j].is_sent_start))
                   and _NAME_WORD.match(doc[j].text)
                   and not self._is_role_word(doc[j])
                   and j not in taken and j not in actor_at):
                j += 1
            if j - i >= 2 and (
                    (i > 0 and (doc[i - 1].lower_ in self.role_words
                                or (doc[i - 1].lower_ in self.stops
                                    and doc[i - 1].pos_ == "VERB")))
                    or (j < len(doc) and doc[j].lower_ in self.stops and doc[j].pos_ == "VERB")
                    or self._role_beside(doc, i, j)
                    or self.party_after.match(doc.text, doc[j - 1].idx + len(doc[j - 1]))):
                spans[i] = doc[i:j]
                i = j
                continue
            i = max(j, i + 1)
        kept = []
        for span in sorted(spans.values(), key=lambda s: s.start):
            # The model sometimes takes the line break after a name into the entity.
            start, end = span.start, span.end
            while end > start and doc[end - 1].is_space:
                end -= 1
            while start < end and doc[start].is_space:
                start += 1
            if end <= start:
                continue
            # "Q Ellie Reeves (Lab)": a question-and-answer marker opening the line.
            if end - start > 2 and doc[start].text in ("Q", "A") and (
                    start == 0 or "\n" in doc[start - 1].text_with_ws or doc[start - 1].is_space):
                start += 1
            # "Chair Ann Field": the model sometimes takes a title-case role into the name.
            while end - start > 2 and self._is_role_word(doc[start]):
                start += 1
            # "Dr Ann Cole MBE": letters after a name are not part of it.
            while end - start > 1 and doc[end - 1].text in self.post_nominals:
                end -= 1
            span = doc[start:end]
            # A name ends at a line break ("Dr Jo Wren\nClinical director, …").
            cut = next((t.i + (not t.is_space) for t in span
                        if "\n" in t.text_with_ws and t.i + 1 < span.end), None)
            if cut is not None:
                span = doc[span.start:cut]
                if not len(span):
                    continue
            if any(i in actor_at for i in range(span.start, span.end)):
                continue
            if any(t.text in self.not_people or t.is_digit or t.like_url for t in span):
                continue
            if not any(t.text not in self.titles for t in span):
                continue
            kept.append(span)
        return kept

    def _role_beside(self, doc: Doc, start: int, end: int) -> bool:
        """A role word in the apposition around a name: "X, chair of Y," or
        "The chair of Y, X, said"."""
        if end + 1 < len(doc) and doc[end].text == "," and (
                doc[end + 1].lower_ == "who"
                or any(t.lower_ in self.role_words for t in doc[end + 1:end + 5])):
            return True
        if start >= 2 and doc[start - 1].text == ",":
            k = start - 2
            while k >= 0 and start - k < 10 and not doc[k].is_punct:
                if doc[k].lower_ in self.role_words:
                    return True
                k -= 1
        return False

    def _extend(self, doc: Doc, start: int, end: int, from_title: bool = False) -> Span | None:
        """Widen a name over titles before it and name words (or hyphens) after it."""
        while start > 0 and doc[start - 1].text in self.titles:
            start -= 1
        while start < end and not doc[start].text[:1].isupper():
            start += 1
        # "Dr X - clinical director of Y -": a spaced dash ends a name the tagger ran on.
        end = next((i for i in range(start + 1, end) if doc[i].text in _DASHES and (
            doc[i].whitespace_ or doc[i - 1].whitespace_)), end)
        if from_title:
            while end < len(doc) and doc[end].text in self.titles:
                end += 1
        while end < len(doc) and end - start < _MAX_NAME_TOKENS + 2:
            tok = doc[end]
            if _NAME_WORD.match(tok.text) and (tok.pos_ in ("PROPN", "NOUN", "ADJ", "X")
                                               or tok.ent_type_ == "PERSON"):
                if from_title or tok.ent_type_ == "PERSON" or doc[end - 1].text == "-":
                    end += 1
                    continue
                break
            if (tok.text == "-" and not doc[end - 1].whitespace_ and end + 1 < len(doc)
                    and _NAME_WORD.match(doc[end + 1].text) and not tok.whitespace_):
                end += 1
                continue
            break
        # Trailing possessives and hyphens are not part of a name.
        while end > start and doc[end - 1].text in ("-", *_POSSESSIVE):
            end -= 1
        if end <= start:
            return None
        return doc[start:end]

    def _role(self, doc: Doc, name: Span, actor_at: dict[int, Span]) -> tuple[str | None,
                                                                              str | None]:
        # A pre-modifier's body is the one nearest the name ("Kent LMC and BMA chair Dr X").
        for segment, nearest_last in ((self._apposition(doc, name), False),
                                      (self._premodifier(doc, name, actor_at), True),
                                      (self._fronted_apposition(doc, name), True)):
            if segment is None:
                continue
            role, actor_id = self._read_segment(doc, segment, actor_at, nearest_last)
            if actor_id is None and segment[1] + 1 < len(doc) and (
                    doc[segment[1]].lower_ == "who"):
                # "X, a GP in Bradford who chairs the confederation's network,"
                actor_id = self._who_clause(doc, segment[1], actor_at)[1]
            if role and actor_id is None:
                # "X, chief executive, NHS Confederation, said": witness lists and press
                # copy give the body as a second apposition after the role.
                actor_id = _second_apposition(doc, segment[1], actor_at, self.stops)
            if role and actor_id is None:
                actor_id = self._fronted_body(doc, name, actor_at)
            if role is None and actor_id is not None:
                # "Clinical director Dr X, of Eastgate PCN,": the role is before the name.
                other = self._premodifier(doc, name, actor_at)
                if other is not None and other != segment:
                    role = self._read_segment(doc, other, actor_at, True)[0]
            if actor_id is not None and self._press_checked(role, actor_id)[1] is None:
                # ", seen by Pulse,": a publication beside a name who is no journalist; the
                # body may still come in another phrase ("SSLMCs chief executive Dr X").
                fallback_role = role
                actor_id = None
                if role is None:
                    continue
                for other, last in ((self._premodifier(doc, name, actor_at), True),
                                    (self._fronted_apposition(doc, name), True)):
                    if other is not None and other != segment:
                        other_role, other_id = self._press_checked(
                            *self._read_segment(doc, other, actor_at, last))
                        if other_id is not None:
                            return other_role or fallback_role, other_id
                return fallback_role, None
            if role or actor_id:
                return role, actor_id
        return self._clause_role(doc, name, actor_at)

    def _joint_bodies(self, doc: Doc, name: Span, actor_at: dict[int, Span],
                      actor_id: str | None) -> list[str] | None:
        """The bodies of one kind that a person's apposition names together with their body
        ("director of A and B CCGs"), or None when it names one."""
        segment = self._apposition(doc, name) if actor_id else None
        if segment is None:
            return None
        spans = sorted({actor_at[i] for i in range(*segment) if i in actor_at},
                       key=lambda s: s.start)
        chain: list[Span] = []
        for span in spans:
            if chain and (span.label_ != chain[-1].label_ or any(
                    t.lower_ not in ("and", "&", ",") for t in doc[chain[-1].end:span.start])):
                if any(s.kb_id_ == actor_id for s in chain):
                    break
                chain = []
            chain.append(span)
        ids = list(dict.fromkeys(s.kb_id_ for s in chain))
        return ids if len(ids) >= 2 and actor_id in ids else None

    def _bare_short_form(self, words: list[Token], before: list[Span]) -> str | None:
        """"Committee chair Dr X", "LMC chair Dr X": a short form without its article."""
        ids = [span.kb_id_ for span in before]
        for word in words:
            if word.i > 0 and word.doc[word.i - 1].lower_ in _PERSONAL_POSSESSIVES:
                continue  # "a member of her network's group": her own network, no body
            actor_id = self._registry().resolve_bare(word.text, ids)
            if actor_id:
                return actor_id
        return None

    def _home(self, doc: Doc, actor_spans: list[Span]) -> Span | None:
        # Worked out once per Doc, and only when a role says "our".
        if self._home_of is None or self._home_of[0] is not doc:
            self._home_of = (doc, home_body(doc, actor_spans))
        return self._home_of[1]

    def _registry(self) -> Registry:
        return pipeline_registry(self.nlp, self.actors_component)

    def _who_clause(self, doc: Doc, who: int,
                    actor_at: dict[int, Span]) -> tuple[str | None, str | None]:
        """Role and body from "who is chair of Y", "who chairs Y", "who sits on Y"."""
        if who + 1 >= len(doc):
            return None, None
        at = who + 1
        # "who has been chosen as", "who is now": auxiliaries and adverbs lead to the verb.
        while at + 1 < len(doc) and doc[at].pos_ in ("AUX", "ADV", "PART") and (
                doc[at + 1].pos_ in ("AUX", "ADV", "PART", "VERB")):
            at += 1
        verb = doc[at]
        end = at + 1
        while end < len(doc) and doc[end].text not in (",", ".", ";", ":") \
                and not doc[end].is_quote and end - who < _MAX_APPOSITION \
                and doc[end].ent_type_ != "DATE":  # "who took over as chair this summer"
            end += 1
        after = at + 1
        if after < end and doc[after].dep_ == "prt":
            after += 1  # "who took over as", "who stepped down as"
        if verb.lemma_ in self.appointing_verbs and after + 1 < end and doc[after].lower_ == "as":
            # "who was elected as the network's clinical director"
            return self._read_segment(doc, (after + 1, end), actor_at)
        if verb.lemma_ in self.copular_verbs:
            return self._read_segment(doc, (at + 1, end), actor_at)
        if verb.lemma_ in self.leading_verbs:
            actor_id = self._read_segment(doc, (at + 1, end), actor_at)[1]
            spans = {span for i, span in actor_at.items()
                     if at < i < end and span.kb_id_ == actor_id}
            if spans and all(span.root.dep_ == "compound" and span.root.head.lemma_.lower()
                             in self.event_nouns for span in spans):
                # "who sat in on GPC meetings": the body only names what the person
                # attended, not whom they serve ("who sits on the RCGP council" does).
                return None, None
            return (self.leading_verbs[verb.lemma_] or None if actor_id else None), actor_id
        return None, None

    def _fronted_body(self, doc: Doc, name: Span, actor_at: dict[int, Span]) -> str | None:
        """"At Severnside PCN, clinical director Dr X said" / "In a blog for the Nuffield
        Trust, senior fellow X": a phrase opening the sentence names the body of a person
        whose role names none. Venues ("Speaking at the RCGP conference") do not count."""
        sent = name.sent
        if name.start - sent.start > _MAX_PREMODIFIER + _MAX_APPOSITION:
            return None
        comma = next((t.i for t in doc[sent.start:name.start] if t.text == ","), None)
        if comma is None or sent[0].lower_ in self.venue_words:
            return None
        if any(t.pos_ in ("VERB", "AUX") and t.tag_ != "VBG" for t in doc[sent.start:comma]):
            return None
        bodies = [actor_at[i] for i in range(sent.start, comma)
                  if i in actor_at and actor_at[i].label_ != "media"]
        return bodies[-1].kb_id_ if bodies else None

    def _clause_role(self, doc: Doc, name: Span,
                     actor_at: dict[int, Span]) -> tuple[str | None, str | None]:
        """Role and body from a clause about the person.

        "X, who is chair of Y," and "X is chair of Y" (copula) give both; "X, who chairs Y,"
        and "X leads Y" give the body.
        """
        i = name.end
        # "X, who chairs Y," and the dashed or bracketed "X — who chairs Y —".
        if i + 2 < len(doc) and doc[i].text in _CLAUSE_OPENERS and doc[i + 1].lower_ == "who":
            return self._who_clause(doc, i + 1, actor_at)
        # "The BMA's GP committee, led by X,": the body X leads.
        root = name.root
        if (root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.dep_ == "agent"
                and root.head.head.lemma_ in self.leading_verbs):
            led = root.head.head.head
            for tok in led.subtree:
                if tok.i in actor_at and tok.i < root.i:
                    body = actor_at[tok.i]
                    # The possessor yields to the body it owns, as in appositions.
                    last = [actor_at[t.i] for t in led.subtree if t.i in actor_at
                            and t.i < root.head.i]
                    return self.leading_verbs[root.head.head.lemma_] or None, (last[-1] if last
                                                                       else body).kb_id_
        # "Thorne chairs Kent LMC" right after the name, however the parser took it.
        if i < len(doc) and doc[i].lemma_ in self.leading_verbs and doc[i].tag_ in ("VBZ",
                                                                                   "VBD"):
            end = i + 1
            while end < len(doc) and not doc[end].is_punct and end - i < _MAX_APPOSITION:
                end += 1
            actor_id = self._read_segment(doc, (i + 1, end), actor_at)[1]
            if actor_id:
                return self.leading_verbs[doc[i].lemma_] or None, actor_id
        root = name.root
        verb = root.head
        if root.dep_ != "nsubj" or verb.i == root.i:
            return None, None
        if verb.lemma_ == "be":
            for child in verb.children:
                if child.dep_ == "attr" and child.i > root.i:
                    return self._read_segment(doc, (child.left_edge.i, child.right_edge.i + 1),
                                              actor_at)
        if verb.lemma_ in self.leading_verbs:
            for child in verb.children:
                if child.dep_ == "dobj":
                    for tok in child.subtree:
                        if tok.i in actor_at:
                            return self.leading_verbs[verb.lemma_] or None, actor_at[tok.i].kb_id_
        return None, None

    def _apposition(self, doc: Doc, name: Span) -> tuple[int, int] | None:
        i = name.end
        # "James Morris MP, Minister for Primary Care,": letters after a name come before
        # the apposition.
        while i < len(doc) and doc[i].text in self.post_nominals:
            i += 1
        if i >= len(doc):
            return None
        # A sign-off: the name alone on its line, the role and body on the next
        # ("Dr Ann Cole\nMedical secretary, Kent LMC").
        if (doc[i].is_space and "\n" in doc[i].text and
                (name.start == 0 or "\n" in doc[name.start - 1].text_with_ws)):
            j = i + 1
            while j < len(doc) and not (doc[j].is_space and "\n" in doc[j].text) \
                    and j - i <= _MAX_APPOSITION:
                j += 1
            if j > i + 1 and any(t.lower_ in self.role_words for t in doc[i + 1:j]):
                return i + 1, j
        # A sign-off or caption line: "Dr Ann Cole, CEO, Kent LMC" is all one role.
        line_start = name.start == 0 or "\n" in doc[name.start - 1].text_with_ws
        if line_start and doc[i].text == ",":
            j = i + 1
            while j < len(doc) and "\n" not in doc[j - 1].text_with_ws[-1:] \
                    and j - i <= _SIGN_OFF_WORDS:
                j += 1
            if j < len(doc) and "\n" not in doc[j - 1].text_with_ws:
                j = None  # the line goes on: a sentence, not a sign-off
            if j is not None and j > i + 1 and not any(
                    t.pos_ in ("VERB", "AUX") for t in doc[i + 1:j]):
                return i + 1, j
        # "Dr X of Leeds LMC", "Dr X, from the BMA": the prepositions open it too; so does
        # a role with no comma before it, in press copy ("Ruth Ray director of primary care
        # at the NHS Confederation said"), which then ends at the first verb.
        bare = not doc[i].is_sent_start and (doc[i].lower_ in self.role_words or (
            doc[i].pos_ == "ADJ" and i + 1 < len(doc) and doc[i + 1].lower_ in self.role_words))
        # "Dr X – chair of Kent LMC – said": a role between spaced dashes.
        dashed = doc[i].text in _DASHES and doc[i].whitespace_ and any(
            t.lower_ in self.role_words for t in doc[i + 1:i + 4])
        if doc[i].text in (",", "(") or doc[i].lower_ in ("of", "from", "at") or bare or dashed:
            start = i + 1 if doc[i].text in (",", "(") or dashed else i
            j = start
            while j < len(doc) and j - start < _MAX_APPOSITION:
                tok = doc[j]
                if tok.text in (",", ")", ";", ":", ".", "\u2013", "\u2014") or tok.is_quote or (
                        dashed and tok.text in _DASHES):
                    break
                if bare and j > start and tok.pos_ in ("VERB", "AUX"):
                    break
                if j > start and "\n" in doc[j - 1].text_with_ws:
                    break  # "Kat Lay, Health Editor" on a byline: the next line is not hers
                if tok.lower_ in self.stops or tok.is_sent_start:
                    break
                # "a GP in Hull and chair of Hull LMC" goes on; "and said" ends it.
                if tok.lower_ == "and" and j + 1 < len(doc) and doc[j + 1].pos_ in ("VERB",
                                                                                     "AUX"):
                    break
                j += 1
            if j > start:
                return start, j
        return None

    def _premodifier(self, doc: Doc, name: Span,
                     actor_at: dict[int, Span]) -> tuple[int, int] | None:
        i = name.start
        sent_start = name.sent.start if doc.has_annotation("SENT_START") else 0
        while i > sent_start and name.start - i < _MAX_PREMODIFIER:
            tok = doc[i - 1]
            if (i - 1) in actor_at:
                # A body's name, whatever the tagger made of it at the head of a sentence
                # ("RCGP vice-chair Dr X": "RCGP" tagged as a verb or preposition).
                i -= 1
                continue
            if tok.text in _POSSESSIVE and i - 2 >= 0:
                i -= 1
                continue
            if tok.text == ")":
                # "Community Pharmacy England (CPE) director Dr X": a body's short name in
                # brackets after it.
                opening = next((k for k in range(i - 2, max(sent_start, i - 5) - 1, -1)
                                if doc[k].text == "("), None)
                if opening is not None and (opening - 1) in actor_at:
                    i = opening
                    continue
            if tok.is_space:
                break
            if tok.text in _WORD_JOINERS and i - 2 >= sent_start and not tok.whitespace_ \
                    and not doc[i - 2].whitespace_:
                i -= 1  # "vice-chair", "Labour/Co-operative MP": one word, split in three
                continue
            if tok.tag_ == "VBG" and i - 2 >= sent_start and (
                    doc[i - 2].lower_ == "of" or doc[i - 2].pos_ == "PROPN"):
                i -= 1  # "director of (NHS) commissioning Dr X": a gerund named as a field
                continue
            # "Health and social care secretary X": an "and" between nouns stays in the role.
            joins_nouns = (tok.lower_ in ("and", "&") and i - 2 >= sent_start
                           and doc[i - 2].pos_ in ("NOUN", "PROPN", "ADJ"))
            if tok.is_punct or tok.is_quote or tok.pos_ in ("VERB", "AUX", "SCONJ") or (
                    tok.pos_ == "CCONJ" and not joins_nouns) or (
                    tok.pos_ == "PRON" and tok.lower_ not in _BODY_DETERMINERS):
                break
            if (tok.lower_ in self.stops and not joins_nouns) or tok.like_num:
                break
            if (tok.lower_ == "in" and (i - 2) in actor_at) or (
                    tok.lower_ == "at" and i in actor_at):
                # "Clinical director at Riverside PCN in Hampshire Dr X": the body the role
                # is at, and where that body is, stay in the role.
                i -= 1
                continue
            if tok.pos_ == "ADP" and tok.lower_ not in ("of", "for"):
                break  # "The letter from SSLMCs chief executive Dr X": the role starts after
            i -= 1
            if tok.lower_ in _BODY_DETERMINERS:
                break
        return (i, name.start) if i < name.start else None

    def _fronted_apposition(self, doc: Doc, name: Span) -> tuple[int, int] | None:
        """"Its chair, Dr X," / "The LMC's chief executive, Dr X,": a role before a comma."""
        comma = name.start - 1
        if comma < 1 or doc[comma].text != ",":
            return None
        i = comma
        while i > 0 and comma - i < _MAX_PREMODIFIER:
            tok = doc[i - 1]
            if tok.text in _POSSESSIVE:
                i -= 1
                continue
            if tok.is_space or tok.is_punct or tok.is_quote or tok.pos_ in ("VERB", "AUX",
                                                                            "CCONJ", "SCONJ"):
                break
            i -= 1
            if tok.is_sent_start or tok.lower_ in _BODY_DETERMINERS:
                break
        return (i, comma) if i < comma else None

    def _read_segment(self, doc: Doc, segment: tuple[int, int], actor_at: dict[int, Span],
                      nearest_last: bool = False) -> tuple[str | None, str | None]:
        actor_spans = sorted(set(actor_at.values()), key=lambda s: s.start)
        start, end = segment
        actor_id = None
        words: list[Token] = []
        place_end = -1
        for i in range(start, end):
            if i < place_end:
                continue
            if doc[i].lower_ == "in" and (i - 1) in actor_at:
                # "... Riverside PCN in North Yorkshire": where the body is, not the role
                place_end = i + 1
                while place_end < end and doc[place_end].pos_ == "PROPN" and (
                        place_end not in actor_at):
                    place_end += 1
                continue
            span = actor_at.get(i)
            if span is not None:
                # "the BMA's GP committee": the possessor is the parent, the last body named.
                possessor = (span.end < end and doc[span.end].text in _POSSESSIVE
                             and span.end + 1 in actor_at)
                if not possessor:
                    actor_id = span.kb_id_ if nearest_last else (actor_id or span.kb_id_)
                continue
            if doc[i].is_space or (doc[i].text == "(" and (i + 1) in actor_at) or (
                    doc[i].text == ")" and (i - 1) in actor_at):
                continue  # the brackets of "Community Pharmacy England (CPE) director"
            if words == [] and doc[i].text in _POSSESSIVE:
                continue
            if i > start and (i - 1) in actor_at and doc[i].text in _POSSESSIVE:
                continue
            words.append(doc[i])
        # A role needs a role word, or it is a place or some other noun ("a GP in Leeds").
        has_role = any(w.lower_ in self.role_words for w in words)
        body_det = any(w.lower_ in _BODY_DETERMINERS for w in words)
        while words and words[0].lower_ in _EDGE_WORDS:
            words.pop(0)
        while words and words[-1].lower_ in _EDGE_WORDS:
            words.pop()
        role = _tidy_role(words) if has_role and words else None
        if role is None and not words:
            # "The health minister, X,": the office is both the role and the body.
            office = [doc[i] for i in range(start, end) if i in actor_at
                      and doc[i].lower_ in self.role_words]
            if office:
                span = actor_at[office[0].i]
                role = span.text
        before = [s for s in actor_spans if s.end <= start and s.label_ != "media"]
        if role and actor_id is None and body_det:
            home = self._home(doc, actor_spans) if any(
                w.lower_ == "our" for w in doc[start:end]) else None
            # "Our chair" in a body's own newsletter is its chair, whoever was named last.
            antecedent = home if home is not None else _subject_body(doc, start, before)
            actor_id = antecedent.kb_id_ if antecedent is not None else None
        if actor_id is None and words:
            actor_id = _definite_body(words, before)
        if role and actor_id is None:
            actor_id = self._bare_short_form(words, before)
        if role and actor_id is None:
            actor_id = self._implied(role.lower(), doc)
        if role and actor_id is None and not body_det and start > 0 and (
                start == doc[start].sent.start) and any(
                w.lower_ in self.office_words for w in words):
            # "The GPC said the findings ... . Chairman Dr X called ...": an office with no
            # body at the head of a sentence is held at the body the sentence before was about.
            subject = _sentence_subject(doc[start - 1].sent, before)
            actor_id = subject.kb_id_ if subject is not None else None
        if role is None and actor_id is not None and words:
            # "Dr X of the BMA": the body without a role word still says whom they speak for.
            return None, actor_id
        return role, actor_id


def _second_apposition(doc: Doc, end: int, actor_at: dict[int, Span],
                       speech: frozenset[str] = frozenset()) -> str | None:
    """The body named alone between the commas after a role ("X, chief executive, NHS
    Confederation, said"), or right before a speech verb that opens a quotation ("X,
    national clinical lead, NHS England commented: '…'"); a body that goes on into a clause
    ("X, chair, NHS England has ...") is the next sentence's subject, not X's body."""
    if end >= len(doc) or doc[end].text != ",":
        return None
    i = end + 1
    if i < len(doc) and doc[i].lower_ == "the":
        i += 1
    span = actor_at.get(i)
    if span is None or span.start != i:
        return None
    # The body ends the phrase: punctuation, a line break (a space token) or the text's end.
    if span.end == len(doc) or doc[span.end].is_space or doc[span.end].text in (
            ",", ";", ")", ".", ":"):
        return span.kb_id_
    verb = span.end
    if doc[verb].pos_ == "VERB" and doc[verb].lower_ in speech and verb + 1 < len(doc) and (
            doc[verb + 1].text == ":" or doc[verb + 1].is_quote):
        # press copy's "X, role, Body commented: '…'"; "X, role, NHS England said on Monday
        # that …" stays a clause of its own
        return span.kb_id_
    return None


# Dependencies climbed from a body's name to the phrase that is a subject ("The BMA's GP
# committee, which ..."): its possessor, the words of a longer name, a conjoined body.
_SUBJECT_LINKS = ("poss", "compound", "conj", "appos", "case", "nmod")


def _sentence_subject(sent: Span, before: list[Span]) -> Span | None:
    """The body that is the subject of a sentence's main verb, if one is."""
    for span in before:
        if not sent.start <= span.start < sent.end:
            continue
        tok = name_root(span, _SUBJECT_LINKS)
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.dep_ == "ROOT":
            return span
    return None


def _subject_body(doc: Doc, start: int, before: list[Span]) -> Span | None:
    """The body "its" or "their" stands for: the subject of the clause before ("The BMA's
    GP committee, which ended talks with NHS England, said ... Its chair" is the
    committee's), else the body last named."""
    if not before:
        return None
    sent = doc[start].sent
    if not any(s.start >= sent.start for s in before) and sent.start > 0:
        sent = doc[sent.start - 1].sent
    return _sentence_subject(sent, before) or before[-1]


def _definite_body(words: list[Token], before: list[Span]) -> str | None:
    """"a researcher at the trust", "chair of the committee": the common noun stands for
    the body last named with it in its name (the Nuffield Trust, the GP committee)."""
    for prev, word in zip(words, words[1:], strict=False):
        if prev.lower_ != "the" or not word.text.islower() or word.pos_ != "NOUN":
            continue
        for span in reversed(before):
            if any(t.lower_ == word.lower_ for t in span):
                return span.kb_id_
    return None


def _tidy_role(words: list[Token]) -> str:
    """"Clinical director , , and GP partner" (a body taken out) reads "Clinical director
    and GP partner"; "union 's chair" reads "union's chair"."""
    # Words next to each other keep the text's own spacing ("Under-Secretary", not
    # "Under - Secretary"); a gap where a body was taken out reads as one space.
    role = "".join(w.text + ((w.whitespace_ if nxt.i == w.i + 1 else " ") if nxt else "")
                   for w, nxt in zip(words, [*words[1:], None], strict=True))
    role = re.sub(r"(?:\s*,)+\s*(and|or)\b", r" \1", role)
    role = re.sub(r"(?:\s*,){2,}", ",", role)
    role = re.sub(r"\s+(,|'s|\u2019s)", r"\1", role)
    return role.strip(" ,")


def _name_words(span: Span, titles: frozenset[str]) -> list[str]:
    """The words of a name without titles, a hyphenated part joined to its neighbours
    ("Dr Katie Bramall-Stainer" -> ["Katie", "Bramall-Stainer"])."""
    words: list[str] = []
    glue = False
    for tok in span:
        if tok.text in titles and not words:
            continue
        if tok.text == "-" and words and not span.doc[tok.i - 1].whitespace_:
            words[-1] += "-"
            glue = True
            continue
        if glue:
            words[-1] += tok.text
            glue = False
        else:
            words.append(tok.text)
    return [w.rstrip("-") for w in words if w.rstrip("-")]


def _clean_name(span: Span) -> str:
    return span.text.strip()


@Language.factory(
    "pcnwatch_people",
    assigns=["doc._.pcnwatch_people"],
    requires=["doc.ents", "doc.spans", "token.pos"],
    default_config={"spans_key": "pcnwatch_actors",
                    "data_reader": {"@misc": "pcnwatch.data_file.v1", "name": "roles.toml",
                                    "path": None}},
)
def make_people_finder(nlp: Language, name: str, *, spans_key: str,
                       data_reader: Callable[[], dict[str, Any]]) -> PeopleFinder:
    return PeopleFinder(nlp, name, spans_key=spans_key, data_reader=data_reader)


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _folded_name(name: str, extras: frozenset[str]) -> list[str]:
    """A name's words in lower case without accents, titles or letters after it (the
    ``extras``), so "Ms Thérèse Coffey MP" and "Therese Coffey" are one name."""
    plain = _unaccented(name).replace("\u2019", "'")
    return [w.lower() for w in plain.split() if w not in extras]
