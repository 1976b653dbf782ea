"""Portals without CMS-specific paging — and, for a site entry without ``platform`` and ``hints``,
**generic discovery**: from the start URL (usually the home page) a best-first walk toward the
政府信息公开年报 column and every report in it.

Why a walk and not a whole-site crawl: a county portal has tens of thousands of pages and its
reports sit 1–4 clicks deep under a handful of names (61号文: 政府信息公开指南 / 制度 / 法定主动
公开内容 / 年报). Every link is scored (``crawler.discovery.scoring``: text, ``title``, URL slug,
position, "更多>>" under a heading) and followed only from ``FOLLOW`` on, at its score as the
request priority, within a per-site page budget. A page that lists reports is a **column**: its
pagination (links, JS page counts, POSTed JSON lists, script records) and sub-columns are
followed, its report links requested (``crawler.discovery.reports``: report / maybe / noise), a
report split over pages or a flip-book is fetched part by part and stitched into one document.

Everything a callback needs travels in ``request.meta["nb"]`` and counts go to the crawl's stats
(``discovery/…``): no state on the spider, so a shared frontier can hand any request to any worker.
A site entry with ``hints`` (or another platform) keeps the configured path of ``ReportSpider``.
"""
from __future__ import annotations

import copy
import html as _html
import json
import re
from typing import Any, Iterator

import scrapy

from crawler import recognize as R
from crawler.discovery import frontier as F
from crawler.discovery import listing as L
from crawler.discovery import reports as REP
from crawler.discovery import scoring as S
from crawler.items import Fetch
from crawler.spiders.base import Link, Page, ReportSpider

NAV_BUDGET = 60  # pages walked to find columns, per site
LIST_BUDGET = 600  # column pages (pagination, sub-columns, JSON pages), per site
MAX_NAV_DEPTH = 6
REJECTED_KEPT = 300  # rejected candidates listed for --explain
P_ATTACHMENT, P_DETAIL, P_COLUMN = 300, 250, 200

_CONTAINER = re.compile(r"article|content|TRS_Editor|page-content|zw|detail|main|text", re.I)
_PAGER_QUERY = re.compile(r"^(?:page|pageNo|pageIndex|p|pn|currentPage|curPage|pageNum)$", re.I)


class GenericSpider(ReportSpider):
    name = "generic"
    platform = "generic"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        hints = self.site_config.hints
        given = hints.as_dict() if hasattr(hints, "as_dict") else dict(hints or {})
        self.discover = self.site_config.platform == "generic" and not given

    # ============================================================== requests
    async def start(self):
        if not self.discover:
            async for r in super().start():
                yield r
            return
        for url in self.start_urls:
            yield self.page_request(url, {"depth": 0, "score": 100, "why": ["start URL"]}, 1000)

    def page_request(self, url: str, nb: dict, priority: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                              meta={"nb": {**nb, "kind": "list"}}, priority=priority)

    def detail_request(self, link: Link, nb: dict) -> scrapy.Request:
        r = super().detail_request(link, nb)
        return r.replace(priority=P_DETAIL) if self.discover else r

    def attachment_request(self, url: str, nb: dict) -> scrapy.Request:
        r = super().attachment_request(url, nb)
        return r.replace(priority=P_ATTACHMENT) if self.discover else r

    # ============================================================== bookkeeping (crawl stats)
    def _stats(self):
        """The crawl's stats (a spider run outside a crawler — an example test — keeps its own)."""
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            return crawler.stats
        if "_own_stats" not in self.__dict__:
            from scrapy.statscollectors import MemoryStatsCollector

            class _Stats(MemoryStatsCollector):
                def __init__(self):
                    self._stats = {}
            self._own_stats = _Stats()
        return self._own_stats

    def _spend(self, key: str, budget: int) -> bool:
        """One more page of ``key``'s budget, or False when it is spent."""
        st = self._stats()
        n = st.get_value(key, 0)
        if n >= budget:
            st.inc_value(key + "_refused")
            return False
        st.inc_value(key)
        return True

    def reject(self, reason: str, title: str, url: str) -> None:
        """A candidate report that was not taken, and why (``nianbao crawl --explain``)."""
        st = self._stats()
        st.inc_value(f"discovery/rejected/{reason}")
        kept = json.loads(st.get_value("discovery/rejected_list", "[]"))
        if len(kept) < REJECTED_KEPT:
            kept.append([reason, title[:80], url])
            st.set_value("discovery/rejected_list", json.dumps(kept, ensure_ascii=False))

    def took_column(self, url: str, reports: int) -> None:
        st = self._stats()
        st.max_value(f"discovery/column/{url}", reports)

    # ============================================================== links
    def scored_links(self, page: Page) -> list[tuple[Link, str, str]]:
        """(link, ancestor classes, box heading) of every ``<a>`` and every script record."""
        out: list[tuple[Link, str, str]] = []
        links = self.links(page)
        i = 0
        for a in page.sel.root.iter("a"):
            if not (a.get("href") or a.get("onclick")):
                continue
            classes, context = [], ""
            for depth, anc in enumerate(a.iterancestors()):
                if depth > 6 or not isinstance(anc.tag, str):
                    break
                classes.append(f"{anc.get('class') or ''} {anc.get('id') or ''}")
                if not context and depth < 2:
                    own = R.clean(a.text_content())
                    ctx = R.clean(anc.text_content()).replace(own, " ").strip()
                    if 0 < len(ctx) <= 30:
                        context = ctx
            # links() skipped the same anchors (no usable URL): walk both in step
            href = a.get("href") or ""
            if not href or href.strip().lower().startswith("javascript"):
                m = self._ONCLICK.search((a.get("onclick") or "") + " " + href)
                href = m.group(1) if m else ""
            url = page.join(href)
            if not url:
                continue
            if i < len(links) and links[i].url == url:
                out.append((links[i], " ".join(classes), context))
                i += 1
        for rec in L.script_records(page.text, page.base):
            out.append((Link(rec.url, R.clean(rec.title), R.first_date(rec.date or "")), "", ""))
        return out

    # ============================================================== list and navigation pages
    def parse_list(self, response):
        if not self.discover:
            yield from super().parse_list(response)
            return
        nb = response.meta.get("nb") or {"depth": 0}
        page = self.page(response)
        entries = self.scored_links(page)
        strong = sum(1 for link, _c, _x in entries if REP.title_verdict(link.title).kind == "report")
        on_column = bool(nb.get("column")) or strong >= 2 or (strong >= 1 and nb.get("score", 0) >= 60)
        role = "column" if on_column else "navigation"
        meta = {"depth": nb.get("depth", 0), "discovery": {"role": role, "score": nb.get("score"),
                                                           "why": nb.get("why", [])[:6]}}
        if nb.get("title"):
            meta["list_title"] = nb["title"]
        yield self.fetch(response, page, "list", meta)
        # a page reached by a link naming the 年报 column: its per-year and per-unit links are sub-columns
        context = on_column or any(str(w).startswith("年报 column") for w in nb.get("why") or ())
        yield from self.follow_links(page, nb, entries, on_column, context)
        if on_column or nb.get("score", 0) >= 60:
            for url, form in L.post_lists(page.text, page.base):
                if self.allowed(url) and self._spend("discovery/list_pages", LIST_BUDGET):
                    yield scrapy.FormRequest(url, formdata=form, callback=self.parse_json_list, errback=self.on_error,
                                             priority=P_COLUMN, meta={"nb": {"kind": "list", "column": True,
                                                                             "form": form, "list_url": page.url,
                                                                             "depth": nb.get("depth", 0)}})

    def follow_links(self, page: Page, nb: dict, entries: list[tuple[Link, str, str]], on_column: bool,
                     column_context: bool | None = None) -> Iterator:
        """Requests for the links of a page: reports (by title), pagination (on a column), and the
        links whose score reaches ``FOLLOW`` (sub-columns of a column at column priority)."""
        column_context = on_column if column_context is None else column_context
        depth = nb.get("depth", 0)
        seen: set[str] = {F.canonical(page.url)}
        reports = 0
        for link, classes, context in entries:
            url = F.canonical(link.url)
            if url in seen:
                continue
            seen.add(url)
            link = Link(url, link.title, link.date, link.tag)
            verdict = REP.title_verdict(link.title, in_column=on_column)
            if not self.allowed(url):
                if verdict.kind == "report":
                    self.reject("offsite or excluded URL", link.title, url)
                continue
            why_trap = F.trap(url)
            if why_trap:
                if verdict.kind == "report":
                    self.reject(f"trap: {why_trap}", link.title, url)
                continue
            if verdict.kind == "noise":
                self.reject(verdict.reason, link.title, url)
                continue
            if verdict.kind == "report" or (verdict.kind == "maybe" and on_column):
                reports += 1
                child = self.link_context(link, page.url)
                if verdict.kind == "maybe":
                    child["verify"] = True
                if self.is_attachment_url(url):
                    yield self.attachment_request(url, child)
                else:
                    yield self.detail_request(link, child)
                continue
            if on_column and self.is_pagination(link, page):
                if self._spend("discovery/list_pages", LIST_BUDGET):
                    yield self.page_request(url, {"depth": depth, "column": True, "score": nb.get("score"),
                                                  "title": nb.get("title"), "list_url": page.url,
                                                  "why": ["pagination"]}, P_COLUMN)
                continue
            if self.is_attachment_url(url) or R.DETAIL_LIKE.search(url):
                continue  # an article or file that is not a report: never a way to one
            score = S.link_score(link.title, url, classes, context, column_context)
            if score.value < S.FOLLOW or depth >= MAX_NAV_DEPTH:
                continue
            sub = column_context and any(w.startswith(("year sub-column", "unit sub-column")) for w in score.why)
            if sub:
                if self._spend("discovery/list_pages", LIST_BUDGET):
                    yield self.page_request(url, {"depth": depth + 1, "column": True, "score": score.value,
                                                  "title": link.title, "list_url": page.url, "why": score.why},
                                            P_COLUMN)
            elif self._spend("discovery/nav_pages", NAV_BUDGET):
                yield self.page_request(url, {"depth": depth + 1, "score": score.value, "title": link.title,
                                              "list_url": page.url, "why": score.why}, min(score.value, P_COLUMN - 1))
        if on_column:
            self.took_column(page.url, reports)
            for url in L.js_pages(page.text, page.url):
                url = F.canonical(url)
                if url not in seen and self.allowed(url) and self._spend("discovery/list_pages", LIST_BUDGET):
                    seen.add(url)
                    yield self.page_request(url, {"depth": depth, "column": True, "score": nb.get("score"),
                                                  "title": nb.get("title"), "list_url": page.url,
                                                  "why": ["page count written by JavaScript"]}, P_COLUMN)

    def is_pagination(self, link: Link, page: Page) -> bool:
        """下一页/尾页/numbers pointing to the same list: the same folder, or the same path with a
        page parameter."""
        text = link.title.replace(" ", "")
        if not R.PAGINATION_TEXT.match(text):
            return False
        if R.same_directory(link.url, page.url) and not R.DETAIL_LIKE.search(link.url):
            return True
        a, b = R.query_params(link.url), R.query_params(page.url)
        return link.url.split("?")[0] == page.url.split("?")[0] and any(_PAGER_QUERY.match(k) for k in a) \
            and {k: v for k, v in a.items() if not _PAGER_QUERY.match(k)} == \
            {k: v for k, v in b.items() if not _PAGER_QUERY.match(k)}

    def parse_json_list(self, response):
        """The answer of a POSTed list: JSON records, and the other pages' forms from the first."""
        nb = response.meta.get("nb") or {}
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        yield self.fetch(response, None, "list", {"discovery": {"role": "column", "why": ["POSTed JSON list"]}})
        # the records belong to the page that asked for them: that page is the column
        page = Page(url=nb.get("list_url") or response.url, text=text, encoding="utf-8",
                    sel=scrapy.Selector(text="<html></html>"), base=nb.get("list_url") or response.url, links=[])
        entries = [(Link(F.canonical(r.url), R.clean(r.title), R.first_date(r.date or "")), "", "")
                   for r in L.script_records(text, page.base)]
        yield from self.follow_links(page, {**nb, "column": True}, entries, True)
        for form in L.json_pages(text, nb.get("form") or {}):
            if self._spend("discovery/list_pages", LIST_BUDGET):
                yield scrapy.FormRequest(response.url, formdata=form, callback=self.parse_json_list,
                                         errback=self.on_error, priority=P_COLUMN,
                                         meta={"nb": {**nb, "form": form}})

    def fetch(self, response, page, kind: str, meta: dict, is_report: bool = False) -> Fetch:
        item = super().fetch(response, page, kind, meta, is_report)
        if self.discover:
            item.meta["candidate"] = is_report  # what the crawl believed, kept on the document
        return item

    # ============================================================== details, split reports, flip-books
    def parse_detail(self, response):
        if not self.discover:
            yield from super().parse_detail(response)
            return
        nb = response.meta.get("nb") or {}
        if not _is_html(response):
            # a report link that answered with a file: it is the attachment
            yield from self.parse_attachment(response)
            return
        page = self.page(response)
        plain = self.links(page, dates=False)
        flip = L.flip_first_page(page.url, [lk.url for lk in plain] + _noscript_hrefs(page.text))
        nxt = L.next_part(page.url, [(lk.url, lk.title) for lk in plain])
        if flip or nxt:
            info = self.detail_info(page, nb)
            info["discovery"] = {"role": "flip-book index" if flip else "part 1 of a report split over pages"}
            yield self.fetch(response, page, "detail", info, is_report=False)
            parts = [] if flip else [_main_html(page)]
            stitch = {"root": page.url, "parts": parts, "urls": [] if flip else [page.url],
                      "info": {k: v for k, v in info.items() if k in ("title", "agency", "year", "published")}}
            yield scrapy.Request(flip or nxt, callback=self.parse_part, errback=self.on_error, priority=P_DETAIL,
                                 meta={"nb": {**nb, "kind": "detail", "parent_url": page.url, "stitch": stitch}})
            return
        text = self.body_text(page, limit=20000)
        by_content = REP.is_report_content(text)
        atts = self.attachments(page, plain)
        if nb.get("verify") and not by_content and not atts:
            info = self.detail_info(page, nb)
            info["discovery"] = {"role": "rejected", "why": "content: no template section titles or table labels"}
            self.reject("content: not a report", nb.get("title") or "", page.url)
            yield self.fetch(response, page, "detail", info, is_report=False)
            return
        for item in super().parse_detail(response):
            if isinstance(item, Fetch) and item.kind == "detail":
                item.meta["discovery"] = {"role": "report", "by_content": by_content, "attachments": len(atts)}
            elif isinstance(item, scrapy.Request):
                if item.callback == self.parse_detail:  # a related report linked from this one
                    if REP.title_verdict((item.meta.get("nb") or {}).get("title")).kind != "report":
                        continue
            yield item

    def parse_part(self, response):
        """One part of a report over several pages; the last part yields the stitched document."""
        nb = response.meta.get("nb") or {}
        stitch = dict(nb.get("stitch") or {})
        page = self.page(response)
        yield self.fetch(response, page, "detail", {"discovery": {"role": "part", "of": stitch.get("root")}},
                         is_report=False)
        parts = list(stitch.get("parts") or []) + [_main_html(page)]
        urls = list(stitch.get("urls") or []) + [page.url]
        nxt = L.next_part(page.url, [(lk.url, lk.title) for lk in self.links(page, dates=False)])
        if nxt and nxt not in urls and len(parts) < 60:
            yield scrapy.Request(nxt, callback=self.parse_part, errback=self.on_error, priority=P_DETAIL + 1,
                                 meta={"nb": {**nb, "stitch": {**stitch, "parts": parts, "urls": urls}}})
            return
        info = dict(stitch.get("info") or {})
        title = info.get("title") or ""
        body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + _html.escape(title) + "</title></head><body>\n"
                + "\n".join(parts) + "\n</body></html>").encode("utf-8")
        meta = {k: v for k, v in {**info, "list_url": nb.get("list_url"), "stitched_from": urls,
                                  "discovery": {"role": "report", "stitched": len(urls)}}.items() if v is not None}
        for key in ("region", "region_code", "province", "level"):
            v = getattr(self.site_config, key)
            if v is not None:
                meta.setdefault(key, v)
        meta["platform"] = self.platform
        meta["candidate"] = True
        yield Fetch(url=stitch.get("root", page.url) + "#stitched", kind="detail", final_url=None, http_status=200,
                    body=body, content_type="text/html; charset=utf-8", encoding="utf-8",
                    list_url=nb.get("list_url"), is_report=True, meta=meta)


def _is_html(response) -> bool:
    ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    head = response.body[:8]
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return False
    return "html" in ctype or not ctype


def _noscript_hrefs(text: str) -> list[str]:
    """Links inside ``<noscript>`` (lxml keeps them as text)."""
    out = []
    for block in re.findall(r"<noscript>(.*?)</noscript>", text, re.S | re.I):
        out += re.findall(r"""href\s*=\s*["']([^"']+)["']""", block)
    return out


def _main_html(page: Page) -> str:
    """The content of a page without its chrome: the largest article-like container, else the body."""
    from lxml import html as lh

    root = page.sel.root
    best, best_len = None, 0
    for el in root.iter("div", "article", "td", "section"):
        key = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _CONTAINER.search(key):
            continue
        n = len(el.text_content())
        if n > best_len:
            best, best_len = el, n
    if best is None:
        best = root.find("body") if root.find("body") is not None else root
    best = copy.deepcopy(best)  # the page's own tree stays whole
    for junk in best.xpath(".//script|.//style|.//*[contains(@class,'page-turn') or contains(@class,'pager')]"):
        junk.getparent().remove(junk)
    return lh.tostring(best, encoding="unicode")
