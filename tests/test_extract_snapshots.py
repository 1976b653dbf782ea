"""Every example document parses to its expected snapshot, value by value; an example without a
snapshot fails. Real documents are read in place from ../shared (skipped where it is absent)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snapshots import SHARED, diff, snapshot_of, to_jsonable

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = SHARED / "seeds"
REAL_HTML = sorted((SHARED / "corpus" / "real").glob("*.html")) if SHARED.exists() else []
EXAMPLES = sorted(p for p in (FIXTURES / "examples").iterdir() if not p.name.endswith(".json"))

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared (seeds and real corpus) is not checked out beside the repo")


def _check(src: Path, snap: Path) -> None:
    assert snap.exists(), f"{src.name} has no expected snapshot at {snap}"
    expected = json.loads(snap.read_text(encoding="utf-8"))
    actual = to_jsonable(snapshot_of(src.read_bytes(), src.name))
    problems = diff(expected, actual)
    assert not problems, f"{src.name}:\n" + "\n".join(problems[:40])


@needs_shared
@pytest.mark.parametrize("src", sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else [], ids=lambda p: p.stem)
def test_seed_matches_snapshot(src: Path) -> None:
    _check(src, FIXTURES / "seeds" / f"{src.stem}.json")


@needs_shared
@pytest.mark.parametrize("src", REAL_HTML, ids=lambda p: p.stem)
def test_real_html_matches_snapshot(src: Path) -> None:
    _check(src, FIXTURES / "html" / f"{src.stem}.json")


@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
def test_example_matches_snapshot(src: Path) -> None:
    _check(src, src.with_name(src.name + ".json"))


@needs_shared
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
