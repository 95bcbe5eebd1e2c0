"""What a spider hands the pipelines: one fetched page and, step by step, its article."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PageItem:
    """A fetched page of one source; the pipelines fill in the article fields."""

    source: str
    url: str
    page_url: str | None = None  # the page-table key: canonical URL first asked for
    html: str | None = field(default=None, repr=False)
    content_type: str = ""
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    source_lastmod: str | None = None
    fetched_at: datetime | None = None
    # Filled by the pipelines, in order.
    canonical: str | None = None
    title: str | None = None
    text: str | None = field(default=None, repr=False)
    published: str | None = None
    author: str | None = None
    lang: str | None = None
    relevance: float | None = None
    relevance_reason: str | None = None
    content_hash: str | None = None
    minhash: list[int] = field(default_factory=list, repr=False)
    outcome: str | None = None
