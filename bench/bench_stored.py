"""Stored body text against the article text, crawl by crawl.

Prints, from one run, the shingle F1 (bench/extbench.py) of the text a real pcnwatch crawl
stores against the text of each article, next to a naive crawl of the same URLs (urllib,
then plain `trafilatura.extract`):

- on the bundled sample sites (the article text is the article's file);
- on real articles: the five seed articles of ../shared/seeds (real UK primary-care news,
  read at run time), each in two page styles with its site's boilerplate around it, as
  tests/test_seed_boilerplate.py builds them; the article text is the seed's paragraphs;
- on real pages: the 91 pages of the extraction benchmark's development half, served from
  a local site and crawled with the relevance filter off (none is about primary care);
  the article text is the benchmark's `articleBody`. A page the crawl does not store
  (too short, not an article) counts as empty.
"""

import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trafilatura
from sqlmodel import select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.extbench import EXTBENCH, Score, combine, load_pages, score_page  # noqa: E402
from crawler.run import run_crawl  # noqa: E402
from crawler.samplesites import serve  # noqa: E402
from store import get_engine, session_scope  # noqa: E402
from store.models import Article, Page  # noqa: E402

SITES = ["gp-bulletin", "practice-matters", "network-news"]
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}


def naive(urls: list[str]) -> dict[str, str | None]:
    return {u: trafilatura.extract(urllib.request.urlopen(u, timeout=30).read()) for u in urls}


def stored_texts(db: str) -> dict[str, str]:
    """Stored text by the URL the crawl asked for (the page table links the two)."""
    with session_scope(get_engine(db)) as session:
        texts = {a.url: a.text for a in session.exec(select(Article))}
        return {p.url: texts.get(p.article_url) for p in session.exec(select(Page))
                if p.article_url in texts}


def scores(truth: dict[str, str], got: dict[str, str | None]) -> Score:
    return combine(score_page(u, got.get(u), t) for u, t in truth.items())


def crawl(sources: Path, db: str, names: list[str], settings: dict) -> None:
    summary = run_crawl(sources_file=sources, names=names, database_url=db, timeout=900,
                        settings={**FAST, **settings})
    if summary.failed:
        raise SystemExit(f"bench crawl failed: {summary.reason}")


def sample_sites(tmp: Path) -> None:
    with serve() as web:
        sources = web.write_sources(tmp / "sample.toml", include_trouble=False)
        arts = [a for site in SITES for a in web.articles(site)]
        db = f"sqlite:///{tmp / 'sample.db'}"
        crawl(sources, db, SITES, {})
        got, plain = stored_texts(db), naive([web.article_url(a) for a in arts])
    # The off-topic sample article is rightly not stored; score the articles the crawl keeps.
    truth = {web.article_url(a): a.text for a in arts if web.article_url(a) in got}
    print(f"sample sites ({len(truth)} stored of {len(arts)} articles):")
    print("  " + scores(truth, got).line("pcnwatch crawl, stored text"))
    print("  " + scores(truth, plain).line("urllib + trafilatura      "))


class _Pages(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/":
            body = "".join(f'<a href="/p/{k}/">{k}</a>\n' for k in self.pages).encode()
        else:
            body = self.pages.get(self.path.strip("/").removeprefix("p/"), b"")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def crawl_local(tmp: Path, name: str, pages: dict[str, tuple[bytes, str]],
                settings: dict) -> tuple[dict[str, str], dict[str, str | None], dict[str, str]]:
    """Serve `pages` (key: (html, article text)) on 127.0.0.1, crawl them as one listing
    source, and fetch them naively; returns stored texts, naive texts and truths by URL."""
    _Pages.pages = {k: html for k, (html, _) in pages.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sources = tmp / f"{name}.toml"
    sources.write_text(f'[[source]]\nname = "{name}"\nhome = "{base}/"\n'
                       f'listing = ["{base}/"]\nlink_pattern = "/p/[^/]+/$"\n', "utf-8")
    db = f"sqlite:///{tmp / name}.db"
    urls = {k: f"{base}/p/{k}/" for k in pages}
    try:
        crawl(sources, db, [name], settings)
        got, plain = stored_texts(db), naive(list(urls.values()))
    finally:
        server.shutdown()
        server.server_close()
    return got, plain, {urls[k]: text for k, (_, text) in pages.items()}


def real_articles(tmp: Path) -> None:
    from tests.test_seed_boilerplate import SEED_FILES, anonymous_page, split_seed, wordpress_page

    got, plain, truth = {}, {}, {}
    # One crawl per page style: the two copies of a seed are the same article, and a crawl
    # rightly stores one article once.
    for style, build in (("wordpress", wordpress_page), ("plain", anonymous_page)):
        pages = {}
        for path in SEED_FILES:
            seed = split_seed(path)
            pages[f"{style}-{path.stem}"] = (build(seed).encode(), "\n\n".join(seed.paragraphs))
        for into, part in zip((got, plain, truth),
                              crawl_local(tmp, f"seeds-{style}", pages, {}), strict=True):
            into.update(part)
    print(f"real articles (the {len(SEED_FILES)} seed articles in 2 page styles; "
          f"{len(got)} of {len(truth)} pages stored):")
    print("  " + scores(truth, got).line("pcnwatch crawl, stored text"))
    print("  " + scores(truth, plain).line("urllib + trafilatura      "))


def real_pages(tmp: Path) -> None:
    pages = load_pages()
    got, plain, truth = crawl_local(tmp, "extbench", {p.key: (p.html, p.body) for p in pages},
                                    {"PCNWATCH_RELEVANCE_ENABLED": False})
    print(f"real pages (extraction benchmark, development half, {len(pages)} pages served "
          f"locally; {len(got)} stored):")
    print("  " + scores(truth, got).line("pcnwatch crawl, stored text"))
    print("  " + scores(truth, plain).line("urllib + trafilatura      "))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pcnwatch-bench-stored-"))
    sample_sites(tmp)
    real_articles(tmp)
    if (EXTBENCH / "ground-truth.json").is_file():
        real_pages(tmp)
    else:
        print(f"extraction benchmark not found at {EXTBENCH}; real pages skipped")


if __name__ == "__main__":
    main()
