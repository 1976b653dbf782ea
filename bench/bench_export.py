"""Benchmark of ``nianbao export``: a synthetic SQLite corpus (the monitor benchmark's generator,
100,000 reports by default, every report marked current) exported to each format, each in its own
child process so that its peak RSS is its own. Prints wall time, reports/s, CPU time (and reports
per CPU second: on a machine shared with other jobs the wall time says more about them), output
size and peak RSS.

Targets: ≥ 2,000 reports/s to CSV and Parquet; peak memory under 500 MB whatever the size.

    taskset -c 0 python -m bench.bench_export                        # 100,000 reports, csv and parquet
    taskset -c 0 python -m bench.bench_export --reports 5000 --formats csv,parquet,jsonl,sqlite,xlsx
    python -m bench.bench_export --db /tmp/b.sqlite --reuse          # export an existing corpus again
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size if path.exists() else 0


def child(db: Path, fmt: str, out: Path) -> None:
    """One export, in this process; prints one JSON line of figures."""
    from db.session import session
    from nianbao.app.export import export

    s = session(f"sqlite:///{db}")
    t0, c0 = time.perf_counter(), time.process_time()
    result = export(s, out, fmt)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    s.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"format": fmt, "reports": result.reports, "seconds": seconds, "cpu": cpu, "peak_mb": peak,
                      "rows": result.rows, "bytes": _size(out)}))


#: ``reports.values_json`` as ``db.store.save_report`` writes it ({"table/row/column":"text"|null},
#: in cell order), built by SQLite from the cells the generator inserted.
PACK_VALUES = """
    UPDATE reports SET values_json = (
        SELECT json_group_object(table_key || '/' || row_key || '/' || column_key, value_text)
        FROM (SELECT table_key, row_key, column_key, value_text FROM cells WHERE report_id = reports.id ORDER BY id))
"""


#: ``reports.provenance_json`` likewise ([raw, location, …] in cell order; migration 0005).
PACK_PROVENANCE = """
    UPDATE reports SET provenance_json = (
        SELECT json_group_array(x) FROM (
            SELECT x FROM (SELECT id, 0 AS k, raw AS x FROM cells WHERE report_id = reports.id
                           UNION ALL SELECT id, 1, location FROM cells WHERE report_id = reports.id)
            ORDER BY id, k))
    WHERE values_json IS NOT NULL
"""


def build_corpus(db: Path, n_reports: int) -> None:
    """The monitor benchmark's synthetic corpus (written in SQL, beside ``save_report``), every
    report current, with its values and provenance packed as ``save_report`` packs them."""
    import db.session as dbs
    from bench.bench_monitor import generate

    migrate = dbs.upgrade

    def upgrade_and_close(url: str, revision: str = "head") -> None:
        # the generator switches the file out of WAL mode right after migrating: nianbao's
        # engine must not keep its (pooled, WAL-mode) connection open meanwhile
        migrate(url, revision)
        dbs.engine(url).dispose()

    dbs.upgrade = upgrade_and_close
    try:
        generate(db, n_reports)
    finally:
        dbs.upgrade = migrate
    con = sqlite3.connect(db)
    con.execute("UPDATE reports SET is_current = 1")  # one version per (agency, year)
    con.execute(PACK_VALUES)
    con.execute(PACK_PROVENANCE)
    con.commit()
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--db", help="SQLite corpus (default: a temporary file, removed afterwards)")
    ap.add_argument("--reuse", action="store_true", help="export the existing --db without generating")
    ap.add_argument("--child", nargs=3, metavar=("DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_export_"))
    db = Path(args.db) if args.db else tmp / "bench.sqlite"
    try:
        if not (args.reuse and db.exists()):
            t0 = time.perf_counter()
            build_corpus(db, args.reports)
            print(f"corpus of {args.reports} reports built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        print(f"\n{'format':<9}{'reports':>9}{'seconds':>9}{'reports/s':>11}{'CPU s':>8}{'per CPU s':>11}"
              f"{'output MB':>11}{'peak RSS MB':>13}")
        ok = True
        for fmt in args.formats.split(","):
            out = tmp / ("out." + fmt if fmt in ("sqlite", "xlsx") else "out-" + fmt)
            p = subprocess.run([sys.executable, "-m", "bench.bench_export", "--child", str(db), fmt, str(out)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{fmt}: failed\n{p.stderr[-3000:]}")
                ok = False
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            rate = r["reports"] / r["seconds"]
            print(f"{fmt:<9}{r['reports']:>9}{r['seconds']:>9.1f}{rate:>11.0f}{r['cpu']:>8.1f}"
                  f"{r['reports'] / r['cpu']:>11.0f}{r['bytes'] / 2**20:>11.0f}{r['peak_mb']:>13.0f}")
            if fmt in ("csv", "parquet") and rate < 2000:
                ok = False
            if r["peak_mb"] >= 500:
                ok = False
            shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
        print("targets (csv/parquet >= 2000 reports/s, peak < 500 MB):", "met" if ok else "NOT met")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the outputs, and the corpus unless --db put it elsewhere


if __name__ == "__main__":
    main()
