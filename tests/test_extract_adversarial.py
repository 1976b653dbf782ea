"""Adversarial variants of real layouts (tests/fixtures/adversarial/): every canonical cell is
compared with what the document says, as a careful reader determined it by hand (the expected
JSON beside each input; see make_fixtures.py). A cell the document does not state with certainty
is expected to be a problem: left unread (None) and listed by ``Report.unreadable()``.
A wrong number anywhere — including in a cell the expectation does not mention — fails."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from extract import extract

FIXTURES = Path(__file__).parent / "fixtures" / "adversarial"
INPUTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".txt"))


def _expected(src: Path) -> dict:
    return json.loads(src.with_name(src.name + ".json").read_text(encoding="utf-8"))["expected"]


@pytest.mark.parametrize("src", INPUTS, ids=lambda p: p.name)
def test_adversarial_values(src: Path) -> None:
    expected = _expected(src)
    rep = extract(src.read_bytes(), filename=src.name, segment=False)
    unread = rep.unreadable()
    errors = []
    for table, rows in expected.items():
        for row, cols in rows.items():
            for col, want in cols.items():
                got = rep.value(table, row, col)
                where = f"{table}.{row}.{col}"
                if want == "problem":
                    if got is not None:
                        errors.append(f"{where}: the document does not say, but {got!r} was read")
                    if (table, row, col) not in unread:
                        errors.append(f"{where}: unread without a blocking problem")
                    continue
                if isinstance(want, str):
                    want = Decimal(want)
                if got != want or type(got) is not type(want):
                    errors.append(f"{where}: expected {want!r}, extracted {got!r}")
                elif (table, row, col) in unread:
                    errors.append(f"{where}: read correctly but reported as a blocking problem")
    # no number where the expectation has none (a value shifted into a cell nobody looked at)
    for table, row, col, cv in rep.cells():
        if cv is not None and cv.value is not None and col not in expected.get(table, {}).get(row, {}):
            errors.append(f"{table}.{row}.{col}: unexpected value {cv.value!r} ({cv.raw!r} at {cv.where})")
    assert not errors, f"{src.name}:\n" + "\n".join(errors[:40])


def test_every_input_has_an_expectation() -> None:
    assert len(INPUTS) >= 10
    for src in INPUTS:
        exp = _expected(src)
        assert exp["applications"] and exp["review_litigation"], src.name
