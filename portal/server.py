"""Serve the sample portal on 127.0.0.1 (threaded, stdlib only), with ETag / Last-Modified and 304
answers, a request log for tests, and epochs: from epoch 1 the P3 reports change.

    >>> server = SamplePortal.build().serve(port=0)
    >>> server.url                     # http://127.0.0.1:PORT
    >>> server.set_epoch(1); server.requests; server.stop()
"""
from __future__ import annotations

import hashlib
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from portal.site import SLOW_SECONDS, Site
from portal.truth import Truth, load_truth

_NOT_FOUND = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
              '<body><h1>404</h1><p>您访问的页面不存在或已被删除。</p></body></html>').encode("utf-8")
_ERROR = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>500</title></head>'
          '<body><h1>500 Internal Server Error</h1></body></html>').encode("utf-8")
def _http_date(dt: datetime) -> str:
    """Pages are dated in Beijing time (UTC+8); HTTP dates are GMT."""
    from datetime import timedelta

    return format_datetime((dt - timedelta(hours=8)).replace(tzinfo=timezone.utc), usegmt=True)


class SamplePortal:
    """The portal before it is bound to a port: the truth it serves."""

    def __init__(self, truth: Truth):
        self.truth = truth

    @classmethod
    def build(cls, truth: Truth | None = None) -> "SamplePortal":
        return cls(truth or load_truth())

    def serve(self, port: int = 0, host: str = "127.0.0.1", epoch: int = 0) -> "PortalServer":
        server = PortalServer(self.truth, host, port, epoch)
        server.start()
        return server


class _Server(ThreadingHTTPServer):
    """The stock server with a deeper accept queue (5 drops connections under a crawler)."""

    request_queue_size = 128
    daemon_threads = True


class LoopbackServer:
    """What every test server of nianbao shares: it runs in a thread on 127.0.0.1, logs each
    request (method, host, path, status) for the tests, and stops cleanly (also as a context
    manager). Subclasses set ``_httpd``, ``_thread``, ``_lock`` and ``requests``."""

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self, method: str, host: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, host, path, status))


class PortalServer(LoopbackServer):
    """A running portal. ``requests`` logs (method, Host header, path with query, status)."""

    def __init__(self, truth: Truth, host: str, port: int, epoch: int = 0):
        self.truth = truth
        self.epoch = epoch
        self.requests: list[tuple[str, str, str, int]] = []
        self._cache: dict[tuple[str, int], tuple[bytes, str, str]] = {}
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _handler(self))
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self.site = Site.build(truth, self.port)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def abs(self, path: str) -> str:
        return self.url + path

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sample-portal", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        while self._thread and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def set_epoch(self, n: int) -> None:
        self.epoch = n

    def rendered(self, key: str, page) -> tuple[bytes, str, str]:
        """(body, ETag, Last-Modified) of a page, cached per epoch when it varies."""
        epoch = self.epoch if page.varies else 0
        if not key:
            body = page.render(epoch)
            return body, _etag(body), _http_date(page.modified(epoch))
        with self._lock:
            hit = self._cache.get((key, epoch))
        if hit:
            return hit
        body = page.render(epoch)
        out = (body, _etag(body), _http_date(page.modified(epoch)))
        with self._lock:
            self._cache[(key, epoch)] = out
        return out


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_modified(headers, etag: str, last_modified: str) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _handler(server: PortalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per response
        server_version = "nginx"
        sys_version = ""

        def version_string(self) -> str:
            return "nginx"

        def log_message(self, format: str, *args) -> None:  # quiet; the request log is server.requests
            pass

        def do_GET(self) -> None:
            self._serve(b"")

        def do_HEAD(self) -> None:
            self._serve(b"", head=True)

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(n) if n else b"")

        def _serve(self, body: bytes, head: bool = False) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path or "/", parts.query
            page, key = server.site.lookup(path, query, body)
            full = f"{path}?{query}" if query else path
            if page is None:
                return self._send(404, _NOT_FOUND, "text/html; charset=utf-8", {}, full, head)
            if key in server.site.slow:
                time.sleep(SLOW_SECONDS)
            if server.site.fail_once(key):
                return self._send(500, _ERROR, "text/html; charset=utf-8", {}, full, head)
            data, etag, modified = server.rendered(key, page)
            headers = {"ETag": etag, "Last-Modified": modified, **page.headers}
            if self.command in ("GET", "HEAD") and _not_modified(self.headers, etag, modified):
                return self._send(304, b"", None, headers, full, head=True)
            self._send(200, data, page.content_type, headers, full, head)

        def _send(self, status: int, data: bytes, ctype: str | None, headers: dict[str, str], full: str,
                  head: bool = False) -> None:
            server.log(self.command, self.headers.get("Host", ""), full, status)
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0" if status == 304 else str(len(data)))
            self.end_headers()
            if not head and status != 304:
                self.wfile.write(data)

    return Handler
