"""Benchmark of the weekly digest: 1,000 subscribers over a 100,000-report corpus.

The corpus (SQLite, bulk inserts — the digest reads agencies, reports, documents, sites and
findings, never cells, so none are written): 20,000 agencies in 31 provinces and 300 regions,
100,000 reports over five years, 2,000 of them first seen in the digest's week, 60,000 findings
of every rule, ~3,000 new that week and ~1,000 resolved, coverage findings for some sites.
Subscribers follow a province, a region-code prefix or a site, some with a rule filter.

Timed: reading the week (once), then rendering every subscriber's mail (text, HTML, chart) —
what ``nianbao digest --dry-run`` does without writing the files; sending adds one SMTP
conversation per mail.

    taskset -c 0 python -m bench.bench_digest                 # 100,000 reports, 1,000 subscribers
    taskset -c 0 python -m bench.bench_digest --reports 10000 --subscribers 100
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.runner import peak_mb  # noqa: E402

WEEK = "2025-W06"
WEEK_START = datetime(2025, 2, 2, 16, 0)  # Monday 00:00 in Shanghai, as UTC
RULES = ["R1", "R2", "R3", "R4", "R5", "W1", "W2", "W3", "W4", "W5", "W6", "T1", "P1", "P2", "P3", "X1", "C1"]


def generate(path: Path, n_reports: int, seed: int = 1) -> None:
    from db.session import upgrade

    upgrade(f"sqlite:///{path}")
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    provinces = [f"省{n:02d}" for n in range(31)]
    n_agencies = max(10, n_reports // 5)
    agencies = []
    for i in range(n_agencies):
        p = i % 31
        region = (i // 31) % 10
        code = f"{11 + p:02d}{region + 1:02d}{(i // 310) % 100:02d}"
        kind = rng.choice(("局", "局", "委员会", "人民政府"))
        agencies.append((i + 1, f"机关{i}{kind}", code, provinces[p], f"地区{p:02d}{region}", "county",
                         "government" if kind == "人民政府" else "department", 1))
    con.executemany("INSERT INTO agencies (id, name, region_code, province, region, level, body_type, expected) "
                    "VALUES (?,?,?,?,?,?,?,?)", agencies)
    sites = [(n + 1, f"site-{n}", provinces[n % 31], "trs", "{}") for n in range(310)]
    con.executemany("INSERT INTO sites (id, name, province, platform, config) VALUES (?,?,?,?,?)", sites)
    docs, reps = [], []
    years = (2020, 2021, 2022, 2023, 2024)
    in_week = 0
    for n in range(n_reports):
        a = agencies[n % n_agencies]
        year = years[(n // n_agencies) % 5]
        if year == 2024 and in_week < n_reports // 50:
            seen = WEEK_START + timedelta(minutes=rng.randrange(7 * 24 * 60))
            in_week += 1
        else:
            seen = datetime(year + 1, 1, 1) + timedelta(days=rng.randrange(120)) - timedelta(days=400 * (year == 2024))
        pub = (seen - timedelta(days=rng.randrange(5))).date()
        site = 1 + (a[0] % 310)
        docs.append((n + 1, f"http://www.example.gov.cn/{site}/{year}/t{n}.html", seen, 200, "crawl", "detail", site,
                     "{}", 1))
        reps.append((n + 1, a[0], a[1], year, "2021", f"{a[1]}{year}年政府信息公开工作年度报告", pub, seen, n + 1,
                     f"{n:064x}", "html", "ok", "[]", "[]", "{}"))
    con.executemany("INSERT INTO documents (id, url, fetched_at, http_status, source, kind, site_id, meta, extracted) "
                    "VALUES (?,?,?,?,?,?,?,?,?)", docs)
    con.executemany("INSERT INTO reports (id, agency_id, agency_name, year, template, title, published, first_seen, "
                    "document_id, sha256, format, status, problems, facts, meta) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", reps)
    finds = []
    for n in range(int(n_reports * 0.6)):
        a = agencies[rng.randrange(n_agencies)]
        rule = rng.choice(RULES)
        new = rng.random() < 0.05
        first = WEEK_START + timedelta(hours=rng.randrange(168)) if new else datetime(2024, 1, 1) + timedelta(
            days=rng.randrange(390))
        status = rng.choice(("open", "open", "open", "resolved", "dismissed"))
        resolved = WEEK_START + timedelta(hours=rng.randrange(168)) if status == "resolved" and rng.random() < 0.1 \
            else (datetime(2024, 6, 1) if status == "resolved" else None)
        ev = ('{"province": "%s", "agency_key": "%s|%s", "source_url": "http://www.example.gov.cn/x.html", '
              '"cells": [{"label": "表三“本年新收”总计", "value": 16, "raw": "16", "location": "table 3 row 2 col 8"}]}'
              % (a[3], a[1], a[2]))
        finds.append((f"{n:064x}", rule, "error" if rule[0] == "R" else "warning", a[0], a[1], 2023, None,
                      f"{rule} 示例问题：本年新收16 + 上年结转0 ≠ 办理结果总计15（截止日期2024-03-31）", ev, "h", first,
                      first, status, resolved))
    for n in range(0, 310, 7):  # coverage findings about sites
        finds.append((f"c{n:063x}", "C3", "info", None, f"站点 site-{n}", None, None,
                      f"C3 站点“site-{n}”最近一次抓取失败", '{"province": "%s", "site": "site-%d"}' % (provinces[n % 31], n),
                      "h", WEEK_START, WEEK_START, "open", None))
    con.executemany("INSERT INTO findings (fingerprint, rule, severity, agency_id, agency_name, year, report_id, message, "
                    "evidence, evidence_hash, first_seen, last_seen, status, resolved_at) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", finds)
    con.commit()
    con.close()


def subscribers(n: int, rng: random.Random):
    from nianbao.app.digest_config import Subscriber

    out = []
    for i in range(n):
        k = i % 4
        if k == 0:
            out.append(Subscriber(f"s{i}@example.gov.cn", provinces=(f"省{rng.randrange(31):02d}",)))
        elif k == 1:
            out.append(Subscriber(f"s{i}@example.gov.cn", regions=(f"{11 + rng.randrange(31):02d}{1 + rng.randrange(10):02d}",)))
        elif k == 2:
            out.append(Subscriber(f"s{i}@example.gov.cn", sites=(f"site-{rng.randrange(310)}",),
                                  provinces=(f"省{rng.randrange(31):02d}",), rules=("P1", "P2", "R1", "C3")))
        else:
            out.append(Subscriber(f"s{i}@example.gov.cn", provinces=(f"省{rng.randrange(31):02d}", f"省{rng.randrange(31):02d}")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="nb-digest-")) / "bench.sqlite"
    if not (args.reuse and path.exists()):
        t = time.perf_counter()
        generate(path, args.reports)
        print(f"corpus: {args.reports} reports in {time.perf_counter() - t:.1f}s ({path})")
    from db.session import session
    from nianbao.app.digest_data import load_week
    from nianbao.app.digest_render import render

    subs = subscribers(args.subscribers, random.Random(2))
    with session(f"sqlite:///{path}") as s:
        c0 = time.process_time()
        t0 = time.perf_counter()
        wk = load_week(s, WEEK)
        t_load = time.perf_counter() - t0
        t1 = time.perf_counter()
        size = 0
        new = 0
        for sub in subs:
            d = wk.for_subscriber(sub)
            new += d.new_count
            size += len(bytes(render(d, "nianbao <nianbao@localhost>")))
        t_render = time.perf_counter() - t1
    n = len(subs)
    print(f"week read once: {t_load:.2f}s ({len(wk.reports)} reports, {len(wk.new)} new findings, "
          f"{len(wk.resolved)} resolved, {len(wk.coverage)} coverage, {len(wk.regions)} regions)")
    print(f"{n} digests rendered: {t_render:.1f}s ({t_render / n * 1000:.0f} ms each), {size / n / 1024:.0f} KiB a mail "
          f"on average, {new / n:.0f} new findings a mail")
    print(f"total {t_load + t_render:.1f}s wall, {time.process_time() - c0:.1f}s CPU "
          f"(on a shared core the CPU time is the figure); peak RSS {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main()
