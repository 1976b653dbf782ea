"""Adversarial variants of real layouts (tests/examples/extract/adversarial/): every canonical cell
is compared with what the document says, as a careful reader determined it by hand (the
``<case>.expected.json`` beside each input; see make_fixtures.py there). A cell the document does
not state with certainty is expected to be a problem: left unread (None) and listed by
``Report.unreadable()``. A wrong number anywhere — including in a cell the expectation does not
mention — fails."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extract import extract
from extract.model import Report
from tests.snapshots import EXAMPLES, assert_matches, case_id, cell_json, documents, load_expected

FOLDER = EXAMPLES / "extract" / "adversarial"
INPUTS = documents(FOLDER)
PROBLEM = "problem"


def _cells(expected: dict) -> dict[tuple[str, str, str], Any]:
    return {(t, r, c): v for t, rows in expected.items() for r, cols in rows.items() for c, v in cols.items()}


def _normalised(expected: dict) -> dict[str, Any]:
    """The expectation with money written as :func:`cell_json` writes it."""
    return {"/".join(k): v if v == PROBLEM else cell_json(k[0], k[2], v) for k, v in _cells(expected).items()}


def _observed(report: Report, expected: dict) -> dict[str, Any]:
    """What the report says, in the expectation's terms, for every cell the expectation names and
    every cell the report gives a number: the value; ``"problem"`` for a cell left unread and
    reported; a value the report both gives and marks unreadable is written so that it differs."""
    unread = report.unreadable()
    cells = set(_cells(expected)) | {(t, r, c) for t, r, c, cv in report.cells() if cv is not None and cv.value is not None}
    out: dict[str, Any] = {}
    for table, row, col in cells:
        got = report.value(table, row, col)
        if got is None:
            out[f"{table}/{row}/{col}"] = PROBLEM if (table, row, col) in unread else None
        elif (table, row, col) in unread:
            out[f"{table}/{row}/{col}"] = f"{got} (read, but reported as a blocking problem)"
        else:
            out[f"{table}/{row}/{col}"] = cell_json(table, col, got)
    return out


@pytest.mark.parametrize("src", INPUTS, ids=case_id)
def test_adversarial_values(src: Path) -> None:
    expected = load_expected(src)["expected"]
    report = extract(src.read_bytes(), filename=src.name, segment=False)
    assert_matches(_normalised(expected), _observed(report, expected), src.name)


def test_every_input_has_an_expectation() -> None:
    assert len(INPUTS) >= 10
    for src in INPUTS:
        exp = load_expected(src)["expected"]
        assert exp["applications"] and exp["review_litigation"], src.name


def test_the_comparison_catches_a_shifted_and_a_stray_number() -> None:
    """The view this test compares can fail: a wrong value, a value where the document is not
    certain, and a number in a cell the expectation does not name all show as differences."""
    from decimal import Decimal

    from extract.model import CellValue

    report = Report(agency="甲局", year=2021, template="2021")
    report.applications["granted"] = {"total": CellValue(4, "4", "test")}
    report.proactive["art20_8"] = {"fees": {"amount": CellValue(Decimal("5000"), "5000", "test")}}
    expected = {"applications": {"granted": {"total": 3}}, "art20_8": {"fees": {"amount": PROBLEM}}}
    from tests.snapshots import diff

    lines = diff(_normalised(expected), _observed(report, expected))
    assert len(lines) == 2 and "granted/total: expected 3, got 4" in lines[0] and "5000" in lines[1]
    report.applications["partial"] = {"total": CellValue(1, "1", "test")}
    assert any("unexpected 1" in line for line in diff(_normalised(expected), _observed(report, expected)))


XHTML = FOLDER / "html-xhtml-declaration.html"
UTF8_DECLARED = '<?xml version="1.0" encoding="UTF-8"?>'


@pytest.mark.parametrize("variant", ["as served", "GBK declared over UTF-8 bytes", "UTF-8 declared over GBK bytes",
                                     "UTF-8 with a BOM"])
def test_an_xhtml_declaration_decides_nothing(variant: str) -> None:
    """An XHTML page starts with an XML declaration naming an encoding, which lxml refuses in a str
    (the page was lost as unreadable). The bytes were decoded already by detection, so a
    declaration that contradicts them is read past: every cell and the title come out the same."""
    text = XHTML.read_text(encoding="utf-8")
    assert text.startswith(UTF8_DECLARED + "\n")
    encoding = "utf-8"
    if variant == "GBK declared over UTF-8 bytes":
        data = text.replace(UTF8_DECLARED, "<?xml version='1.0' encoding='GBK' standalone='no'?>") \
            .replace("charset=UTF-8", "charset=GBK").encode("utf-8")
    elif variant == "UTF-8 declared over GBK bytes":
        data, encoding = text.encode("gbk"), "gb18030"
    elif variant == "UTF-8 with a BOM":
        data, encoding = text.encode("utf-8-sig"), "utf-8-sig"
    else:
        data = text.encode("utf-8")
    report = extract(data, filename=XHTML.name, segment=False)
    assert report.meta["encoding"] == encoding
    assert not [p for p in report.problems if p.kind == "unreadable_document"]
    assert (report.agency, report.year, report.title) == ("某县某局", 2023, "某县某局2023年政府信息公开工作年度报告")
    expected = load_expected(XHTML)["expected"]
    assert_matches(_normalised(expected), _observed(report, expected), variant)
