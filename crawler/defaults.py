"""Every PCNWATCH_* setting of the crawler, declared once with its default and a help line.

`crawler/settings.py` loads these defaults; a component reads its own from
`crawler.settings` in `from_crawler`, so a test or `run_crawl` can change any of
them without touching the code.
"""

from typing import Any, NamedTuple


class Setting(NamedTuple):
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("PCNWATCH_DATABASE_URL", None,
            "SQLAlchemy URL of the store; None means DATABASE_URL or ./pcnwatch.db"),
    Setting("PCNWATCH_SOURCES_FILE", None,
            "sources TOML file (contract section 7); None means the shipped crawler/sources.toml"),
    Setting("PCNWATCH_SOURCE", None,
            "name of the source a spider crawls (set by run_crawl or `-a source=NAME`)"),
    Setting("PCNWATCH_CANONICAL_ENABLED", True,
            "strip tracking parameters and fragments and honour rel=canonical"),
    Setting("PCNWATCH_EXTRACT_ENABLED", True,
            "extract the article (text, title, date, author, language) from each page"),
    Setting("PCNWATCH_MIN_TEXT_CHARS", 250,
            "an extracted body shorter than this many characters is not stored (too-short)"),
    Setting("PCNWATCH_RELEVANCE_ENABLED", True,
            "drop items that are not about primary care or general practice"),
    Setting("PCNWATCH_RELEVANCE_THRESHOLD", 1.0,
            "least relevance score (weighted primary-care terms per 100 words) an item needs"),
    Setting("PCNWATCH_DEDUP_ENABLED", True,
            "drop exact duplicates within a crawl and sign each text with MinHash"),
    Setting("PCNWATCH_MINHASH_PERM", 128, "number of MinHash permutations (signature length)"),
    Setting("PCNWATCH_MINHASH_SEED", 1, "MinHash seed; must stay the same for stored signatures"),
    Setting("PCNWATCH_SHINGLE_WORDS", 1,
            "content words per MinHash shingle (1 groups rewritten copies; 3 only near-copies)"),
    Setting("PCNWATCH_STORE_ENABLED", True, "write articles to the store"),
    Setting("PCNWATCH_INCREMENTAL_ENABLED", True,
            "skip pages the page table has judged and that are not due, or whose feed/sitemap "
            "date did not change, and send If-None-Match/If-Modified-Since for the rest"),
    Setting("PCNWATCH_PAGES_ENABLED", True,
            "record every article page the crawl asks for in the page table (its outcome, "
            "validators, content hash, when it is due again)"),
    Setting("PCNWATCH_REVALIDATE_HOURS", 0.0,
            "a judged page that sent validators (ETag, Last-Modified) is asked again, "
            "conditionally, once this many hours have passed (0: every crawl)"),
    Setting("PCNWATCH_RECHECK_HOURS", 24.0,
            "a judged page without validators is fetched again only after this many hours, "
            "unless its feed or sitemap date changes"),
    Setting("PCNWATCH_FAILURE_BACKOFF_HOURS", 1.0,
            "a page that failed (HTTP error, timeout) is not asked again for this many hours, "
            "doubled for each failure in a row"),
    Setting("PCNWATCH_FAILURE_BACKOFF_MAX_HOURS", 168.0,
            "longest wait before a failed page is asked again, in hours"),
    Setting("PCNWATCH_RETRY_BACKOFF_BASE", 1.0,
            "seconds before the first retry of a 429/5xx; doubles each retry (Retry-After wins)"),
    Setting("PCNWATCH_RETRY_BACKOFF_MAX", 60.0, "longest wait before a retry, in seconds"),
    Setting("PCNWATCH_LISTING_PAGE_LIMIT", 20,
            "most listing pages a listing spider follows per source and crawl"),
    Setting("PCNWATCH_EVENTS_ENABLED", False,
            "write one JSON line per page and per finished source (for run_crawl's progress)"),
    Setting("PCNWATCH_EVENTS_FILE", "-", "where events go: a path, or '-' for standard output"),
    Setting("PCNWATCH_CLOSE_AT", 0.0,
            "a time.time() instant at which every spider closes itself, keeping what it "
            "stored (the crawl's time budget, set by run_crawl); 0 means no budget"),
    Setting("PCNWATCH_FRONTIER_KEY", "pcnwatch:frontier",
            "prefix of the shared frontier's keys in Redis (one Redis database per deployment "
            "keeps deployments apart)"),
    Setting("PCNWATCH_FRONTIER_SEEN_MINUTES", 30.0,
            "a URL one crawl process takes is left to it for this long by every other; keep "
            "it longer than a crawl's spread of start times and shorter than the crawl "
            "interval, so the next crawl reads the feeds again"),
    Setting("PCNWATCH_FRONTIER_BUSY_SECONDS", 30.0,
            "a crawl process that took a request counts as busy for this long (renewed while "
            "it works); others with an empty queue wait for busy ones before they close"),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}

# A spider's finish reason when its crawl's time budget (PCNWATCH_CLOSE_AT) closed it.
BUDGET_REASON = "pcnwatch_budget"


def setting(settings: Any, name: str) -> Any:
    """The value of PCNWATCH setting `name`, typed like its default, which fills in when
    the Scrapy settings lack it (a component used outside crawler/settings.py)."""
    default = DEFAULTS[name]
    if isinstance(default, bool):
        return settings.getbool(name, default)
    if isinstance(default, int):
        return settings.getint(name, default)
    if isinstance(default, float):
        return settings.getfloat(name, default)
    return settings.get(name, default)
