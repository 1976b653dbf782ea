"""The store pipeline: every fetched body goes unedited into the raw store (by sha256) and every
fetch — success, 304 or failure — becomes one ``Document`` row of the crawl run.

* 200: body stored; ``sha256``, size, content type, declared and detected encoding, ETag,
  Last-Modified recorded. When the bytes equal the previous fetch of the URL the row says so
  (``meta.unchanged``), and :mod:`nianbao.app.extraction` keeps the earlier report. Changed bytes
  are a new version.
* 304 (conditional re-crawl): nothing downloaded; the row points to the previous sha256.
* errors (404, 500 after retries, timeouts, DNS, refused connections, too many redirects,
  truncated or too large bodies, robots.txt): ``error`` set, no sha256.
* a page the spider could not read (its callback crashed): ``error`` set *and* the body kept
  (sha256), so nothing fetched is lost; the extractor still reads the bytes it has.
* a redirect that leads back to a URL already requested in this run (a loop, or a second name
  of a page already fetched): the scheduler drops it, and ``request_dropped`` records the
  first URL of the chain with the reason.
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
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

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
        if item.replay:
            st.counts["replayed"] += 1
            st.emit("progress")
            return item
        sha256, store_error = None, None
        if item.body is not None and not item.not_modified:
            try:
                # hashing and the fsync'd write run in the reactor's thread pool, beside the downloads
                sha256 = await maybe_deferred_to_future(deferToThread(st.store.put, item.body))
            except OSError as exc:  # a full disk, a store that is not a folder: the fetch is still a row
                store_error = f"could not write to the raw store: {exc}"
        self.record(item, sha256, store_error)
        return item

    def record(self, item: Fetch, sha256: str | None = None, store_error: str | None = None) -> None:
        """Queue the item's ``Document`` row; ``sha256`` is where its body went in the raw store
        (None: no body, or ``store_error`` says why it could not be written)."""
        st = get_state(self.crawler)
        c = st.counts
        meta = dict(item.meta or {})
        doc = {"url": item.url[:2000], "final_url": item.final_url[:2000] if item.final_url else None,
               "sha256": None, "size": None, "fetched_at": now(), "http_status": item.http_status,
               "etag": item.etag, "last_modified": item.last_modified, "source": "crawl", "kind": item.kind,
               "list_url": item.list_url, "parent_url": item.parent_url, "content_type": item.content_type,
               "declared_encoding": item.declared_encoding, "encoding": item.encoding, "error": item.error,
               "extracted": False}
        prev = item.previous
        if item.body is not None and not item.not_modified:
            doc["size"] = len(item.body)
            doc["sha256"] = sha256
        if store_error:
            doc["error"] = f"{item.error}; {store_error}" if item.error else store_error
        if doc["error"]:
            # a failed fetch, or (with sha256) a page the spider could not read: nothing to extract
            key = "blocked" if "robots.txt" in doc["error"] else "errors"
            c[key] = c.get(key, 0) + 1
        elif item.not_modified and prev:
            doc["sha256"] = prev["sha256"]
            doc["size"] = prev.get("size")
            # nianbao.app.extraction decides (the previous version's report stands) and links it
            meta["not_modified"] = True
            meta["previous_document_id"] = prev["id"]
            c["not_modified"] += 1
        elif doc["sha256"] is not None:
            c["downloads"] += 1
            c["bytes"] += doc["size"]
            if prev and prev.get("sha256") == doc["sha256"]:
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
        if item.is_report and not doc["error"]:
            c["reports"] += 1
        st.emit("progress")

    def request_dropped(self, request, spider=None):
        """The scheduler drops a request whose URL it has seen. For a redirect that is the end
        of a fetch that began elsewhere — a loop (A → B → A) or a second name of a page already
        fetched — and that fetch gets its row here, under the URL it started from."""
        redirects = request.meta.get("redirect_urls")
        nb = request.meta.get("nb")
        if not redirects or not nb:
            return  # an ordinary duplicate link: never requested, nothing to record
        from crawler.middlewares import doc_url

        chain = " → ".join([*redirects, request.url])
        if request.url in redirects:
            error = f"redirect loop: {chain}"
        else:
            error = f"redirected to a URL this crawl already requested: {chain}"
        self.record(Fetch(url=redirects[0], kind=nb.get("kind") or "detail", final_url=doc_url(request),
                          error=error, list_url=nb.get("list_url"), parent_url=nb.get("parent_url"),
                          meta={"redirects": [*redirects[1:], request.url],
                                **{k: nb[k] for k in ("title", "agency", "year", "published") if nb.get(k) is not None}}))

    def spider_closed(self, spider, reason):
        st = get_state(self.crawler)
        st.finish(reason, self.crawler.stats.get_stats())
        st.emit("done", force=True, reason=reason)
        st.close()
