"""Real attachments in ../shared/corpus/real/ (three 淮安 PDFs exported by WPS, the blank national
2021 template DOCX), read in place and compared cell by cell with snapshots under
tests/fixtures/real/<name>.json that were typed from the documents (pdftotext output and page
images), not from this parser. A real document without a snapshot fails."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from extract import extract, read_document, sniff
from extract import template as T

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
SNAPSHOTS = Path(__file__).resolve().parent / "fixtures" / "real"
ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls")

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"the shared corpus is not beside the repository ({REAL})")


def _documents() -> list[Path]:
    if not REAL.is_dir():
        return []
    return sorted(p for p in REAL.iterdir() if p.suffix.lower() in ATTACHMENT_SUFFIXES)


def _same(want, got) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return Decimal(str(want)) == Decimal(str(got))


def test_every_real_attachment_has_a_snapshot():
    missing = [p.name for p in _documents() if not (SNAPSHOTS / f"{p.stem}.json").is_file()]
    assert not missing, f"real documents without a snapshot in {SNAPSHOTS}: {missing}"


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_real_document_matches_snapshot(path: Path):
    snap_file = SNAPSHOTS / f"{path.stem}.json"
    if not snap_file.is_file():
        pytest.fail(f"no snapshot {snap_file} for {path.name}: read the document and write one")
    snap = json.loads(snap_file.read_text(encoding="utf-8"))
    report = extract(path.read_bytes(), filename=path.name)
    assert (report.agency, report.year, report.template, report.title) == \
        (snap["agency"], snap["year"], snap["template"], snap["title"])
    assert [s.key for s in report.sections] == snap["sections"]

    wrong: list[str] = []
    n = 0
    rows = snap["applications"]
    for row in report.applications:
        want_row = rows.get(row, [None] * 7)
        for col, want in zip(T.APPLICANT_COLUMNS, want_row):
            n += 1
            got = report.value("applications", row, col)
            if not _same(want, got):
                wrong.append(f"applications.{row}.{col}: document {want!r}, parsed {got!r}")
    assert set(rows) <= set(report.applications), set(rows) - set(report.applications)
    review = [(g, c) for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]
    for (g, c), want in zip(review, snap["review_litigation"]):
        n += 1
        got = report.value("review_litigation", g, c)
        if not _same(want, got):
            wrong.append(f"review_litigation.{g}.{c}: document {want!r}, parsed {got!r}")
    for table, trows in report.proactive.items():
        for row, cols in trows.items():
            for col in cols:
                n += 1
                want = snap["proactive"].get(table, {}).get(row, {}).get(col)
                got = report.value(table, row, col)
                if not _same(want, got):
                    wrong.append(f"{table}.{row}.{col}: document {want!r}, parsed {got!r}")
    assert not wrong, f"{path.name}: {len(wrong)} of {n} cells differ:\n" + "\n".join(wrong)

    for kind, value in snap.get("facts", {}).items():
        assert value in [f.value for f in report.facts if f.kind == kind], (kind, value)
    if "problem_kinds" in snap:
        assert sorted(p.kind for p in report.problems) == sorted(snap["problem_kinds"]), report.problems
    if "tables" in snap:
        doc, _ = read_document(path.read_bytes(), sniff(path.read_bytes(), path.name))
        assert [[len(t.rows), max(c.col + c.colspan for r in t.rows for c in r)] for t in doc.tables] == snap["tables"]


def test_huaian_cells_say_which_page():
    path = REAL / "huaian-shi-2024.pdf"
    report = extract(path.read_bytes(), filename=path.name, segment=False)
    assert report.cell("applications", "new_received", "total").where == "page 4 table 2 row 4 col 10"
    assert report.cell("applications", "carried_forward", "total").where.startswith("page 5 table 1 ")
    assert report.cell("review_litigation", "litigation_after_review", "total").where == "page 5 table 2 row 4 col 15"
