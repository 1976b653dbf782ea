"""The store pipeline: every fetched body goes unedited into the raw store (by sha256) and every
fetch — success, 304 or failure — becomes one ``Document`` row of the crawl run.

* 200: body stored; ``sha256``, size, content type, declared and detected encoding, ETag,
  Last-Modified recorded. When the bytes equal the previous fetch of the URL the row is marked
  ``extracted`` (``meta.unchanged``): the earlier report stands. Changed bytes are a new version.
* 304 (conditional re-crawl): nothing downloaded; the row points to the previous sha256.
* errors (404, 500 after retries, timeouts, DNS, robots.txt): ``error`` set, no sha256.
* replays while resuming: nothing recorded (the run already holds the row).
"""
from __future__ import annotations

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.items import Fetch
from crawler.state import get_state
from db.store import now


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        st = get_state(self.crawler)
        st.emit("start", force=True, resumed=st.resumed, site_id=st.site_id)

    async def process_item(self, item):
        if not isinstance(item, Fetch):
            return item
        st = get_state(self.crawler)
        c = st.counts
        if item.replay:
            c["replayed"] += 1
            st.emit("progress")
            return item
        meta = dict(item.meta or {})
        doc = {"url": item.url[:2000], "final_url": item.final_url[:2000] if item.final_url else None,
               "sha256": None, "size": None, "fetched_at": now(), "http_status": item.http_status,
               "etag": item.etag, "last_modified": item.last_modified, "source": "crawl", "kind": item.kind,
               "list_url": item.list_url, "parent_url": item.parent_url, "content_type": item.content_type,
               "declared_encoding": item.declared_encoding, "encoding": item.encoding, "error": item.error,
               "extracted": False}
        prev = item.previous
        if item.error:
            key = "blocked" if "robots.txt" in item.error else "errors"
            c[key] = c.get(key, 0) + 1
            doc["extracted"] = True  # nothing to extract
        elif item.not_modified and prev:
            doc["sha256"] = prev["sha256"]
            doc["size"] = prev.get("size")
            doc["extracted"] = True  # the previous version's report stands
            meta["not_modified"] = True
            meta["previous_document_id"] = prev["id"]
            c["not_modified"] += 1
        else:
            body = item.body or b""
            doc["size"] = len(body)
            try:
                # hashing and the fsync'd write run in the reactor's thread pool, beside the downloads
                doc["sha256"] = await maybe_deferred_to_future(deferToThread(st.store.put, body))
            except OSError as exc:  # a full disk, a store that is not a folder: the fetch is still a row
                doc["error"] = item.error = f"could not write to the raw store: {exc}"
                doc["extracted"] = True
                c["errors"] += 1
            if doc["sha256"] is not None:
                c["downloads"] += 1
                c["bytes"] += len(body)
                if prev and prev.get("sha256") == doc["sha256"]:
                    doc["extracted"] = True
                    meta["unchanged"] = True
                    meta["previous_document_id"] = prev["id"]
                    c["unchanged"] += 1
                elif prev:
                    meta["previous_document_id"] = prev["id"]
                    meta["changed"] = True
                if item.kind == "list":
                    doc["extracted"] = True  # list pages are navigation, not reports
        doc["meta"] = meta
        st.add(doc)
        c["documents"] += 1
        c["pages"] += 1
        key = {"list": "lists", "detail": "details", "attachment": "attachments"}.get(item.kind or "")
        if key:
            c[key] += 1
        if item.is_report and not item.error:
            c["reports"] += 1
        st.emit("progress")
        return item

    def spider_closed(self, spider, reason):
        st = get_state(self.crawler)
        st.finish(reason, self.crawler.stats.get_stats())
        st.emit("done", force=True, reason=reason)
        st.close()
