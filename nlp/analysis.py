"""Turn input records into contract section 2 analysis dicts.

``analyze_records`` streams records through one ``nlp.pipe`` call (so ``n_process``
workers stay up for the whole run), keeps the input order, and answers a bad record
with ``{"id": …, "error": "…"}`` instead of stopping.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .components import extension
from .errors import BadDate, BadRecord, NlpError, NotEnglish, NotPlainText, TextTooLong
from .pipeline import default_pipeline
from .registry import load_registry, read_data_file

logger = logging.getLogger(__name__)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTML_TAG = re.compile(r"<\s*(?:html|head|body|div|p|span|a|br|script|style|table|article|"
                       r"section|meta|link|h[1-6]|ul|li|!doctype)\b[^>]*>", re.I)
_WORD = re.compile(r"[^\W\d_]+")



def parse_published(value: Any) -> date | None:
    """``YYYY-MM-DD`` or null -> date; anything else raises :class:`BadDate`."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise BadDate(f"published {value!r} is not a date as YYYY-MM-DD (or null)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadDate(f"published {value!r} is not a real date (YYYY-MM-DD)") from None


@cache
def _checks() -> dict[str, Any]:
    return read_data_file("analysis.toml")


def check_text(text: Any, *, max_chars: int | None = None, check_html: bool = True) -> str:
    """The text if it can be analysed, else a :class:`BadRecord` saying why.

    ``check_html=False`` skips the "is this HTML?" test, for text already extracted
    from its page (stored articles), which may quote tags without being HTML.
    """
    checks = _checks()
    max_chars = max_chars or checks["max_chars"]
    english = frozenset(checks["english_words"])
    if not isinstance(text, str):
        raise BadRecord("record has no text (\"text\" must be a string)")
    if not text.strip():
        raise BadRecord("record text is empty")
    if len(text) > max_chars:
        raise TextTooLong(f"text is {len(text):,} characters, over the {max_chars:,} limit "
                          "for one article; send the article body alone")
    head = text[:5000]
    if check_html and (len(_HTML_TAG.findall(head)) >= 3 or head.lstrip()[:15].lower()
                       .startswith(("<!doctype", "<html"))):
        raise NotPlainText("text is HTML, not plain text; extract the article first "
                           "(pcnwatch extract FILE.html, or pcnwatch analyze FILE.html)")
    words = _WORD.findall(text[:20000].lower())
    share = sum(w in english for w in words) / len(words) if words else 1.0
    if len(words) >= 30 and share < checks["min_english_share"]:
        raise NotEnglish("text does not read as English (too few common English words); "
                         "pcnwatch analyses English news only")
    return text


def _prepare(record: Any, nlp: Language, check_html: bool = True) -> Doc:
    if not isinstance(record, dict):
        raise BadRecord(f"record is {type(record).__name__}, not a JSON object")
    if "error" in record and "text" not in record:
        raise BadRecord(str(record["error"]))
    published = parse_published(record.get("published"))
    text = check_text(record.get("text"), check_html=check_html)
    doc = nlp.make_doc(text)
    doc._.pcnwatch_published = published
    return doc


def _depth(registry: Any, actor_id: str) -> int:
    """How many parents an actor has (0 for a top-level body, or an unknown id)."""
    depth, seen = 0, {actor_id}
    try:
        parent = registry.get(actor_id).parent
        while parent and parent not in seen:
            depth, seen = depth + 1, seen | {parent}
            parent = registry.get(parent).parent
    except ValueError:
        pass
    return depth


def analysis_from_doc(doc: Doc) -> dict[str, Any]:
    """The contract section 2 fields (all but ``id``) read from an analysed Doc."""
    registry = load_registry()
    names = extension(doc, "pcnwatch_actor_names") or {}
    counts: dict[str, int] = {}
    for span in doc.spans.get("pcnwatch_actors", []):
        counts[span.kb_id_] = counts.get(span.kb_id_, 0) + 1
    # A body can speak without being named as such ("a government spokesperson said", an
    # MP's party in a debate record): it is still an actor of the article, mentioned once
    # per quote or statement.
    named = set(counts)
    spoke = [*(extension(doc, "pcnwatch_quotes") or []),
             *(extension(doc, "pcnwatch_reported") or [])]
    for q in spoke:
        if q.get("actor_id") and q["actor_id"] not in named:
            counts[q["actor_id"]] = counts.get(q["actor_id"], 0) + 1
    actors = []
    for actor_id, mentions in counts.items():
        actor = registry.get(actor_id)
        actors.append({"id": actor_id, "name": names.get(actor_id, actor.name),
                       "kind": actor.kind, "mentions": mentions})
    people = [{"name": p["name"], "role": p.get("role"), "actor_id": p.get("actor_id")}
              for p in extension(doc, "pcnwatch_people") or []]
    quotes = [{"text": q["text"], "speaker": q.get("speaker"), "actor_id": q.get("actor_id"),
               "stance": q.get("stance"), "confidence": q.get("confidence"),
               "evidence": list(q.get("evidence") or []), "cues": list(q.get("cues") or []),
               "start": q["start"], "end": q["end"]}
              for q in extension(doc, "pcnwatch_quotes") or []]
    stances = [{"actor_id": s["actor_id"], "stance": s["stance"],
                "confidence": s.get("confidence"), "evidence": list(s.get("evidence") or []),
                "cues": list(s.get("cues") or [])}
               for s in extension(doc, "pcnwatch_stances") or []]
    # A body before its committees (bma before bma-gpc): readers who fold committees into
    # their parent body, as the dev-set scorer does, keep the committee's more specific word.
    stances.sort(key=lambda s: _depth(registry, s["actor_id"]))
    events = [{"action": e["action"], "actor_id": e.get("actor_id"), "object": e.get("object"),
               "date": _iso(e.get("date")), "sentence": e.get("sentence")}
              for e in extension(doc, "pcnwatch_events") or []]
    topics = list(extension(doc, "pcnwatch_topics") or [])
    return {"actors": actors, "people": people, "quotes": quotes, "stances": stances,
            "events": events, "topics": topics}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _record_id(record: Any) -> Any:
    return record.get("id") if isinstance(record, dict) else None


def analyze_records(records: Iterable[dict[str, Any]], *, nlp: Language | None = None,
                    batch_size: int = 32, n_process: int = 1,
                    check_html: bool = True) -> Iterator[dict[str, Any]]:
    """Analyse ``{"id", "text", "published", "title"}`` records, yielding one result each.

    Results come in input order. A record that cannot be analysed, or whose analysis
    fails inside a component, yields ``{"id": …, "error": "…"}`` and the run goes on.
    ``check_html=False``: the texts are extracted already (see :func:`check_text`).
    """
    nlp = nlp or default_pipeline()
    pending: dict[int, dict[str, Any]] = {}
    ids: dict[int, Any] = {}
    read = [0]

    def docs() -> Iterator[tuple[Doc, int]]:
        for index, record in enumerate(records):
            ids[index] = _record_id(record)
            read[0] = index + 1
            try:
                doc = _prepare(record, nlp, check_html)
            except NlpError as exc:
                pending[index] = {"id": ids.pop(index), "error": str(exc)}
                continue
            yield doc, index

    def failed(name: str, component: Any, failed_docs: list[Doc], exc: Exception) -> None:
        # A component bug costs the records in hand, not the run.
        logger.error("component %s failed: %s: %s", name, type(exc).__name__, exc)
        for doc in failed_docs:
            index = getattr(doc, "_context", None)
            if isinstance(index, int) and index in ids:
                pending[index] = {"id": ids.pop(index),
                                  "error": f"analysis failed in {name}: "
                                           f"{type(exc).__name__}: {exc}"}

    def take(index: int) -> dict[str, Any]:
        if index in pending:
            return pending.pop(index)
        # Dropped by a component failure in a worker process, where `failed` cannot reach.
        return {"id": ids.pop(index, None),
                "error": "analysis failed in a worker process; run with one worker to see why"}

    # Only the default handler: it is the one spaCy uses for plain-function components
    # (ours); the statistical components keep raising.
    previous_handler = nlp.default_error_handler
    nlp.default_error_handler = failed
    next_out = 0
    try:
        for doc, index in nlp.pipe(docs(), as_tuples=True, batch_size=batch_size,
                                   n_process=n_process):
            # Every record before this one has been read, so its error (if any) is waiting.
            while next_out < index:
                yield take(next_out)
                next_out += 1
            try:
                result = {"id": ids.pop(index), **analysis_from_doc(doc)}
            except NlpError as exc:
                result = {"id": ids.pop(index, None), "error": str(exc)}
            yield result
            next_out = index + 1
        while next_out < read[0]:
            yield take(next_out)
            next_out += 1
    finally:
        nlp.default_error_handler = previous_handler
