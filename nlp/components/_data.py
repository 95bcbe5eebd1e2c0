"""A registered reader for the components' TOML data files, and the disk round trip."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.util import ensure_path, registry

from ..registry import Registry, load_registry, read_data_file


@registry.misc("pcnwatch.data_file.v1")
def make_data_file_reader(name: str, path: str | None = None) -> Callable[[], dict[str, Any]]:
    """A reader of ``nlp/data/<name>`` (or of ``path``), called when the component is made."""

    def read() -> dict[str, Any]:
        return read_data_file(name, path)

    return read


def pipeline_registry(nlp: Language, actors_component: str = "pcnwatch_actors") -> Registry:
    """The registry the pipeline's actors component was built from (a pipeline may be given
    its own), else the packaged one."""
    if actors_component in nlp.pipe_names:
        return nlp.get_pipe(actors_component).registry
    return load_registry()


def write_component_data(path: str | Path, data: dict[str, Any], cfg: dict[str, Any]) -> None:
    path = ensure_path(path)
    path.mkdir(parents=True, exist_ok=True)
    srsly.write_json(path / "data.json", data)
    srsly.write_json(path / "cfg", cfg)


def read_component_data(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    path = ensure_path(path)
    return srsly.read_json(path / "data.json"), srsly.read_json(path / "cfg")
