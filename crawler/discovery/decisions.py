"""What the discovery spider decides about one page, as plain data: the requests it makes (URL,
kind, priority, why), the candidates it rejects (reason, title) and, for a detail page, whether it
takes it for a report. Runs the spider's real callbacks on a saved page — no network, no crawler —
for the example snapshots (``tests/examples/discovery/``, drafted with
``python -m tests.snapshots draft``) and for ``nianbao sites discover``.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit


def decide(body: bytes, url: str, callback: str = "parse_list", nb: dict | None = None,
           content_type: str = "text/html; charset=utf-8") -> dict[str, Any]:
    """The discovery spider's decisions on ``body`` served at ``url``."""
    import scrapy
    from scrapy.http import HtmlResponse, Request

    from crawler.items import Fetch
    from crawler.sites import SiteConfig
    from crawler.spiders.generic import GenericSpider

    host = urlsplit(url).hostname or ""
    spider = GenericSpider(config=SiteConfig.from_dict({"name": "example", "start_urls": [url],
                                                        "allowed_domains": [host]}))
    nb = {"depth": 1, "score": 50, "why": [], **(nb or {})}
    request = Request(url, meta={"nb": nb})
    response = HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=request)
    requests, record = [], None
    for obj in getattr(spider, callback)(response) or ():
        if isinstance(obj, Fetch):
            if record is None:
                record = {"kind": obj.kind, "candidate": obj.meta.get("candidate"),
                          "role": (obj.meta.get("discovery") or {}).get("role")}
        elif isinstance(obj, scrapy.Request):
            onb = obj.meta.get("nb") or {}
            kind = "post" if obj.method == "POST" else onb.get("kind")
            if onb.get("stitch") is not None:
                kind = "part"
            entry = {"url": obj.url, "kind": kind, "priority": obj.priority}
            if kind == "post":
                entry["form"] = onb.get("form")
            if onb.get("why") and kind == "list":
                entry["why"] = list(onb["why"])[:4]
            if onb.get("verify"):
                entry["verify"] = True
            requests.append(entry)
    requests.sort(key=lambda e: (-e["priority"], e["url"]))
    stats = spider._stats().get_stats()
    rejected = sorted(([r[0], r[1]] for r in json.loads(stats.get("discovery/rejected_list", "[]"))))
    columns = sorted(k.split("/", 2)[2] for k in stats if k.startswith("discovery/column/"))
    return {"record": record, "requests": requests, "rejected": rejected, "columns": columns}
