"""Printing reports for people (aligned tables) and for machines (one JSON object per line)."""
from __future__ import annotations

import unicodedata
from typing import Any

import simplejson

from extract import template as T
from extract.model import Report


def to_json(obj: Any) -> str:
    """JSON with decimals written exactly as the report prints them (96171.6, not 96171.60000001)."""
    return simplejson.dumps(obj, ensure_ascii=False, use_decimal=True, default=str)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, w: int, right: bool = False) -> str:
    fill = " " * max(0, w - _width(s))
    return fill + s if right else s + fill


def grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(_pad(h, widths[i], i > 0) for i, h in enumerate(header))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(_pad(c, widths[i], i > 0) for i, c in enumerate(r)))
    return "\n".join(lines)


def _v(x: Any) -> str:
    return "·" if x is None else str(x)


#: How a cell the extractor did not read shows: never like a blank one (·).
UNREAD_MARK = "?"


def _cell(report: Report, unread: set, table: str, row: str, col: str) -> str:
    """A cell as text: its value, · where the report leaves it blank, ? where it was not read
    (absent, or in doubt — a problem names it)."""
    cv = report.cell(table, row, col)
    if cv is None or (table, row, col) in unread:
        return UNREAD_MARK
    return _v(cv.value)


_ROW_LABEL = {s.key: s.label for s in T.APPLICATION_ROWS}


def format_report(report: Report, name: str = "") -> str:
    d = report.as_dict()
    out = [f"== {name}" if name else "==",
           f"agency: {d['agency'] or '(not named)'}   year: {d['year'] or '?'}   template: {d['template'] or '?'}"
           + (f"   published: {d['published']}" if d["published"] else "")]
    if d["title"]:
        out.append(f"title: {d['title']}")
    out.append("")
    unread = report.unreadable()
    out.append(f"三、收到和处理政府信息公开申请情况  (· = blank in the report, {UNREAD_MARK} = not read)")
    header = ["row"] + [T.APPLICANT_COLUMN_LABELS[c] for c in T.APPLICANT_COLUMNS]
    rows = [[f"{k} {_ROW_LABEL.get(k, '')}"[:34]] + [_cell(report, unread, "applications", k, c)
                                                     for c in T.APPLICANT_COLUMNS]
            for k in d["applications"]]
    out.append(grid(header, rows))
    out.append("")
    out.append("四、行政复议、行政诉讼")
    header = ["group"] + [T.REVIEW_COLUMN_LABELS[c] for c in T.REVIEW_COLUMNS]
    rows = [[f"{g} {T.REVIEW_GROUP_LABELS[g]}"] + [_cell(report, unread, "review_litigation", g, c)
                                                   for c in T.REVIEW_COLUMNS]
            for g in d["review_litigation"]]
    out.append(grid(header, rows))
    out.append("")
    out.append("二、主动公开 (第二十条)")
    for t, rows_ in d["proactive"].items():
        for r, vals in rows_.items():
            out.append(f"  {t}.{r}: " + ", ".join(f"{c}={_cell(report, unread, t, r, c)}" for c in vals))
    out.append("")
    out.append("sections:")
    for s in d["sections"]:
        out.append(f"  {s['key']:<18} {s['title']}  [{' '.join(s['keywords'])}]")
        for f in s["facts"]:
            out.append(f"      fact {f['kind']} = {f['value']}  «{f['text']}»")
    if d["problems"]:
        out.append("problems (what could not be read with certainty):")
        for p in d["problems"]:
            where = f" [{p.get('where')}]" if p.get("where") else ""
            out.append(f"  - {p['kind']}: {p['message']}{where}")
    return "\n".join(out)
