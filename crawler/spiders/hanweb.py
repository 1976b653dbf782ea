"""大汉 Hanweb JCMS: a column ``/col/colN/index.html`` embeds its first records as XML in the
page, ``<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a href=…>]]>
</record>…``; the jpage script fetches the rest by POST to
``/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15`` with the form fields
``col, appid, webid, path, columnid, sourceContentType, unitid, webname, permissiontype`` and
gets the same XML back. Details ``/art/YYYY/M/D/art_COL_ID.html``."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from parsel import Selector

from crawler.platforms import Hints
from crawler.spiders.base import Link, Page, ReportSpider

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_TOTAL = re.compile(r"""(?:totalRecord|totalrecord|totalRecords)["']?\s*[:=]\s*["']?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>""")
_PERPAGE = re.compile(r"""perPage["']?\s*[:=]\s*["']?(\d+)""", re.I)
_GROUP = re.compile(r"""groupSize["']?\s*[:=]\s*["']?(\d+)""", re.I)
_PROXY = re.compile(r"""proxyUrl["']?\s*[:=]\s*["']([^"']+)["']""", re.I)
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
PROXY = "/module/web/jpage/dataproxy.jsp"


def records(text: str) -> list[str]:
    """The HTML fragments of a datastore's records (from the page or a dataproxy answer)."""
    return _RECORD.findall(text)


def jpage_params(text: str, url: str, hints: Hints | dict | None = None) -> dict[str, str]:
    """The dataproxy form fields: from the jpage call's parameters, the nextgroup link, the
    site hints and the column URL, in that order of trust."""
    params: dict[str, str] = {}
    for key in FORM_FIELDS:
        m = re.search(rf"""["']?\b{key}["']?\s*[:=]\s*["']([^"']*)["']|["']?\b{key}["']?\s*[:=]\s*(\d+)""", text)
        if m:
            params[key] = m.group(1) if m.group(1) is not None else m.group(2)
    ng = _NEXTGROUP.search(text)
    if ng:
        href = re.search(r"""href\s*=\s*["']([^"']+)["']""", ng.group(1))
        if href:
            for k, v in parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query).items():
                if k in FORM_FIELDS and k not in params:
                    params[k] = v[0]
    hints = hints or {}
    for hk, key in (("column_id", "columnid"), ("unit_id", "unitid"), ("web_id", "webid"), ("webname", "webname")):
        if hints.get(hk) is not None and key not in params:
            params[key] = str(hints.get(hk))
    if "columnid" not in params:
        m = re.search(r"/col/col(\d+)/", url)
        if m:
            params["columnid"] = m.group(1)
    for k, v in DEFAULTS.items():
        params.setdefault(k, v)
    return params


class HanwebSpider(ReportSpider):
    name = "hanweb"
    platform = "hanweb"
    detail_patterns = (r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",
                       r"/module/xxgk/xxgkAnnualReport\.jsp\?")
    per_page = 15
    group_size = 3

    def list_links(self, page: Page) -> list[Link]:
        out = self.links(page)
        for frag in records(page.text):
            out.extend(self.links(page, Selector(text=f"<ul>{frag}</ul>", type="html")))
        return out

    def paging(self, page: Page) -> dict | None:
        """What POST paging needs, from a column page: total, per page, group size, form."""
        text = page.text
        if "datastore" not in text:
            return None
        m = _TOTAL.search(text)
        total = int(m.group(1) or m.group(2)) if m else None
        per = int(_PERPAGE.search(text).group(1)) if _PERPAGE.search(text) else self.per_page
        group = int(_GROUP.search(text).group(1)) if _GROUP.search(text) else self.group_size
        proxy = _PROXY.search(text)
        return {"total": total, "perpage": per, "group": per * group, "shown": len(records(text)),
                "proxy": urljoin(page.url, proxy.group(1) if proxy else PROXY),
                "form": jpage_params(text, page.url, self.site_config.hints)}

    def proxy_request(self, paging: dict, start: int, nb: dict) -> scrapy.Request:
        end = start + paging["group"] - 1
        if paging.get("total"):
            end = min(end, paging["total"])
        url = f"{paging['proxy']}?startrecord={start}&endrecord={end}&perpage={paging['perpage']}"
        return scrapy.FormRequest(url, formdata=paging["form"], callback=self.parse_list, errback=self.on_error,
                                  meta={"nb": {**nb, "kind": "list", "hanweb": {**paging, "start": start}}},
                                  priority=9)

    def extra_list_requests(self, page: Page, nb: dict, response):
        request = getattr(response, "request", None)
        if request is not None and request.method == "POST":
            # a dataproxy answer: only when the total was unknown, ask for the next group while full
            hp = nb.get("hanweb") or {}
            if not hp.get("total") and len(records(page.text)) >= hp.get("group", 45):
                yield self.proxy_request(hp, hp["start"] + hp["group"], {k: v for k, v in nb.items() if k != "hanweb"})
            return
        paging = self.paging(page)
        if not paging:
            return
        child = {"depth": nb.get("depth", 0), "list_url": page.url, "title": nb.get("title")}
        first = paging["shown"] + 1 if paging["shown"] else paging["group"] + 1
        if paging["total"]:
            for start in range(first, paging["total"] + 1, paging["group"]):
                yield self.proxy_request(paging, start, child)
        elif paging["shown"] >= paging["group"]:
            yield self.proxy_request(paging, first, child)
