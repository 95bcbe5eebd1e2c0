"""`pcnwatch demo`: the whole pipeline, offline, from one command, safe to run twice.

The demo's database is then read as its users read it: the timeline has each policy
change of the sample sites once, with its reports from several sites and its
reactions; no title anywhere is a clause cut mid-phrase; every weekly digest has a
deadlines section when a dated requirement or consultation falls in the coming weeks.
"""

import email
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from email import policy
from pathlib import Path

import feedparser
import icalendar
import pytest

PCNWATCH = Path(sys.executable).parent / "pcnwatch"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    where = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    runs = [subprocess.run([str(PCNWATCH), "demo"], cwd=where, env=env, capture_output=True,
                           text=True, timeout=900) for _ in range(2)]
    return where, runs


@pytest.fixture(scope="module")
def demo_url(demo_run):
    where, _ = demo_run
    return f"sqlite:///{where / 'out' / 'pcnwatch-demo.db'}"


@pytest.fixture(scope="module")
def timeline(demo_run, demo_url):
    where, _ = demo_run
    done = subprocess.run([str(PCNWATCH), "timeline", "--format", "json"], cwd=where,
                          env={**os.environ, "DATABASE_URL": demo_url}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def weekly_digests(demo_url):
    """Every week's digest that has any news, by week."""
    from sqlmodel import select

    from publish.digest import build_digest, render, week_of
    from store.db import get_engine, session_scope
    from store.models import Article

    with session_scope(get_engine(demo_url)) as s:
        weeks = sorted({week_of(d) for d in s.exec(select(Article.published)) if d})
        digests = {w: build_digest(s, w) for w in weeks}
    return {w: (d, render(d)[0]) for w, d in digests.items()}


def test_demo_runs_with_a_short_summary(demo_run):
    _, (first, _) = demo_run
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    # A summary, not the whole timeline.
    assert len(lines) < 40, first.stdout
    assert re.search(r"^process: analysed (\d+) of \1 articles, 0 with errors", first.stdout,
                     re.M)
    assert "pending" not in first.stdout
    assert re.search(r"^timeline: \d+ policy changes", first.stdout, re.M)
    assert "demo: done." in first.stdout
    summary = first.stdout[first.stdout.index("demo: done."):]
    assert re.search(r"\d+ articles stored; \d+ policy changes on the timeline", summary)
    assert 'the digest of the newest week (2024-W31): "Primary care policy, week of 29 July ' \
           '2024"' in summary
    assert "outputs in " in summary and "deadlines.ics" in summary


def test_demo_writes_every_output(demo_run):
    where, _ = demo_run
    for name in ("digest.html", "digest.txt", "digest.eml", "headlines.xml", "headlines.json",
                 "timeline.html", "deadlines.ics"):
        assert (where / "out" / name).stat().st_size > 200, name


def test_demo_outputs_read_back(demo_run):
    where, _ = demo_run
    feed = feedparser.parse((where / "out" / "headlines.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) >= 15
    titles = [e.title for e in feed.entries]
    assert len(titles) == len(set(titles)), "a story appears twice in the headlines"
    items = json.loads((where / "out" / "headlines.json").read_text())["items"]
    assert len(items) == len(feed.entries)
    msg = email.message_from_bytes((where / "out" / "digest.eml").read_bytes(),
                                   policy=policy.default)
    assert msg.get_body(("plain",)) and msg.get_body(("html",))
    assert msg["Subject"] == "Primary care policy, week of 29 July 2024"
    assert "<svg" in (where / "out" / "timeline.html").read_text()
    cal = icalendar.Calendar.from_ical((where / "out" / "deadlines.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    assert events and all(str(e["URL"]).startswith("http://127.0.0.1:") for e in events)


def test_demo_second_run_adds_nothing(demo_run):
    _, (first, second) = demo_run
    assert second.returncode == 0, second.stderr
    assert "process: nothing to analyse" in second.stdout
    assert "timeline: up to date" in second.stdout


# -- one entry per policy change -----------------------------------------------------------------


def test_demo_timeline_in_date_order_with_reactions(timeline):
    dates = [e["date"] for e in timeline if e["date"]]
    assert dates == sorted(dates)
    assert dates[0] < "2019-08-01" and dates[-1] >= "2024-01-01"
    assert {"propose", "reduce", "announce"} <= {e["action"] for e in timeline}
    # Far fewer entries than reports: reports of one change are one entry.
    reports = sum(len(e["sources"]) for e in timeline)
    assert len(timeline) < 40 and reports > len(timeline)


def test_demo_draft_specifications_are_one_change_from_several_sites_with_reactions(timeline):
    drafts = [e for e in timeline if e["stage"] == "draft published"
              and "specification" in e["title"].lower()]
    assert len(drafts) == 1, [e["title"] for e in drafts]
    (draft,) = drafts
    sites = {d["source"] for d in draft["source_details"]}
    assert {"gp-bulletin", "network-news", "practice-matters"} <= sites
    assert len(draft["sources"]) >= 4
    assert all(d["reason"] for d in draft["source_details"])  # why each report is there
    reacting = {r["actor_id"] for r in draft["reactions"]}
    assert "bma-gpc" in reacting and any(a.startswith("lmc-") for a in reacting)
    assert all(r["reason"] for r in draft["reactions"])
    # Each body and story once: no reaction repeats another's quote and body.
    said = [(r["actor_id"], r["quote"]) for r in draft["reactions"] if r["quote"]]
    assert len(said) == len(set(said))
    # Its revision is a separate entry that follows it.
    later = [e for e in timeline if e["follows"] and e["follows"]["id"] == draft["id"]]
    assert any(e["stage"] == "scaled back" for e in later)


def test_demo_access_plan_is_one_change_by_nhs_england_and_the_government(timeline):
    plans = [e for e in timeline if "recovering access" in e["title"].lower()
             or "recovering access" in e["object"].lower()]
    assert len(plans) == 1, [e["title"] for e in plans]
    assert {"nhs-england", "government"} <= {a["actor_id"] for a in plans[0]["actors"]}


def test_demo_titles_are_each_one_change(timeline):
    titles = [e["title"] for e in timeline]
    assert len(titles) == len(set(titles)), "two entries tell the same change"


def test_demo_contract_update_week_lists_one_change(weekly_digests):
    digest, text = weekly_digests["2020-W06"]
    # (The sites' ports differ when the demo's own are taken: match the paths.)
    paths = {"/2020/02/06/specifications-scaled-back-in-contract-update/",
             "/insight/what-changes-for-networks-in-april/"}
    update = [c for c in digest.changes
              if paths <= {"/" + u.split("/", 3)[3] for u in c["sources"]}]
    assert len(update) == 1 and len(digest.changes) <= 2, [c["title"] for c in digest.changes]
    shown = [update[0]["title"]] + [a["title"] for a in update[0]["acts"]]
    assert len(shown) == len(set(shown)), "the same sentence twice"


def test_demo_each_change_is_new_in_one_weekly_digest(weekly_digests):
    seen: dict[int, str] = {}
    for week, (digest, _) in weekly_digests.items():
        for c in digest.changes:
            assert c["id"] not in seen, f"change {c['title']!r} in {seen.get(c['id'])} and {week}"
            seen[c["id"]] = week


# -- readable titles -----------------------------------------------------------------------------

# What the issue found in the digest: a clause cut mid-phrase, a verb with no object.
CUT = ["the Government announced allow networks", "NHS England requires practices",
       "requires Practices decide", "funded Further roles", "cut back contract update",
       "require: They name a GP lead"]
DANGLING_POS = {"ADP", "DET", "CCONJ", "SCONJ", "PART", "AUX", "PRON"}
PAST = ("announced", "proposed", "published", "opened", "scaled back", "postponed", "funded",
        "committed", "agreed", "withdrew", "required")


@pytest.fixture(scope="module")
def english():
    import spacy

    from nlp.pipeline import DEFAULT_MODEL  # the spaCy model the analysis installs

    return spacy.load(DEFAULT_MODEL, exclude=["ner", "lemmatizer"])


@pytest.fixture(scope="module")
def article_sentences(demo_url):
    from sqlmodel import select

    from store.db import get_engine, session_scope
    from store.models import Actor, Article

    with session_scope(get_engine(demo_url)) as s:
        # Paragraph by paragraph: a sentence never runs across one.
        texts = [" ".join(p.split()) for t in s.exec(select(Article.text))
                 for p in t.split("\n") if p.strip()]
        names = list(s.exec(select(Actor.name)))
    return texts, names


def every_title(timeline, weekly_digests) -> set[str]:
    titles = set()
    for e in timeline:
        titles.add(e["title"])
        titles |= {a["title"] for a in e["acts"]}
    for digest, _ in weekly_digests.values():
        for c in digest.changes + digest.earlier:
            titles.add(c["title"])
            titles |= {a["title"] for a in c["acts"]}
        titles |= {d["what"].removeprefix("Consultation closes: ") for d in digest.deadlines}
    return titles


def test_demo_no_title_is_a_cut_clause(timeline, weekly_digests, english, article_sentences):
    texts, names = article_sentences
    titles = every_title(timeline, weekly_digests)
    assert len(titles) > 20
    for cut in CUT:
        assert not any(cut.lower() in t.lower() for t in titles), cut
    for title in sorted(titles):
        assert title.count("\u201c") == title.count("\u201d"), title
        flat = " ".join(title.split())
        # Either a source sentence, whole: it starts where a sentence starts and ends with
        # its full stop ...
        # (A sentence of a longer quotation gets its quotation mark back in a title.)
        forms = [flat, flat.removeprefix("\u201c"), flat.removesuffix("\u201d")]
        found = [(text, text.find(form)) for form in dict.fromkeys(forms)
                 for text in texts if form in text]
        if found:
            text, at = found[0]
            assert not text[:at].rstrip() or text[:at].rstrip()[-1] in ".!?:\u201d\"", title
            assert flat.endswith((".", "?", "!", "\u201d", '"')), title
            continue
        # ... or "<body> <past-tense act> <what>", the body by its name and the thing whole.
        body = next((n for n in sorted(names, key=len, reverse=True)
                     if flat.lower().startswith(n.lower())), None)
        assert body is not None, title
        rest = flat[len(body):].lstrip()
        if rest.lower().startswith("and "):
            rest = rest[4:]
            second = next((n for n in names if rest.lower().startswith(n.lower())), "")
            rest = rest[len(second):].lstrip()
        verb = next((v for v in PAST if rest.startswith(v + " ")), None)
        assert verb is not None, title
        assert len(rest[len(verb):].split()) >= 1, title
        last = [t for t in english(title) if not t.is_punct][-1]
        assert last.pos_ not in DANGLING_POS, (title, last.text, last.pos_)
        assert not (last.pos_ == "ADV" and last.text.endswith("ly")), title


# -- what to do, by when -------------------------------------------------------------------------


def test_demo_digest_has_deadlines_whenever_one_falls_in_the_coming_weeks(
        demo_url, weekly_digests):
    from publish.deadlines import find_deadlines
    from publish.digest import DEADLINE_WEEKS, parse_week
    from store.db import get_engine, session_scope

    with session_scope(get_engine(demo_url)) as s:
        for week, (_digest, text) in weekly_digests.items():
            start, end = parse_week(week)
            due = find_deadlines(s, since=start, until=end + timedelta(weeks=DEADLINE_WEEKS),
                                 reported_by=end)
            has_section = "WHAT YOUR PRACTICE MUST DO, AND BY WHEN" in text
            assert has_section == bool(due), week
            for d in due[:3]:
                assert d.what in text and d.how_sure in text, (week, d.what)
    # The draft's consultation closing date is in the week the drafts were published.
    _, text = weekly_digests["2019-W52"]
    section = text[text.index("WHAT YOUR PRACTICE MUST DO"):]
    assert "Wed 15 Jan 2020" in section and "Consultation closes" in section
    # A draft's requirement is said to be a proposal, not a firm requirement.
    assert "proposed in a draft" in section


def test_demo_deadlines_command_calendar(demo_run, demo_url):
    where, _ = demo_run
    done = subprocess.run([str(PCNWATCH), "deadlines", "--format", "ics"], cwd=where,
                          env={**os.environ, "DATABASE_URL": demo_url}, capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    cal = icalendar.Calendar.from_ical(done.stdout)
    days = [e.get("DTSTART").dt for e in cal.walk("VEVENT")]
    assert date(2020, 1, 15) in days  # the consultation on the draft specifications
    assert len({str(e["UID"]) for e in cal.walk("VEVENT")}) == len(days)
