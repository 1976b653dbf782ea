"""Discovery on generated portals nobody configured: recall, precision, exact values, offsite and
robots-disallowed requests, requests per report and seconds per site.

    python bench/bench_discovery.py --seeds 9001-9020 [--json]

Each seed's site (``portal.randomsite``) is served on 127.0.0.1 and crawled by the real crawler
(``nianbao crawl``'s subprocess, politeness off) from its home page alone: a site entry with a
name, the home page and the domain — no platform, no hints. Every document the crawl took for a
report (detail pages, their attachments, stitched multi-page reports) is read by the extractor;
reports are grouped by (agency, year) — a duplicate under another URL is one report — and held
against the generator's truth value by value.

* recall: truth reports found with every value exact / truth reports
* precision: found (agency, year) groups that are truth reports / found groups
* exact: found groups whose every document has every value equal to the truth
* offsite: requests that reached the server under another host name; robots: requests into
  robots-disallowed paths (the server's own log; a crawler that never leaves 127.0.0.1 cannot
  reach the private-address redirect target at all)
* requests per report: every request the server saw (robots.txt included) / reports found
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_VALUE_KEYS = ("applications", "review_litigation", "proactive")


@dataclass
class SiteResult:
    seed: int
    features: dict
    truth: int
    found: int  # truth reports found (agency, year), values aside
    exact: int  # truth reports found with every value exact
    groups: int  # distinct (agency, year) the crawl+extraction produced
    false: list = field(default_factory=list)  # groups that are not truth reports
    missed: list = field(default_factory=list)
    wrong: list = field(default_factory=list)  # (agency, year, first differences)
    requests: int = 0
    offsite: int = 0
    robots: int = 0
    seconds: float = 0.0
    status: str = ""
    crashes: list = field(default_factory=list)  # documents the extractor failed on with an exception
    stats: dict = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.exact / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return (self.groups - len(self.false)) / self.groups if self.groups else 1.0


def crawl_seed(seed: int, workdir: Path, profile: str = "fast") -> SiteResult:
    """Serve ``seed``'s site, crawl it from its home page, and measure against its truth."""
    import yaml
    from sqlalchemy import select

    from crawler.sites import load_file
    from db.models import CrawlRun, Document
    from extract import ExtractError, extract
    from nianbao.cli_crawl import run_crawls
    from nianbao.pipeline import Home
    from portal.randomsite import RandomPortal
    from portal.randomsite.server import warm
    from tests.snapshots import diff, to_jsonable

    portal = RandomPortal.serve(seed)
    warm(portal)
    try:
        entry = portal.site_entry()
        src = workdir / f"sites-{seed}.yaml"
        src.write_text(yaml.safe_dump({"province": "测试", "sites": [entry]}, allow_unicode=True), encoding="utf-8")
        home = Home.open(str(workdir / f"home-{seed}"), None)
        t0 = time.monotonic()
        runs = run_crawls(home, load_file(src), sites_source=str(src), fast=profile, extract=False)
        seconds = time.monotonic() - t0
        run = runs[0]
        requests = list(portal.requests)
    finally:
        portal.stop()
    site = portal.site
    truth = {(r.agency, r.year): r for r in site.reports}
    groups: dict[tuple, list] = {}
    crashes: list = []
    with home.session() as s:
        docs = s.scalars(select(Document).where(Document.crawl_run_id == run.run_id)).all()
        row = s.get(CrawlRun, run.run_id)
        stats = dict(row.stats or {}) if row else {}
        for d in docs:
            if not d.sha256 or d.kind not in ("detail", "attachment"):
                continue
            if d.kind == "detail" and not (d.meta or {}).get("candidate"):
                continue
            data = home.store.get(d.sha256)
            try:
                rep = extract(data, filename=Path((d.final_url or d.url).split("#")[0]).name,
                              content_type=d.content_type, segment=False)
            except ExtractError:
                continue
            except Exception as exc:  # the extractor's bug, not discovery's: counted, the run goes on
                crashes.append([d.url, f"{type(exc).__name__}: {exc}"])
                continue
            got = to_jsonable({k: getattr(rep, "as_dict")()[k] for k in _VALUE_KEYS})
            if not _has_values(got) or rep.year is None:
                continue  # no tables: a cover page, a notice, a 图解
            groups.setdefault((rep.agency, rep.year), []).append((d.url, got))
    res = SiteResult(seed=seed, features=site.features, truth=len(truth), found=0, exact=0, groups=len(groups),
                     seconds=round(seconds, 2), status=run.status, requests=len(requests))
    for key, found in groups.items():
        t = truth.get(key)
        if t is None:
            res.false.append([key[0], key[1], found[0][0]])
            continue
        res.found += 1
        want = to_jsonable({k: t.data[k] for k in _VALUE_KEYS})
        bad = [(url, diff(want, got)[:3]) for url, got in found if diff(want, got)]
        if bad:
            res.wrong.append([key[0], key[1], bad[0][0], bad[0][1]])
        else:
            res.exact += 1
    res.crashes = crashes
    res.missed = [[a, y, truth[(a, y)].form, truth[(a, y)].entry] for (a, y) in truth if (a, y) not in groups]
    host = f"{portal.host}:{portal.port}"
    res.offsite = sum(1 for _m, h, _p, _s in requests if h != host)
    res.robots = sum(1 for _m, _h, p, _s in requests if any(p.startswith(d) for d in site.disallow))
    keep = stats.get("scrapy") or {}
    res.stats = {k: v for k, v in keep.items() if k.startswith("discovery/") and "/column/" not in k
                 and k != "discovery/rejected_list"}
    return res


def _has_values(obj) -> bool:
    """Any number at all in a report's tables (a cover page or a notice has none)."""
    if isinstance(obj, dict):
        return any(_has_values(v) for v in obj.values())
    return obj is not None


def parse_seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_discovery.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="9001-9020", help="seeds: 9001-9020 or 1,2,5-7")
    p.add_argument("--json", action="store_true", help="one JSON object per site")
    p.add_argument("--verbose", "-v", action="store_true", help="list missed, false and wrong reports")
    p.add_argument("--keep", help="keep the crawl homes (raw store, SQLite) in this folder")
    a = p.parse_args(argv)
    seeds = parse_seeds(a.seeds)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp:
        if a.keep:
            Path(a.keep).mkdir(parents=True, exist_ok=True)
            tmp = a.keep
        for seed in seeds:
            r = crawl_seed(seed, Path(tmp))
            results.append(r)
            if a.json:
                print(json.dumps({**asdict(r), "recall": r.recall, "precision": r.precision}, ensure_ascii=False))
            else:
                f = r.features
                print(f"seed {seed}: {r.status} truth {r.truth} exact {r.exact} found {r.found} groups {r.groups} "
                      f"false {len(r.false)} wrong {len(r.wrong)} | req {r.requests} ({r.requests / max(r.found, 1):.2f}/report) "
                      f"offsite {r.offsite} robots {r.robots} crashes {len(r.crashes)} | {r.seconds:.1f}s | {f['scheme']}/{f['markup']}/{f['paging']}"
                      f" depth {f['depth']} {f['split']} {','.join(f['forms'])} {f['encoding']}")
                if a.verbose:
                    for m in r.missed[:10]:
                        print("   missed", m)
                    for m in r.false[:10]:
                        print("   false ", m)
                    for m in r.wrong[:5]:
                        print("   wrong ", m)
            sys.stdout.flush()
    truth = sum(r.truth for r in results)
    exact = sum(r.exact for r in results)
    found = sum(r.found for r in results)
    groups = sum(r.groups for r in results)
    false = sum(len(r.false) for r in results)
    reqs = sum(r.requests for r in results)
    print(f"\n{len(results)} sites, {truth} reports: recall {exact / truth:.4f} (found {found}), "
          f"precision {(groups - false) / max(groups, 1):.4f}, exact values {exact}/{found}, "
          f"offsite {sum(r.offsite for r in results)}, robots {sum(r.robots for r in results)}, "
          f"requests/report {reqs / max(found, 1):.2f}, seconds/site {sum(r.seconds for r in results) / len(results):.1f} "
          f"(max {max(r.seconds for r in results):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
