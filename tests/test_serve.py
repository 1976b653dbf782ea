"""`nianbao serve` in a real headless Chromium (Debian's ``chromium``): search the sections, facet
the reports, open an agency page from the table, follow its link to the raw store's copy, the
region page's roll-up — and a hostile agency name (``<script>``, ``<img onerror>``) and a
``javascript:`` source URL that never execute. Screenshots are kept in the test's tmp dir and
checked non-blank.

Corpus: the real 沭阳县发改局 HTML report and seeds 000, 001 and 002, imported with ``nianbao import``
(which knows no 行政区划代码); a roster (``NIANBAO_CONFIG``/agencies/) places them in two regions as
government and departments, with departments of which no report was ever found — the region pages
show what the export completes from the rosters. Searches of one and two characters find what a
``LIKE`` on the exported sections finds.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.snapshots import REAL, SEEDS  # copies of ../shared

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<script>document.body.dataset.pwned=1</script><img src=x onerror="document.body.dataset.pwned=2">某局'

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium not installed (tests/debian-packages.txt)"),
    pytest.mark.skipif(not (REAL / "shuyang-fgj-2023.html").exists(), reason="../shared/ corpus not present"),
]


#: The roster of the test: the imported agencies' regions and body types (imports know neither),
#: and departments of which no report exists.
ROSTER = {
    "jilin.yaml": {"province": "吉林", "years": [2021], "agencies": [
        {"name": "老城区人民政府办公室", "region": "昌邑区", "region_code": "220202", "level": "county",
         "body_type": "government"},
        {"name": "信访局", "region": "昌邑区", "region_code": "220202", "level": "county", "body_type": "department"},
        {"name": "吉林市昌邑区政务服务局", "region": "昌邑区", "region_code": "220202", "level": "county",
         "body_type": "department"},
        {"name": "昌邑区财政局", "region": "昌邑区", "region_code": "220202", "level": "county",
         "body_type": "department"}]},
    "jiangsu.yaml": {"province": "江苏", "years": [2023], "agencies": [
        {"name": "沭阳县人民政府", "region": "沭阳县", "region_code": "321322", "level": "county",
         "body_type": "government"},
        {"name": "沭阳县发展和改革局", "region": "沭阳县", "region_code": "321322", "level": "county",
         "body_type": "department"}]},
}


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), *args], capture_output=True,
                       text=True, timeout=300, env=env)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("serve_home")
    config = tmp_path_factory.mktemp("config")
    (config / "agencies").mkdir()
    for name, roster in ROSTER.items():
        (config / "agencies" / name).write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "NIANBAO_CONFIG": str(config)}
    cli(home, "import", str(REAL / "shuyang-fgj-2023.html"), str(SEEDS / "000_5c62533f5d23ed68.txt"),
        str(SEEDS / "001_e02f11226f5e83d3.txt"), str(SEEDS / "002_82ba2db36d9bf72d.txt"), env=env)
    cli(home, "import", str(SEEDS / "003_faf8d52b50e3aa9a.txt"), "--agency", HOSTILE, "--year", "2021",
        "--url", "javascript:document.body.dataset.pwned=3", env=env)
    p = subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), "check", "--as-of", "2022-12-31"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode in (0, 1), p.stderr  # 1: the seeds' own errors
    port = free_port()
    log = open(home / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("nianbao serve did not start: " + (home / "serve.log").read_text())
            time.sleep(0.3)
    shots = tmp_path_factory.mktemp("screenshots")
    yield {"base": base, "home": home, "shots": shots, "profile": tmp_path_factory.mktemp("chromium")}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _chromium(srv: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", f"--user-data-dir={srv['profile']}", "--virtual-time-budget=3000",
                           *args], capture_output=True, text=True, timeout=120)


def dom(srv: dict, path: str) -> str:
    """The page's DOM after its scripts ran, as Chromium serialises it."""
    p = _chromium(srv, "--dump-dom", srv["base"] + path)
    assert "<html" in p.stdout, p.stderr[-2000:]
    return p.stdout


def screenshot(srv: dict, path: str, name: str) -> Path:
    out = srv["shots"] / f"{name}.png"
    _chromium(srv, "--window-size=1280,1200", f"--screenshot={out}", srv["base"] + path)
    assert out.exists(), f"no screenshot of {path}"
    from PIL import Image

    with Image.open(out) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20, f"{out} looks blank"
    return out


def not_pwned(page: str) -> None:
    body = re.search(r"<body[^>]*>", page).group(0)
    assert "data-pwned" not in body, "a script from crawled text ran"
    assert not re.search(r"<img[^>]+onerror", page), "crawled markup became an element"
    assert 'href="javascript:' not in page.lower()


def test_search_sections(server) -> None:
    page = dom(server, "/nianbao/sections?_search=政府信息公开")
    assert "search matches" in page
    rows = re.findall(r'<tr>\s*<td class="col-id', page) or re.findall(r"<td class=\"col-id", page)
    assert len(rows) >= 3, "full-text search found too few sections"
    screenshot(server, "/nianbao/sections?_search=政府信息公开", "search")


def _sections_like(srv: dict, term: str) -> set[int]:
    con = sqlite3.connect(srv["home"] / "browse" / "nianbao.db")
    try:
        return {r[0] for r in con.execute("select id from sections where instr(text, ?) or instr(coalesce(title, ''), ?)",
                                           (term, term))}
    finally:
        con.close()


def _search_ids(srv: dict, query: str) -> set[int]:
    url = srv["base"] + "/nianbao/sections.json?" + urllib.parse.urlencode(
        {"_search": query, "_shape": "array", "_size": "max"})
    return {r["id"] for r in json.loads(urllib.request.urlopen(url, timeout=10).read())}


@pytest.mark.parametrize("term", ["公开", "费", "申请", "信息公开"])
def test_search_finds_short_terms(server, term: str) -> None:
    """The trigram index finds nothing shorter than three characters: 1- and 2-character terms
    are matched by LIKE, and every length finds exactly the sections that contain the term."""
    want = _sections_like(server, term)
    assert want, term
    assert _search_ids(server, term) == want


def test_search_short_terms_in_the_browser(server) -> None:
    assert _search_ids(server, "鑫鑫") == set() and _search_ids(server, "%") == _sections_like(server, "%")
    both = _search_ids(server, "公开 费")
    assert both == _sections_like(server, "公开") & _sections_like(server, "费") and both
    page = dom(server, "/nianbao/sections?_search=" + urllib.parse.quote("公开"))
    assert 'search matches "公开"' in page and 'value="公开"' in page
    assert len(re.findall(r'<td class="col-id', page)) == min(50, len(_sections_like(server, "公开")))
    screenshot(server, "/nianbao/sections?_search=" + urllib.parse.quote("公开"), "search-short")
    hostile = '"><img src=x onerror="document.body.dataset.pwned=4">公'
    page = dom(server, "/nianbao/sections?_search=" + urllib.parse.quote(hostile))
    not_pwned(page)
    assert "search matches" in page


def test_facet_reports_by_year(server) -> None:
    page = dom(server, "/nianbao/reports?_facet=year")
    assert 'data-column="year"' in page or "facet-year" in page
    assert re.search(r"year=2021[^\"]*\"[^>]*>\s*2021", page), "no 2021 facet value"
    screenshot(server, "/nianbao/reports?_facet=year", "facet")


def test_agency_page_from_the_table_and_its_source_link(server) -> None:
    table = dom(server, "/nianbao/reports")
    link = re.search(r'<a href="(/-/agency/\d+)">沭阳县发展和改革局</a>', table)
    assert link, "the reports table does not link the agency page"
    page = dom(server, link.group(1))
    assert "三、收到和处理政府信息公开申请情况" in page and ">26<" in page
    assert "第二十条" in page
    screenshot(server, link.group(1), "agency")
    raw = re.search(r'href="(/-/raw/([0-9a-f]{64}))"', page)
    assert raw, "no link to the raw store copy"
    resp = urllib.request.urlopen(server["base"] + raw.group(1), timeout=10)
    body = resp.read()
    original = (REAL / "shuyang-fgj-2023.html").read_bytes()
    assert body == original and hashlib.sha256(body).hexdigest() == raw.group(2)
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    shown = dom(server, raw.group(1))
    assert "沭阳县发展和改革局" in shown


def _db_figure(srv: dict, agency: str, year: int, key: tuple[str, str, str]) -> int | None:
    con = sqlite3.connect(srv["home"] / "nianbao.sqlite")
    try:
        row = con.execute("select c.value_text from cells c join reports r on r.id = c.report_id where "
                          "r.agency_name = ? and r.year = ? and r.is_current and c.table_key = ? and c.row_key = ? "
                          "and c.column_key = ?", (agency, year, *key)).fetchone()
    finally:
        con.close()
    return None if row is None or row[0] is None else int(row[0])


def test_region_page_lists_every_agency_of_the_roster_and_rolls_up(server) -> None:
    """The imports carry no 行政区划代码: the roster's codes and body types place them; the roster's
    department with no report is listed and named missing; the government's figure stands beside
    the sum of its departments' (taken from the database)."""
    page = dom(server, "/-/region/220202")
    rows = re.findall(r'<tr class="agency-row">(.*?)</tr>', page, re.DOTALL)
    names = [re.search(r'<a href="/-/agency/\d+">([^<]+)</a>', r).group(1) for r in rows]
    assert names == ["老城区人民政府办公室", "信访局", "吉林市昌邑区政务服务局", "昌邑区财政局"]
    assert "政府" in rows[0] and all("部门" in r for r in rows[1:])
    assert all("应发布" in r for r in rows)
    assert "未见报告" in rows[3] and "未见报告" not in "".join(rows[:3])
    assert "P1 截止日后未找到年报" in rows[3] and "P1" not in "".join(rows[:3])  # the monitor's finding, per year
    assert "2021 年：老城区人民政府办公室 与 2 个部门" in page
    key = ("applications", "new_received", "total")
    own = _db_figure(server, "老城区人民政府办公室", 2021, key)
    parts = [_db_figure(server, a, 2021, key) for a in ("信访局", "吉林市昌邑区政务服务局")]
    line = re.search(r"<tr><td>[^<]*本年新收[^<]*</td>(.*?)</tr>", page, re.DOTALL).group(1)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', line)
    assert cells[:2] == [str(own), str(sum(p or 0 for p in parts))], line
    missing = page[page.index("该年未见报告的部门"):]
    assert "昌邑区财政局" in missing[:300] and "信访局" not in missing[:300]
    screenshot(server, "/-/region/220202", "region")

    # 沭阳县: its government never published; the department's 2023 report is listed, no roll-up
    page = dom(server, "/-/region/321322")
    assert "沭阳县人民政府" in page and "沭阳县发展和改革局" in page and "没有同一年既有政府报告又有部门报告的年度" in page
    screenshot(server, "/-/region/321322", "region-no-government")


def test_export_completes_agencies_from_the_roster(server) -> None:
    """What the region pages read: the exported agencies and reports carry the roster's code."""
    con = sqlite3.connect(server["home"] / "browse" / "nianbao.db")
    try:
        agencies = {r[0]: r[1:] for r in con.execute("select name, region_code, body_type, expected from agencies")}
        reports = dict(con.execute("select agency, region_code from reports"))
    finally:
        con.close()
    assert agencies["信访局"] == ("220202", "department", 1)
    assert agencies["昌邑区财政局"] == ("220202", "department", 1)  # no report: from the roster alone
    assert agencies["沭阳县发展和改革局"] == ("321322", "department", 1)
    assert agencies[HOSTILE][:1] == ("",)
    assert reports["吉林市昌邑区政务服务局"] == "220202" and reports["沭阳县发展和改革局"] == "321322"


def test_hostile_text_is_shown_never_run(server) -> None:
    for path in ("/nianbao/reports", "/nianbao/agencies", "/-/region/321322", "/nianbao/documents"):
        page = dom(server, path)
        not_pwned(page)
    agencies = dom(server, "/nianbao/agencies")
    link = re.search(r'<a href="(/-/agency/\d+)">&lt;script&gt;', agencies)
    assert link, "the hostile name is not shown as text"
    page = dom(server, link.group(1))
    not_pwned(page)
    assert "&lt;script&gt;document.body.dataset.pwned=1&lt;/script&gt;" in page
    assert "javascript:document.body.dataset.pwned=3" in page  # shown as text, not a link
    screenshot(server, link.group(1), "hostile")


def test_canned_query_and_metadata(server) -> None:
    page = dom(server, "/nianbao")
    assert "行政复议、行政诉讼结果纠正" in page
    q = urllib.request.urlopen(server["base"] + "/nianbao/corrections_by_agency.json?_shape=array", timeout=10)
    assert q.status == 200 and b"report_id" in q.read()
