"""What an export reads: which reports are in it (current versions, filters) and the rows of every
exported table, streamed from the database as Arrow record batches.

Streaming: reports are read in id order, ``CHUNK`` at a time, through a server-side cursor
(``yield_per``); the cells and sections of one chunk are fetched by report id while the chunk is in
hand and then dropped, so memory holds one chunk whatever the corpus size.

Values come from ``reports.values_json`` (migration 0004: each report's exact value texts packed
once, as ``save_report`` writes them beside the cells), split by Arrow without a Python object per
cell: reading ~250 rows of ``cells`` a report was most of an export's time. The wide ``reports``
table needs nothing else; the long ``cells`` table adds each cell's raw text and location from
``reports.provenance_json`` (migration 0005: the same cells' raw texts and locations, packed in
the same order), else from ``cells``, read by cell-id range and aligned by cell order. Reports
without packed values, or whose cells do not line up with them, are read from ``cells`` row by
row. Values are carried as text (the digits as written; ``cells.value`` is a float on SQLite);
each writer turns them into its own exact type.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import chain
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import LargeBinary, Select, Text, cast, func, literal, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db.models import Agency, CellRow, Document, Finding, ReportRow, SectionRow, Site
from nianbao.app import export_dictionary as D
from nianbao.app.export_agencies import agency_catalogue

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


def _provinces(conn: Connection, province: str) -> list[str]:
    from monitor.view import norm_province

    want = norm_province(province)
    names = [p for (p,) in conn.execute(select(Agency.province).distinct()) if p]
    return [p for p in names if norm_province(p) == want] or [province]


def _agency_filter(conn: Connection, sel: Selection) -> list[Any]:
    """The agencies of ``--province`` / ``--region``, as the export completes them from the rosters
    (:mod:`nianbao.app.export_agencies`: an imported agency has its roster entry's code)."""
    if not sel.narrows_agencies:
        return []
    ids = [a.id for a in agency_catalogue(conn).matching(sel.province, sel.region) if a.in_database]
    return [Agency.id.in_(ids)]


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


#: Text columns of ``cells`` that repeat a report's (agency, source …) or a cell key's value on
#: every row: dictionary-encoded — each distinct text once per batch, a 32-bit index per cell —
#: so they are not copied 200 times a report, and Parquet writes them without hashing them again.
DICTIONARY_COLUMNS = {"cells": frozenset({"agency", "province", "region", "region_code", "level", "body_type",
                                          "template", "key", "table_key", "row_key", "column_key", "source_url",
                                          "document_sha256"})}
DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def batch_schema(table: str) -> pa.Schema:
    coded = DICTIONARY_COLUMNS.get(table, frozenset())
    return pa.schema([pa.field(c.name, DICTIONARY if c.name in coded else arrow_type(c.type))
                      for c in D.table_columns(table)])


def _indexed(values: pa.Array, pos: np.ndarray) -> pa.DictionaryArray:
    """``values[pos]`` dictionary-encoded over ``values``; a null is a null index (Parquet
    writes no null inside a dictionary)."""
    if values.null_count:
        mask = values.is_null().to_numpy(zero_copy_only=False)[pos]
        return pa.DictionaryArray.from_arrays(pa.array(pos.astype(np.int32), pa.int32(), mask=mask),
                                              values.fill_null(""))
    return pa.DictionaryArray.from_arrays(pa.array(pos.astype(np.int32), pa.int32()), values)


def plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with its dictionary-encoded columns decoded (for writers that go through Python)."""
    if not any(pa.types.is_dictionary(f.type) for f in batch.schema):
        return batch
    arrays = [a.dictionary_decode() if pa.types.is_dictionary(a.type) else a for a in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _batch(table: str, columns: dict[str, Any]) -> pa.RecordBatch:
    schema = batch_schema(table)
    arrays = []
    for f in schema:
        v = columns[f.name]
        arrays.append(v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v, type=f.type))
    return pa.RecordBatch.from_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
                                       for a in arrays], schema=schema)


def readable_json(text: Any) -> str | None:
    """Stored JSON re-written as UTF-8 (SQLAlchemy stores ``\\u6c5f`` escapes). PostgreSQL's
    driver hands JSON columns over already decoded: they are written out again."""
    if text is None:
        return None
    if not isinstance(text, str):
        return json.dumps(text, ensure_ascii=False, separators=(",", ":"))
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
                   Document.fetched_at, ReportRow.values_json, ReportRow.provenance_json)
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
    agencies = agency_catalogue(conn).rows
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(_report_meta_query(conn, sel))
    for part in result.partitions(chunk):
        yield _chunk(conn, [tuple(r) for r in part], agencies)


# ------------------------------------------------------------------------------ cells of a chunk
@dataclass
class _Long:
    """A chunk's cells in long form, report by report in cell order: ``pos`` is each cell's report
    (its index in the chunk), ``keys`` its "table/row/column" key (dictionary-encoded: a few
    hundred distinct keys), ``value`` the exact value text."""

    pos: np.ndarray
    keys: pa.DictionaryArray
    value: pa.Array
    raw: pa.Array
    location: pa.Array


def _all_true(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py() is not False)


def _split_packed(texts: list[str]) -> tuple[np.ndarray, pa.Array, pa.Array] | None:
    """(cells per report, keys, values) of packed values as ``save_report`` writes them —
    ``{"t/r/c":"12","t/r/c":null}``: no spaces, no escapes —, split by Arrow at the quotes with
    no Python object per cell (a third of json's time). Every report must read ``{`` key ``:``
    value ``,`` … ``}`` token by token; None when one does not (then :func:`_parse_packed`)."""
    if any("\\" in t for t in texts):  # an escaped character: json reads it
        return None
    marked = pc.replace_substring(pa.array(texts, pa.string()), ":null", f':"{_NULL}"')
    tokens = pc.split_pattern(marked, '"')
    lens = pc.list_value_length(tokens).to_numpy(zero_copy_only=False).astype(np.int64)
    if ((lens - 1) % 4).any():
        return None
    counts = (lens - 1) // 4
    flat = pc.list_flatten(tokens)
    first = np.cumsum(lens) - lens  # each report's first token
    item = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)  # a cell's place in its report
    at = np.repeat(first, counts) + 4 * item  # the token before each cell's key: { or ,
    lead, colon, last = flat.take(at), flat.take(at + 2), flat.take(first + lens - 1)
    if not (np.array_equal(pc.equal(lead, "{").to_numpy(zero_copy_only=False), item == 0)
            and np.array_equal(pc.equal(lead, ",").to_numpy(zero_copy_only=False), item != 0)
            and _all_true(pc.equal(colon, ":"))
            and np.array_equal(pc.equal(last, "}").to_numpy(zero_copy_only=False), counts > 0)
            and np.array_equal(pc.equal(last, "{}").to_numpy(zero_copy_only=False), counts == 0)):
        return None
    value = flat.take(at + 3)
    return counts, flat.take(at + 1), pc.if_else(pc.equal(value, _NULL), pa.scalar(None, pa.string()), value)


def _parse_packed(texts: list[str]) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """The same as :func:`_split_packed` for any valid JSON."""
    values = [json.loads(t) for t in texts]
    return (np.fromiter(map(len, values), np.int64, len(values)),
            pa.array(list(chain.from_iterable(values)), pa.string()),
            pa.array(list(chain.from_iterable(map(dict.values, values))), pa.string()))


#: Separators of text packed by SQLite (group separator between cells; record separator standing
#: for NULL): Arrow splits it, so no Python object is made per cell.
_CELL, _NULL = "\x1d", "\x1e"


def _null_marked(texts: list[pa.Array]) -> pa.Array:
    col = pa.concat_arrays(texts) if texts else pa.array([], pa.string())
    return pc.if_else(pc.equal(col, _NULL), pa.scalar(None, pa.string()), col)


def _provenance_sqlite(conn: Connection, ids: list[int], counts: np.ndarray) -> tuple[pa.Array, pa.Array] | None:
    """Raw text and location of a chunk's cells, read by cell-id range: ``save_report`` inserts a
    report's cells together, so their ids are one contiguous run, and a range of the table's rowids
    is read sequentially (through the ``report_id`` index it costs three times as much). Each run
    is packed by ``group_concat`` into one string per column and split by Arrow. None when a
    report's cells are not one run of the length its packed values say, or a text holds a separator."""
    spans = {rid: (lo, hi, n) for rid, lo, hi, n in conn.exec_driver_sql(
        "SELECT report_id, min(id), max(id), count(*) FROM cells WHERE report_id IN ({}) GROUP BY report_id"
        .format(",".join(str(int(i)) for i in ids))).fetchall()}
    runs: list[list[int]] = []  # [first, last] cell id of consecutive reports' cells
    for rid, want in zip(ids, counts.tolist()):
        lo, hi, n = spans.get(rid, (0, -1, 0))
        if n != want or (n and hi - lo + 1 != n):
            return None
        if not n:
            continue
        if runs and runs[-1][1] + 1 == lo:
            runs[-1][1] = hi
        else:
            runs.append([lo, hi])
    raws, locs = [], []
    for lo, hi in runs:
        raw, loc = conn.exec_driver_sql(
            "SELECT group_concat(ifnull(raw, char(30)), char(29)), group_concat(ifnull(location, char(30)), char(29)) "
            "FROM cells WHERE id BETWEEN ? AND ?", (lo, hi)).one()  # a rowid range is scanned in id order
        for text, out in ((raw, raws), (loc, locs)):
            parts = pc.list_flatten(pc.split_pattern(pa.array([text], pa.string()), _CELL))
            if len(parts) != hi - lo + 1:
                return None
            out.append(parts)
    return _null_marked(raws), _null_marked(locs)


def _provenance_rows(conn: Connection, ids: list[int], counts: np.ndarray) -> tuple[pa.Array, pa.Array] | None:
    """The portable way: one row per cell, in (report, cell id) order."""
    rows = conn.execute(select(CellRow.report_id, CellRow.raw, CellRow.location).where(CellRow.report_id.in_(ids))
                        .order_by(CellRow.report_id, CellRow.id)).all()
    pos = {rid: i for i, rid in enumerate(ids)}
    got = np.bincount(np.fromiter((pos[r[0]] for r in rows), np.int64, len(rows)), minlength=len(ids))
    if not np.array_equal(got, counts):
        return None
    return pa.array([r[1] for r in rows], pa.string()), pa.array([r[2] for r in rows], pa.string())


def _split_flat(texts: list[str], width: int = 1) -> tuple[np.ndarray, list[pa.Array]]:
    """(items per text, the items) of JSON arrays of strings and nulls; with ``width`` > 1 the
    items as that many interleaved columns (item k goes to column k % width). Texts as
    ``save_report`` writes them — ``["12","table 1 row 2",null]``: no spaces, no escapes — are
    split by Arrow at the quotes, with no Python object per item: without a backslash every quote
    of valid JSON delimits a string, so the odd tokens are the items as written, and a text is
    taken when it reads ``[`` … ``]`` with one byte between items and says ``null`` as often as
    it has null items (a ``,null`` inside an item would be taken for one). Any other text is read
    by json, and the two kinds are put back in the texts' order."""
    n = len(texts)
    fast = np.fromiter(("\\" not in t for t in texts), bool, n)  # (str methods: faster than Arrow's here)
    nulls = np.fromiter((t.count("null") for t in texts), np.int64, n)  # ≥ the null items; more if an item says null
    arr = pa.array(texts, pa.string())
    marked = pc.replace_substring(pc.replace_substring(arr, "[null", f'["{_NULL}"'), ",null", f',"{_NULL}"')
    tokens = pc.split_pattern(marked, '"')
    lens = pc.fill_null(pc.list_value_length(tokens), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    m = np.maximum(lens - 1, 0) // 2  # items of each text, if it is well formed
    first = np.cumsum(lens) - lens
    flat = pc.list_flatten(tokens)
    row_start = np.cumsum(m) - m
    at = np.repeat(first - 2 * row_start, m) + 2 * np.arange(int(m.sum())) + 1  # token index of every item

    def per_row(x: np.ndarray) -> np.ndarray:
        c = np.concatenate([[0], np.cumsum(x)])
        return c[row_start + m] - c[row_start]

    items = flat.take(pa.array(at, pa.int64()))
    null = pc.equal(items, _NULL).to_numpy(zero_copy_only=False)
    item_bytes = pc.binary_length(items).to_numpy(zero_copy_only=False)
    sep_bytes = pc.binary_length(marked).to_numpy(zero_copy_only=False) - 2 * m - per_row(item_bytes)
    ends = flat.take(pa.array(np.concatenate([first, first + np.maximum(lens - 1, 0)]), pa.int64())).to_pylist()
    opened = np.array([(a, b) == ("[", "]") for a, b in zip(ends[:n], ends[n:])], bool)
    empty = np.array([a == "[]" and ln == 1 for a, ln in zip(ends[:n], lens)], bool)
    fast &= (lens % 2 == 1) & np.where(m > 0, opened & (sep_bytes == m + 1), empty) & (nulls == per_row(null))
    counts = np.where(fast, m, 0)
    if not fast.all():
        at = at[np.repeat(fast, m)]
    out = [pc.if_else(pc.equal(col, _NULL), pa.scalar(None, pa.string()), col)
           for col in (flat.take(pa.array(at[j::width], pa.int64())) for j in range(width))]
    slow = np.nonzero(~fast)[0]
    if not len(slow):
        return counts, out
    parsed = [json.loads(texts[int(i)]) for i in slow]
    counts[slow] = [len(x) for x in parsed]
    if (counts % width).any():
        raise ValueError(f"a packed text whose items are not a multiple of {width}")
    rows = np.nonzero(fast)[0]
    per = counts // width
    start = np.empty(n, np.int64)  # where each text's items begin in [fast items …, slow items …]
    start[rows] = np.cumsum(per[rows]) - per[rows]
    start[slow] = len(out[0]) + np.cumsum(per[slow]) - per[slow]
    order = pa.array(np.repeat(start - (np.cumsum(per) - per), per) + np.arange(int(per.sum())))
    rest = list(chain.from_iterable(parsed))
    return counts, [pa.concat_arrays([col, pa.array(rest[j::width], pa.string())]).take(order)
                    for j, col in enumerate(out)]


def _provenance_packed(texts: list[str | None], counts: np.ndarray) -> tuple[pa.Array, pa.Array] | None:
    """Raw text and location of a chunk's cells from ``reports.provenance_json``; None when a
    report has none or its items do not pair up with its values."""
    if None in texts:
        return None
    try:
        per_text, (raw, location) = _split_flat(texts, width=2)
    except (ValueError, TypeError, pa.ArrowException):  # not an array of strings and nulls in pairs
        return None
    if not np.array_equal(per_text, 2 * counts):
        return None
    return raw, location


def _long_packed(conn: Connection, ids: list[int], packed: list[str],
                 provenance: list[str | None] | None = None) -> _Long | None:
    """Keys and values from ``reports.values_json``; the raw text and location from
    ``reports.provenance_json`` or else from ``cells``, aligned by cell order (``save_report``
    writes all three in the same order). None when the cells do not line up with the packed values."""
    counts, keys, value = _split_packed(packed) or _parse_packed(packed)
    prov = _provenance_packed(provenance, counts) if provenance is not None else None
    if prov is None:
        read = _provenance_sqlite if conn.dialect.name == "sqlite" else _provenance_rows
        prov = read(conn, ids, counts)
    if prov is None:
        return None
    return _Long(np.repeat(np.arange(len(ids)), counts), keys.dictionary_encode(), value, *prov)


def _long_cells(conn: Connection, ids: list[int]) -> _Long:
    """Everything from ``cells``, one row per cell: for reports without packed values (rows
    written by hand after migration 0004) or whose cells do not line up with them."""
    rows = conn.execute(
        select(CellRow.report_id, CellRow.table_key, CellRow.row_key, CellRow.column_key, CellRow.value_text,
               CellRow.raw, CellRow.location).where(CellRow.report_id.in_(ids))
        .order_by(CellRow.report_id, CellRow.id)).all()
    pos = {rid: i for i, rid in enumerate(ids)}
    return _Long(np.fromiter((pos[r[0]] for r in rows), np.int64, len(rows)),
                 pa.array([f"{r[1]}/{r[2]}/{r[3]}" for r in rows], pa.string()).dictionary_encode(),
                 *(pa.array([r[i] for r in rows], pa.string()) for i in (4, 5, 6)))


@lru_cache(maxsize=1)
def _key_index() -> dict[str, int]:
    """The dictionary's cell keys as ``reports.values_json`` writes them ("table/row/column") -> their index."""
    return {f"{k.table}/{k.row}/{k.column_key}": i for i, k in enumerate(D.cell_keys())}


def _wide(n: int, long: _Long) -> tuple[dict[str, pa.Array], set[tuple[str, ...]]]:
    """The wide table's cell columns: for every (cell key, report) the position of its cell, then
    one take for all of them; and the keys the dictionary does not know (they have no column)."""
    index = _key_index()
    distinct = long.keys.dictionary.to_pylist()
    to_key = np.array([index.get(k, -1) for k in distinct] or [-1], np.int64)
    kidx = to_key[long.keys.indices.to_numpy(zero_copy_only=False)] if len(long.keys) else np.zeros(0, np.int64)
    at = np.nonzero(kidx >= 0)[0]
    keys = D.cell_keys()
    where = np.full(len(keys) * n, -1, np.int64)
    where[kidx[at] * n + long.pos[at]] = at
    taken = long.value.take(pa.array(where, mask=where < 0))
    columns = {ck.column: taken.slice(j * n, n) for j, ck in enumerate(keys)}
    unknown = {tuple(k.split("/", 2)) for k in distinct if k not in index}
    return columns, unknown


def _key_parts(keys: pa.DictionaryArray) -> dict[str, pa.Array]:
    """table_key, row_key, column_key and the dotted key of every cell, split once per distinct key."""
    split = [(k.split("/", 2) + ["", ""])[:3] for k in keys.dictionary.to_pylist()]
    parts = {name: [p[i] for p in split] for i, name in enumerate(("table_key", "row_key", "column_key"))}
    parts["key"] = [".".join(p) for p in split]
    indices = keys.indices.cast(pa.int32())
    return {name: pa.DictionaryArray.from_arrays(indices, pa.array(col, pa.string())) for name, col in parts.items()}


#: The columns of a report that come from its agency (as completed from the rosters).
_AGENCY_COLS = ("province", "region", "region_code", "level", "body_type")


def _chunk(conn: Connection, rows: list[tuple], agencies: dict[int, Any] | None = None) -> ReportChunk:
    meta = dict(zip(_META_COLS + ("values_json", "provenance_json"), map(list, zip(*rows))))
    packed, provenance = meta.pop("values_json"), meta.pop("provenance_json")
    if agencies:
        for col in _AGENCY_COLS:
            meta[col] = [getattr(agencies[a], col) if a in agencies else v
                         for a, v in zip(meta["agency_id"], meta[col])]
    meta["published"] = [_d(v) for v in meta["published"]]
    meta["first_seen"] = [_dt(v) for v in meta["first_seen"]]
    meta["fetched_at"] = [_dt(v) for v in meta["fetched_at"]]
    meta["is_current"] = [bool(v) for v in meta["is_current"]]
    meta["problems"] = [readable_json(v) for v in meta["problems"]]
    meta["facts"] = [readable_json(v) for v in meta["facts"]]
    ids = meta["id"]
    pos = {rid: i for i, rid in enumerate(ids)}
    n = len(ids)

    long = _long_packed(conn, ids, packed, provenance) if None not in packed else None
    if long is None:
        long = _long_cells(conn, ids)

    wide, unknown = _wide(n, long)
    reports = _batch("reports", {**meta, **wide})

    # each cell's report columns: the report's texts indexed by the cell's report; numbers taken
    at = pa.array(long.pos)
    cells_cols: dict[str, Any] = {}
    for col in D.table_columns("cells"):
        k = "id" if col.name == "report_id" else col.name
        if k not in meta:
            continue
        values = pa.array(meta[k], type=arrow_type(col.type))
        cells_cols[col.name] = (_indexed(values, long.pos) if col.name in DICTIONARY_COLUMNS["cells"]
                                else values.take(at))
    cells_cols.update(_key_parts(long.keys))
    cells_cols.update({"value": long.value, "value_text": long.value, "raw": long.raw, "location": long.location})
    cells = _batch("cells", cells_cols)

    # SQLite: the long texts as UTF-8 bytes, checked by Arrow, not decoded into Python strings and encoded back
    sqlite = conn.dialect.name == "sqlite"
    text, tokens = ((type_coerce(cast(c, LargeBinary), LargeBinary) if sqlite else c)
                    for c in (SectionRow.text, SectionRow.tokens))
    sec_rows = conn.execute(
        select(SectionRow.id, SectionRow.report_id, SectionRow.key, SectionRow.title, text, tokens,
               type_coerce(SectionRow.keywords, Text), type_coerce(SectionRow.facts, Text))
        .where(SectionRow.report_id.in_(ids)).order_by(SectionRow.report_id, SectionRow.id)).all()
    cols = list(map(list, zip(*sec_rows))) if sec_rows else [[] for _ in range(8)]
    if sqlite:
        cols[4], cols[5] = (pa.array(c, pa.binary()).cast(pa.string()) for c in (cols[4], cols[5]))
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


def agencies_batches(conn: Connection, sel: Selection, chunk: int = 5000) -> Iterator[pa.RecordBatch]:
    """The agencies of the database completed from the rosters, and the rosters' agencies of which
    no report was found (:mod:`nianbao.app.export_agencies`)."""
    from nianbao.app.export_agencies import COLUMNS

    cat = agency_catalogue(conn)
    rows = cat.matching(sel.province, sel.region) if sel.narrows_agencies else list(cat.rows.values())
    for i in range(0, len(rows), chunk):
        yield _batch("agencies", dict(zip(COLUMNS, map(list, zip(*(a.as_tuple() for a in rows[i:i + chunk]))))))


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
        evidence = [(json.loads(v) if isinstance(v, str) else v) if v else {} for v in cols["evidence"]]
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
