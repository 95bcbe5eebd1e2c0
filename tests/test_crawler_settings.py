"""Crawler settings: politeness as the issue asks, and every PCNWATCH_* setting declared once."""

import re
from pathlib import Path

from scrapy.settings import Settings

from crawler import settings as project
from crawler.defaults import DEFAULTS, SETTINGS

CRAWLER = Path(project.__file__).resolve().parent


def test_settings_are_polite():
    s = Settings()
    s.setmodule(project)
    assert s.getbool("ROBOTSTXT_OBEY")
    assert s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert "pcnwatch" in s["USER_AGENT"] and "https://" in s["USER_AGENT"]
    assert 0 < s.getfloat("DOWNLOAD_TIMEOUT") <= 60
    assert 0 < s.getint("DOWNLOAD_MAXSIZE") <= 10 * 1024 * 1024
    assert {429, 500, 502, 503, 504} <= set(s.getlist("RETRY_HTTP_CODES"))


def test_settings_pipelines_in_order_spaced_by_100():
    order = sorted(project.ITEM_PIPELINES.items(), key=lambda kv: kv[1])
    assert [name.rsplit(".", 1)[1] for name, _ in order] == [
        "CanonicalisePipeline", "ExtractPipeline", "RelevancePipeline", "DedupPipeline",
        "StorePipeline"]
    assert [n for _, n in order] == [100, 200, 300, 400, 500]


def test_settings_each_pcnwatch_setting_declared_once_with_help():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help and len(s.help) > 10 for s in SETTINGS)
    used = set()
    for path in CRAWLER.rglob("*.py"):
        used |= set(re.findall(r"PCNWATCH_[A-Z_]*[A-Z]\b", path.read_text("utf-8")))
    used.discard("PCNWATCH_")
    assert used <= set(DEFAULTS), used - set(DEFAULTS)
    for name, value in DEFAULTS.items():
        assert getattr(project, name) == value
