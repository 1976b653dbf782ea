"""Attachments give the same canonical tables as HTML: reports rendered to PDF (ruled, unruled,
the applications table split over two pages under a repeated header), DOCX and XLSX by
portal.render_office — and Word/Excel 97 binaries converted from them by LibreOffice — are
parsed back through extract() and compared with the rendered numbers, value by value."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import simplejson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import extract, read_document, sniff
from extract import template as T
from extract.document import Table
from portal.render_office import render_docx, render_pdf, render_xlsx
from portal.synth import random_report
from tests.snapshots import EXAMPLES, SEEDS, assert_matches, cell_json

FIXTURES = EXAMPLES / "extract" / "attachments"

RENDERERS = {
    "pdf": (lambda rep: render_pdf(rep), "report.pdf"),
    "pdf-unruled": (lambda rep: render_pdf(rep, ruled=False), "report.pdf"),
    "pdf-one-page-table": (lambda rep: render_pdf(rep, split_applications=False), "report.pdf"),
    "docx": (render_docx, "report.docx"),
    "xlsx": (render_xlsx, "report.xlsx"),
}


def expected_cells(rep: dict):
    """Every canonical cell of a report dict as ((table, row, column), value)."""
    for row, cols in rep["applications"].items():
        for col in T.APPLICANT_COLUMNS:
            yield ("applications", row, col), cols.get(col)
    for g in T.REVIEW_GROUPS:
        for c in T.REVIEW_COLUMNS:
            yield ("review_litigation", g, c), rep["review_litigation"].get(g, {}).get(c)
    for table, rows in rep["proactive"].items():
        for row, cols in rows.items():
            for col, v in cols.items():
                yield (table, row, col), v


def assert_same_values(rep: dict, report, label: str) -> None:
    """Every canonical cell of ``rep`` read back as rendered, compared with the snapshot comparator
    (money as the same decimal, whatever its trailing zeros); the report's problems on failure."""
    want, got = {}, {}
    for (table, row, col), value in expected_cells(rep):
        want[f"{table}/{row}/{col}"] = cell_json(table, col, value)
        got[f"{table}/{row}/{col}"] = cell_json(table, col, report.value(table, row, col))
    problems = "; ".join(f"{p.kind} {p.message} @{p.where}" for p in report.problems[:10])
    assert_matches(want, got, f"{label} (problems: {problems or 'none'})", limit=20)


def _parse(data: bytes, filename: str):
    return extract(data, filename=filename, segment=False)


@pytest.mark.parametrize("layout", list(RENDERERS))
@pytest.mark.parametrize("seed,year", [(0, 2023), (1, 2020), (2, 2022), (3, 2019)])
def test_random_reports_round_trip(layout, seed, year):
    agency = "某某市某某区交通运输局" if seed % 2 else "某某县人民政府办公室"
    rep = random_report(random.Random(seed), agency, year)
    render, name = RENDERERS[layout]
    report = _parse(render(rep), name)
    assert report.template == rep["template"]
    assert report.year == year and report.agency == agency
    assert_same_values(rep, report, f"{layout} seed {seed} {year}")
    assert not [p for p in report.problems if p.kind in ("unknown_row", "missing_cell", "extra_cells",
                                                          "unreadable_value", "missing_table", "needs_ocr")]
    if layout.startswith("pdf") or layout == "docx":
        assert {s.key for s in report.sections} == set(T.SECTION_KEYS)
        received = [f.value for f in report.facts if f.kind == "applications_received"]
        assert received == [rep["applications"]["new_received"]["total"]]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), year=st.sampled_from([2019, 2020, 2021, 2024]),
       layout=st.sampled_from(["pdf", "docx", "xlsx"]), scale=st.sampled_from([3, 30, 3000]))
def test_round_trip_property(seed, year, layout, scale):
    rep = random_report(random.Random(seed), "某某省某某厅", year, scale=scale)
    render, name = RENDERERS[layout]
    assert_same_values(rep, _parse(render(rep), name), f"{layout} seed {seed} {year} scale {scale}")


def test_pdf_applications_table_split_over_two_pages_with_header_repeated():
    rep = random_report(random.Random(5), "某某县财政局", 2023)
    doc, _ = read_document(render_pdf(rep), "pdf")
    app_tables = [t for t in doc.tables if any("勾稽" in c.text for row in t.rows for c in row)]
    assert len(app_tables) == 2, [t.where for t in doc.tables]
    pages = [t.where.split()[1] for t in app_tables]
    assert pages[0] != pages[1]
    for t in app_tables:  # the three header rows, with their spans, on both pages
        assert t.grid
        first = t.rows[0]
        assert [(c.col, c.colspan) for c in first] == [(0, 3), (3, 7)]
        assert [c.text for c in t.rows[1]] == ["自然人", "法人或其他组织", "总计"]
    # every cell says where it came from
    cell = app_tables[1].rows[3][-1]
    assert cell.where.startswith(f"page {pages[1]} table ") and " row 4 col 10" in cell.where


def test_docx_merged_cells_are_grid_spans():
    rep = random_report(random.Random(6), "某某县财政局", 2023)
    doc, _ = read_document(render_docx(rep), "docx")
    apps = next(t for t in doc.tables if any("勾稽" in c.text for row in t.rows for c in row))
    assert apps.grid
    by_text = {c.text: c for row in apps.rows for c in row if c.text}
    assert (by_text["申请人情况"].col, by_text["申请人情况"].colspan) == (3, 7)
    assert (by_text["法人或其他组织"].col, by_text["法人或其他组织"].colspan) == (4, 5)
    assert (by_text["（七）总计"].col, by_text["（七）总计"].colspan) == (1, 2)
    # a vertically merged label appears once
    assert sum(1 for row in apps.rows for c in row if c.text == "三、本年度办理结果") == 1
    assert sum(1 for row in apps.rows for c in row if c.text == "（三）不予公开") == 1
    review = doc.tables[-1]
    assert [(c.text, c.col, c.colspan) for c in review.rows[0]] == [("行政复议", 0, 5), ("行政诉讼", 5, 10)]


def test_xlsx_merged_ranges_are_grid_spans():
    rep = random_report(random.Random(7), "某某县财政局", 2020)
    doc, _ = read_document(render_xlsx(rep), "xlsx")
    assert doc.paragraphs[0].text == "某某县财政局2020年政府信息公开工作年度报告"
    cells = {c.text: c for t in doc.tables for row in t.rows for c in row if c.text}
    assert (cells["行政诉讼"].col, cells["行政诉讼"].colspan) == (5, 10)
    assert cells["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"].colspan == 3


def _seed_reports():
    return sorted(SEEDS.glob("*.txt"))


def _rep_from_text(path: Path) -> dict:
    r = extract(path.read_bytes(), filename=path.name, segment=False)
    d = r.as_dict()
    narrative = {s.key: s.text for s in r.sections}
    return {"agency": d["agency"] or "某单位", "year": d["year"] or 2020, "template": d["template"], "title": None,
            "applications": d["applications"], "review_litigation": d["review_litigation"],
            "proactive": d["proactive"], "narrative": narrative}


@pytest.mark.parametrize("layout", ["pdf", "docx", "xlsx"])
@pytest.mark.parametrize("seed_file", _seed_reports(), ids=lambda p: p.name[:3])
def test_seed_tables_round_trip(seed_file, layout):
    """The five real seeds' tables (blanks, 2019 template, real inconsistencies included),
    re-rendered as attachments, read back to what the text reader read."""
    rep = _rep_from_text(seed_file)
    render, name = RENDERERS[layout]
    report = _parse(render(rep), name)
    assert report.template == rep["template"]
    assert_same_values(rep, report, f"{seed_file.name} as {layout}")


@pytest.mark.parametrize("name", ["lo-11-2023.doc", "lo-12-2020.doc", "lo-11-2023.wps", "lo-11-2023.xls",
                                  "lo-12-2020.xls"])
def test_word_and_excel_97_binaries(name):
    """.doc/.xls written by LibreOffice from our DOCX/XLSX renderings (make_fixtures.py); the
    expected values are the report dicts the renderings were made from."""
    stem = name.rsplit(".", 1)[0]
    seed, year = stem.split("-")[1:3]
    rep = simplejson.loads((FIXTURES / f"{stem}.expected.json").read_text(encoding="utf-8"), use_decimal=True)
    data = (FIXTURES / name).read_bytes()
    assert sniff(data, name) == name.rsplit(".", 1)[1]
    report = _parse(data, name)
    assert report.template == rep["template"] and report.year == rep["year"] and report.agency == rep["agency"]
    assert_same_values(rep, report, name)
    if name.endswith((".doc", ".wps")):
        doc, _ = read_document(data, sniff(data, name))
        assert all(t.grid for t in doc.tables) and len(doc.tables) == 3
        assert {s.key for s in report.sections} == set(T.SECTION_KEYS)


def test_zip_without_a_telling_name_is_read_by_its_members():
    rep = random_report(random.Random(8), "某某县财政局", 2023)
    for data in (render_docx(rep), render_xlsx(rep)):
        assert sniff(data, "download.php") == "zip"
        assert_same_values(rep, _parse(data, "download.php"), "zip")


def test_every_pdf_block_says_where_it_came_from():
    rep = random_report(random.Random(9), "某某县财政局", 2023)
    doc, _ = read_document(render_pdf(rep), "pdf")
    for b in doc.blocks:
        if isinstance(b, Table):
            for row in b.rows:
                for c in row:
                    assert c.where.startswith("page ") and " table " in c.where and " col " in c.where
        else:
            assert b.where.startswith("page ") and " line " in b.where
    # page numbers (- 1 -) are not text
    assert not any(p.text.startswith("- ") for p in doc.paragraphs)


def test_docx_word_numbered_headings_keep_their_numbers():
    """Headings numbered by Word's list numbering (w:numPr → chineseCounting, "%1、") read as
    一、总体情况 …, so the sections are found."""
    import io as _io
    import zipfile

    rep = random_report(random.Random(10), "某某县财政局", 2023)
    data = render_docx(rep)
    src = zipfile.ZipFile(_io.BytesIO(data))
    xml = src.read("word/document.xml").decode("utf-8")
    numpr = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="7"/></w:numPr></w:pPr>'
    for title in ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                  "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]:
        n = "一二三四五六"[["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                            "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况",
                            "其他需要报告的事项"].index(title)]
        old = f"<w:p><w:r><w:t>{n}、{title}</w:t></w:r></w:p>"
        assert old in xml, old
        xml = xml.replace(old, f"<w:p>{numpr}<w:r><w:t>{title}</w:t></w:r></w:p>")
    numbering = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                 '<w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
                 '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num></w:numbering>')
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename == "word/numbering.xml":
                continue
            z.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info.filename))
        z.writestr("word/numbering.xml", numbering)
    report = extract(out.getvalue(), filename="numbered.docx", segment=False)
    assert [s.title for s in report.sections][:2] == ["总体情况", "主动公开政府信息情况"]
    assert {s.key for s in report.sections} == set(T.SECTION_KEYS)
    assert_same_values(rep, report, "numbered docx")
