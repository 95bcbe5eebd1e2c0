"""Articles given by hand, as analysis records: what `pcnwatch analyze` reads.

A crawl turns web pages into articles; this turns files and JSON Lines into the same
``{"id", "text", "published", "title"}`` records, with saved HTML pages extracted as a crawl
extracts them. An input that cannot be read becomes ``{"id", "error"}`` in its place, so the
analysis answers every input in order (`nlp.analyze_records` passes such a record through as
its answer). Nothing here touches the store: `pcnwatch analyze` starts without loading it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any


def jsonl_records(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """One record per non-blank line; a line that is not a JSON object is an error record
    named ``line-N``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": f"line-{n}", "error": f"line {n} is not valid JSON: {exc.msg}"}
            continue
        if not isinstance(record, dict):
            yield {"id": f"line-{n}", "error": f"line {n} is not a JSON object"}
            continue
        yield record


def file_records(files: Iterable[Path], published: date | None = None
                 ) -> Iterator[dict[str, Any]]:
    """One record per file, named by its path: plain text as it is, an HTML page (by its
    suffix or its first byte) by the crawler's extraction, whose published date ``published``
    overrides."""
    for path in files:
        raw = path.read_bytes()
        record: dict[str, Any] = {"id": str(path), "title": None,
                                  "published": published.isoformat() if published else None}
        if path.suffix.lower() in (".html", ".htm") or raw.lstrip()[:1] == b"<":
            from crawler.errors import ExtractionFailed
            from crawler.extract import extract_page

            try:
                page = extract_page(raw)
            except ExtractionFailed as exc:
                yield {"id": str(path), "error": f"{path}: {exc}"}
                continue
            record.update(text=page["text"], title=page["title"],
                          published=record["published"] or page["published"])
        else:
            record["text"] = raw.decode("utf-8", errors="replace")
        yield record
