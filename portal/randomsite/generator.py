"""A random government portal, from a seed: the site nobody configured.

Why: the sample portal was written together with the crawler, so it cannot show whether discovery
generalises. A generated site varies in everything a real portal varies in — navigation depth
(1–4 clicks from the home page to the report lists), menu and column names drawn from real
variants, URL schemes (``.jsp?id=``, ``.aspx``, ``/art/…``, ``/content/post_``, hex and
snowflake ids), list markup (ul/li, table rows, div cards, records in script data, a list fetched
by a POST as JSON), paging (下一页/尾页/numbers, ``?page=``, ``pageNo=``, ``index_N``, counts
written by JavaScript), report forms (HTML body, attachment-only detail pages linked, by onclick,
iframe or pdf.js ``?file=``, a file linked straight from the list, a flip-book
``files/basic-html/pageN.html``, a report split over pages), encodings (UTF-8, GBK, a ``<meta>``
that contradicts the header), noise with report-like titles, duplicates and traps.

``generate(seed, port)`` is deterministic: the same seed gives the same site byte for byte (the
port only appears in links to *other* hosts). ``GeneratedSite.reports`` is the truth: every
report with its canonical values (``portal.synth.random_report``), rendered by the project's own
renderers so that the extractor can read them back.
"""
from __future__ import annotations

import hashlib
import html
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from portal.randomsite import names as N
from portal.render import render_html_body
from portal.synth import random_report

HTML = "text/html"
FORMS = ("html", "attach-link", "attach-onclick", "iframe", "pdfjs", "direct", "flipbook", "split")
SCHEMES = ("jsp", "aspx", "art", "post", "hex", "snowflake")
MARKUPS = ("ul", "table", "cards", "script", "post-json")
PAGINGS = ("links", "next-only", "js-count")


def esc(s: str) -> str:
    return html.escape(s, quote=True)


@dataclass
class Resource:
    """One served URL. ``body`` is bytes or a function rendering them on first request."""

    body: bytes | Callable[[], bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def bytes(self) -> bytes:
        if callable(self.body):
            self.body = self.body()
        return self.body


@dataclass
class TruthReport:
    """A report the site publishes: canonical values, how it is served and every path of it."""

    agency: str
    year: int
    data: dict
    form: str
    title: str  # the title in the list (the document carries the standard one)
    entry: str  # the path a list links
    paths: list[str] = field(default_factory=list)  # every path serving (part of) it
    published: str = ""


@dataclass
class GeneratedSite:
    seed: int
    port: int
    features: dict
    home: str
    pages: dict[str, Resource]
    reports: list[TruthReport]
    disallow: list[str]
    posts: dict[str, Callable[[dict[str, str]], Resource]] = field(default_factory=dict)
    dynamic: dict[str, Callable[[dict[str, str]], Resource | None]] = field(default_factory=dict)
    noise_paths: set[str] = field(default_factory=set)

    @property
    def robots(self) -> bytes:
        return ("User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in self.disallow)).encode()

    def truth(self) -> list[dict]:
        return [{"agency": r.agency, "year": r.year, "form": r.form, "title": r.title, "entry": r.entry,
                 "paths": r.paths} for r in self.reports]


# ============================================================================== URL schemes
class Scheme:
    """How a site names list pages, detail pages and files."""

    def __init__(self, kind: str, rng: random.Random):
        self.kind = kind
        self.rng = rng
        self._ids: set[str] = set()

    def _uniq(self, make: Callable[[], str]) -> str:
        while True:
            v = make()
            if v not in self._ids:
                self._ids.add(v)
                return v

    def column(self, slug: str, cid: int) -> str:
        """The folder or base of a column's list pages."""
        if self.kind == "art":
            return f"/col/col{cid}/"
        return f"/{slug}/"

    def list_page(self, base: str, cid: int, n: int) -> str:
        """Page ``n`` (1-based) of a list."""
        k = self.kind
        if k == "jsp":
            return f"{base}list.jsp?channelId={cid}" + (f"&page={n}" if n > 1 else "")
        if k == "aspx":
            return f"{base}Index.aspx?cid={cid}" + (f"&pageNo={n}" if n > 1 else "")
        if k == "hex":
            return f"{base}index.shtml" if n == 1 else f"{base}index_{n - 1}.shtml"
        if k == "snowflake":
            return f"{base}list.html" + (f"?page={n}" if n > 1 else "")
        return f"{base}index.html" if n == 1 else f"{base}index_{n}.html"

    def detail(self, base: str, cid: int, day: date) -> str:
        r = self.rng
        k = self.kind
        if k == "jsp":
            return self._uniq(lambda: f"{base}content.jsp?id={r.randint(10000, 999999)}")
        if k == "aspx":
            return self._uniq(lambda: f"{base}Show.aspx?id={r.randint(1000, 99999)}")
        if k == "art":
            return self._uniq(lambda: f"/art/{day.year}/{day.month}/{day.day}/art_{cid}_{r.randint(100000, 9999999)}.html")
        if k == "post":
            return self._uniq(lambda: f"{base}content/post_{r.randint(1000000, 9999999)}.html")
        if k == "hex":
            return self._uniq(lambda: f"{base}{day:%Y%m}/{r.getrandbits(128):032x}.shtml")
        return self._uniq(lambda: f"{base}{r.randint(10**18, 2 * 10**18)}.html")

    def file(self, day: date, ext: str) -> str:
        r = self.rng
        if self.kind in ("hex", "snowflake"):
            return self._uniq(lambda: f"/uploadfiles/{day:%Y%m}/{r.getrandbits(64):016x}.{ext}")
        if self.kind == "post":
            return self._uniq(lambda: f"/attachment/0/{r.randint(100, 999)}/{r.randint(100000, 999999)}.{ext}")
        return self._uniq(lambda: f"/upload/{day:%Y%m%d}/W0{day:%Y%m%d}{r.randint(100000, 999999)}.{ext}")


# ============================================================================== generation
class _Builder:
    def __init__(self, seed: int, port: int):
        self.seed = seed
        self.port = port
        self.rng = rng = random.Random(seed)
        self.region = rng.choice(N.REGION_HEADS) + rng.choice(N.REGION_HEADS) + rng.choice(N.REGION_TAILS)
        self.encoding = "gbk" if rng.random() < 0.3 else "utf-8"
        self.scheme = Scheme(rng.choice(SCHEMES), rng)
        self.markup = rng.choice(MARKUPS)
        self.paging = rng.choice(PAGINGS)
        if self.markup == "post-json":
            self.paging = "json"
        self.forms = rng.sample(FORMS, rng.randint(2, 4))
        self.depth = rng.randint(1, 3)  # clicks from home to the report column
        self.split = rng.choice(("none", "none", "year", "unit"))  # sub-columns add a click
        self.per_page = rng.choice((10, 12, 15, 20))
        self.hub_name = rng.choice(N.HUB_NAMES)
        self.column_name = rng.choice(N.COLUMN_NAMES)
        self.hub_slug = rng.choice(N.HUB_SLUGS)
        self.column_slug = rng.choice(N.COLUMN_SLUGS)
        self.more_only = rng.random() < 0.3  # the column is linked only by "更多>>" under its heading
        self.icon_only = rng.random() < 0.3  # the home links it by an image with a title attribute
        self.sid = rng.random() < 0.4  # session ids in navigation links
        self.meta_contradicts = rng.random() < 0.4
        self.pages: dict[str, Resource] = {}
        self.posts: dict[str, Callable[[dict[str, str]], Resource]] = {}
        self.dynamic: dict[str, Callable[[dict[str, str]], Resource | None]] = {}
        self.reports: list[TruthReport] = []
        self.noise_paths: set[str] = set()
        self.cid = rng.randint(100, 900)
        self.disallow = ["/bak/", "/admin/", "/search"]
        self._plat = rng.choice(N.PLATFORM_NAMES)
        self.json_keys = (rng.choice(("pageNo", "page", "pageIndex")), rng.choice(("pageSize", "rows", "size")))
        self.json_lists: dict[str, list] = {}
        self.hub_path = f"/{self.hub_slug}/index.html"
        self.platform_path = f"/{self.hub_slug}/xxgk/index.html"
        self.home_nav = [(t.format(region=self.region), self.nav_href(f"/{s}/index.html" if s else "/index.html"))
                         for t, s in N.HOME_NAV_NOISE[:3]]
        if self.depth >= 2:
            self.home_nav.insert(2, (self.hub_name, self.nav_href(self.hub_path)))
        self.home_nav += [(t.format(region=self.region), self.nav_href(f"/{s}/index.html")) for t, s in N.HOME_NAV_NOISE[3:]]

    # ------------------------------------------------------------------ helpers
    def next_cid(self) -> int:
        self.cid += self.rng.randint(1, 40)
        return self.cid

    def nav_href(self, path: str) -> str:
        """Navigation links carry a session id on some sites (a trap for a naive crawler)."""
        if not self.sid or "?" in path or not path.endswith((".html", ".shtml", "/")):
            return path
        token = hashlib.md5(f"{self.seed}{path}{self.rng.random()}".encode()).hexdigest()[:16].upper()
        return f"{path};jsessionid={token}"

    def agencies(self) -> list[tuple[str, str]]:
        """(agency, unit kind) of the region: its government, departments and towns."""
        rng = self.rng
        gov = f"{self.region}人民政府"
        deps = rng.sample(N.DEPARTMENTS, rng.randint(6, 16))
        towns = [rng.choice(N.REGION_HEADS) + rng.choice(N.REGION_HEADS) + rng.choice(N.TOWN_SUFFIXES)
                 for _ in range(rng.randint(2, 8))]
        out = [(gov, "gov")] + [(f"{self.region}{d}", "dept") for d in deps] + [(t, "town") for t in dict.fromkeys(towns)]
        return out

    def html(self, title: str, main: str, crumbs: list[tuple[str, str]] = (), *, charset: str | None = None,
             header: str | None = None) -> Resource:
        """A whole page with the government chrome, in the site's encoding (and, on some sites,
        a header charset that contradicts the ``<meta>``)."""
        enc = charset or self.encoding
        meta_cs = enc
        head_cs = enc
        if header is not None:
            head_cs = header
        elif self.meta_contradicts and self.rng.random() < 0.3:
            head_cs = "utf-8" if enc == "gbk" else "gbk"
        nav = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in self.home_nav)
        crumb = " &gt; ".join(f'<a href="{esc(self.nav_href(p))}">{esc(t)}</a>' for t, p in [("首页", "/index.html"), *crumbs])
        text = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={meta_cs}">
<title>{esc(title)}-{esc(self.region)}人民政府</title>
<meta name="SiteName" content="{esc(self.region)}人民政府"><meta name="ColumnName" content="{esc(crumbs[-1][0] if crumbs else '首页')}">
</head><body>
<div class="topbar"><a href="/admin/login.jsp">登录</a> | <a href="/user/register.jsp">注册</a> | <a href="javascript:;">无障碍浏览</a></div>
<div class="header"><h2>{esc(self.region)}人民政府</h2>
<form action="/search/index.jsp" method="get"><input name="q" value="年报"><input type="submit" value="搜索"></form>
<a href="/search/index.jsp?q=%E5%B9%B4%E6%8A%A5">搜索“年报”</a></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="location">当前位置：{crumb}</div>
<div class="main">{main}</div>
<div class="footer"><a href="http://localhost:{self.port}/province/index.html">省人民政府</a>
<a href="http://www.example.gov.cn.invalid/">中国政府网</a> <a href="/calendar.jsp?month=2024-01">活动日历</a>
<p>网站标识码：{self.rng.randint(1000000000, 9999999999)} ICP备12345678号</p></div>
</body></html>"""
        return Resource(text.encode(enc, errors="xmlcharrefreplace"), f"{HTML}; charset={head_cs}")

    # ------------------------------------------------------------------ the site
    def build(self) -> GeneratedSite:
        rng = self.rng
        agencies = self.agencies()
        years = sorted(rng.sample(range(2019, 2025), rng.randint(3, 6)))
        pairs = [(a, k, y) for a, k in agencies for y in years]
        rng.shuffle(pairs)
        n_reports = min(len(pairs), rng.randint(30, 90))
        chosen = pairs[:n_reports]
        # the column and its sub-columns
        col_base = self.scheme.column(self.column_slug, self.cid)
        col_cid = self.next_cid()
        if self.split == "none":
            groups = [("", self.column_name, col_base, col_cid, chosen)]
        elif self.split == "year":
            groups = []
            for y in sorted(years, reverse=True):
                label = rng.choice(("{y}年", "{y}年度", "{y}年年报", "{y}年度报告")).format(y=y)
                cid = self.next_cid()
                groups.append((str(y), label, self.scheme.column(f"{self.column_slug}/{y}n", cid), cid,
                               [p for p in chosen if p[2] == y]))
        else:
            groups = []
            for label, slug in N.UNIT_SUBCOLUMNS:
                kind = {"zfnb": "gov", "bmnb": "dept", "xznb": "town"}[slug]
                cid = self.next_cid()
                groups.append((slug, label, self.scheme.column(f"{self.column_slug}/{slug}", cid), cid,
                               [p for p in chosen if p[1] == kind]))
        groups = [g for g in groups if g[4]]
        col_page = self.scheme.list_page(col_base, col_cid, 1)

        # reports of each group, with their detail pages
        sub_links = []
        dups: list[tuple[str, TruthReport]] = []
        for key, label, base, cid, members in groups:
            items = []
            for agency, _kind, year in members:
                rep = self.report(agency, year, base, cid)
                items.append((rep.title, rep.entry, rep.published))
                if rng.random() < 0.06:
                    dups.append((label, rep))
            # noise items among the reports, and a link into a robots-disallowed folder
            for _ in range(rng.randint(1, 3)):
                agency, _k, year = rng.choice(members)
                items.append(self.noise_item(rng.choice(N.COLUMN_NOISE), agency, year, base, cid))
            if rng.random() < 0.5:
                agency, _k, year = rng.choice(members)
                items.append((f"{agency}{year}年政府信息公开工作年度报告（原稿）", f"/bak/{self.column_slug}/{year}.html", f"{year + 1}-01-10"))
            if rng.random() < 0.4:  # a report of the province, on another host
                items.append((f"省人民政府{members[0][2]}年政府信息公开工作年度报告",
                              f"http://localhost:{self.port}/province/nb/{members[0][2]}.html", f"{members[0][2] + 1}-03-30"))
            items.sort(key=lambda it: it[2], reverse=True)
            first = self.list_pages(label, base, cid, items, crumbs=self.column_crumbs(col_page))
            sub_links.append((label, first))
        if self.split == "none":
            col_page = sub_links[0][1]
        else:
            lis = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in sub_links)
            self.pages[col_page] = self.html(self.column_name, f'<div class="sublist"><h3>{esc(self.column_name)}</h3><ul>{lis}</ul></div>',
                                             [(self.column_name, col_page)])
        # a second way to a few reports: "最新年报" with another URL for the same page
        dup_items = []
        for _label, rep in dups:
            alias = self.alias(rep.entry)
            src = self.pages.get(rep.entry)
            if src is None:
                continue
            self.pages[alias] = src
            rep.paths.append(alias)
            dup_items.append((rep.title, alias, rep.published))

        # the way there: home → hub → platform → column (depth 1–3)
        others = self.other_columns(years)
        col_link_text = self.column_name
        latest = sorted(self.reports, key=lambda r: r.published, reverse=True)[:5]
        latest_box = self.box(col_link_text, col_page, [(r.title, r.entry) for r in latest] + [(t, h) for t, h, _ in dup_items])
        platform_path = self.platform_path
        hub_path = self.hub_path
        hub_name = self.hub_name
        for t, s in N.HOME_NAV_NOISE[1:]:
            path = f"/{s}/index.html"
            if path not in self.pages:
                self.pages[path] = self.html(t.format(region=self.region), f"<p>{esc(t.format(region=self.region))}栏目建设中。</p>"
                                             f'<a href="/{s}/index.html?sort=time">按时间排序</a>', [(t, path)])
        if self.depth == 1:
            home_main = latest_box if not self.icon_only else \
                f'<div class="zt"><a href="{esc(col_page)}" title="{esc(col_link_text)}"><img src="/images/nb.png" alt=""></a></div>'
            home_main += self.box("新闻动态", "/xwzx/index.html", [(f"{self.region}召开全县经济工作会议", "/xwzx/index.html")])
        else:
            if self.depth == 2:
                hub_boxes = [latest_box] + [self.box(n, p, its) for n, p, its in others[:5]]
            else:
                plat_boxes = [latest_box] + [self.box(n, p, its) for n, p, its in others[5:]]
                self.pages[platform_path] = self.html(self.platform_title, self.sidebar(
                    [(n, p) for n, p, _ in others[5:]] + [(col_link_text, col_page)]) + "".join(plat_boxes),
                    [(hub_name, hub_path), (self.platform_title, platform_path)])
                hub_boxes = [self.box(n, p, its) for n, p, its in others[:5]] + [
                    self.box(self.platform_title, platform_path, [(f"{self.region}人民政府信息公开目录", platform_path)])]
            side = [(n, p) for n, p, _ in others[:5]]
            side.append((col_link_text, col_page) if self.depth == 2 else (self.platform_title, platform_path))
            self.pages[hub_path] = self.html(hub_name, self.sidebar(side) + "".join(hub_boxes), [(hub_name, hub_path)])
            home_main = self.box("新闻动态", "/xwzx/index.html", [(f"{self.region}召开全县经济工作会议", "/xwzx/index.html")])
            home_main += self.box("通知公告", others[0][1], others[0][2])
        home_main += '<div class="links"><a href="/link/go.jsp?to=old">年报（旧版）</a></div>'
        self.pages["/index.html"] = self.html(f"{self.region}人民政府门户网站", home_main)
        self.pages["/link/go.jsp?to=old"] = Resource(b"", status=302, headers={"Location": "http://10.20.30.40/zwgk/nb/index.html"})
        self.pages["/robots.txt"] = Resource(b"", "text/plain")
        self.dynamic["/calendar.jsp"] = self.calendar
        features = {"scheme": self.scheme.kind, "markup": self.markup, "paging": self.paging, "forms": self.forms,
                    "depth": self.depth + (self.split != "none"), "split": self.split, "encoding": self.encoding,
                    "hub": hub_name, "column": self.column_name, "more_only": self.more_only,
                    "icon_only": self.icon_only and self.depth == 1, "session_ids": self.sid,
                    "reports": len(self.reports)}
        site = GeneratedSite(self.seed, self.port, features, "/index.html", self.pages, self.reports, self.disallow,
                             self.posts, self.dynamic, self.noise_paths)
        self.pages["/robots.txt"] = Resource(site.robots, "text/plain")
        return site

    @property
    def platform_title(self) -> str:
        return self._plat

    def column_crumbs(self, col_page: str) -> list[tuple[str, str]]:
        crumbs = []
        if self.depth >= 2:
            crumbs.append((self.hub_name, self.hub_path))
        if self.depth >= 3:
            crumbs.append((self._plat, self.platform_path))
        return crumbs + [(self.column_name, col_page)]

    def alias(self, path: str) -> str:
        if "?" in path:
            return path + "&from=zxnb"
        stem, dot, ext = path.rpartition(".")
        return f"/zxnb{stem}.{ext}"

    def box(self, heading: str, more: str, items: list[tuple[str, str]]) -> str:
        """A box of a hub page: a heading (a link, or plain text with only "更多>>" linking)."""
        lis = "".join(f'<li><a href="{esc(h)}" title="{esc(t)}">{esc(t if len(t) <= 24 else t[:22] + "…")}</a></li>'
                      for t, h in items)
        if self.more_only:
            head = f'<div class="box-hd"><span>{esc(heading)}</span><a class="more" href="{esc(self.nav_href(more))}">更多&gt;&gt;</a></div>'
        else:
            head = f'<div class="box-hd"><a href="{esc(self.nav_href(more))}">{esc(heading)}</a></div>'
        return f'<div class="box">{head}<ul>{lis}</ul></div>'

    def sidebar(self, links: list[tuple[str, str]]) -> str:
        lis = "".join(f'<li><a href="{esc(self.nav_href(h))}">{esc(t)}</a></li>' for t, h in links)
        return f'<div class="left-menu"><ul>{lis}</ul></div>'

    def other_columns(self, years: list[int]) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """Columns beside the report column, each one list page of ordinary articles (some
        with report-like titles)."""
        out = []
        for name, slug, titles in N.OTHER_COLUMNS:
            cid = self.next_cid()
            base = self.scheme.column(f"{self.hub_slug}/{slug}", cid)
            items = []
            for t in titles:
                y = self.rng.choice(years)
                title = t.format(region=self.region, year=y)
                path = self.scheme.detail(base, cid, date(y + 1, 2, 1))
                self.pages[path] = self.html(title, f"<h1>{esc(title)}</h1><p>{esc(title)}全文（略）。</p>", [(name, base)])
                self.noise_paths.add(path)
                items.append((title, path, f"{y + 1}-02-01"))
            first = self.list_pages(name, base, cid, items, crumbs=[(name, base)], plain=True)
            out.append((name, first, [(t, p) for t, p, _ in items[:4]]))
        return out

    # ------------------------------------------------------------------ reports
    def report(self, agency: str, year: int, base: str, cid: int) -> TruthReport:
        rng = self.rng
        data = random_report(rng, agency, year, scale=rng.choice((5, 30, 300)))
        data["title"] = f"{agency}{year}年政府信息公开工作年度报告"
        form = rng.choice(self.forms)
        title = rng.choice(N.TITLE_FORMS[:-1]) if rng.random() > 0.05 else N.CONTENT_ONLY_FORM
        title = title.format(agency=agency, year=year)
        day = date(year + 1, 1, 5) + timedelta(days=rng.randint(0, 80))
        rep = TruthReport(agency, year, data, form, title, "", published=day.isoformat())
        detail = self.scheme.detail(base, cid, day)
        grid = (f'<table class="xxgk"><tr><td>索引号：</td><td>{rng.randint(10**8, 10**9)}/{year + 1}-{rng.randint(1, 999):05d}</td>'
                f'<td>发布机构：</td><td>{esc(agency)}</td></tr><tr><td>发布日期：</td><td>{day.isoformat()}</td>'
                f'<td>分类：</td><td>{esc(self.column_name)}</td></tr></table>')
        crumbs = [(self.column_name, base)]
        if form == "html":
            body = render_html_body(data)
            self.pages[detail] = self.detail_page(data["title"], grid + f'<div class="article">{body}</div>', crumbs)
            rep.entry = detail
            rep.paths = [detail]
        elif form in ("attach-link", "attach-onclick", "iframe", "pdfjs", "direct"):
            ext = rng.choice(("pdf", "pdf", "docx"))
            if form in ("iframe", "pdfjs"):
                ext = "pdf"
            fpath = self.scheme.file(day, ext)
            self.pages[fpath] = Resource(_renderer(data, ext), _CTYPES[ext])
            name = f"{data['title']}.{ext}"
            note = f'<p>根据《中华人民共和国政府信息公开条例》规定，现公布{esc(data["title"])}，全文详见附件。</p>'
            if form == "attach-link":
                link = f'<p>附件：<a href="{esc(fpath)}">{esc(name)}</a></p>'
            elif form == "attach-onclick":
                link = f'<p>附件：<a href="javascript:void(0);" onclick="window.open(\'{esc(fpath)}\')">{esc(name)}</a></p>'
            elif form == "iframe":
                link = f'<iframe src="{esc(fpath)}" width="100%" height="800"></iframe>'
            else:
                link = f'<iframe src="/pdfjs/web/viewer.html?file={esc(fpath)}" width="100%" height="800"></iframe>'
            if form == "direct":
                rep.entry = fpath
                rep.paths = [fpath]
            else:
                self.pages[detail] = self.detail_page(data["title"], grid + note + link, crumbs)
                rep.entry = detail
                rep.paths = [detail, fpath]
        else:
            parts = _split_body(render_html_body(data), rng.randint(2, 4))
            if form == "flipbook":
                book = f"/ebook/{rng.getrandbits(40):010x}/"
                index = book + "index.html"
                self.pages[index] = Resource(
                    (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(data["title"])}</title></head><body>'
                     f'<div id="flipbook"></div><script src="javascript/flipbook.js"></script>'
                     f'<noscript><a href="files/basic-html/page1.html">文本版</a></noscript></body></html>').encode())
                rep.paths = [index]
                for i, part in enumerate(parts, 1):
                    nav = (f'<a href="page{i - 1}.html">上一页</a> ' if i > 1 else "") + \
                          (f'<a href="page{i + 1}.html">下一页</a>' if i < len(parts) else "")
                    p = f"{book}files/basic-html/page{i}.html"
                    self.pages[p] = Resource(
                        (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{i}页</title></head><body>'
                         f'<div class="page-content">{part}</div><div class="pager">{nav}</div></body></html>').encode())
                    rep.paths.append(p)
                rep.entry = index
            else:
                urls = [detail] + [_part_url(detail, i) for i in range(2, len(parts) + 1)]
                rep.paths = urls
                for i, (part, u) in enumerate(zip(parts, urls), 1):
                    pager = f"<span>共{len(parts)}页</span> " + " ".join(
                        f'<a href="{esc(v)}">{k}</a>' for k, v in enumerate(urls, 1) if k != i)
                    if i < len(parts):
                        pager += f' <a href="{esc(urls[i])}">下一页</a>'
                    self.pages[u] = self.detail_page(data["title"], (grid if i == 1 else "")
                                                     + f'<div class="article">{part}</div><div class="page-turn">{pager}</div>', crumbs)
                rep.entry = detail
        self.reports.append(rep)
        return rep

    def detail_page(self, title: str, main: str, crumbs) -> Resource:
        return self.html(title, f'<div class="detail"><h1>{esc(title)}</h1>{main}'
                                f'<div class="share"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></div></div>',
                         crumbs)

    def noise_item(self, pattern: str, agency: str, year: int, base: str, cid: int) -> tuple[str, str, str]:
        title = pattern.format(agency=agency, year=year)
        path = self.scheme.detail(base, cid, date(year + 1, 3, 1))
        body = f'<h1>{esc(title)}</h1><p>{esc(title)}。</p><p><img src="/images/tujie.png" alt="{esc(title)}"></p>'
        self.pages[path] = self.detail_page(title, body, [(self.column_name, base)])
        self.noise_paths.add(path)
        return title, path, f"{year + 1}-03-01"

    # ------------------------------------------------------------------ lists
    def list_pages(self, label: str, base: str, cid: int, items: list[tuple[str, str, str]], crumbs, plain: bool = False) -> str:
        """Serve a list of (title, href, date) in the site's markup and paging; the first page's path."""
        per = self.per_page
        chunks = [items[i:i + per] for i in range(0, len(items), per)] or [[]]
        n = len(chunks)
        markup = "ul" if plain else self.markup
        paths = [self.scheme.list_page(base, cid, i) for i in range(1, n + 1)]
        if markup == "post-json":
            api = "/api/list.do" if self.scheme.kind in ("jsp", "aspx") else "/interface/getInfoList"
            self.posts.setdefault(api, self.json_list)
            self.json_lists[str(cid)] = chunks
            page_key, size_key = self.json_keys
            main = (f'<h3>{esc(label)}</h3><div id="infoList"></div><div id="pager"></div>'
                    f'<script>$(function(){{$.post("{api}", {{channelId: "{cid}", {page_key}: 1, {size_key}: {per}}},'
                    f' function(res){{ renderList(res); }}, "json");}});</script>')
            self.pages[paths[0]] = self.html(label, main, crumbs)
            return paths[0]
        for i, chunk in enumerate(chunks, 1):
            body = f"<h3>{esc(label)}</h3>" + self.render_items(chunk, markup) + ("" if plain else self.pager(paths, i))
            if not plain and self.rng.random() < 0.5:
                body += f'<a href="{esc(paths[i - 1])}{"&" if "?" in paths[i - 1] else "?"}sort=time">按时间排序</a>'
            self.pages[paths[i - 1]] = self.html(label, body, crumbs)
        return paths[0]

    def render_items(self, items: list[tuple[str, str, str]], markup: str) -> str:
        def short(t: str) -> str:
            return t if len(t) <= 28 else t[:26] + "…"
        if markup == "table":
            rows = "".join(f'<tr><td class="bt"><a href="{esc(h)}" title="{esc(t)}" target="_blank">{esc(short(t))}</a></td>'
                           f'<td class="rq">{d}</td></tr>' for t, h, d in items)
            return f'<table class="list-table"><tr><th>标题</th><th>发布日期</th></tr>{rows}</table>'
        if markup == "cards":
            return "".join(f'<div class="card"><h4><a href="{esc(h)}">{esc(t)}</a></h4><p class="summary">{esc(t)}。</p>'
                           f'<span class="date">{d}</span></div>' for t, h, d in items)
        if markup == "script":
            recs = json.dumps([{"title": t, "url": h, "pubDate": d} for t, h, d in items], ensure_ascii=False)
            return (f'<ul id="list"></ul><script type="text/javascript">var listData = {recs};\n'
                    'for (var i = 0; i < listData.length; i++) { document.write("<li><a href=\\"" + listData[i].url + '
                    '"\\">" + listData[i].title + "</a></li>"); }</script>')
        return '<ul class="list">' + "".join(f'<li><a href="{esc(h)}" title="{esc(t)}">{esc(short(t))}</a><span>{d}</span></li>'
                                             for t, h, d in items) + "</ul>"

    def pager(self, paths: list[str], i: int) -> str:
        n = len(paths)
        if n == 1:
            return '<div class="page">共1页</div>'
        if self.paging == "js-count":
            if self.scheme.kind in ("hex",):
                return (f'<div class="page"><script>var countPage = {n}; createPageHTML({n}, {i - 1}, "index", "shtml");'
                        '</script></div>')
            first = paths[0]
            if "?" in paths[1]:  # page 2 on: the first page's URL with a page parameter
                tmpl = f'"{paths[1].rsplit("=", 1)[0]}=" + p'
            else:
                stem = paths[1].rsplit("_", 1)[0] + "_"
                ext = paths[1].rsplit(".", 1)[1]
                tmpl = f'"{stem}" + p + ".{ext}"'
            return (f'<div class="page" id="pager"></div><script>var totalPage = {n}; var currentPage = {i};\n'
                    f'function goPage(p) {{ location.href = p == 1 ? "{first}" : {tmpl}; }}\n'
                    'for (var p = 1; p <= totalPage; p++) { document.write("<span onclick=goPage(" + p + ")>" + p + "</span>"); }'
                    '</script>')
        parts = []
        if self.paging == "links":
            parts.append(f'<a href="{esc(paths[0])}">首页</a>')
            if i > 1:
                parts.append(f'<a href="{esc(paths[i - 2])}">上一页</a>')
            parts += [f'<a href="{esc(p)}">{k}</a>' if k != i else f"<b>{k}</b>" for k, p in enumerate(paths, 1)]
            if i < n:
                parts.append(f'<a href="{esc(paths[i])}">下一页</a>')
            parts.append(f'<a href="{esc(paths[-1])}">尾页</a>')
        else:
            if i < n:
                parts.append(f'<a href="{esc(paths[i])}">下一页</a>')
            parts.append(f"<span>第{i}页/共{n}页</span>")
        return '<div class="page">' + " ".join(parts) + "</div>"

    # ------------------------------------------------------------------ dynamic pages
    def json_list(self, form: dict[str, str]) -> Resource:
        chunks = self.json_lists.get(form.get("channelId", ""), None)
        page_key, _ = self.json_keys
        if chunks is None:
            return Resource(b'{"code":404,"data":[]}', "application/json; charset=utf-8")
        try:
            i = int(form.get(page_key) or 1)
        except ValueError:
            i = 1
        chunk = chunks[i - 1] if 1 <= i <= len(chunks) else []
        total = sum(len(c) for c in chunks)
        out = {"code": 200, "total": total, "totalPage": len(chunks), "pageNo": i,
               "data": [{"title": t, "url": h, "publishDate": d} for t, h, d in chunk]}
        return Resource(json.dumps(out, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def calendar(self, q: dict[str, str]) -> Resource:
        """An endless calendar: every month links the next one."""
        y, _, m = (q.get("month") or "2024-01").partition("-")
        try:
            y, m = int(y), int(m)
        except ValueError:
            return Resource(b"bad month", status=400)
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        return Resource((f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{y}年{m}月活动</title></head><body>'
                         f'<a href="/calendar.jsp?month={ny}-{nm:02d}">下一月</a> <a href="/calendar.jsp?month={y}-{m:02d}&view=week">周视图</a>'
                         '</body></html>').encode())


def _split_body(body: str, n: int) -> list[str]:
    """The report body cut at section boundaries into ``n`` parts (tables stay whole)."""
    marks = [i for i in range(len(body)) if body.startswith('<p style="text-indent:2em"><strong>', i)]
    if len(marks) < n:
        return [body]
    cuts = [marks[round(k * len(marks) / n)] for k in range(1, n)]
    cuts = sorted(set(c for c in cuts if c > 0))
    out, prev = [], 0
    for c in cuts:
        out.append(body[prev:c])
        prev = c
    out.append(body[prev:])
    return out


def _part_url(detail: str, i: int) -> str:
    if "?" in detail:
        return f"{detail}&pn={i}"
    stem, _, ext = detail.rpartition(".")
    return f"{stem}_{i}.{ext}"


_CTYPES = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _renderer(data: dict, ext: str) -> Callable[[], bytes]:
    def render() -> bytes:
        from portal.formats import attachment_bytes

        return attachment_bytes(data, ext)
    return render


def generate(seed: int, port: int = 0) -> GeneratedSite:
    """The site of ``seed``. ``port`` is the server's (links to other hosts name it)."""
    return _Builder(seed, port).build()
