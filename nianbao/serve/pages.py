"""What the agency and region pages show, read from the SQLite export with plain ``sqlite3``
(datasette runs these functions in its own thread with ``execute_fn``). Values stay the exported
text; every string goes to an autoescaping Jinja template, never into markup here."""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nianbao.app import export_dictionary as D

#: The figures a region page holds side by side: the government's report against its departments'.
ROLLUP_KEYS = ("applications.new_received.total", "applications.total_handled.total",
               "applications.carried_forward.total", "review_litigation.review.total",
               "review_litigation.review.corrected", "review_litigation.litigation_direct.total",
               "review_litigation.litigation_after_review.total")
_TABLE_ORDER = ("art20", "applications", "review_litigation")
#: How the region page names body types (``other``: nobody declared one and the name does not say).
BODY_TYPE_LABELS = {"government": "政府", "department": "部门", "town": "乡镇街道", "other": "类型不详"}


def _dec(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def safe_href(url: str | None) -> str | None:
    """Only http(s) addresses become links (a crawled ``javascript:`` URL stays text)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


@dataclass
class Cell:
    text: str | None  # value_text
    raw: str | None
    location: str | None
    changed: bool = False  # differs from the previous year shown

    @property
    def shown(self) -> str:
        if self.text is not None:
            return self.text
        return "空白" if self.raw in (None, "") else f"“{self.raw}”"


@dataclass
class Line:
    key: str
    label: str
    cells: list[Cell | None]

    @property
    def trivial(self) -> bool:
        """Zero or blank in every year: folded away."""
        return all(c is None or _dec(c.text) in (None, 0) for c in self.cells)


@dataclass
class Block:
    title: str
    lines: list[Line] = field(default_factory=list)

    @property
    def shown(self) -> list[Line]:
        return [ln for ln in self.lines if not ln.trivial]

    @property
    def folded(self) -> list[Line]:
        return [ln for ln in self.lines if ln.trivial]


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def agency_page(conn: sqlite3.Connection, agency_id: int) -> dict[str, Any] | None:
    """Every year of one agency side by side: its tables, findings and documents."""
    agency = next(iter(_rows(conn, "select * from agencies where id = ?", (agency_id,))), None)
    reports = _rows(conn, "select id, year, template, title, published, status, format, source_url, "
                          "document_sha256, fetched_at, problems from reports where agency_id = ? "
                          "order by year, id", (agency_id,))
    if agency is None and not reports:
        return None
    for r in reports:
        r["href"] = safe_href(r["source_url"])
        r["problems"] = json.loads(r["problems"] or "[]")
    pos = {r["id"]: i for i, r in enumerate(reports)}
    values: dict[str, list[Cell | None]] = defaultdict(lambda: [None] * len(reports))
    for c in _rows(conn, "select report_id, key, value_text, raw, location from cells where agency_id = ?",
                   (agency_id,)):
        if c["report_id"] in pos:
            values[c["key"]][pos[c["report_id"]]] = Cell(c["value_text"], c["raw"], c["location"])
    blocks: dict[str, Block] = {}
    for k in D.cell_keys():
        if k.key not in values:
            continue
        cells = values[k.key]
        prev = None
        for cell in cells:
            if cell is not None and prev is not None and _dec(cell.text) != _dec(prev.text):
                cell.changed = True
            if cell is not None:
                prev = cell
        group = "art20" if k.table.startswith("art20") else k.table
        title = {"art20": "二、主动公开政府信息情况（第二十条）"}.get(group, k.table_label)
        label = k.label if group != "applications" else k.label.removeprefix("表三")
        blocks.setdefault(group, Block(title)).lines.append(Line(k.key, label, cells))
    findings = _rows(conn, "select id, rule, severity, status, year, message, evidence_cells, source_url, "
                           "dismissed_reason from findings where agency_id = ? order by year desc, "
                           "case severity when 'error' then 0 when 'warning' then 1 else 2 end, rule", (agency_id,))
    for f in findings:
        f["cells"] = json.loads(f["evidence_cells"] or "[]")
        f["href"] = safe_href(f["source_url"])
    return {"agency": agency or {"id": agency_id, "name": reports[0].get("title")}, "reports": reports,
            "blocks": [blocks[g] for g in _TABLE_ORDER if g in blocks], "findings": findings}


#: The monitor's publication rules (not published by the deadline, late, changed after publication).
PUBLICATION_RULES = ("P1", "P2", "P3")


def publication_flags(conn: sqlite3.Connection, names: set[str]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The open publication findings of these agencies, by (agency name, year) — by name, since
    an expected agency never found has no agency id in the findings."""
    from monitor.catalogue import get

    out: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    marks = ",".join("?" * len(PUBLICATION_RULES))
    for f in _rows(conn, f"select rule, agency, year, message from findings where status = 'open' and rule in "
                         f"({marks}) and year is not null order by rule", PUBLICATION_RULES):
        if f["agency"] in names:
            f["title"] = get(f["rule"]).title
            out[(f["agency"], f["year"])].append(f)
    return out


def region_page(conn: sqlite3.Connection, code: str) -> dict[str, Any]:
    """Every agency of one 行政区划: publication per year, and the government's figures against
    the sum of its departments' (never added together: a government's report covers them)."""
    rows = _rows(conn, "select * from agencies where region_code = ? order by "
                       "case body_type when 'government' then 0 when 'department' then 1 else 2 end, name, id", (code,))
    # one line per agency name: a crawled and an imported copy of the same agency are one agency
    first: dict[str, dict[str, Any]] = {}
    for a in rows:
        first.setdefault(a["name"], a)
    agencies = list(first.values())
    same = {a["id"]: first[a["name"]]["id"] for a in rows}  # agency id -> the id of the first row of its name
    for a in agencies:
        a["type_label"] = BODY_TYPE_LABELS.get(a["body_type"] or "other", a["body_type"])
    reports = _rows(conn, "select id, agency_id, year, status, published from reports where region_code = ? "
                          "order by year, id", (code,))
    flags = publication_flags(conn, {a["name"] for a in agencies})
    years = sorted({r["year"] for r in reports if r["year"] is not None} | {y for _, y in flags})
    by_agency: dict[int, dict[int, dict]] = defaultdict(dict)
    for r in reports:
        if r["agency_id"] is not None and r["year"] is not None:
            r["agency_id"] = same.get(r["agency_id"], r["agency_id"])
            by_agency[r["agency_id"]][r["year"]] = r
    published = [{"agency": a, "years": [by_agency[a["id"]].get(y) for y in years],
                  "flags": [flags.get((a["name"], y), []) for y in years]} for a in agencies]

    placeholders = ",".join("?" * len(ROLLUP_KEYS))
    figures: dict[tuple[int, int], dict[str, Decimal | None]] = defaultdict(dict)
    counted = {r["id"] for per_year in by_agency.values() for r in per_year.values()}
    for c in _rows(conn, f"select c.report_id, c.agency_id, c.year, c.key, c.value_text from cells c join reports r "
                         f"on r.id = c.report_id where r.region_code = ? and c.key in ({placeholders})",
                   (code, *ROLLUP_KEYS)):
        if c["report_id"] in counted:  # (the report that stands for the agency's year)
            figures[(same.get(c["agency_id"], c["agency_id"]), c["year"])][c["key"]] = _dec(c["value_text"])
    labels = {k.key: k.label for k in D.cell_keys()}
    governments = [a for a in agencies if a["body_type"] == "government"]
    departments = [a for a in agencies if a["body_type"] == "department"]
    rollup = []
    for y in years:
        reporting = [d for d in departments if y in by_agency[d["id"]]]
        missing = [d for d in departments if y not in by_agency[d["id"]]]
        for g in governments:
            if y not in by_agency[g["id"]] or not reporting:
                continue
            lines = []
            for key in ROLLUP_KEYS:
                own = figures[(g["id"], y)].get(key)
                parts = [figures[(d["id"], y)].get(key) for d in reporting]
                total = sum((p for p in parts if p is not None), Decimal(0))
                lines.append({"label": labels[key], "government": own, "departments": total,
                              "blank": sum(p is None for p in parts),
                              "differs": own is not None and own != total})
            rollup.append({"year": y, "government": g, "lines": lines, "reporting": reporting, "missing": missing})
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    subregions = [r[0] for r in conn.execute("select distinct region_code from agencies where region_code like ? "
                                             "and region_code != ? order by region_code", (prefix + "%", code))]
    name = next((a["region"] for a in agencies if a.get("region")), None)
    return {"code": code, "name": name, "years": years, "published": published, "rollup": rollup,
            "subregions": subregions, "departments": departments}
