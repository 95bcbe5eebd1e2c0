"""pcnwatch analysis: one spaCy pipeline that finds actors, people, quotes, stances,
policy events and topics in an article's text (see HACKING.md, "The analysis interface").
"""

from __future__ import annotations

import logging
from typing import Any

from .analysis import analysis_from_doc, analyze_records
from .pipeline import PipelineOptions, build_pipeline, pipeline_version

__all__ = ["PIPELINE_VERSION", "PipelineOptions", "analysis_from_doc", "analyze_records",
           "build_pipeline", "pipeline_version"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    # Computed on first use: it hashes the data files, which should not happen at import.
    if name == "PIPELINE_VERSION":
        return pipeline_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
