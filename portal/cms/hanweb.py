"""大汉 Hanweb JCMS layout, rooted at the host like real Hanweb sites. A column page embeds its
first records as ``<script type="text/xml"><datastore>…<record><![CDATA[<li><a href=…>]]>``;
the rest come from ``POST /module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…``
with the form fields of the page's ``jpage`` call (GET with the same parameters works too).

    /col/col{BASE}/index.html                         年报 column: links to the sub-columns
    /col/col{N}/index.html                            sub-column, first PER_PAGE*GROUP records
    /module/web/jpage/dataproxy.jsp                   more records (datastore XML)
    /art/YYYY/M/D/art_{N}_{ID}.html                   detail
    /module/download/downfile.jsp?classid=0&filename={hex}.{ext}   attachment (octet-stream)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import random
from urllib.parse import quote

from portal.cms import base
from portal.cms.base import Chrome, Page, esc
from portal.cms.lists import columns, home_column
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import SiteSpec, Truth, TruthReport

BASE_COL = 1229000
COLS = {"government": (BASE_COL + 1, "县政府年报"), "department": (BASE_COL + 2, "部门年报"),
        "town": (BASE_COL + 3, "乡镇（街道）年报")}
PER_PAGE, GROUP = 8, 2  # records per page; pages per datastore group
WEBID, UNITID = 27, 39483
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def col_path(col: int) -> str:
    return f"/col/col{col}/index.html"


def proxy_path(col: int, start: int, end: int) -> str:
    """The GET form of one data-proxy request, as the truth records it in ``list_pages``."""
    return f"{DATAPROXY}?startrecord={start}&endrecord={end}&perpage={PER_PAGE}&columnid={col}"


def _groups(items: list) -> list[tuple[int, int, list]]:
    """(startrecord, endrecord, records) per datastore group, 1-based like jpage."""
    size = PER_PAGE * GROUP
    return [(i + 1, min(i + size, len(items)), items[i:i + size]) for i in range(0, len(items), size)] or [(1, 0, [])]


def assign(truth: Truth, site: SiteSpec, reports: list[TruthReport], rng: random.Random) -> None:
    for r in reports:
        col = COLS[home_column(truth, r)][0]
        r.article_id = str(rng.randint(1_000_000, 9_999_999))
        d = r.published
        r.url = f"/art/{d.year}/{d.month}/{d.day}/art_{col}_{r.article_id}.html"
        if r.format != "html":
            r.attachment = f"/module/download/downfile.jsp?classid=0&filename={rng.getrandbits(128):032x}.{r.format}"
    for body, items in columns(truth, reports).items():
        col = COLS[body][0]
        for k, (start, end, recs) in enumerate(_groups(items)):
            for r in recs:
                r.list_pages.append(col_path(col) if k == 0 else proxy_path(col, start, end))


def chrome(site: SiteSpec) -> Chrome:
    return Chrome(site, site.slug, site.region_code, "/index.html",
                  (("首页", "/index.html"), ("政务公开", col_path(BASE_COL)), ("政府信息公开年报", col_path(BASE_COL)),
                   ("政务服务", "/index.html"), ("政民互动", "/index.html")))


def _record(r: TruthReport) -> str:
    t = esc(r.data["title"])
    return (f'<record><![CDATA[\n<li><a href="{r.url}" target="_blank" title="{t}">{t}</a>'
            f'<span class="bt_time">{r.published:%Y-%m-%d}</span></li>\n]]></record>')


def _nextgroup(site: SiteSpec, col: int) -> str:
    return (f'<nextgroup><![CDATA[<a href="{DATAPROXY}?page=1&appid=1&webid={WEBID}&path=/&columnid={col}'
            f'&unitid={UNITID}&webname={quote(site.title)}&permissiontype=0"></a>]]></nextgroup>')


def datastore(site: SiteSpec, col: int, recs: list[TruthReport], total: int) -> str:
    body = "\n".join(_record(r) for r in recs)
    pages = max(1, -(-total // PER_PAGE))
    return (f"<datastore>\n{_nextgroup(site, col)}\n<recordset>\n{body}\n</recordset>\n"
            f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n</datastore>")


def _jpage(site: SiteSpec, col: int, total: int) -> str:
    return f"""<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>
$(document).ready(function(){{
  $("#{UNITID}").jpage({{
    dataStore: dataStore, totalRecord: {total}, perPage: {PER_PAGE}, groupSize: {GROUP},
    proxyUrl: "{DATAPROXY}",
    ajaxParam: {{col: 1, appid: 1, webid: {WEBID}, path: "/", columnid: {col}, sourceContentType: 1,
                 unitid: {UNITID}, webname: "{site.title}", permissiontype: 0}}
  }});
}});
</script>"""


def pages(ctx, site: SiteSpec, reports: list[TruthReport]) -> dict[str, Page]:
    truth = ctx.truth
    ch = chrome(site)
    crumbs = [("首页", "/index.html"), ("政府信息公开年报", col_path(BASE_COL))]
    out: dict[str, Page] = {}

    def add(path: str, title: str, main: str, modified=base.SITE_EPOCH) -> None:
        out[path] = base.html_page(lambda: base.page(ch, title, title, crumbs, main), site.encoding, modified)

    cols = columns(truth, reports)
    subs = "".join(f'<li><a href="{col_path(COLS[b][0])}">{COLS[b][1]}</a></li>' for b in cols)
    add("/index.html", site.title, f'<div class="box"><h3>政务公开</h3><ul><li><a href="{col_path(BASE_COL)}">'
        f'政府信息公开年报</a></li></ul></div>')
    add(col_path(BASE_COL), "政府信息公开年报", f'<div class="box"><h3>政府信息公开年报</h3><ul>{subs}</ul></div>')
    by_col: dict[int, list[TruthReport]] = {}
    for body, items in cols.items():
        col, label = COLS[body]
        by_col[col] = items
        first = _groups(items)[0][2]
        main = (f'<div class="list-box"><h3>{esc(label)}</h3><div id="{UNITID}">'
                f'<script type="text/xml">\n{datastore(site, col, first, len(items))}\n</script>\n'
                f'{_jpage(site, col, len(items))}</div></div>')
        add(col_path(col), label, main, base.latest(items))

    def dataproxy(params: dict[str, str]) -> Page | None:
        try:
            col = int(params.get("columnid", ""))
            start = int(params.get("startrecord", "1"))
            end = int(params.get("endrecord", str(start + PER_PAGE * GROUP - 1)))
        except ValueError:
            return None
        items = by_col.get(col)
        if items is None or start < 1 or end < start:
            return None
        recs = items[start - 1:end]
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + datastore(site, col, recs, len(items))
        return base.static(xml.encode("utf-8"), "text/xml;charset=UTF-8", base.latest(recs))

    ctx.dynamic[DATAPROXY] = dataproxy
    for r in reports:
        body = home_column(truth, r)
        flip = base.contradicting_meta(ctx, r)
        out[r.url] = base.detail_page(ch, r, "政府信息公开年报", crumbs + [(COLS[body][1], col_path(COLS[body][0]))],
                                      r.attachment, grid_table=True, container="bt_content", charset_meta=flip)
        if r.attachment:
            out[r.attachment] = base.attachment_page(r, disposition=True)
    return out
