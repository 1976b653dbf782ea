"""Pure functions that recognise report links, years, agencies, dates and attachments.

No Scrapy here: the spiders call these on link titles, URLs and page text, and the spider
example tests exercise them through the spiders' parse functions.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

# ------------------------------------------------------------------------------------ titles
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年度|年)")
_YEAR_LOOSE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
REPORT_WORDS = re.compile(r"年度报告|年报|年度工作报告")
TRANSPARENCY = re.compile(r"信息公开|政务公开|政府公开")
# titles with a year and 年度报告 that are not transparency reports
NOT_REPORT = re.compile(
    r"法治政府|依法行政|决算|预算|统计公报|统计年报|审计|环境状况|生态环境|社会责任|企业年报|年报公示|工商年报|年检|"
    r"国民经济|工作总结|工作要点|工作计划|述职|人大|政协|提案|建议|财务|年鉴|信用|统计年鉴|招生|食品|药品|"
    r"质量报告|发展报告|评估报告|体检|考核|安全生产|慈善|社会组织|民办|基金|税收|年度报表|指南|制度|目录|通知|公示|征求意见"
)
# a 年报 column (no year of its own): 政府信息公开年报, 政府信息公开工作年度报告, 部门年报, 乡镇年报 …
COLUMN_TITLE = re.compile(r"^(?:[^\d]{0,16})(?:政府)?(?:信息公开)?(?:工作)?(?:年度报告|年报)(?:专栏|栏目)?$")
_AGENCY_END = re.compile(r"(?:关于)?(?:(?:(?:19|20)\d{2}|[〇○零Ｏ一二三四五六七八九]{4})\s*(?:年度|年)|政府信息公开|政务公开|信息公开|年度报告|年报)")
_AGENCY_JUNK = re.compile(r"^[\s《“\"【\[（(]+|[\s》”\"】\]）)的\-—_:：]+$")


def clean(text: str | None) -> str:
    """Collapse whitespace (including &nbsp; and full-width spaces)."""
    return re.sub(r"[\s\u3000\xa0]+", " ", text or "").strip()


def year_of(title: str | None) -> int | None:
    """The report year a title names: 2021年 / 2021年度 / 二〇二一年."""
    if not title:
        return None
    t = clean(title)
    m = _YEAR.search(t)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(t)
    if m:
        y = int("".join(_CN_DIGITS[c] for c in m.group(1)))
        if 1990 < y < 2100:
            return y
    # "政府信息公开年度报告（2021）", "2021政府信息公开工作年度报告"
    if REPORT_WORDS.search(t):
        m = _YEAR_LOOSE.search(t)
        if m:
            return int(m.group(1))
    return None


def is_report_title(title: str | None, in_column: bool = False) -> bool:
    """A link title that names a 政府信息公开工作年度报告 with its year.

    Strong: a year, 年度报告/年报 and 信息公开/政务公开. Weak (only ``in_column``, i.e. on a list
    page of a 年报 column): a year and 年度报告/年报, without words of other kinds of report.
    """
    t = clean(title).replace(" ", "")
    if not t or len(t) > 120 or not REPORT_WORDS.search(t) or year_of(t) is None:
        return False
    if TRANSPARENCY.search(t):
        return not re.search(r"指南|制度|目录|通知|征求意见|考核|评估", t)
    return in_column and not NOT_REPORT.search(t) and bool(_ENDS_REPORT.search(t))


_ENDS_REPORT = re.compile(r"(?:年度报告|年报)(?:[（(【\[][^）)】\]]{0,12}[）)】\]])?(?:\.[A-Za-z]{2,4})?$")


def is_column_title(title: str | None) -> bool:
    """A link to a 年报 column (no year of its own), e.g. 政府信息公开年报, 部门年报."""
    t = clean(title).replace(" ", "")
    if not t or len(t) > 24 or year_of(t) is not None:
        return False
    return bool(COLUMN_TITLE.match(t)) and not NOT_REPORT.search(t)


def is_year_column_title(title: str | None) -> bool:
    """A per-year sub-column: "2021年", "2021年度", "2021年年报"."""
    t = clean(title).replace(" ", "")
    return bool(re.fullmatch(r"(?:19|20)\d{2}(?:年度?|年)?(?:年报|年度报告|报告)?", t))


def agency_of(title: str | None) -> str | None:
    """The agency a report title names: 淮安市财政局2021年度政府信息公开工作年度报告 → 淮安市财政局;
    2021年淮安市财政局政府信息公开工作年度报告 → 淮安市财政局; 2021年政府信息公开工作年度报告 → None."""
    t = clean(title).replace(" ", "")
    if not t:
        return None
    t = re.sub(r"^(?:关于|[【\[（(][^】\]）)]{0,10}[】\]）)])", "", t)
    m = _AGENCY_END.search(t)
    cand = t[: m.start()] if m else ""
    cand = _AGENCY_JUNK.sub("", cand)
    if not cand:
        # the agency after the year: 2021年淮安市财政局政府信息公开工作年度报告
        m = re.match(r"^(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*(?:年度|年)(.*?)(?:关于)?(?:政府信息公开|政务公开|信息公开|年度报告|年报)", t)
        cand = _AGENCY_JUNK.sub("", m.group(1)) if m else ""
        cand = re.sub(r"^度", "", cand)
    if len(cand) < 2 or re.search(r"\d", cand) or cand in ("本年度", "年度", "本机关", "我单位"):
        return None
    return cand[:60]


# ------------------------------------------------------------------------------------ dates
DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_PUB_LABEL = re.compile(
    r"(?:发布日期|发布时间|公开日期|公开时间|发表时间|发表日期|更新时间|信息来源时间|日期|时间)\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_PUB_LABEL_STRONG = re.compile(
    r"(?:发布日期|发布时间|公开日期|公开时间|发表时间|发表日期)\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_WRITTEN_LABEL = re.compile(r"(?:发文日期|成文日期)\s*[:：]?\s*((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),          # TRS t20220128_123.html
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),     # Hanweb /art/2021/1/25/
    re.compile(r"/W0?((?:19|20)\d{2})(\d{2})(\d{2})\d+"),          # TRS attachment W020220128…
    re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/"),             # /2022-01-28/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),               # /20220128/
)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")    # /202201/


def make_date(y, m, d) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def first_date(text: str | None) -> str | None:
    for m in DATE.finditer(text or ""):
        d = make_date(*m.groups())
        if d:
            return d
    return None


def labelled_date(text: str | None) -> str | None:
    """发布时间/发布日期 … in page text; 成文日期/发文日期 only when nothing else is labelled."""
    text = text or ""
    for rx in (_PUB_LABEL_STRONG, _PUB_LABEL, _WRITTEN_LABEL):
        for m in rx.finditer(text):
            d = make_date(*m.groups())
            if d:
                return d
    return None


def url_date(url: str | None) -> str | None:
    """t20220128 / /art/2021/1/25/ / W020220128… / /2022-01-28/ ; /202201/ gives no day: None."""
    path = urlsplit(url or "").path
    for rx in _URL_DATES:
        m = rx.search(path)
        if m:
            d = make_date(*m.groups())
            if d:
                return d
    return None


def url_month(url: str | None) -> str | None:
    m = _URL_MONTH.search(urlsplit(url or "").path)
    return f"{m.group(1)}-{m.group(2)}" if m else None


# ------------------------------------------------------------------------------------ URLs
ATTACHMENT_EXTS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "txt", "rtf", "ofd")
_ATT_EXT = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTS) + r")$", re.I)
_ATT_QUERY = re.compile(r"(?:^|[=/&])[^=&]*\.(" + "|".join(ATTACHMENT_EXTS) + r")(?:$|&)", re.I)
_VIEWER = re.compile(r"(?:viewer(?:\.html?)?|pdfjs[^?]*|preview[^?]*)\?(?:.*&)?file=([^&#]+)", re.I)
DETAIL_LIKE = re.compile(
    r"/t\d{8}_\d+(?:_wap)?\.s?html?$|/art_\d+_\d+\.html$|/post_\d+\.html$|/content_\d+\.html$|/\d{17,20}\.html$|"
    r"/[0-9a-f]{32}\.s?html$|/info/\d+/\d+\.htm$|/Content-\d+\.html$|/show/[0-9a-f]{32}\.html$|\.jhtml$")
COLUMN_SLUG = re.compile(
    r"/(?:zfxxgknb|xxgknb|gknb|ndbg|zfxxgkndbg|xxgkndbg|zfxxgkgzndbg|xxgknbgs|nb|bmnb|bmxxgknb|xzbmxxgknb|"
    r"zfxxgk_?nb|gknb\d{4}|\d{4}gznb|\d{4}n|\d{4}nb|nb\d{4}|qzfbm|qzfbgs|xzbm|xzjd|bmdnbg|\d{4}bmdnbg)(?:/|$)", re.I)
PAGINATION_TEXT = re.compile(r"^(?:下一?页|上一?页|首页|尾页|末页|最后一页|后页|前页|next|prev|>|<|»|«|>>|<<|\d{1,4})$",
                             re.I)
PAGE_URL = re.compile(r"(?:^|/)(?:index|list|default)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$|[?&](?:page|pageNo|pageIndex|p|pn|currentPage)=\d+",
                      re.I)


def attachment_url(url: str) -> bool:
    """A link to a report file (pdf, doc, docx, wps, xls, xlsx …), by path or query."""
    parts = urlsplit(url)
    if _ATT_EXT.search(parts.path):
        return True
    return bool(parts.query and _ATT_QUERY.search(unquote(parts.query)))


def attachment_ext(url: str) -> str | None:
    parts = urlsplit(url)
    m = _ATT_EXT.search(parts.path) or _ATT_QUERY.search(unquote(parts.query or ""))
    return m.group(1).lower() if m else None


def viewer_target(url: str) -> str | None:
    """The file a pdf.js viewer URL shows: /pdfjs/web/viewer.html?file=/a/b.pdf → absolute URL."""
    m = _VIEWER.search(url)
    if not m:
        return None
    target = unquote(m.group(1))
    return urljoin(url, target)


def query_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def same_directory(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.netloc == pb.netloc and pa.path.rsplit("/", 1)[0] == pb.path.rsplit("/", 1)[0]
