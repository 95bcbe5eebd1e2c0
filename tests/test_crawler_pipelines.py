"""Each pipeline alone, built by from_crawler from settings (Scrapy's get_crawler).

ExtractPipeline and StorePipeline run off the reactor thread, so they are tested in
a real crawl (tests/test_crawler_crawl.py); here are the steps that need no reactor,
and the switches of all five.
"""

import json

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler import pipelines
from crawler.items import PageItem
from crawler.sources import Source
from crawler.spiders import FeedSpider

SOURCE = Source(name="county-news", home="https://news.example.org/",
                feeds=("https://news.example.org/feed/",))
TEXT = ("Primary care networks in the county must appoint a clinical director by June, "
        "the integrated care board said, and practices that have not joined a network "
        "will lose the network contract payments.")


def build(cls, **settings):
    crawler = get_crawler(FeedSpider, settings_dict=settings)
    crawler.spider = FeedSpider.from_crawler(crawler, source=SOURCE)
    return cls.from_crawler(crawler), crawler.stats


def page(**fields):
    base = {"source": "county-news", "url": "https://news.example.org/a/?utm_source=feed",
            "html": "<html><head></head><body><p>x</p></body></html>",
            "content_type": "text/html"}
    return PageItem(**{**base, **fields})


@pytest.mark.parametrize("cls, setting", [
    (pipelines.CanonicalisePipeline, "PCNWATCH_CANONICAL_ENABLED"),
    (pipelines.ExtractPipeline, "PCNWATCH_EXTRACT_ENABLED"),
    (pipelines.RelevancePipeline, "PCNWATCH_RELEVANCE_ENABLED"),
    (pipelines.DedupPipeline, "PCNWATCH_DEDUP_ENABLED"),
    (pipelines.StorePipeline, "PCNWATCH_STORE_ENABLED"),
])
def test_pipeline_switch_turns_it_off(cls, setting):
    with pytest.raises(NotConfigured, match=setting):
        build(cls, **{setting: False})


@pytest.mark.parametrize("head, want", [
    # no rel=canonical: the fetched URL without trackers
    ("", "https://news.example.org/a/"),
    # rel=canonical on the same site is the key
    ('<link rel="canonical" href="https://news.example.org/2024/story/">',
     "https://news.example.org/2024/story/"),
    # rel=canonical to another site (a syndication credit) is not
    ('<link rel="canonical" href="https://other.example.com/original/">',
     "https://news.example.org/a/"),
])
def test_canonicalise_pipeline(head, want):
    pipe, _ = build(pipelines.CanonicalisePipeline)
    item = pipe.process_item(page(html=f"<html><head>{head}</head><body></body></html>"))
    assert item.canonical == want


def test_relevance_pipeline_drops_off_topic_with_reason_and_stat():
    pipe, stats = build(pipelines.RelevancePipeline)
    kept = pipe.process_item(page(title="Deadline for networks", text=TEXT))
    assert kept.relevance > 1 and "primary-care terms" in kept.relevance_reason
    with pytest.raises(DropItem, match="off-topic"):
        pipe.process_item(page(title="Parking", text="Hospital car park charges rise again."))
    assert stats.get_value("pcnwatch/dropped/off-topic") == 1


def test_relevance_pipeline_threshold_is_a_setting():
    pipe, _ = build(pipelines.RelevancePipeline, PCNWATCH_RELEVANCE_THRESHOLD=1000)
    with pytest.raises(DropItem):
        pipe.process_item(page(title="Deadline for networks", text=TEXT))


def test_dedup_pipeline_signs_and_drops_exact_copies():
    pipe, stats = build(pipelines.DedupPipeline, PCNWATCH_MINHASH_PERM=64)
    first = pipe.process_item(page(canonical="https://news.example.org/a/", title="T",
                                   text=TEXT))
    assert len(first.minhash) == 64 and len(first.content_hash) == 64
    # the same URL again (feed and listing both found it) is not a duplicate
    pipe.process_item(page(canonical="https://news.example.org/a/", title="T", text=TEXT))
    with pytest.raises(DropItem, match="duplicate"):
        pipe.process_item(page(canonical="https://news.example.org/b/", title="T",
                               text="  " + TEXT.upper()))
    assert stats.get_value("pcnwatch/dropped/duplicate") == 1


def test_store_announces_an_article_in_the_thread_that_commits_it(sqlite_url, tmp_path):
    # `_write` is what the pipeline's worker thread runs. Called here with no reactor at
    # all, it still counts and announces the article: a crawl stopped before the reactor
    # runs the thread's callback reports every article it stored.
    from crawler.middlewares import EventsExtension

    events = tmp_path / "events.jsonl"
    crawler = get_crawler(FeedSpider, settings_dict={"PCNWATCH_DATABASE_URL": sqlite_url,
                                                     "PCNWATCH_EVENTS_ENABLED": True,
                                                     "PCNWATCH_EVENTS_FILE": str(events)})
    crawler.spider = FeedSpider.from_crawler(crawler, source=SOURCE)
    _announcer = EventsExtension.from_crawler(crawler)  # signals hold it weakly: keep it
    store = pipelines.StorePipeline.from_crawler(crawler)
    store.open_spider()
    item = page(canonical="https://news.example.org/a/", title="Network targets", text=TEXT,
                html=None)
    store._write(item)
    store._write(page(**{**item.__dict__, "outcome": None}))
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert [(e["url"], e["outcome"]) for e in lines] == [
        ("https://news.example.org/a/", "new"), ("https://news.example.org/a/", "unchanged")]
    assert crawler.stats.get_value("pcnwatch/new") == 1
    assert crawler.stats.get_value("pcnwatch/unchanged") == 1
