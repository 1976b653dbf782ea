"""X1 — what we could not read (this family is X1's one owner). Kept apart from what the agency got wrong: the cells listed here
are never judged by R1–R5, W1–W3 or T1, and the finding is ``info``, addressed to whoever runs
nianbao (re-extract, read by eye, OCR), not to the agency.

Only problems that leave canonical cells unread count (``extract.model.BLOCKING_KINDS``:
unreadable values, missing cells/rows/tables, documents needing OCR …); notes such as a surplus
cell among equal values or a missing title do not.

A document we hold for an agency and year that could not be read at all (the extraction failed,
or the fetch came back with an error) while no readable report of that agency and year exists is
X1 too (subject ``document``): something was published, we cannot say what — the publication
family reads :func:`unreadable_documents` so as not to call it "not published" (P1).
"""
from __future__ import annotations

import json
import weakref
from collections import defaultdict

from sqlalchemy import select

from db.models import Document, ReportRow

from monitor.catalogue import BY_ID, family_rules
from monitor.config import MonitorConfig
from extract import template as T
from monitor.findings import Hit, cell_label, item_label, pro_row_label, row_label
from monitor.view import READABLE, SLOTS, AgencyInfo, View, blocking_problems

RULES = family_rules("extraction")

_KIND = {"unreadable_value": "数值无法识别", "missing_cell": "单元格缺失或无法定位", "extra_cells": "单元格多出无法对齐",
         "missing_row": "表格行未找到", "missing_table": "表格未找到（可能为图片或附件）", "duplicate_row": "表格行重复",
         "needs_ocr": "扫描件，需要OCR", "unreadable_document": "文档无法解析",
         "ambiguous_split": "数字连写，拆分方式不唯一", "truncated": "文本在此行中截断", "damaged": "有无法解码的字节",
         "readers_disagree": "两种读法结果不一致"}
_TABLE = {"applications": "表三（收到和处理政府信息公开申请情况）", "review_litigation": "表四（行政复议、行政诉讼情况）"}


def place(p: dict, template: str | None = None) -> str:
    """Where a problem stands, as a person finds it in the report: a cell, a table's row, a table,
    or the whole text."""
    t, r, c = p.get("table"), p.get("row"), p.get("column")
    if t and r and c:
        return cell_label(t, r, c, template)
    if t:
        return _table_name(t) + (f"“{_row_name(t, r, template)}”行" if r else "")
    return "全文"


def _table_name(table: str) -> str:
    return item_label(table) if table in T.PROACTIVE_BY_KEY else _TABLE.get(table, table)


def _row_name(table: str, row: str, template: str | None = None) -> str:
    if table == "applications":
        return row_label(row)
    if table in T.PROACTIVE_BY_KEY:
        return pro_row_label(row, template)
    return T.REVIEW_GROUP_LABELS.get(row, row)


def describe(p: dict, template: str | None = None) -> str:
    what = _KIND.get(p.get("kind", ""), p.get("kind", ""))
    loc = f"（{p['where']}）" if p.get("where") else ""
    return f"{place(p, template)}：{what}{loc}"


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    hits = []
    for rep in view.reps:
        if not rep.in_scope:
            continue
        probs = blocking_problems(rep)
        if not probs:
            continue
        lines = [describe(p, rep.template) for p in probs]
        shown = "；".join(lines[:6]) + (f"；等共{len(lines)}处" if len(lines) > 6 else "")
        hits.append(Hit("X1", rep.agency, rep.year, "extraction",
                        f"X1 未能完整读取报告（不是机关的错误）：{shown}。涉及这些单元格的核对已跳过，请人工查看原文。",
                        rep=rep.idx,
                        extra={"problems": probs},
                        values=sorted((p.get("kind") or "", p.get("table") or "", p.get("row") or "",
                                       p.get("column") or "") for p in probs)))
    hits += _documents(view)
    hits += _leaned(view)
    return hits


#: problems saying a cut of run-together digits was chosen by a check the monitor also makes:
#: the rule named on the problem (R1–R4), or W3 when a number the narrative states chose it
_LEANED_ON = {"split_by_identity": None, "split_by_statement": "W3"}


def leaned_rows(rep) -> dict[tuple[str, str], str]:
    """(table, row) -> the rule whose identity (or W3: a stated number) chose the cut of that row's
    run-together digits, for one report of the view."""
    return {(p.get("table") or "", p.get("row") or ""): _leaned_on(p) for p in rep.problems
            if p.get("kind") in _LEANED_ON}


def _leaned_on(p: dict) -> str:
    return p.get("identity") or _LEANED_ON[p["kind"]] or "勾稽关系"


def note_leaned(view: View, hits: list[Hit]) -> None:
    """A finding about the agency that cites a cell of a row cut by another identity holds only if
    that identity holds: say so in its message (and its evidence), so the flag is read as "these
    numbers cannot all be right", not as a proven error in that cell."""
    cache: dict[int, dict[tuple[str, str], str]] = {}
    for h in hits:
        rule = BY_ID.get(h.rule)
        if rule is None or not rule.agency_fault or not h.cells:
            continue
        notes: dict[str, str] = {}
        for i, k in h.cells:
            rows = cache.setdefault(i, leaned_rows(view.reps[i]))
            t, r, _ = SLOTS[k]
            by = rows.get((t, r))
            if by and by != h.rule:
                notes.setdefault(f"“{_row_name(t, r)}”行", by)
        if notes:
            said = "、".join(f"{where}按{by}拆分" for where, by in notes.items())
            h.message += f"（注：{said}——原文数字连写，本条结论以该关系成立为前提，请对照原文。）"
            h.extra["leaned_on"] = notes


def _leaned(view: View) -> list[Hit]:
    """X2: rows whose digits ran together in the document and were cut into cells using an
    identity (总计 = the sum of its parts, R1/R3/R4) or a number the text states (W3). The values
    are certain — no other cut was possible — but the identity that chose the cut holds by
    construction, so that check says nothing about the agency's own arithmetic for these rows.
    Said once per report, apart from the agency's findings, so nobody reads "R2 holds" there as
    the agency's care."""
    hits = []
    for rep in view.reps:
        if not rep.in_scope:
            continue
        leaned = [p for p in rep.problems if p.get("kind") in _LEANED_ON]
        if not leaned:
            continue
        lines, rules = [], set()
        for p in leaned:
            rule = _leaned_on(p)
            rules.add(rule)
            lines.append(f"{place(p, rep.template)}（按{rule}拆分{('；' + p['where']) if p.get('where') else ''}）")
        shown = "；".join(lines[:6]) + (f"；等共{len(lines)}处" if len(lines) > 6 else "")
        hits.append(Hit("X2", rep.agency, rep.year, "leaned",
                        f"X2 原文中这些行的数字连写在一起，只能借助勾稽关系唯一拆分：{shown}。数值可以确定，"
                        f"但{('、'.join(sorted(rules)))}对这些行不能说明机关填报无误，请对照原文。",
                        rep=rep.idx, extra={"problems": leaned},
                        values=sorted((p.get("kind") or "", p.get("table") or "", p.get("row") or "",
                                       p.get("identity") or "") for p in leaned)))
    return hits


_CACHE: "weakref.WeakKeyDictionary[View, dict]" = weakref.WeakKeyDictionary()


def unreadable_documents(view: View) -> dict[tuple[str, int], list[dict]]:
    """(agency key, year) -> the documents attributed to it that could not be read, for the
    agencies and years with no readable report at all. Read once per view (two families ask)."""
    got = _CACHE.get(view)
    if got is not None:
        return got
    s = view.s
    readable: set[tuple[str, int]] = set()
    q = (select(ReportRow.agency_id, ReportRow.year).where(ReportRow.status.in_(READABLE),
                                                           ReportRow.agency_id.is_not(None),
                                                           ReportRow.year.is_not(None))
         .group_by(ReportRow.agency_id, ReportRow.year))
    for agency_id, year in s.execute(q):
        a = view.by_agency_id.get(agency_id)
        if a is not None:
            readable.add((a.key, year))
    names: dict[str, list[AgencyInfo]] = defaultdict(list)
    for a in view.agencies.values():
        names[a.name].append(a)
    out: dict[tuple[str, int], list[dict]] = defaultdict(list)
    q = (select(Document.id, Document.url, Document.meta, Document.error, Document.fetched_at, ReportRow.status,
                ReportRow.error, ReportRow.agency_id, ReportRow.year)
         .outerjoin(ReportRow, ReportRow.document_id == Document.id)
         .where((ReportRow.status == "failed") | (ReportRow.id.is_(None) & Document.error.is_not(None)))
         .where(Document.kind.is_(None) | Document.kind.in_(("detail", "attachment", "file"))))
    for r in s.execute(q):
        meta = json.loads(r.meta) if isinstance(r.meta, str) else (r.meta or {})
        a = view.by_agency_id.get(r.agency_id) if r.agency_id else None
        if a is None and meta.get("agency") and len(names.get(meta["agency"], [])) == 1:
            a = names[meta["agency"]][0]
        year = r.year or (int(meta["year"]) if str(meta.get("year") or "").isdigit() else None)
        if a is not None and year is not None and (a.key, year) not in readable:
            out[(a.key, year)].append({"document_id": r[0], "url": r[1], "error": r[6] or r[3],
                                       "fetched_at": r.fetched_at.isoformat(timespec="seconds")})
    got = _CACHE[view] = dict(out)
    return got


def _documents(view: View) -> list[Hit]:
    hits = []
    for (key, year), docs in sorted(unreadable_documents(view).items()):
        a = view.agencies.get(key)
        if a is None or a.pseudo or not view.in_province(a):
            continue
        if view.year_requested is not None and year != view.year_requested:
            continue
        hits.append(Hit("X1", a, year, "document",
                        f"X1 已找到{a.name}{year}年度报告的文件，但无法读取（{docs[0]['error'] or '解析失败'}）：{docs[0]['url']}。"
                        "这不是未发布，请人工查看。", extra={"documents": docs},
                        values=sorted(d["url"] for d in docs)))
    return hits
