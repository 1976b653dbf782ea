"""Real report texts (tests/examples/extract/real-text/, copies of shared/corpus/real-text/ with
its SOURCES.md; tests/test_examples.py checks the copies) held against hand-written truth
(tests/truth.py): no number may be wrong, and every cell the document determines should be read.
An example without its ``.expected.json`` fails (juriscraper rule)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import truth as TR

#: Documents whose determinable cells the issue-12 reader does not read in full yet (none now; an
#: entry makes its test an expected failure that must fail). Wrong numbers are never excused here.
NOT_YET_READ: set[str] = set()

DOCUMENTS = TR.inputs()


def _truth_and_report(doc: Path):
    truth_file = TR.expected_path(doc)
    if not truth_file.is_file():
        pytest.fail(f"{doc.name} has no {truth_file.name}: read the document and write its truth")
    return TR.load_truth(truth_file), TR.read_report(doc)


def test_examples_are_there():
    assert DOCUMENTS, f"no real-text examples in {TR.EXAMPLES}"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.stem)
def test_no_wrong_number(doc: Path):
    truth, report = _truth_and_report(doc)
    wrong = [line for line in TR.compare(truth, report) if line.startswith("WRONG")]
    assert not wrong, f"{doc.name}: {len(wrong)} wrong numbers:\n" + "\n".join(wrong)


@pytest.mark.parametrize("doc", [
    pytest.param(d, marks=pytest.mark.xfail(strict=True, reason="a determinable cell is not read yet"))
    if d.stem in NOT_YET_READ else d for d in DOCUMENTS], ids=lambda p: p.stem)
def test_all_determinable_read(doc: Path):
    truth, report = _truth_and_report(doc)
    missing = [line for line in TR.compare(truth, report) if not line.startswith("WRONG")]
    assert not missing, f"{doc.name}: not read as the document says:\n" + "\n".join(missing)


# --- the comparator itself: each rule must be able to fail ------------------------------------
def _report(**values):
    """A 2021 report holding the given cells, named table__row__column (money as a string)."""
    from decimal import Decimal

    from extract.model import CellValue, Report

    r = Report(agency="甲局", year=2021, template="2021")
    for name, v in values.items():
        table, row, col = name.split("__")
        cv = CellValue(Decimal(v) if isinstance(v, str) else v, str(v), "test")
        if table == "applications":
            r.applications.setdefault(row, {})[col] = cv
        elif table == "review_litigation":
            r.review_litigation.setdefault(row, {})[col] = cv
        else:
            r.proactive.setdefault(table, {}).setdefault(row, {})[col] = cv
    return r


TRUTH = {"agency": "甲局", "year": 2021, "template": "2021",
         "cells": {"applications/granted/total": 3, "applications/partial/total": None, "art20_8/fees/amount": "7816"},
         "undeterminable": ["art20_1/normative_docs/issued"],
         "notes": {"art20_1/normative_docs/issued": "glued"}}


def test_compare_reports_wrong_metadata():
    lines = TR.compare(TRUTH, _report(applications__granted__total=3, art20_8__fees__amount="7816"))
    assert lines == []
    report = _report(applications__granted__total=3, art20_8__fees__amount="7816")
    report.year = 2022
    assert TR.compare(TRUTH, report) == ["META /year: expected 2021, got 2022"]


def test_compare_counts_exact_reads_and_unread_cells():
    assert TR.score(TRUTH, _report(applications__granted__total=3, art20_8__fees__amount="7816.00")) == (2, 2, 0)
    lines = TR.compare(TRUTH, _report(applications__granted__total=3))
    assert lines == ["UNREAD art20_8/fees/amount: document says 7816, not read"]


@pytest.mark.parametrize("cells", [
    {"applications__granted__total": 4},                 # a different number
    {"applications__partial__total": 0},                 # a number where the document is blank
    {"art20_1__normative_docs__issued": 1},              # a number where the split is undeterminable
    {"applications__carried_forward__total": 0},         # a number the document does not have
])
def test_compare_flags_every_wrong_number(cells):
    read, det, wrong = TR.score(TRUTH, _report(**cells))
    assert wrong == 1 and any(line.startswith("WRONG") for line in TR.compare(TRUTH, _report(**cells)))


def test_a_cell_marked_unread_is_not_judged():
    from extract.model import Problem

    report = _report(art20_1__normative_docs__issued=1)
    report.problems.append(Problem("unreadable_value", "glued", table="art20_1", row="normative_docs", column="issued"))
    assert TR.score(TRUTH, report) == (0, 2, 0)


def test_load_truth_rejects_a_misspelt_key(tmp_path):
    bad = tmp_path / "x.expected.json"
    bad.write_text('{"agency": "甲局", "year": 2021, "template": "2021", "cells": {"applications/granted/totl": 1}}',
                   encoding="utf-8")
    with pytest.raises(ValueError, match="totl"):
        TR.load_truth(bad)
