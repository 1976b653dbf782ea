"""Re-extract the demo corpus with the new extractor: do the findings change? (issue 12)

    python -m bench.reextract_compare --old-rev 992ac09^ [--new-rev HEAD] [--workdir DIR] [--json OUT]
           [--import ../shared/corpus/real-text/[0-9]* …] [--twice] [--old-home DIR]

End to end, in a work folder (a fresh temporary one unless ``--workdir`` is given):

1. ``git worktree add --detach`` the *old* revision outside this checkout and run its own
   ``nianbao demo`` there (its code, its sample portal, main's virtualenv; module paths are
   checked); with ``--import`` the old code then imports more files (the real texts: documents
   the old reader mostly could not read) into a copy of that home; ``check --as-of 2024-12-31
   --json`` and a dump of every readable report's cells.
2. A copy of that data home (raw files hard-linked: they are never rewritten) is upgraded by the
   *new* code's migrations (``db upgrade``: does an old home upgrade cleanly?), checked once with
   the new monitor on the old cells (to tell monitor changes from extraction changes), re-read
   with ``reextract`` (every document, not only ``--stale``), checked again and dumped.
   ``--new-rev`` checks the new revision out as a worktree too; without it the code of this
   checkout's working tree is the new code.
3. The two dumps are compared: reports and cells before/after, cells newly read, no longer read,
   changed (must be 0: the new reader may read more, never differently), and findings per rule —
   kept, added, removed — each added or removed finding explained (``REASON_TEXT``) by a cited
   cell newly read or no longer read; as the same finding (rule, subject, document) filed under
   the agency the new reader names; for a finding citing no cell (X1, W6's missing parts) by its
   report's cells, sections or stated facts; by the report's agency/year; by the new monitor
   already giving it on the old cells; by a rule the old revision lacked — or listed as
   UNEXPLAINED with its message (exit status 1, as for a changed value). ``--twice`` re-extracts
   once more, where nothing may change.

``compare OLD.json NEW.json [MID.json]`` compares dumps made earlier; ``--old-home`` reuses a data
home the old revision's demo filled (the demo is the slow step: a few minutes on 2 cores).
The one-off ``dump`` subcommand runs under a revision's own code (``PYTHONPATH``), so the cells
the old extractor could not read are decided by the old ``Report.unreadable()``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
AS_OF = "2024-12-31"
READABLE = ("ok", "problems")
#: the cell states of a dump: a number, a cell the agency left blank, a cell the extractor did not read
VALUE, BLANK, UNREAD = "value", "blank", "unread"
CLI = "from nianbao.cli import main; main()"
PACKAGES = ("nianbao", "extract", "monitor", "db", "crawler", "config", "portal")


# ============================================================================ dump (runs under a revision's code)
def dump_home(home: Path, findings_file: Path | None) -> dict[str, Any]:
    """Every readable report of the home's database with its cells, their state (value / blank /
    unread by *this code's* ``Report.unreadable()``), its narrative facts and section keys; the
    rule catalogue of this code; the findings of ``check --json`` when given."""
    import dataclasses

    from extract import template as T
    from extract.model import BLOCKING_KINDS, Problem, Report
    from monitor import catalogue

    pfields = {f.name for f in dataclasses.fields(Problem)}
    con = sqlite3.connect(f"file:{home / 'nianbao.sqlite'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    reports: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    for r in con.execute("SELECT r.id, r.document_id, r.agency_name, r.year, r.template, r.status, r.is_current,"
                         " r.problems, r.facts, d.url FROM reports r JOIN documents d ON d.id = r.document_id"
                         " ORDER BY r.document_id"):
        problems = json.loads(r["problems"] or "[]")
        rep = {"report_id": r["id"], "document_id": r["document_id"], "url": r["url"], "agency": r["agency_name"],
               "year": r["year"], "template": r["template"], "status": r["status"], "current": bool(r["is_current"]),
               "problems": sorted({p.get("kind", "") for p in problems}), "facts": [], "sections": []}
        reports.append(rep)
        if r["status"] not in READABLE:
            continue
        model = Report(template=r["template"], problems=[
            Problem(**{k: v for k, v in p.items() if k in pfields}) for p in problems if p.get("kind")])
        unread = model.unreadable()
        # "the proactive-disclosure tables were not found" names the group ("proactive"), not a
        # table, and unreadable() passes it over: its skeleton cells are stored empty, yet unread
        proactive_lost = any(p.get("kind") in BLOCKING_KINDS and p.get("table") == "proactive" for p in problems)
        facts = json.loads(r["facts"] or "[]")
        for s in con.execute("SELECT key, facts FROM sections WHERE report_id = ? ORDER BY id", (r["id"],)):
            rep["sections"].append(s["key"])
            facts += json.loads(s["facts"] or "[]")
        rep["facts"] = sorted({(f.get("kind"), str(f.get("value"))) for f in facts if isinstance(f, dict)})
        stored = set()
        for c in con.execute("SELECT table_key, row_key, column_key, value, value_text FROM cells"
                             " WHERE report_id = ? ORDER BY id", (r["id"],)):
            key = (c["table_key"], c["row_key"], c["column_key"])
            stored.add(key)
            value = c["value_text"] if c["value_text"] is not None else (None if c["value"] is None else str(c["value"]))
            grouped = proactive_lost and key[0] in T.PROACTIVE_BY_KEY
            state = UNREAD if key in unread or grouped else (BLANK if value is None else VALUE)
            cells.append({"document_id": r["document_id"], "agency": r["agency_name"], "year": r["year"],
                          "table": key[0], "row": key[1], "column": key[2], "value": value, "state": state})
        # cells the problems name but no cell row holds (a missing row or table) are unread as well
        for key in sorted(unread - stored):
            cells.append({"document_id": r["document_id"], "agency": r["agency_name"], "year": r["year"],
                          "table": key[0], "row": key[1], "column": key[2], "value": None, "state": UNREAD})
    version = con.execute("SELECT version_num FROM alembic_version").fetchone()
    con.close()
    findings = json.loads(findings_file.read_text("utf-8")) if findings_file else []
    return {"schema": version[0] if version else None, "rules": catalogue.ids(), "reports": reports,
            "cells": cells, "findings": findings}


# ============================================================================ compare (pure)
CellKey = tuple[int, str, str, str]  # document id, table, row, column


def _num(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def open_findings(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The dump's open findings by fingerprint (rule, agency identity, year, subject)."""
    return {f["fingerprint"]: f for f in d.get("findings", []) if f.get("status") == "open"}


@dataclass
class Comparison:
    """What changed between the old and the new dump (see :func:`compare`)."""

    reports: dict[str, int] = field(default_factory=dict)
    cells: dict[str, int] = field(default_factory=dict)
    changed_values: list[dict[str, Any]] = field(default_factory=list)
    reports_moved: list[dict[str, Any]] = field(default_factory=list)
    per_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    message_changed: list[dict[str, Any]] = field(default_factory=list)
    monitor_only: dict[str, dict[str, int]] = field(default_factory=dict)
    narrative: dict[str, Any] = field(default_factory=dict)
    new_rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _cells(d: dict[str, Any], docs: set[int]) -> dict[CellKey, dict[str, Any]]:
    return {(c["document_id"], c["table"], c["row"], c["column"]): c for c in d["cells"] if c["document_id"] in docs}


def _transition(old: dict | None, new: dict | None) -> str:
    """``same``, ``newly_read``, ``no_longer_read``, ``changed`` (a read cell read differently) —
    blank and value are both read: a blank that becomes a number is a changed value."""
    os_ = old["state"] if old else UNREAD
    ns = new["state"] if new else UNREAD
    if os_ == UNREAD and ns == UNREAD:
        return "same"
    if os_ == UNREAD:
        return "newly_read"
    if ns == UNREAD:
        return "no_longer_read"
    if os_ != ns or (os_ == VALUE and _num(old["value"]) != _num(new["value"])):
        return "changed"
    return "same"


def compare(old: dict[str, Any], new: dict[str, Any], mid: dict[str, Any] | None = None) -> Comparison:
    """Cells and findings of the old extraction against the new one (documents matched by id:
    the copied database keeps them). ``mid``: the new monitor's findings on the old cells."""
    out = Comparison()
    orep = {r["document_id"]: r for r in old["reports"]}
    nrep = {r["document_id"]: r for r in new["reports"]}
    ocur = {i for i, r in orep.items() if r["current"] and r["status"] in READABLE}
    ncur = {i for i, r in nrep.items() if r["current"] and r["status"] in READABLE}
    oread = {i for i, r in orep.items() if r["status"] in READABLE}
    nread = {i for i, r in nrep.items() if r["status"] in READABLE}
    out.reports = {"documents": len(set(orep) | set(nrep)), "readable_before": len(oread),
                   "readable_after": len(nread), "current_before": len(ocur), "current_after": len(ncur),
                   "current_both": len(ocur & ncur)}
    for i in sorted(set(orep) | set(nrep)):
        o, n = orep.get(i), nrep.get(i)
        ko = None if o is None else (o["agency"], o["year"], o["status"], o["current"])
        kn = None if n is None else (n["agency"], n["year"], n["status"], n["current"])
        if ko != kn:
            out.reports_moved.append({"document_id": i, "url": (o or n)["url"], "before": ko, "after": kn})
    out.narrative = _narrative(orep, nrep, oread & nread)
    # cells: every readable report's cells, per document (the same document read twice)
    docs = oread | nread
    oc, nc = _cells(old, docs), _cells(new, docs)
    counts: Counter[str] = Counter()
    trans: dict[CellKey, str] = {}
    for key in set(oc) | set(nc):
        o, n = oc.get(key), nc.get(key)
        if key[0] in ocur:
            counts["read_before"] += bool(o and o["state"] != UNREAD)
            counts["values_before"] += bool(o and o["state"] == VALUE)
        if key[0] in ncur:
            counts["read_after"] += bool(n and n["state"] != UNREAD)
            counts["values_after"] += bool(n and n["state"] == VALUE)
        t = _transition(o, n)
        trans[key] = t
        if key[0] in ocur and key[0] in ncur:
            counts[t] += 1
            if o and n and o["state"] == n["state"] == VALUE and o["value"] != n["value"] and t == "same":
                counts["same_number_other_text"] += 1
        if t == "changed":
            src = n or o
            out.changed_values.append({"document_id": key[0], "agency": src["agency"], "year": src["year"],
                                       "table": key[1], "row": key[2], "column": key[3],
                                       "before": o["value"] if o["state"] == VALUE else o["state"],
                                       "after": n["value"] if n["state"] == VALUE else n["state"]})
        if o and o["state"] != UNREAD and key[0] in ocur - ncur:
            counts["read_in_reports_gone"] += 1
        if n and n["state"] != UNREAD and key[0] in ncur - ocur:
            counts["read_in_reports_new"] += 1
    out.cells = {k: counts.get(k, 0) for k in ("read_before", "read_after", "values_before", "values_after",
                                               "newly_read", "no_longer_read", "changed", "same",
                                               "same_number_other_text", "read_in_reports_gone",
                                               "read_in_reports_new")}
    # findings
    of, nf = open_findings(old), open_findings(new)
    mf = open_findings(mid) if mid else None
    old_rules = set(old.get("rules") or [])
    out.new_rules = [r for r in new.get("rules") or [] if r not in old_rules]
    rules = sorted({f["rule"] for f in [*of.values(), *nf.values()]}, key=_rule_order(new, old))
    for rule in rules:
        o = {k for k, f in of.items() if f["rule"] == rule}
        n = {k for k, f in nf.items() if f["rule"] == rule}
        out.per_rule[rule] = {"before": len(o), "after": len(n), "kept": len(o & n), "added": len(n - o),
                              "removed": len(o - n), "explained": 0, "new_rule": rule in out.new_rules}
    doc_of = {"old": {r["report_id"]: r["document_id"] for r in old["reports"]},
              "new": {r["report_id"]: r["document_id"] for r in new["reports"]}}
    # a finding the other side files under another agency/year is compared through its document
    subjects = {"new": _doc_subjects(of, doc_of["old"]), "old": _doc_subjects(nf, doc_of["new"])}
    narrative = {"sections": set(out.narrative["sections_changed"]),
                 "facts": {x["document_id"] for x in out.narrative["facts_changed"]}}
    for fp in sorted(set(nf) - set(of), key=lambda k: _sort_key(nf[k])):
        out.added.append(_explain(nf[fp], "new", "added", trans, doc_of, orep, nrep, mf, out.new_rules,
                                  subjects["new"], narrative))
    for fp in sorted(set(of) - set(nf), key=lambda k: _sort_key(of[k])):
        out.removed.append(_explain(of[fp], "old", "removed", trans, doc_of, orep, nrep, mf, out.new_rules,
                                    subjects["old"], narrative))
    for item in out.added + out.removed:
        if item["explained_by"] in EXTRACTION_REASONS:
            out.per_rule[item["rule"]]["explained"] += 1
    if mf is not None:
        # the new monitor on the old cells against the old monitor: what the monitor alone changed
        for rule in sorted({f["rule"] for f in [*of.values(), *mf.values()]}, key=_rule_order(new, old)):
            o = {k for k, f in of.items() if f["rule"] == rule}
            m = {k for k, f in mf.items() if f["rule"] == rule}
            if o != m:
                out.monitor_only[rule] = {"added": len(m - o), "removed": len(o - m)}
    for fp in sorted(set(of) & set(nf), key=lambda k: _sort_key(nf[k])):
        if of[fp]["message"] != nf[fp]["message"]:
            out.message_changed.append({"rule": nf[fp]["rule"], "agency": nf[fp]["agency"], "year": nf[fp]["year"],
                                        "before": of[fp]["message"], "after": nf[fp]["message"]})
    return out


def _narrative(orep: dict, nrep: dict, docs: set[int]) -> dict[str, Any]:
    """Narrative facts (the numbers the text states, W3/W5 read them) and section keys per
    document read on both sides; fact kinds the old reader never produced are counted apart."""
    old_kinds = {f[0] for r in orep.values() for f in r.get("facts") or []}
    new_kinds: Counter[str] = Counter()
    changed: list[dict[str, Any]] = []
    sections: list[int] = []
    for d in sorted(docs):
        a = {tuple(f) for f in orep[d].get("facts") or []}
        b = {tuple(f) for f in nrep[d].get("facts") or []}
        new_kinds.update({f[0] for f in b if f[0] not in old_kinds})
        b = {f for f in b if f[0] in old_kinds}
        if a != b:
            changed.append({"document_id": d, "agency": nrep[d]["agency"], "year": nrep[d]["year"],
                            "lost": sorted(a - b), "gained": sorted(b - a)})
        if _sections(orep[d]) != _sections(nrep[d]):
            sections.append(d)
    return {"documents": len(docs), "facts_changed": changed, "new_fact_kinds": dict(new_kinds),
            "sections_changed": sections}


def _rule_order(*dumps: dict[str, Any]):
    order: dict[str, int] = {}
    for d in dumps:
        for r in d.get("rules") or []:
            order.setdefault(r, len(order))
    return lambda r: (order.get(r, len(order)), r)


def _sort_key(f: dict[str, Any]) -> tuple:
    return (f["rule"], f.get("agency") or "", f.get("year") or 0, (f.get("evidence") or {}).get("subject") or "")


#: why an added or removed finding is explained by the extraction, strongest first
EXTRACTION_REASONS = ("cells", "reidentified", "sections", "facts", "report_cells", "report")
REASON_TEXT = {"cells": "a cited cell newly read, no longer read or changed",
               "reidentified": "the same finding (rule, subject, document) under the report's new agency/year",
               "report": "the report's agency, year or current version changed",
               "sections": "no cited cell; the report's sections changed",
               "facts": "no cited cell; the report's stated facts changed",
               "report_cells": "no cited cell; the report has cells newly read or no longer read",
               "monitor": "the new monitor already gives it on the old cells (not the extraction)",
               "new_rule": "a rule the old revision did not have", None: "UNEXPLAINED"}


def _doc_subjects(findings: dict[str, dict[str, Any]], doc_of: dict[int, int]) -> set[tuple]:
    """(rule, subject, document) of every open finding: the same finding whatever agency/year it is filed under."""
    out = set()
    for f in findings.values():
        ev = f.get("evidence") or {}
        out.add((f["rule"], ev.get("subject"), doc_of.get(ev.get("report_id"))))
    return out


def _explain(f: dict[str, Any], side: str, how: str, trans: dict[CellKey, str], doc_of: dict[str, dict[int, int]],
             orep: dict, nrep: dict, mid: dict[str, dict] | None, new_rules: list[str],
             other_subjects: set[tuple], narrative: dict[str, set[int]]) -> dict[str, Any]:
    """Why one finding was added (cited from the new side) or removed (cited from the old side)."""
    ev = f.get("evidence") or {}
    cited: list[CellKey] = []
    for c in ev.get("cells") or []:
        doc = doc_of[side].get(c.get("report_id"))
        if doc is not None:
            cited.append((doc, c["table"], c["row"], c["column"]))
    moved = Counter(trans.get(k, "same") for k in cited)
    item = {"rule": f["rule"], "agency": f.get("agency"), "year": f.get("year"), "subject": ev.get("subject"),
            "message": f["message"], "how": how, "cited_cells": len(cited),
            "cited_newly_read": moved["newly_read"], "cited_no_longer_read": moved["no_longer_read"],
            "cited_changed": moved["changed"]}
    own = doc_of[side].get(ev.get("report_id"))
    docs = {own} | {k[0] for k in cited}
    docs.discard(None)
    report_cells = sum(1 for k, t in trans.items() if k[0] in docs and t in ("newly_read", "no_longer_read"))
    item["report_cells_moved"] = report_cells
    if f["rule"] in new_rules:
        why = "new_rule"
    elif moved["newly_read"] or moved["no_longer_read"] or moved["changed"]:
        why = "cells"
    elif own is not None and (f["rule"], ev.get("subject"), own) in other_subjects:
        why = "reidentified"
    else:
        # a finding that cites no cell (X1, W6's missing parts, W5): every change of its report is listed
        reasons = []
        if not cited and report_cells:
            reasons.append("report_cells")
        if not cited and docs & narrative["sections"]:
            reasons.append("sections")
        if not cited and docs & narrative["facts"]:
            reasons.append("facts")
        if any(_report_key(orep.get(d)) != _report_key(nrep.get(d)) for d in docs):
            reasons.append("report")
        if mid is not None and ((f["fingerprint"] in mid) == (how == "added")):
            reasons.append("monitor")
        why = reasons[0] if reasons else None
        item["also"] = reasons[1:]
    item["explained_by"] = why
    return item


def _report_key(r: dict | None) -> tuple | None:
    return None if r is None else (r["agency"], r["year"], r["status"] in READABLE, r["current"])


def _sections(r: dict | None) -> list:
    return [] if r is None else list(r.get("sections") or [])


# ============================================================================ printing
def render(c: Comparison, limit: int = 40) -> str:
    """The comparison as the few lines a reader needs, then the lists (at most ``limit`` each)."""
    r, k = c.reports, c.cells
    lines = [(f"reports (documents read as reports): before {r['readable_before']}, after {r['readable_after']}; "
              f"current before {r['current_before']}, after {r['current_after']} (both {r['current_both']})"),
             (f"cells read (value or blank) in current reports: before {k['read_before']:,}, after {k['read_after']:,}"
              f" (numbers {k['values_before']:,} → {k['values_after']:,})"),
             f"in reports current on both sides, cells newly read: {k['newly_read']:,}; no longer read: "
             f"{k['no_longer_read']:,}; value changed: {k['changed']:,} (must be 0); unchanged: {k['same']:,}"
             + (f"; same number written differently: {k['same_number_other_text']}" if k["same_number_other_text"] else ""),
             (f"cells read in reports current before only: {k['read_in_reports_gone']:,}; after only: "
              f"{k['read_in_reports_new']:,}")]
    if c.reports_moved:
        lines.append(f"documents whose report changed (agency, year, status, current): {len(c.reports_moved)}")
        lines += [f"  doc {m['document_id']} {m['url']}: {m['before']} → {m['after']}" for m in c.reports_moved[:limit]]
    nar = c.narrative
    if nar:
        lines.append(f"narrative of the {nar['documents']} reports: stated facts changed in "
                     f"{len(nar['facts_changed'])}, section keys changed in {len(nar['sections_changed'])}"
                     + "".join(f"; new fact kind {k} in {n}" for k, n in sorted(nar["new_fact_kinds"].items())))
        lines += [f"  {x['agency']} {x['year']} (doc {x['document_id']}): lost {x['lost']} gained {x['gained']}"
                  for x in nar["facts_changed"][:limit]]
    if c.changed_values:
        lines.append("CHANGED VALUES:")
        lines += [f"  {v['agency']} {v['year']} {v['table']}/{v['row']}/{v['column']}: {v['before']} → {v['after']}"
                  f" (doc {v['document_id']})" for v in c.changed_values[:limit]]
    tot = Counter()
    for p in c.per_rule.values():
        tot.update({x: p[x] for x in ("before", "after", "kept", "added", "removed")})
    expl = Counter(i["explained_by"] for i in c.added + c.removed)
    lines.append(f"open findings: before {tot['before']}, after {tot['after']}; kept {tot['kept']}, "
                 f"added {tot['added']}, removed {tot['removed']}")
    if c.monitor_only:
        lines.append("the new monitor on the old cells (before reextract) differs from the old monitor: " + "; ".join(
            f"{r} +{d['added']} −{d['removed']}" for r, d in c.monitor_only.items()))
    lines.append("  rule  before after  kept added removed  explained by the extraction")
    for rule, p in c.per_rule.items():
        lines.append(f"  {rule:<4} {p['before']:>6} {p['after']:>5} {p['kept']:>5} {p['added']:>5} {p['removed']:>7}"
                     f" {p['explained']:>5}" + ("   (rule new since the old revision)" if p["new_rule"] else ""))
    lines.append("added or removed, why: " + "; ".join(f"{REASON_TEXT[k]}: {expl[k]}" for k in REASON_TEXT if expl[k])
                 if expl else "added or removed: none")
    for why in (None, "monitor", *EXTRACTION_REASONS, "new_rule"):
        items = [i for i in c.added + c.removed if i["explained_by"] == why]
        if not items:
            continue
        lines.append(f"{REASON_TEXT[why]}: {len(items)}")
        for i in items[:limit]:
            extra = ""
            if i["cited_cells"]:
                extra = (f" [cited cells {i['cited_cells']}: newly read {i['cited_newly_read']}, no longer read "
                         f"{i['cited_no_longer_read']}, changed {i['cited_changed']}]")
            elif why in (None, "report_cells"):
                extra = f" [report: {i['report_cells_moved']} cells newly read or no longer read]"
            if i.get("also"):
                extra += " [also: " + ", ".join(i["also"]) + "]"
            lines.append(f"  {i['how']:<7} {i['rule']} {i['agency']} {i['year']} «{_short(i['message'])}»{extra}")
        if len(items) > limit:
            lines.append(f"  … {len(items) - limit} more (--json)")
    if c.message_changed:
        lines.append(f"findings kept with another message: {len(c.message_changed)}")
        for m in c.message_changed[:limit]:
            lines.append(f"  {m['rule']} {m['agency']} {m['year']}: «{_short(m['before'])}» → «{_short(m['after'])}»")
    lines += c.notes
    return "\n".join(lines)


def _short(text: str, n: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ============================================================================ orchestration
def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout.strip()


def env_for(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.pop("NIANBAO_HOME", None)
    env.pop("NIANBAO_DB", None)
    return env


def run_in(tree: Path, args: list[str], log: Path, *, ok: Iterable[int] = (0,), stdout: Path | None = None) -> int:
    """Run ``python args…`` with ``tree``'s code first on the path, from ``tree``; output to files."""
    t0 = time.monotonic()
    with open(log, "a", encoding="utf-8") as err, (open(stdout, "w", encoding="utf-8") if stdout else err) as out:
        err.write(f"$ (cd {tree} && PYTHONPATH={tree} python {' '.join(args)})\n")
        err.flush()
        rc = subprocess.run([sys.executable, *args], cwd=tree, env=env_for(tree), stdout=out, stderr=err,
                            check=False).returncode
    print(f"  {' '.join(a for a in args if a != CLI)[:90]}: exit {rc}, {time.monotonic() - t0:.0f}s", file=sys.stderr)
    if rc not in ok:
        raise SystemExit(f"failed (exit {rc}): {' '.join(args)} — see {log}")
    return rc


def assert_code_from(tree: Path, log: Path) -> None:
    """The packages a run imports come from ``tree`` (not from the editable install's checkout)."""
    code = ("import importlib, json, sys; print(json.dumps({p: importlib.import_module(p).__file__ for p in "
            + repr(list(PACKAGES)) + "}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env_for(tree), capture_output=True,
                         text=True, check=True).stdout
    paths = json.loads(out)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"modules for {tree}: {paths}\n")
    wrong = {p: f for p, f in paths.items() if not Path(f).resolve().is_relative_to(tree.resolve())}
    if wrong:
        raise SystemExit(f"{tree}: these packages come from elsewhere: {wrong}")


def worktree(rev: str, where: Path) -> Path:
    if not where.exists():
        git("worktree", "add", "--detach", str(where), rev)
    return where


def copy_home(src: Path, dst: Path) -> None:
    """The data home copied; raw files hard-linked (the raw store never rewrites a file)."""
    def link_or_copy(a: str, b: str) -> None:
        if "/raw/" in a:
            try:
                os.link(a, b)
                return
            except OSError:
                pass
        shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link_or_copy, ignore=shutil.ignore_patterns("*.migrate-lock"))


def dump(tree: Path, home: Path, findings: Path | None, out: Path, log: Path) -> dict[str, Any]:
    args = [str(HERE), "dump", "--home", str(home), "--out", str(out)]
    if findings:
        args += ["--findings", str(findings)]
    run_in(tree, args, log)
    return json.loads(out.read_text("utf-8"))


def schema_head(tree: Path) -> str:
    """The newest migration of ``tree`` (what ``db upgrade`` should leave the database at)."""
    code = ("from alembic.script import ScriptDirectory; from alembic.config import Config; import db, pathlib;"
            "c = Config(); c.set_main_option('script_location', str(pathlib.Path(db.__file__).parent / 'migrations'));"
            "print(ScriptDirectory.from_config(c).get_current_head())")
    return subprocess.run([sys.executable, "-c", code], cwd=tree, env=env_for(tree), capture_output=True,
                          text=True, check=True).stdout.strip()


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="reextract-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "run.log"
    print(f"work folder {work} (log: {log})", file=sys.stderr)
    old_sha = git("rev-parse", args.old_rev)
    old_tree = worktree(old_sha, work / f"tree-old-{old_sha[:7]}")
    made = [old_tree]
    if args.new_rev:
        new_sha = git("rev-parse", args.new_rev)
        new_tree = worktree(new_sha, work / f"tree-new-{new_sha[:7]}")
        made.append(new_tree)
        new_label = new_sha[:7]
    else:
        new_tree = REPO
        dirty = git("status", "--porcelain", "--untracked-files=no")
        new_label = git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")
    notes = [f"old code {old_sha[:7]} ({args.old_rev}), new code {new_label}"]
    try:
        for tree in (old_tree, new_tree):
            assert_code_from(tree, log)
        # 1. the old revision's demo, its check and its cells
        if args.old_home:
            old_home = Path(args.old_home).resolve()
            notes.append(f"old demo home reused: {old_home}")
        else:
            base = work / "old"
            rc = run_in(old_tree, ["-c", CLI, "--home", str(base), "demo"], log, ok=(0, 1),
                        stdout=work / "old-demo.txt")
            old_home = base / "demo"
            notes.append(f"old demo: exit {rc} (output in {work / 'old-demo.txt'})")
        if args.imports:
            # the old code imports more documents into a copy of the demo home
            files = sorted(str(Path(f).resolve()) for f in args.imports)
            target = work / "old-home"
            if target.exists():
                shutil.rmtree(target)
            copy_home(old_home, target)
            old_home = target
            rc = run_in(old_tree, ["-c", CLI, "--home", str(old_home), "import", *files], log, ok=(0, 1, 2, 3),
                        stdout=work / "old-import.txt")
            notes.append(f"old code imported {len(files)} more files: exit {rc}")
        run_in(old_tree, ["-c", CLI, "--home", str(old_home), "check", "--as-of", args.as_of, "--json"], log,
               ok=(0, 1), stdout=work / "old-findings.json")
        old = dump(old_tree, old_home, work / "old-findings.json", work / "old-dump.json", log)
        # 2. main's code on a copy: migrations, check on the old cells, reextract, check
        new_home = work / "new-home"
        if new_home.exists():
            shutil.rmtree(new_home)
        copy_home(old_home, new_home)
        before = old["schema"]
        run_in(new_tree, ["-c", CLI, "--home", str(new_home), "db", "upgrade"], log)
        head = schema_head(new_tree)
        con = sqlite3.connect(new_home / "nianbao.sqlite")
        after = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        packed = con.execute("SELECT count(*), count(values_json) FROM reports WHERE status IN ('ok','problems')"
                             " AND EXISTS (SELECT 1 FROM cells c WHERE c.report_id = reports.id)").fetchone() \
            if "values_json" in {r[1] for r in con.execute("PRAGMA table_info(reports)")} else None
        con.close()
        notes.append(f"old home upgraded by the new migrations: {before} → {after} (head {head})"
                     + ("" if after == head else "  NOT AT HEAD")
                     + (f"; reports with cells whose values_json was backfilled: {packed[1]} of {packed[0]}"
                        if packed else ""))
        run_in(new_tree, ["-c", CLI, "--home", str(new_home), "check", "--as-of", args.as_of, "--json"], log,
               ok=(0, 1), stdout=work / "mid-findings.json")
        mid = {"findings": json.loads((work / "mid-findings.json").read_text("utf-8"))}
        t0 = time.monotonic()
        rc = run_in(new_tree, ["-c", CLI, "--home", str(new_home), "reextract"], log, ok=(0, 3),
                    stdout=work / "reextract.txt")
        notes.append(f"reextract (every document): exit {rc}, {time.monotonic() - t0:.0f}s: "
                     + " ".join((work / "reextract.txt").read_text("utf-8").split())[:300])
        run_in(new_tree, ["-c", CLI, "--home", str(new_home), "check", "--as-of", args.as_of, "--json"], log,
               ok=(0, 1), stdout=work / "new-findings.json")
        new = dump(new_tree, new_home, work / "new-findings.json", work / "new-dump.json", log)
        (work / "mid-dump.json").write_text(json.dumps(mid, ensure_ascii=False), "utf-8")
        if args.twice:
            # with an unchanged extractor, reextract must leave reports, cells and findings as they were
            run_in(new_tree, ["-c", CLI, "--home", str(new_home), "reextract"], log, ok=(0, 3),
                   stdout=work / "reextract-again.txt")
            run_in(new_tree, ["-c", CLI, "--home", str(new_home), "check", "--as-of", args.as_of, "--json"], log,
                   ok=(0, 1), stdout=work / "again-findings.json")
            again = dump(new_tree, new_home, work / "again-findings.json", work / "again-dump.json", log)
            same = compare(new, again)
            moved = sum(same.cells[k] for k in ("newly_read", "no_longer_read", "changed"))
            gone = len(same.added) + len(same.removed) + len(same.message_changed) + len(same.reports_moved)
            notes.append(f"a second reextract: {moved} cells and {gone} reports or findings changed"
                         + ("" if moved + gone == 0 else "  NOT IDEMPOTENT (see again-dump.json)"))
    finally:
        if not args.keep_trees:
            for tree in made:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                               capture_output=True, check=False)
    result = compare(old, new, mid)
    result.notes = [*notes, (f"dumps: {work}/old-dump.json {work}/new-dump.json {work}/mid-dump.json; "
                             f"total {time.monotonic() - started:.0f}s")]
    print(render(result, args.limit))
    if args.json:
        Path(args.json).write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=1, default=str), "utf-8")
    return 1 if result.changed_values or any(i["explained_by"] is None for i in result.added + result.removed) else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    d = sub.add_parser("dump", help="(internal) dump a data home under the code on PYTHONPATH")
    d.add_argument("--home", required=True)
    d.add_argument("--findings")
    d.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="compare two dumps made earlier")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("mid", nargs="?")
    c.add_argument("--json")
    c.add_argument("--limit", type=int, default=40)
    ap.add_argument("--old-rev", default="992ac09^", help="the revision before the layout-free reader")
    ap.add_argument("--new-rev", help="a revision to check out as the new code (default: this working tree)")
    ap.add_argument("--workdir", help="work folder (default: a new temporary folder, kept for inspection)")
    ap.add_argument("--old-home", help="reuse a data home the old revision's demo filled (skips the demo)")
    ap.add_argument("--import", dest="imports", nargs="+", metavar="FILE",
                    help="files the old code imports after its demo (e.g. ../shared/corpus/real-text/*)")
    ap.add_argument("--as-of", default=AS_OF)
    ap.add_argument("--json", help="write the comparison as JSON here")
    ap.add_argument("--limit", type=int, default=40, help="at most this many lines per list")
    ap.add_argument("--twice", action="store_true", help="reextract a second time: nothing may change")
    ap.add_argument("--keep-trees", action="store_true", help="keep the git worktrees")
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        data = dump_home(Path(args.home), Path(args.findings) if args.findings else None)
        Path(args.out).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        return 0
    if args.cmd == "compare":
        old, new = (json.loads(Path(p).read_text("utf-8")) for p in (args.old, args.new))
        mid = json.loads(Path(args.mid).read_text("utf-8")) if args.mid else None
        result = compare(old, new, mid)
        print(render(result, args.limit))
        if args.json:
            Path(args.json).write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=1, default=str), "utf-8")
        return 1 if result.changed_values else 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
