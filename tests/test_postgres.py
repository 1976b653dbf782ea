"""The same pipeline on PostgreSQL: migrations, import, reports, the monitor and the export run
unchanged on a real server started by the test (the schema and queries are portable, not
SQLite-only)."""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.snapshots import REAL, SEEDS  # copies of ../shared/seeds and ../shared/corpus/real


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries are not installed (Debian package postgresql; tests/run.sh installs it)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (the test extra installs it)")
    import tempfile

    # outside pytest's private tmp tree: the server process must be able to reach its folder
    data = Path(tempfile.mkdtemp(prefix="nianbao-pg-")) / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: use the postgres account
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
        os.chown(data.parent, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    subprocess.run(run_as + [initdb, "-D", str(data), "-A", "trust", "-U", "nianbao", "-E", "UTF8", "--no-locale"],
                   check=True, capture_output=True, timeout=120)
    log = data.parent / "pg.log"
    subprocess.run(run_as + [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                             f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data.parent}",
                             "start"], check=True, capture_output=True, timeout=90)
    url = f"postgresql+psycopg://nianbao@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data.parent, ignore_errors=True)


def _cli(url: str, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), "--db", url, *args],
                          capture_output=True, text=True, timeout=300)


def test_pipeline_and_monitor_on_postgres(pg_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    p = _cli(pg_url, home, "db", "upgrade")
    assert p.returncode == 0, p.stderr
    seeds = sorted(str(x) for x in SEEDS.glob("*.txt"))
    p = _cli(pg_url, home, "import", *seeds)
    assert p.returncode == 0, p.stderr
    p = _cli(pg_url, home, "reports", "--json")
    rows = [json.loads(x) for x in p.stdout.strip().split("\n")]
    assert len(rows) == 5
    r001 = next(r for r in rows if r["agency"] == "老城区人民政府办公室")
    assert r001["applications"]["total_handled"]["total"] == 16
    assert r001["review_litigation"]["litigation_direct"]["corrected"] == 3
    p = _cli(pg_url, home, "check", "--as-of", "2022-06-01", "--json")
    assert p.returncode == 1, p.stderr  # seed 002 breaks R1 and R3
    findings = json.loads(p.stdout)
    hard = sorted({(f["rule"], f["agency"]) for f in findings if f["severity"] == "error"})
    assert hard == [("R1", "吉林市昌邑区政务服务局"), ("R3", "吉林市昌邑区政务服务局")]
    assert any(f["rule"] == "W3" and f["year"] == 2020 for f in findings)
    again = json.loads(_cli(pg_url, home, "check", "--as-of", "2022-06-01", "--json").stdout)
    assert sorted(f["fingerprint"] for f in again) == sorted(f["fingerprint"] for f in findings)
    assert not any(f["new"] for f in again)


def _fresh_database(pg_url: str, name: str) -> str:
    """A new, empty database on the test server (each test its own)."""
    import sqlalchemy as sa

    eng = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    eng.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def test_export_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """CSV, Parquet and SQLite exported from PostgreSQL read back as the database's values:
    every current report's cells (value exact — a 12.3456 and a 96171.6 万元 among them —, value
    text, raw text, location) and the wide reports table; once from the packed columns
    (reports.values_json / provenance_json) and once, with the provenance unpacked, from cells."""
    from decimal import Decimal

    import sqlalchemy as sa

    from tests.test_export import READERS, as_decimal
    from nianbao.app import export_dictionary as D

    url = _fresh_database(pg_url, "export_test")
    home = tmp_path / "home"
    seed0 = (SEEDS / "000_5c62533f5d23ed68.txt").read_text(encoding="utf-8")
    revised = tmp_path / "000_revised.txt"
    revised.write_text(seed0.replace("行政事业性收费\t0", "行政事业性收费\t12.3456"), encoding="utf-8")
    files = sorted(str(x) for x in SEEDS.glob("*.txt")) + [str(REAL / "huaian-shi-2024.pdf")]
    for args in (files, [str(revised)]):
        p = _cli(url, home, "import", *args)
        assert p.returncode == 0, p.stderr

    eng = sa.create_engine(url)
    with eng.connect() as conn:
        ids = {r[0] for r in conn.exec_driver_sql(
            "select id from reports where is_current and status in ('ok', 'problems')")}
        rows = conn.exec_driver_sql("select report_id, table_key, row_key, column_key, value, value_text, raw, location "
                                    "from cells").all()
    want = {(r[0], f"{r[1]}.{r[2]}.{r[3]}"): r[4:] for r in rows if r[0] in ids}
    assert len(ids) == 6 and len(want) > 1000
    for value, text, *_ in want.values():  # NUMERIC on PostgreSQL: exact
        assert value == (Decimal(text) if text is not None else None)
    money = sorted(v[0] for k, v in want.items() if k[1] == "art20_8.fees.amount" and v[0])
    assert money == [Decimal("12.3456"), Decimal("96171.6")]

    def check(fmt: str, out: Path) -> None:
        cells = READERS[fmt](out, "cells")
        got = {}
        for r in cells:
            vt = r["value_text"] if r["value_text"] != "" else None
            if fmt == "sqlite" and isinstance(vt, (int, float)):
                vt = str(vt)
            got[(int(r["report_id"]), r["key"])] = (vt, r["raw"] or "", r["location"] or "")
            assert as_decimal(r["value"]) == (Decimal(vt) if vt is not None else None), (fmt, r)
        assert got == {k: (v[1], v[2] or "", v[3] or "") for k, v in want.items()}, fmt
        reports = READERS[fmt](out, "reports")
        assert {int(r["id"]) for r in reports} == ids
        for r in reports:
            for k in D.cell_keys():
                v = want.get((int(r["id"]), k.key), (None,))[0]
                assert as_decimal(r[k.column]) == v, (fmt, r["id"], k.key)

    for fmt in ("csv", "parquet", "sqlite"):
        out = tmp_path / ("corpus.db" if fmt == "sqlite" else fmt)
        p = _cli(url, home, "export", "--format", fmt, "--out", str(out))
        assert p.returncode == 0 and "warning" not in p.stderr, p.stderr
        check(fmt, out)

    with eng.begin() as conn:  # reports without packed provenance: raw text and location from cells
        packed = dict(conn.exec_driver_sql("select id, provenance_json from reports").all())
        conn.exec_driver_sql("update reports set provenance_json = null")
    p = _cli(url, home, "export", "--format", "csv", "--out", str(tmp_path / "csv-cells"))
    assert p.returncode == 0, p.stderr
    check("csv", tmp_path / "csv-cells")
    # migration 0005's backfill writes on PostgreSQL what save_report wrote
    import importlib

    backfill = importlib.import_module("db.migrations.versions.0005_packed_provenance").backfill
    with eng.begin() as conn:
        assert backfill(conn, batch=2) == sum(v is not None for v in packed.values())
        assert dict(conn.exec_driver_sql("select id, provenance_json from reports").all()) == packed
    eng.dispose()
