"""Pure functions that recognise report links, column pages, URL dates and attachments.

No Scrapy here: the spiders call these on link titles, URLs and page text, and the spider
example tests exercise them through the spiders' parse functions. What a title or a page's words
say (a report title, its year and agency, a labelled date) is read by ``extract.recognition``,
the one catalogue the extractor reads documents with too; its names are repeated here so a
spider needs one module.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from extract.recognition import (  # noqa: F401 - the spiders' one module for recognition
    NOT_REPORT,
    REPORT_WORDS,
    agency_of,
    clean,
    first_date,
    is_report_title,
    labelled_date,
    make_date,
    year_of,
)

# ------------------------------------------------------------------------------------ columns
# a 年报 column (no year of its own): 政府信息公开年报, 政府信息公开工作年度报告, 部门年报, 乡镇年报 …
COLUMN_TITLE = re.compile(r"^(?:[^\d]{0,16})(?:政府)?(?:信息公开)?(?:工作)?(?:年度报告|年报)(?:专栏|栏目)?$")


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


# ------------------------------------------------------------------------------------ URL dates
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),          # TRS t20220128_123.html
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),     # Hanweb /art/2021/1/25/
    re.compile(r"/W0?((?:19|20)\d{2})(\d{2})(\d{2})\d+"),          # TRS attachment W020220128…
    re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/"),             # /2022-01-28/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),               # /20220128/
)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")    # /202201/


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
