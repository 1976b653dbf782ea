"""The one catalogue of monitor rules: id, family (the module under ``monitor/rules/`` that
emits it), default severity, the kind of problem it belongs to, and its Chinese title and
description.

Everything that lists rules reads this table instead of keeping its own list: the default
severities and the validation of ``config/monitor.yaml`` (``monitor.config``), each rule module's
``RULES``, ``nianbao check --help``, the rule table of the README (a test holds the two equal)
and the headings of the weekly digest. A new rule is one entry here plus its code in its family.

Each rule has exactly one owner family. Rules about the agency (R, W, T, P) are kept apart from
rules about nianbao's own reach (C: the site could not be crawled or looked at; X: the extractor
could not read) — those are never the agency's fault, and the digest reports them apart.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Kind:
    """A group of rules as a reader thinks of them (the digest's headings)."""

    key: str
    title: str
    about: str  # "agency": something the agency did; "nianbao": what nianbao could not do


KINDS: tuple[Kind, ...] = (
    Kind("unpublished", "截止日后仍未发布", "agency"),
    Kind("late", "逾期发布", "agency"),
    Kind("arithmetic", "表格数字不相符", "agency"),
    Kind("text", "正文与表格、年份不符", "agency"),
    Kind("trend", "纠错数量持续上升", "agency"),
    Kind("copied", "内容雷同", "agency"),
    Kind("changed", "发布后被修改", "agency"),
    Kind("plausibility", "内容不合常理或缺失", "agency"),
    Kind("coverage", "抓取覆盖问题（不是机关的错误）", "nianbao"),
    Kind("unread", "未能读取（不是机关的错误）", "nianbao"),
)
KIND = {k.key: k for k in KINDS}


@dataclass(frozen=True)
class Rule:
    """One rule of the monitor."""

    id: str
    family: str
    severity: str
    kind: str
    title: str
    description: str
    about: str = "agency"  # "agency" | "site": coverage rules speak of a site, not of an agency

    @property
    def agency_fault(self) -> bool:
        """False for C* and X* rules: nianbao could not look or read, the agency did nothing."""
        return KIND[self.kind].about == "agency"


NOT_AGENCY = "——不是机关的错误"

RULES: tuple[Rule, ...] = (
    Rule("R1", "hard", "error", "arithmetic", "勾稽关系不符",
         "表三每一列：本年新收 + 上年结转 = （七）总计 + 结转下年度继续办理"),
    Rule("R2", "hard", "error", "arithmetic", "申请人合计不符",
         "表三每一行：各类申请人之和 = 总计"),
    Rule("R3", "hard", "error", "arithmetic", "办理结果合计不符",
         "表三每一列：各项办理结果之和 = （七）总计"),
    Rule("R4", "hard", "error", "arithmetic", "复议诉讼合计不符",
         "表四每一组：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计"),
    Rule("R5", "hard", "error", "arithmetic", "数值不合法",
         "件数应为非负整数（本年增/减可为负数，金额可有小数）"),
    Rule("W1", "crossyear", "warning", "arithmetic", "上年结转与上年报告不符",
         "本年“上年结转”应等于上一年度报告的“结转下年度继续办理”"),
    Rule("W2", "crossyear", "warning", "arithmetic", "现行有效件数未衔接",
         "现行有效件数 = 上年现行有效件数 + 本年制发 − 本年废止（两年均为2021年版模板）"),
    Rule("W3", "narrative", "warning", "text", "正文数字与表格不符",
         "正文所述数字（收到申请N件、行政复议N件……）与表格不一致，引用原句"),
    Rule("W5", "narrative", "warning", "text", "统计期限年份有误",
         "统计期限写的年份不是报告年度（可能照抄旧稿）"),
    Rule("W4", "duplication", "warning", "copied", "内容雷同",
         "正文与本机关上一年度或同地区其他机关的报告几乎相同（MinHash，列出相似度）"),
    Rule("W6", "plausibility", "warning", "plausibility", "内容不合常理或缺失",
         "不合常理的数值（如乡镇填报规章）或缺少必备部分"),
    Rule("T1", "trend", "warning", "trend", "纠错数量持续上升",
         "结果纠正（复议 + 直接起诉 + 复议后起诉）连续上升，或纠错率偏高"),
    Rule("P1", "publication", "warning", "unpublished", "截止日后未找到年报",
         "截止日期已过，仍未找到该机关的年度报告（依据名录或其往年报告）"),
    Rule("P2", "publication", "warning", "late", "逾期发布",
         "发布日期晚于截止日期（部门1月31日，政府3月31日，乡镇按地方规定）"),
    Rule("P3", "publication", "warning", "changed", "发布后被修改",
         "同一网址的报告在发布后内容发生变化（列出改动的单元格和部分）"),
    Rule("C1", "publication", "info", "coverage", "无法判断是否发布",
         "该机关所在站点最近一次抓取失败，无法判断报告是否已发布" + NOT_AGENCY),
    Rule("C2", "coverage", "info", "coverage", "抓取无结果",
         "站点最近一次抓取没有找到任何年报（未取得页面，或栏目中没有报告链接）" + NOT_AGENCY, about="site"),
    Rule("C3", "coverage", "info", "coverage", "站点返回错误",
         "站点最近一次抓取失败，或多数请求返回错误" + NOT_AGENCY, about="site"),
    Rule("C4", "coverage", "info", "coverage", "年报栏目报告减少",
         "年报栏目本次找到的报告明显少于上一次成功抓取（栏目可能改版或迁移）" + NOT_AGENCY, about="site"),
    Rule("C5", "coverage", "info", "coverage", "站点长期未成功抓取",
         "站点已超过规定天数没有成功抓取" + NOT_AGENCY, about="site"),
    Rule("X1", "extraction", "info", "unread", "未能完整读取报告",
         "单元格或整份文件无法读取，相关核对已跳过，请人工查看原文" + NOT_AGENCY),
    Rule("X2", "extraction", "info", "unread", "数字连写，按勾稽关系拆分读取",
         "原文相邻单元格的数字连在一起，只能借助勾稽关系（或正文所述数字）唯一拆分：该项核对对这些数字不作数，"
         "请对照原文" + NOT_AGENCY),
)
BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(r.family for r in RULES))


def ids() -> list[str]:
    return [r.id for r in RULES]


def family_rules(family: str) -> tuple[str, ...]:
    """The rule ids a family emits (its module's ``RULES``)."""
    out = tuple(r.id for r in RULES if r.family == family)
    if not out:
        raise KeyError(f"no rule of family {family!r} in the catalogue")
    return out


def default_severities() -> dict[str, str]:
    return {r.id: r.severity for r in RULES}


def get(rule_id: str) -> Rule:
    """The rule with this id; an unknown id raises KeyError with the closest ids as a hint."""
    r = BY_ID.get(rule_id.upper() if isinstance(rule_id, str) else rule_id)
    if r is None:
        raise KeyError(unknown_message(rule_id))
    return r


def unknown_message(rule_id: object) -> str:
    """"unknown rule 'R7' (did you mean R1, R2?)" — the one wording for every place that checks ids."""
    close = difflib.get_close_matches(str(rule_id).upper(), ids(), n=3, cutoff=0.4)
    hint = f" (did you mean {', '.join(close)}?)" if close else f" (known: {', '.join(ids())})"
    return f"unknown rule {rule_id!r}{hint}"


def help_lines() -> list[str]:
    """One line per rule for ``nianbao check --help``."""
    return [f"{r.id:<3} {r.severity:<7} {r.title}" for r in RULES]


def readme_table() -> str:
    """The README's rule table, generated from the catalogue (tests hold the README equal to it)."""
    lines = ["| rule | family | severity | 标题 | what it checks |", "|---|---|---|---|---|"]
    for r in RULES:
        lines.append(f"| {r.id} | {r.family} | {r.severity} | {r.title} | {r.description} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - `python -m monitor.catalogue` prints the README table
    print(readme_table())
