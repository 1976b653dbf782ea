"""One writer per export format. Each takes the Arrow batches of :mod:`nianbao.app.export_query`
table by table, in any interleaving, and writes them as they come (nothing is held back but the
open files), so memory does not grow with the corpus.

Decimal columns arrive as their exact text (``cells.value_text``); each format gets them exactly:
Parquet as decimal128(38, 10), JSON Lines as numbers written digit for digit, SQLite in NUMERIC
columns (integers stay INTEGER, up to 15 significant digits REAL, longer ones stay TEXT), XLSX as
numbers in the XML, CSV as the text itself.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from nianbao.app import export_dictionary as D

BOM = "\ufeff".encode("utf-8")


def _decimal_columns(table: str) -> list[str]:
    return [c.name for c in D.table_columns(table) if c.type == "decimal"]


def _json_columns(table: str) -> list[str]:
    return [c.name for c in D.table_columns(table) if c.type == "json"]


def _times_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Timestamps as "2024-01-02 03:04:05" and dates as "2024-01-02" (CSV, SQLite)."""
    arrays = []
    fields = []
    for f, a in zip(batch.schema, batch.columns):
        if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type):
            if pa.types.is_timestamp(f.type):
                a = a.cast(pa.timestamp("s"), safe=False)
            a = a.cast(pa.string())
            f = pa.field(f.name, pa.string())
        arrays.append(a)
        fields.append(f)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


class Writer:
    """Base: ``write(table, batch)`` as often as needed, then ``close()`` once."""

    suffix = ""

    def __init__(self, out: Path):
        self.out = out
        self.rows: dict[str, int] = {}

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        self.rows[table] = self.rows.get(table, 0) + batch.num_rows
        if batch.num_rows:
            self._write(table, batch)

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def close(self, dictionary: dict[str, Any]) -> list[Path]:
        raise NotImplementedError


class _PerTableFiles(Writer):
    """Formats written as one file per table in the ``out`` directory, with the dictionary beside."""

    def __init__(self, out: Path):
        super().__init__(out)
        out.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, Any] = {}

    def path(self, table: str) -> Path:
        return self.out / f"{table}{self.suffix}"

    def close(self, dictionary: dict[str, Any]) -> list[Path]:
        for table in [t.name for t in D.TABLES]:
            if table not in self.files:  # an empty table is still a file with its header
                self._open(table)
        for handle in self.files.values():
            handle.close()
        (self.out / "data-dictionary.json").write_text(D.to_json(dictionary), encoding="utf-8")
        (self.out / "data-dictionary.md").write_text(D.to_markdown(), encoding="utf-8")
        return [self.path(t.name) for t in D.TABLES] + [self.out / "data-dictionary.json"]

    def _open(self, table: str) -> Any:
        raise NotImplementedError


# ------------------------------------------------------------------------------ CSV
class CsvWriter(_PerTableFiles):
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""

    suffix = ".csv"

    class _File:
        def __init__(self, path: Path, schema: pa.Schema):
            import pyarrow.csv as pcsv

            self.fh: BinaryIO = open(path, "wb")
            self.fh.write(BOM)
            self.writer = pcsv.CSVWriter(self.fh, schema)

        def close(self) -> None:
            self.writer.close()
            self.fh.close()

    def _schema(self, table: str) -> pa.Schema:
        from nianbao.app.export_query import batch_schema

        return _times_as_text(pa.RecordBatch.from_pylist([], schema=batch_schema(table))).schema

    def _open(self, table: str) -> "_File":
        self.files[table] = self._File(self.path(table), self._schema(table))
        return self.files[table]

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        f = self.files.get(table) or self._open(table)
        f.writer.write_batch(_times_as_text(batch))


# ------------------------------------------------------------------------------ Parquet
class ParquetWriter(_PerTableFiles):
    """Real types: int64, decimal128(38, 10) built from the exact text, date32, timestamp, bool;
    each column's description from the dictionary in its field metadata."""

    suffix = ".parquet"
    DECIMAL = pa.decimal128(D.DECIMAL_PRECISION, D.DECIMAL_SCALE)

    def __init__(self, out: Path):
        super().__init__(out)
        self.pending: dict[str, list[pa.RecordBatch]] = {}
        self.pending_size: dict[str, tuple[int, int]] = {}  # rows and bytes pending per table
        self.unfit = 0  # decimals with more digits than decimal128(38, 10) holds: left null, text kept

    def _schema(self, table: str) -> pa.Schema:
        from nianbao.app.export_query import batch_schema

        types = batch_schema(table)  # (repeated texts of the cells table stay dictionary-encoded)
        fields = []
        for c in D.table_columns(table):
            typ = self.DECIMAL if c.type == "decimal" else types.field(c.name).type
            meta = {"description": c.description, "nianbao_type": c.type}
            fields.append(pa.field(c.name, typ, metadata=meta))
        t = D.TABLE_BY_NAME[table]
        return pa.schema(fields, metadata={"table": t.name, "title": t.title, "description": t.description})

    #: Text columns whose row groups carry min/max statistics (readers skip row groups by them);
    #: other texts (raw cells, locations, URLs, hashes, section text) get none: computing them was
    #: a third of the time spent writing, and no filter uses their ranges.
    TEXT_STATISTICS = frozenset({"agency", "province", "region", "region_code", "level", "body_type", "template",
                                 "key", "table_key", "row_key", "column_key", "status", "rule", "severity",
                                 "name", "kind", "source", "format"})

    def _open(self, table: str) -> Any:
        import pyarrow.parquet as pq

        schema = self._schema(table)
        stats = [f.name for f in schema if not (pa.types.is_string(f.type) or pa.types.is_dictionary(f.type))
                 or f.name in self.TEXT_STATISTICS]
        self.files[table] = pq.ParquetWriter(self.path(table), schema, compression="zstd", write_statistics=stats)
        return self.files[table]

    def _decimal(self, text: pa.Array) -> pa.Array:
        try:
            return pc.cast(text, self.DECIMAL)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out = []
            q = Decimal(1).scaleb(-D.DECIMAL_SCALE)
            for v in text.to_pylist():
                d = None
                if v is not None:
                    d = Decimal(v)
                    if d.quantize(q) != d or d.adjusted() >= D.DECIMAL_PRECISION - D.DECIMAL_SCALE:
                        self.unfit += 1
                        d = None
                out.append(d)
            return pa.array(out, type=self.DECIMAL)

    #: Values (rows × columns) gathered before a row group is written: one row group per chunk
    #: of 200 reports would make the file's metadata, held in memory until close, grow with the corpus.
    ROW_GROUP_VALUES = 4_000_000
    #: ... or bytes, whichever comes first: 4 M values of section text would be gigabytes.
    ROW_GROUP_BYTES = 32 << 20

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        w = self.files.get(table) or self._open(table)
        schema = w.schema
        arrays = list(batch.columns)
        at = [i for i, f in enumerate(schema) if pa.types.is_decimal(f.type)]
        if at:  # one cast for all decimal columns (the wide table has 226): a cast costs more per call than per value
            values = self._decimal(pa.concat_arrays([arrays[i] for i in at]))
            for k, i in enumerate(at):
                arrays[i] = values.slice(k * batch.num_rows, batch.num_rows)
        converted = pa.RecordBatch.from_arrays(arrays, schema=schema)
        self.pending.setdefault(table, []).append(converted)
        rows, size = self.pending_size.get(table, (0, 0))
        rows, size = rows + converted.num_rows, size + converted.get_total_buffer_size()  # (nbytes is slow on slices)
        self.pending_size[table] = (rows, size)
        if rows * len(schema) >= self.ROW_GROUP_VALUES or size >= self.ROW_GROUP_BYTES:
            self._flush(table)

    def _flush(self, table: str) -> None:
        pending = self.pending.pop(table, [])
        self.pending_size.pop(table, None)
        if pending:
            self.files[table].write_table(pa.Table.from_batches(pending), row_group_size=1 << 30)

    def close(self, dictionary: dict[str, Any]) -> list[Path]:
        for table in list(self.pending):
            self._flush(table)
        return super().close(dictionary)


# ------------------------------------------------------------------------------ JSON Lines
class JsonlWriter(_PerTableFiles):
    """One object per line; decimals as JSON numbers with the digits as written; JSON columns
    (problems, facts, evidence, keywords) as nested JSON, not strings."""

    suffix = ".jsonl"

    def _open(self, table: str) -> Any:
        self.files[table] = open(self.path(table), "w", encoding="utf-8", newline="\n")
        return self.files[table]

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        import simplejson

        from nianbao.app.export_query import plain

        batch = plain(batch)
        fh = self.files.get(table) or self._open(table)
        decimals = set(_decimal_columns(table))
        jsons = set(_json_columns(table))
        names = batch.schema.names
        columns = []
        for name, arr in zip(names, batch.columns):
            values = arr.to_pylist()
            if name in decimals:
                values = [None if v is None else Decimal(v) for v in values]
            elif name in jsons:
                values = [None if v is None else json.loads(v) for v in values]
            elif pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
                values = [None if v is None else v.isoformat() for v in values]
            columns.append(values)
        lines = [simplejson.dumps(dict(zip(names, row)), ensure_ascii=False, use_decimal=True)
                 for row in zip(*columns)]
        fh.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------------------ SQLite
_SQL_TYPE = {"integer": "INTEGER", "decimal": "NUMERIC", "text": "TEXT", "json": "TEXT", "date": "TEXT",
             "datetime": "TEXT", "boolean": "INTEGER"}
#: Foreign keys of the SQLite export (datasette links them). findings.report_id is not one: a
#: finding may cite an earlier version that a current-only export leaves out.
FOREIGN_KEYS = {("cells", "report_id"): "reports", ("sections", "report_id"): "reports",
                ("reports", "agency_id"): "agencies", ("reports", "document_id"): "documents",
                ("findings", "agency_id"): "agencies"}
INDEXES = {"cells": [("report_id",), ("key",), ("agency_id", "year"), ("year", "key")],
           "reports": [("agency_id", "year"), ("year",), ("region_code",), ("province",)],
           "sections": [("report_id",)], "agencies": [("region_code",), ("province",)],
           "findings": [("agency_id", "year"), ("rule",), ("status",)], "documents": [("sha256",)]}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteWriter(Writer):
    """A database ready for datasette: UTF-8 JSON, indexes, foreign keys, full-text search on
    the sections, the dictionary as a table, and ``<name>.metadata.json`` beside it."""

    def __init__(self, out: Path):
        super().__init__(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out.with_name(out.name + ".partial")
        if self.tmp.exists():
            self.tmp.unlink()
        self.db = sqlite3.connect(self.tmp)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        for t in D.TABLES:
            cols = []
            for c in D.table_columns(t.name):
                col = f"{_q(c.name)} {_SQL_TYPE[c.type]}"
                if c.name == t.primary_key:
                    col += " PRIMARY KEY"
                ref = FOREIGN_KEYS.get((t.name, c.name))
                if ref:
                    col += f" REFERENCES {_q(ref)}(id)"
                cols.append(col)
            self.db.execute(f"CREATE TABLE {_q(t.name)} ({', '.join(cols)})")
        self.inserts = {t.name: "INSERT INTO {} VALUES ({})".format(
            _q(t.name), ",".join("?" * len(D.table_columns(t.name)))) for t in D.TABLES}

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        from nianbao.app.export_query import plain

        columns = [a.to_pylist() for a in _times_as_text(plain(batch)).columns]
        self.db.executemany(self.inserts[table], zip(*columns))

    def close(self, dictionary: dict[str, Any]) -> list[Path]:
        db = self.db
        for table, indexes in INDEXES.items():
            for cols in indexes:
                name = f"ix_{table}_{'_'.join(cols)}"
                db.execute(f"CREATE INDEX {_q(name)} ON {_q(table)} ({', '.join(map(_q, cols))})")
        # trigram: substring search of Chinese text (a query of 3 characters or more)
        db.execute("CREATE VIRTUAL TABLE sections_fts USING fts5(title, text, content='sections', "
                   "content_rowid='id', tokenize='trigram')")
        db.execute("INSERT INTO sections_fts(sections_fts) VALUES ('rebuild')")
        db.execute("CREATE TABLE dictionary (key TEXT PRIMARY KEY, \"column\" TEXT, label TEXT, templates TEXT, "
                   "type TEXT, unit TEXT, in_2021 TEXT, relation TEXT, note TEXT)")
        db.executemany("INSERT INTO dictionary VALUES (?,?,?,?,?,?,?,?,?)",
                       [(k["key"], k["column"], k["label"], ",".join(k["templates"]), k["type"], k["unit"],
                         k["in_2021"], k["relation"], k["note"]) for k in dictionary["cells"]])
        db.commit()
        db.execute("ANALYZE")
        db.close()
        os.replace(self.tmp, self.out)
        meta_path = metadata_path(self.out)
        meta_path.write_text(json.dumps(datasette_metadata(self.out.stem), ensure_ascii=False, indent=1),
                             encoding="utf-8")
        dict_path = self.out.with_name(self.out.stem + ".data-dictionary.json")
        dict_path.write_text(D.to_json(dictionary), encoding="utf-8")
        return [self.out, meta_path, dict_path]


def metadata_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + ".metadata.json")


#: Canned queries of the SQLite export (datasette shows them on the database page).
CANNED_QUERIES: dict[str, dict[str, str]] = {
    "corrections_by_agency": {
        "title": "行政复议、行政诉讼结果纠正（按机关和年度）",
        "description": "复议纠正 + 直接起诉纠正 + 复议后起诉纠正；空白单元格不计",
        "sql": "select agency, region_code, year, "
               "coalesce(review_litigation__review__corrected, 0) + "
               "coalesce(review_litigation__litigation_direct__corrected, 0) + "
               "coalesce(review_litigation__litigation_after_review__corrected, 0) as corrected, "
               "review_litigation__review__total as review_total, id as report_id from reports "
               "order by corrected desc, agency, year",
    },
    "applications_by_year": {
        "title": "各年度本年新收申请数量合计",
        "description": "现行版本报告中“本年新收政府信息公开申请数量·总计”之和（政府与部门不可相加，按机关类型分开）",
        "sql": "select year, body_type, count(*) as reports, sum(applications__new_received__total) as new_received "
               "from reports group by year, body_type order by year, body_type",
    },
    "open_errors": {
        "title": "待处理的错误",
        "description": "状态为 open、严重程度为 error 的检查发现",
        "sql": "select id, rule, agency, year, message, source_url from findings "
               "where status = 'open' and severity = 'error' order by agency, year, rule",
    },
}


def datasette_metadata(db_name: str) -> dict[str, Any]:
    """Chinese titles and descriptions, column descriptions, facets, full-text search, canned
    queries — the whole of datasette's configuration for the exported database."""
    facets = {"reports": ["year", "template", "province", "body_type", "status"],
              "cells": ["year", "table_key", "template"], "sections": ["key", "year"],
              "findings": ["rule", "severity", "status", "year"], "agencies": ["province", "level", "body_type"],
              "documents": ["status", "kind", "source"]}
    tables: dict[str, Any] = {}
    for t in D.TABLES:
        entry: dict[str, Any] = {"title": t.title, "description": t.description,
                                 "columns": {c.name: c.description for c in D.table_columns(t.name)},
                                 "facets": facets.get(t.name, [])}
        if t.name == "sections":
            entry.update({"fts_table": "sections_fts", "fts_pk": "id", "searchmode": "escaped"})
        if t.name in ("reports", "findings", "agencies"):
            entry["label_column"] = "agency" if t.name != "agencies" else "name"
        tables[t.name] = entry
    tables["dictionary"] = {"title": "数据字典（单元格）", "description": "每个规范单元格的键、中文标签、模板、类型、单位和 2019→2021 对应"}
    tables["sections_fts"] = {"hidden": True}
    return {
        "title": "nianbao — 政府信息公开工作年度报告",
        "description": "年度报告的表格单元格（精确值、原文、位置）、正文、检查发现与原文件。"
                       "机关页：/-/agency/<编号>；地区页：/-/region/<行政区划代码>",
        "license": "Data as published by the reporting bodies",
        "source": "nianbao",
        "databases": {db_name: {"tables": tables, "queries": CANNED_QUERIES}},
    }


# ------------------------------------------------------------------------------ XLSX
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CHARS = 32_767


class XlsxWriter(Writer):
    """openpyxl in write-only mode: one sheet per table (continued on "cells 2" … past Excel's
    1,048,576 rows), a frozen header, the dictionary as the last sheet. Text longer than a cell
    holds (32,767 characters) is cut with a marker and counted."""

    def __init__(self, out: Path):
        super().__init__(out)
        from openpyxl import Workbook

        out.parent.mkdir(parents=True, exist_ok=True)
        self.wb = Workbook(write_only=True)
        self.sheets: dict[str, Any] = {}
        self.sheet_rows: dict[str, int] = {}
        self.parts: dict[str, int] = {}
        self.cut = 0
        for t in D.TABLES:
            self._sheet(t.name)

    def _sheet(self, table: str) -> Any:
        n = self.parts.get(table, 0) + 1
        self.parts[table] = n
        ws = self.wb.create_sheet(table if n == 1 else f"{table} {n}")
        ws.freeze_panes = "A2"
        ws.append([c.name for c in D.table_columns(table)])
        self.sheets[table] = ws
        self.sheet_rows[table] = 1
        return ws

    def _text(self, v: str) -> str:
        v = _ILLEGAL.sub("", v)
        if len(v) > XLSX_MAX_CHARS:
            self.cut += 1
            v = v[:XLSX_MAX_CHARS - 40] + "…[truncated: full text in other formats]"
        return v

    def _write(self, table: str, batch: pa.RecordBatch) -> None:
        from nianbao.app.export_query import plain

        batch = plain(batch)
        decimals = set(_decimal_columns(table))
        columns = []
        for name, arr in zip(batch.schema.names, batch.columns):
            values = arr.to_pylist()
            if name in decimals:
                values = [None if v is None else (int(v) if "." not in v else Decimal(v)) for v in values]
            elif pa.types.is_string(arr.type):
                values = [None if v is None else self._text(v) for v in values]
            columns.append(values)
        for row in zip(*columns):
            if self.sheet_rows[table] >= XLSX_MAX_ROWS:
                self._sheet(table)
            self.sheets[table].append(row)
            self.sheet_rows[table] += 1

    def close(self, dictionary: dict[str, Any]) -> list[Path]:
        ws = self.wb.create_sheet("dictionary")
        ws.freeze_panes = "A2"
        fields = ["key", "column", "label", "templates", "type", "unit", "in_2021", "relation", "note"]
        ws.append(fields)
        for k in dictionary["cells"]:
            ws.append([",".join(k[f]) if f == "templates" else k[f] for f in fields])
        tmp = self.out.with_name(self.out.name + ".partial")
        self.wb.save(tmp)
        os.replace(tmp, self.out)
        return [self.out]


WRITERS: dict[str, type[Writer]] = {"csv": CsvWriter, "parquet": ParquetWriter, "jsonl": JsonlWriter,
                                    "sqlite": SqliteWriter, "xlsx": XlsxWriter}
