"""`nianbao serve` in a real headless Chromium (Debian's ``chromium``): search the sections, facet
the reports, open an agency page from the table, follow its link to the raw store's copy, the
region page's roll-up — and a hostile agency name (``<script>``, ``<img onerror>``) and a
``javascript:`` source URL that never execute. Screenshots are kept in the test's tmp dir and
checked non-blank.

Corpus: the real 沭阳县发改局 HTML report and seeds 000 and 002, imported with ``nianbao import``;
the agencies are then placed in one 行政区划 (321322) as government and departments, which an
import alone does not know.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
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


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), *args], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("serve_home")
    cli(home, "import", str(REAL / "shuyang-fgj-2023.html"), str(SEEDS / "000_5c62533f5d23ed68.txt"),
        str(SEEDS / "002_82ba2db36d9bf72d.txt"))
    cli(home, "import", str(SEEDS / "003_faf8d52b50e3aa9a.txt"), "--agency", HOSTILE, "--year", "2021",
        "--url", "javascript:document.body.dataset.pwned=3")
    con = sqlite3.connect(home / "nianbao.sqlite")
    with con:
        con.execute("update agencies set region_code = '321322', region = '沭阳县', province = '江苏省', "
                    "body_type = case name when '信访局' then 'government' else 'department' end")
    con.close()
    port = free_port()
    log = open(home / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
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


def test_region_page_rollup_and_missing_departments(server) -> None:
    page = dom(server, "/-/region/321322")
    assert "信访局" in page and "沭阳县发展和改革局" in page and "未见报告" in page
    # 2021: the government (信访局) against its departments that reported that year
    assert re.search(r"2021 年：信访局 与 \d+ 个部门", page)
    missing = page[page.index("该年未见报告的部门"):]
    assert "沭阳县发展和改革局" in missing[:500]
    screenshot(server, "/-/region/321322", "region")


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
