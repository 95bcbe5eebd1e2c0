"""The actor registry and the data files under nlp/data."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from nlp.errors import DataFileError, UnknownActor
from nlp.registry import Registry, load_registry, read_registry_data, slugify

# Contract section 3: id -> (kind, parent).
CONTRACT_ACTORS = {
    "nhs-england": ("national_body", ""), "dhsc": ("government", "government"),
    "government": ("government", ""), "bma": ("union", ""), "bma-gpc": ("union", "bma"),
    "rcgp": ("professional_body", ""), "nhs-confederation": ("membership_body", ""),
    "nhs-providers": ("membership_body", ""), "kings-fund": ("think_tank", ""),
    "nuffield-trust": ("think_tank", ""), "health-foundation": ("think_tank", ""),
    "cqc": ("regulator", ""), "hee": ("national_body", ""),
    "nhs-improvement": ("national_body", "nhs-england"), "hsj": ("media", ""),
    "pulse": ("media", ""), "bmj": ("media", ""), "guardian": ("media", ""), "lmcs": ("lmc", ""),
}


def test_data_files_all_load():
    # Every data file of the package parses, whoever owns it.
    names = [f.name for f in resources.files("nlp.data").iterdir() if f.name.endswith(".toml")]
    assert "actors.toml" in names and "roles.toml" in names and "speech_verbs.toml" in names
    for name in names:
        data = tomllib.loads(resources.files("nlp.data").joinpath(name).read_text("utf-8"))
        assert data, name


@pytest.mark.parametrize("actor_id,kind,parent", [(k, *v) for k, v in CONTRACT_ACTORS.items()])
def test_registry_has_contract_actor(actor_id, kind, parent):
    actor = load_registry().get(actor_id)
    # dhsc's parent is ours (the contract names none); the rest follow the contract.
    assert actor.kind == kind
    if actor_id != "dhsc":
        assert actor.parent == parent
    assert actor.name


def test_registry_every_actor_has_name_and_alias_or_is_a_parent():
    registry = load_registry()
    family_parents = {f.parent for f in registry.families}
    for actor in registry.actors.values():
        assert actor.name
        assert actor.aliases or actor.id in family_parents, actor.id


@pytest.mark.parametrize("text,slug", [
    ("Nottinghamshire", "nottinghamshire"),
    ("Kent and Medway", "kent-and-medway"),
    ("Stoke-on-Trent", "stoke-on-trent"),
    ("St Helen's", "st-helens"),          # apostrophes are dropped, not hyphenated
    ("Bath & North East Somerset", "bath-north-east-somerset"),  # a run of punctuation and spaces
    ("  Isle of Wight ", "isle-of-wight"),  # edges trimmed
])
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("actor_id,kind,name,parent", [
    ("lmc-nottinghamshire", "lmc", "Nottinghamshire LMC", "lmcs"),
    ("ccg-leeds", "commissioner", "NHS Leeds CCG", "ccgs"),
    ("icb-kent-and-medway", "commissioner", "NHS Kent and Medway ICB", "icbs"),  # "and" stays
    ("lmc-isle-of-wight", "lmc", "Isle of Wight LMC", "lmcs"),
    ("ccg-stoke-on-trent", "commissioner", "NHS Stoke on Trent CCG", "ccgs"),
    ("pcn-riverside", "network", "Riverside PCN", ""),
])
def test_registry_family_ids(actor_id, kind, name, parent):
    actor = load_registry().get(actor_id)
    assert (actor.kind, actor.name, actor.parent) == (kind, name, parent)


@pytest.mark.parametrize("actor_id", ["nhs-scotland-x", "lmc-", "LMC-Kent", "bma gpc"])
def test_registry_unknown_actor(actor_id):
    with pytest.raises(UnknownActor):
        load_registry().get(actor_id)


@pytest.mark.parametrize("actor_id, makes_policy", [
    ("nhs-england", True), ("dhsc", True), ("treasury", True), ("welsh-government", True),
    ("cqc", True),
    ("icb-kent-and-medway", True),   # one commissioner commissions
    ("icbs", False),                 # "ICBs" in general are many bodies, none of which acted
    ("bma-gpc", False), ("lmc-kent", False), ("kings-fund", False),
    ("nao", False),                  # audits policy, does not make it
    ("no-such-body", False), (None, False),
])
def test_registry_knows_the_policy_makers(actor_id, makes_policy):
    # One answer for events (whose acts count), stance (who defends its own policy) and
    # quotes (who writes a plan), from `policy_maker` in actors.toml.
    assert load_registry().is_policy_maker(actor_id) is makes_policy


def test_registry_root_follows_parents():
    registry = load_registry()
    assert registry.root("bma-gpc") == "bma"
    assert registry.root("lmc-kent") == "lmcs"
    assert registry.root("nhs-improvement") == "nhs-england"


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["actor"].append(dict(d["actor"][0])), "appears twice"),
    (lambda d: d["actor"][0].update(parent="no-such-body"), "unknown parent"),
    (lambda d: d["actor"][0].update(kind="club"), "unknown kind"),
    (lambda d: d["actor"][0].pop("name"), "lacks 'name'"),
    (lambda d: d["actor"][0].update(id="NHS England"), "not a slug"),
    (lambda d: d["short_form"][0].update(candidates=["nobody"]), "unknown actor"),
])
def test_registry_rejects_bad_data(mutate, message):
    data = read_registry_data()
    mutate(data)
    with pytest.raises(DataFileError, match=message):
        Registry.from_data(data)


def test_registry_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataFileError, match="cannot read actor registry"):
        read_registry_data(str(tmp_path / "nope.toml"))


@pytest.mark.parametrize("word,before,expected", [
    ("LMC", ["nhs-england", "lmc-kent", "bma"], "lmc-kent"),   # last LMC, not last body
    ("committee", ["bma-gpc", "lmc-kent"], "lmc-kent"),         # nearest of several candidates
    ("college", [], None),                                      # nothing named, no default
    ("Confederation", [], "nhs-confederation"),                 # capitalised with a default
    ("confederation", [], None),                                # lower case: no default
    ("ICB", ["icb-north-kent"], "icb-north-kent"),
    ("chair", ["bma"], None),                                   # not a short form at all
])
def test_registry_resolve_bare(word, before, expected):
    assert load_registry().resolve_bare(word, before) == expected


@pytest.mark.parametrize("word, after, expected", [
    ("LMC", ["nhs-england", "lmc-kent", "lmc-surrey"], "lmc-kent"),  # the first of its kind
    ("LMC", ["nhs-england", "bma"], None),                           # none of its kind
    ("CCG", ["lmc-kent", "ccg-north-kent"], "ccg-north-kent"),
    ("Confederation", [], None),      # no default, unlike a bare "Confederation"
])
def test_registry_resolve_later(word, after, expected):
    assert load_registry().resolve_later(word, after) == expected
