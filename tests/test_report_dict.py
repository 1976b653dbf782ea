"""One canonical report dict: a report read from a document (``Report.as_dict``, what ``parse
--json`` prints) and the same report read back from the database (``db.read.report_dict``, what
``reports --json`` prints) come out equal, value by value and type by type."""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
import simplejson
from sqlalchemy import select

from db.home import Home
from db.models import Document, ReportRow
from db.read import report_dict
from extract import extract
from nianbao.app.extraction import import_file
from portal.render import render_html
from portal.synth import random_report

EXAMPLES = Path(__file__).resolve().parent / "examples" / "extract"
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _seed() -> Path:
    for folder in (EXAMPLES / "seeds", SHARED_SEEDS):
        found = sorted(folder.glob("000_*.txt")) if folder.is_dir() else []
        if found:
            return found[0]
    pytest.skip("no seed report in tests/examples/extract/seeds or shared/seeds")


def _json(d: dict) -> str:
    return simplejson.dumps(d, ensure_ascii=False, use_decimal=True, sort_keys=True)


def _cases(tmp_path: Path) -> dict[str, Path]:
    money = tmp_path / "money.html"  # a 2019 template with decimal fee amounts, rendered as a page
    money.write_text(render_html(random_report(random.Random(7), "某县财政局", 2020, template="2019")),
                     encoding="utf-8")
    return {
        "seed": _seed(),
        "2019 template": EXAMPLES / "real-text" / "016.txt",
        "problems": EXAMPLES / "real-text" / "020.txt",  # truncated, no title, missing rows and tables
        "money": money,
    }


def test_document_and_database_give_the_same_dict(tmp_path: Path) -> None:
    home = Home.open(tmp_path / "home")
    cases = _cases(tmp_path)
    with home.session() as s:
        for path in cases.values():
            import_file(home, s, path)
        s.commit()
        rows = {Path(doc.meta["filename"]).name: rep for rep, doc in
                s.execute(select(ReportRow, Document).join(Document, ReportRow.document_id == Document.id))}
        for case, path in cases.items():
            row = rows[path.name]
            assert row.status in ("ok", "problems"), (case, row.status, row.error)
            from_document = extract(path.read_bytes(), filename=path.name).as_dict()
            from_database = report_dict(s, row)
            assert from_database == from_document, case
            assert _json(from_database) == _json(from_document), case
    problems = extract(cases["problems"].read_bytes(), filename="020.txt").as_dict()["problems"]
    assert {"truncated", "no_title"} <= {p["kind"] for p in problems}
    money = extract(cases["money"].read_bytes(), filename="money.html").as_dict()
    assert money["template"] == "2019" and isinstance(money["proactive"]["art20_9"]["procurement"]["amount"], Decimal)


def test_shape() -> None:
    """The keys docs/json-schema.md documents, in a report read from a document."""
    d = extract((EXAMPLES / "real-text" / "016.txt").read_bytes(), filename="016.txt", segment=False).as_dict()
    assert list(d) == ["agency", "year", "template", "title", "published", "applications", "review_litigation",
                       "proactive", "sections", "problems"]
    assert set(d["sections"][0]) == {"key", "title", "keywords", "facts"}
