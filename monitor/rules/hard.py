"""Hard rules R1–R5: arithmetic the template itself implies. A report that breaks one is wrong
(severity error) — unless a cell involved could not be read, in which case nothing is said here
(see ``extraction``: X1).

R1 勾稽关系 per column: 本年新收 + 上年结转 = （七）总计 + 结转下年度继续办理.
R2 per row of table 三: 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 = 总计.
R3 per column: 予以公开 + 部分公开 + Σ不予公开 + Σ无法提供 + Σ不予处理 + Σ其他处理 = （七）总计.
R4 per group of table 四: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计.
R5 every count is a non-negative integer (本年增/减 may be negative; 万元 amounts may be decimal
   but not negative).
"""
from __future__ import annotations

import numpy as np

from extract import template as T
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit, cell_label, col_label, fmt_num, row_label
from monitor.rules import blank_note, equation, terms
from monitor.view import SIGNED_COLUMNS, SLOT, SLOTS, View, is_money_slot

RULES = family_rules("hard")

A = "applications"
COLS = T.APPLICANT_COLUMNS
APPLICANT = COLS[:-1]
OUTCOME_GROUPS: list[tuple[str, list[str]]] = [
    ("予以公开", ["granted"]),
    ("部分公开", ["partial"]),
    ("不予公开", [k for k in T.APPLICATION_ROW_KEYS if k.startswith("denied.")]),
    ("无法提供", [k for k in T.APPLICATION_ROW_KEYS if k.startswith("unable.")]),
    ("不予处理", [k for k in T.APPLICATION_ROW_KEYS if k.startswith("not_processed.")]),
    ("其他处理", [k for k in T.APPLICATION_ROW_KEYS if k == "other" or k.startswith("other.")]),
]


def _s(row: str, col: str, table: str = A) -> int:
    return SLOT[(table, row, col)]


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    bz = bool(cfg["hard"].get("blank_as_zero", True))
    hits: list[Hit] = []
    reps = view.reps

    def hit(rule: str, i: int, subject: str, message: str, slots: list[int]) -> None:
        rep = reps[i]
        hits.append(Hit(rule, rep.agency, rep.year, subject, message, rep=i, cells=[(i, k) for k in slots]))

    # R1 — per column
    for c in COLS:
        lhs, rhs = [_s("new_received", c), _s("carried_over", c)], [_s("total_handled", c), _s("carried_forward", c)]
        for i in equation(view, lhs, rhs, bz):
            lt, lv, lb = terms(view, i, [("本年新收", lhs[:1]), ("上年结转", lhs[1:])])
            rt, rv, rb = terms(view, i, [("办理结果总计", rhs[:1]), ("结转下年度", rhs[1:])])
            hit("R1", i, f"applications:*:{c}",
                f"R1 勾稽关系不成立（{col_label(c)}列）：{lt} = {fmt_num(lv)}，但{rt} = {fmt_num(rv)}"
                f"{blank_note(lb + rb)}。表中注明“第一项加第二项之和，等于第三项加第四项之和”，请核对该列数据。",
                lhs + rhs)
    # R2 — per row
    for r in T.APPLICATION_ROW_KEYS:
        lhs, rhs = [_s(r, c) for c in APPLICANT], [_s(r, "total")]
        for i in equation(view, lhs, rhs, bz):
            lt, lv, lb = terms(view, i, [(col_label(c), [_s(r, c)]) for c in APPLICANT])
            hit("R2", i, f"applications:{r}:*",
                f"R2 申请人各列之和与总计不符（“{row_label(r)}”行）：{lt} = {fmt_num(lv)}，"
                f"但总计为{fmt_num(view.num(i, rhs[0]))}{blank_note(lb)}。", lhs + rhs)
    # R3 — per column
    for c in COLS:
        groups = [(name, [_s(k, c) for k in keys]) for name, keys in OUTCOME_GROUPS]
        lhs = [k for _, ks in groups for k in ks]
        rhs = [_s("total_handled", c)]
        for i in equation(view, lhs, rhs, bz):
            lt, lv, lb = terms(view, i, groups)
            used = [k for k in lhs if view.ST[i, k] == 1 or (view.ST[i, k] == 2 and view.V[i, k] != 0)]
            used = used or [k for k in lhs if view.ST[i, k] > 0]
            hit("R3", i, f"applications:outcomes:{c}",
                f"R3 办理结果分项之和与（七）总计不符（{col_label(c)}列）：{lt} = {fmt_num(lv)}，"
                f"但（七）总计为{fmt_num(view.num(i, rhs[0]))}{blank_note(lb)}。", used + rhs)
    # R4 — per group
    for g in T.REVIEW_GROUPS:
        lhs = [_s(g, c, "review_litigation") for c in T.REVIEW_COLUMNS[:-1]]
        rhs = [_s(g, "total", "review_litigation")]
        for i in equation(view, lhs, rhs, bz):
            lt, lv, lb = terms(view, i, [(T.REVIEW_COLUMN_LABELS[c], [_s(g, c, "review_litigation")])
                                         for c in T.REVIEW_COLUMNS[:-1]])
            hit("R4", i, f"review_litigation:{g}",
                f"R4 {T.REVIEW_GROUP_LABELS[g]}各项之和与总计不符：{lt} = {fmt_num(lv)}，"
                f"但总计为{fmt_num(view.num(i, rhs[0]))}{blank_note(lb)}。", lhs + rhs)
    # R5 — per cell (in blocks of reports, to keep temporaries small)
    if len(reps):
        signed = np.array([SLOTS[k][2] in SIGNED_COLUMNS for k in range(len(SLOTS))])
        money = np.array([is_money_slot(k) for k in range(len(SLOTS))])
        for start in range(0, len(reps), 10_000):
            sl = slice(start, start + 10_000)
            V = view.V[sl]
            has = (view.ST[sl] == 2) & ~view.U[sl] & view.scope[sl, None]
            bad = has & (((V < 0) & ~signed[None, :]) | ((V != np.floor(V)) & ~money[None, :] & ~signed[None, :]))
            for i, k in zip(*np.nonzero(bad)):
                i, k = int(i) + start, int(k)
                t, r, c = SLOTS[k]
                what = "负数" if view.V[i, k] < 0 else "小数"
                need = "非负数" if is_money_slot(k) else "非负整数"
                hit("R5", i, f"{t}:{r}:{c}",
                    f"R5 数值应为{need}：{cell_label(t, r, c, reps[i].template)}填写为{fmt_num(view.num(i, k))}（{what}）。", [k])
    return hits
