"""W3 — the text contradicts the tables; W5 — the text names the wrong year (stale copy).

W3 holds the numbers the extractor read from the narrative (``extract.narrative`` facts) against
the tables:

=========================  ==============================================================
applications_received      表三 本年新收 总计 (or 本年新收 + 上年结转: many reports count both)
applications_carried_over  表三 上年结转 总计
applications_handled       表三 （七）总计 — only when the sentence speaks of 申请
review_total               表四 行政复议 总计
litigation_total           表四 未经复议直接起诉 总计 + 复议后起诉 总计 (or 直接起诉 alone)
review_litigation_total    the three 总计 together
review_corrected           表四 行政复议 结果纠正
litigation_corrected       the two 诉讼 结果纠正 together
corrected                  any of: all three 结果纠正, 复议 alone, 诉讼 alone
=========================  ==============================================================

To stay clear of false alarms a fact is left alone when its sentence is about another year (it
names a year other than the report's, or 去年/同比/较上年), when a 复议/诉讼 sentence is not about
this agency's 信息公开 cases (no 信息公开, no 被…复议/诉讼, not in section 四 — a 司法局 reporting the
复议 cases it decides is not reporting on its own 年报 table), when any cell compared is unreadable,
or when every cell compared is blank. If the text states the same kind of number twice and one
agrees with the table, nothing is reported.

W5 reads the 统计期限 the report states ("自2020年1月1日起至2020年12月31日止", "截至2020年12月31日"),
which the extractor records as ``stat_period`` facts (``extract/period.py``, the preamble before
一、总体情况 included), and reports a year other than the report year.
"""
from __future__ import annotations

import re

from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit, cell_label, fmt_num
from monitor.view import SLOT, View

RULES = family_rules("narrative")

R, L = "review_litigation", "applications"


def _s(t: str, r: str, c: str) -> int:
    return SLOT[(t, r, c)]


NEW, CARRIED, HANDLED = _s(L, "new_received", "total"), _s(L, "carried_over", "total"), _s(L, "total_handled", "total")
REV_T, DIR_T, AFT_T = _s(R, "review", "total"), _s(R, "litigation_direct", "total"), _s(R, "litigation_after_review", "total")
REV_C, DIR_C, AFT_C = (_s(R, "review", "corrected"), _s(R, "litigation_direct", "corrected"),
                       _s(R, "litigation_after_review", "corrected"))

#: fact kind -> (what it is called, acceptable table readings: each a list of slots summed)
TARGETS: dict[str, tuple[str, list[list[int]]]] = {
    "applications_received": ("收到申请数", [[NEW], [NEW, CARRIED]]),
    "applications_carried_over": ("上年结转申请数", [[CARRIED]]),
    "applications_handled": ("办结申请数", [[HANDLED]]),
    "review_total": ("行政复议案件数", [[REV_T]]),
    "litigation_total": ("行政诉讼案件数", [[DIR_T, AFT_T], [DIR_T]]),
    "review_litigation_total": ("行政复议和行政诉讼案件数", [[REV_T, DIR_T, AFT_T]]),
    "review_corrected": ("行政复议结果纠正数", [[REV_C]]),
    "litigation_corrected": ("行政诉讼结果纠正数", [[DIR_C, AFT_C], [DIR_C]]),
    "corrected": ("结果纠正数", [[REV_C, DIR_C, AFT_C], [REV_C], [DIR_C, AFT_C]]),
}
_REVIEWISH = {"review_total", "litigation_total", "review_litigation_total", "review_corrected",
              "litigation_corrected", "corrected"}
_OTHER_TIME = re.compile(r"去年|同比|较上年|比上年|上年同期|上一年度|与上年相比")
_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")
_OWN_CASE = re.compile(r"信息公开|被[^。；;，,]{0,8}?(?:行政复议|行政诉讼|起诉)")
_WITH_CARRIED = re.compile(r"含上年结转|包括上年结转|含结转|含上年度结转")


def _says_with_carried(f: dict) -> bool:
    """Whether the received count itself is said to include last year's carry-over: 含上年结转
    between the count and the next number of the sentence. In "受理申请3119件，答复3050件（含上年度
    结转申请34件）" the carry-over belongs to 答复, and 3119 is 本年新收."""
    sent, text = f.get("sentence") or "", f.get("text") or ""
    at = sent.find(text) if text else -1
    if at < 0:
        return bool(_WITH_CARRIED.search(sent))  # nowhere to anchor it: the sentence as a whole
    if _WITH_CARRIED.search(text):
        return True
    rest = sent[at + len(text):]  # the fact's text ends with its number and unit
    nxt = re.search(r"\d|[一二两三四五六七八九十]+\s*(?:件|个|份|起|宗)", rest)
    return bool(_WITH_CARRIED.search(rest[:nxt.start()] if nxt else rest))


def _applies(kind: str, f: dict, year: int | None, cfg: MonitorConfig) -> bool:
    sent = f.get("sentence") or ""
    if kind not in TARGETS:
        return False
    if kind == "applications_handled" and (not cfg["narrative"].get("applications_handled", True) or "申请" not in sent):
        return False
    if _OTHER_TIME.search(sent) and kind != "applications_carried_over":
        return False
    if year is not None and any(int(y) != year for y in _YEAR.findall(sent)):
        return False
    if kind in _REVIEWISH and f.get("section") != "review_litigation" and not _OWN_CASE.search(sent):
        return False
    return True


def check_facts(view: View, cfg: MonitorConfig) -> list[Hit]:
    hits: list[Hit] = []
    for rep in view.reps:
        if not rep.in_scope or not rep.facts:
            continue
        i = rep.idx
        by_kind: dict[str, list[dict]] = {}
        for f in rep.facts:
            k = f.get("kind")
            if isinstance(f.get("value"), int) and _applies(k, f, rep.year, cfg):
                by_kind.setdefault(k, []).append(f)
        for kind, facts in by_kind.items():
            name, readings = TARGETS[kind]
            if kind == "applications_received" and any(_says_with_carried(f) for f in facts):
                readings = [[NEW, CARRIED]]
            involved = sorted({k for rd in readings for k in rd})
            if view.U[i, involved].any():
                continue
            usable = [rd for rd in readings if (view.ST[i, rd] == 2).any()]
            if not usable:
                continue  # the table states nothing to compare with
            sums = [float(view.V[i, rd].sum()) for rd in usable]
            if any(f["value"] == s for f in facts for s in sums):
                continue
            f = facts[0]
            main = usable[0]
            table_txt = " + ".join(f"{cell_label(*_key(k), view.reps[i].template)}{fmt_num(view.num(i, k))}" for k in main)
            if len(main) > 1:
                table_txt += f" = {fmt_num(sums[0])}"
            alt = ""
            if len(usable) > 1:
                alt = "（" + "、".join(fmt_num(s) for s in sums[1:]) + "也不相符）"
            sec = f.get("section")
            hits.append(Hit(
                "W3", rep.agency, rep.year, f"fact:{kind}",
                f"W3 正文与表格不符（{name}）：正文称“{f.get('text')}”，即{f['value']}件；表格为{table_txt}{alt}。"
                f"原句：“{(f.get('sentence') or '').strip()}”",
                rep=i, cells=[(i, k) for k in involved],
                extra={"facts": [{"kind": x.get("kind"), "value": x.get("value"), "text": x.get("text"),
                                  "sentence": x.get("sentence"), "section": sec} for x in facts]},
                values=sorted(x["value"] for x in facts)))
    return hits


def _key(k: int) -> tuple[str, str, str]:
    from monitor.view import SLOTS

    return SLOTS[k]


# ------------------------------------------------------------------------------ W5
def check_period(view: View, cfg: MonitorConfig) -> list[Hit]:
    """The 统计期限 the report states (``stat_period`` facts, read by ``extract.period``) names a
    year other than the report's."""
    hits: list[Hit] = []
    for idx, rep in enumerate(view.reps):
        if not rep.in_scope or rep.year is None:
            continue
        by_text: dict[str, list[dict]] = {}
        for f in rep.facts or []:
            if f.get("kind") == "stat_period":
                by_text.setdefault(f.get("text") or "", []).append(f)
        for text, group in by_text.items():
            years = sorted({int(f["value"]) for f in group})
            wrong = [y for y in years if y != rep.year]
            if not wrong:
                continue
            sentence, key = group[0].get("sentence") or text, group[0].get("section")
            hits.append(Hit(
                "W5", rep.agency, rep.year, "stat_period",
                f"W5 统计期限年份有误：这是{rep.year}年度报告，正文却写“{text}”"
                f"（{'、'.join(map(str, wrong))}年），疑为沿用往年文本。原句：“{sentence}”",
                rep=idx, extra={"section": key, "sentence": sentence, "named_years": years},
                values=[years, rep.year]))
            break
    return hits


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    return check_facts(view, cfg) + check_period(view, cfg)
