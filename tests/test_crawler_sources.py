"""Sources files: the shipped one, and every way a hand-written one can be wrong."""

import pytest

from crawler.errors import BadSourcesFile, CrawlError, UnknownSource
from crawler.sources import load_sources, select

REQUIRED_SITES = {"practice-index", "pulse", "gponline", "management-in-practice",
                  "healthcare-leader", "nhs-england", "gov-uk-dhsc", "bma", "rcgp",
                  "nhs-confederation", "kings-fund", "nuffield-trust", "bmj-news",
                  "guardian-gps"}

GOOD = """
[[source]]
name = "example-news"
home = "http://127.0.0.1:8000/"
feeds = ["http://127.0.0.1:8000/feed/"]
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    return path


def test_sources_shipped_file_has_every_required_site():
    sources = load_sources()
    assert {s.name for s in sources} >= REQUIRED_SITES
    for s in sources:
        assert s.kinds, s.name
        assert s.domains[0], s.name


def test_sources_shipped_file_says_how_each_entry_point_was_checked():
    # Each entry carries a comment: confirmed, convention or unconfirmed.
    from crawler.sources import shipped_sources_path

    text = shipped_sources_path().read_text("utf-8")
    blocks = text.split("\n[[source]]\n")[1:]
    assert len(blocks) == len(load_sources())
    for block in blocks:
        assert any(w in block for w in ("# confirmed", "# convention", "# unconfirmed")), block


def test_sources_contract_keys_load(tmp_path):
    (src,) = load_sources(write(tmp_path, GOOD))
    assert src.name == "example-news"
    assert src.feeds == ("http://127.0.0.1:8000/feed/",)
    assert src.domains == ["127.0.0.1"]
    assert src.kinds == ["feed"]
    assert src.interval_hours == 6.0  # the issue: every 6 hours unless a source says


def test_sources_listing_keys_and_hints_load(tmp_path):
    text = GOOD + """listing = ["http://127.0.0.1:8000/news/"]
link_pattern = "/news/[a-z-]+/$"
next_pattern = "/news/page/\\\\d+/$"
interval_hours = 2
allowed_domains = ["cdn.example.org"]
[source.extract]
drop_css = [".promo"]
drop_lines = ["Sponsored by .*"]
"""
    (src,) = load_sources(write(tmp_path, text))
    assert src.kinds == ["feed", "listing"]
    assert src.domains == ["127.0.0.1", "cdn.example.org"]
    assert src.extract.drop_css == (".promo",)
    assert src.interval_hours == 2.0


@pytest.mark.parametrize("text, message", [
    # not TOML at all
    ("[[source]\nname=", "not valid TOML"),
    # no [[source]] tables
    ("title = 'x'", r"no \[\[source\]\] tables"),
    # name must be a slug
    (GOOD.replace('"example-news"', '"Example News"'), "slug"),
    # home must be an http(s) URL
    (GOOD.replace('home = "http://127.0.0.1:8000/"', 'home = "ftp://x/"'), r"not an http\(s\) URL"),
    # a feed URL must be a URL
    (GOOD.replace('["http://127.0.0.1:8000/feed/"]', '["feed.xml"]'), r"not an http\(s\) URL"),
    # at least one way to find articles
    (GOOD.replace('feeds = ["http://127.0.0.1:8000/feed/"]', ""), "at least one of feeds"),
    # listing pages need a link pattern
    (GOOD + 'listing = ["http://127.0.0.1:8000/news/"]\n', "link_pattern"),
    # patterns must compile
    (GOOD + 'link_pattern = "(unclosed"\n', "not a valid regex"),
    # interval must be positive
    (GOOD + "interval_hours = 0\n", "interval_hours"),
    # feeds must be a list of strings
    (GOOD.replace('feeds = ["http://127.0.0.1:8000/feed/"]', "feeds = [1]"), "list of strings"),
    # names are unique
    (GOOD + GOOD, "appears twice"),
    # unknown extract hints
    (GOOD + "[source.extract]\nkeep = 1\n", "drop_css and drop_lines"),
])
def test_sources_bad_file_says_what_is_wrong(tmp_path, text, message):
    with pytest.raises(BadSourcesFile, match=message) as info:
        load_sources(write(tmp_path, text))
    assert isinstance(info.value, CrawlError) and isinstance(info.value, ValueError)
    assert "sources.toml" in str(info.value)


def test_sources_missing_file_is_bad_sources_file(tmp_path):
    with pytest.raises(BadSourcesFile, match="does not exist"):
        load_sources(tmp_path / "nope.toml")


def test_sources_unknown_keys_are_tolerated(tmp_path, caplog):
    # Contract section 7: more keys are welcome; a typo is still worth a warning.
    (src,) = load_sources(write(tmp_path, GOOD + 'colour = "blue"\n'))
    assert src.name == "example-news"
    assert "colour" in caplog.text


def test_sources_select_by_name_keeps_file_order():
    sources = load_sources()
    picked = select(sources, ["rcgp", "pulse"])
    assert [s.name for s in picked] == ["pulse", "rcgp"]
    assert select(sources, None) == [s for s in sources if s.enabled]


def test_sources_select_unknown_name_lists_known_ones():
    with pytest.raises(UnknownSource) as info:
        select(load_sources(), ["pulse", "the-lancet"])
    assert "the-lancet" in str(info.value) and "pulse" in str(info.value)
    assert "guardian-gps" in info.value.known
