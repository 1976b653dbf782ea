"""Real crawls (Scrapy in subprocesses, as `nianbao crawl` runs them) of the sample portal on
127.0.0.1 — no mocked responses. Compared with the portal's truth: every report of every layout
with its agency, year and publication date; GBK pages; nothing offsite; robots.txt; errors
recorded; incremental re-crawls; changed reports as new versions; kill and resume.

The crawls use the ``local`` profile (no waiting between requests; robots.txt, AutoThrottle, the
per-site cap and retries as in production)."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from db.models import CrawlRun, Document, ReportRow, Site
from nianbao.app.harvest import child_command, child_env, run_crawls
from nianbao.cli_demo import load_sample_sites, sample_sites_source, start_portal
from db.home import Home
from nianbao.paths import ROOT

pytestmark = pytest.mark.slow


def _why(runs) -> list:
    """Status, error and the end of the crawl log of every run that did not finish."""
    out = []
    for r in runs:
        if r.status != "finished":
            tail = r.log.read_text(encoding="utf-8", errors="replace")[-3000:] if r.log and r.log.exists() else ""
            out.append((r.site.name, r.status, r.error, r.counts, tail))
    return out


@pytest.fixture(scope="module")
def portal():
    server = start_portal()
    yield server
    server.stop()


def crawl_all(home: Home, portal, sites=None, source=None, jobs=2):
    sites = sites if sites is not None else load_sample_sites(portal.url)
    t = time.monotonic()
    before = len(portal.requests)
    runs = run_crawls(home, sites, sites_source=str(source or sample_sites_source()), portal=portal.url,
                      fast="local", jobs=jobs, extract=True)
    return SimpleNamespace(runs=runs, seconds=time.monotonic() - t, requests=list(portal.requests[before:]),
                           run_ids=[r.run_id for r in runs])


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return Home.open(str(tmp_path_factory.mktemp("crawl-home")), None)


@pytest.fixture(scope="module")
def first(home, portal):
    portal.set_epoch(0)
    return crawl_all(home, portal)


@pytest.fixture(scope="module")
def second(home, portal, first):
    portal.set_epoch(0)
    return crawl_all(home, portal)


@pytest.fixture(scope="module")
def third(home, portal, second):
    """Epoch 1: the P3 reports changed after publication; re-crawl the sites that carry them."""
    portal.set_epoch(1)
    try:
        changed_sites = {r.site for r in portal.truth.reports if r.changed is not None}
        sites = [s for s in load_sample_sites(portal.url) if s.name in changed_sites]
        return crawl_all(home, portal, sites)
    finally:
        portal.set_epoch(0)


def docs_of_run(s, run_id):
    return s.scalars(select(Document).where(Document.crawl_run_id == run_id)).all()


# ------------------------------------------------------------------------------ first crawl
def test_every_site_finished(first):
    for r in first.runs:
        assert r.status == "finished", (r.site.name, r.status, r.error, r.log)
    print(f"first crawl of {len(first.runs)} sites: {first.seconds:.1f}s, {len(first.requests)} requests")


def _by_url(s, run_ids):
    out: dict[str, list[Document]] = {}
    for d in s.scalars(select(Document).where(Document.crawl_run_id.in_(run_ids))).all():
        out.setdefault(d.url, []).append(d)
    return out


def test_every_report_found_with_agency_year_and_date(first, home, portal):
    truth = portal.truth
    problems: dict[str, list[str]] = {}
    with home.session() as s:
        docs = _by_url(s, first.run_ids)
        reports = s.execute(select(ReportRow.agency_name, ReportRow.year, ReportRow.published)
                            .join(Document, ReportRow.document_id == Document.id)
                            .where(Document.crawl_run_id.in_(first.run_ids), ReportRow.status.in_(("ok", "problems")))
                            ).all()
    extracted = {}
    for agency, year, published in reports:
        extracted.setdefault((agency, year), set()).add(published.isoformat() if published else None)
    n = 0
    for r in truth.reports:
        n += 1
        bad = problems.setdefault(r.site, [])
        want = (r.agency, r.year, r.published.date().isoformat())
        detail = docs.get(portal.url + r.url)
        if not detail:
            bad.append(f"not fetched: {want} {r.url}")
            continue
        d = detail[0]
        got = (d.meta.get("agency"), d.meta.get("year"), d.meta.get("published"))
        if d.error or not d.sha256 or got != want:
            bad.append(f"detail {r.url}: want {want}, got {got} {d.error or ''}")
        # the list page it came from is one of the lists that carry it (Hanweb's POST paging is
        # recorded with its form as the fragment; the truth writes the GET form with columnid)
        came_from = (d.list_url or "").removeprefix(portal.url).split("#")[0]
        if came_from not in {re.sub(r"&columnid=\d+$", "", p) for p in r.list_pages}:
            bad.append(f"detail {r.url}: list_url {d.list_url} not among {r.list_pages}")
        if r.attachment:
            att = docs.get(portal.url + r.attachment)
            if not att or att[0].error or not att[0].sha256:
                bad.append(f"attachment not stored: {r.attachment}")
            elif (att[0].meta.get("agency"), att[0].meta.get("year"), att[0].meta.get("published")) != want:
                bad.append(f"attachment {r.attachment}: {att[0].meta}")
        if extracted.get((r.agency, r.year)) != {want[2]}:
            bad.append(f"extracted report {want}: {extracted.get((r.agency, r.year))}")
    assert n >= 200
    report = {site: msgs for site, msgs in problems.items() if msgs}
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)[:4000]
    assert set(problems) == {s.name for s in load_sample_sites(portal.url)}, "a layout yielded no reports"


def test_gbk_pages_decode(first, home, portal):
    truth = portal.truth
    gbk_sites = {s.id for s in truth.sites.values() if s.encoding != "utf-8"}
    assert gbk_sites
    with home.session() as s:
        docs = _by_url(s, first.run_ids)
    for r in truth.reports:
        if r.site in gbk_sites:
            d = docs[portal.url + r.url][0]
            assert d.encoding == "gb18030", (r.url, d.encoding)
            assert d.meta["title"] == r.data["title"]
    # pages whose <meta charset> contradicts the HTTP header: decoded by the bytes
    for quirk in ("charset_header_gbk_meta_utf8", "charset_header_utf8_meta_gbk"):
        q = truth.quirks[quirk]
        r = truth.report(q["agency"], int(q["year"]))
        d = docs[portal.url + r.url][0]
        assert d.meta.get("header_charset") != d.meta.get("meta_charset"), d.meta
        assert d.meta["agency"] == r.agency and d.meta["title"] == r.data["title"]
        assert d.encoding == ("utf-8" if r.encoding == "utf-8" else "gb18030")


def test_raw_bytes_kept_unedited(first, home, portal):
    import urllib.request

    truth = portal.truth
    gbk = next(r for r in truth.reports if r.encoding != "utf-8")
    with home.session() as s:
        d = s.scalars(select(Document).where(Document.url == portal.url + gbk.url)).first()
    served = urllib.request.urlopen(portal.url + gbk.url).read()
    assert home.store.get(d.sha256) == served
    assert d.size == len(served) and d.content_type and d.etag and d.last_modified and d.fetched_at


def test_nothing_offsite(first, portal):
    from portal.site import OFFSITE_PATH

    hosts = {h for _m, h, _p, _s in first.requests}
    assert hosts == {f"127.0.0.1:{portal.port}"}, hosts
    assert not [p for _m, _h, p, _s in first.requests if p.startswith(OFFSITE_PATH)]


def test_robots_obeyed(first, portal):
    paths = [p for _m, _h, p, _s in first.requests]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith(("/private/", "/search"))]


def test_robots_blocks_a_start_url(portal, tmp_path):
    """A site pointed straight into a disallowed folder: nothing is requested there, and the
    attempt is recorded as an error (the crawl failed; the agency did not fail to publish)."""
    from portal.site import PRIVATE_INDEX

    cfg = tmp_path / "robots.yaml"
    cfg.write_text("province: 测试\nsites:\n  - name: robots-check\n    start_urls: ['{portal}%s']\n"
                   "    allowed_domains: [127.0.0.1]\n" % PRIVATE_INDEX, encoding="utf-8")
    from crawler.sites import load_file

    home = Home.open(str(tmp_path / "home"), None)
    out = crawl_all(home, portal, load_file(cfg, portal.url), source=cfg, jobs=1)
    assert out.runs[0].status == "finished"
    assert not [p for _m, _h, p, _s in out.requests if p.startswith("/private/")]
    with home.session() as s:
        (doc,) = docs_of_run(s, out.run_ids[0])
    assert doc.error == "forbidden by robots.txt" and doc.sha256 is None


def test_errors_recorded_and_crawl_goes_on(first, home, portal):
    from portal.site import BROKEN_PATH

    truth = portal.truth
    with home.session() as s:
        broken = s.scalars(select(Document).where(Document.url == portal.url + BROKEN_PATH)).all()
        assert len(broken) == 1
        assert broken[0].error == "HTTP 404" and broken[0].http_status == 404 and broken[0].sha256 is None
        q = truth.quirks["error_once"]
        r = truth.report(q["agency"], int(q["year"]))
        once = s.scalars(select(Document).where(Document.url == portal.url + r.url,
                                                Document.crawl_run_id.in_(first.run_ids))).all()
        assert len(once) == 1 and once[0].error is None and once[0].sha256, "500 then 200: retried, one row"
    statuses = [st for _m, _h, p, st in first.requests if p == r.url]
    assert statuses[:2] == [500, 200], statuses


def test_one_document_per_url_per_run(first, home, portal):
    with home.session() as s:
        for run_id in first.run_ids:
            dupes = s.execute(select(Document.url, func.count()).where(Document.crawl_run_id == run_id)
                              .group_by(Document.url).having(func.count() > 1)).all()
            assert not dupes, dupes
        # a report filed under two list pages is one document
        for q in portal.truth.quirks["two_lists"]:
            r = portal.truth.report(q["agency"], int(q["year"]))
            assert len(r.list_pages) >= 2
            n = s.scalar(select(func.count()).select_from(Document).where(Document.url == portal.url + r.url,
                                                                         Document.crawl_run_id.in_(first.run_ids)))
            assert n == 1


def test_documents_say_where_they_came_from(first, home, portal):
    r = next(r for r in portal.truth.reports if r.attachment and r.site == "sample-js-huaining")
    with home.session() as s:
        att = s.scalars(select(Document).where(Document.url == portal.url + r.attachment)).first()
        det = s.scalars(select(Document).where(Document.url == portal.url + r.url)).first()
        run = s.get(CrawlRun, det.crawl_run_id)
        site = s.get(Site, run.site_id)
    assert att.kind == "attachment" and att.parent_url == det.final_url
    assert det.kind == "detail" and det.list_url and det.list_url.startswith(portal.url)
    assert det.meta["region"] == "淮宁市" and det.meta["index_no"] == r.index_no
    assert run.status == "finished" and site.name == "sample-js-huaining" and site.platform == "trs"


# ------------------------------------------------------------------------------ re-crawls
def test_recrawl_of_unchanged_portal_downloads_almost_nothing(first, second, home):
    full1 = sum(r.counts.get("downloads", 0) for r in first.runs)
    full2 = sum(r.counts.get("downloads", 0) for r in second.runs)
    n304 = sum(r.counts.get("not_modified", 0) for r in second.runs)
    ratio = full2 / full1
    print(f"re-crawl: {full2} full downloads of {full1} ({ratio:.1%}), {n304} answered 304, {second.seconds:.1f}s")
    assert all(r.status == "finished" for r in second.runs), _why(second.runs)
    assert ratio < 0.10
    with home.session() as s:
        rows = s.scalars(select(Document).where(Document.crawl_run_id.in_(second.run_ids),
                                                Document.http_status == 304)).all()
        assert len(rows) == n304 > 0
        for d in rows[:50]:
            prev = s.get(Document, d.meta["previous_document_id"])
            assert d.sha256 == prev.sha256 and d.extracted
        # nothing new to extract: the reports of the first crawl stand, once
        assert s.scalar(select(func.count()).select_from(ReportRow).join(Document, ReportRow.document_id == Document.id)
                        .where(Document.crawl_run_id.in_(second.run_ids))) == 0


def test_changed_report_is_stored_as_new_version(third, home, portal):
    changed = [r for r in portal.truth.reports if r.changed is not None]
    assert changed
    with home.session() as s:
        for r in changed:
            url = portal.url + (r.attachment or r.url)
            versions = s.scalars(select(Document).where(Document.url == url, Document.sha256.is_not(None))
                                 .order_by(Document.id)).all()
            shas = [d.sha256 for d in versions]
            assert len(set(shas)) == 2, (url, shas)
            assert home.store.has(shas[0]) and home.store.has(shas[-1])
            latest = versions[-1]
            assert latest.crawl_run_id in third.run_ids and latest.http_status == 200 and latest.meta.get("changed")
            reps = s.scalars(select(ReportRow).where(ReportRow.agency_name == r.agency, ReportRow.year == r.year,
                                                     ReportRow.status.in_(("ok", "problems")))).all()
            assert len({rep.sha256 for rep in reps}) == 2, "both versions extracted"


# ------------------------------------------------------------------------------ kill and resume
def _spawn(home: Home, portal, site: str, resume: bool, extra=()):
    cmd = child_command(site, home, str(sample_sites_source()), portal.url, resume, "local",
                        ("CONCURRENT_REQUESTS_PER_DOMAIN=1", "DOWNLOAD_DELAY=0.1", *extra))
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_env(), cwd=str(ROOT))


def _run_until(proc, documents: int | None, sig=signal.SIGKILL) -> dict:
    last = {}
    for raw in proc.stdout:
        ev = json.loads(raw)
        last.update(ev)
        if documents is not None and ev.get("documents", 0) >= documents:
            proc.send_signal(sig)
            break
    if sig == signal.SIGTERM:
        for raw in proc.stdout:  # a graceful stop still reports
            last.update(json.loads(raw))
    proc.wait(timeout=60)
    return last


def _fetched(home: Home) -> tuple[set, list]:
    with home.session() as s:
        runs = s.scalars(select(CrawlRun)).all()
        rows = s.execute(select(Document.url, Document.sha256, Document.crawl_run_id)).all()
    return {(u, h) for u, h, _ in rows}, runs


def test_killed_crawl_resumes_to_the_same_documents(portal, tmp_path):
    portal.set_epoch(0)
    site = "sample-js-qinghe"  # Hanweb: POST paging state must survive too
    whole = Home.open(str(tmp_path / "whole"), None)
    p = _spawn(whole, portal, site, False)
    assert _run_until(p, None).get("status") == "finished"
    want, _ = _fetched(whole)

    broken = Home.open(str(tmp_path / "broken"), None)
    p = _spawn(broken, portal, site, False)
    _run_until(p, 15, signal.SIGKILL)  # a hard kill: in-flight work and unwritten rows are lost
    assert p.returncode == -signal.SIGKILL
    recorded = len(_fetched(broken)[0])  # rows flushed before the kill (batches: may be none)
    assert recorded < len(want)
    p = _spawn(broken, portal, site, True)
    stopped = _run_until(p, recorded + 15, signal.SIGTERM)  # a clean stop: in-flight requests finish, rows are written
    assert stopped.get("status") == "interrupted", stopped
    if recorded:
        assert stopped.get("replayed", 0) > 0, "the re-walk replays what the killed process recorded"
    assert len(_fetched(broken)[0]) < len(want)
    p = _spawn(broken, portal, site, True)
    last = _run_until(p, None)
    assert last.get("status") == "finished" and last.get("resumed") is True
    print(f"resume: killed at 15+, stopped at {stopped.get('documents')} (replayed {stopped.get('replayed')}), "
          f"finished with {last.get('documents')} more (replayed {last.get('replayed')})")
    got, runs = _fetched(broken)
    assert len(runs) == 1 and runs[0].status == "finished", [(r.id, r.status) for r in runs]
    assert runs[0].stats.get("resumed") == 2
    with broken.session() as s:
        dupes = s.execute(select(Document.url, func.count()).group_by(Document.url).having(func.count() > 1)).all()
    assert not dupes, dupes
    assert got == want, (sorted(want - got)[:5], sorted(got - want)[:5])


# ------------------------------------------------------------------------------ a locked database
def test_crawl_outlasts_another_writer_holding_the_database(portal, tmp_path, monkeypatch):
    """SQLite has one writer: while ``nianbao crawl`` extracts one site, the next site's crawl
    writes to the same file. A writer holding the lock longer than busy_timeout must delay the
    crawl's rows, not kill the crawl (CI once saw a crawl end 'failed' this way)."""
    import sqlite3
    import threading

    portal.set_epoch(0)
    monkeypatch.setenv("NIANBAO_SQLITE_BUSY_MS", "200")  # the crawl subprocess gives up on a lock quickly
    home = Home.open(str(tmp_path / "home"), None)
    site = [s for s in load_sample_sites(portal.url) if s.name == "sample-js-qinghe"]
    held: dict[str, object] = {}

    def hold_the_lock():
        """Take the write lock for a second at a time, to the end of the crawl (its last write
        included), leaving short gaps for the crawl to write in."""
        path = home.url[len("sqlite:///"):]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.3)
            con = sqlite3.connect(path, timeout=5, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                status = con.execute("SELECT status FROM crawl_runs").fetchone()
                if status is None:
                    continue
                if status[0] != "running":
                    return
                held["times"] = held.get("times", 0) + 1
                time.sleep(1.0)  # five times the crawl's busy_timeout
            except sqlite3.OperationalError:
                continue  # the schema is not there yet, or the crawl holds the lock
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                con.close()

    t = threading.Thread(target=hold_the_lock, daemon=True)
    t.start()
    out = crawl_all(home, portal, site, jobs=1)
    t.join()
    assert held.get("times", 0) >= 2, held  # the lock was held, again and again, while the crawl ran
    assert all(r.status == "finished" for r in out.runs), _why(out.runs)
    log = out.runs[0].log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback"):][:3000]  # waited, never failed
    with home.session() as s:
        urls = set(s.scalars(select(Document.url).where(Document.crawl_run_id == out.run_ids[0])))
    want = {portal.url + r.url for r in portal.truth.reports if r.site == "sample-js-qinghe"}
    assert want <= urls, sorted(want - urls)[:5]


# ------------------------------------------------------------------------------ a dead server
def test_dead_server_is_recorded_and_is_c1_not_p1(tmp_path):
    """A portal that refuses connections: the crawl ends, its start URL is one Document with the
    reason, and the monitor says the crawl could not look (C1), never that the agency did not
    publish (P1)."""
    import socket
    from datetime import date

    import yaml

    from tests.monitor_support import check, config, current

    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/col/col100/index.html"
    cfg = tmp_path / "dead.yaml"
    cfg.write_text(yaml.safe_dump({"province": "测试省", "sites": [
        {"name": "dead-site", "start_urls": [url], "allowed_domains": ["127.0.0.1"], "default_agency": "某县人民政府"}]},
        allow_unicode=True), encoding="utf-8")
    from crawler.sites import load_file

    home = Home.open(str(tmp_path / "home"), None)
    out = run_crawls(home, load_file(cfg, None), sites_source=str(cfg), fast="local", jobs=1,
                     settings=("RETRY_TIMES=1",))
    assert [r.status for r in out] == ["finished"], _why(out)
    with home.session() as s:
        docs = s.scalars(select(Document).where(Document.crawl_run_id == out[0].run_id)).all()
        assert [(d.url, d.sha256) for d in docs] == [(url, None)]
        assert "ConnectionRefused" in docs[0].error, docs[0].error
        assert docs[0].meta.get("retries") == 1
        roster = [{"name": "某县人民政府", "region": "某县", "region_code": "329901", "body_type": "government",
                   "site": "dead-site"}]
        recs = current(check(s, config(tmp_path, roster), as_of=date(date.today().year + 1, 4, 10),
                             year=date.today().year), rules={"P1", "C1"})
    assert [(r["rule"], r["agency"]) for r in recs] == [("C1", "某县人民政府")], recs
    assert "dead-site" in recs[0]["message"]


# ------------------------------------------------------------------------------ an unwritable raw store
def test_unwritable_raw_store_is_recorded_per_fetch(portal, tmp_path):
    """When the raw store cannot be written (here: its path is a file), every fetch is still one
    Document, with the reason; the crawl walks the whole site and ends."""
    portal.set_epoch(0)
    home = Home.open(str(tmp_path / "home"), None)
    (home.home / "raw").write_text("not a folder")
    site = [s for s in load_sample_sites(portal.url) if s.name == "sample-js-xiqiao"]
    out = crawl_all(home, portal, site, jobs=1)
    assert [r.status for r in out.runs] == ["finished"], _why(out.runs)
    with home.session() as s:
        docs = s.scalars(select(Document).where(Document.crawl_run_id == out.run_ids[0])).all()
    want = {portal.url + r.url for r in portal.truth.reports if r.site == "sample-js-xiqiao"}
    assert want <= {d.url for d in docs}, "the list pages were still parsed and every report reached"
    assert docs and all(d.sha256 is None and d.error.startswith("could not write to the raw store") for d in docs
                        if d.http_status == 200), [(d.url, d.error) for d in docs][:3]
    assert out.runs[0].counts.get("downloads") == 0 and out.runs[0].counts.get("errors", 0) >= len(want)


# ------------------------------------------------------------------------------ without hints
def test_heuristics_find_every_report_without_site_hints(portal, tmp_path):
    """Real portals are configured with start URLs only: the column, report and pagination
    heuristics alone must find every report (TRS, Hanweb, Guangdong platform)."""
    import yaml

    portal.set_epoch(0)
    chosen = ("sample-js-huaining", "sample-js-qinghe", "sample-gd-nanling")
    entries = []
    for f in sorted(Path(sample_sites_source()).glob("sample-*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for e in data["sites"]:
            if e["name"] in chosen:
                e = {k: v for k, v in e.items() if k != "hints"}
                e["name"] = "bare-" + e["name"]
                e["province"] = data["province"]
                entries.append(e)
    cfg = tmp_path / "bare.yaml"
    cfg.write_text(yaml.safe_dump({"province": "测试", "sites": entries}, allow_unicode=True), encoding="utf-8")
    from crawler.sites import load_file

    home = Home.open(str(tmp_path / "home"), None)
    out = crawl_all(home, portal, load_file(cfg, portal.url), source=cfg, jobs=2)
    assert all(r.status == "finished" for r in out.runs), _why(out.runs)
    with home.session() as s:
        docs = _by_url(s, out.run_ids)
    missing = []
    for r in portal.truth.reports:
        if r.site in chosen:
            d = docs.get(portal.url + r.url)
            if not d or (d[0].meta.get("agency"), d[0].meta.get("year"), d[0].meta.get("published")) != \
                    (r.agency, r.year, r.published.date().isoformat()):
                missing.append((r.site, r.agency, r.year, r.url))
    assert not missing, missing[:10]


# ------------------------------------------------------------------------------ redirects, 5xx, time-outs
def test_redirect_offsite_500_and_timeout_are_recorded(tmp_path):
    """A small server of traps: a report that redirects to another host, one that always answers
    500, one that never answers in time. Each is one Document with an error; the run finishes;
    the other host is never contacted."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str, int]] = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            host = self.headers.get("Host", "")
            if self.path == "/robots.txt":
                code, body, extra = 200, b"User-agent: *\nAllow: /\n", {}
            elif self.path == "/col/index.html":
                links = "".join(f'<li><a href="/art/{n}.html">测试县{n}局2023年政府信息公开工作年度报告</a></li>'
                                for n in ("moved", "broken", "slow", "fine"))
                code, body, extra = 200, f'<html><body><ul>{links}</ul></body></html>'.encode(), {}
            elif self.path == "/art/moved.html":
                code, body, extra = 302, b"", {"Location": f"http://localhost:{self.server.server_port}/art/fine.html"}
            elif self.path == "/art/broken.html":
                code, body, extra = 500, b"oops", {}
            elif self.path == "/art/slow.html":
                time.sleep(3)
                code, body, extra = 200, b"late", {}
            elif self.path == "/art/fine.html":
                code, body, extra = 200, "<html><body><p>发布日期：2024-01-20</p></body></html>".encode(), {}
            else:
                code, body, extra = 404, b"", {}
            seen.append((host, self.path, code))
            try:
                self.send_response(code)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        port = httpd.server_port
        cfg = tmp_path / "traps.yaml"
        cfg.write_text("province: 测试\nsites:\n  - name: traps\n    start_urls: ['{portal}/col/index.html']\n"
                       "    allowed_domains: [127.0.0.1]\n", encoding="utf-8")
        from crawler.sites import load_file

        home = Home.open(str(tmp_path / "home"), None)
        runs = run_crawls(home, load_file(cfg, f"http://127.0.0.1:{port}"), sites_source=str(cfg),
                          portal=f"http://127.0.0.1:{port}", fast="local", jobs=1, extract=False,
                          settings=("DOWNLOAD_TIMEOUT=1", "RETRY_TIMES=2"))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert runs[0].status == "finished", runs[0].error
    assert not [s for s in seen if not s[0].startswith("127.0.0.1")], seen
    with home.session() as s:
        docs = {d.url.rsplit("/", 1)[1]: d for d in docs_of_run(s, runs[0].run_id)}
    base = f"http://127.0.0.1:{port}"
    assert docs["moved.html"].error.startswith("redirected off the allowed domains") and not docs["moved.html"].sha256
    assert docs["broken.html"].error == "HTTP 500" and docs["broken.html"].meta.get("retries") == 2
    assert [c for _h, p, c in seen if p == "/art/broken.html"] == [500, 500, 500]
    assert "TimeoutError" in docs["slow.html"].error and docs["slow.html"].sha256 is None
    assert docs["fine.html"].sha256 and docs["fine.html"].meta["published"] == "2024-01-20"
    assert docs["fine.html"].meta["agency"] == "测试县fine局" and docs["fine.html"].list_url == base + "/col/index.html"


# ------------------------------------------------------------------------------ the commands
def test_nianbao_crawl_command(portal, tmp_path):
    from click.testing import CliRunner

    from nianbao.cli import main

    portal.set_epoch(0)
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "crawl", "--site", "sample-js-xiqiao", "--portal",
                                  portal.url, "--local"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    row = next(line for line in lines if line.split()[:1] == ["sample-js-xiqiao"])  # the summary table
    truth = sum(1 for x in portal.truth.reports if x.site == "sample-js-xiqiao")
    assert row.split()[1] == "finished" and int(row.split()[3]) == truth, r.output
    assert f"report {truth}" in row  # what each document became: the reports, and their cover pages
    assert f"cover {sum(1 for x in portal.truth.reports if x.site == 'sample-js-xiqiao' and x.attachment)}" in row
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "reports"])
    assert r.exit_code == 0
    # cover pages ("全文详见附件") are listed too, as not_report; the reports themselves once each
    assert sum(" ok " in line or " problems " in line for line in r.output.splitlines()) == truth
