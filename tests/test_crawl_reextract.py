"""Issue 10 on real crawls: a crawl and a re-crawl of the sample portal, then `reextract` and
`reextract --stale`, leave reports, versions and findings exactly as they were; poison pages
between good ones on a crawled site are recorded problems while every good report is stored."""
from __future__ import annotations

import http.server
import random
import threading

import pytest
import yaml
from sqlalchemy import func, select

from db.home import Home
from db.models import Document, ReportRow
from nianbao.app.harvest import run_crawls
from nianbao.cli_demo import load_sample_sites, sample_sites_source
from portal.render import render_html
from portal.synth import random_report
from tests.test_document_path import _state


from tests.conftest import run_cli as _cli


def test_crawl_recrawl_reextract_leaves_everything_as_it_was(sample_portal, tmp_path):
    portal = sample_portal
    try:
        home = Home.open(tmp_path / "home")
        sites = [s for s in load_sample_sites(portal.url) if s.name in ("sample-js-xiqiao", "sample-js-huaining")]
        src = str(sample_sites_source())
        portal.set_epoch(0)
        assert all(r.status == "finished" for r in run_crawls(home, sites, sites_source=src, portal=portal.url,
                                                               fast="local", jobs=2))
        portal.set_epoch(1)  # the portal revises reports: new versions
        again = run_crawls(home, sites, sites_source=src, portal=portal.url, fast="local", jobs=2)
        assert all(r.status == "finished" for r in again)
        assert sum(r.counts.get("not_modified", 0) for r in again) > 0
    finally:
        portal.set_epoch(0)
    assert _cli(tmp_path / "home", "check", "--as-of", "2030-01-01").returncode in (0, 1)
    before = _state(home)
    with home.session() as s:
        versions = s.scalar(select(func.count()).select_from(ReportRow).where(ReportRow.status.in_(("ok", "problems"))))
        current = s.scalar(select(func.count()).select_from(ReportRow).where(ReportRow.is_current.is_(True)))
        assert versions > current > 50  # revised reports kept both versions, one of them current
        # every 304 and unchanged re-fetch points to the report it stands for
        refetched = s.scalars(select(Document).where(Document.outcome == "unchanged")).all()
        assert refetched and all(d.report_id for d in refetched)
    p = _cli(tmp_path / "home", "reextract")
    assert p.returncode == 0, p.stderr
    assert _cli(tmp_path / "home", "check", "--as-of", "2030-01-01").returncode in (0, 1)
    assert _state(home) == before
    p = _cli(tmp_path / "home", "reextract", "--stale")
    assert p.returncode == 0 and p.stdout.startswith("re-extracted 0 documents"), p.stdout
    p = _cli(tmp_path / "home", "reports", "--json")
    assert len(p.stdout.splitlines()) == current  # the listing: one line per report that stands


class _Site(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[bytes, str]] = {}

    def do_GET(self):  # noqa: N802
        body, ctype = self.pages.get(self.path, (b"not found", "text/plain"))
        self.send_response(200 if self.path in self.pages else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def poison_site():
    rng = random.Random(77)
    goods = {f"/nb/good{i}.html": random_report(rng, f"某县第{i}局", 2022) for i in range(3)}
    pages = {p: (render_html(rep).encode("utf-8"), "text/html; charset=utf-8") for p, rep in goods.items()}
    base = render_html(random_report(rng, "某县毒药局", 2022))
    pages["/nb/bom.html"] = (b"\xef\xbb\xbf\xff\xfe" + base.encode("utf-8"), "text/html")
    pages["/nb/charset.html"] = (base.replace("<head>", '<head><meta charset="undefined">', 1).encode("utf-8"),
                                 "text/html; charset=undefined")
    pages["/nb/huge.html"] = (base.replace(">0<", ">" + "9" * 5000 + "<", 1).encode("utf-8"), "text/html; charset=utf-8")
    links = "".join(f'<li><a href="{p}">某县{"甲乙丙丁戊己庚"[n]}局2022年政府信息公开工作年度报告</a>'
                    f'<span>2023-01-20</span></li>' for n, p in enumerate(sorted(pages)))
    pages["/nb/index.html"] = (f"<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body>"
                               f"<h2>政府信息公开年报</h2><ul>{links}</ul></body></html>".encode("utf-8"),
                               "text/html; charset=utf-8")
    _Site.pages = pages
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv, sorted(goods)
    srv.shutdown()


def test_poison_pages_on_a_crawled_site(poison_site, tmp_path):
    srv, goods = poison_site
    url = f"http://127.0.0.1:{srv.server_address[1]}/nb/index.html"
    cfg = tmp_path / "poison.yaml"
    cfg.write_text(yaml.safe_dump({"province": "测试省", "sites": [
        {"name": "poison-site", "start_urls": [url], "allowed_domains": ["127.0.0.1"]}]}, allow_unicode=True),
        encoding="utf-8")
    from crawler.sites import load_file

    home = Home.open(tmp_path / "home")
    runs = run_crawls(home, load_file(cfg, None), sites_source=str(cfg), fast="local", jobs=1)
    assert [r.status for r in runs] == ["finished"], [(r.status, r.error) for r in runs]
    with home.session() as s:
        docs = {d.url.split("/nb/")[-1]: d for d in s.scalars(select(Document).where(Document.kind != "list"))}
        assert {f"good{i}.html" for i in range(3)} <= set(docs), sorted(docs)
        for g in goods:
            assert docs[g.split("/nb/")[-1]].outcome == "report", docs[g.split("/nb/")[-1]].outcome
        for name in ("bom.html", "charset.html", "huge.html"):
            d = docs.get(name)
            assert d is not None, f"{name}: the fetch left no row"
            assert d.extracted and d.outcome is not None, (name, d.outcome)
        pending = s.scalar(select(func.count()).select_from(Document).where(Document.extracted.is_(False)))
        assert pending == 0
    before = _state(home)
    p = _cli(tmp_path / "home", "reextract")
    assert "Traceback" not in p.stderr and p.returncode in (0, 3)
    assert _state(home) == before
