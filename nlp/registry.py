"""The actor registry: bodies that speak about primary care policy.

The data lives in ``nlp/data/actors.toml`` (see the comment at its top). This
module reads it, validates it and answers questions about actor ids, including
the ids made by families ("<Place> LMC" -> ``lmc-<place>``).
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .errors import DataFileError, UnknownActor

DATA_PACKAGE = "nlp.data"
ACTORS_FILE = "actors.toml"
KINDS = frozenset({
    "national_body", "government", "union", "professional_body", "membership_body",
    "think_tank", "regulator", "media", "lmc", "commissioner", "network", "patient_body",
    "parliament", "charity", "party",
})

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower case, apostrophes dropped, other runs of spaces and punctuation as one hyphen."""
    text = _APOSTROPHES.sub("", text.lower())
    return _NON_ALNUM.sub("-", text).strip("-")


# Joining words of place names stay lower case: "Kent and Medway", "Stoke on Trent".
_PLACE_JOINERS = frozenset({"and", "of", "on", "upon", "in", "the", "under", "with"})


def place_name(slug: str) -> str:
    """A place's name from its slug: each word capitalised but the joining words."""
    words = slug.split("-")
    return " ".join(w if i and w in _PLACE_JOINERS else w.capitalize()
                    for i, w in enumerate(words))


@dataclass(frozen=True)
class Actor:
    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str = ""
    weak_aliases: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    # "Healthwatch Hillingdon": the name followed by a place is a local body, not this one.
    not_before_place: bool = False
    # Makes the policy practices and networks work under (contract sections 4 and 5).
    policy_maker: bool = False


@dataclass(frozen=True)
class Family:
    kind: str
    prefix: str
    parent: str
    heads: tuple[str, ...]
    display: str
    policy_maker: bool = False

    def actor(self, place: str) -> Actor:
        return Actor(id=self.prefix + slugify(place), kind=self.kind,
                     name=self.display.format(place=place), parent=self.parent,
                     policy_maker=self.policy_maker)


@dataclass(frozen=True)
class ShortForm:
    phrases: tuple[str, ...]
    candidates: tuple[str, ...]
    default: str = ""
    # Whether the phrase is read as a short form even where it holds an alias ("the LMCs"
    # after "Surrey and Sussex LMCs" is that group, not the LMCs in general).
    over_alias: bool = False

    def accepts(self, actor_id: str) -> bool:
        return any(fnmatch.fnmatchcase(actor_id, pattern) for pattern in self.candidates)


@dataclass
class Registry:
    """Actors by id, the families and the short forms of one registry file."""

    actors: dict[str, Actor]
    families: list[Family]
    short_forms: list[ShortForm]
    stop_words: frozenset[str] = field(default_factory=frozenset)
    source: dict[str, Any] = field(default_factory=dict, repr=False)
    _heads: dict[str, list[ShortForm]] | None = field(default=None, init=False, repr=False,
                                                      compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Registry:
        """Build and validate a registry from the parsed TOML (or its JSON copy)."""
        actors: dict[str, Actor] = {}
        for row in data.get("actor", []):
            try:
                actor = Actor(
                    id=row["id"], kind=row["kind"], name=row["name"],
                    aliases=tuple(row.get("aliases", ())), parent=row.get("parent", ""),
                    weak_aliases=tuple(row.get("weak_aliases", ())),
                    not_before=tuple(row.get("not_before", ())),
                    not_after=tuple(row.get("not_after", ())),
                    not_before_place=bool(row.get("not_before_place", False)),
                    policy_maker=bool(row.get("policy_maker", False)),
                )
            except KeyError as exc:
                raise DataFileError(
                    f"{ACTORS_FILE}: an [[actor]] lacks {exc.args[0]!r} ({row!r}); "
                    "every actor needs id, kind and name") from None
            if actor.id in actors:
                raise DataFileError(f"{ACTORS_FILE}: actor id {actor.id!r} appears twice")
            if actor.id != slugify(actor.id):
                raise DataFileError(f"{ACTORS_FILE}: actor id {actor.id!r} is not a slug")
            if actor.kind not in KINDS:
                raise DataFileError(
                    f"{ACTORS_FILE}: actor {actor.id!r} has unknown kind {actor.kind!r}; "
                    f"use one of {', '.join(sorted(KINDS))}")
            actors[actor.id] = actor
        families = [Family(kind=f["kind"], prefix=f["prefix"], parent=f.get("parent", ""),
                           heads=tuple(f["heads"]), display=f["display"],
                           policy_maker=bool(f.get("policy_maker", False)))
                    for f in data.get("family", [])]
        short_forms = [ShortForm(phrases=tuple(s["phrases"]), candidates=tuple(s["candidates"]),
                                 default=s.get("default", ""),
                                 over_alias=bool(s.get("over_alias", False)))
                       for s in data.get("short_form", [])]
        stop_words = frozenset(w.lower() for w in data.get("stop", {}).get("words", ()))
        registry = cls(actors=actors, families=families, short_forms=short_forms,
                       stop_words=stop_words, source=data)
        registry._check_references()
        return registry

    def _check_references(self) -> None:
        for actor in self.actors.values():
            if actor.parent and actor.parent not in self.actors:
                raise DataFileError(
                    f"{ACTORS_FILE}: actor {actor.id!r} names unknown parent {actor.parent!r}")
        for family in self.families:
            if family.parent and family.parent not in self.actors:
                raise DataFileError(
                    f"{ACTORS_FILE}: family {family.prefix!r} names unknown parent "
                    f"{family.parent!r}")
        for short in self.short_forms:
            for cand in (*short.candidates, short.default):
                if cand and not cand.endswith("*") and cand not in self.actors:
                    raise DataFileError(
                        f"{ACTORS_FILE}: short form {short.phrases[0]!r} names unknown actor "
                        f"{cand!r}")

    def short_form_heads(self) -> dict[str, list[ShortForm]]:
        """Short forms by their bare head word ("lmc" for "the LMC"), for "LMC chair Dr X".

        Built once: people and quotes ask it for every capitalised word before a name."""
        if self._heads is not None:
            return self._heads
        heads: dict[str, list[ShortForm]] = {}
        for short in self.short_forms:
            for phrase in short.phrases:
                words = phrase.split()
                if len(words) == 2 and words[0].lower() == "the":
                    forms = heads.setdefault(words[1].lower(), [])
                    if short not in forms:
                        forms.append(short)
        self._heads = heads
        return heads

    def modifier_actor(self, words: list[str]) -> str | None:
        """The actor a run of words before a speaker noun names through a weak alias
        ("a government spokesperson", "a health secretary aide"), or None."""
        lowered = " ".join(w.lower() for w in words)
        for actor in self.actors.values():
            for alias in actor.weak_aliases:
                if f" {alias.lower()} " in f" {lowered} ":
                    return actor.id
        return None

    def resolve_bare(self, word: str, before: list[str]) -> str | None:
        """The actor a bare short-form word names, given the actor ids mentioned before it."""
        shorts = self.short_form_heads().get(word.lower(), ())
        for short in shorts:
            for actor_id in reversed(before):
                if short.accepts(actor_id):
                    return actor_id
        # A capitalised bare form with a default ("Confederation chief executive X").
        for short in shorts:
            if short.default and word[:1].isupper():
                return short.default
        return None

    def resolve_later(self, word: str, after: list[str]) -> str | None:
        """The actor an indefinite short form ("an LMC") names: the first one of its kind
        named after it, as a news lede names the body only in the next lines."""
        shorts = self.short_form_heads().get(word.lower(), ())
        for actor_id in after:
            if any(short.accepts(actor_id) for short in shorts):
                return actor_id
        return None

    def family_of(self, actor_id: str) -> Family | None:
        for family in self.families:
            if actor_id.startswith(family.prefix) and len(actor_id) > len(family.prefix):
                return family
        return None

    def get(self, actor_id: str) -> Actor:
        """The actor with this id; family ids get a name made from the slug."""
        if actor_id in self.actors:
            return self.actors[actor_id]
        family = self.family_of(actor_id)
        if family is None or actor_id != slugify(actor_id):
            raise UnknownActor(
                f"unknown actor {actor_id!r}: not in {ACTORS_FILE} and not of a family "
                f"({', '.join(f.prefix + '<place>' for f in self.families)})")
        return family.actor(place_name(actor_id[len(family.prefix):]))

    def is_policy_maker(self, actor_id: str | None) -> bool:
        """Whether the body makes the policy practices and networks work under: its acts are
        policy events (contract section 5) and its own words on that policy are neutral
        unless they praise it (section 4). An unknown id is not one."""
        if not actor_id:
            return False
        if actor_id in self.actors:
            return self.actors[actor_id].policy_maker
        family = self.family_of(actor_id)
        return family is not None and family.policy_maker

    def is_known(self, actor_id: str) -> bool:
        try:
            self.get(actor_id)
        except UnknownActor:
            return False
        return True

    def root(self, actor_id: str) -> str:
        """The top of the actor's parent chain (``bma-gpc`` -> ``bma``)."""
        seen = {actor_id}
        current = self.get(actor_id)
        while current.parent and current.parent not in seen:
            seen.add(current.parent)
            current = self.get(current.parent)
        return current.id


def read_registry_data(path: str | None = None) -> dict[str, Any]:
    """Parse a registry TOML file; ``None`` reads the packaged ``nlp/data/actors.toml``."""
    return read_data_file(ACTORS_FILE, path, what="actor registry")


@cache
def load_registry() -> Registry:
    """The packaged registry, read once."""
    return Registry.from_data(read_registry_data())


def read_data_file(name: str, path: str | None = None, *,
                   what: str = "data file") -> dict[str, Any]:
    """Parse a data file: ``path`` if given, else the packaged ``nlp/data/<name>``; JSON when
    its name ends in ``.json`` (the trained models), else TOML."""
    try:
        if path is None:
            raw = resources.files(DATA_PACKAGE).joinpath(name).read_text("utf-8")
        else:
            with open(path, encoding="utf-8") as fh:
                raw = fh.read()
        return json.loads(raw) if str(path or name).endswith(".json") else tomllib.loads(raw)
    except (OSError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"cannot read {what} {path or name}: {exc}") from exc
