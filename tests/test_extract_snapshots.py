"""Every extraction example (tests/examples/extract/, its seeds/ and the real HTML page in
real/) parses to its expected snapshot, value by value; an example without a snapshot fails.
The seeds and the real page are copies of ../shared, so a clean clone runs them too."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.snapshots import EXAMPLES, REAL, SEEDS, assert_matches, case_id, documents, extract_snapshot, load_expected

CASES = documents(EXAMPLES / "extract") + documents(SEEDS) + documents(REAL, (".html",))


def test_the_seeds_and_the_real_page_are_there() -> None:
    assert len(documents(SEEDS)) == 5 and documents(REAL, (".html",)), "the copies of ../shared are missing"


@pytest.mark.parametrize("src", CASES, ids=case_id)
def test_example_matches_snapshot(src: Path) -> None:
    assert_matches(load_expected(src), extract_snapshot(src), src.name)


def test_every_seed_is_read_exactly() -> None:
    """The issue's named cases, stated directly (the snapshots hold the rest)."""
    def parse(name: str):
        from extract import extract

        path = next(SEEDS.glob(f"{name}_*.txt"))
        return extract(path.read_bytes(), filename=path.name)

    r1 = parse("001")  # （七）总计 has eight numbers for seven columns
    assert [r1.value("applications", "total_handled", c) for c in ("natural_person", "commercial", "total")] == [16, 0, 16]
    assert r1.value("review_litigation", "litigation_direct", "corrected") == 3
    assert r1.value("art20_1", "normative_docs", "in_force") == 18
    r2 = parse("002")  # one cell per line, 自/然/人 split over three lines
    assert r2.value("applications", "new_received", "total") == 1
    assert r2.value("applications", "total_handled", "total") == 0
    assert r2.value("applications", "unable.not_held", "natural_person") == 1
    r3 = parse("003")  # markdown split across two tables
    assert r3.value("applications", "granted", "total") == 0
    assert r3.value("applications", "denied.state_secret", "natural_person") == 0
    assert ("applications", "granted", "natural_person") in r3.unreadable()
    r4 = parse("004")  # no title, 2019 template
    assert (r4.agency, r4.year, r4.template) == (None, 2020, "2019")
    assert r4.value("art20_6", "penalty", "decisions") == 53
    assert r4.value("applications", "other", "total") == 0
    assert "other.other" not in r4.applications
