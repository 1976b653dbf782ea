"""Benchmark of the monitor: a synthetic SQLite corpus of N reports over five years (100,000 by
default), written with bulk inserts (not through the extractor), then one full ``check`` run.

Targets: the check under 60 s and under 1 GB peak RSS. Time and memory are printed per step
(load, each rule family, evidence, store); generation is not timed against the target.

    python -m bench.bench_monitor                      # 100,000 reports (generation: a few minutes)
    python -m bench.bench_monitor --reports 5000       # quick
    python -m bench.bench_monitor --db /tmp/b.sqlite --reuse   # check an existing corpus again

The corpus: 20% of agencies per year-cohort; consistent tables (R1–R4 hold, 上年结转 = last
year's 结转下年度, 现行有效 rolls forward) with ~1% planted R1 breaks, ~0.5% W1 breaks, ~0.5%
narratives copied from last year, blank cells here and there, six sections of jieba-like tokens
per report, and narrative facts that match the tables (a few that do not).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract import template as T  # noqa: E402

YEARS = (2019, 2020, 2021, 2022, 2023)
OUTCOMES_2021 = [k for k in T.APPLICATION_ROW_KEYS if k not in ("new_received", "carried_over", "total_handled",
                                                                 "carried_forward", "other")]
OUTCOMES_2019 = [k for k in T.APPLICATION_ROW_KEYS if k not in ("new_received", "carried_over", "total_handled",
                                                                 "carried_forward") and not k.startswith("other.")]
APPL = T.APPLICANT_COLUMNS[:-1]


def _vocab(rng: random.Random, n: int = 6000) -> list[str]:
    chars = "政府信息公开工作年度报告主动依申请办理答复复议诉讼纠正规范性文件行政许可处罚强制收费平台建设监督保障" \
            "组织领导制度机制网站新媒体解读回应关切重点领域民生服务考核培训审查保密栏目更新质量效率群众企业"
    return ["".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 2, 3, 4)))) for _ in range(n)]


def generate(path: Path, n_reports: int, seed: int = 1) -> None:
    from db.session import upgrade

    if path.exists():
        path.unlink()
    upgrade(f"sqlite:///{path}")
    rng = random.Random(seed)
    vocab = _vocab(rng)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("DROP INDEX IF EXISTS ix_cells_report_table")
    con.execute("DROP INDEX IF EXISTS ix_sections_report_id")
    n_agencies = max(1, n_reports // len(YEARS))
    agencies = []
    for a in range(n_agencies):
        region = a // 40
        code = f"{32 + region % 2}{(region // 2) % 100:02d}{region % 100:02d}"[:6].ljust(6, "0")
        kind = a % 40
        if kind == 0:
            name, bt = f"合成{region}县人民政府", "government"
        elif kind >= 34:
            name, bt = f"合成{region}县第{kind}镇人民政府", "town"
        else:
            name, bt = f"合成{region}县第{kind}局", "department"
        agencies.append((a + 1, name, code, "江苏省" if region % 2 == 0 else "广东省", f"合成{region}县", "county", bt, 0))
    con.executemany("INSERT INTO agencies (id, name, region_code, province, region, level, body_type, expected) "
                    "VALUES (?,?,?,?,?,?,?,?)", agencies)
    rid = 0
    t0 = time.time()
    docs, reps, cells, secs = [], [], [], []

    def flush() -> None:
        con.executemany("INSERT INTO documents (id, url, final_url, sha256, size, fetched_at, source, kind, meta, "
                        "extracted) VALUES (?,?,?,?,?,?,?,?,?,?)", docs)
        con.executemany("INSERT INTO reports (id, agency_id, agency_name, year, template, title, published, "
                        "first_seen, document_id, sha256, format, status, problems, facts, meta, extractor_version) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", reps)
        con.executemany("INSERT INTO cells (report_id, table_key, row_key, column_key, value, value_text, raw, "
                        "location) VALUES (?,?,?,?,?,?,?,?)", cells)
        con.executemany("INSERT INTO sections (report_id, key, title, text, tokens, keywords, facts) "
                        "VALUES (?,?,?,?,?,?,?)", secs)
        for x in (docs, reps, cells, secs):
            x.clear()

    for ag_id, name, *_rest in agencies:
        bt = _rest[-2]
        forward = {c: 0 for c in APPL}
        in_force = rng.randint(0, 40)
        prev_tokens = None
        for year in YEARS:
            rid += 1
            tpl = "2021" if year >= 2021 else "2019"
            sha = f"{rid:064x}"
            url = f"http://www.example.gov.cn/{ag_id}/{year}.html"
            fetched = datetime(year + 1, 1, 10) + timedelta(days=rng.randint(0, 60))
            late = rng.random() < 0.02
            published = date(year + 1, 1, 5) + timedelta(days=rng.randint(0, 20 if bt == "department" else 70))
            if late:
                published = date(year + 1, 4, 20)
            docs.append((rid, url, url, sha, 1000, fetched.isoformat(" "), "crawl", "detail", "{}", 1))
            vals: dict[tuple[str, str, str], int | None] = {}
            rows = OUTCOMES_2021 if tpl == "2021" else OUTCOMES_2019
            for c in APPL:
                new = rng.randint(0, 12) if c == "natural_person" else (rng.randint(0, 2) if rng.random() < 0.2 else 0)
                carried = forward[c]
                fwd = rng.randint(0, min(2, new + carried))
                handled = new + carried - fwd
                partial = rng.randint(0, handled // 3) if handled else 0
                vals[("applications", "new_received", c)] = new
                vals[("applications", "carried_over", c)] = carried
                vals[("applications", "carried_forward", c)] = fwd
                vals[("applications", "total_handled", c)] = handled
                for r in rows:
                    vals[("applications", r, c)] = 0
                vals[("applications", "granted", c)] = handled - partial
                vals[("applications", "partial", c)] = partial
                forward[c] = fwd
            for r in ["new_received", "carried_over", "total_handled", "carried_forward"] + rows:
                vals[("applications", r, "total")] = sum(vals[("applications", r, c)] for c in APPL)
            if rng.random() < 0.01:  # planted R1 break
                vals[("applications", "total_handled", "natural_person")] += 1
                vals[("applications", "total_handled", "total")] += 1
                vals[("applications", "granted", "natural_person")] += 1
                vals[("applications", "granted", "total")] += 1
            if year > YEARS[0] and rng.random() < 0.005:  # planted W1 break (this year still consistent)
                for r in ("carried_over", "total_handled", "granted"):
                    for c in ("other_org", "total"):
                        vals[("applications", r, c)] += 1
            if rng.random() < 0.05:  # blank cells where the agency left zeros empty
                for c in APPL[1:]:
                    if vals[("applications", "denied.state_secret", c)] == 0:
                        vals[("applications", "denied.state_secret", c)] = None
            for g in T.REVIEW_GROUPS:
                v = [rng.randint(0, 2) if rng.random() < 0.2 else 0 for _ in range(4)]
                for c, x in zip(T.REVIEW_COLUMNS, v + [sum(v)]):
                    vals[("review_litigation", g, c)] = x
            if tpl == "2021":
                issued, repealed = rng.randint(0, 5), rng.randint(0, 2)
                repealed = min(repealed, in_force + issued)
                in_force = in_force + issued - repealed
                for r, trip in (("regulations", (0, 0, 0)), ("normative_docs", (issued, repealed, in_force))):
                    for c, x in zip(("issued", "repealed", "in_force"), trip):
                        vals[("art20_1", r, c)] = x
                vals[("art20_5", "licensing", "decisions")] = rng.randint(0, 5000)
                vals[("art20_6", "penalty", "decisions")] = rng.randint(0, 300)
                vals[("art20_6", "coercion", "decisions")] = rng.randint(0, 20)
                vals[("art20_8", "fees", "amount")] = 0
            else:
                for r in ("regulations", "normative_docs"):
                    m = rng.randint(0, 5) if r == "normative_docs" else 0
                    total = m + rng.randint(0, 30) if r == "normative_docs" else 0
                    for c, x in zip(("new_made", "new_published", "total_published"), (m, m, total)):
                        vals[("art20_1", r, c)] = x
                for t, r in (("art20_5", "licensing"), ("art20_5", "other_services"), ("art20_6", "penalty"),
                             ("art20_6", "coercion")):
                    for c in ("prev_count", "change", "decisions"):
                        vals[(t, r, c)] = rng.randint(-5, 5) if c == "change" else rng.randint(0, 100)
                vals[("art20_8", "fees", "prev_count")] = 0
                vals[("art20_8", "fees", "change")] = 0
                vals[("art20_9", "procurement", "projects")] = rng.randint(0, 9)
                vals[("art20_9", "procurement", "amount")] = 0
            for n, ((t, r, c), x) in enumerate(vals.items()):
                s = None if x is None else str(x)
                cells.append((rid, t, r, c, x, s, s or "", f"table {t} row {n // 7} cell {n % 7}"))
            received = vals[("applications", "new_received", "total")]
            said = received + (3 if rng.random() < 0.003 else 0)
            fact_sentence = f"本年度共收到政府信息公开申请{said}件。"
            facts = [{"kind": "applications_received", "value": said, "text": f"收到政府信息公开申请{said}件",
                      "sentence": fact_sentence, "section": "general"}]
            reps.append((rid, ag_id, name, year, tpl, f"{name}{year}年政府信息公开工作年度报告",
                         published.isoformat(), fetched.isoformat(" "), rid, sha, "html", "ok", "[]",
                         json.dumps(facts, ensure_ascii=False), "{}", "1"))
            if prev_tokens is not None and rng.random() < 0.005:
                toks = prev_tokens
            else:
                toks = [" ".join(rng.choices(vocab, k=k)) for k in (320, 40, 40, 30, 60, 15)]
            prev_tokens = toks
            py = year if rng.random() > 0.003 else year - 1
            for k, (key, title, _) in enumerate(T.SECTIONS):
                text = toks[k].replace(" ", "")
                if k == 0:
                    text = f"本报告统计期限自{py}年1月1日起至{py}年12月31日止。{fact_sentence}" + text
                secs.append((rid, key, title, text, toks[k], "[]", "[]"))
            if len(reps) >= 2000:
                flush()
        if ag_id % 2000 == 0:
            print(f"  generated {rid} reports ({time.time() - t0:.0f} s)", file=sys.stderr)
    flush()
    con.execute("CREATE INDEX ix_cells_report_table ON cells (report_id, table_key)")
    con.execute("CREATE INDEX ix_sections_report_id ON sections (report_id)")
    con.commit()
    con.execute("ANALYZE")
    con.close()
    print(f"generated {rid} reports in {time.time() - t0:.0f} s: {path} ({path.stat().st_size / 2**20:.0f} MB)",
          file=sys.stderr)


def run(path: Path, as_of: date) -> int:
    from monitor import MonitorConfig, run_check
    from monitor.runner import peak_mb
    from db.session import session

    cfg = MonitorConfig.load(Path(tempfile.mkdtemp()))  # defaults; no roster
    s = session(f"sqlite:///{path}")
    t0 = time.perf_counter()
    result = run_check(s, cfg, as_of=as_of)
    s.commit()
    total = time.perf_counter() - t0
    s.close()
    print(f"\n{'step':<14}{'seconds':>9}{'RSS MB':>9}{'peak MB':>9}{'hits':>9}")
    for st in result.steps:
        print(f"{st.name:<14}{st.seconds:>9.2f}{st.rss_mb:>9.0f}{st.peak_mb:>9.0f}{st.hits:>9}")
    by_rule: dict[str, int] = {}
    for r in result.records:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    print(f"\n{result.reports} reports checked in {total:.1f} s, peak RSS {peak_mb():.0f} MB; findings by rule: "
          + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
    ok = total < 60 and peak_mb() < 1024
    print("targets (< 60 s, < 1 GB):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000, help="number of reports (default 100000)")
    ap.add_argument("--db", help="SQLite file (default: a temporary file, removed afterwards)")
    ap.add_argument("--reuse", action="store_true", help="check the existing --db without generating")
    ap.add_argument("--runs", type=int, default=1, help="check this many times (the 2nd+ runs update findings)")
    ap.add_argument("--as-of", default="2024-06-30")
    args = ap.parse_args()
    tmp = None
    if args.db:
        path = Path(args.db)
    else:
        tmp = tempfile.mkdtemp(prefix="bench_monitor_")
        path = Path(tmp) / "bench.sqlite"
    if not (args.reuse and path.exists()):
        generate(path, args.reports)
    rc = 0
    try:
        for _ in range(args.runs):
            rc = max(rc, run(path, date.fromisoformat(args.as_of)))
    finally:
        if tmp:
            for f in Path(tmp).glob("*"):
                f.unlink()
            os.rmdir(tmp)
    sys.exit(rc)


if __name__ == "__main__":
    main()
