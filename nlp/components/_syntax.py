"""Readings of the dependency parse that the quotes and stance components share, kept in
one place so that both read a sentence the same way."""

from __future__ import annotations

from spacy.tokens import Span, Token

_FINITE_TAGS = ("VBD", "VBN", "VBZ", "VBP")


_NAME_LINKS = ("compound", "appos", "conj")


def name_root(span: Span, links: tuple[str, ...] = _NAME_LINKS) -> Token:
    """The token a body's name stands for in the sentence: its root, climbed past the
    words of a longer name ("the BMA's GP committee", "NHS England and the Government");
    `links` are the dependencies climbed."""
    root = span.root
    while root.dep_ in links and root.head is not root:
        root = root.head
    return root


def phrasal_lemma(verb: Token) -> str:
    """The verb's lemma with its particle, as the data files list phrasal verbs: "hit out"."""
    particle = next((c.lower_ for c in verb.children if c.dep_ == "prt"), None)
    return f"{verb.lemma_.lower()} {particle}" if particle else verb.lemma_.lower()


def lemma_in(verb: Token, words: set[str] | frozenset[str]) -> bool:
    """True when the verb, alone or with its particle ("hit out"), is one of `words`."""
    return verb.lemma_.lower() in words or phrasal_lemma(verb) in words


def misparsed_main_verb(tok: Token) -> bool:
    """True for the main verb of a sentence the parser read as one noun phrase with a
    reduced relative clause ("The BMA hit out at the targets"): a finite verb, with no
    "by" agent, hung as a clause after the noun at the root; the noun is its subject."""
    return (tok.dep_ == "acl" and tok.head.dep_ == "ROOT" and tok.head.i < tok.i
            and tok.tag_ in _FINITE_TAGS and not any(c.dep_ == "agent" for c in tok.children))


def reported_within(verb: Token, sent: Span, lemmas: frozenset[str] | set[str]) -> bool:
    """True when the reporting verb stands in what another reporting verb of the sentence
    reports (its clausal complement): "X said that NHS England had promised ..."."""
    tok = verb
    while tok.head is not tok and tok.head.i >= sent.start:
        if tok.dep_ not in ("ccomp", "xcomp") and not (
                tok.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass")
                                               for c in tok.children)):
            return False
        tok = tok.head
        if tok.pos_ in ("VERB", "AUX") and lemma_in(tok, lemmas) and tok.dep_ != "relcl":
            return True
    return False
