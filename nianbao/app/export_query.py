"""What an export reads: which reports are in it (current versions, filters) and the rows of every
exported table, streamed from the database as Arrow record batches.

Streaming: reports are read in id order, ``CHUNK`` at a time, through a server-side cursor
(``yield_per``); the cells and sections of one chunk are fetched by report id while the chunk is in
hand and then dropped, so memory holds one chunk whatever the corpus size. Values are built from
``cells.value_text`` (the digits as written; ``cells.value`` is a float on SQLite) and carried as
text in the batches; each writer turns them into its own exact type.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Select, Text, func, literal, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db.models import Agency, CellRow, Document, Finding, ReportRow, SectionRow, Site
from nianbao.app import export_dictionary as D

#: Reports read per round trip: a chunk's cells (about 200 a report) and sections are in memory together.
CHUNK = 200
#: Extraction statuses of a report; ``failed`` and ``not_report`` documents are exported only in ``documents``.
READABLE = ("ok", "problems")


# ------------------------------------------------------------------------------ selection
@dataclass(frozen=True)
class Selection:
    """The export's filters (all optional)."""

    province: str | None = None
    region: str | None = None  # 行政区划代码: 320800 selects 3208…
    year: int | None = None
    since: datetime | None = None  # documents fetched (reports first seen) on or after
    all_versions: bool = False

    @property
    def narrows_agencies(self) -> bool:
        return bool(self.province or self.region)


def current_reports_query() -> Select:
    """The ids of the current report versions: per (agency, year) the newest readable one, as
    the extraction marks it (``ReportRow.is_current``, migration 0002)."""
    return select(ReportRow.id).where(ReportRow.is_current, ReportRow.status.in_(READABLE))


def all_versions_query() -> Select:
    """Every version, but one report per (agency, year, content): the same bytes imported or
    crawled twice are not two versions."""
    ranked = (select(ReportRow.id.label("id"), func.row_number().over(
        partition_by=(func.coalesce(ReportRow.agency_id, -ReportRow.id), ReportRow.year, ReportRow.sha256),
        order_by=(Document.fetched_at.desc(), ReportRow.id.desc())).label("rank"))
        .join(Document, Document.id == ReportRow.document_id)
        .where(ReportRow.status.in_(READABLE))).subquery()
    return select(ranked.c.id).where(ranked.c.rank == 1)


def region_prefix(code: str) -> str:
    """320800 → 3208: the 行政区划代码 of a region is the prefix of every code inside it."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _provinces(conn: Connection, province: str) -> list[str]:
    from monitor.view import norm_province

    want = norm_province(province)
    names = [p for (p,) in conn.execute(select(Agency.province).distinct()) if p]
    return [p for p in names if norm_province(p) == want] or [province]


def _agency_filter(conn: Connection, sel: Selection) -> list[Any]:
    conds: list[Any] = []
    if sel.province:
        conds.append(Agency.province.in_(_provinces(conn, sel.province)))
    if sel.region:
        conds.append(Agency.region_code.like(region_prefix(sel.region) + "%"))
    return conds


def report_scope(conn: Connection, sel: Selection) -> Select:
    """The ids of the reports in the export."""
    versions = all_versions_query() if sel.all_versions else current_reports_query()
    q = (select(ReportRow.id).join(Document, Document.id == ReportRow.document_id)
         .outerjoin(Agency, Agency.id == ReportRow.agency_id).where(ReportRow.id.in_(versions)))
    for cond in _agency_filter(conn, sel):
        q = q.where(cond)
    if sel.year is not None:
        q = q.where(ReportRow.year == sel.year)
    if sel.since is not None:
        q = q.where(Document.fetched_at >= sel.since)
    return q


def count_reports(conn: Connection, sel: Selection) -> int:
    return conn.execute(select(func.count()).select_from(report_scope(conn, sel).subquery())).scalar_one()


# ------------------------------------------------------------------------------ arrow
def arrow_type(kind: str) -> pa.DataType:
    """The type a column has in the batches (decimals as their exact text; writers convert)."""
    return {"integer": pa.int64(), "decimal": pa.string(), "text": pa.string(), "json": pa.string(),
            "date": pa.date32(), "datetime": pa.timestamp("us"), "boolean": pa.bool_()}[kind]


def batch_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in D.table_columns(table)])


def _batch(table: str, columns: dict[str, Any]) -> pa.RecordBatch:
    schema = batch_schema(table)
    arrays = []
    for f in schema:
        v = columns[f.name]
        arrays.append(v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v, type=f.type))
    return pa.RecordBatch.from_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
                                       for a in arrays], schema=schema)


def readable_json(text: str | None) -> str | None:
    """Stored JSON re-written as UTF-8 (SQLAlchemy stores ``\\u6c5f`` escapes)."""
    if text is None:
        return None
    if text in ("[]", "{}", "null") or "\\u" not in text:
        return text
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


def _dt(v: Any) -> datetime | None:
    if v is None or isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v))


def _d(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


# ------------------------------------------------------------------------------ report-based tables
_META_COLS = ("id", "agency_id", "agency", "province", "region", "region_code", "level", "body_type", "year",
              "template", "title", "published", "first_seen", "status", "is_current", "format", "problems", "facts",
              "extractor_version", "source_url", "document_id", "document_sha256", "fetched_at")


def _report_meta_query(conn: Connection, sel: Selection) -> Select:
    return (select(ReportRow.id, ReportRow.agency_id, ReportRow.agency_name, Agency.province, Agency.region,
                   Agency.region_code, Agency.level, Agency.body_type, ReportRow.year, ReportRow.template,
                   ReportRow.title, ReportRow.published, ReportRow.first_seen, ReportRow.status,
                   ReportRow.is_current, ReportRow.format,
                   type_coerce(ReportRow.problems, Text), type_coerce(ReportRow.facts, Text),
                   ReportRow.extractor_version, Document.url, ReportRow.document_id, Document.sha256,
                   Document.fetched_at)
            .join(Document, Document.id == ReportRow.document_id)
            .outerjoin(Agency, Agency.id == ReportRow.agency_id)
            .where(ReportRow.id.in_(report_scope(conn, sel))).order_by(ReportRow.id))


@dataclass
class ReportChunk:
    """One chunk of reports with the batches of every report-based table."""

    n_reports: int
    reports: pa.RecordBatch
    cells: pa.RecordBatch
    sections: pa.RecordBatch
    unknown_keys: set[tuple[str, str, str]]  # cells whose key the dictionary does not know (no wide column)


def report_chunks(conn: Connection, sel: Selection, chunk: int = CHUNK) -> Iterator[ReportChunk]:
    """The reports, cells and sections tables, a chunk of reports at a time."""
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(_report_meta_query(conn, sel))
    for part in result.partitions(chunk):
        yield _chunk(conn, [tuple(r) for r in part])


@lru_cache(maxsize=1)
def _key_values() -> pa.Array:
    return pa.array([k.key for k in D.cell_keys()])


#: Separators of the packed cells (ASCII group/unit separators; null marked by record separator).
_CELL, _FIELD, _NULL = "\x1d", "\x1f", "\x1e"
_CellCols = tuple  # (report_id int64, table, row, column, value_text, raw, location) as Arrow arrays


def _cells_rows(conn: Connection, ids: list[int]) -> _CellCols:
    """The portable way: one row per cell."""
    rows = conn.execute(
        select(CellRow.report_id, CellRow.table_key, CellRow.row_key, CellRow.column_key, CellRow.value_text,
               CellRow.raw, CellRow.location).where(CellRow.report_id.in_(ids))
        .order_by(CellRow.report_id, CellRow.id)).all()
    cols = list(map(list, zip(*rows))) if rows else [[] for _ in range(7)]
    return (pa.array(cols[0], type=pa.int64()), *(pa.array(c, type=pa.string()) for c in cols[1:]))


def _cells_packed(conn: Connection, ids: list[int]) -> _CellCols | None:
    """SQLite: each report's cells packed into one string by the database and unpacked by Arrow,
    so no Python object is made per cell (the per-value cost of sqlite3 is most of an export's
    time otherwise). None — and the caller reads row by row — when a text holds a separator."""
    if not ids:
        return None
    sql = ("SELECT report_id, group_concat(cell, char(29)) FROM (SELECT report_id, "
           "table_key || char(31) || row_key || char(31) || column_key || char(31) || "
           "coalesce(value_text, char(30)) || char(31) || coalesce(raw, char(30)) || char(31) || "
           "coalesce(location, char(30)) AS cell FROM cells WHERE report_id IN ({}) ORDER BY report_id, id) "
           "GROUP BY report_id ORDER BY report_id").format(",".join(str(int(i)) for i in ids))
    rows = conn.exec_driver_sql(sql).fetchall()
    if not rows:
        return (pa.array([], pa.int64()), *(pa.array([], pa.string()) for _ in range(6)))
    rids = pa.array([r[0] for r in rows], type=pa.int64())
    lists = pc.split_pattern(pa.array([r[1] for r in rows], type=pa.string()), _CELL)
    parent = pc.list_parent_indices(lists)
    fields = pc.split_pattern(pc.list_flatten(lists), _FIELD)
    if pc.any(pc.not_equal(pc.list_value_length(fields), 6)).as_py():
        return None
    out = [rids.take(parent)]
    for i in range(6):
        col = pc.list_element(fields, i)
        out.append(pc.if_else(pc.equal(col, _NULL), pa.scalar(None, pa.string()), col))
    return tuple(out)


def _chunk(conn: Connection, rows: list[tuple]) -> ReportChunk:
    meta = dict(zip(_META_COLS, map(list, zip(*rows))))
    meta["published"] = [_d(v) for v in meta["published"]]
    meta["first_seen"] = [_dt(v) for v in meta["first_seen"]]
    meta["fetched_at"] = [_dt(v) for v in meta["fetched_at"]]
    meta["is_current"] = [bool(v) for v in meta["is_current"]]
    meta["problems"] = [readable_json(v) for v in meta["problems"]]
    meta["facts"] = [readable_json(v) for v in meta["facts"]]
    ids = meta["id"]
    pos = {rid: i for i, rid in enumerate(ids)}
    n = len(ids)

    cc = _cells_packed(conn, ids) if conn.dialect.name == "sqlite" else None
    if cc is None:
        cc = _cells_rows(conn, ids)
    rid_arr, t_a, r_a, c_a, vt_a, raw_a, loc_a = cc
    rep_pos = np.fromiter((pos[r] for r in rid_arr.to_pylist()), dtype=np.int64, count=len(rid_arr)) \
        if len(rid_arr) else np.zeros(0, dtype=np.int64)
    key_a = pc.binary_join_element_wise(t_a, r_a, c_a, ".")

    # the wide table: for every (report, cell key) the index of its cell, then one take per column
    all_keys = D.cell_keys()
    k_idx = pc.index_in(key_a, value_set=_key_values()).to_numpy(zero_copy_only=False)
    known = ~np.isnan(k_idx) if k_idx.dtype.kind == "f" else np.ones(len(k_idx), dtype=bool)
    unknown = {tuple(k.split(".", 1)[0:1] + k.split(".", 1)[1].rsplit(".", 1))
               for k in pc.unique(key_a.filter(pa.array(~known))).to_pylist()} if not known.all() else set()
    where = np.full(n * len(all_keys), -1, dtype=np.int64)
    cells_at = np.nonzero(known)[0]
    where[rep_pos[cells_at] * len(all_keys) + k_idx[cells_at].astype(np.int64)] = cells_at
    where = where.reshape(n, len(all_keys))
    reports_cols: dict[str, Any] = dict(meta)
    for j, ck in enumerate(all_keys):
        col = where[:, j]
        reports_cols[ck.column] = vt_a.take(pa.array(col, mask=col < 0))
    reports = _batch("reports", reports_cols)

    per_report = pa.RecordBatch.from_pydict({
        k: pa.array(meta[k], type=arrow_type(col.type))
        for k, col in ((col.name if col.name != "report_id" else "id", col) for col in D.table_columns("cells"))
        if k in meta})
    taken = per_report.take(pa.array(rep_pos))
    cells_cols: dict[str, Any] = {name: taken.column(name) for name in per_report.schema.names}
    cells_cols.update({"report_id": rid_arr, "table_key": t_a, "row_key": r_a, "column_key": c_a, "value": vt_a,
                       "value_text": vt_a, "raw": raw_a, "location": loc_a, "key": key_a})
    cells = _batch("cells", cells_cols)

    sec_rows = conn.execute(
        select(SectionRow.id, SectionRow.report_id, SectionRow.key, SectionRow.title, SectionRow.text,
               SectionRow.tokens, type_coerce(SectionRow.keywords, Text), type_coerce(SectionRow.facts, Text))
        .where(SectionRow.report_id.in_(ids)).order_by(SectionRow.report_id, SectionRow.id)).all()
    cols = list(map(list, zip(*sec_rows))) if sec_rows else [[] for _ in range(8)]
    sections = _batch("sections", {
        "id": cols[0], "report_id": cols[1], "agency": [meta["agency"][pos[r]] for r in cols[1]],
        "year": [meta["year"][pos[r]] for r in cols[1]], "key": cols[2], "title": cols[3], "text": cols[4],
        "tokens": cols[5], "keywords": [readable_json(v) for v in cols[6]],
        "facts": [readable_json(v) for v in cols[7]]})
    return ReportChunk(n, reports, cells, sections, unknown)


# ------------------------------------------------------------------------------ other tables
def _stream(conn: Connection, q: Select, table: str, convert: dict[str, Any], chunk: int = 5000
            ) -> Iterator[pa.RecordBatch]:
    names = [c.name for c in D.table_columns(table)]
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(q)
    for part in result.partitions(chunk):
        cols = dict(zip(names, map(list, zip(*part))))
        for name, fn in convert.items():
            cols[name] = [fn(v) for v in cols[name]]
        yield _batch(table, cols)


def agencies_batches(conn: Connection, sel: Selection) -> Iterator[pa.RecordBatch]:
    q = select(Agency.id, Agency.name, Agency.province, Agency.region, Agency.region_code, Agency.level,
               Agency.body_type, Agency.expected).order_by(Agency.id)
    for cond in _agency_filter(conn, sel):
        q = q.where(cond)
    yield from _stream(conn, q, "agencies", {"expected": bool})


def findings_batches(conn: Connection, sel: Selection) -> Iterator[pa.RecordBatch]:
    q = (select(Finding.id, Finding.rule, Finding.severity, Finding.status, Finding.agency_id, Finding.agency_name,
                Finding.year, Finding.report_id, Finding.message, literal(None), type_coerce(Finding.evidence, Text),
                literal(None), Finding.first_seen, Finding.last_seen, Finding.resolved_at, Finding.dismissed_reason,
                Finding.dismissed_at, Finding.fingerprint).order_by(Finding.id))
    conds = _agency_filter(conn, sel)
    if conds:
        q = q.where(Finding.agency_id.in_(select(Agency.id).where(*conds)))
    if sel.year is not None:
        q = q.where(Finding.year == sel.year)
    if sel.since is not None:
        q = q.where(Finding.last_seen >= sel.since)
    names = [c.name for c in D.table_columns("findings")]
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(q)
    for part in result.partitions(5000):
        cols = dict(zip(names, map(list, zip(*part))))
        evidence = [json.loads(v) if v else {} for v in cols["evidence"]]
        cols["evidence"] = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in evidence]
        cols["evidence_cells"] = [json.dumps(e.get("cells", []), ensure_ascii=False, separators=(",", ":"))
                                  for e in evidence]
        cols["source_url"] = [e.get("source_url") for e in evidence]
        for name in ("first_seen", "last_seen", "resolved_at", "dismissed_at"):
            cols[name] = [_dt(v) for v in cols[name]]
        yield _batch("findings", cols)


def documents_batches(conn: Connection, sel: Selection) -> Iterator[pa.RecordBatch]:
    """Every document of the export: those of its reports (any version or status), and without
    an agency or year filter also the fetches that gave no report (list pages, errors, cover
    pages) — of the province's sites under --province."""
    q = (select(Document.id, Document.url, Document.final_url, Document.sha256, Document.content_type,
                Document.size, Document.fetched_at, Document.http_status, Document.source, Document.kind,
                ReportRow.status, func.coalesce(Document.error, ReportRow.error), ReportRow.id)
         .outerjoin(ReportRow, ReportRow.document_id == Document.id)
         .outerjoin(Agency, Agency.id == ReportRow.agency_id).order_by(Document.id))
    conds = _agency_filter(conn, sel)
    if sel.year is not None:
        q = q.where(ReportRow.year == sel.year)
    if conds:
        agency_match = ReportRow.agency_id.in_(select(Agency.id).where(*conds))
        if sel.province and not sel.region and sel.year is None:
            site_match = Document.site_id.in_(select(Site.id).where(Site.province.in_(_provinces(conn, sel.province))))
            q = q.where(or_(agency_match, ReportRow.agency_id.is_(None) & site_match))
        else:
            q = q.where(agency_match)
    if sel.since is not None:
        q = q.where(Document.fetched_at >= sel.since)
    yield from _stream(conn, q, "documents", {"fetched_at": _dt})


def raw_manifest(conn: Connection, sel: Selection) -> Iterator[tuple]:
    """(sha256, url, fetched_at, agency, year, report_id, document_id) of the exported reports'
    documents, in (sha256, document id) order."""
    q = (select(Document.sha256, Document.url, Document.fetched_at, ReportRow.agency_name, ReportRow.year,
                ReportRow.id, Document.id)
         .join(ReportRow, ReportRow.document_id == Document.id)
         .where(ReportRow.id.in_(report_scope(conn, sel)), Document.sha256.is_not(None))
         .order_by(Document.sha256, Document.id))
    for row in conn.execution_options(stream_results=True, yield_per=5000).execute(q):
        yield tuple(row)


def open_connection(s: Session) -> Connection:
    return s.connection()
