"""Real report texts (tests/examples/extract/real-text/, copies of shared/corpus/real-text/) held
against hand-written truth (tests/truth.py): no number may be wrong, and every cell the document
determines should be read. An example without its ``.expected.json`` fails (juriscraper rule)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import truth as TR

#: Documents whose determinable cells the issue-12 reader does not read in full yet; the reader
#: helper removes each one as it passes. Wrong numbers are never excused here.
NOT_YET_READ = {
    "001", "002", "003", "004", "005", "006", "007", "008", "009", "010", "011", "012", "013", "014",
    "015", "016", "017", "018", "019", "020", "021", "022", "023", "024", "025", "026", "027", "028",
    "029", "030", "031", "032", "033", "034",
}

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
    pytest.param(d, marks=pytest.mark.xfail(strict=False, reason="issue 12 reader in progress"))
    if d.stem in NOT_YET_READ else d for d in DOCUMENTS], ids=lambda p: p.stem)
def test_all_determinable_read(doc: Path):
    truth, report = _truth_and_report(doc)
    missing = [line for line in TR.compare(truth, report) if not line.startswith("WRONG")]
    assert not missing, f"{doc.name}: not read as the document says:\n" + "\n".join(missing)
