"""Spider examples (juriscraper style): every saved page under tests/fixtures/spiders/<platform>/
has a snapshot beside it, and the spider's parse functions — the same code a crawl runs — must
reproduce it value by value. An example without a snapshot fails. Regenerate a snapshot with
``python -m crawler.examples PAGE`` and read the diff by eye before committing."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crawler.examples import load_spec, run_example, snapshot_path

FIXTURES = Path(__file__).parent / "fixtures" / "spiders"
PAGES = sorted(p for p in FIXTURES.glob("*/*") if p.is_file() and not p.name.endswith(".json"))
PLATFORMS = ("generic", "trs", "hanweb", "gdplatform")
BUDGET_SECONDS = 0.5  # one page's parse; a slow parser is a bug


def test_every_platform_has_examples():
    for platform in PLATFORMS:
        assert any(p.parent.name == platform for p in PAGES), f"no spider example for platform {platform}"


def test_every_snapshot_has_a_page():
    pages = {snapshot_path(p) for p in PAGES}
    for snap in FIXTURES.glob("*/*.expected.json"):
        assert snap in pages, f"{snap} has no page beside it"


@pytest.mark.parametrize("page", PAGES, ids=[f"{p.parent.name}/{p.name}" for p in PAGES])
def test_spider_example(page: Path):
    snap = snapshot_path(page)
    assert snap.exists(), f"{page} has no snapshot {snap.name}: run python -m crawler.examples {page}"
    spec = load_spec(page)
    assert "expected" in spec, f"{snap.name} has no 'expected': run python -m crawler.examples {page}"
    got = run_example(page, spec)
    t = time.perf_counter()  # timed on a second run: the first pays for imports
    run_example(page, spec)
    elapsed = time.perf_counter() - t
    want = spec["expected"]
    got = json.loads(json.dumps(got, ensure_ascii=False))
    # value by value, so a failure names what changed
    if want["record"] is None:
        assert got["record"] is None
    else:
        assert got["record"] is not None, "the callback yielded no record"
        for key in sorted(set(want["record"]) | set(got["record"])):
            assert got["record"].get(key) == want["record"].get(key), f"record[{key!r}]"
    for section in ("reports", "lists", "posts"):
        w, g = want.get(section, []), got.get(section, [])
        w_urls = [x["url"] if isinstance(x, dict) else x for x in w]
        g_urls = [x["url"] if isinstance(x, dict) else x for x in g]
        assert sorted(g_urls) == sorted(w_urls), f"{section}: missing {sorted(set(w_urls) - set(g_urls))}, " \
                                                 f"unexpected {sorted(set(g_urls) - set(w_urls))}"
        by_url = {(x["url"] if isinstance(x, dict) else x): x for x in g}
        for x in w:
            if isinstance(x, dict):
                for key, value in x.items():
                    assert by_url[x["url"]].get(key) == value, f"{section}[{x['url']}][{key!r}]"
    assert elapsed < BUDGET_SECONDS, f"parsing took {elapsed:.2f}s"
