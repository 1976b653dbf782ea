"""`nianbao export`: every format read back with its own reader gives the database's values —
decimals exact —, the dictionary covers every exported column and is the one shipped, only current
versions by default, not_report documents only in ``documents``, and ``--raw`` gives the same tar
bytes every time.

The corpus is real: the 沭阳县发改局 HTML report, the five seeds, the 淮安市 2024 PDF (a money
cell 96171.6), imported with ``nianbao import`` and checked with ``nianbao check``; plus a revised
version of seed 000 (a fee of 12.3456 万元), seed 002 imported twice, and a cover page.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from db.session import session as open_session
from nianbao.app import export_dictionary as D
from tests.snapshots import REAL, SEEDS  # copies of ../shared

TABLES = [t.name for t in D.TABLES]

pytestmark = pytest.mark.skipif(not (REAL / "shuyang-fgj-2023.html").exists() or not SEEDS.exists(),
                                reason="../shared/ corpus not present")


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), *args], capture_output=True,
                       text=True, timeout=300)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("export_home")
    extra = tmp_path_factory.mktemp("extra")
    seed0 = (SEEDS / "000_5c62533f5d23ed68.txt").read_text(encoding="utf-8")
    revised = extra / "000_revised.txt"
    assert "行政事业性收费\t0" in seed0
    revised.write_text(seed0.replace("行政事业性收费\t0", "行政事业性收费\t12.3456"), encoding="utf-8")
    cover = extra / "cover.html"
    cover.write_text("<html><head><title>附件下载</title></head><body><p>请下载附件。</p></body></html>", encoding="utf-8")
    files = [REAL / "shuyang-fgj-2023.html", *sorted(SEEDS.glob("*.txt")), REAL / "huaian-shi-2024.pdf"]
    cli(home, "import", *map(str, files))
    cli(home, "import", str(revised))  # a later version of seed 000: 信访局 2021
    cli(home, "import", str(SEEDS / "002_82ba2db36d9bf72d.txt"))  # the same bytes again
    cli(home, "check", "--as-of", "2025-06-01", check=False)  # exit 1: the seeds have errors
    _dismissed_finding(home)
    cli(home, "import", str(cover), check=False)  # not a report: exit 2, stored as a document
    return home


def _dismissed_finding(home: Path) -> None:
    """A dismissed finding with cell evidence, as `findings dismiss` leaves it (whatever the
    monitor found on this corpus)."""
    from datetime import datetime

    from db.models import Finding

    s = open_session(f"sqlite:///{home / 'nianbao.sqlite'}")
    rid, ag, name = s.execute(text("select id, agency_id, agency_name from reports where agency_name = "
                                   "'淮安市人民政府'")).one()
    cell = {"report_id": rid, "year": 2024, "table": "art20_8", "row": "fees", "column": "amount",
            "label": "第二十条第（八）项“行政事业性收费·金额（万元）”", "value": "96171.6", "raw": "96171.6",
            "location": "page 2 table 1 row 9 col 2"}
    now = datetime(2025, 6, 1, 12, 0, 0)
    s.add(Finding(fingerprint="x" * 64, rule="W6", severity="warning", agency_id=ag, agency_name=name, year=2024,
                  report_id=rid, message="收费金额异常（测试）", evidence={"cells": [cell], "source_url": "file:///x"},
                  evidence_hash="y" * 64, first_seen=now, last_seen=now, status="dismissed",
                  dismissed_reason="经电话核实，金额无误", dismissed_at=now))
    s.commit()
    s.close()


def db_rows(home: Path, sql: str, **params) -> list[tuple]:
    s = open_session(f"sqlite:///{home / 'nianbao.sqlite'}")
    try:
        return [tuple(r) for r in s.execute(text(sql), params)]
    finally:
        s.close()


def current_ids(home: Path) -> set[int]:
    """The current reports, as the database marks them."""
    return {r[0] for r in db_rows(home, "select id from reports where is_current and status in ('ok', 'problems')")}


def db_cells(home: Path, ids: set[int]) -> dict[tuple[int, str], tuple]:
    rows = db_rows(home, "select report_id, table_key, row_key, column_key, value_text, raw, location from cells")
    return {(r[0], f"{r[1]}.{r[2]}.{r[3]}"): (r[4], r[5], r[6]) for r in rows if r[0] in ids}


@pytest.fixture(scope="module")
def exports(corpus: Path, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    paths = {"csv": out / "csv", "parquet": out / "parquet", "jsonl": out / "jsonl", "sqlite": out / "corpus.db",
             "xlsx": out / "corpus.xlsx"}
    for fmt, path in paths.items():
        p = cli(corpus, "export", "--format", fmt, "--out", str(path))
        assert "reports exported" in p.stdout
        assert "warning" not in p.stderr, p.stderr
    return paths


# ------------------------------------------------------------------------------ readers
def read_csv(path: Path, table: str) -> list[dict]:
    raw = (path / f"{table}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    with open(path / f"{table}.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_parquet(path: Path, table: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path / f"{table}.parquet").to_pylist()


def read_jsonl(path: Path, table: str) -> list[dict]:
    with open(path / f"{table}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line, parse_float=Decimal) for line in fh if line.strip()]


def read_sqlite(path: Path, table: str) -> list[dict]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f'select * from "{table}"')]
    finally:
        con.close()


def read_xlsx(path: Path, table: str) -> list[dict]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    out: list[dict] = []
    for name in wb.sheetnames:
        if name == table or name.startswith(table + " "):
            rows = wb[name].iter_rows(values_only=True)
            header = next(rows)
            # write-only sheets carry no dimension, and a row's trailing empty cells are not stored
            out += [dict(zip(header, tuple(r) + (None,) * (len(header) - len(r)))) for r in rows]
    return out


READERS = {"csv": read_csv, "parquet": read_parquet, "jsonl": read_jsonl, "sqlite": read_sqlite, "xlsx": read_xlsx}


def as_decimal(v) -> Decimal | None:
    """A read-back value as an exact decimal. Floats (SQLite REAL, XLSX numbers) are taken by
    their shortest repr, which is the written digits for anything up to 15 significant digits."""
    if v is None or v == "":
        return None
    if isinstance(v, float):
        return Decimal(repr(v))
    return Decimal(str(v))


# ------------------------------------------------------------------------------ dictionary
def test_shipped_dictionary_is_what_template_py_generates() -> None:
    assert json.loads(D.SHIPPED_JSON.read_text(encoding="utf-8")) == json.loads(D.to_json(D.dictionary()))
    assert D.SHIPPED_MD.read_text(encoding="utf-8") == D.to_markdown(), \
        "docs/data-dictionary.md is stale: run python -m nianbao.app.export_dictionary"


def test_dictionary_has_every_cell_of_both_templates_with_labels() -> None:
    from extract import template as T
    from extract.model import _columns_of, _rows_of

    keys = {(k.table, k.row, k.column_key): k for k in D.cell_keys()}
    for tpl in T.TEMPLATES:
        for table in ["applications", "review_litigation", *T.PROACTIVE_BY_KEY]:
            for row in _rows_of(table):
                for col in _columns_of(table, tpl):
                    if table in T.PROACTIVE_BY_KEY and tpl not in T.PROACTIVE_ROW_LABELS[row]:
                        continue
                    spec = next((r for r in T.APPLICATION_ROWS if r.key == row), None)
                    if spec is not None and tpl not in spec.templates:
                        continue
                    k = keys[(table, row, col)]
                    assert tpl in k.templates and k.label and k.unit, k
    # the printed labels cover exactly the columns the extractor knows, per template
    for spec in T.PROACTIVE_TABLES:
        for tpl, cols in spec.columns.items():
            assert [c for c, _ in cols] == list(T.PROACTIVE_COLUMN_LABELS[spec.key][tpl]), (spec.key, tpl)
        assert set(spec.rows) <= set(T.PROACTIVE_ROW_LABELS)
    money = [k.key for k in D.cell_keys() if k.type == "decimal"]
    assert money == ["art20_8.fees.amount", "art20_9.procurement.amount"]
    assert keys[("applications", "other", "total")].relation == "sum"
    assert keys[("art20_1", "normative_docs", "new_made")].in_2021 == "art20_1.normative_docs.issued"
    assert keys[("art20_9", "procurement", "projects")].relation == "none"
    assert len({k.column for k in D.cell_keys()}) == len(D.cell_keys())


@pytest.mark.parametrize("fmt", list(READERS))
def test_dictionary_covers_every_exported_column(exports: dict[str, Path], fmt: str) -> None:
    for table in TABLES:
        rows = READERS[fmt](exports[fmt], table)
        documented = [c.name for c in D.table_columns(table)]
        if rows:
            assert list(rows[0]) == documented, (fmt, table)
    cells = READERS[fmt](exports[fmt], "cells")
    known = {k.key for k in D.cell_keys()}
    assert {c["key"] for c in cells} <= known


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("fmt", list(READERS))
def test_round_trip_cells_exact(corpus: Path, exports: dict[str, Path], fmt: str) -> None:
    ids = current_ids(corpus)
    want = db_cells(corpus, ids)
    rows = READERS[fmt](exports[fmt], "cells")
    got = {}
    for r in rows:
        vt = r["value_text"] if r["value_text"] not in ("",) else None
        if fmt in ("xlsx", "sqlite") and isinstance(vt, (int, float)):
            vt = str(vt)
        # CSV has no null: an empty raw text or location reads back as ""
        got[(int(r["report_id"]), r["key"])] = (vt, r["raw"] or "", r["location"] or "")
        assert as_decimal(r["value"]) == (Decimal(vt) if vt is not None else None), (fmt, r)
    assert {k: (v[0], v[1] or "", v[2] or "") for k, v in want.items()} == got
    fee = [r for r in rows if r["key"] == "art20_8.fees.amount" and as_decimal(r["value"]) not in (None, 0)]
    assert sorted(as_decimal(r["value"]) for r in fee) == [Decimal("12.3456"), Decimal("96171.6")]


@pytest.mark.parametrize("fmt", list(READERS))
def test_round_trip_reports_wide_and_current_only(corpus: Path, exports: dict[str, Path], fmt: str) -> None:
    ids = current_ids(corpus)
    cells = db_cells(corpus, ids)
    rows = READERS[fmt](exports[fmt], "reports")
    assert {int(r["id"]) for r in rows} == ids
    statuses = {r["status"] for r in rows}
    assert statuses <= {"ok", "problems"}
    for r in rows:
        for k in D.cell_keys():
            vt = cells.get((int(r["id"]), k.key), (None,))[0]
            assert as_decimal(r[k.column]) == (Decimal(vt) if vt is not None else None), (fmt, r["id"], k.key)
    # the revised 信访局 2021 report replaced the first import; seed 002 imported twice is one report
    xf = [r for r in rows if r["agency"] == "信访局"]
    assert len(xf) == 1 and as_decimal(xf[0]["art20_8__fees__amount"]) == Decimal("12.3456")
    assert len([r for r in rows if r["agency"] == "吉林市昌邑区政务服务局"]) == 1


@pytest.mark.parametrize("fmt", list(READERS))
def test_round_trip_other_tables(corpus: Path, exports: dict[str, Path], fmt: str) -> None:
    read = READERS[fmt]
    docs = {int(r["id"]): r for r in read(exports[fmt], "documents")}
    db_docs = db_rows(corpus, "select d.id, d.sha256, r.status from documents d left join reports r "
                              "on r.document_id = d.id")
    assert set(docs) == {d[0] for d in db_docs}
    assert {docs[i]["status"] for i, _, st in db_docs if st == "not_report"} == {"not_report"}
    assert all(docs[i]["sha256"] == sha for i, sha, _ in db_docs)

    findings = read(exports[fmt], "findings")
    db_f = {r[0]: r for r in db_rows(corpus, "select id, rule, message, evidence, status from findings")}
    assert {int(f["id"]) for f in findings} == set(db_f) and db_f
    for f in findings:
        _id, rule, message, evidence, status = db_f[int(f["id"])]
        assert (f["rule"], f["message"], f["status"]) == (rule, message, status)
        ev = f["evidence"] if isinstance(f["evidence"], dict) else json.loads(f["evidence"])
        assert ev == json.loads(evidence)
        cells_ev = f["evidence_cells"] if isinstance(f["evidence_cells"], list) else json.loads(f["evidence_cells"])
        assert cells_ev == json.loads(evidence).get("cells", [])

    secs = read(exports[fmt], "sections")
    ids = current_ids(corpus)
    db_s = {r[0]: r for r in db_rows(corpus, "select id, report_id, text, tokens from sections") if r[1] in ids}
    assert {int(s["id"]) for s in secs} == set(db_s)
    for s in secs:
        # an empty text reads back as None from XLSX (Excel keeps no empty strings)
        assert (s["text"] or "") == db_s[int(s["id"])][2] and (s["tokens"] or "") == (db_s[int(s["id"])][3] or "")

    # the database's agencies under their ids, and the rosters' agencies of which no report was found
    from monitor.config import MonitorConfig

    agencies = read(exports[fmt], "agencies")
    db_agencies = dict(db_rows(corpus, "select id, name from agencies"))
    exported = {int(a["id"]): a["name"] for a in agencies}
    assert {i: exported[i] for i in db_agencies} == db_agencies
    roster = {e.name for e in MonitorConfig.load().roster}
    assert set(exported.values()) == set(db_agencies.values()) | roster
    assert all(i > max(db_agencies) and a["expected"] in (True, 1, "True", "true") for i, a in
               ((int(a["id"]), a) for a in agencies) if i not in db_agencies)


def test_sqlite_is_ready_for_datasette(exports: dict[str, Path]) -> None:
    path = exports["sqlite"]
    con = sqlite3.connect(path)
    try:
        for table, col in (("reports", "problems"), ("findings", "evidence"), ("sections", "keywords")):
            for (v,) in con.execute(f"select {col} from {table}"):
                assert v is None or "\\u" not in v, (table, v[:80])
        reason = con.execute("select dismissed_reason from findings where status = 'dismissed'").fetchone()
        assert reason == ("经电话核实，金额无误",)
        fks = {(t, r[3], r[2]) for t in TABLES for r in con.execute(f"pragma foreign_key_list({t})")}
        assert ("cells", "report_id", "reports") in fks and ("reports", "agency_id", "agencies") in fks
        assert con.execute("pragma foreign_key_check").fetchall() == []
        idx = {r[1] for r in con.execute("select * from sqlite_master where type = 'index'")}
        assert {"ix_cells_report_id", "ix_reports_agency_id_year", "ix_sections_report_id"} <= idx
        hits = con.execute("select s.agency from sections_fts f join sections s on s.id = f.rowid "
                           "where sections_fts match '\"政府信息公开\"'").fetchall()
        assert hits
        # money: REAL for a fraction, INTEGER for a whole number; the exact text beside it
        assert con.execute("select typeof(value), value_text from cells where key = 'art20_8.fees.amount' "
                           "and value_text = '96171.6'").fetchone() == ("real", "96171.6")
        assert con.execute("select typeof(value) from cells where value_text = '3119'").fetchone() == ("integer",)
    finally:
        con.close()
    meta = json.loads((path.parent / "corpus.metadata.json").read_text(encoding="utf-8"))
    tables = meta["databases"]["corpus"]["tables"]
    assert tables["sections"]["fts_table"] == "sections_fts" and tables["reports"]["title"] == "年度报告"
    assert meta["databases"]["corpus"]["queries"]


def test_xlsx_has_one_sheet_per_table_and_frozen_headers(exports: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(exports["xlsx"])
    assert wb.sheetnames == TABLES + ["dictionary"]
    assert all(wb[n].freeze_panes == "A2" for n in wb.sheetnames)


def test_chunks_give_the_same_rows_as_one_chunk(corpus: Path) -> None:
    from nianbao.app.export_query import Selection, report_chunks

    s = open_session(f"sqlite:///{corpus / 'nianbao.sqlite'}")
    try:
        conn = s.connection()
        one = list(report_chunks(conn, Selection(), chunk=1000))
        small = list(report_chunks(conn, Selection(), chunk=2))
    finally:
        s.close()
    assert len(one) == 1 and len(small) > 2
    for table in ("reports", "cells", "sections"):
        a = [r for c in one for r in getattr(c, table).to_pylist()]
        b = [r for c in small for r in getattr(c, table).to_pylist()]
        assert a == b and a, table


# ------------------------------------------------------------------------------ filters
def test_filters_and_all_versions(corpus: Path, tmp_path: Path) -> None:
    cli(corpus, "export", "--format", "jsonl", "--out", str(tmp_path / "y"), "--year", "2024")
    reps = read_jsonl(tmp_path / "y", "reports")
    assert [r["agency"] for r in reps] == ["淮安市人民政府"]
    assert {c["year"] for c in read_jsonl(tmp_path / "y", "cells")} == {2024}

    cli(corpus, "export", "--format", "jsonl", "--out", str(tmp_path / "all"), "--all-versions")
    reps = read_jsonl(tmp_path / "all", "reports")
    xf = sorted((r["is_current"], r["art20_8__fees__amount"]) for r in reps if r["agency"] == "信访局")
    assert xf == [(False, 0), (True, Decimal("12.3456"))]
    assert len([r for r in reps if r["agency"] == "吉林市昌邑区政务服务局"]) == 1  # same bytes twice: one version
    assert all(r["status"] != "not_report" for r in reps)

    # --region selects on the codes completed from the rosters: the shipped rosters' 淮宁市 agencies,
    # none of which this corpus has a report of
    from monitor.config import MonitorConfig

    cli(corpus, "export", "--format", "jsonl", "--out", str(tmp_path / "region"), "--region", "321400")
    got = read_jsonl(tmp_path / "region", "agencies")
    want = {e.name for e in MonitorConfig.load().roster if e.region_code.startswith("3214")}
    assert want and {a["name"] for a in got} == want and all(a["expected"] for a in got)
    assert read_jsonl(tmp_path / "region", "reports") == []

    cli(corpus, "export", "--format", "csv", "--out", str(tmp_path / "none"), "--province", "西藏")
    assert read_csv(tmp_path / "none", "reports") == [] and read_csv(tmp_path / "none", "cells") == []

    p = cli(corpus, "export", "--format", "csv", "--out", str(tmp_path / "bad"), "--since", "yesterday", check=False)
    assert p.returncode == 2 and "--since" in p.stderr and "Traceback" not in p.stderr


def test_region_prefix() -> None:
    from nianbao.app.export_agencies import region_prefix

    assert [region_prefix(c) for c in ("320800", "320000", "320812", "320812001")] == \
        ["3208", "32", "320812", "320812001"]


# ------------------------------------------------------------------------------ raw tar
def test_raw_tar_is_byte_identical_and_holds_the_originals(corpus: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.tar", tmp_path / "b.tar"
    cli(corpus, "export", "--raw", "--out", str(a))
    for f in (corpus / "raw").rglob("*"):  # file times must not matter
        if f.is_file():
            os.utime(f, (1_000_000_000, 1_000_000_000))
    cli(corpus, "export", "--raw", "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    with tarfile.open(a) as tar:
        names = tar.getnames()
        assert names[-1] == "manifest.csv" and names[:-1] == sorted(names[:-1])
        assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in tar.getmembers())
        manifest = list(csv.DictReader(tar.extractfile("manifest.csv").read().decode("utf-8").splitlines()))
        for row in manifest:
            data = tar.extractfile(row["path"]).read()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
    shuyang = (REAL / "shuyang-fgj-2023.html").read_bytes()
    assert any(r["sha256"] == hashlib.sha256(shuyang).hexdigest() and r["agency"] == "沭阳县发展和改革局"
               and r["year"] == "2023" for r in manifest)
    assert {int(r["report_id"]) for r in manifest} == current_ids(corpus)
    gz1, gz2 = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    cli(corpus, "export", "--raw", "--out", str(gz1))
    cli(corpus, "export", "--raw", "--out", str(gz2))
    assert gz1.read_bytes() == gz2.read_bytes() and gz1.read_bytes()[:2] == b"\x1f\x8b"


def test_packed_values_read_as_the_cells_table_and_fall_back(corpus: Path, tmp_path: Path) -> None:
    """The fast paths (keys and values from ``reports.values_json``; raw text and location from
    ``reports.provenance_json``, else by cell-id range) read what the ``cells`` table holds, and
    migrations 0004's and 0005's backfills write the text ``save_report`` wrote; cells that do not line up with the packed values (a raw text
    holding a separator, a missing cell) send the chunk down the row-by-row path instead."""
    import importlib
    import shutil

    from nianbao.app.export_query import (
        _long_cells,
        _long_packed,
        _parse_packed,
        _split_packed,
    )

    db = tmp_path / "copy.sqlite"
    shutil.copy(corpus / "nianbao.sqlite", db)
    s = open_session(f"sqlite:///{db}")
    try:
        conn = s.connection()
        ids = sorted(current_ids(corpus))
        packed = dict(conn.exec_driver_sql("select id, values_json from reports").fetchall())
        texts = [packed[i] for i in ids]

        def rows(long) -> list[tuple]:
            return list(zip([ids[p] for p in long.pos], long.keys.to_pylist(), long.value.to_pylist(),
                            long.raw.to_pylist(), long.location.to_pylist()))

        provenance = dict(conn.exec_driver_sql("select id, provenance_json from reports").fetchall())
        prov = [provenance[i] for i in ids]
        assert None not in prov
        fast, slow = _long_packed(conn, ids, texts), _long_cells(conn, ids)
        assert fast is not None and rows(fast) == rows(slow) and len(rows(slow)) > 1000
        # raw text and location from reports.provenance_json (migration 0005): nothing read from cells
        conn.exec_driver_sql("alter table cells rename to cells_away")
        packed_only = _long_packed(conn, ids, texts, prov)
        conn.exec_driver_sql("alter table cells_away rename to cells")
        assert packed_only is not None and rows(packed_only) == rows(slow)
        # a raw text json escapes (a quote, a newline) is read by json, in its place among the others
        odd_prov = list(prov)
        items = json.loads(odd_prov[1])
        items[0] = 'a"b\n,null'
        odd_prov[1] = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        odd = _long_packed(conn, ids, texts, odd_prov)
        want = rows(slow)
        first_of_second = next(i for i, r in enumerate(want) if r[0] == ids[1])
        want[first_of_second] = want[first_of_second][:3] + ('a"b\n,null',) + want[first_of_second][4:]
        assert odd is not None and rows(odd) == want
        # provenance that does not pair up with the values: read from cells instead
        short = json.dumps(json.loads(prov[0])[:-2], ensure_ascii=False, separators=(",", ":"))
        assert rows(_long_packed(conn, ids, texts, [short] + prov[1:])) == rows(slow)
        assert rows(_long_packed(conn, ids, texts, ['{"a":1}'] + prov[1:])) == rows(slow)
        # a report extracted again has its cells after everyone else's: still one run of its own
        conn.exec_driver_sql(f"update cells set id = id + 1000000 where report_id = {ids[0]}")
        moved = _long_packed(conn, ids, texts)
        assert moved is not None and rows(moved) == rows(slow)
        split, parsed = _split_packed(texts), _parse_packed(texts)
        assert split is not None and split[0].tolist() == parsed[0].tolist()
        assert split[1].equals(parsed[1]) and split[2].equals(parsed[2])
        assert any(v is None for v in parsed[2].to_pylist()) and "." in "".join(filter(None, parsed[2].to_pylist()))
        odd = ['{"a/b/c":"1,2","d:e":null}', "{}", '{"f/g/h":"null"}']  # valid: split as json reads it
        assert [a.tolist() for a in _split_packed(odd)] == [a.tolist() for a in _parse_packed(odd)]
        for other in ('{"a/b/c": "1"}', '{"a/b/c":1}', '{"a\\"b":"1"}', '["a","b","c","d"]'):  # json reads these
            assert _split_packed([other]) is None

        backfill = importlib.import_module("db.migrations.versions.0004_packed_values").backfill
        conn.exec_driver_sql("update reports set values_json = null")
        assert backfill(conn, batch=3) >= len(ids)
        assert dict(conn.exec_driver_sql("select id, values_json from reports").fetchall()) == packed
        backfill5 = importlib.import_module("db.migrations.versions.0005_packed_provenance").backfill
        conn.exec_driver_sql("update reports set provenance_json = null")
        assert backfill5(conn, batch=3) >= len(ids)
        assert dict(conn.exec_driver_sql("select id, provenance_json from reports").fetchall()) == provenance

        conn.exec_driver_sql("update cells set raw = 'a\x1db' where id = (select min(id) from cells where "
                             f"report_id = {ids[0]})")
        assert _long_packed(conn, ids, texts) is None
        conn.exec_driver_sql(f"delete from cells where id = (select max(id) from cells where report_id = {ids[-1]})")
        assert _long_packed(conn, ids, texts) is None
    finally:
        s.rollback()
        s.close()
