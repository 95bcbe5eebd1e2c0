"""Sources as data: reading and checking a sources file (contract section 7).

A sources file is TOML with one `[[source]]` table per site. Adding a site is
adding a table, never code. Keys:

    name            unique slug (letters, digits, hyphens)
    home            the site's home URL; its host is the allowed domain
    feeds           RSS/Atom URLs (feed spider)
    sitemaps        sitemaps, sitemap indexes or news sitemaps (sitemap spider)
    listing         index pages to page through (listing spider)
    link_pattern    regex an article URL matches (listing links; sitemap entries)
    next_pattern    regex a next listing page URL matches
    sitemap_follow  regex of the sitemaps to follow from a sitemap index
    allowed_domains extra hosts whose pages belong to the source
    interval_hours  how often to crawl it (the scheduler reads this)
    enabled         false to keep an entry without crawling it
    [source.extract]
    drop_css        CSS selectors removed before extraction
    drop_lines      regexes of whole paragraphs to drop after extraction
"""

import logging
import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import BadSourcesFile, UnknownSource

log = logging.getLogger(__name__)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LIST_KEYS = ("feeds", "sitemaps", "listing", "allowed_domains")
_REGEX_KEYS = ("link_pattern", "next_pattern", "sitemap_follow")
KNOWN_KEYS = frozenset({"name", "home", "interval_hours", "enabled", "extract", "notes",
                        *_LIST_KEYS, *_REGEX_KEYS})


@dataclass(frozen=True)
class ExtractHints:
    drop_css: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    name: str
    home: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listing: tuple[str, ...] = ()
    link_pattern: str | None = None
    next_pattern: str | None = None
    sitemap_follow: str | None = None
    allowed_domains: tuple[str, ...] = ()
    interval_hours: float = 6.0
    enabled: bool = True
    extract: ExtractHints = field(default_factory=ExtractHints)

    @property
    def domains(self) -> list[str]:
        """Hosts whose pages belong to this source: the home's host first."""
        host = urlsplit(self.home).hostname or ""
        return [host, *(d for d in self.allowed_domains if d != host)]

    @property
    def kinds(self) -> list[str]:
        """The spiders this source needs, by how its articles are found."""
        return [k for k, urls in (("feed", self.feeds), ("sitemap", self.sitemaps),
                                  ("listing", self.listing)) if urls]

    def as_config(self) -> dict[str, Any]:
        return asdict(self)


def shipped_sources_path() -> Path:
    return Path(str(resources.files("crawler").joinpath("sources.toml")))


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Every source in `path` (None: the shipped `crawler/sources.toml`), checked."""
    path = Path(path) if path is not None else shipped_sources_path()
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise BadSourcesFile(f"sources file {path} does not exist; give an existing "
                             "TOML file or leave it out to use the shipped sources") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BadSourcesFile(f"cannot read sources file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadSourcesFile(f"sources file {path} is not valid TOML: {exc}") from exc
    tables = raw.get("source")
    if not isinstance(tables, list) or not tables:
        raise BadSourcesFile(f"sources file {path} has no [[source]] tables; "
                             "add one per site (contract section 7)")
    sources, seen = [], set()
    for i, table in enumerate(tables, 1):
        src = _parse(table, f"{path}, [[source]] #{i}")
        if src.name in seen:
            raise BadSourcesFile(f"{path}: source name {src.name!r} appears twice; "
                                 "names must be unique")
        seen.add(src.name)
        sources.append(src)
    return sources


def select(sources: list[Source], names: list[str] | None) -> list[Source]:
    """The sources named (all enabled ones when `names` is empty), in file order."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    for name in names:
        if name not in by_name:
            raise UnknownSource(name, list(by_name))
    wanted = set(names)
    return [s for s in sources if s.name in wanted]


def _parse(table: Any, where: str) -> Source:
    if not isinstance(table, dict):
        raise BadSourcesFile(f"{where}: expected a table")
    name = table.get("name")
    if not isinstance(name, str) or not _SLUG.fullmatch(name):
        raise BadSourcesFile(f"{where}: name {name!r} must be a slug of lower-case letters, "
                             "digits and hyphens")
    where = f"{where} ({name})"
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        log.warning("%s: ignoring unknown keys %s", where, ", ".join(sorted(unknown)))
    home = table.get("home")
    _check_url(home, f"{where}: home")
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadSourcesFile(f"{where}: {key} must be a list of strings")
        if key != "allowed_domains":
            for url in value:
                _check_url(url, f"{where}: {key}")
        lists[key] = tuple(value)
    if not (lists["feeds"] or lists["sitemaps"] or lists["listing"]):
        raise BadSourcesFile(f"{where}: give at least one of feeds, sitemaps or listing, "
                             "so the crawler knows how to find articles")
    regexes: dict[str, str | None] = {}
    for key in _REGEX_KEYS:
        value = table.get(key)
        if value is not None:
            _check_regex(value, f"{where}: {key}")
        regexes[key] = value
    if lists["listing"] and not regexes["link_pattern"]:
        raise BadSourcesFile(f"{where}: listing pages need link_pattern, a regex that "
                             "article URLs match")
    interval = table.get("interval_hours", 6.0)
    if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
        raise BadSourcesFile(f"{where}: interval_hours must be a positive number")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise BadSourcesFile(f"{where}: enabled must be true or false")
    hints = table.get("extract", {})
    if not isinstance(hints, dict) or set(hints) - {"drop_css", "drop_lines"}:
        raise BadSourcesFile(f"{where}: [source.extract] takes drop_css and drop_lines only")
    for pattern in hints.get("drop_lines", []):
        _check_regex(pattern, f"{where}: extract.drop_lines")
    return Source(name=name, home=home, **lists, **regexes, interval_hours=float(interval),
                  enabled=enabled,
                  extract=ExtractHints(tuple(hints.get("drop_css", [])),
                                       tuple(hints.get("drop_lines", []))))


def _check_url(url: Any, where: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadSourcesFile(f"{where}: {url!r} is not an http(s) URL")


def _check_regex(pattern: Any, where: str) -> None:
    if not isinstance(pattern, str):
        raise BadSourcesFile(f"{where}: expected a regular expression string")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise BadSourcesFile(f"{where}: {pattern!r} is not a valid regex ({exc})") from exc
