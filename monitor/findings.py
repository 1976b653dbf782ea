"""Findings: what a rule reports (a :class:`Hit`), its stable identity, its evidence, and how a run's
hits are reconciled with the stored findings.

* ``fingerprint`` = sha256 of (rule, agency identity, year, subject) — the subject names the cells,
  column, row or topic concerned, never their values — so the same problem keeps its id across
  runs and re-extractions.
* ``evidence_hash`` = sha256 of the values involved (cell values by year/table/row/column, plus
  any numbers the rule adds): a dismissal holds while it is unchanged and lapses when it changes.
* status: ``open`` → ``resolved`` when a run no longer finds it (and back to ``open`` if it
  returns); ``dismissed`` by a person, which holds on later runs until the evidence hash changes.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Finding
from extract import template as T
from monitor.view import SLOTS, AgencyInfo, View, norm_province

# ------------------------------------------------------------------------------ labels
_ROW_SPEC = {r.key: r for r in T.APPLICATION_ROWS}
_GROUP_LABEL = {"denied": "不予公开", "unable": "无法提供", "not_processed": "不予处理", "other": "其他处理"}
_SHORT = {"new_received": "本年新收", "carried_over": "上年结转", "granted": "予以公开", "partial": "部分公开",
          "total_handled": "办理结果总计", "carried_forward": "结转下年度继续办理", "other": "其他处理"}


def row_label(row: str) -> str:
    if row in _SHORT:
        return _SHORT[row]
    spec = _ROW_SPEC.get(row)
    if spec is None:
        return row
    text = re.sub(r"^[\d一二三四五六七八九十（）()、.．]+", "", spec.label)
    grp = spec.group
    return f"{_GROUP_LABEL[grp]}·{text}" if grp else text


def col_label(col: str) -> str:
    return T.APPLICANT_COLUMN_LABELS.get(col, col)


def pro_row_label(row: str, template: str | None = None) -> str:
    """The printed label of a 第二十条 row in ``template`` (the template in force when the report's
    is unknown, else any template that has the row): the template's own words, from extract.template."""
    return _in_template(T.PROACTIVE_ROW_LABELS.get(row, {}), template) or row


def pro_col_label(table: str, col: str, template: str | None = None) -> str:
    """The printed label of a 第二十条 value column, as :func:`pro_row_label`."""
    by_template = {t: cols[col] for t, cols in T.PROACTIVE_COLUMN_LABELS.get(table, {}).items() if col in cols}
    return _in_template(by_template, template) or col


def _in_template(labels: dict[str, str], template: str | None) -> str | None:
    for t in (template, T.DEFAULT_TEMPLATE, *T.TEMPLATES[::-1]):
        if t in labels:
            return labels[t]
    return None


def cell_label(table: str, row: str, col: str, template: str | None = None) -> str:
    """A cell as a person finds it in the report: 表三“本年新收”自然人, 第二十条第（一）项“规章·本年制发件数”."""
    if table == "applications":
        return f"表三“{row_label(row)}”{col_label(col)}"
    if table == "review_litigation":
        return f"表四“{T.REVIEW_GROUP_LABELS.get(row, row)}·{T.REVIEW_COLUMN_LABELS.get(col, col)}”"
    return f"{item_label(table)}“{pro_row_label(row, template)}·{pro_col_label(table, col, template)}”"


def item_label(table: str) -> str:
    """A 第二十条 table as the report heads it: 第二十条第（一）项."""
    spec = T.PROACTIVE_BY_KEY.get(table)
    return f"第二十条第（{spec.item}）项" if spec else table


def fmt_num(x: Any) -> str:
    if x is None:
        return "空白"
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


# ------------------------------------------------------------------------------ hits
@dataclass
class Hit:
    """One finding as a rule produces it in this run."""

    rule: str
    agency: AgencyInfo
    year: int | None
    subject: str  # what the finding is about: cells, column, row, topic — never values
    message: str
    rep: int | None = None  # view index of the report concerned
    cells: list[tuple[int, int]] = field(default_factory=list)  # (rep idx, slot)
    extra: dict[str, Any] = field(default_factory=dict)  # more evidence: sentences, similarity, dates
    values: Any = None  # numbers beyond the cited cells that the evidence hash covers
    severity: str = ""
    evidence_hash: str = ""

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256("\x1f".join([self.rule, self.agency.key, str(self.year or ""), self.subject])
                              .encode("utf-8")).hexdigest()


def _canon(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def build_evidence(view: View, hits: list[Hit]) -> None:
    """Fill each hit's evidence (cells with value, raw text, location; report id; source URL) and
    compute its evidence hash. Cell details are fetched in bulk, only for cited reports."""
    wanted = {(view.reps[i].id, *SLOTS[k]) for h in hits for i, k in h.cells}
    details = view.cell_details({w[0] for w in wanted}, wanted) if wanted else {}
    for h in hits:
        cells = []
        hashed = []
        for i, k in h.cells:
            rep = view.reps[i]
            t, r, c = SLOTS[k]
            vt, raw, loc = details.get((rep.id, t, r, c), (None, None, None))
            blank = view.ST[i, k] != 2
            cells.append({"report_id": rep.id, "year": rep.year, "table": t, "row": r, "column": c,
                          "label": cell_label(t, r, c, rep.template), "value": None if blank else _as_number(vt, view, i, k),
                          "raw": raw, "location": loc})
            hashed.append([rep.year, t, r, c, None if blank else (vt if vt is not None else view.num(i, k))])
        rep = view.reps[h.rep] if h.rep is not None else None
        ev: dict[str, Any] = {"subject": h.subject, "agency_key": h.agency.key,
                              "province": h.agency.province, "region": h.agency.region}
        if rep is not None:
            ev["report_id"] = rep.id
            ev["source_url"] = rep.url
        if cells:
            ev["cells"] = cells
        ev.update(h.extra)
        h.extra = ev
        h.evidence_hash = hashlib.sha256(_canon({"cells": hashed, "values": h.values}).encode("utf-8")).hexdigest()


def _as_number(vt: str | None, view: View, i: int, k: int):
    if vt is None:
        return view.num(i, k)
    try:
        return int(vt)
    except ValueError:
        try:
            return float(vt) if "." not in vt else vt
        except ValueError:
            return vt


# ------------------------------------------------------------------------------ store
@dataclass
class Scope:
    """Which stored findings a run speaks for: the ones it would have produced if they held."""

    years: set[int] | None  # None: every year
    province: str | None
    rules: set[str]

    def covers(self, f: Finding) -> bool:
        if f.rule not in self.rules:
            return False
        if self.years is not None and f.year not in self.years:
            return False
        if self.province is not None:
            prov = (f.evidence or {}).get("province")
            if norm_province(prov) != norm_province(self.province):
                return False
        return True


def record(f: Finding, new: bool = False, reopened: bool = False, resolved_now: bool = False) -> dict[str, Any]:
    ev = f.evidence or {}
    return {"id": f.id, "fingerprint": f.fingerprint, "rule": f.rule, "severity": f.severity,
            "agency": f.agency_name, "agency_id": f.agency_id, "year": f.year, "report_id": f.report_id,
            "source_url": ev.get("source_url"), "message": f.message, "evidence": ev, "status": f.status,
            "first_seen": f.first_seen.isoformat(timespec="seconds") if f.first_seen else None,
            "last_seen": f.last_seen.isoformat(timespec="seconds") if f.last_seen else None,
            "new": new, "reopened": reopened, "resolved_in_this_run": resolved_now,
            "dismissed_reason": f.dismissed_reason,
            "resolved_at": f.resolved_at.isoformat(timespec="seconds") if f.resolved_at else None}


def sync(s: Session, view: View, hits: list[Hit], scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """Reconcile this run's hits with the stored findings; return one record per hit (and per
    finding resolved by this run)."""
    uniq: dict[str, Hit] = {}
    for h in hits:
        uniq.setdefault(h.fingerprint, h)
    existing: dict[str, Finding] = {}
    fps = list(uniq)
    for n in range(0, len(fps), 500):
        for f in s.scalars(select(Finding).where(Finding.fingerprint.in_(fps[n:n + 500]))):
            existing[f.fingerprint] = f
    out: list[dict[str, Any]] = []
    new_rows: list[Finding] = []
    for fp, h in uniq.items():
        rep = view.reps[h.rep] if h.rep is not None else None
        f = existing.get(fp)
        new = reopened = False
        if f is None:
            f = Finding(fingerprint=fp, rule=h.rule, first_seen=now, status="open")
            new = True
            new_rows.append(f)
        elif f.status == "resolved":
            f.status, f.resolved_at = "open", None
            reopened = True
        elif f.status == "dismissed" and f.evidence_hash != h.evidence_hash:
            # the numbers changed since someone dismissed it: look again
            f.status = "open"
            reopened = True
        f.severity = h.severity
        f.agency_id = h.agency.id
        f.agency_name = h.agency.name
        f.year = h.year
        f.report_id = rep.id if rep is not None else None
        f.message = h.message
        f.evidence = h.extra
        f.evidence_hash = h.evidence_hash
        f.last_seen = now
        out.append((f, new, reopened))
    s.add_all(new_rows)
    # what no longer holds
    q = select(Finding).where(Finding.status == "open", Finding.rule.in_(sorted(scope.rules)))
    if scope.years is not None:
        q = q.where(Finding.year.in_(sorted(scope.years)))
    resolved: list[Finding] = []
    for f in s.scalars(q):
        if f.fingerprint not in uniq and scope.covers(f):
            f.status, f.resolved_at = "resolved", now
            resolved.append(f)
    s.flush()
    recs = [record(f, new, reopened) for f, new, reopened in out]
    recs += [record(f, resolved_now=True) for f in resolved]
    return recs


def list_findings(s: Session, status: str | None = None, rule: str | None = None, year: int | None = None,
                  agency: str | None = None) -> list[Finding]:
    q = select(Finding)
    if status:
        q = q.where(Finding.status == status)
    if rule:
        q = q.where(Finding.rule == rule.upper())
    if year:
        q = q.where(Finding.year == year)
    if agency:
        q = q.where(Finding.agency_name.contains(agency))
    return list(s.scalars(q.order_by(Finding.agency_name, Finding.year, Finding.rule, Finding.id)))


def dismiss(s: Session, finding_id: int, why: str, now: datetime) -> Finding | None:
    f = s.get(Finding, finding_id)
    if f is None:
        return None
    f.status = "dismissed"
    f.dismissed_reason = why
    f.dismissed_at = now
    return f


def sort_records(recs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    sev = {"error": 0, "warning": 1, "info": 2}
    return sorted(recs, key=lambda r: (r["agency"] or "", r["year"] or 0, sev.get(r["severity"], 3), r["rule"],
                                       r["message"]))
