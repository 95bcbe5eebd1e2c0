"""What can go wrong in the crawler, named for the condition.

Every error is a `CrawlError`, itself a `ValueError`, so `cli.py` turns any of
them into one line on stderr.
"""


class CrawlError(ValueError):
    """Base of every crawler error."""


class UnknownSource(CrawlError):
    """A source name that no entry of the sources file carries."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name, self.known = name, sorted(known)
        super().__init__(f"unknown source {name!r}; known sources: {', '.join(self.known)}")


class BadSourcesFile(CrawlError):
    """A sources file that cannot be read or breaks the rules of contract section 7."""


class ExtractionFailed(CrawlError):
    """A page from which no article could be extracted."""

    def __init__(self, reason: str, url: str | None = None) -> None:
        self.reason, self.url = reason, url
        where = f" ({url})" if url else ""
        super().__init__(f"no article extracted{where}: {reason}")


class CrawlFailed(CrawlError):
    """The crawl process could not be started or ended abnormally."""


class FrontierUnavailable(CrawlError):
    """REDIS_URL names a crawl frontier (Redis) that does not answer."""
