"""Scanned reports through OCR (tesseract with chi_sim, from tests/debian-packages.txt).

The scans are the project's own: generated reports rendered to PDF, rasterised (pypdfium2, with
a CJK font from Debian) and wrapped as image-only PDFs. Every number read must be exactly the
rendered one; what OCR doubts must be reported unread, never guessed; and an OCR'd report never
gives the agency an error."""
from __future__ import annotations

import random
import subprocess
from datetime import date

import pytest

from extract import extract
from extract.model import Report
from extract.readers import ocr
from portal.render_office import render_scan
from portal.synth import random_report


def _cjk_font() -> bool:
    """A CJK font pdfium can find to draw the scans (it reads /usr/share/fonts itself)."""
    import re
    from pathlib import Path

    fonts = Path("/usr/share/fonts")
    return fonts.is_dir() and any(re.search(r"wqy|cjk|uming|ukai|sourcehan|droidsansfallback", p.name, re.I)
                                  for p in fonts.rglob("*") if p.is_file())


pytestmark = [
    pytest.mark.skipif(not ocr.available(), reason="tesseract with chi_sim is not installed "
                       "(tests/debian-packages.txt: tesseract-ocr, tesseract-ocr-chi-sim)"),
    pytest.mark.skipif(not _cjk_font(), reason="no CJK font to draw the test scans (fonts-wqy-microhei)"),
]


def truth_cells(rep: dict) -> dict[tuple[str, str, str], object]:
    out = {}
    for row, cols in rep["applications"].items():
        out.update({("applications", row, c): v for c, v in cols.items()})
    for grp, cols in rep["review_litigation"].items():
        out.update({("review_litigation", grp, c): v for c, v in cols.items()})
    for table, rows in rep["proactive"].items():
        for row, cols in rows.items():
            out.update({(table, row, c): v for c, v in cols.items()})
    return out


@pytest.mark.parametrize("seed,dpi", [(1, 200), (3, 200), (5, 150)])
def test_scan_gives_exact_numbers_or_reports_them_unread(seed, dpi):
    rep = random_report(random.Random(seed), "某县财政局", 2023, scale=300)
    report = extract(render_scan(rep, dpi), filename="scan.pdf", segment=False)
    assert [p.where for p in report.problems if p.kind == "ocr"] == [f"page {n}" for n in range(1, 4)]
    assert not [p for p in report.problems if p.kind == "needs_ocr"]
    # what the extractor itself says it could not read (the blanket "ocr" problem aside)
    doubted = Report(template=report.template, problems=[p for p in report.problems if p.kind != "ocr"]).unreadable()
    got = {(t, r, c): cv for t, r, c, cv in report.cells()}
    wrong, read = [], 0
    for key, want in truth_cells(rep).items():
        if key in doubted:
            continue
        cv = got.get(key)
        if cv is None or cv.value is None or cv.value != want:
            wrong.append((key, want, None if cv is None else (cv.value, cv.raw, cv.where)))
        else:
            read += 1
            assert "(OCR)" in cv.where or cv.where.startswith("page "), cv.where
    assert not wrong, wrong[:10]
    assert read >= 0.6 * len(truth_cells(rep)), f"only {read} of {len(truth_cells(rep))} cells read"
    # the monitor never judges the agency on numbers read from a picture
    assert report.unreadable() >= set(got)


def test_ocr_report_is_never_an_agency_error(tmp_path):
    """A scan whose numbers break R1: the numbers are reported, the monitor says X1, not R1."""
    from tests.monitor_support import bump, check, config, current, home, load_file

    rep = random_report(random.Random(5), "某县财政局", 2023, scale=300)
    bump(rep, "applications", "new_received", "natural_person", 7)
    bump(rep, "applications", "new_received", "total", 7)
    f = tmp_path / "某县财政局2023年政府信息公开工作年度报告.pdf"
    f.write_bytes(render_scan(rep, 150))
    h = home(tmp_path)
    s = h.session()
    row = load_file(h, s, f, agency="某县财政局", year=2023)
    assert row.status == "problems"
    recs = current(check(s, config(tmp_path), as_of=date(2024, 6, 1)))
    rules = {r["rule"] for r in recs}
    assert "X1" in rules and not rules & {"R1", "R2", "R3", "R4", "R5", "W3"}, recs
    s.close()


def test_without_ocr_a_scan_says_so(tmp_path):
    """NIANBAO_OCR=0 (or no tesseract): the scan is said to be one, and no number is read."""
    import os
    import sys

    rep = random_report(random.Random(1), "某县财政局", 2023, scale=300)
    f = tmp_path / "scan.pdf"
    f.write_bytes(render_scan(rep, 150))
    out = subprocess.run([sys.executable, "-m", "nianbao.cli", "parse", "--json", str(f)], capture_output=True,
                         text=True, timeout=300, env=dict(os.environ, NIANBAO_OCR="0"))
    assert out.returncode == 2 and out.stdout == ""
    assert "a scan with no text layer (3 page(s))" in out.stderr and "NIANBAO_OCR=0" in out.stderr, out.stderr
