"""Spider examples (juriscraper style): a saved page and the snapshot of what the spider makes
of it, side by side under ``tests/examples/spiders/<platform>/``:

    <name>.html            the page exactly as served (any encoding)
    <name>.expected.json   {"url": …, "callback": "parse_list" | "parse_detail",
                            "site": {site config entries, optional}, "meta": {request nb, optional},
                            "headers": {response headers, optional},
                            "expected": {"record": …, "reports": […], "lists": […], "posts": […]}}

The parse functions run exactly as in a crawl, on a ``scrapy.http.HtmlResponse`` built from the
file. To add an example: save the page and run the one drafting command

    python -m tests.snapshots draft tests/examples/spiders/trs/my-page.html --url URL --callback parse_detail

which writes the JSON with "expected" filled in (``site``, ``meta``, ``headers`` or ``form`` may be
added to it by hand, then drafted again) — read it by eye before committing both files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

RECORD_KEYS = ("title", "agency", "year", "published", "published_from", "index_no", "publisher", "region",
               "list_title")


def run_example(html: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """What the spider's callback makes of the page: the record it yields (metadata), report
    links (detail and attachment requests), list and pagination URLs, POST paging requests."""
    import scrapy
    from scrapy.http import HtmlResponse, Request

    from crawler.items import Fetch
    from crawler.sites import SiteConfig
    from crawler.spiders import spider_for

    from crawler.platforms import DEFAULT_PLATFORM, PLATFORMS

    platform = html.parent.name if html.parent.name in PLATFORMS else DEFAULT_PLATFORM
    url = spec["url"]
    from urllib.parse import urlsplit

    site = {"name": f"example-{html.stem}", "platform": platform, "start_urls": [url],
            "allowed_domains": [urlsplit(url).hostname], **(spec.get("site") or {})}
    cls = spider_for(site["platform"])
    spider = cls(config=SiteConfig.from_dict(site))
    callback_name = spec.get("callback", "parse_list")
    meta = {"nb": {"kind": {"parse_list": "list", "parse_detail": "detail"}.get(callback_name, "attachment"),
                   "depth": 0, **(spec.get("meta") or {})}}
    if spec.get("form") is not None:
        from scrapy.http import FormRequest

        request = FormRequest(url, formdata=spec["form"], meta=meta)
    else:
        request = Request(url, meta=meta)
    headers = spec.get("headers") or {"Content-Type": "text/html"}
    response = HtmlResponse(url=url, body=html.read_bytes(), headers=headers, request=request)
    out: dict[str, Any] = {"record": None, "reports": [], "lists": [], "posts": []}
    for obj in getattr(spider, callback_name)(response) or ():
        if isinstance(obj, Fetch):
            rec = {k: obj.meta[k] for k in RECORD_KEYS if obj.meta.get(k) is not None}
            rec["kind"] = obj.kind
            rec["encoding"] = obj.encoding
            rec["declared_encoding"] = obj.declared_encoding
            out["record"] = rec
        elif isinstance(obj, scrapy.Request):
            nb = obj.meta.get("nb") or {}
            if obj.method == "POST":
                from urllib.parse import parse_qsl

                out["posts"].append({"url": obj.url, "form": dict(parse_qsl(obj.body.decode()))})
            elif nb.get("kind") == "list":
                out["lists"].append(obj.url)
            else:
                item = {"url": obj.url, "kind": nb.get("kind")}
                for k in ("title", "year", "agency", "list_date", "published"):
                    if nb.get(k) is not None:
                        item[k] = nb[k]
                out["reports"].append(item)
    return out
