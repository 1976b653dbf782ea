"""Spider examples (juriscraper style): every saved page under tests/examples/spiders/<platform>/
has ``<case>.expected.json`` beside it, and the spider's parse functions — the same code a crawl
runs — must reproduce it value by value. An example without a snapshot fails (tests/test_examples.py).
Draft a snapshot with ``python -m tests.snapshots draft PAGE [--url URL --callback NAME]`` and read it
against the page before committing."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crawler.examples import run_example
from crawler.platforms import PLATFORMS
from tests.snapshots import EXAMPLES, all_examples, assert_matches, case_id, load_expected

FOLDER = EXAMPLES / "spiders"
PAGES = all_examples(FOLDER)
BUDGET_SECONDS = 0.5  # one page's parse; a slow parser is a bug


def test_every_platform_has_examples():
    for platform in PLATFORMS:
        assert any(p.parent.name == platform for p in PAGES), f"no spider example for platform {platform}"


def _in_url_order(out: dict) -> dict:
    """The callback's output with requests sorted by URL: the order a spider yields them in is
    not part of what it decides (Scrapy schedules by priority)."""
    def url(x):
        return x["url"] if isinstance(x, dict) else x

    return {k: sorted(v, key=url) if k in ("reports", "lists", "posts") else v for k, v in out.items()}


@pytest.mark.parametrize("page", PAGES, ids=case_id)
def test_spider_example(page: Path):
    spec = load_expected(page)
    assert "expected" in spec, f"{page.name}: no 'expected': python -m tests.snapshots draft {page}"
    got = run_example(page, spec)
    t = time.perf_counter()  # timed on a second run: the first pays for imports
    run_example(page, spec)
    elapsed = time.perf_counter() - t
    got = json.loads(json.dumps(got, ensure_ascii=False))
    assert_matches(_in_url_order(spec["expected"]), _in_url_order(got), case_id(page))
    assert elapsed < BUDGET_SECONDS, f"parsing took {elapsed:.2f}s"
