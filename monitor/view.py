"""The monitor's in-memory view of the database: who is expected to report, and the latest
version of every report per (agency, year), with all its canonical cells in two dense arrays.

Cells are loaded in bulk — one query over ``cells`` in which the database packs each report's cells
into a single "slot,value,…" string that numpy parses in C (``_load_cells``) — into

* ``V``  float64 [report, slot]: the value (0 where the cell is blank or absent),
* ``ST`` int8    [report, slot]: 0 absent, 1 blank (the agency left it empty, "/", "-"), 2 a value,
* ``U``  bool    [report, slot]: the extractor could not read this cell (``Report.unreadable()``),

so that the hard rules run as array arithmetic over every report at once. The exact text, the raw
cell text and its location are fetched afterwards, only for the cells a finding cites.

Agencies: the rows of ``agencies`` and the roster entries of ``config/agencies/*.yaml`` are merged
into identities. A report imported without a 行政区划代码 (``region_code == ""``) belongs to the
roster entry or coded agency of the same name when that name is unique; otherwise it stays its own
identity. The identity key (``name|region_code``) is what finding fingerprints use.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterator

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import Agency
from extract import template as T
from extract.model import BLOCKING_KINDS, Problem, Report
from monitor.config import MonitorConfig, infer_body_type

# ------------------------------------------------------------------------------ slots
SLOTS: list[tuple[str, str, str]] = []
for _r in T.APPLICATION_ROW_KEYS:
    for _c in T.APPLICANT_COLUMNS:
        SLOTS.append(("applications", _r, _c))
for _g in T.REVIEW_GROUPS:
    for _c in T.REVIEW_COLUMNS:
        SLOTS.append(("review_litigation", _g, _c))
for _t in T.PROACTIVE_TABLES:
    _cols: list[str] = []
    for _tpl_cols in _t.columns.values():
        for _k, _ in _tpl_cols:
            if _k not in _cols:
                _cols.append(_k)
    for _r in _t.rows:
        for _c in _cols:
            SLOTS.append((_t.key, _r, _c))
SLOT: dict[tuple[str, str, str], int] = {k: i for i, k in enumerate(SLOTS)}
#: Columns whose values may be negative (本年增/减) or decimal (万元).
SIGNED_COLUMNS = frozenset({"change"})


def slot(table: str, row: str, column: str) -> int:
    return SLOT[(table, row, column)]


def is_money_slot(i: int) -> bool:
    t, _, c = SLOTS[i]
    return T.is_money(t, c)


READABLE = ("ok", "problems")


def norm_province(p: str | None) -> str:
    return re.sub(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$", "", (p or "").strip())


# ------------------------------------------------------------------------------ agencies
@dataclass
class AgencyInfo:
    key: str
    name: str
    id: int | None = None  # the agencies row a finding points to
    ids: list[int] = field(default_factory=list)
    region_code: str = ""
    region: str | None = None
    province: str | None = None
    level: str | None = None
    declared_type: str | None = None
    site: str | None = None
    expected: bool = False  # on a roster
    since: int | None = None
    until: int | None = None
    years: frozenset[int] | None = None  # roster: the report years it covers
    deadlines: dict[str, str] | None = None  # roster: local deadlines per body type
    pseudo: bool = False  # a report that names no agency: identified by its URL only
    id_coded: bool = False  # ``id`` points to a row with a region_code

    @property
    def body_type(self) -> str:
        return infer_body_type(self.name, self.declared_type)

    def expected_for(self, year: int) -> bool:
        """On a roster that covers ``year``."""
        if not self.expected:
            return False
        if self.years is not None and year not in self.years:
            return False
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    @property
    def region_key(self) -> str | None:
        """What "the same region" means for W4: the county-level code, else the region name."""
        if self.region_code:
            return "code:" + self.region_code[:6]
        if self.region:
            return "name:" + self.region
        return None


def identity_key(name: str, region_code: str) -> str:
    return f"{name}|{region_code or ''}"


def resolve_agencies(rows: list[Any], cfg: MonitorConfig) -> tuple[dict[str, AgencyInfo], dict[int, AgencyInfo]]:
    """Merge agency rows and roster entries into identities; return (by key, by agency id)."""
    by_key: dict[str, AgencyInfo] = {}
    roster_names: dict[str, list[AgencyInfo]] = defaultdict(list)
    for e in cfg.roster:
        k = identity_key(e.name, e.region_code)
        info = by_key.get(k)
        if info is None:
            info = by_key[k] = AgencyInfo(k, e.name, region_code=e.region_code)
            roster_names[e.name].append(info)
        info.region = info.region or e.region
        info.province = info.province or e.province
        info.level = info.level or e.level
        info.declared_type = info.declared_type or e.body_type
        info.site = info.site or e.site
        info.expected = True
        info.since = e.since if e.since is not None else info.since
        info.until = e.until if e.until is not None else info.until
        info.years = e.years or info.years
        info.deadlines = e.deadlines or info.deadlines
    coded: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.region_code:
            coded[r.name].add(r.region_code)
    by_id: dict[int, AgencyInfo] = {}
    # coded rows first, so the uncoded ones can join them
    for r in sorted(rows, key=lambda r: (not r.region_code, r.id)):
        code = r.region_code or ""
        if not code:
            cands = roster_names.get(r.name, [])
            if len(cands) == 1:
                code = cands[0].region_code
            elif not cands and len(coded.get(r.name, ())) == 1:
                code = next(iter(coded[r.name]))
        k = identity_key(r.name, code)
        info = by_key.get(k)
        if info is None:
            info = by_key[k] = AgencyInfo(k, r.name, region_code=code)
        if info.id is None or (r.region_code and not info.id_coded):
            info.id = r.id
            info.id_coded = bool(r.region_code)
        info.ids.append(r.id)
        info.region = info.region or r.region
        info.province = info.province or r.province
        info.level = info.level or r.level
        info.declared_type = info.declared_type or r.body_type
        info.expected = info.expected or bool(r.expected)
        by_id[r.id] = info
    return by_key, by_id


# ------------------------------------------------------------------------------ reports
@dataclass(slots=True)
class Version:
    """One stored extraction of one document (a report version)."""

    id: int
    agency: AgencyInfo
    year: int
    status: str
    template: str | None
    published: date | None
    first_seen: datetime | None
    sha256: str
    url: str
    site_id: int | None
    source: str | None
    document_id: int


@dataclass(slots=True)
class Rep:
    """The latest readable version of one agency's report for one year, as the rules see it."""

    idx: int
    id: int
    agency: AgencyInfo
    year: int | None
    template: str | None
    published: date | None
    first_seen: datetime | None
    url: str
    status: str
    facts: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    in_scope: bool = True


class View:
    """Everything the rules read. Build with :func:`load`."""

    def __init__(self, s: Session, cfg: MonitorConfig):
        self.s = s
        self.cfg = cfg
        self.reps: list[Rep] = []
        self.by_key: dict[tuple[str, int], int] = {}  # (agency key, year) -> rep idx
        self.agencies: dict[str, AgencyInfo] = {}
        self.by_agency_id: dict[int, AgencyInfo] = {}
        self.years: set[int] = set()  # report years findings are emitted for
        self.province: str | None = None
        self.year_requested: int | None = None
        self.as_of: date = date.today()
        self.V = np.zeros((0, len(SLOTS)))
        self.ST = np.zeros((0, len(SLOTS)), dtype=np.int8)
        self.U = np.zeros((0, len(SLOTS)), dtype=bool)
        self.scope = np.zeros(0, dtype=bool)
        self._temp = False

    # ------------------------------------------------------------------ helpers for rules
    def rep_of(self, agency_key: str, year: int) -> Rep | None:
        i = self.by_key.get((agency_key, year))
        return None if i is None else self.reps[i]

    def in_province(self, a: AgencyInfo) -> bool:
        return self.province is None or norm_province(a.province) == norm_province(self.province)

    def value(self, i: int, table: str, row: str, col: str) -> float | None:
        k = SLOT[(table, row, col)]
        return float(self.V[i, k]) if self.ST[i, k] == 2 else None

    def num(self, i: int, k: int) -> int | float | None:
        """A cell's value as a number for messages (None when blank)."""
        if self.ST[i, k] != 2:
            return None
        v = float(self.V[i, k])
        return int(v) if v == int(v) and not is_money_slot(k) else v

    def iter_sections(self, columns: str, where: str = "", only: list[int] | None = None
                      ) -> Iterator[tuple]:
        """Stream (rep idx, section key, *columns) for the reports of the view (or the report ids
        in ``only``), in report order. ``where`` is an extra SQL condition on ``s``."""
        cur = self._raw().cursor()
        try:
            if only is None:
                sql = (f"SELECT r.idx, s.key, {columns} FROM mon_reps r JOIN sections s ON s.report_id = r.report_id"
                       f"{' WHERE ' + where if where else ''} ORDER BY r.report_id, s.id")
                cur.execute(sql)
                while True:
                    rows = cur.fetchmany(5000)
                    if not rows:
                        break
                    yield from rows
            else:
                ids = sorted(set(only))
                for n in range(0, len(ids), 500):
                    chunk = ",".join(str(int(x)) for x in ids[n:n + 500])
                    cur.execute(f"SELECT s.report_id, s.key, {columns} FROM sections s WHERE s.report_id IN ({chunk})"
                                f"{' AND ' + where if where else ''} ORDER BY s.report_id, s.id")
                    yield from cur.fetchall()
        finally:
            cur.close()

    def iter_report_text(self, column: str = "tokens", only: list[int] | None = None) -> Iterator[tuple[int, str]]:
        """(rep idx, the report's sections' ``column`` joined by spaces in document order), for the
        view's reports — or, with ``only``, for those report ids (then the first item is the id)."""
        dialect = self.s.bind.dialect.name
        if only is None and dialect in ("sqlite", "postgresql"):
            cur = self._raw().cursor()
            try:
                if dialect == "sqlite":
                    has_ix = cur.execute("SELECT 1 FROM sqlite_master WHERE type='index' "
                                         "AND name='ix_sections_report_id'").fetchone()
                    hint = " INDEXED BY ix_sections_report_id" if has_ix else ""
                    cur.execute(f"SELECT r.idx, group_concat(s.{column}, ' ') FROM mon_reps r CROSS JOIN sections s{hint} "
                                "WHERE s.report_id = r.report_id GROUP BY r.report_id")
                else:
                    cur.execute(f"SELECT r.idx, string_agg(s.{column}, ' ' ORDER BY s.id) FROM mon_reps r "
                                "JOIN sections s ON s.report_id = r.report_id GROUP BY r.idx")
                while True:
                    rows = cur.fetchmany(1000)
                    if not rows:
                        break
                    yield from ((i, t or "") for i, t in rows)
            finally:
                cur.close()
            return
        last, parts = None, []
        rows = (self.iter_sections(f"s.{column}") if only is None
                else self.iter_sections(f"s.{column}", only=only))
        for i, _key, t in rows:
            if i != last and last is not None:
                yield last, " ".join(parts)
                parts = []
            last = i
            if t:
                parts.append(t)
        if last is not None:
            yield last, " ".join(parts)

    def cell_details(self, report_ids: set[int], wanted: set[tuple[int, str, str, str]] | None = None
                     ) -> dict[tuple[int, str, str, str], tuple[str | None, str | None, str | None]]:
        """(report id, table, row, column) -> (value_text, raw, location), for the given reports
        (only the ``wanted`` cells when given)."""
        out: dict = {}
        ids = sorted(report_ids)
        cur = self._raw().cursor()
        try:
            for n in range(0, len(ids), 500):
                chunk = ",".join(str(int(x)) for x in ids[n:n + 500])
                cur.execute("SELECT report_id, table_key, row_key, column_key, value_text, raw, location "
                            f"FROM cells WHERE report_id IN ({chunk})")
                for rid, t, r, c, vt, raw, loc in cur.fetchall():
                    k = (rid, t, r, c)
                    if wanted is None or k in wanted:
                        out[k] = (vt, raw, loc)
        finally:
            cur.close()
        return out

    def _raw(self):
        return self.s.connection().connection.dbapi_connection

    def close(self) -> None:
        if self._temp:
            cur = self._raw().cursor()
            for t in ("mon_reps", "mon_slots"):
                cur.execute(f"DROP TABLE IF EXISTS {t}")
            cur.close()
            self._temp = False


def lookback(cfg: MonitorConfig) -> int:
    return max(1, int(cfg["trend"]["consecutive_rises"]))


def load(s: Session, cfg: MonitorConfig, year: int | None = None, province: str | None = None,
         as_of: date | None = None) -> View:
    """Load the view. With ``year`` only that year (and the years before it that the cross-year
    rules compare with) is read; findings are emitted for ``year`` only."""
    v = View(s, cfg)
    v.province = province
    v.year_requested = year
    v.as_of = as_of or date.today()
    rows = s.execute(select(Agency.id, Agency.name, Agency.region_code, Agency.province, Agency.region,
                            Agency.level, Agency.body_type, Agency.expected)).all()
    v.agencies, v.by_agency_id = resolve_agencies(rows, cfg)

    # report versions: raw DB-API rows (100,000s of them; no ORM or type processing needed)
    sql = ("SELECT r.id, r.agency_id, r.agency_name, r.year, r.template, r.published, r.first_seen, r.status, "
           "r.sha256, r.document_id, d.url, d.site_id, d.source, d.fetched_at "
           "FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.status IN ('ok', 'problems')")
    if year is not None:
        sql += f" AND r.year BETWEEN {int(year) - lookback(cfg)} AND {int(year)}"
    latest: dict[tuple[str, int | None], Version] = {}
    versions: dict[tuple[str, int | None], list[Version]] = defaultdict(list)
    pseudo: dict[str, AgencyInfo] = {}
    cur_ = v._raw().cursor()
    cur_.execute(sql)
    for (rid, agency_id, agency_name, ryear, template, published, first_seen, status, sha, doc_id, url, site_id,
         source, fetched_at) in _stream(cur_):
        if agency_id is not None and agency_id in v.by_agency_id:
            ag = v.by_agency_id[agency_id]
        else:
            name = agency_name or "（报告未署名机构）"
            k = "url:" + url
            ag = pseudo.get(k) or pseudo.setdefault(k, AgencyInfo(k, name, pseudo=True))
        ver = Version(rid, ag, ryear, status, template, _date(published), _dt(first_seen) or _dt(fetched_at),
                      sha or "", url, site_id, source, doc_id)
        key = (ag.key, ryear)
        versions[key].append(ver)
        cur = latest.get(key)
        if cur is None or (ver.first_seen or datetime.min, ver.id) > (cur.first_seen or datetime.min, cur.id):
            latest[key] = ver
    cur_.close()
    order = sorted(latest.values(), key=lambda x: x.id)
    for i, ver in enumerate(order):
        rep = Rep(i, ver.id, ver.agency, ver.year, ver.template, ver.published, ver.first_seen, ver.url, ver.status,
                  versions=sorted(versions[(ver.agency.key, ver.year)], key=lambda x: (x.first_seen or datetime.min, x.id)))
        rep.in_scope = (year is None or ver.year == year) and (ver.year is not None) and v.in_province(ver.agency)
        v.reps.append(rep)
        if ver.year is not None:
            v.by_key[(ver.agency.key, ver.year)] = i
    v.years = {r.year for r in v.reps if r.in_scope and r.year is not None}
    if year is not None:
        v.years.add(year)
    v.scope = np.array([r.in_scope for r in v.reps], dtype=bool)
    _temp_tables(v)
    _load_json(v)
    _load_cells(v)
    return v


def _stream(cur, n: int = 5000):
    while True:
        rows = cur.fetchmany(n)
        if not rows:
            return
        yield from rows


def _date(x) -> date | None:
    if x is None or isinstance(x, date):
        return x.date() if isinstance(x, datetime) else x
    try:
        return date.fromisoformat(str(x)[:10])
    except ValueError:
        return None


def _dt(x) -> datetime | None:
    if x is None or isinstance(x, datetime):
        return x
    try:
        return datetime.fromisoformat(str(x))
    except ValueError:
        return None


def _load_json(v: View) -> None:
    """facts and problems of the latest versions (a few small JSON blobs each)."""
    import json

    cur = v._raw().cursor()
    cur.execute("SELECT r.id, r.facts, r.problems FROM reports r JOIN mon_reps m ON m.report_id = r.id")
    by_id = {r.id: r for r in v.reps}
    for rid, facts, problems in cur.fetchall():
        rep = by_id[rid]
        rep.facts = (json.loads(facts) if facts not in (None, "[]", "") else []) if isinstance(facts, (str, type(None))) else facts
        rep.problems = (json.loads(problems) if problems not in (None, "[]", "") else []) \
            if isinstance(problems, (str, type(None))) else problems
    cur.close()


def blocking_problems(rep: Rep) -> list[dict]:
    return [p for p in rep.problems if p.get("kind") in BLOCKING_KINDS]


def _temp_tables(v: View) -> None:
    raw = v._raw()
    cur = raw.cursor()
    for t in ("mon_reps", "mon_slots"):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    cur.execute("CREATE TEMPORARY TABLE mon_reps (report_id INTEGER PRIMARY KEY, idx INTEGER NOT NULL)")
    ddl = ("CREATE TEMPORARY TABLE mon_slots (table_key VARCHAR(40), row_key VARCHAR(60), column_key VARCHAR(40), "
           "slot INTEGER, PRIMARY KEY (table_key, row_key, column_key))")
    if v.s.bind.dialect.name == "sqlite":
        ddl += " WITHOUT ROWID"
    cur.execute(ddl)
    v._temp = True
    cur.close()
    conn = v.s.connection()
    if v.reps:
        conn.execute(text("INSERT INTO mon_reps (report_id, idx) VALUES (:r, :i)"),
                     [{"r": r.id, "i": r.idx} for r in v.reps])
    conn.execute(text("INSERT INTO mon_slots (table_key, row_key, column_key, slot) VALUES (:t, :r, :c, :s)"),
                 [{"t": t, "r": r, "c": c, "s": i} for i, (t, r, c) in enumerate(SLOTS)])


def _load_cells(v: View) -> None:
    """Fill V, ST and U. On SQLite and PostgreSQL the database concatenates each report's cells
    into one "slot,value,slot,value…" string (blank = nan) that numpy parses in C: the
    20 million cells of 100,000 reports never become Python objects one by one."""
    n, m = len(v.reps), len(SLOTS)
    v.V = np.zeros((n, m), dtype=np.float64)
    v.ST = np.zeros((n, m), dtype=np.int8)
    v.U = np.zeros((n, m), dtype=bool)
    if not n:
        return
    dialect = v.s.bind.dialect.name
    cur = v._raw().cursor()
    if dialect == "sqlite":
        has_ix = cur.execute("SELECT 1 FROM sqlite_master WHERE type='index' AND name='ix_cells_report_table'").fetchone()
        hint = " INDEXED BY ix_cells_report_table" if has_ix else ""
        cur.execute("SELECT r.idx, group_concat(s.slot || ',' || ifnull(c.value, 'nan'), ',') "
                    f"FROM mon_reps r CROSS JOIN cells c{hint} CROSS JOIN mon_slots s "
                    "WHERE c.report_id = r.report_id AND s.table_key = c.table_key AND s.row_key = c.row_key "
                    "AND s.column_key = c.column_key GROUP BY r.report_id")
        packed = True
    elif dialect == "postgresql":
        cur.execute("SELECT r.idx, string_agg(s.slot::text || ',' || coalesce(c.value::text, 'nan'), ',') "
                    "FROM mon_reps r JOIN cells c ON c.report_id = r.report_id JOIN mon_slots s "
                    "ON s.table_key = c.table_key AND s.row_key = c.row_key AND s.column_key = c.column_key "
                    "GROUP BY r.idx")
        packed = True
    else:  # any other database: one row per cell
        cur.execute("SELECT r.idx, s.slot, c.value FROM mon_reps r JOIN cells c ON c.report_id = r.report_id "
                    "JOIN mon_slots s ON s.table_key = c.table_key AND s.row_key = c.row_key "
                    "AND s.column_key = c.column_key")
        packed = False
    while True:
        rows = cur.fetchmany(1000 if packed else 200_000)
        if not rows:
            break
        if packed:
            idx = np.array([r[0] for r in rows], dtype=np.int64)
            counts = np.array([(r[1].count(",") + 1) // 2 if r[1] else 0 for r in rows], dtype=np.int64)
            flat = np.fromstring(",".join(r[1] for r in rows if r[1]), sep=",") if counts.sum() else np.zeros(0)
            pairs = flat.reshape(-1, 2)
            ri = np.repeat(idx, counts)
            si = pairs[:, 0].astype(np.int64)
            val = pairs[:, 1]
        else:
            ri = np.array([r[0] for r in rows], dtype=np.int64)
            si = np.array([r[1] for r in rows], dtype=np.int64)
            val = np.array([np.nan if r[2] is None else float(r[2]) for r in rows], dtype=np.float64)
        blank = np.isnan(val)
        v.V[ri, si] = np.where(blank, 0.0, val)
        v.ST[ri, si] = np.where(blank, 1, 2).astype(np.int8)
    cur.close()
    for rep in v.reps:
        if not any(p.get("kind") in BLOCKING_KINDS for p in rep.problems):
            continue
        r = Report(template=rep.template,
                   problems=[Problem(p["kind"], p.get("message") or "", p.get("where") or "", p.get("table"),
                                     p.get("row"), p.get("column")) for p in rep.problems if p.get("kind")])
        for key in r.unreadable():
            k = SLOT.get(key)
            if k is not None:
                v.U[rep.idx, k] = True
