"""The annual-report spider: one class, configured by a site entry, specialised by small
platform mixins (``trs``, ``hanweb``, ``gdplatform``) only where a CMS needs code.

How a crawl goes
----------------
``start()`` requests the site's ``start_urls`` as **list pages**. On a list page every link is
classified:

* a **report link** — its title names a year and 年度报告/年报 (see ``crawler.recognize``), or its
  URL matches ``detail_patterns`` — is requested as a **detail page**, or directly as an
  **attachment** when it points at a file (pdf, doc, docx, wps, xls, xlsx);
* a **list link** — a 年报 column (政府信息公开年报, 部门年报 …), a per-year sub-column below a start
  URL, or a URL matching ``list_patterns`` — is followed as another list page;
* **pagination** (下一页/尾页/page numbers in the same folder; the platform's own paging) is
  followed as list pages of the same column;
* anything else is ignored, and nothing outside ``allowed_domains`` is ever requested.

A detail page yields its own record and requests its **attachments** (``<a>``, ``<iframe>``,
``<embed>``, ``<object>``, ``onclick`` and pdf.js ``viewer.html?file=…`` links). Every response —
and every failure — becomes one ``crawler.items.Fetch``, stored by ``crawler.pipelines``.

Declarative attributes (override in a platform mixin; a site adds to them with ``hints``)
-------------------------------------------------------------------------------------
``platform``            the CMS family this class crawls; ``name`` is the Scrapy spider name.
``detail_patterns``     URL regexes of the CMS's article pages: never followed as lists; a link
                        there is a report when its title says so. The site hint
                        ``hints.detail_patterns`` is stronger: a link matching it is a report
                        whatever its title says.
``list_patterns``       URL regexes of list pages to follow. With a site hint
                        ``hints.list_patterns`` the heuristics for column links are switched off
                        and only these (plus pagination) are followed.
``attachment_patterns`` URL regexes of attachment files without a telling extension.
``skip_patterns``       URL regexes never to request (site hint ``hints.skip_patterns``).
``max_list_depth``      how many list pages deep to go from a start URL (hint ``max_depth``).
``follow_reports_on_detail``  also follow report links found on detail pages ("相关年报").

What each record carries in ``meta``
-----------------------------------
``title`` (link title, else the page's ArticleTitle/h1/title), ``agency`` (from the title,
else 发布机构, else the site's ``default_agency``), ``year`` (from the title), ``published``
(``<meta name="PubDate">``, else 发布时间/发布日期 text, else the date next to the link on the list
page, else the date in the URL), ``index_no`` (索引号), ``publisher`` (发布机构), ``region``,
``region_code``, ``province``, ``level``, ``list_title``, the list page it came from
(``Document.list_url``) and, for attachments, the detail page (``Document.parent_url``).

Nothing is kept on the spider between callbacks: what a callback needs travels in
``request.meta["nb"]`` or comes from the site configuration, so a shared frontier can hand any
request to any worker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from parsel import Selector
from w3lib.html import get_base_url
from w3lib.url import safe_url_string

from crawler import recognize as R
from crawler.items import Fetch
from crawler.sites import SiteConfig, find_site

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


@dataclass
class Link:
    url: str
    title: str
    date: str | None = None  # a date shown next to the link (list pages)
    tag: str = "a"


@dataclass
class Page:
    """A response decoded by detection (``extract.decode``), never by the declared charset."""

    url: str
    text: str
    encoding: str | None
    sel: Selector
    base: str
    links: list | None = None  # the page's <a> links, once computed

    def join(self, href: str) -> str | None:
        return join_url(self.base, href)


@lru_cache(maxsize=8192)
def join_url(base: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base``, fragment dropped, or None when it is not a web
    link. Memoised (a pure function): every page of a site repeats the same navigation links."""
    href = (href or "").strip().replace("\\", "/")
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    # drop fragments: the same page twice is one document
    return safe_url_string(urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, "")))


def decode_page(url: str, body: bytes, fallback: str | None = None) -> Page:
    from extract.decode import DecodeError, decode

    try:
        text, enc = decode(body)
    except (DecodeError, ValueError, LookupError):  # e.g. a UTF-8 BOM followed by an invalid byte
        text, enc = (fallback or body.decode("utf-8", "replace")), None
    sel = Selector(text=text or "<html></html>", type="html")
    try:
        base = get_base_url(text[:20000], url)
    except ValueError:  # a <base href> that is not a URL ("http://[::1"): links are relative to the page
        base = url
    return Page(url=url, text=text, encoding=enc, sel=sel, base=base)


class ReportSpider(scrapy.Spider):
    name = "base"  # the platform classes carry the names sites use
    platform = "generic"
    detail_patterns: tuple[str, ...] = ()
    list_patterns: tuple[str, ...] = ()
    attachment_patterns: tuple[str, ...] = ()
    skip_patterns: tuple[str, ...] = (r"/(?:login|search|member|user|so|jsearch)\b", r"\.(?:jpg|jpeg|png|gif|bmp|css|js|ico|mp4|mp3|flv|swf)$")
    max_list_depth = 8
    follow_reports_on_detail = True

    def __init__(self, site: str | None = None, sites: str | None = None, portal: str | None = None,
                 config: SiteConfig | dict | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if isinstance(config, dict):
            config = SiteConfig.from_dict(config, portal=portal)
        if config is None:
            if not site:
                raise ValueError("a site is needed: -a site=NAME (config/sites/*.yaml)")
            config = find_site(site, sites, portal)
        self.site_config: SiteConfig = config
        self.name_of_site = config.name
        self.allowed_domains = list(config.allowed_domains)
        self.start_urls = list(config.start_urls)
        hints = config.hints or {}
        self._detail_rx = [re.compile(p) for p in (*self.detail_patterns, *hints.get("detail_patterns", []))]
        self._report_rx = [re.compile(p) for p in hints.get("detail_patterns", [])]
        self._strict_lists = bool(hints.get("list_patterns"))
        self._list_rx = [re.compile(p) for p in (*self.list_patterns, *hints.get("list_patterns", []))]
        self._att_rx = [re.compile(p) for p in (*self.attachment_patterns, *hints.get("attachment_patterns", []))]
        self._skip_rx = [re.compile(p, re.I) for p in (*self.skip_patterns, *hints.get("skip_patterns", []))]
        self.max_depth = int(hints.get("max_depth", self.max_list_depth))
        self._start_dirs = [u.rsplit("/", 1)[0] + "/" for u in self.start_urls]
        self._allowed_rx = re.compile(r"^(.*\.)?(%s)$" % "|".join(re.escape(d) for d in self.allowed_domains)) \
            if self.allowed_domains else None

    # ============================================================== requests
    async def start(self):
        for url in self.start_urls:
            yield self.list_request(url, {"depth": 0, "start": True})

    def list_request(self, url: str, nb: dict, **kw) -> scrapy.Request:
        nb = {**nb, "kind": "list"}
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error, meta={"nb": nb},
                              priority=10 - min(nb.get("depth", 0), 9), **kw)

    def detail_request(self, link: Link, nb: dict) -> scrapy.Request:
        return scrapy.Request(link.url, callback=self.parse_detail, errback=self.on_error,
                              meta={"nb": {**nb, "kind": "detail"}}, priority=20)

    def attachment_request(self, url: str, nb: dict) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_attachment, errback=self.on_error,
                              meta={"nb": {**nb, "kind": "attachment"}}, priority=30)

    def allowed(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if self._allowed_rx is not None and not self._allowed_rx.search(host):
            return False
        return not any(rx.search(url) for rx in self._skip_rx)

    # ============================================================== decoding
    def page(self, response) -> Page:
        return decode_page(response.url, response.body)

    # ============================================================== links
    _ONCLICK = re.compile(r"""(?:window\.open|location(?:\.href)?\s*=|openFile|download\w*)\s*\(?\s*['"]([^'"]+)['"]""")
    _DATE_HOLDERS = frozenset(("li", "tr", "dd", "p", "div"))

    def links(self, page: Page, sel: Selector | None = None, dates: bool = True) -> list[Link]:
        """Every ``<a>`` of the page (or of ``sel``): absolute URL, title, and (``dates``) the date
        shown beside it. Walks lxml elements directly: parsel selectors per link cost more than
        the rest of a page's parse."""
        root = (sel or page.sel).root
        if sel is None and dates and page.links is not None:
            return page.links
        out: list[Link] = []
        for a in root.iter("a"):
            href = a.get("href") or ""
            onclick = a.get("onclick") or ""
            if not href and not onclick:
                continue
            if not href or href.strip().lower().startswith("javascript"):
                m = self._ONCLICK.search(onclick + " " + href)
                href = m.group(1) if m else ""
            url = page.join(href)
            if not url:
                continue
            text = R.clean(a.text_content())
            title = R.clean(a.get("title") or "")
            # a list truncates long titles ("…"): the title attribute carries the whole one
            best = title if title and (len(title) >= len(text) or "…" in text or "..." in text) else text or title
            out.append(Link(url=url, title=best, date=self._date_beside(a, text) if dates else None, tag="a"))
        if sel is None and dates:
            page.links = out
        return out

    @classmethod
    def _date_beside(cls, a, own: str) -> str | None:
        for anc in a.iterancestors():
            if not isinstance(anc.tag, str) or anc.tag not in cls._DATE_HOLDERS:
                continue
            text = R.clean(anc.text_content())
            if len(text) > 400:
                return None  # a whole list, not one item
            if own:
                text = text.replace(own, " ")
            return R.first_date(text)
        return None

    def is_detail_url(self, url: str) -> bool:
        return any(rx.search(url) for rx in self._detail_rx)

    def is_attachment_url(self, url: str) -> bool:
        return R.attachment_url(url) or any(rx.search(url) for rx in self._att_rx)

    def is_report_link(self, link: Link, in_column: bool) -> bool:
        if any(rx.search(link.url) for rx in self._report_rx):
            return True
        return R.is_report_title(link.title, in_column=in_column)

    def under_start(self, url: str) -> bool:
        return any(url.startswith(d) for d in self._start_dirs)

    def is_list_link(self, link: Link, page: Page) -> bool:
        url = link.url
        if self.is_attachment_url(url) or self.is_detail_url(url):
            return False
        if any(rx.search(url) for rx in self._list_rx):
            return True
        if self._strict_lists or R.DETAIL_LIKE.search(urlsplit(url).path):
            return False
        if R.is_column_title(link.title):
            return True
        path = urlsplit(url).path
        return self.under_start(url) and (R.is_year_column_title(link.title) or bool(R.COLUMN_SLUG.search(path)))

    def pagination(self, page: Page, nb: dict) -> Iterator[str]:
        """Pagination links of a list page: 下一页/尾页/numbers pointing to the same folder."""
        for link in self.links(page):
            text = link.title.replace(" ", "")
            if R.PAGINATION_TEXT.match(text) and R.same_directory(link.url, page.url):
                if not self.is_detail_url(link.url) and not self.is_attachment_url(link.url):
                    yield link.url

    def list_links(self, page: Page) -> list[Link]:
        """The links of a list page that may lead to reports (platforms add embedded records)."""
        return self.links(page)

    def extra_list_requests(self, page: Page, nb: dict, response) -> Iterable[scrapy.Request]:
        """Platform paging that is not a link (Hanweb POST paging)."""
        return ()

    # ============================================================== callbacks
    def parse_list(self, response):
        nb = response.meta.get("nb") or {"depth": 0}
        page = self.page(response)
        yield self.fetch(response, page, "list", {"depth": nb.get("depth", 0),
                                                 **({"list_title": nb["title"]} if nb.get("title") else {})})
        yield from self.follow_list(page, nb, response)

    def follow_list(self, page: Page, nb: dict, response=None):
        depth = nb.get("depth", 0)
        list_url = page.url
        seen: set[str] = set()
        for link in self.list_links(page):
            if link.url in seen or link.url == page.url or not self.allowed(link.url):
                continue
            if self.is_report_link(link, in_column=True):
                seen.add(link.url)
                child = self.link_context(link, list_url)
                if self.is_attachment_url(link.url):
                    yield self.attachment_request(link.url, child)
                else:
                    yield self.detail_request(link, child)
            elif depth < self.max_depth and self.is_list_link(link, page):
                seen.add(link.url)
                yield self.list_request(link.url, {"depth": depth + 1, "title": link.title, "list_url": list_url})
        if depth < self.max_depth:
            for url in self.pagination(page, nb):
                if url not in seen and url != page.url and self.allowed(url):
                    seen.add(url)
                    yield self.list_request(url, {"depth": depth, "list_url": list_url, "title": nb.get("title")})
            yield from self.extra_list_requests(page, nb, response)

    def link_context(self, link: Link, list_url: str, parent_url: str | None = None) -> dict:
        ctx = {"title": link.title, "list_url": list_url, "year": R.year_of(link.title),
               "agency": R.agency_of(link.title), "list_date": link.date}
        if parent_url:
            ctx["parent_url"] = parent_url
        return {k: v for k, v in ctx.items() if v is not None}

    def parse_detail(self, response):
        nb = response.meta.get("nb") or {}
        page = self.page(response)
        info = self.detail_info(page, nb)
        yield self.fetch(response, page, "detail", info, is_report=True)
        inherited = {k: info[k] for k in ("agency", "year", "published", "title") if info.get(k) is not None}
        inherited.update({"list_url": nb.get("list_url"), "parent_url": page.url, "parent_title": info.get("title")})
        seen: set[str] = set()
        plain_links = self.links(page, dates=False)
        for link in self.attachments(page, plain_links):
            if link.url in seen or not self.allowed(link.url):
                continue
            seen.add(link.url)
            child = dict(inherited)
            if link.title and R.is_report_title(link.title, in_column=True):
                # an attachment named as a report of its own (a page linking several reports)
                child.update({k: v for k, v in {"title": link.title, "year": R.year_of(link.title),
                                                "agency": R.agency_of(link.title)}.items() if v})
            child["link_title"] = link.title
            yield self.attachment_request(link.url, {k: v for k, v in child.items() if v is not None})
        if self.follow_reports_on_detail:
            for link in plain_links:
                if link.url in seen or link.url == page.url or not self.allowed(link.url):
                    continue
                if self.is_attachment_url(link.url) or not self.is_report_link(link, in_column=False):
                    continue
                seen.add(link.url)
                yield self.detail_request(link, self.link_context(link, nb.get("list_url") or page.url))

    def parse_attachment(self, response):
        nb = response.meta.get("nb") or {}
        meta = {k: nb[k] for k in ("title", "link_title", "parent_title", "agency", "year", "published")
                if nb.get(k) is not None}
        if "published" not in meta:
            pub = nb.get("list_date") or R.url_date(response.url)
            if pub:
                meta["published"] = pub
        if "agency" not in meta and self.site_config.default_agency:
            meta["agency"] = self.site_config.default_agency
        meta["file_type"] = R.attachment_ext(response.url) or R.attachment_ext(nb.get("link_title") or "")
        # an attachment of a detail page is part of that page's report; one linked from a list is one
        yield self.fetch(response, None, "attachment", meta, is_report=not nb.get("parent_url"))

    # ============================================================== detail metadata
    GRID_LABELS = ("索引号", "主题分类", "分类", "发布机构", "发文机关", "发布日期", "发布时间", "成文日期", "发文日期", "文号",
                   "发文字号", "有效性", "名称", "标题", "信息来源", "来源", "浏览次数", "关键词", "公开方式", "公开范围", "时效",
                   "体裁分类", "组配分类", "生成日期", "公开日期", "所属机构", "文件编号", "作者", "字号", "点击数", "责任编辑")

    _VISIBLE_TEXT = etree.XPath("descendant-or-self::text()[not(parent::script or parent::style or parent::noscript)]",
                                smart_strings=False)

    def body_text(self, page: Page, limit: int = 8000) -> str:
        """The page's visible text (scripts and styles left out), the first ``limit`` characters
        (and the rest of the text node that crosses it)."""
        body = page.sel.root.find("body")
        parts: list[str] = []
        n = 0
        for t in self._VISIBLE_TEXT(body if body is not None else page.sel.root):
            parts.append(t)
            n += len(t)
            if n > limit:
                break
        return R.clean(" ".join(parts))

    def grid_fields(self, text: str) -> dict[str, str]:
        """索引号 / 发布机构 / 发布日期 … from a page's metadata grid (label: value, in any layout)."""
        labels = "|".join(sorted(map(re.escape, self.GRID_LABELS), key=len, reverse=True))
        rx = re.compile(rf"({labels})\s*[:：]\s*|(?<=\s)({labels})\s+(?=\S)")
        hits = list(rx.finditer(text[:8000]))
        out: dict[str, str] = {}
        for i, m in enumerate(hits):
            label = m.group(1) or m.group(2)
            end = hits[i + 1].start() if i + 1 < len(hits) else min(len(text), m.end() + 80)
            value = text[m.end():end].strip(" ：:|")
            if label not in out and value and len(value) <= 80:
                out[label] = value
        return out

    def meta_tags(self, page: Page) -> dict[str, str]:
        out = {}
        for m in page.sel.xpath("//meta[@name]"):
            name, content = m.attrib.get("name", ""), R.clean(m.attrib.get("content", ""))
            if name and content:
                out[name] = content
        return out

    def detail_info(self, page: Page, nb: dict) -> dict[str, Any]:
        tags = {k.lower(): v for k, v in self.meta_tags(page).items()}
        text = self.body_text(page)
        grid = self.grid_fields(text)
        heads = [R.clean(t) for t in (tags.get("articletitle"), page.sel.xpath("string(//h1)").get(),
                                      page.sel.xpath("string(//title)").get())]
        page_title = next((h for h in heads if h and R.REPORT_WORDS.search(h)), None)
        link_title = nb.get("title")
        title = link_title if link_title and R.year_of(link_title) else (page_title or link_title or next(
            (h for h in heads if h), None))
        year = R.year_of(link_title) or R.year_of(page_title) or nb.get("year")
        publisher = grid.get("发布机构") or grid.get("发文机关") or grid.get("所属机构")
        if publisher:
            publisher = re.split(r"\s", publisher)[0]
        agency = R.agency_of(link_title) or R.agency_of(page_title) or publisher or nb.get("agency") \
            or self.site_config.default_agency
        published, source = None, None
        pub_tag = tags.get("pubdate") or tags.get("publishdate") or tags.get("firstpublishedtime")
        if pub_tag and R.first_date(pub_tag):
            published, source = R.first_date(pub_tag), "meta"
        if not published:
            d = R.labelled_date(text[:6000])
            if d:
                published, source = d, "text"
        if not published and nb.get("list_date"):
            published, source = nb["list_date"], "list"
        if not published and R.url_date(page.url):
            published, source = R.url_date(page.url), "url"
        info: dict[str, Any] = {"title": title, "agency": agency, "year": year, "published": published,
                                "published_from": source, "index_no": grid.get("索引号"), "publisher": publisher,
                                "link_title": link_title, "page_title": page_title}
        if tags.get("sitename"):
            info["site_name"] = tags["sitename"]
        if tags.get("columnname"):
            info["column"] = tags["columnname"]
        return {k: v for k, v in info.items() if v is not None}

    def attachments(self, page: Page, links: list[Link] | None = None) -> list[Link]:
        """Report files a detail page links or embeds."""
        out: list[Link] = []
        for link in links if links is not None else self.links(page, dates=False):
            target = R.viewer_target(link.url)
            if target:
                out.append(Link(target, link.title, tag="viewer"))
            elif self.is_attachment_url(link.url):
                out.append(link)
        for el in page.sel.root.iter("iframe", "embed", "object", "param"):
            if el.tag == "param" and (el.get("name") or "").lower() not in ("src", "movie"):
                continue
            raw = el.get("src") or el.get("data") or el.get("value")
            url = page.join(raw)
            if not url:
                continue
            target = R.viewer_target(url)
            if target:
                out.append(Link(target, "", tag="viewer"))
            elif self.is_attachment_url(url):
                out.append(Link(url, "", tag=el.tag))
        return out

    # ============================================================== records
    def fetch(self, response, page: Page | None, kind: str, meta: dict, is_report: bool = False) -> Fetch:
        from crawler.middlewares import doc_url

        request = response.request
        request.meta["nb_recorded"] = True  # RecordCallbackErrorsMiddleware: this fetch has its row
        cfg = self.site_config
        full = dict(meta)
        for key in ("region", "region_code", "province", "level"):
            v = getattr(cfg, key)
            if v is not None:
                full.setdefault(key, v)
        full["platform"] = self.platform
        nm = request.meta.get("nb_not_modified")
        headers = response.headers
        ctype = headers.get("Content-Type")
        ctype = ctype.decode("latin-1") if ctype else None
        header_cs = _CHARSET.search(ctype or "")
        declared = header_cs.group(1).lower() if header_cs else None
        if page is not None:
            from extract.decode import declared_charset

            meta_cs = declared_charset(response.body)
            if meta_cs:
                full["meta_charset"] = meta_cs
            if declared:
                full["header_charset"] = declared
            declared = declared or meta_cs
        redirects = request.meta.get("redirect_urls")
        nb = request.meta.get("nb") or {}
        return Fetch(
            url=redirects[0] if redirects else doc_url(request),
            kind=kind,
            final_url=response.url,
            http_status=304 if nm else response.status,
            body=None if (nm or request.meta.get("nb_replay")) else response.body,
            content_type=ctype,
            etag=_h(nm["etag"]) if nm and nm.get("etag") else _h(headers.get("ETag")),
            last_modified=_h(nm["last_modified"]) if nm and nm.get("last_modified") else _h(headers.get("Last-Modified")),
            declared_encoding=declared,
            encoding=page.encoding if page is not None else None,
            list_url=nb.get("list_url"),
            parent_url=nb.get("parent_url"),
            not_modified=bool(nm),
            previous=request.meta.get("nb_previous"),
            replay=bool(request.meta.get("nb_replay")),
            is_report=is_report,
            meta=full,
        )

    def on_error(self, failure):
        """A failed fetch is a record too (error, no sha256); the crawl goes on. The reason is
        worded by ``crawler.middlewares.describe_failure``."""
        from scrapy.spidermiddlewares.httperror import HttpError

        from crawler.middlewares import Offsite, describe_failure, doc_url

        request = failure.request
        if request.meta.get("nb_skip"):
            return
        nb = request.meta.get("nb") or {}
        redirects = request.meta.get("redirect_urls")
        status, final = None, None
        exc = failure.value
        if isinstance(exc, Offsite) and not redirects:
            return  # never requested: nothing to record
        if isinstance(exc, HttpError):
            status = exc.response.status
            final = exc.response.url
            error = f"HTTP {status}"
        else:
            error = describe_failure(exc, request, self.settings)
        meta = {k: nb[k] for k in ("title", "agency", "year", "published", "list_date") if nb.get(k) is not None}
        if request.meta.get("retry_times"):
            meta["retries"] = request.meta["retry_times"]
        if redirects:
            meta["redirects"] = [*redirects[1:], request.url]
        yield Fetch(url=redirects[0] if redirects else doc_url(request), kind=nb.get("kind") or "detail",
                    final_url=final, http_status=status, error=error, list_url=nb.get("list_url"),
                    parent_url=nb.get("parent_url"), meta=meta,
                    is_report=nb.get("kind") == "detail" or (nb.get("kind") == "attachment" and not nb.get("parent_url")))


def _h(v) -> str | None:
    if v is None:
        return None
    return v.decode("latin-1") if isinstance(v, bytes) else str(v)
