"""Every fetch is a row: real crawls (``python -m crawler.run`` subprocesses, as ``nianbao crawl``
starts them) against a small server of traps on 127.0.0.1 — redirect loops, endless redirect
chains, bodies cut short (with Content-Length and chunked), bodies larger than
DOWNLOAD_MAXSIZE, a 304 nobody asked for, a page with a BOM followed by an invalid byte, a
callback that crashes — each ends as one ``Document`` with the reason, and the crawl goes on.
Also: the crawl child dies with its parent (a real parent process killed with SIGKILL)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import select

from db.home import Home
from db.models import CellRow, CrawlRun, Document, ReportRow
from nianbao.app.harvest import child_command, child_env, run_crawls
from nianbao.paths import ROOT
from tests.snapshots import REAL  # copies of ../shared/corpus/real

pytestmark = pytest.mark.slow

REAL_REPORT = REAL / "shuyang-fgj-2023.html"


def report_page() -> tuple[bytes, int]:
    """A real report page (沭阳县发改局 2023) whose last table cell is changed from 0 to 29, and
    the offset just after its "2": a body cut there reads as 2."""
    if not REAL_REPORT.exists():
        pytest.skip(f"{REAL_REPORT} is not there")
    body = REAL_REPORT.read_bytes()
    end = body.rindex(b"</table>")
    cell = body.rindex(b">0</span>", 0, end)
    body = body[:cell] + b">29</span>" + body[cell + len(b">0</span>"):]
    return body, cell + len(b">2")


class Traps:
    """A threaded HTTP server whose routes are functions of the handler; it records every
    request (path, Host) and writes raw bytes where HTTP has to be broken on purpose."""

    def __init__(self, routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]):
        self.routes = routes
        self.seen: list[tuple[str, str]] = []
        traps = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                traps.seen.append((self.headers.get("Host", ""), self.path))
                route = traps.routes.get(self.path)
                try:
                    if route is None:
                        send(self, 404, b"not here")
                    else:
                        route(self)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a crawler hanging up on a trap is what the traps are for

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def count(self, path: str) -> int:
        return sum(1 for _h, p in self.seen if p == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(h: BaseHTTPRequestHandler, code: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
         **headers: str) -> None:
    h.send_response(code)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in headers.items():
        h.send_header(k.replace("_", "-"), v)
    h.end_headers()
    h.wfile.write(body)


def redirect(to: str) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda h: send(h, 302, b"", Location=to)


def cut(body: bytes, at: int, announce: bool = True) -> Callable[[BaseHTTPRequestHandler], None]:
    """Announce the whole body (Content-Length), send ``at`` bytes, close the connection."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if announce:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[:at])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return route


def chunked(body: bytes, finish: bool) -> Callable[[BaseHTTPRequestHandler], None]:
    """A chunked body in 1000-byte chunks; without ``finish`` the last (empty) chunk never comes."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        if finish:
            h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return route


def list_page(paths: list[str]) -> bytes:
    items = "".join(f'<li><a href="{p}">测试县{Path(p).stem}局2023年政府信息公开工作年度报告</a> 2024-01-20</li>'
                    for p in paths)
    return f"<html><body><ul>{items}</ul></body></html>".encode()


def crawl(tmp_path: Path, traps: Traps, settings: tuple[str, ...] = (), extract: bool = False):
    cfg = tmp_path / "traps.yaml"
    cfg.write_text("province: 测试\nsites:\n  - name: traps\n    start_urls: ['{portal}/col/index.html']\n"
                   "    allowed_domains: [127.0.0.1]\n", encoding="utf-8")
    from crawler.sites import load_file

    home = Home.open(str(tmp_path / "home"), None)
    runs = run_crawls(home, load_file(cfg, traps.url), sites_source=str(cfg), portal=traps.url, fast="local",
                      jobs=1, extract=extract, settings=("RETRY_TIMES=1", "DOWNLOAD_TIMEOUT=5", *settings))
    assert [r.status for r in runs] == ["finished"], (runs[0].error, runs[0].log.read_text()[-3000:])
    with home.session() as s:
        docs = s.scalars(select(Document).where(Document.crawl_run_id == runs[0].run_id)).all()
        s.expunge_all()
    return home, runs[0], {d.url.removeprefix(traps.url): d for d in docs}, docs


# ------------------------------------------------------------------------------ redirects
def test_redirect_loops_and_endless_chains_are_rows(tmp_path):
    """A → B → A, a page redirecting to itself, a chain longer than REDIRECT_MAX_TIMES, and a
    second name of a page the crawl fetched: each started fetch is one row with the reason."""
    details = ["/art/loop-a.html", "/art/self.html", "/art/hop-0.html", "/art/fine.html", "/art/alias.html"]
    routes = {"/robots.txt": lambda h: send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain"),
              "/col/index.html": lambda h: send(h, 200, list_page(details)),
              "/art/loop-a.html": redirect("/art/loop-b.html"),
              "/art/loop-b.html": redirect("/art/loop-a.html"),
              "/art/self.html": redirect("/art/self.html"),
              "/art/fine.html": lambda h: send(h, 200, "<html><body><p>发布日期：2024-01-20</p></body></html>".encode()),
              "/art/alias.html": redirect("/art/fine.html")}
    for i in range(30):
        routes[f"/art/hop-{i}.html"] = redirect(f"/art/hop-{i + 1}.html")
    traps = Traps(routes)
    try:
        _home, _run, docs, rows = crawl(tmp_path, traps, ("REDIRECT_MAX_TIMES=5",))
    finally:
        traps.close()
    assert len(rows) == len({d.url for d in rows}), "one row per URL"
    assert docs["/art/loop-a.html"].error == (f"redirect loop: {traps.url}/art/loop-a.html → {traps.url}/art/loop-b.html"
                                              f" → {traps.url}/art/loop-a.html")
    assert docs["/art/self.html"].error.startswith("redirect loop: ")
    hops = docs["/art/hop-0.html"]
    assert hops.error.startswith("too many redirects (more than 5): ") and hops.error.endswith("/art/hop-5.html")
    assert traps.count("/art/hop-5.html") == 1 and traps.count("/art/hop-6.html") == 0
    for d in (docs["/art/loop-a.html"], docs["/art/self.html"], hops):
        assert d.sha256 is None and d.kind == "detail" and d.list_url == traps.url + "/col/index.html"
    # the page itself and its second name: one fetched (whichever came first), the other says where it went
    fine, alias = docs.get("/art/fine.html"), docs["/art/alias.html"]
    if alias.sha256:
        assert alias.final_url == traps.url + "/art/fine.html" and fine is None
    else:
        assert fine.sha256 and alias.error.startswith("redirected to a URL this crawl already requested")


# ------------------------------------------------------------------------------ truncated bodies
def test_truncated_bodies_are_recorded_never_read(tmp_path):
    """A report whose last number, 29, is cut after its "2" by a closed connection (Content-Length
    announced), and the same cut in a chunked body: each a row saying "truncated", no body
    stored, no report read from it — while the whole page gives the report with 29. A body cut
    once and whole on the retry is one complete row."""
    body, at = report_page()
    details = ["/art/whole.html", "/art/cut.html", "/art/cut-chunked.html", "/art/cut-once.html"]
    attempts = {"n": 0}

    def cut_once(h):
        attempts["n"] += 1
        (cut(body, at) if attempts["n"] == 1 else lambda h: send(h, 200, body))(h)

    traps = Traps({"/robots.txt": lambda h: send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain"),
                   "/col/index.html": lambda h: send(h, 200, list_page(details)),
                   "/art/whole.html": lambda h: send(h, 200, body),
                   "/art/cut.html": cut(body, at),
                   "/art/cut-chunked.html": chunked(body, finish=False),
                   "/art/cut-once.html": cut_once})
    try:
        home, run, docs, _rows = crawl(tmp_path, traps, extract=True)
    finally:
        traps.close()
    assert docs["/art/cut.html"].error == f"truncated: got {at} of {len(body)} bytes"
    assert docs["/art/cut-chunked.html"].error.startswith(f"truncated: got {len(body)} bytes, the chunked body ended")
    assert traps.count("/art/cut.html") == 2, "asked again once (RETRY_TIMES=1) before giving up"
    for name in ("/art/cut.html", "/art/cut-chunked.html"):
        d = docs[name]
        assert d.sha256 is None and d.meta.get("retries") == 1, (name, d.error, d.meta)
    once = docs["/art/cut-once.html"]
    assert once.error is None and once.sha256 == docs["/art/whole.html"].sha256 and attempts["n"] == 2
    with home.session() as s:
        def cells(doc):
            rows = s.scalars(select(ReportRow.id).where(ReportRow.document_id == doc.id)).all()
            return s.scalars(select(CellRow.value_text).where(CellRow.report_id.in_(rows))).all() if rows else None
        assert cells(docs["/art/cut.html"]) is None and cells(docs["/art/cut-chunked.html"]) is None
        whole = cells(docs["/art/whole.html"])
        assert whole and "29" in whole, "the whole page is read, its last number 29"


# ------------------------------------------------------------------------------ sizes, 304, odd bytes
def test_too_large_unasked_304_and_bom_pages_are_rows(tmp_path):
    """Bodies above DOWNLOAD_MAXSIZE (announced, and chunked without a length), a server that
    answers 304 to a request that asked for nothing conditional, a detail page that starts with
    a UTF-8 BOM followed by an invalid byte, and one whose ``<base href>`` is not a URL: each one
    row; the odd pages are stored as fetched and their attachment links still followed."""
    big = b"<html><body>" + b"x" * 20000 + b"</body></html>"
    bom = b"\xef\xbb\xbf<html><head><title>\xff</title></head><body><p>\xe5\x8f\x91\xe5\xb8\x83\xe6\x97\xa5\xe6\x9c\x9f" \
          b"\xef\xbc\x9a2024-01-20</p><a href='/att/bom.pdf'>\xe9\x99\x84\xe4\xbb\xb6</a></body></html>"
    badbase = "<html><head><base href='http://[::1'></head><body><p>发布日期：2024-01-21</p>" \
              "<a href='/att/badbase.pdf'>附件</a></body></html>"
    details = ["/art/big.html", "/art/big-chunked.html", "/art/n304.html", "/art/bom.html", "/art/badbase.html"]
    traps = Traps({"/robots.txt": lambda h: send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain"),
                   "/col/index.html": lambda h: send(h, 200, list_page(details)),
                   "/art/big.html": lambda h: send(h, 200, big),
                   "/art/big-chunked.html": chunked(big, finish=True),
                   "/art/n304.html": lambda h: send(h, 304),
                   "/art/bom.html": lambda h: send(h, 200, bom),
                   "/att/bom.pdf": lambda h: send(h, 200, b"%PDF-1.4 not really", "application/pdf"),
                   "/art/badbase.html": lambda h: send(h, 200, badbase.encode()),
                   "/att/badbase.pdf": lambda h: send(h, 200, b"%PDF-1.4 not really", "application/pdf")})
    try:
        _home, _run, docs, rows = crawl(tmp_path, traps, ("DOWNLOAD_MAXSIZE=10000", "DOWNLOAD_WARNSIZE=0"))
    finally:
        traps.close()
    assert docs["/art/big.html"].error == f"too large: Expected to receive {len(big)} bytes which is larger than " \
                                          "download max size (10000)"
    assert docs["/art/big-chunked.html"].error == "too large: more than 10000 bytes arrived (DOWNLOAD_MAXSIZE)"
    assert docs["/art/n304.html"].error == "HTTP 304" and docs["/art/n304.html"].http_status == 304
    assert traps.count("/art/n304.html") == 2, "asked once more without validators, then recorded"
    b = docs["/art/bom.html"]
    assert b.error is None and b.sha256 and b.size == len(bom) and b.meta.get("published") == "2024-01-20"
    assert docs["/att/bom.pdf"].parent_url == traps.url + "/art/bom.html" and docs["/att/bom.pdf"].sha256
    assert docs["/art/badbase.html"].error is None and docs["/art/badbase.html"].meta.get("published") == "2024-01-21"
    assert docs["/att/badbase.pdf"].parent_url == traps.url + "/art/badbase.html", "a <base> that is no URL is ignored"
    assert all(d.sha256 is None for d in rows if d.error)


# ------------------------------------------------------------------------------ a crashing callback
CRASHING_CHILD = textwrap.dedent("""
    import sys
    from crawler import platforms
    from crawler.spiders.generic import GenericSpider

    class CrashingSpider(GenericSpider):
        name = "crashing"

        def detail_info(self, page, nb):
            if "crash" in page.url:
                raise RuntimeError("a page nobody foresaw")
            return super().detail_info(page, nb)

    sys.modules["crashing_spider"] = type(sys)("crashing_spider")
    sys.modules["crashing_spider"].CrashingSpider = CrashingSpider
    platforms.PLATFORMS["generic"] = platforms.Platform(
        "generic", "crashing_spider:CrashingSpider", platforms.GenericHints, "a spider that crashes on /crash")
    from crawler.run import main
    sys.exit(main(sys.argv[1:]))
""")


def test_a_crashing_callback_still_records_the_fetch(tmp_path):
    """The safety net for what no test foresaw: a detail callback that raises. Its page is one
    row, body kept, with the reason; the other pages of the list are crawled as usual."""
    details = ["/art/crash.html", "/art/fine.html"]
    page = "<html><body><p>发布日期：2024-01-20</p></body></html>".encode()
    traps = Traps({"/robots.txt": lambda h: send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain"),
                   "/col/index.html": lambda h: send(h, 200, list_page(details)),
                   "/art/crash.html": lambda h: send(h, 200, page),
                   "/art/fine.html": lambda h: send(h, 200, page)})
    cfg = tmp_path / "traps.yaml"
    cfg.write_text("province: 测试\nsites:\n  - name: traps\n    start_urls: ['{portal}/col/index.html']\n"
                   "    allowed_domains: [127.0.0.1]\n", encoding="utf-8")
    home = Home.open(str(tmp_path / "home"), None)
    from db.session import ensure_schema

    ensure_schema(home.url)
    try:
        cmd = child_command("traps", home, str(cfg), traps.url, False, "local")
        cmd[1:3] = ["-c", CRASHING_CHILD]  # python -c CODE --site … instead of python -m crawler.run --site …
        out = subprocess.run(cmd, capture_output=True, text=True, env=child_env(), cwd=str(ROOT), timeout=120)
    finally:
        traps.close()
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert events and events[-1]["status"] == "finished", out.stderr[-3000:]
    assert "a page nobody foresaw" in out.stderr
    with home.session() as s:
        docs = {d.url.removeprefix(traps.url): d for d in s.scalars(select(Document)).all()}
    crash = docs["/art/crash.html"]
    assert crash.error == "could not read the page: RuntimeError: a page nobody foresaw"
    assert crash.sha256 and home.store.get(crash.sha256) == page and crash.http_status == 200
    assert docs["/art/fine.html"].error is None and docs["/art/fine.html"].meta["published"] == "2024-01-20"


# ------------------------------------------------------------------------------ the child dies with its parent
PARENT = textwrap.dedent("""
    import json, subprocess, sys, time
    cmd = json.loads(sys.argv[1])
    env = json.loads(sys.argv[2])
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(sys.argv[3], "wb"), env=env)
    print(child.pid, flush=True)
    for line in child.stdout:  # follow the child as `nianbao crawl` does, until killed
        pass
    time.sleep(3600)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: it only waits for its (new) parent to reap it
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl", "watchdog"])
def test_crawl_child_dies_with_its_parent(tmp_path, pdeathsig):
    """A real parent (following the child's output as ``nianbao crawl`` does) is killed with
    SIGKILL while its crawl child waits on a slow server: the child stops within seconds, by
    PR_SET_PDEATHSIG, or by its watchdog on ``os.getppid()`` where prctl is not used, and the
    run is left 'interrupted' (resumable), not 'running'."""
    release = threading.Event()

    def slow(h):
        release.wait(60)
        send(h, 200, b"late")

    traps = Traps({"/robots.txt": lambda h: send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain"),
                   "/col/index.html": lambda h: send(h, 200, list_page(["/art/slow-1.html", "/art/slow-2.html"])),
                   "/art/slow-1.html": slow, "/art/slow-2.html": slow})
    cfg = tmp_path / "traps.yaml"
    cfg.write_text("province: 测试\nsites:\n  - name: traps\n    start_urls: ['{portal}/col/index.html']\n"
                   "    allowed_domains: [127.0.0.1]\n", encoding="utf-8")
    home = Home.open(str(tmp_path / "home"), None)
    from db.session import ensure_schema

    ensure_schema(home.url)
    env = child_env()
    if not pdeathsig:
        env["NIANBAO_PDEATHSIG"] = "0"
    cmd = child_command("traps", home, str(cfg), traps.url, False, "local", ("DOWNLOAD_TIMEOUT=60",))
    log = tmp_path / "child.log"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, json.dumps(cmd), json.dumps(env), str(log)],
                              stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while traps.count("/art/slow-1.html") + traps.count("/art/slow-2.html") == 0:
            assert time.monotonic() < deadline and _alive(child), log.read_text()[-3000:]
            time.sleep(0.1)
        parent.kill()
        parent.wait()
        t = time.monotonic()
        while _alive(child) and time.monotonic() - t < 20:
            time.sleep(0.1)
        gone = time.monotonic() - t
        assert not _alive(child), f"the crawl child outlived its parent by {gone:.0f}s"
    finally:
        release.set()
        if _alive(child):
            os.kill(child, signal.SIGKILL)
        traps.close()
    print(f"child gone {gone:.1f}s after its parent ({'prctl' if pdeathsig else 'watchdog'})")
    text = log.read_text(errors="replace")
    assert "parent" in text and "Traceback" not in text, text[-3000:]
    with home.session() as s:
        (run,) = s.scalars(select(CrawlRun)).all()
        assert run.status == "interrupted", (run.status, text[-2000:])
