"""Telling copies apart: canonical URLs, content hashes and MinHash signatures.

- `canonical_url` is the key of an article: courlan's normalisation (lower-case host,
  default port dropped, query sorted, common trackers removed) plus our own list of
  tracking parameters and no fragment.
- `content_hash` is the store's own, so the crawl and the store agree on "same text".
- `minhash_signature` signs the set of content words of a text (datasketch MinHash);
  the store puts articles whose signatures agree enough into one story.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url
from datasketch import MinHash

from crawler.rules import load_rules
from store.articles import content_hash

__all__ = ["canonical_url", "content_hash", "minhash_signature", "same_site", "shingles"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def canonical_url(url: str) -> str:
    """The URL an article is stored under: no tracking parameters, no fragment."""
    try:
        url = normalize_url(url.strip())
    except (ValueError, TypeError):
        url = url.strip()
    parts = urlsplit(url)
    tracking = load_rules().tracking_params
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in tracking and not k.lower().startswith("utm_")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def same_site(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """Whether `url`'s host is one of `domains` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains if d)


def shingles(text: str, words: int = 1) -> set[str]:
    """Runs of `words` content words (stopwords left out), lower-cased."""
    stop = load_rules().stopwords
    tokens = [t for t in (m.group().lower() for m in _WORD.finditer(text)) if t not in stop]
    if len(tokens) < words:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + words]) for i in range(len(tokens) - words + 1)}


def minhash_signature(text: str, *, num_perm: int = 128, seed: int = 1,
                      words: int = 1) -> list[int]:
    """The MinHash `hashvalues` of the text's shingles, as plain ints (JSON-safe)."""
    mh = MinHash(num_perm=num_perm, seed=seed)
    for shingle in sorted(shingles(text, words)):
        mh.update(shingle.encode("utf-8"))
    return [int(v) for v in mh.hashvalues]
