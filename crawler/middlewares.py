"""Downloader middlewares: strict offsite (requests and final URLs), resume replay, conditional
requests for incremental re-crawls, and retries with exponential backoff.

Order (``crawler/settings.py``): StrictOffsite 50 → robots.txt 100 → ResumeReplay 120 →
… → BackoffRetry 550 → ConditionalRequest 560 → redirects 600 … → downloader.
"""
from __future__ import annotations

import logging
import re

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

from crawler.state import get_state

log = logging.getLogger(__name__)


def _quiet_tldextract() -> None:
    """Scrapy's cookie middleware splits domains with tldextract, which downloads the public
    suffix list on first use. Offline crawls must not try: use the snapshot bundled with it."""
    try:
        from scrapy.downloadermiddlewares import cookies
    except ImportError:  # pragma: no cover
        return
    if not getattr(cookies._split_domain, "_nianbao_offline", False):
        ext = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
        ext._nianbao_offline = True
        cookies._split_domain = ext


_quiet_tldextract()


def doc_url(request) -> str:
    """The URL a fetch is recorded under. POST requests (Hanweb paging) carry their form body
    as the fragment, so each page of a column is its own document."""
    if request.method == "POST" and request.body:
        return f"{request.url}#{request.body.decode('utf-8', 'replace')}"
    return request.url


class Offsite(IgnoreRequest):
    pass


class StrictOffsiteMiddleware:
    """Never leave ``allowed_domains``: checked on every request (also ``dont_filter`` ones and
    redirect targets) and on every final response URL. Replaces Scrapy's OffsiteMiddleware,
    which lets ``dont_filter`` requests through."""

    def __init__(self, crawler):
        self.crawler = crawler
        self._regex = None
        self._domains = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _allowed(self, url_host: str) -> bool:
        domains = list(getattr(self.crawler.spider, "allowed_domains", None) or [])
        if domains != self._domains:
            self._domains = domains
            self._regex = re.compile(r"^(.*\.)?(%s)$" % "|".join(re.escape(d) for d in domains)) if domains else None
        return self._regex is None or bool(self._regex.search(url_host or ""))

    def process_request(self, request):
        host = urlparse_cached(request).hostname or ""
        if not self._allowed(host):
            self.crawler.stats.inc_value("offsite/filtered")
            raise Offsite(f"offsite: {host!r} is not in allowed_domains")
        return None

    def process_response(self, request, response):
        host = urlparse_cached(response).hostname or ""
        if not self._allowed(host):
            self.crawler.stats.inc_value("offsite/final_url")
            raise Offsite(f"offsite: the response came from {response.url}")
        return response


class ResumeReplayMiddleware:
    """On ``--resume``, a URL the run already recorded is not fetched again: list and detail
    pages are answered from the raw store (so their links are followed again), everything else is
    dropped. Hard kills lose nothing: what was not recorded is fetched, what was is never
    recorded twice."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        nb = request.meta.get("nb")
        if not nb:
            return None
        state = get_state(self.crawler)
        if not state.resumed:
            return None
        rec = state.recorded(doc_url(request))
        if rec is None:
            return None
        if rec.sha256 and nb.get("kind") in ("list", "detail") and state.store.has(rec.sha256):
            body = state.store.get(rec.sha256)
            url = rec.final_url or request.url
            headers = Headers({"Content-Type": rec.content_type} if rec.content_type else {})
            cls = responsetypes.from_args(headers=headers, url=url, body=body)
            request.meta["nb_replay"] = True
            self.crawler.stats.inc_value("nianbao/replayed")
            return cls(url=url, status=200, headers=headers, body=body, request=request, flags=["replay"])
        request.meta["nb_skip"] = True
        raise IgnoreRequest("already recorded in this crawl run")


class ConditionalRequestMiddleware:
    """Incremental re-crawls: detail pages and attachments are requested with If-None-Match /
    If-Modified-Since from the latest earlier fetch of the URL; a 304 is answered from the raw
    store (so the page's links are still followed) and recorded as a 304 row pointing to the
    previous sha256. List pages are always fetched in full."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("NIANBAO_CONDITIONAL", True)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        nb = request.meta.get("nb")
        if not self.enabled or not nb or nb.get("kind") not in ("detail", "attachment") or request.method != "GET":
            return None
        if "nb_previous" in request.meta or request.meta.get("nb_unconditional"):
            return None
        prev = get_state(self.crawler).previous(doc_url(request))
        request.meta["nb_previous"] = prev
        if prev:
            if prev.get("etag"):
                request.headers["If-None-Match"] = prev["etag"]
            if prev.get("last_modified"):
                request.headers["If-Modified-Since"] = prev["last_modified"]
        return None

    def process_response(self, request, response):
        if response.status != 304:
            return response
        prev = request.meta.get("nb_previous")
        state = get_state(self.crawler)
        if not prev or not state.store.has(prev["sha256"]):
            # nothing to fall back on: ask again, unconditionally
            retry = request.replace(dont_filter=True)
            for h in ("If-None-Match", "If-Modified-Since"):
                retry.headers.pop(h, None)
            retry.meta["nb_unconditional"] = True
            retry.meta.pop("nb_previous", None)
            return retry
        body = state.store.get(prev["sha256"])
        headers = Headers(response.headers)
        if prev.get("content_type"):
            headers["Content-Type"] = prev["content_type"]
        url = prev.get("final_url") or response.url
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        request.meta["nb_not_modified"] = {"etag": response.headers.get("ETag"),
                                           "last_modified": response.headers.get("Last-Modified")}
        self.crawler.stats.inc_value("nianbao/not_modified")
        return cls(url=url, status=200, headers=headers, body=body, request=request, flags=["not_modified"])


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, 408, 429, timeouts, connection errors) with exponential backoff:
    the n-th retry waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds, at most ``RETRY_BACKOFF_MAX``."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, retry):
        if retry is None or not hasattr(retry, "meta"):
            return
        n = retry.meta.get("retry_times", 1)
        delay = min(self.cap, self.base * 2 ** (n - 1))
        if delay > 0:
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            from scrapy.utils.defer import maybe_deferred_to_future

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request, response):
        out = super().process_response(request, response)
        if out is not response:
            await self._wait(out)
        return out

    async def process_exception(self, request, exception):
        out = super().process_exception(request, exception)
        if out is not None:
            await self._wait(out)
        return out
