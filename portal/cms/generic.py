"""A hand-made older site: a 政府信息公开 page whose sidebar has the four standard columns
(指南, 制度, 法定主动公开内容, 政府信息公开年报); the 年报 column is one page grouped by year;
details are plain pages; text attachments sit in an upload folder.

    {root}index.html                                  site home
    {root}zwgk/index.html                             政府信息公开 with the column sidebar
    {root}zwgk/{gkzn|gkzd|fdzdgknr}/index.html        the other standard columns
    {root}zwgk/ndbg/index.html                        政府信息公开年报: every report, by year
    {root}zwgk/ndbg/{year}/content_{ID}.html          detail
    {root}uploadfile/YYYYMM/{ID}.txt                  attachment
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import random

from portal.cms import base
from portal.cms.base import Chrome, Page
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import SiteSpec, Truth, TruthReport

_SIDEBAR = (("gkzn", "政府信息公开指南"), ("gkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"),
            ("ndbg", "政府信息公开年报"))


def assign(truth: Truth, site: SiteSpec, reports: list[TruthReport], rng: random.Random) -> None:
    for r in reports:
        r.article_id = str(rng.randint(10_000, 99_999))
        r.url = f"{site.root}zwgk/ndbg/{r.year}/content_{r.article_id}.html"
        if r.format != "html":
            r.attachment = f"{site.root}uploadfile/{r.published:%Y%m}/{r.published:%Y%m%d}{r.article_id}.{r.format}"
        r.list_pages.append(f"{site.root}zwgk/ndbg/index.html")


def chrome(site: SiteSpec) -> Chrome:
    return Chrome(site, site.slug, site.region_code, f"{site.root}index.html",
                  (("网站首页", f"{site.root}index.html"), ("政府信息公开", f"{site.root}zwgk/index.html"),
                   ("办事服务", f"{site.root}index.html")))


def pages(ctx, site: SiteSpec, reports: list[TruthReport]) -> dict[str, Page]:
    ch = chrome(site)
    out: dict[str, Page] = {}
    side = "".join(f'<li><a href="{site.root}zwgk/{s}/index.html">{t}</a></li>' for s, t in _SIDEBAR)
    crumbs = [("网站首页", ch.home), ("政府信息公开", f"{site.root}zwgk/index.html")]

    def layout(main: str) -> str:  # old sites lay pages out with a table; the report's tables nest inside
        return (f'<table class="layout" width="100%"><tr><td class="side" width="220"><ul>{side}</ul></td>'
                f'<td class="content">{main}</td></tr></table>')

    def add(path: str, title: str, main: str, modified=base.SITE_EPOCH) -> None:
        out[path] = base.html_page(lambda: base.page(ch, title, title, crumbs, layout(main)), site.encoding, modified)

    add(f"{site.root}index.html", site.title, '<p>欢迎访问。请从左侧栏目进入政府信息公开。</p>')
    add(f"{site.root}zwgk/index.html", "政府信息公开", "<p>依据《中华人民共和国政府信息公开条例》，本机关设立政府信息公开专栏。</p>")
    for slug, title in _SIDEBAR[:3]:
        add(f"{site.root}zwgk/{slug}/index.html", title, f"<h3>{title}</h3><p>内容更新中。</p>")
    by_year: dict[int, list[TruthReport]] = {}
    for r in reports:
        by_year.setdefault(r.year, []).append(r)
    blocks = []
    for year in sorted(by_year, reverse=True):
        items = sorted(by_year[year], key=lambda r: (r.published, r.article_id), reverse=True)
        lis = "".join(base.list_item(r, r.url) for r in items)
        blocks.append(f"<h4>{year}年度</h4><ul class=\"list\">{lis}</ul>")
    add(f"{site.root}zwgk/ndbg/index.html", "政府信息公开年报", "<h3>政府信息公开年报</h3>" + "".join(blocks),
        base.latest(reports))
    for r in reports:
        out[r.url] = base.detail_page(ch, r, "政府信息公开年报", crumbs + [("政府信息公开年报", f"{site.root}zwgk/ndbg/index.html")],
                                      r.attachment, grid_table=True, container="content",
                                      charset_meta=base.contradicting_meta(ctx, r), wrap=layout)
        if r.attachment:
            out[r.attachment] = base.attachment_page(r)
    return out
