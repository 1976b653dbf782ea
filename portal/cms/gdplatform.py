"""Guangdong 集约化 platform layout: sub-column lists ``index.html``, ``index_2.html``, … with plain
anchor paging; details ``{sub}/content/post_{ID}.html`` linked by absolute path; attachments at
the host root ``/attachment/0/{a}/{b}/{ID}.pdf``. PDFs are shown through a pdf.js iframe or an
``<embed>`` as often as through a link (on the ``iframe_pdf`` site).

    {root}index.html                                  site home
    {root}zwgk/xxgknb/index.html                      年报 column: sub-column links
    {root}zwgk/xxgknb/{sub}/index.html, index_2.html  lists (8 a page)
    {root}zwgk/xxgknb/{sub}/content/post_{ID}.html    detail
    /attachment/0/{a}/{b}/{ID}.{ext}                  attachment
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import random

from portal.cms import base
from portal.cms.base import Chrome, Page, esc
from portal.cms.lists import columns, home_column, paginate
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import SiteSpec, Truth, TruthReport

PER_PAGE = 8
SUB = {"government": ("zfnb", "政府年报"), "department": ("bmnb", "部门年报"), "town": ("zjnb", "镇（街道）年报")}


def column_dir(site: SiteSpec) -> str:
    return f"{site.root}zwgk/xxgknb/"


def list_path(site: SiteSpec, sub: str, i: int) -> str:
    return f"{column_dir(site)}{sub}/" + ("index.html" if i == 0 else f"index_{i + 1}.html")


def assign(truth: Truth, site: SiteSpec, reports: list[TruthReport], rng: random.Random) -> None:
    iframe_site = (truth.quirks.get("iframe_pdf") or {}).get("site")
    n_pdf = 0
    for r in reports:
        sub = SUB[home_column(truth, r)][0]
        r.article_id = str(rng.randint(1_000_000, 4_999_999))
        r.url = f"{column_dir(site)}{sub}/content/post_{r.article_id}.html"
        if r.format != "html":
            att = int(r.article_id) + rng.randint(1000, 90000)
            b = att // 8
            r.attachment = f"/attachment/0/{b // 1000}/{b}/{att}.{r.format}"
            if r.format == "pdf" and site.id == iframe_site:
                r.embed = ("iframe", "embed", "link")[n_pdf % 3]
                n_pdf += 1
    for body, items in columns(truth, reports).items():
        for i, chunk in enumerate(paginate(items, PER_PAGE)):
            for r in chunk:
                r.list_pages.append(list_path(site, SUB[body][0], i))


def chrome(site: SiteSpec) -> Chrome:
    return Chrome(site, site.slug, site.region_code, f"{site.root}index.html",
                  (("首页", f"{site.root}index.html"), ("要闻动态", f"{site.root}index.html"),
                   ("政务公开", f"{column_dir(site)}index.html"), ("政务服务", f"{site.root}index.html"),
                   ("互动交流", f"{site.root}index.html")))


def _pager(site: SiteSpec, sub: str, i: int, n: int) -> str:
    if n <= 1:
        return ""
    links = [f'<a class="first" href="{list_path(site, sub, 0)}">首页</a>']
    if i > 0:
        links.append(f'<a class="prev" href="{list_path(site, sub, i - 1)}">上一页</a>')
    links += [f"<span>{k + 1}</span>" if k == i else f'<a href="{list_path(site, sub, k)}">{k + 1}</a>' for k in range(n)]
    if i + 1 < n:
        links.append(f'<a class="next" href="{list_path(site, sub, i + 1)}">下一页</a>')
    links.append(f'<a class="last" href="{list_path(site, sub, n - 1)}">尾页</a>')
    return f'<div class="page">{" ".join(links)}<span class="total">共{n}页</span></div>'


def pages(ctx, site: SiteSpec, reports: list[TruthReport]) -> dict[str, Page]:
    truth = ctx.truth
    ch = chrome(site)
    col = column_dir(site)
    crumbs = [("首页", ch.home), ("政务公开", f"{col}index.html")]
    out: dict[str, Page] = {}

    def add(path: str, title: str, main: str, modified=base.SITE_EPOCH) -> None:
        out[path] = base.html_page(lambda: base.page(ch, title, title, crumbs, main), site.encoding, modified)

    cols = columns(truth, reports)
    add(f"{site.root}index.html", site.title,
        f'<div class="box"><h3>政务公开</h3><ul><li><a href="{col}index.html">政府信息公开年报</a></li></ul></div>')
    subs = "".join(f'<li><a href="{list_path(site, SUB[b][0], 0)}">{SUB[b][1]}</a></li>' for b in cols)
    add(f"{col}index.html", "政府信息公开年报", f'<div class="box"><h3>政府信息公开年报</h3><ul>{subs}</ul></div>')
    for body, items in cols.items():
        sub, label = SUB[body]
        chunks = paginate(items, PER_PAGE)
        for i, chunk in enumerate(chunks):
            lis = "".join(f'<li><span class="time">{r.published:%Y-%m-%d}</span><a href="{r.url}" target="_blank">'
                          f'{esc(r.data["title"])}</a></li>' for r in chunk)
            add(list_path(site, sub, i), label, f'<div class="viewList"><h3>{esc(label)}</h3><ul>{lis}</ul>'
                f'{_pager(site, sub, i, len(chunks))}</div>', base.latest(chunk))
    for r in reports:
        body = home_column(truth, r)
        out[r.url] = base.detail_page(ch, r, SUB[body][1], crumbs + [(SUB[body][1], list_path(site, SUB[body][0], 0))],
                                      r.attachment, grid_table=False, container="zw",
                                      charset_meta=base.contradicting_meta(ctx, r))
        if r.attachment:
            out[r.attachment] = base.attachment_page(r)
    return out
