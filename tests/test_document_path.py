"""Issue 10: one path from a fetched document to a report — nothing lost, nothing doubled.

Real processes on real SQLite files: the same bytes imported twice are one report, an unchanged
re-fetch keeps the earlier report, re-extraction leaves reports and findings as they were,
poison documents between good ones are recorded problems while every good one is stored,
commands started together on one home neither race nor fail, user errors are one line, and
crawled text cannot drive the terminal.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.home import Home
from db.models import CellRow, Document, Finding, ReportRow
from nianbao.app.extraction import extract_documents, import_file, reextract
from nianbao.app.terminal import safe
from portal.render import render_html, render_tab
from portal.synth import random_report


from tests.conftest import run_cli as _cli


def _reports(tmp: Path, n: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rep = random_report(rng, f"某县第{i}局", 2020 + i % 3)
        p = tmp / f"good{i}.txt"
        p.write_text(render_tab(rep), encoding="utf-8")
        out.append(p)
    return out


def _state(h: Home) -> dict:
    """Everything re-extraction must leave as it was: report rows, their cells, the current marks, findings."""
    with h.session() as s:
        reps = sorted((r.id, r.document_id, r.agency_name, r.year, r.status, r.is_current, r.sha256)
                      for r in s.scalars(select(ReportRow)))
        cells = s.execute(select(CellRow.report_id, func.count(), func.count(CellRow.value))
                          .group_by(CellRow.report_id).order_by(CellRow.report_id)).all()
        finds = sorted((f.fingerprint, f.status, f.rule) for f in s.scalars(select(Finding)))
        docs = sorted((d.id, d.report_id, d.outcome) for d in s.scalars(select(Document)))
    return {"reports": reps, "cells": [tuple(c) for c in cells], "findings": finds, "documents": docs}


# --------------------------------------------------------------------------------- identity
def test_same_bytes_twice_is_one_report(tmp_path: Path) -> None:
    h = Home.open(tmp_path / "home")
    f = _reports(tmp_path, 1)[0]
    copy = tmp_path / "copy-under-another-name.txt"
    copy.write_bytes(f.read_bytes())
    with h.session() as s:
        a = import_file(h, s, f)
        s.commit()
        b = import_file(h, s, copy)
        s.commit()
        c = import_file(h, s, f)
        s.commit()
        assert a.outcome == "report" and b.outcome == c.outcome == "duplicate", (a.reason, b.reason)
        assert b.report.id == c.report.id == a.report.id
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 1
        assert s.scalar(select(func.count()).select_from(Document)) == 3  # every import is a row
        assert {d.report_id for d in s.scalars(select(Document)) if d.outcome == "duplicate"} == {a.report.id}
    p = _cli(tmp_path / "home", "reports", "--json")
    assert p.returncode == 0 and len(p.stdout.strip().splitlines()) == 1


def test_revised_report_is_a_new_version_and_the_newest_stands(tmp_path: Path) -> None:
    h = Home.open(tmp_path / "home")
    rng = random.Random(5)
    rep = random_report(rng, "某县财政局", 2022)
    v1 = tmp_path / "v1.txt"
    v1.write_text(render_tab(rep), encoding="utf-8")
    rep["applications"]["new_received"]["natural_person"] = (rep["applications"]["new_received"]["natural_person"] or 0) + 1
    v2 = tmp_path / "v2.txt"
    v2.write_text(render_tab(rep), encoding="utf-8")
    with h.session() as s:
        first = import_file(h, s, v1, {"url": "http://x.gov.cn/nb/2022.html"}).report
        s.commit()
        second = import_file(h, s, v2, {"url": "http://x.gov.cn/nb/2022.html"}).report
        s.commit()
        s.refresh(first)
        s.refresh(second)
        assert (first.is_current, second.is_current) == (False, True), (first.first_seen, second.first_seen, first.id, second.id, second.status)
        assert first.agency_id == second.agency_id and first.year == second.year == 2022
    p = _cli(tmp_path / "home", "reports")
    assert "1 reports" in p.stdout
    p = _cli(tmp_path / "home", "reports", "--all")
    assert "2 reports" in p.stdout


def test_unchanged_refetch_keeps_the_earlier_report(tmp_path: Path) -> None:
    """The crawl records a 304 or an unchanged body as a document pointing to the previous fetch:
    the one path keeps the earlier report, on the first pass and on re-extraction alike."""
    h = Home.open(tmp_path / "home")
    f = _reports(tmp_path, 1)[0]
    sha = h.store.put(f.read_bytes())
    from db.store import now

    with h.session() as s:
        d1 = Document(url="http://x.gov.cn/a.txt", final_url="http://x.gov.cn/a.txt", sha256=sha, kind="detail",
                      fetched_at=now(), http_status=200, meta={})
        s.add(d1)
        s.flush()
        d2 = Document(url="http://x.gov.cn/a.txt", sha256=sha, kind="detail", fetched_at=now(), http_status=304,
                      meta={"not_modified": True, "previous_document_id": d1.id}, extracted=True)
        d3 = Document(url="http://x.gov.cn/a.txt", sha256=sha, kind="detail", fetched_at=now(), http_status=200,
                      meta={"unchanged": True, "previous_document_id": d1.id}, extracted=True)
        s.add_all([d2, d3])
        s.commit()
        ids = [d1.id, d2.id, d3.id]
    # the kill case: the 304 is processed before the document it points to
    counts = extract_documents(h, [ids[1], ids[0], ids[2]])
    assert counts == {"unchanged": 2, "report": 1}
    before = _state(h)
    assert len(before["reports"]) == 1
    assert reextract(h) == {"unchanged": 2, "report": 1}
    assert _state(h) == before


def test_cover_page_points_to_its_attachment_in_either_order(tmp_path: Path) -> None:
    f = _reports(tmp_path, 1)[0]
    cover = "<html><head><title>某县第0局2022年政府信息公开工作年度报告</title></head><body>" \
            "<h1>某县第0局2022年政府信息公开工作年度报告</h1><p>全文详见附件。</p><a href='/f/nb.txt'>附件</a></body></html>"
    from db.store import now

    for order in ("detail-first", "attachment-first"):
        hh = Home.open(tmp_path / order)
        sha_d = hh.store.put(cover.encode())
        sha_a = hh.store.put(f.read_bytes())
        with hh.session() as s:
            d = Document(url="http://x.gov.cn/nb/1.html", final_url="http://x.gov.cn/nb/1.html", sha256=sha_d,
                         kind="detail", fetched_at=now(), http_status=200, content_type="text/html", meta={})
            a = Document(url="http://x.gov.cn/f/nb.txt", final_url="http://x.gov.cn/f/nb.txt", sha256=sha_a,
                         kind="attachment", parent_url="http://x.gov.cn/nb/1.html", fetched_at=now(), http_status=200,
                         content_type="text/plain", meta={})
            s.add_all([d, a])
            s.commit()
            ids = [d.id, a.id] if order == "detail-first" else [a.id, d.id]
        extract_documents(hh, ids)
        with hh.session() as s:
            rows = {r.document.kind: r for r in s.scalars(select(ReportRow))}
            assert rows["detail"].status == "not_report" and "attachment" in rows["detail"].error
            assert rows["attachment"].status in ("ok", "problems") and rows["attachment"].is_current
            assert not rows["detail"].is_current
            assert s.scalar(select(func.count()).select_from(CellRow).where(
                CellRow.report_id == rows["detail"].id)) == 0  # no blank cells stored for a cover page
        before = _state(hh)
        reextract(hh)
        assert _state(hh) == before, order


# --------------------------------------------------------------------------------- re-extraction
def test_reextract_leaves_reports_versions_and_findings_identical(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = _reports(tmp_path, 6)
    assert _cli(home, "import", *map(str, files)).returncode == 0
    assert _cli(home, "import", str(files[0])).returncode == 0  # a re-import: no second report
    p = _cli(home, "check", "--as-of", "2030-01-01")
    assert p.returncode in (0, 1), p.stderr
    h = Home.open(home)
    before = _state(h)
    p = _cli(home, "reextract")
    assert p.returncode == 0, p.stderr
    assert "duplicate 1" in p.stdout and "report 6" in p.stdout
    assert _cli(home, "check", "--as-of", "2030-01-01").returncode in (0, 1)
    assert _state(h) == before
    p = _cli(home, "reextract", "--stale")
    assert p.returncode == 0 and p.stdout.startswith("re-extracted 0 documents")
    p = _cli(home, "reextract", "--pending")
    assert p.returncode == 0 and p.stdout.startswith("re-extracted 0 documents")


def test_reextract_stale_rereads_only_the_bumped_reader(tmp_path: Path) -> None:
    h = Home.open(tmp_path / "home")
    rng = random.Random(3)
    with h.session() as s:
        for i in range(3):
            (tmp_path / f"t{i}.txt").write_text(render_tab(random_report(rng, f"某镇{i}", 2021)), encoding="utf-8")
            (tmp_path / f"h{i}.html").write_text(render_html(random_report(rng, f"某局{i}", 2021)), encoding="utf-8")
            import_file(h, s, tmp_path / f"t{i}.txt")
            import_file(h, s, tmp_path / f"h{i}.html")
        s.commit()
    before = _state(h)
    # another process (a newer nianbao) sees the HTML reader bumped
    code = ("import extract.versions as v; v.READERS['html'] = str(int(v.READERS['html']) + 1);"
            "from db.home import Home; from nianbao.app.extraction import reextract;"
            f"print(reextract(Home.open({str(tmp_path / 'home')!r}), stale=True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "{'report': 3}"
    after = _state(h)
    assert after == before  # the same reports, re-read in place
    with h.session() as s:
        vers = {(r.format, r.extractor_version) for r in s.scalars(select(ReportRow))}
    assert {v for f, v in vers if f == "html"} != {v for f, v in vers if f == "text"}


# --------------------------------------------------------------------------------- poison
def _poison(tmp: Path) -> dict[str, Path]:
    good = render_tab(random_report(random.Random(9), "某县毒药局", 2022))
    out = {
        "bom-invalid-byte": b"\xef\xbb\xbf\xff\xfe" + good.encode("utf-8"),
        "meta-charset-undefined": ('<html><head><meta charset="undefined"><title>某局2022年政府信息公开工作年度报告'
                                   "</title></head><body><pre>" + good + "</pre></body></html>").encode("utf-8"),
        "huge-number": good.replace("\t0\t", "\t" + "9" * 5000 + "\t", 1).encode("utf-8"),
        "overflow-number": good.replace("\t0\t", "\t" + "9" * 400 + "\t", 1).encode("utf-8"),
        "nul-bytes": b"\x00" * 10 + good.encode("utf-8"),
    }
    paths = {}
    for name, data in out.items():
        p = tmp / f"{name}.txt" if "meta" not in name else tmp / f"{name}.html"
        p.write_bytes(data)
        paths[name] = p
    return paths


def test_poison_documents_between_good_ones(tmp_path: Path) -> None:
    goods = _reports(tmp_path, 4, seed=21)
    poison = _poison(tmp_path)
    files = [goods[0], *poison.values(), goods[1], goods[2], goods[3]]
    # parse: every good file printed, every bad one a line, no traceback
    p = subprocess.run([sys.executable, "-m", "nianbao.cli", "parse", "--json", *map(str, files)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stderr
    assert len([ln for ln in p.stdout.splitlines() if ln.startswith("{")]) >= 4
    # import: every good one stored as a report, every bad one a row with its reason
    home = tmp_path / "home"
    p = _cli(home, "import", *map(str, files))
    assert "Traceback" not in p.stderr, p.stderr
    h = Home.open(home)
    with h.session() as s:
        docs = {Path(d.meta["filename"]).stem: d for d in s.scalars(select(Document))}
        assert len(docs) == len(files)
        for g in goods:
            assert docs[g.stem].outcome == "report", (g.stem, docs[g.stem].outcome)
        for name in poison:
            d = docs[name]
            assert d.extracted and d.outcome in ("report", "failed", "not_report"), (name, d.outcome)
            rep = s.scalar(select(ReportRow).where(ReportRow.document_id == d.id))
            assert rep is not None and (rep.status != "failed" or rep.error), name
            # never the 9999… number as a value
            assert not s.scalar(select(func.count()).select_from(CellRow).where(
                CellRow.report_id == rep.id, CellRow.value > 10**12))
    # reextract over the same poison: the same outcome, the run goes on, nothing retried forever
    before = _state(h)
    p = _cli(home, "reextract")
    assert "Traceback" not in p.stderr and p.returncode in (0, 3)
    assert _state(h) == before
    p = _cli(home, "reextract", "--pending")
    assert p.returncode == 0 and p.stdout.startswith("re-extracted 0 documents")


def test_a_crash_in_the_reader_is_the_documents_problem(tmp_path: Path) -> None:
    """Whatever the reader raises (here: a RecursionError injected for one document) becomes that
    document's recorded problem; the documents after it are stored."""
    goods = _reports(tmp_path, 3, seed=4)
    code = f"""
import sys
import extract
import nianbao.app.extraction as X
real = X.extract
def boom(data, **kw):
    if b"CRASH" in data:
        raise RecursionError("maximum recursion depth exceeded")
    return real(data, **kw)
X.extract = boom
from db.home import Home
from pathlib import Path
h = Home.open({str(tmp_path / 'home')!r})
with h.session() as s:
    for f in {[str(p) for p in goods[:1]]!r} + [{str(tmp_path / 'crash.txt')!r}] + {[str(p) for p in goods[1:]]!r}:
        r = X.import_file(h, s, Path(f))
        s.commit()
        print(r.outcome, r.crashed)
"""
    (tmp_path / "crash.txt").write_text("CRASH " + goods[0].read_text(encoding="utf-8"), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:4] == ["report False", "failed True", "report False", "report False"]


# --------------------------------------------------------------------------------- concurrency
def test_eight_commands_on_a_fresh_home(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    files = _reports(tmp_path, 8, seed=33)
    procs = [subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "import", str(f)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [o[1] for o in outs]
    with Home.open(home).session() as s:
        assert s.scalar(select(func.count()).select_from(ReportRow).where(ReportRow.is_current.is_(True))) == 8


def test_check_during_import_and_two_checks_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = _reports(tmp_path, 30, seed=44)
    assert _cli(home, "import", *map(str, files[:5])).returncode == 0
    imp = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "import", *map(str, files[5:])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    checks = [subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "check", "--json",
                                "--as-of", "2030-01-01"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    res = [c.communicate(timeout=600) for c in checks]
    imp_out = imp.communicate(timeout=600)
    assert imp.returncode == 0, imp_out[1]
    for c, (out, err) in zip(checks, res):
        assert c.returncode in (0, 1), err  # 1 = open errors found; never a crash (4) or a lock error
        json.loads(out)
    with Home.open(home).session() as s:
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 30


# --------------------------------------------------------------------------------- errors and terminals
@pytest.mark.parametrize("args,needle", [
    (["--db", "nosuchdriver://x/y", "reports"], "not a database URL"),
    (["--db", "postgresql+psycopg://nobody@127.0.0.1:9/none", "reports"], "cannot be used"),
    (["--db", "mysql+mysqldb://nobody@127.0.0.1/none", "reports"], "package is missing"),
    (["crawl", "--site", "sample-js-qinhe"], "did you mean sample-js-qinghe"),
    (["import", "--published", "31.1.2024", "x.txt"], "x.txt"),
])
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    p = _cli(tmp_path / "home", *args)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    assert needle in p.stderr
    p = _cli(tmp_path / "home", "--debug", *args)
    if "--db" in args:
        assert "Traceback" in p.stderr  # --debug shows it


def test_sqlite_in_a_missing_folder_and_relative_sites(tmp_path: Path) -> None:
    db = tmp_path / "not" / "yet" / "there.sqlite"
    p = _cli(tmp_path / "home", "--db", f"sqlite:///{db}", "reports")
    assert p.returncode == 0 and db.exists(), p.stderr
    bad = tmp_path / "sites.yaml"
    bad.write_text("province: 江苏\nsites:\n  - name: x\n    start_urls: [http://127.0.0.1:9/]\n   bad: [\n",
                   encoding="utf-8")
    p = _cli(tmp_path / "home", "crawl", "--sites", "sites.yaml", cwd=tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "sites.yaml" in p.stderr, p.stderr


def test_terminal_output_is_safe() -> None:
    assert safe("标题\x1b]0;pwned\x07\x1b[2J") == "标题\\x1b]0;pwned\\x07\\x1b[2J"
    assert safe("a\u202eb\x9bc") == "a\\u202eb\\x9bc"
    assert safe("行\n下一行\t") == "行\n下一行\t"


def test_hostile_agency_name_reaches_the_terminal_escaped(tmp_path: Path) -> None:
    rep = random_report(random.Random(2), "某县\x1b]8;;http://evil/\x1b\\局\u202e", 2022)
    f = tmp_path / "evil.txt"
    f.write_text(render_tab(rep), encoding="utf-8")
    home = tmp_path / "home"
    p = _cli(home, "import", str(f), "--agency", "某县\x1b]8;;http://evil/\x1b\\局\u202e")
    assert p.returncode == 0, p.stderr
    for args in (["reports"], ["check", "--as-of", "2030-01-01"], ["reports", "--all"]):
        out = _cli(home, *args)
        assert "\x1b" not in out.stdout + out.stderr and "\u202e" not in out.stdout + out.stderr
    js = _cli(home, "reports", "--json")
    assert json.loads(js.stdout.splitlines()[0])["agency"] == "某县\x1b]8;;http://evil/\x1b\\局\u202e"


def test_relative_sites_file_from_another_folder(tmp_path: Path) -> None:
    """`crawl --sites sites.yaml` names a file relative to where the user stands; the crawl child
    (started elsewhere) is given the resolved path."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "sites.yaml").write_text(
        "province: 测试省\nsites:\n  - name: rel-site\n"
        f"    start_urls: [\"http://127.0.0.1:{port}/index.html\"]\n    allowed_domains: [127.0.0.1]\n",
        encoding="utf-8")
    p = _cli(tmp_path / "home", "crawl", "--sites", "sites.yaml", "--local", "-s", "RETRY_TIMES=0", cwd=tmp_path)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "rel-site" in p.stdout and "finished" in p.stdout
