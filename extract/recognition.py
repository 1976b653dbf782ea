"""What the words of a title or a page say about a 政府信息公开工作年度报告: whether a title names
one, its year, the agency it names and the date a page was published.

One catalogue of these patterns, shared by the crawler (link titles, page headings, page text
around a report) and the extractor (the document's own title, opening sentences and dates), so
that the two cannot read the same words differently. Pure: strings in, values out; it sits in
``extract`` because the crawler may import the extractor and not the other way round.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date


# ------------------------------------------------------------------------------------ text
def clean(text: str | None) -> str:
    """Collapse whitespace (including &nbsp; and full-width spaces)."""
    return re.sub(r"[\s\u3000\xa0]+", " ", text or "").strip()


# ------------------------------------------------------------------------------------ years
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
#: a year written in Arabic digits, not part of a longer number
YEAR_DIGITS = r"(?<!\d)(?:19|20)\d{2}(?!\d)"
#: a year written in Chinese numerals: 二〇二一
YEAR_CN = r"[〇○零Ｏ一二三四五六七八九]{4}"
_CN_YEAR = re.compile(rf"({YEAR_CN})\s*年")
#: 2021年 / 2021年度: a year as a report names it
_YEAR = re.compile(rf"({YEAR_DIGITS})\s*(?:年度|年)")
_YEAR_LOOSE = re.compile(rf"({YEAR_DIGITS})")


def cn_year(numerals: str) -> int | None:
    """二〇二一 → 2021 (None outside 1991–2099)."""
    y = int("".join(_CN_DIGITS[c] for c in numerals))
    return y if 1990 < y < 2100 else None


def year_of(title: str | None) -> int | None:
    """The report year a title names: 2021年 / 2021年度 / 二〇二一年; a bare year
    (年度报告（2021）) only beside the words of a report."""
    if not title:
        return None
    t = clean(title)
    m = _YEAR.search(t)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(t)
    if m and cn_year(m.group(1)):
        return cn_year(m.group(1))
    if REPORT_WORDS.search(t):
        m = _YEAR_LOOSE.search(t)
        if m:
            return int(m.group(1))
    return None


def most_named_year(text: str) -> int | None:
    """The year a text names most often as 2021年, when one year leads (a tie settles nothing)."""
    years = Counter(int(y) for y in re.findall(rf"({YEAR_DIGITS})\s*年", text) if 1990 < int(y) < 2100)
    top = years.most_common(2)
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return None


# ------------------------------------------------------------------------------------ titles
REPORT_WORDS = re.compile(r"年度报告|年报|年度工作报告")
TRANSPARENCY = re.compile(r"信息公开|政务公开|政府公开")
# titles with a year and 年度报告 that are not transparency reports
NOT_REPORT = re.compile(
    r"法治政府|依法行政|决算|预算|统计公报|统计年报|审计|环境状况|生态环境|社会责任|企业年报|年报公示|工商年报|年检|"
    r"国民经济|工作总结|工作要点|工作计划|述职|人大|政协|提案|建议|财务|年鉴|信用|统计年鉴|招生|食品|药品|"
    r"质量报告|发展报告|评估报告|体检|考核|安全生产|慈善|社会组织|民办|基金|税收|年度报表|指南|制度|目录|通知|公示|征求意见"
)
#: words that make a title with 信息公开 and 年度报告 about something else (a notice, a guide …)
_NOT_TRANSPARENCY_REPORT = re.compile(r"指南|制度|目录|通知|征求意见|考核|评估")
_ENDS_REPORT = re.compile(r"(?:年度报告|年报)(?:[（(【\[][^）)】\]]{0,12}[）)】\]])?(?:\.[A-Za-z]{2,4})?$")
#: a report title in a document: its year a few words before 年度报告/年报, or just after it
_DOCUMENT_TITLE = re.compile(rf"({YEAR_DIGITS})\s*年度?.{{0,24}}?(?:年度报告|年报)|(?:年度报告|年报).{{0,4}}?({YEAR_DIGITS})")


def is_report_title(title: str | None, in_column: bool = False) -> bool:
    """A link title that names a 政府信息公开工作年度报告 with its year.

    Strong: a year, 年度报告/年报 and 信息公开/政务公开. Weak (only ``in_column``, i.e. on a list
    page of a 年报 column): a year and 年度报告/年报, without words of other kinds of report.
    """
    t = clean(title).replace(" ", "")
    if not t or len(t) > 120 or not REPORT_WORDS.search(t) or year_of(t) is None:
        return False
    if TRANSPARENCY.search(t):
        return not _NOT_TRANSPARENCY_REPORT.search(t)
    return in_column and not NOT_REPORT.search(t) and bool(_ENDS_REPORT.search(t))


def document_title_year(text: str) -> int | None:
    """The year of a report's own title line (淮安市财政局2021年度政府信息公开工作年度报告,
    年度报告（2021）): the year must stand near 年度报告/年报, so a sentence that merely mentions
    a year and a report elsewhere is not a title."""
    m = _DOCUMENT_TITLE.search(text)
    return int(m.group(1) or m.group(2)) if m else None


def names_report(text: str | None) -> bool:
    """Whether a text has the words of an annual report at all (年度报告, 年报 …)."""
    return bool(REPORT_WORDS.search(text or ""))


# ------------------------------------------------------------------------------------ agencies
#: what follows the agency in a title: (关于) the year, 政府信息公开 …, or the report words
_AGENCY_END = re.compile(rf"关于|(?:(?:{YEAR_DIGITS}|{YEAR_CN})\s*(?:年度|年))|政府信息公开|政务公开|信息公开|年度报告|年报")
_AGENCY_AFTER_YEAR = re.compile(rf"^(?:{YEAR_DIGITS}|{YEAR_CN})\s*(?:年度|年)(.*?)(?:关于)?"
                                r"(?:政府信息公开|政务公开|信息公开|年度报告|年报)")
_AGENCY_JUNK = re.compile(r"^[\s《“\"【\[（(]+|[\s》”\"】\]）)的\-—_:：]+$")
_NOT_AGENCY = ("本年度", "年度", "本机关", "我单位")
#: the words an agency's name ends with (人民政府, 街道办事处, 局, 委员会 …)
AGENCY_SUFFIX = r"(?:人民政府|政府|办事处|街道|镇|乡|局|委员会|委|办公室|办|中心|院|所|厅|处|队|站|会)"


def agency_of(title: str | None) -> str | None:
    """The agency a report title names: 淮安市财政局2021年度政府信息公开工作年度报告 → 淮安市财政局;
    2021年淮安市财政局政府信息公开工作年度报告 → 淮安市财政局; 某县人民政府信息公开工作年度报告
    → 某县人民政府; 2021年政府信息公开工作年度报告 → None."""
    t = clean(title).replace(" ", "")
    if not t:
        return None
    t = re.sub(r"^(?:关于|[【\[（(][^】\]）)]{0,10}[】\]）)])", "", t)
    m = _AGENCY_END.search(t)
    cand = t[: m.start()] if m else ""
    if cand.endswith("人民") and t[m.start():].startswith("政府信息公开"):
        cand += "政府"  # 某县人民政府信息公开工作年度报告: the 政府 belongs to both
    cand = _AGENCY_JUNK.sub("", cand)
    if not cand:
        # the agency after the year: 2021年淮安市财政局政府信息公开工作年度报告
        m = _AGENCY_AFTER_YEAR.match(t)
        cand = _AGENCY_JUNK.sub("", m.group(1)) if m else ""
        cand = re.sub(r"^度", "", cand)
    if len(cand) < 2 or re.search(r"\d", cand) or cand in _NOT_AGENCY:
        return None
    return cand[:60]


# ------------------------------------------------------------------------------------ dates
_YMD = r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
DATE = re.compile(_YMD)
#: labels of the date a page or document was published (the 公开日期 of a metadata grid …)
PUBLISHED_LABELS = ("发布日期", "发布时间", "公开日期", "公开时间", "发表时间", "发表日期", "生成日期")
#: labels of the date a document was written: a publication date only when nothing else is labelled
WRITTEN_LABELS = ("发文日期", "成文日期")
#: labels that say a date and not which one: page chrome the crawler may still read
VAGUE_LABELS = ("更新时间", "信息来源时间", "日期", "时间")
PUBLISHED_LABEL = re.compile(r"(?:发布|公开|发文)(?:日期|时间)")


def _labelled(labels: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(labels) + r")\s*[:：]?\s*" + _YMD)


_BY_STRENGTH = {"published": _labelled(PUBLISHED_LABELS), "vague": _labelled(PUBLISHED_LABELS + VAGUE_LABELS),
                "written": _labelled(WRITTEN_LABELS)}


def make_date(y, m, d) -> str | None:
    """An ISO date, or None when the numbers name no day of the calendar (2022-02-30)."""
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def first_date(text: str | None) -> str | None:
    """The first real date in a text."""
    for m in DATE.finditer(text or ""):
        d = make_date(*m.groups())
        if d:
            return d
    return None


def labelled_date(text: str | None, *, vague: bool = True) -> str | None:
    """The publication date a text labels: 发布日期/公开日期 … first, then (``vague``) a date under
    更新时间/日期/时间, and 成文日期/发文日期 only when nothing else is labelled. A document reads
    with ``vague=False``: its own body says 时间 of many things that are not its publication."""
    text = text or ""
    for key in ("published", "vague", "written") if vague else ("published", "written"):
        for m in _BY_STRENGTH[key].finditer(text):
            d = make_date(*m.groups())
            if d:
                return d
    return None
