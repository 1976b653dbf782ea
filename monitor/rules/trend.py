"""T1 — corrections climbing.

corrections(Y) = 行政复议 结果纠正 + 未经复议直接起诉 结果纠正 + 复议后起诉 结果纠正 (FOI cases only);
rate(Y) = corrections / decided, decided = Σ(结果维持 + 结果纠正 + 其他结果) over the three groups.

T1 is reported for year Y when, over ``consecutive_rises`` year-to-year steps ending at Y
(consecutive years, every one with a readable table 四),
* corrections rose strictly each step and corrections(Y) ≥ ``min_cases``, or
* the rate rose strictly each step, rate(Y) ≥ ``rate_threshold`` and decided(Y) ≥ ``min_decided``.

A caveat the message carries: the format does not say whether a case still 尚未审结 last year is
counted again this year, so a trend is a pointer for a closer look, not a verdict.
"""
from __future__ import annotations

from extract import template as T
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit, fmt_num
from monitor.view import SLOT, View

RULES = family_rules("trend")

G = "review_litigation"
CORR = [SLOT[(G, g, "corrected")] for g in T.REVIEW_GROUPS]
DEC = [SLOT[(G, g, c)] for g in T.REVIEW_GROUPS for c in ("upheld", "corrected", "other")]
ALL = [SLOT[(G, g, c)] for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]


def series_point(view: View, i: int) -> tuple[float, float] | None:
    """(corrections, decided) of one report, or None when its table 四 is unreadable or blank."""
    if view.U[i, ALL].any() or not (view.ST[i, ALL] == 2).any():
        return None
    return float(view.V[i, CORR].sum()), float(view.V[i, DEC].sum())


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    t = cfg["trend"]
    n = max(1, int(t["consecutive_rises"]))
    min_cases, rate_thr, min_dec = float(t["min_cases"]), float(t["rate_threshold"]), float(t["min_decided"])
    hits: list[Hit] = []
    if not len(view.reps):
        return hits
    valid = (~view.U[:, ALL].any(axis=1) & (view.ST[:, ALL] == 2).any(axis=1)).tolist()
    corr_all = view.V[:, CORR].sum(axis=1).tolist()
    dec_all = view.V[:, DEC].sum(axis=1).tolist()
    for rep in view.reps:
        if not rep.in_scope or rep.agency.pseudo or rep.year is None:
            continue
        idxs = []
        for y in range(rep.year - n, rep.year + 1):
            j = view.by_key.get((rep.agency.key, y))
            if j is None:
                break
            idxs.append(j)
        if len(idxs) != n + 1:
            continue
        if not all(valid[j] for j in idxs):
            continue
        corr = [corr_all[j] for j in idxs]
        dec = [dec_all[j] for j in idxs]
        rate = [c / d if d else None for c, d in zip(corr, dec)]
        count_rise = all(b > a for a, b in zip(corr, corr[1:])) and corr[-1] >= min_cases
        rate_rise = (all(r is not None for r in rate) and all(b > a for a, b in zip(rate, rate[1:]))
                     and rate[-1] >= rate_thr and dec[-1] >= min_dec)
        if not (count_rise or rate_rise):
            continue
        years = list(range(rep.year - n, rep.year + 1))
        ser = "，".join(f"{y}年{fmt_num(c)}件" + (f"（纠正率{r:.0%}）" if r is not None else "")
                       for y, c, r in zip(years, corr, rate))
        what = "结果纠正数连续上升" if count_rise else "结果纠正率连续上升"
        hits.append(Hit("T1", rep.agency, rep.year, "corrections",
                        f"T1 因政府信息公开被行政复议、行政诉讼{what}：{ser}。"
                        "请关注依申请公开答复质量（注：格式未规定上年“尚未审结”案件本年是否重复计入）。",
                        rep=rep.idx, cells=[(j, k) for j in idxs for k in CORR],
                        extra={"series": [{"year": y, "corrected": c, "decided": d, "rate": r}
                                          for y, c, d, r in zip(years, corr, dec, rate)]},
                        values=[years, corr, dec]))
    return hits
