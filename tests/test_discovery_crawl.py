"""Real crawls (Scrapy in a subprocess, as ``nianbao crawl`` runs them, politeness off) of generated portals on
127.0.0.1, each from its home page alone — a site entry with no platform and no hints — held
against the generator's truth: every report found, nothing else taken for one, every value exact,
no request offsite or into a robots-disallowed path. The seeds cover a depth-1 site with a POSTed
JSON list, a GBK site with script-data lists and JS page counts, and a depth-4 site with per-year
sub-columns, split reports and flip-books."""
from __future__ import annotations

import pytest

from bench.bench_discovery import crawl_seed

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [3, 5, 6])
def test_discovery_finds_every_report_of_a_generated_site(seed: int, tmp_path) -> None:
    r = crawl_seed(seed, tmp_path, profile="fast")
    where = f"seed {seed} {r.features}"
    assert r.status == "finished", where
    assert not r.crashes, r.crashes[:3]
    assert r.missed == [], (where, r.missed[:5])
    assert r.false == [], (where, r.false[:5])
    assert r.wrong == [], (where, r.wrong[:3])
    assert r.exact == r.truth
    assert r.offsite == 0 and r.robots == 0
    assert r.requests <= 4 * r.truth, (where, r.requests, r.stats)
