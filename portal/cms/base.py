"""What every CMS layout shares: the government page chrome (header, nav, breadcrumb, footer with
网站标识码 and ICP numbers, the standard meta tags), the 信息公开 metadata grid, the report body
or its attachment link, and the Page record the server serves."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, TYPE_CHECKING

from portal.formats import CONTENT_TYPES, attachment_bytes
from portal.render import render_html_body
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import SiteSpec, Truth, TruthReport

#: Last-Modified of pages that never change (the portal's "launch")
SITE_EPOCH = datetime(2024, 3, 1, 9, 0)
_PLATFORM_CSS = {"trs": "trs", "hanweb": "jcms", "gdplatform": "gdzwfw", "generic": "old"}


@dataclass
class Page:
    """One served resource. ``render(epoch)`` gives the bytes; ``varies`` says whether they depend
    on the epoch (only P3 reports do)."""

    render: Callable[[int], bytes]
    content_type: str
    modified: Callable[[int], datetime]
    varies: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def static(body: bytes, content_type: str, modified: datetime = SITE_EPOCH, **headers: str) -> Page:
    return Page(lambda _e: body, content_type, lambda _e: modified, headers=dict(headers))


def html_page(text: Callable[[], str], encoding: str = "utf-8", modified: datetime = SITE_EPOCH) -> Page:
    """An HTML page, rendered on first request."""
    return Page(lambda _e: text().encode(encoding, errors="xmlcharrefreplace"),
                f"text/html; charset={encoding}", lambda _e: modified)


@dataclass(frozen=True)
class Chrome:
    site: SiteSpec
    slug: str  # fictional host part, as in www.<slug>.gov.cn
    region_code: str
    home: str  # path of the site's home page
    nav: tuple[tuple[str, str], ...]  # (label, path)

    @property
    def site_code(self) -> str:  # 网站标识码: 6-digit region code + serial
        return f"{self.region_code}0001"

    @property
    def icp(self) -> str:
        return "苏" if self.site.province == "江苏" else "粤"


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def page(ch: Chrome, title: str, column: str, crumbs: list[tuple[str, str]], main: str,
         meta: dict[str, str] | None = None, charset: str | None = None) -> str:
    """A whole government page around ``main``."""
    charset = charset or ch.site.encoding
    metas = {"SiteName": ch.site.title, "SiteDomain": f"www.{ch.slug}.gov.cn", "SiteIDCode": ch.site_code,
             "ColumnName": column, "ColumnType": column, **(meta or {})}
    head = "\n".join(f'<meta name="{k}" content="{esc(v)}">' for k, v in metas.items())
    nav = "".join(f'<li><a href="{esc(p)}">{esc(lab)}</a></li>' for lab, p in ch.nav)
    crumb = " &gt; ".join(f'<a href="{esc(p)}">{esc(lab)}</a>' for lab, p in crumbs)
    css = _PLATFORM_CSS[ch.site.platform]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}_{esc(ch.site.title)}</title>
{head}
<link rel="stylesheet" href="/static/{css}.css">
</head>
<body class="{css}">
<div class="top"><div class="w1200"><span>欢迎访问{esc(ch.site.title)}门户网站</span>
<span class="tools"><a href="javascript:;">无障碍</a> | <a href="javascript:;">长者模式</a> | <a href="javascript:;">繁体</a></span></div></div>
<div class="header"><div class="w1200"><div class="logo"><a href="{esc(ch.home)}">{esc(ch.site.title)}</a></div>
<form class="search" action="/search" method="get"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
<div class="position w1200">当前位置：{crumb}</div>
<div class="main w1200">
{main}
</div>
<div class="footer"><div class="w1200">
<p>主办单位：{esc(ch.site.title)}办公室　承办单位：{esc(ch.site.title.replace("人民政府", ""))}大数据管理中心</p>
<p>网站标识码：{ch.site_code}　{ch.icp}ICP备{ch.region_code[:4]}1234号-1　{ch.icp}公网安备 {ch.region_code}02000123号</p>
</div></div>
<script src="/static/common.js"></script>
</body>
</html>
"""


def report_meta(r: TruthReport) -> dict[str, str]:
    title = r.data["title"]
    return {"ArticleTitle": title, "PubDate": r.published.strftime("%Y-%m-%d %H:%M"), "ContentSource": r.agency,
            "Keywords": "政府信息公开,年度报告", "description": title}


def meta_grid(r: TruthReport, as_table: bool = True) -> str:
    """The 信息公开 grid: 索引号 / 分类 / 发布机构 / 发文日期 / 文号 / 发布日期."""
    day = r.published.strftime("%Y-%m-%d")
    items = [("索引号", r.index_no), ("分类", "政府信息公开年报"), ("发布机构", r.agency), ("发文日期", day),
             ("文号", ""), ("发布日期", day), ("有效性", "有效")]
    if as_table:
        rows = [items[i:i + 2] for i in range(0, len(items), 2)]
        trs = "".join("<tr>" + "".join(f'<td class="t">{k}：</td><td>{esc(v)}</td>' for k, v in row) + "</tr>"
                      for row in rows)
        return f'<table class="xxgk_table" cellspacing="0">{trs}</table>'
    lis = "".join(f"<li><b>{k}：</b><span>{esc(v)}</span></li>" for k, v in items)
    return f'<div class="xxgk_info"><ul>{lis}</ul></div>'


def article(r: TruthReport, epoch: int, attachment_href: str | None, container: str = "TRS_Editor") -> str:
    """The article: the report body inline, or a short note and the attachment (link, pdf.js
    iframe or <embed>)."""
    title = esc(r.data["title"])
    if not attachment_href:
        return f'<div class="article"><div class="{container}">\n{render_html_body(r.content(epoch))}\n</div></div>'
    name = f"{title}.{r.format}"
    note = (f'<p style="text-indent:2em">根据《中华人民共和国政府信息公开条例》规定，现公布{title}，全文详见附件。</p>')
    if r.embed == "iframe":
        link = (f'<iframe src="/pdfjs/viewer.html?file={esc(attachment_href)}" width="100%" height="800" '
                f'frameborder="0"></iframe>')
    elif r.embed == "embed":
        link = f'<embed src="{esc(attachment_href)}" type="application/pdf" width="100%" height="800">'
    else:
        link = f'<p class="fj">附件：<a href="{esc(attachment_href)}" target="_blank">{name}</a></p>'
    return f'<div class="article"><h1 class="title">{title}</h1><div class="{container}">\n{note}\n{link}\n</div></div>'


def attachment_page(r: TruthReport, disposition: bool = False) -> Page:
    """The attachment itself; from epoch 1 a P3 report's file is replaced under the same URL."""
    ctype = CONTENT_TYPES[r.format]
    if r.format == "txt" and r.encoding != "utf-8":
        ctype = "text/plain"  # old servers send no charset for GBK text files
    elif r.format == "txt":
        ctype = "text/plain; charset=utf-8"
    headers = {}
    if disposition:
        from urllib.parse import quote

        ctype = "application/octet-stream"
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(r.data['title'] + '.' + r.format)}"
    return Page(lambda e: attachment_bytes(r.content(e), r.format, r.encoding), ctype,
                lambda e: modified_at(r, e), varies=r.changed is not None, headers=headers)


def modified_at(r: TruthReport, epoch: int) -> datetime:
    from datetime import timedelta

    return r.published + timedelta(days=40) if (epoch >= 1 and r.changed is not None) else r.published


def detail_page(ch: Chrome, r: TruthReport, column: str, crumbs: list[tuple[str, str]], attachment_href: str | None,
                grid_table: bool = True, container: str = "TRS_Editor", charset_meta: str | None = None,
                wrap: Callable[[str], str] | None = None) -> Page:
    """A report's detail page. Its bytes vary by epoch only when the report is inline and P3."""
    varies = r.changed is not None and attachment_href is None

    def render(epoch: int) -> bytes:
        main = meta_grid(r, grid_table) + "\n" + article(r, epoch if varies else 0, attachment_href, container)
        if wrap:
            main = wrap(main)
        text = page(ch, r.data["title"], column, crumbs, main, report_meta(r), charset=charset_meta)
        return text.encode(r.encoding, errors="xmlcharrefreplace")

    return Page(render, f"text/html; charset={r.encoding}",
                lambda e: modified_at(r, e if varies else 0), varies=varies)


def newest_first(reports: list[TruthReport]) -> list[TruthReport]:
    return sorted(reports, key=lambda r: (r.published, r.article_id), reverse=True)


def list_item(r: TruthReport, href: str) -> str:
    t = esc(r.data["title"])
    return f'<li><a href="{esc(href)}" target="_blank" title="{t}">{t}</a><span class="date">{r.published:%Y-%m-%d}</span></li>'


def latest(reports: list[TruthReport]) -> datetime:
    return max((r.published for r in reports), default=SITE_EPOCH)


def sites_of(truth: Truth, platform: str) -> list[SiteSpec]:
    return [s for s in truth.sites.values() if s.platform == platform]


def contradicting_meta(ctx, r: TruthReport) -> str | None:
    """For the charset quirk reports: a <meta charset> that contradicts the HTTP header."""
    flip = set(ctx.quirk("charset_header_gbk_meta_utf8")) | set(ctx.quirk("charset_header_utf8_meta_gbk"))
    if r.key not in flip:
        return None
    return "utf-8" if r.encoding != "utf-8" else "gbk"
