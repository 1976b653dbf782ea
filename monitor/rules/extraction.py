"""X1 — what we could not read. Kept apart from what the agency got wrong: the cells listed here
are never judged by R1–R5, W1–W3 or T1, and the finding is ``info``, addressed to whoever runs
nianbao (re-extract, read by eye, OCR), not to the agency.

Only problems that leave canonical cells unread count (``extract.model.BLOCKING_KINDS``:
unreadable values, missing cells/rows/tables, documents needing OCR …); notes such as a surplus
cell among equal values or a missing title do not.
"""
from __future__ import annotations

from monitor.config import MonitorConfig
from extract import template as T
from monitor.findings import Hit, cell_label, row_label
from monitor.view import View, blocking_problems

RULES = ("X1",)

_KIND = {"unreadable_value": "数值无法识别", "missing_cell": "单元格缺失或无法定位", "extra_cells": "单元格多出无法对齐",
         "missing_row": "表格行未找到", "missing_table": "表格未找到（可能为图片或附件）", "duplicate_row": "表格行重复",
         "needs_ocr": "扫描件，需要OCR", "unreadable_document": "文档无法解析"}
_TABLE = {"applications": "表三（收到和处理政府信息公开申请情况）", "review_litigation": "表四（行政复议、行政诉讼情况）"}


def describe(p: dict) -> str:
    what = _KIND.get(p.get("kind", ""), p.get("kind", ""))
    t, r, c = p.get("table"), p.get("row"), p.get("column")
    if t and r and c:
        where = cell_label(t, r, c)
    elif t:
        rl = (row_label(r) if t == "applications" else T.REVIEW_GROUP_LABELS.get(r, r)) if r else ""
        where = _TABLE.get(t, t) + (f"“{rl}”行" if r else "")
    else:
        where = "全文"
    loc = f"（{p['where']}）" if p.get("where") else ""
    return f"{where}：{what}{loc}"


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    hits = []
    for rep in view.reps:
        if not rep.in_scope:
            continue
        probs = blocking_problems(rep)
        if not probs:
            continue
        lines = [describe(p) for p in probs]
        shown = "；".join(lines[:6]) + (f"；等共{len(lines)}处" if len(lines) > 6 else "")
        hits.append(Hit("X1", rep.agency, rep.year, "extraction",
                        f"X1 未能完整读取报告（不是机关的错误）：{shown}。涉及这些单元格的核对已跳过，请人工查看原文。",
                        rep=rep.idx,
                        extra={"problems": probs},
                        values=sorted((p.get("kind"), p.get("table"), p.get("row"), p.get("column")) for p in probs)))
    return hits
