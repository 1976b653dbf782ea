"""Downloader middlewares: strict offsite (requests and final URLs), resume replay, conditional
requests for incremental re-crawls, retries with exponential backoff, and truncated bodies; a
spider middleware that turns a callback's crash into a recorded fetch; and ``describe_failure``,
the one place that words why a fetch failed.

Order (``crawler/settings.py``): StrictOffsite 50 → robots.txt 100 → ResumeReplay 120 →
… → BackoffRetry 550 → ConditionalRequest 560 → LenientMetaRefresh 580 → decompression 590 →
TruncatedBody 595 → redirects 600 … → downloader; the spider middleware RecordCallbackErrors sits
next to the spider (990). (Responses pass them in the opposite order: TruncatedBody sees
the body as it came off the wire, before it is decompressed.)

"Every fetch is a row": a request that reached the network (or was refused by robots.txt, so
that the monitor can tell "could not look" from "not published") ends as exactly one
``Document`` — through its callback, its errback (``ReportSpider.on_error``, which words the
failure with ``describe_failure``), ``RecordCallbackErrorsMiddleware`` when the callback
crashed, or ``crawler.pipelines.StorePipeline.request_dropped`` when a redirect led back to a
URL the scheduler had already seen (a redirect loop). Requests never made — offsite links,
duplicates of a URL already requested, URLs a resumed run already holds — leave no row.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable

from scrapy import exceptions as scrapy_exc
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
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


class TruncatedBody(IOError):
    """The body ended before the length the server announced (Content-Length), or a chunked
    body lost its end: the bytes must not be read as a whole document."""


def describe_failure(exc: BaseException, request, settings=None) -> str:
    """One line saying why a request ended without a usable response, for ``Document.error``.
    The exception class name stays in the line for network errors (tests and people grep for
    ``TimeoutError`` or ``ConnectionRefused``). ``settings`` (Scrapy's) supply the limits that
    were passed: REDIRECT_MAX_TIMES, DOWNLOAD_MAXSIZE."""
    redirects = request.meta.get("redirect_urls") or []
    if isinstance(exc, TruncatedBody):
        return str(exc)
    if isinstance(exc, Offsite):
        return f"redirected off the allowed domains to {request.url}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "forbidden by robots.txt"
        if "max redirections" in text:
            chain = " → ".join([*redirects, request.url])
            limit = f" (more than {settings.getint('REDIRECT_MAX_TIMES')})" if settings is not None else ""
            return f"too many redirects{limit}: {chain}"
        if "DOWNLOAD_MAXSIZE" in text or "max size" in text:  # a body that decompresses past the limit
            return f"too large: {_without_request(text)}"
        return text or "ignored"
    if isinstance(exc, scrapy_exc.DownloadCancelledError):
        if str(exc):  # announced by Content-Length: "Expected to receive N bytes which is larger …"
            return f"too large: {_without_request(str(exc))}"
        # the body grew past the limit while it arrived (no Content-Length): Scrapy cancels it
        limit = request.meta.get("download_maxsize") or (settings.getint("DOWNLOAD_MAXSIZE") if settings else None)
        return f"too large: more than {limit} bytes arrived (DOWNLOAD_MAXSIZE)" if limit else "too large"
    if isinstance(exc, scrapy_exc.ResponseDataLossError):
        return "truncated: the connection closed before the end of the body"
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text[:2000]


def _without_request(text: str) -> str:
    return re.sub(r"\s*in request <[^>]*>\.?$", "", text).strip()


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
        if response.status != 304 or request.meta.get("nb_unconditional"):
            # a 304 to a request that asked for nothing conditional is the server's error: it
            # reaches the errback as "HTTP 304" instead of being asked again forever
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


async def backoff(retry, base: float, cap: float) -> None:
    """Wait before a retry: the n-th retry of a request waits ``base * 2**(n-1)`` seconds, at
    most ``cap`` (the reactor keeps serving other requests meanwhile)."""
    if retry is None or not hasattr(retry, "meta"):
        return
    n = retry.meta.get("retry_times", 1)
    delay = min(cap, base * 2 ** (n - 1))
    if delay > 0:
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        from scrapy.utils.defer import maybe_deferred_to_future

        await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))


class TruncatedBodyMiddleware:
    """A body shorter than its Content-Length, or a chunked body cut by a closed connection, is
    never passed on as a complete response (a report whose last number 29 arrives as 2 would be
    read as 2). ``DOWNLOAD_FAIL_ON_DATALOSS`` is off so that Scrapy hands the short body here
    with its ``dataloss`` flag; it is asked for again (retries with backoff) and, when it stays
    short, fails with ``TruncatedBody`` ("truncated: got N of M bytes"), which the errback
    records. A body without Content-Length that ends when the connection closes is complete by
    HTTP's rules (HTTP/1.0 style) and cannot be told from a cut one: it is kept, flagged
    ``partial`` by Scrapy."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retries = settings.getint("RETRY_TIMES") if settings.getbool("RETRY_ENABLED", True) else 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def shortfall(request, response) -> tuple[int, int | None] | None:
        """(bytes received, bytes announced or None) when the body is incomplete, else None."""
        if request.method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200:
            return None
        got = len(response.body)
        announced = None
        raw = response.headers.get("Content-Length")
        if raw and not response.headers.get("Transfer-Encoding"):
            try:
                announced = int(raw)
            except ValueError:
                announced = None
        if "dataloss" in response.flags or (announced is not None and got < announced):
            return got, announced
        return None

    async def process_response(self, request, response):
        short = self.shortfall(request, response)
        if short is None:
            return response
        got, announced = short
        self.crawler.stats.inc_value("nianbao/truncated")
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated body",
                                  max_retry_times=self.retries)
        if retry is not None:
            await backoff(retry, self.base, self.cap)
            return retry
        if announced is not None:
            raise TruncatedBody(f"truncated: got {got} of {announced} bytes")
        raise TruncatedBody(f"truncated: got {got} bytes, the chunked body ended before its last chunk")


class LenientMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` redirects, except that a page whose ``<base href>``
    is not a URL (``http://[::1``) is passed on as it is: Scrapy's own middleware raises
    ValueError on it, and the page — perhaps a report — would be lost."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except ValueError:
            return response


class RecordCallbackErrorsMiddleware:
    """A spider middleware: when a callback crashes on a response it had not recorded yet (an
    encoding nobody foresaw, a page that trips a parser), the fetch is still one ``Document`` —
    its body kept, ``error`` saying what went wrong — and the crawl goes on. A callback that
    crashes after recording its page only loses the links it had not yet followed (logged, and
    counted as ``nianbao/callback_errors``)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception, spider=None) -> Iterable[Any] | None:
        from scrapy.spidermiddlewares.httperror import HttpError

        if isinstance(exception, HttpError):
            return None
        request = response.request
        nb = request.meta.get("nb") if request is not None else None
        self.crawler.stats.inc_value("nianbao/callback_errors")
        log.error("callback failed on %s: %s: %s", response.url, type(exception).__name__, exception,
                  exc_info=exception)
        if not nb or request.meta.get("nb_recorded") or request.meta.get("nb_replay"):
            return []
        spider = spider or self.crawler.spider
        error = f"could not read the page: {type(exception).__name__}: {exception}"[:2000]
        try:
            item = spider.fetch(response, None, nb.get("kind") or "detail", {}, is_report=False)
            item.error = error
        except Exception as again:  # noqa: BLE001 - the row must be written whatever broke
            from crawler.items import Fetch

            item = Fetch(url=doc_url(request), kind=nb.get("kind") or "detail", final_url=response.url,
                         http_status=response.status, body=response.body, error=f"{error}; {again}"[:2000],
                         list_url=nb.get("list_url"), parent_url=nb.get("parent_url"))
        return [item]


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, 408, 429, timeouts, connection errors) with exponential backoff:
    the n-th retry waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds, at most ``RETRY_BACKOFF_MAX``."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, retry):
        await backoff(retry, self.base, self.cap)

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
