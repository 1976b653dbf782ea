"""TRS WCM (拓尔思) layout: a column directory with ``index.html``, ``index_1.html``, … whose paging
exists only as ``createPageHTML(countPage, currentPage, "index", "html")`` in a script; details at
``./YYYYMM/tYYYYMMDD_ID.html`` relative to the column; attachments ``./P0YYYYMMDD….pdf`` beside
the detail page; the body inside ``div.TRS_Editor``.

    {root}index.html                                  site home
    {root}zwgk/zfxxgknb/index.html                    年报 column: sub-columns + 最新
    {root}zwgk/zfxxgknb/{sub}/index[_N].html          sub-column lists (15 a page)
    {root}zwgk/zfxxgknb/{sub}/YYYYMM/tYYYYMMDD_ID.html
    {root}zwgk/zfxxgknb/{sub}/YYYYMM/P0YYYYMMDDNNNNNNNNNNNN.pdf
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import random

from portal.cms import base
from portal.cms.base import Chrome, Page, esc
from portal.cms.extras import extras_html
from portal.cms.lists import columns, home_column, paginate
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import SiteSpec, Truth, TruthReport

PER_PAGE = 15
SUB = {"government": ("zfnb", "政府年报"), "department": ("bmnb", "部门年报"), "town": ("xzjdnb", "乡镇（街道）年报")}
LATEST = 6

_PAGER_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
  else document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
  if(nCurrIndex > 0){
    var prev = nCurrIndex == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + (nCurrIndex-1) + "." + _sPageExt;
    document.write("<a href=\\"" + prev + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 < _nPageCount)
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex+1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
  document.write("共" + _nPageCount + "页");
}
</script>"""


def column_dir(site: SiteSpec) -> str:
    return f"{site.root}zwgk/zfxxgknb/"


def list_path(site: SiteSpec, sub: str, i: int) -> str:
    return f"{column_dir(site)}{sub}/" + ("index.html" if i == 0 else f"index_{i}.html")


def assign(truth: Truth, site: SiteSpec, reports: list[TruthReport], rng: random.Random) -> None:
    for r in reports:
        sub = SUB[home_column(truth, r)][0]
        r.article_id = str(rng.randint(1_000_000, 9_999_999))
        d = r.published
        r.url = f"{column_dir(site)}{sub}/{d:%Y%m}/t{d:%Y%m%d}_{r.article_id}.html"
        if r.format != "html":
            r.attachment = f"{column_dir(site)}{sub}/{d:%Y%m}/P0{d:%Y%m%d}{rng.randint(10**11, 10**12 - 1)}.{r.format}"
    for body, items in columns(truth, reports).items():
        for i, chunk in enumerate(paginate(items, PER_PAGE)):
            for r in chunk:
                r.list_pages.append(list_path(site, SUB[body][0], i))
    latest = sorted(reports, key=lambda r: (r.published, r.article_id), reverse=True)[:LATEST]
    for r in latest:
        r.list_pages.insert(0, f"{column_dir(site)}index.html")


def chrome(site: SiteSpec) -> Chrome:
    return Chrome(site, site.slug, site.region_code, f"{site.root}index.html",
                  (("首页", f"{site.root}index.html"), ("政务公开", f"{site.root}zwgk/index.html"),
                   ("政府信息公开年报", f"{column_dir(site)}index.html"), ("政务服务", f"{site.root}index.html"),
                   ("互动交流", f"{site.root}index.html")))


def _rel(from_dir: str, path: str) -> str:
    """TRS writes links relative to the list's directory (./ or ../)."""
    col = from_dir.rstrip("/").rsplit("/", 1)[0] + "/"
    if path.startswith(from_dir):
        return "./" + path[len(from_dir):]
    return "../" + path[len(col):]


def pages(ctx, site: SiteSpec, reports: list[TruthReport]) -> dict[str, Page]:
    truth = ctx.truth
    ch = chrome(site)
    col = column_dir(site)
    crumbs = [("首页", ch.home), ("政务公开", f"{site.root}zwgk/index.html"), ("政府信息公开年报", f"{col}index.html")]
    out: dict[str, Page] = {}
    enc = site.encoding

    def add(path: str, title: str, main: str, modified=base.SITE_EPOCH) -> None:
        out[path] = base.html_page(lambda: base.page(ch, title, title, crumbs, main), enc, modified)

    add(f"{site.root}index.html", site.title,
        f'<div class="box"><h3>政务公开</h3><ul><li><a href="zwgk/index.html">政府信息公开</a></li>'
        f'<li><a href="zwgk/zfxxgknb/index.html">政府信息公开年报</a></li></ul></div>')
    add(f"{site.root}zwgk/index.html", "政府信息公开",
        '<div class="box"><ul><li><a href="./xxgkzn/index.html">政府信息公开指南</a></li>'
        '<li><a href="./xxgkzd/index.html">政府信息公开制度</a></li>'
        '<li><a href="./fdzdgknr/index.html">法定主动公开内容</a></li>'
        '<li><a href="./zfxxgknb/index.html">政府信息公开年报</a></li></ul></div>')
    for slug, title in (("xxgkzn", "政府信息公开指南"), ("xxgkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容")):
        add(f"{site.root}zwgk/{slug}/index.html", title,
            f'<div class="article"><h1>{title}</h1><p>本栏目内容正在整理中。</p></div>')

    cols = columns(truth, reports)
    latest = sorted(reports, key=lambda r: (r.published, r.article_id), reverse=True)[:LATEST]
    subs = "".join(f'<li><a href="./{SUB[b][0]}/index.html">{SUB[b][1]}</a></li>' for b in cols)
    newest = "".join(base.list_item(r, _rel(col, r.url)) for r in latest)
    extra = extras_html(ctx) if truth.quirks.get("extras_site") == site.id else ""
    add(f"{col}index.html", "政府信息公开年报",
        f'<div class="box"><h3>栏目导航</h3><ul class="subcol">{subs}</ul></div>'
        f'<div class="box"><h3>最新发布</h3><ul class="list">{newest}</ul></div>{extra}', base.latest(latest))

    for body, items in cols.items():
        sub, label = SUB[body]
        chunks = paginate(items, PER_PAGE)
        for i, chunk in enumerate(chunks):
            lis = "".join(base.list_item(r, _rel(f"{col}{sub}/", r.url)) for r in chunk)
            pager = (f'<div class="page">{_PAGER_JS}<script type="text/javascript">\nvar currentPage = {i};//所在页从0开始\n'
                     f'var prevPage = currentPage-1//上一页\nvar nextPage = currentPage+1//下一页\n'
                     f'var countPage = {len(chunks)}//共多少页\n'
                     f'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>')
            add(list_path(site, sub, i), label, f'<div class="list-box"><h3>{esc(label)}</h3><ul class="list">{lis}</ul>'
                f'{pager}</div>', base.latest(chunk))

    for r in reports:
        flip = base.contradicting_meta(ctx, r)
        href = "./" + r.attachment.rsplit("/", 1)[1] if r.attachment else None
        sub_crumbs = crumbs + [(SUB[home_column(truth, r)][1], f"{col}{SUB[home_column(truth, r)][0]}/index.html")]
        out[r.url] = base.detail_page(ch, r, "政府信息公开年报", sub_crumbs, href, charset_meta=flip)
        if r.attachment:
            out[r.attachment] = base.attachment_page(r)
    return out
