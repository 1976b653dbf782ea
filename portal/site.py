"""The whole sample portal as a route table: every CMS site of the truth plus what a real web
host has around them — robots.txt, static files, a pdf.js viewer — and the crawl traps: a broken
link, links to other hosts, a robots-disallowed ``/private/`` with a draft report and an endless
calendar, a slow page and a page that fails once.

Pages render on first request and are cached, so building is fast and bytes are stable."""
from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl

from portal.cms import Context, build_pages
from portal.cms.base import SITE_EPOCH, Page, esc, static
from portal.cms.extras import OFFSITE_INVALID, OFFSITE_PATH, PRIVATE_INDEX, extras_html  # noqa: F401
from portal.render import render_html
from portal.truth import Truth

ROBOTS = b"User-agent: *\nDisallow: /private/\nDisallow: /search\n"
BROKEN_PATH = "/js/huaining/zwgk/zfxxgknb/zfnb/202202/t20220210_404404.html"
PRIVATE_DRAFT = "/private/drafts/t20220105_1.html"
TRAP_PREFIX = "/private/calendar/"
SLOW_SECONDS = 1.5

_CSS = b"body{font-family:'Microsoft YaHei',SimSun,sans-serif;margin:0}.w1200{width:1200px;margin:0 auto}" \
       b"table{border-collapse:collapse}td{border:1px solid #ccc;padding:4px}\n"
_JS = b"/* site statistics */ (function(){var _hmt=_hmt||[];})();\n"
_JPAGE = b"/* jpage: pages through a column's datastore, asking dataproxy.jsp for more groups */\n" \
         b"(function($){$.fn.jpage=function(cfg){return this;};})(window.jQuery||{fn:{}});\n"
_PDFJS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>PDF.js viewer</title></head>
<body><div id="viewerContainer"></div>
<script>var file = new URLSearchParams(location.search).get("file"); /* PDFViewerApplication.open(file) */</script>
</body></html>""".encode("utf-8")


def _draft(truth: Truth) -> bytes:
    """A draft that never went public: a real report with different numbers (a crawler that ignores
    robots.txt would harvest wrong data)."""
    r = truth.reports[0]
    rep = copy.deepcopy(r.data)
    rep["title"] = rep["title"] + "（征求意见稿）"
    for col in rep["applications"]["new_received"]:
        rep["applications"]["new_received"][col] += 5
    return render_html(rep).encode("utf-8")


def _trap(path: str) -> Page | None:
    """An endless calendar: every month links the next one."""
    tail = path[len(TRAP_PREFIX):].removesuffix(".html")
    try:
        y, m = (int(x) for x in tail.split("/"))
    except ValueError:
        return None
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{y}年{m}月</title></head><body>'
            f'<a href="{TRAP_PREFIX}{ny}/{nm}.html">下一月</a></body></html>')
    return static(body.encode("utf-8"), "text/html; charset=utf-8")


@dataclass
class Site:
    """Route table and crawl-trap state of one served portal."""

    truth: Truth
    port: int
    pages: dict[str, Page] = field(default_factory=dict)
    dynamic: dict[str, Callable[[dict[str, str]], Page | None]] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    error_once: set[str] = field(default_factory=set)
    _failed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, truth: Truth, port: int) -> "Site":
        ctx = Context(truth, port)
        site = cls(truth, port, build_pages(ctx), ctx.dynamic)
        site.pages.update({
            "/robots.txt": static(ROBOTS, "text/plain; charset=utf-8"),
            "/static/trs.css": static(_CSS, "text/css"), "/static/jcms.css": static(_CSS, "text/css"),
            "/static/gdzwfw.css": static(_CSS, "text/css"), "/static/old.css": static(_CSS, "text/css"),
            "/static/common.js": static(_JS, "application/javascript"),
            "/module/web/jpage/jpage.js": static(_JPAGE, "application/javascript"),
            "/pdfjs/viewer.html": static(_PDFJS, "text/html; charset=utf-8"),
            "/sites.html": static(_directory(truth), "text/html; charset=utf-8"),
            OFFSITE_PATH: static(_offsite(), "text/html; charset=utf-8"),
            PRIVATE_INDEX: static(
                (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>草稿</title></head><body><ul>'
                 f'<li><a href="{PRIVATE_DRAFT}">{esc(truth.reports[0].data["title"])}（征求意见稿）</a></li>'
                 f'<li><a href="{TRAP_PREFIX}2022/1.html">发布日历</a></li></ul></body></html>').encode("utf-8"),
                "text/html; charset=utf-8"),
        })
        site.pages[PRIVATE_DRAFT] = Page(lambda _e: _draft(truth), "text/html; charset=utf-8", lambda _e: SITE_EPOCH)
        for agency, year in ctx.quirk("slow"):
            site.slow.add(truth.report(agency, year).url)
        for agency, year in ctx.quirk("error_once"):
            site.error_once.add(truth.report(agency, year).url)
        return site

    def lookup(self, path: str, query: str, body: bytes = b"") -> tuple[Page | None, str]:
        """The page for a request and the key it is cached under ("" when not cacheable)."""
        full = f"{path}?{query}" if query else path
        if full in self.pages:
            return self.pages[full], full
        if path == "/" and "/index.html" in self.pages:
            return self.pages["/index.html"], "/index.html"
        if path in self.dynamic:
            params = dict(parse_qsl(query))
            params.update(parse_qsl(body.decode("utf-8", "replace")))
            return self.dynamic[path](params), ""
        if path.startswith(TRAP_PREFIX):
            return _trap(path), ""
        return None, ""

    def fail_once(self, key: str) -> bool:
        """True the first time an ``error_once`` page is asked for (answer 500 then)."""
        with self._lock:
            if key in self.error_once and key not in self._failed:
                self._failed.add(key)
                return True
        return False


def _offsite() -> bytes:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>江苏省人民政府2022年政府信息公开工作年度报告</title>'
            '</head><body><p>本页位于其他网站。</p></body></html>').encode("utf-8")


def _directory(truth: Truth) -> bytes:
    """A human index of the sample sites (nothing links here)."""
    from portal.cms import PLATFORMS

    rows = []
    for s in truth.sites.values():
        mod = PLATFORMS[s.platform]
        start = (mod.col_path(mod.BASE_COL) if s.platform == "hanweb" else
                 f"{s.root}zwgk/index.html" if s.platform == "generic" else f"{mod.column_dir(s)}index.html")
        rows.append(f'<li><a href="{start}">{esc(s.title)}</a> — {s.id} ({s.platform}, {s.encoding})</li>')
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>sample portal</title></head><body>'
            f'<h1>nianbao sample portal</h1><ul>{"".join(rows)}</ul></body></html>').encode("utf-8")
