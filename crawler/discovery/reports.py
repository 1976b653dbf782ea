"""Is it a report? By title — report, maybe (fetch and look), or noise with the reason — and by
content: a page whose text carries the national template's section titles and table labels is a
report whatever its title says.

The noise kinds are the ones that look like reports in a list: 图解/一图读懂 and 解读 of a report,
the 公开指南 and 制度, notices about compiling reports, and other annual documents (政府工作报告,
预决算, 统计公报, 法治政府建设年度报告)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from crawler import recognize as R
from extract import recognition as rec
from extract import template as T

#: (reason, pattern, where): a title matching one is never a report. ``where`` is "title" for
#: things about a report (checked on the whole title) and "rest" for other annual documents
#: (checked without the agency's name: 统计局 and 审计局 publish reports too)
NOISE: tuple[tuple[str, str, str], ...] = (
    ("图解", r"图解|一图|图说|图读|漫画|动漫|长图|海报", "title"),
    ("解读", r"解读", "title"),
    ("视频", r"视频|音频|微视频", "title"),
    ("指南", r"指南", "title"),
    ("通知", r"通知|公告|印发|编制|报送|征求意见|转发", "title"),
    ("制度", r"制度|办法|规定", "rest"),
    ("政府工作报告", r"政府工作报告", "rest"),
    ("预决算", r"预算|决算", "rest"),
    ("统计", r"统计公报|统计年报|统计年鉴|统计", "rest"),
    ("法治政府", r"法治政府|依法行政", "rest"),
    ("其他年度报告", r"社会责任|企业年报|年报公示|环境状况|审计|述职|工作总结|工作要点|工作计划", "rest"),
)
_NOISE_RX = tuple((reason, re.compile(p), where) for reason, p, where in NOISE)
_MAYBE = re.compile(r"(?:信息公开|政务公开).{0,12}(?:报告|情况)")

#: what a report's own text says: the six section titles and the application table's labels
CONTENT_CUES: tuple[str, ...] = tuple(title for _k, title, _c in T.SECTIONS) + (
    "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "予以公开", "部分公开", "无法提供",
    "不予处理", "结转下年度继续办理", "行政复议", "行政诉讼", "结果纠正", "结果维持")
CONTENT_MIN = 8


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # "report" | "maybe" | "noise" | None (not about reports at all)
    reason: str = ""


def _without_agency(t: str) -> str:
    agency = rec.agency_of(t)
    return t.replace(agency, "") if agency else t


def noise_reason(title: str) -> str | None:
    t = rec.clean(title).replace(" ", "")
    rest = _without_agency(t)
    for reason, rx, where in _NOISE_RX:
        if rx.search(t if where == "title" else rest):
            return reason
    return None


def title_verdict(title: str | None, in_column: bool = False) -> Verdict:
    """What a link title says. ``in_column``: the link is on a page that already lists reports
    (a weaker title — a year and 年度报告 — is enough there). A per-year sub-column (2022年度报告)
    is not a report."""
    t = rec.clean(title).replace(" ", "")
    if not t or R.is_year_column_title(t):
        return Verdict(None)
    reportish = bool(rec.REPORT_WORDS.search(t) or _MAYBE.search(t))
    if reportish and rec.year_of(t) is not None or reportish and rec.TRANSPARENCY.search(t):
        why = noise_reason(t)
        if why:
            return Verdict("noise", why)
    rest = _without_agency(t)
    if rec.is_report_title(t, in_column=in_column) or rec.is_report_title(rest, in_column=in_column):
        return Verdict("report", "title")
    if _MAYBE.search(t) and rec.year_of(t) is not None and not rec.NOT_REPORT.search(rest):
        return Verdict("maybe", "title names the year and 信息公开 but not 年度报告")
    if reportish and rec.year_of(t) is not None and in_column:
        return Verdict("noise", "other annual document")
    return Verdict(None)


def content_score(text: str) -> int:
    """How many of the template's cues a page's text carries."""
    t = text.replace(" ", "")
    return sum(1 for cue in CONTENT_CUES if cue in t)


def is_report_content(text: str) -> bool:
    return content_score(text) >= CONTENT_MIN
