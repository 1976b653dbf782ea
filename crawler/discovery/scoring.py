"""How promising a link is on the way to the 政府信息公开年报 column: cues as data, one score.

A link scores by its text (or ``title`` attribute), its URL slug, where it sits on the page (main
navigation, a side menu, the "更多>>" of a box whose heading names the column) and what the page
it was found on turned out to be (a page that lists reports makes its sub-columns promising).
The spider follows a link when its score reaches ``FOLLOW`` and spends its per-site page budget
best-first (the score is the Scrapy request priority)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from extract import recognition as rec

#: (why, pattern on the link text, weight) — the first matching cue of each group counts
TEXT_CUES: tuple[tuple[str, str, int], ...] = (
    ("年报 column", r"(?:政府|政务)?信息公开(?:工作)?年(?:度报告|报)|公开年报|年度报告|工作年报|年报", 70),
    ("信息公开 platform", r"政府信息公开|信息公开|政务公开|公开目录|法定主动公开|公开平台|政务信息", 40),
)
#: sub-columns of a report column: per year, per unit
SUBCOLUMN_CUES: tuple[tuple[str, str, int], ...] = (
    ("year sub-column", r"^(?:19|20)\d{2}年?度?(?:年报|报告|度报告)?$", 55),
    ("unit sub-column", r"^[^\d]{0,4}(?:部门|乡镇|街道|镇街|单位|政府|区县|县区|市直)(?:（街道）|\(街道\))?(?:信息公开)?(?:年报|年度报告|报告)$|"
                        r"^(?:部门|乡镇|街道|镇街|单位|乡镇（街道）|乡镇\(街道\))$", 55),
)
#: texts that lead away from reports
NEGATIVE_CUES: tuple[tuple[str, str, int], ...] = (
    ("elsewhere", r"新闻|动态|要闻|图片|视频|互动|留言|信箱|咨询|办事|服务|招聘|招标|采购|天气|无障碍|登录|注册|"
                  r"搜索|日历|English|繁体|长者|网站地图|关于我们|联系我们|走进|概况|首页|投诉|调查|征集|访谈", -60),
    ("not reports", r"解读|图解|一图|指南|制度|通知|公告|预算|决算|统计|工作报告|法治|规划|人事|政策文件|机构|职能|"
                    r"重点领域|建议提案|应急", -45),
)
#: (why, pattern on the URL path, weight)
SLUG_CUES: tuple[tuple[str, str, int], ...] = (
    ("年报 slug", r"/(?:zfxxgknb|xxgknb|gknb|ndbg|zfxxgkndbg|xxgkndbg|zfxxgkgzndbg|bmnb|xznb|zfnb|nb)(?:/|_|\d|$)|/col_nb/", 40),
    ("公开 slug", r"/(?:zfxxgk|xxgk|zwgk|gkml|govxxgk|openness|gongkai|zwxxgk|xxgkml)(?:/|_|$)", 15),
    ("year slug", r"/(?:19|20)\d{2}n?(?:nb)?/", 10),
)
#: position on the page: ancestors whose class or id says navigation or a side menu
POSITION_CUES: tuple[tuple[str, str, int], ...] = (
    ("navigation", r"(?:^|[\s_-])(?:nav|menu|dh|daohang|topnav|mainnav)", 8),
    ("side menu", r"(?:^|[\s_-])(?:left|side|lm|sidebar|leftnav|left-menu|sub-?nav|column)", 8),
)
MORE = re.compile(r"^(?:更多|more|查看更多|更多\s*>+|>>|更多>>|更多»|更多&gt;&gt;)\s*[>»]*$", re.I)
FOLLOW = 30  # a link is followed from this score on
PARENT_COLUMN_BONUS = 15  # found on a page that lists reports

_TEXT = tuple((w, re.compile(p), s) for w, p, s in TEXT_CUES)
_SUB = tuple((w, re.compile(p), s) for w, p, s in SUBCOLUMN_CUES)
_NEG = tuple((w, re.compile(p, re.I), s) for w, p, s in NEGATIVE_CUES)
_SLUG = tuple((w, re.compile(p, re.I), s) for w, p, s in SLUG_CUES)
_POS = tuple((w, re.compile(p, re.I), s) for w, p, s in POSITION_CUES)


@dataclass
class Score:
    value: int
    why: list[str] = field(default_factory=list)

    def add(self, why: str, n: int) -> None:
        self.value += n
        self.why.append(f"{why} {n:+d}")


def text_score(text: str, on_column: bool = False) -> Score:
    """The score of a link text alone (cues of ``TEXT_CUES``, ``SUBCOLUMN_CUES`` on a column page,
    ``NEGATIVE_CUES``)."""
    t = rec.clean(text).replace(" ", "")
    sc = Score(0)
    if not t:
        return sc
    for why, rx, n in _TEXT:
        if rx.search(t):
            sc.add(why, n)
            break
    if on_column:
        for why, rx, n in _SUB:
            if rx.search(t):
                sc.add(why, n)
                break
    for why, rx, n in _NEG:
        if rx.search(t):
            sc.add(why, n)
            break
    return sc


def slug_score(url: str) -> Score:
    path = unquote(urlsplit(url).path)
    sc = Score(0)
    for why, rx, n in _SLUG:
        if rx.search(path):
            sc.add(why, n)
    return sc


def position_score(classes: str) -> Score:
    sc = Score(0)
    for why, rx, n in _POS:
        if rx.search(classes):
            sc.add(why, n)
    return sc


def link_score(text: str, url: str, classes: str = "", context: str = "", on_column: bool = False) -> Score:
    """The score of one link. ``context`` is the heading of the box a "更多>>" link belongs to;
    ``classes`` the class and id words of its ancestors."""
    t = rec.clean(text)
    sc = Score(0)
    if MORE.match(t.replace(" ", "")) and context:
        inner = text_score(context, on_column)
        sc.add(f"更多 under {context[:16]!r}", inner.value)
    else:
        inner = text_score(t, on_column)
        sc.value += inner.value
        sc.why += inner.why
    if any(w.startswith(("elsewhere", "not reports")) for w in inner.why):
        return sc  # a named other column: its slug or place on the page does not make it promising
    s = slug_score(url)
    sc.value += s.value
    sc.why += s.why
    if sc.value > 0:  # position helps a promising link, never makes one
        p = position_score(classes)
        sc.value += p.value
        sc.why += p.why
    if on_column and sc.value > 0:
        sc.add("found on a report list", PARENT_COLUMN_BONUS)
    return sc
