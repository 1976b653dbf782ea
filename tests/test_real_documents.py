"""Real attachments in tests/examples/extract/real/ (copies of ../shared/corpus/real/: three 淮安
PDFs exported by WPS, the blank national 2021 template DOCX) compared cell by cell with the
``<case>.expected.json`` beside each, typed from the documents (pdftotext output and page
images), not from this parser. A real document without its expected JSON fails."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extract import extract, read_document, sniff
from extract import template as T
from extract.model import Report
from tests.snapshots import REAL, assert_matches, case_id, cell_json, documents, load_expected

ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls")
DOCUMENTS = documents(REAL, ATTACHMENT_SUFFIXES)


def test_the_real_attachments_are_there():
    assert len(DOCUMENTS) >= 4, f"the copies of ../shared/corpus/real are missing from {REAL}"


def _expected(snap: dict[str, Any], report: Report) -> dict[str, Any]:
    """The typed snapshot in the shape of :func:`_observed`: an applications row the document
    lacks is expected empty, the review table's 15 cells are typed in the template's order;
    money as :func:`cell_json` writes it."""
    rows = snap["applications"]
    apps = {row: [cell_json("applications", c, v) for c, v in zip(T.APPLICANT_COLUMNS, rows.get(row, [None] * 7))]
            for row in [*report.applications, *(r for r in rows if r not in report.applications)]}
    proactive = {t: {r: {c: cell_json(t, c, snap["proactive"].get(t, {}).get(r, {}).get(c)) for c in cols}
                     for r, cols in trows.items()} for t, trows in report.proactive.items()}
    out = {k: snap[k] for k in ("agency", "year", "template", "title", "sections")}
    review = [cell_json("review_litigation", c, v)
              for c, v in zip([c for _ in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS], snap["review_litigation"])]
    out |= {"applications": apps, "review_litigation": review, "proactive": proactive}
    for key in ("facts", "problem_kinds", "tables"):
        if key in snap:
            out[key] = sorted(snap[key]) if key == "problem_kinds" else snap[key]
    return out


def _observed(path: Path, snap: dict[str, Any], report: Report) -> dict[str, Any]:
    """What the parser read, in the snapshot's shape. A fact counts when the report has it among
    the facts of that kind (a report may state a figure twice)."""
    review = [cell_json("review_litigation", c, report.value("review_litigation", g, c))
              for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]
    out: dict[str, Any] = {
        "agency": report.agency, "year": report.year, "template": report.template, "title": report.title,
        "sections": [s.key for s in report.sections],
        "applications": {row: [cell_json("applications", c, report.value("applications", row, c))
                               for c in T.APPLICANT_COLUMNS] for row in report.applications},
        "review_litigation": review,
        "proactive": {t: {r: {c: cell_json(t, c, report.value(t, r, c)) for c in cols} for r, cols in trows.items()}
                      for t, trows in report.proactive.items()},
    }
    if "facts" in snap:
        out["facts"] = {}
        for kind, want in snap["facts"].items():
            have = [f.value for f in report.facts if f.kind == kind]
            out["facts"][kind] = want if want in have else have
    if "problem_kinds" in snap:
        out["problem_kinds"] = sorted(p.kind for p in report.problems)
    if "tables" in snap:
        doc, _ = read_document(path.read_bytes(), sniff(path.read_bytes(), path.name))
        out["tables"] = [[len(t.rows), max(c.col + c.colspan for r in t.rows for c in r)] for t in doc.tables]
    return out


@pytest.mark.parametrize("path", DOCUMENTS, ids=case_id)
def test_real_document_matches_snapshot(path: Path):
    snap = load_expected(path)
    report = extract(path.read_bytes(), filename=path.name)
    assert_matches(_expected(snap, report), _observed(path, snap, report), path.name)


def test_huaian_cells_say_which_page():
    path = REAL / "huaian-shi-2024.pdf"
    report = extract(path.read_bytes(), filename=path.name, segment=False)
    assert report.cell("applications", "new_received", "total").where == "page 4 table 2 row 4 col 10"
    assert report.cell("applications", "carried_forward", "total").where.startswith("page 5 table 1 ")
    assert report.cell("review_litigation", "litigation_after_review", "total").where == "page 5 table 2 row 4 col 15"
