"""Serve generated portals on 127.0.0.1, one port per site, with a request log so a benchmark can
count what a crawl asked for (offsite hosts, robots-disallowed paths, requests per report).

    >>> with RandomPortal.serve(seed=7) as portal:
    ...     portal.url, len(portal.site.reports), portal.requests

Reuses the sample portal's threaded server class (``portal.server._Server``). What the handler
adds beyond a route table is what real servers do to crawlers: session ids in paths are ignored
(``;jsessionid=…``), a sort link that repeats its query string answers forever, a calendar never
ends, and a link redirects to a private address.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from portal.randomsite.generator import GeneratedSite, Resource, esc, generate
from portal.server import LoopbackServer, _Server

_NOT_FOUND = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head>'
              '<body><h1>404 页面不存在</h1></body></html>').encode()
_PDFJS = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>PDF.js viewer</title></head><body>'
          '<div id="viewerContainer"></div><script>var file = new URLSearchParams(location.search).get("file");'
          '</script></body></html>').encode()


def _endless(path: str, query: str) -> Resource:
    """A list sorted once more: its own link adds the same parameter again."""
    nxt = f"{path}?{query}&sort=time"
    return Resource((f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>排序</title></head><body>'
                     f'<a href="{esc(nxt)}">按时间排序</a></body></html>').encode())


class RandomPortal(LoopbackServer):
    """One generated site, served. ``requests``: (method, Host header, path with query, status)."""

    def __init__(self, seed: int, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[tuple[str, str, str, int]] = []
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _handler(self))
        self.host, self.port = self._httpd.server_address[:2]
        self.site: GeneratedSite = generate(seed, self.port)
        self._thread: threading.Thread | None = None

    @classmethod
    def serve(cls, seed: int, port: int = 0) -> "RandomPortal":
        portal = cls(seed, port=port)
        portal._thread = threading.Thread(target=portal._httpd.serve_forever, name=f"randomsite-{seed}", daemon=True)
        portal._thread.start()
        return portal

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def site_entry(self, name: str | None = None) -> dict:
        """The site entry a person would write knowing only the home page: no platform, no hints."""
        return {"name": name or f"random-{self.site.seed}", "start_urls": [self.url + "/"],
                "allowed_domains": [self.host]}

    def lookup(self, method: str, raw_path: str, body: bytes) -> Resource | None:
        parts = urlsplit(raw_path)
        path = parts.path.split(";", 1)[0] or "/"  # ;jsessionid=… is the server's business
        query = parts.query
        site = self.site
        if path == "/":
            path = "/index.html"
        if path == "/pdfjs/web/viewer.html":
            return Resource(_PDFJS)
        if method == "POST" and path in site.posts:
            form = dict(parse_qsl(query))
            form.update(parse_qsl(body.decode("utf-8", "replace")))
            return site.posts[path](form)
        full = f"{path}?{query}" if query else path
        if full in site.pages:
            return site.pages[full]
        if "sort=time" in query:
            return _endless(path, query)
        if path in site.dynamic:
            return site.dynamic[path](dict(parse_qsl(query)))
        return None


def _handler(portal: RandomPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(n) if n else b"")

        def _serve(self, body: bytes) -> None:
            res = portal.lookup(self.command, self.path, body)
            if res is None:
                res = Resource(_NOT_FOUND, status=404)
            data = res.bytes()
            portal.log(self.command, self.headers.get("Host", ""), self.path, res.status)
            self.send_response(res.status)
            self.send_header("Content-Type", res.content_type)
            for k, v in res.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def warm(portal: RandomPortal) -> None:
    """Render every page and file once, so that a measurement times the crawler, not the PDF
    writer."""
    for res in portal.site.pages.values():
        res.bytes()
