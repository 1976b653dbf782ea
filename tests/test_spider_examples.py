"""Spider examples (juriscraper style): every saved page under tests/examples/spiders/<platform>/
has ``<case>.expected.json`` beside it, and the spider's parse functions — the same code a crawl
runs — must reproduce it value by value. An example without a snapshot fails (tests/test_examples.py).
Draft a snapshot with ``python -m tests.snapshots draft PAGE [--url URL --callback NAME]`` and read it
against the page before committing. The sample portal's kept pages (tests/examples/portal/) are
read by the same spiders and held against the portal's truth."""
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


# --- the sample portal's pages, held against the portal's truth ---------------------------------
PORTAL_PAGES = [p for p in all_examples(EXAMPLES / "portal") if load_expected(p)["kind"] in ("list", "detail")]


def _portal_reading(page: Path, spec: dict) -> dict:
    """What the platform's spider reads on a page the sample portal serves, in the terms of the
    page's expected JSON (written from ``portal.truth``, not from any spider): the (agency, year)
    of the reports a list page links, or a detail page's agency, year and attachment path."""
    from urllib.parse import urlsplit

    from portal.fixtures import PORT

    callback = "parse_list" if spec["kind"] == "list" else "parse_detail"
    out = run_example(page, {"url": f"http://127.0.0.1:{PORT}{spec['path']}", "callback": callback,
                             "site": {"platform": spec["platform"]}})
    if spec["kind"] == "list":
        return {"reports": sorted({(r.get("agency"), r.get("year")) for r in out["reports"]})}
    record = out["record"] or {}
    links = [urlsplit(r["url"]) for r in out["reports"]]
    return {"agency": record.get("agency"), "year": record.get("year"),
            "attachment": next((u.path + (f"?{u.query}" if u.query else "") for u in links), None)}


@pytest.mark.parametrize("page", PORTAL_PAGES, ids=case_id)
def test_spider_reads_the_portal_page_as_its_truth_says(page: Path):
    """Beyond "the portal still serves these bytes" (tests/test_portal.py): the spider of the
    page's platform finds on each kept list page exactly the reports the truth lists there, and on
    each detail page the truth's agency and year and its attachment."""
    spec = load_expected(page)
    if spec["kind"] == "list":
        want = {"reports": sorted({(agency, year) for agency, year in spec["reports"]})}
    else:
        want = {k: spec[k] for k in ("agency", "year", "attachment")}
    assert_matches(want, _portal_reading(page, spec), case_id(page))
