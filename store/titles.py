"""Titles a practice manager can read: who did what, in one plain sentence.

A title is the body, the act in the past tense and the complete thing acted on
("NHS England published draft specifications for five national services"), when
the analysis gave a phrase that names that thing whole. When it did not (a
clause cut mid-phrase, a pronoun, a vague word such as "deal", a requirement,
which the analysis gives as a bare clause), the title is the sentence the act was
reported in, whole: a source sentence is never cut.

Hand-written because no library turns an (action, object) pair into English: the
rules below only decide whether a phrase is complete and put an article before
it. The word lists are data (`store/data/timeline.toml`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class _Words:
    verbs: dict[str, str]
    published_objects: frozenset[str]
    dangling: frozenset[str]
    ly_nouns: frozenset[str]
    pronoun_starts: frozenset[str]
    vague: frozenset[str]
    trailing_time: tuple[str, ...]
    trailing_participles: tuple[str, ...]
    determiners: frozenset[str]
    mass_nouns: frozenset[str]


@cache
def _words() -> _Words:
    data = tomllib.loads((resources.files("store") / "data" / "timeline.toml")
                         .read_text(encoding="utf-8"))["titles"]
    return _Words(
        verbs=dict(data["verbs"]), published_objects=frozenset(data["published_objects"]),
        dangling=frozenset(data["dangling"]), ly_nouns=frozenset(data["ly_nouns"]),
        pronoun_starts=frozenset(data["pronoun_starts"]), vague=frozenset(data["vague"]),
        # Longest first, so "earlier this month" goes before "this month" can.
        trailing_time=tuple(sorted(data["trailing_time"], key=len, reverse=True)),
        trailing_participles=tuple(data["trailing_participles"]),
        determiners=frozenset(data["determiners"]), mass_nouns=frozenset(data["mass_nouns"]))


_QUOTE_SPACES = ((re.compile(r"([\u201c\u2018])\s+"), r"\1"), (re.compile(r"\s+([\u201d\u2019])"),
                                                               r"\1"))
# The tokeniser's spaced hyphens: "face - to - face", "check - in".
_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_NUMBER = re.compile(r"^[£$]?\d")
_YEAR = re.compile(r"^(?:19|20)\d\d(?:[/-]\d\d(?:\d\d)?)?$")
_MODAL = re.compile(r"\b(?:will|would|must|can|could|should|shall|may|might|cannot)\b", re.I)
_RELATIVE = re.compile(r"\s+(?:that|which|who|whose)\s+\S.*$", re.I)


def tidy(text: str | None) -> str:
    """`text` on one line, with the spacing a tokeniser left around quotes and hyphens undone."""
    text = " ".join((text or "").split())
    for pattern, repl in _QUOTE_SPACES:
        text = pattern.sub(repl, text)
    return _SPACED_HYPHEN.sub("-", text)


def clean_object(text: str | None, sentence: str | None = None) -> str | None:
    """The object as a complete phrase a title can end with, or None when it is not one.

    Trailing time words ("yesterday") and a trailing participle or relative clause
    ("published in December", "that networks will have") are dropped, since what is
    left still names the thing whole; anything else that looks cut is refused.
    """
    words = _words()
    text = tidy(text).strip(" ,;:-")
    if not text:
        return None
    text = _drop_trailing(text)
    if not text:
        return None
    tokens = text.split()
    first, last = tokens[0].lower(), tokens[-1].lower().strip(".,;:!?\u201d\u2019\"')")
    if first in words.pronoun_starts or last in words.dangling or last in words.pronoun_starts:
        return None
    if last.endswith("ly") and last not in words.ly_nouns:
        return None  # "to employ newly": an adverb ends a clause, not a name
    if ":" in text or _MODAL.search(text) or not _balanced(text):
        return None
    content = [t.lower().strip(".,;:\u201c\u201d\u2018\u2019\"'()") for t in tokens]
    content = [t for t in content if t and t not in words.determiners and t not in
               ("of", "for", "to", "in", "on", "and", "the", "a", "an")]
    if not content or all(t in words.vague for t in content):
        return None  # "deal", "core funding": too vague to stand alone
    if sentence and tokens[0][:1].isupper() and not _acronym(tokens[0]) and \
            tidy(sentence).startswith(tokens[0]) and not _proper_phrase(tokens):
        # "Further roles", "Practices decide": the object was the sentence's subject,
        # so it is the start of a clause, not a name.
        return None
    return text


def _drop_trailing(text: str) -> str:
    words = _words()
    changed = True
    while changed and text:
        changed = False
        lower = text.lower()
        for phrase in words.trailing_time:
            if lower.endswith(" " + phrase):
                text = text[:-len(phrase) - 1].rstrip(" ,")
                changed = True
                break
    kept = _RELATIVE.sub("", text)
    if len(kept.split()) >= 2:
        text = kept
    lower = f" {text.lower()} "
    found = [(at, p) for p in words.trailing_participles if (at := lower.find(f" {p} ")) > 0]
    cut, participle = min(found, key=lambda f: f[0], default=(-1, ""))
    if cut > 0 and (len(text[:cut].split()) >= 2 or _NUMBER.match(text)):
        rest = text[cut:].split(None, len(participle.split()))[-1]
        if _NUMBER.match(text) and rest.lower().startswith("for "):
            # "£82m set aside for around 1,000 posts": the amount and what it pays for
            return f"{text[:cut].rstrip(' ,')} {rest}"
        text = text[:cut].rstrip(" ,")
    return text


def _balanced(text: str) -> bool:
    return (text.count("\u201c") == text.count("\u201d") and text.count('"') % 2 == 0
            and text.count("(") == text.count(")"))


def _amount(phrase: str) -> bool:
    """A sum of money, perhaps hedged: "£82m", "around £246m", "up to £1.5 per head"."""
    return bool(re.match(r"^(?:(?:around|about|almost|nearly|over|more than|up to|an extra|"
                         r"a further)\s+)?[£$]\d", phrase, re.I))


def _acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 2


def _proper_phrase(tokens: list[str]) -> bool:
    """Every long word capitalised ("Investment and Impact Fund"): a name, wherever it stands."""
    long = [t for t in tokens if len(t) > 3]
    return len(long) >= 2 and all(t[:1].isupper() for t in long)


def with_article(phrase: str) -> str:
    """`phrase` with "the" before it when English wants an article there."""
    words = _words()
    tokens = phrase.split()
    first = tokens[0]
    lower = first.lower()
    if _YEAR.match(first):
        return f"the {phrase}"  # "the 2023/24 GP contract"
    if lower in words.determiners or _NUMBER.match(first) or first.endswith(("'s", "\u2019s")):
        return phrase
    if lower in ("estimated", "extra"):
        return f"an {phrase}" if lower == "estimated" else phrase
    head = _head(tokens)
    if head in words.mass_nouns or (head.endswith("s") and not head.endswith("ss")):
        return phrase  # "funding for ...", "requirements on ...": no article needed
    if _acronym(first) and len(tokens) == 1:
        return phrase
    return f"the {phrase}"


def _head(tokens: list[str]) -> str:
    """The word a noun phrase is about: the last one before its first preposition."""
    cut = len(tokens)
    for i, t in enumerate(tokens):
        if i and t.lower() in ("of", "for", "to", "on", "in", "from", "with", "under", "by"):
            cut = i
            break
    return tokens[cut - 1].lower().strip(".,;:\u201d\u2019\"')")


def title(action: str, bodies: list[str], obj: str | None, sentence: str | None) -> str:
    """The entry's title: "<bodies> <past-tense act> <object>", else the sentence whole.

    `bodies` are display names ("NHS England", "the Government"), most reported first.
    A requirement is always its sentence: the analysis gives what must be done as a
    bare clause ("practices decide"), and the sentence says it with its deadline.
    """
    words = _words()
    phrase = clean_object(obj, sentence) if action != "require" else None
    if phrase and bodies and action in words.verbs:
        verb = words.verbs[action]
        lead = phrase.split()[0].lower()
        if action == "propose" and lead == "consultation":
            verb, phrase = "opened", f"a {phrase}"
        elif action == "propose" and lead in words.published_objects:
            verb = "published"
        else:
            if action == "fund" and ({"funding", "money"} & {
                    w.lower() for w in phrase.split()[:2]} or _amount(phrase)):
                # "funded network funding" says nothing; "funded £82m" funds nothing
                verb = "committed"
            phrase = with_article(phrase)
        who = " and ".join(bodies[:2])
        return _capitalise(f"{who} {verb} {phrase}")
    text = _balance_quotes(tidy(sentence))
    if text:
        return _capitalise(text)
    # No sentence stored (an old analysis): say plainly what is known, never a cut clause.
    who = " and ".join(bodies[:2]) or "A policy maker"
    return _capitalise(f"{who} {words.verbs.get(action, action)} a change (see the report)")


def _balance_quotes(text: str) -> str:
    """A sentence of a quotation that runs over several sentences, with its marks whole:
    the analysis splits “One. Two,” he said. into two sentences, one mark each."""
    opened, closed = text.count("\u201c"), text.count("\u201d")
    if closed > opened:
        return "\u201c" + text
    if opened > closed:
        return text + "\u201d"
    return text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
