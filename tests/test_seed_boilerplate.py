"""The seed pages' boilerplate never reaches the article text.

Each text in ../shared/seeds is read at test time (never copied here), split
into its parts -- the old-browser banner, the headline, a byline, the article
paragraphs, and the boilerplate the site puts after the article (ratings,
author box, related posts with dates, comment and newsletter prompts, "follow
us" lines) -- and wrapped in a WordPress-style page with each part in its
usual place. Extraction must return every article paragraph and no
boilerplate. Two page styles: the markup real WordPress plugins emit, and
anonymous markup where only the text itself gives boilerplate away.
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crawler.extract import extract_page

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))

_BANNER = re.compile(r"old browser", re.I)
_TAIL_START = re.compile(r"^(?:Rating$|\[Total:|Don.t forget to follow|Be the first to comment"
                         r"|No comments yet)", re.I)
_BYLINE = re.compile(r"^by\s+in\s+", re.I)
_DATE = re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}$")
_FOLLOW = re.compile(r"follow us on", re.I)


@dataclass
class Seed:
    banner: str | None
    title: str
    byline: str | None
    paragraphs: list[str]
    follow: list[str] = field(default_factory=list)
    rating: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    newsletter: list[str] = field(default_factory=list)

    @property
    def boilerplate(self) -> list[str]:
        lines = [self.banner, self.byline, *self.follow, *self.rating, *self.author,
                 *self.comments, *self.newsletter]
        lines += [x for pair in self.related for x in pair]
        return [x for x in lines if x]


def split_seed(path: Path) -> Seed:
    """Recognise the parts of a seed text by what they say and where they sit."""
    lines = [x.strip() for x in path.read_text("utf-8").splitlines() if x.strip()]
    banner = lines.pop(0) if lines and _BANNER.search(lines[0]) else None
    title = lines.pop(0)
    byline = lines.pop(0) if lines and _BYLINE.match(lines[0]) else None
    cut = next((i for i, x in enumerate(lines) if _TAIL_START.match(x)), len(lines))
    body, tail = lines[:cut], lines[cut:]
    seed = Seed(banner, title, byline, body)
    i = 0
    while i < len(tail):
        line = tail[i]
        if _FOLLOW.search(line):
            seed.follow.append(line)
        elif line == "Rating" or line.startswith("[Total:"):
            seed.rating.append(line)
        elif line.startswith("View all posts by"):
            seed.author.append(line)
        elif i + 1 < len(tail) and _DATE.match(tail[i + 1]):
            seed.related.append((line, tail[i + 1]))
            i += 1
        elif re.match(r"(No comments|Be the first|Leave a Reply)", line):
            seed.comments.append(line)
        elif seed.comments or seed.related:
            seed.newsletter.append(line)
        else:
            seed.author.append(line)
        i += 1
    return seed


def wordpress_page(seed: Seed) -> str:
    """The markup of a WordPress theme with WP-PostRatings, Jetpack and a newsletter pop-up."""
    e = html.escape
    paras = "\n".join(f"<p>{e(p)}</p>" for p in seed.paragraphs + seed.follow)
    related = "\n".join(
        f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title">'
        f'<a href="/news/related-{i}/">{e(t)}</a></h4>'
        f'<p class="jp-relatedposts-post-date">{e(d)}</p></div>'
        for i, (t, d) in enumerate(seed.related))
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{e(seed.title)} | GP Practice News</title>
<link rel="canonical" href="https://news.example.org/news/seed-article/"></head>
<body class="post-template-default single single-post has-sidebar">
<div id="browser-warning" class="browsehappy"><p>{e(seed.banner or '')}</p></div>
<header id="masthead" class="site-header"><nav class="main-navigation"><ul>
<li><a href="/">Home</a></li><li><a href="/news/">News</a></li></ul></nav></header>
<div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-4121" class="post-4121 post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{e(seed.title)}</h1>
<div class="entry-meta"><span class="byline">{e(seed.byline or '')}</span></div></header>
<div class="entry-content">
{paras}
</div>
<div id="post-ratings-4121" class="post-ratings">{'<br>'.join(e(r) for r in seed.rating)}
<img src="/stars/rating_off.gif" alt="1 Star"></div>
<footer class="entry-footer"><div class="author-box"><img class="avatar" src="/a.png" alt="">
{''.join(f'<p>{e(a)}</p>' for a in seed.author)}</div></footer>
</article>
<div id="jp-relatedposts" class="jp-relatedposts">{related}</div>
<div id="comments" class="comments-area">
{''.join(f'<p class="no-comments">{e(c)}</p>' for c in seed.comments)}
<div id="respond" class="comment-respond"><form><textarea></textarea></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Popular</h2>
<ul><li><a href="/news/popular/">Most read this week</a></li></ul></section></aside>
<div class="newsletter-popup popup">{''.join(f'<p>{e(n)}</p>' for n in seed.newsletter)}
</div>
<footer id="colophon" class="site-footer"><p>Copyright GP Practice News</p></footer>
</body></html>"""


def anonymous_page(seed: Seed) -> str:
    """The same parts in divs whose classes say nothing: only the text gives it away."""
    e = html.escape
    block = "\n".join

    def div(lines: list[str], cls: str) -> str:
        return f'<div class="{cls}">' + "".join(f"<p>{e(x)}</p>" for x in lines) + "</div>"

    related = block(f'<div class="c7"><a href="/n/{i}">{e(t)}</a><div class="c8">{e(d)}</div>'
                    "</div>" for i, (t, d) in enumerate(seed.related))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(seed.title)}</title></head><body>
{div([seed.banner] if seed.banner else [], "c0")}
<div class="c1"><h1>{e(seed.title)}</h1>{div([seed.byline] if seed.byline else [], "c2")}
{block(f"<p>{e(p)}</p>" for p in seed.paragraphs + seed.follow)}
{div(seed.rating, "c3")}{div(seed.author, "c4")}</div>
<div class="c5">{related}</div>
{div(seed.comments, "c6")}{div(seed.newsletter, "c9")}
</body></html>"""


def _assert_clean(seed: Seed, page: str) -> None:
    got = extract_page(page, "https://news.example.org/news/seed-article/?utm_source=x")
    paragraphs = got["text"].split("\n\n")
    missing = [p for p in seed.paragraphs if p not in paragraphs]
    assert not missing, f"article paragraphs lost: {missing}"
    for line in seed.boilerplate:
        if len(line.split()) >= 3:
            assert line not in got["text"], f"boilerplate kept: {line!r}"
        else:
            assert line not in paragraphs, f"boilerplate kept: {line!r}"
    assert got["title"] == seed.title


def test_seed_files_are_present():
    # The seeds live outside the repository; without them the tests below would not run.
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_wordpress_page_keeps_article_drops_boilerplate(path):
    seed = split_seed(path)
    assert seed.paragraphs and seed.boilerplate
    _assert_clean(seed, wordpress_page(seed))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_anonymous_page_keeps_article_drops_boilerplate(path):
    seed = split_seed(path)
    _assert_clean(seed, anonymous_page(seed))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_split_finds_every_part(path):
    # The split must not swallow boilerplate into the body, or the tests above prove nothing.
    seed = split_seed(path)
    for p in seed.paragraphs:
        assert not _TAIL_START.match(p) and not _BANNER.search(p)
    assert seed.comments, "every seed carries a comment prompt"
