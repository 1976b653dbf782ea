"""Cross-year warnings between an agency's report for year Y and its own report for Y−1.

W1 per column: 上年结转 (Y) = 结转下年度继续办理 (Y−1).
W2 per row of 第二十条第（一）项, when both years use the 2021 template:
   现行有效件数 (Y) = 现行有效件数 (Y−1) + 本年制发件数 (Y) − 本年废止件数 (Y).

Warnings, not errors: agencies merge and split, and some count 现行有效 afresh after a 清理.
A comparison with a blank or unreadable cell is not made.
"""
from __future__ import annotations

import numpy as np

from extract import template as T
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit, col_label, fmt_num
from monitor.view import SLOT, View

RULES = family_rules("crossyear")


def pairs(view: View) -> tuple[np.ndarray, np.ndarray]:
    """(this year's rep idx, last year's rep idx) for every in-scope report with a predecessor."""
    cur, prev = [], []
    for rep in view.reps:
        if not rep.in_scope or rep.agency.pseudo or rep.year is None:
            continue
        j = view.by_key.get((rep.agency.key, rep.year - 1))
        if j is not None:
            cur.append(rep.idx)
            prev.append(j)
    return np.array(cur, dtype=np.int64), np.array(prev, dtype=np.int64)


def _ok(view: View, idx: np.ndarray, slots: list[int]) -> np.ndarray:
    return ((view.ST[np.ix_(idx, slots)] == 2) & ~view.U[np.ix_(idx, slots)]).all(axis=1)


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    hits: list[Hit] = []
    cur, prev = pairs(view)
    if not len(cur):
        return hits
    if cfg["crossyear"].get("w1", True):
        for c in T.APPLICANT_COLUMNS:
            a, b = SLOT[("applications", "carried_over", c)], SLOT[("applications", "carried_forward", c)]
            ok = _ok(view, cur, [a]) & _ok(view, prev, [b])
            bad = ok & (np.abs(view.V[cur, a] - view.V[prev, b]) > 1e-6)
            for i, j in zip(cur[bad], prev[bad]):
                rep, old = view.reps[i], view.reps[j]
                hits.append(Hit("W1", rep.agency, rep.year, f"applications:carried_over:{c}",
                                f"W1 上年结转与上一年度报告不衔接（{col_label(c)}列）：{rep.year}年报告“上年结转”为"
                                f"{fmt_num(view.num(i, a))}，但{old.year}年报告“结转下年度继续办理”为{fmt_num(view.num(j, b))}。",
                                rep=int(i), cells=[(int(i), a), (int(j), b)],
                                extra={"previous_report_id": old.id, "previous_source_url": old.url}))
    if cfg["crossyear"].get("w2", True):
        both = np.array([view.reps[i].template == "2021" and view.reps[j].template == "2021"
                         for i, j in zip(cur, prev)], dtype=bool)
        c2, p2 = cur[both], prev[both]
        for row in ("regulations", "normative_docs"):
            f, iss, rep_ = (SLOT[("art20_1", row, k)] for k in ("in_force", "issued", "repealed"))
            if not len(c2):
                break
            ok = _ok(view, c2, [f, iss, rep_]) & _ok(view, p2, [f])
            expect = view.V[p2, f] + view.V[c2, iss] - view.V[c2, rep_]
            bad = ok & (np.abs(view.V[c2, f] - expect) > 1e-6)
            label = "规章" if row == "regulations" else "行政规范性文件"
            for i, j, e in zip(c2[bad], p2[bad], expect[bad]):
                rep, old = view.reps[i], view.reps[j]
                hits.append(Hit("W2", rep.agency, rep.year, f"art20_1:{row}:in_force",
                                f"W2 现行有效件数与上年不衔接（{label}）：{old.year}年现行有效{fmt_num(view.num(j, f))}"
                                f" + {rep.year}年制发{fmt_num(view.num(i, iss))} − 废止{fmt_num(view.num(i, rep_))}"
                                f" = {fmt_num(float(e))}，但{rep.year}年报告现行有效件数为{fmt_num(view.num(i, f))}。",
                                rep=int(i), cells=[(int(j), f), (int(i), iss), (int(i), rep_), (int(i), f)],
                                extra={"previous_report_id": old.id, "previous_source_url": old.url}))
    return hits
