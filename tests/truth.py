"""Hand-written truth for real report texts, and the comparator that holds a parse against it.

Each input under ``tests/examples/extract/real-text/`` (a byte-exact copy of a document of
``shared/corpus/real-text/``, whose SOURCES.md is copied beside them) has a ``NNN.expected.json``
beside it, typed by a person who read the document — never drafted from the extractor, or the
measurement would measure nothing. Format::

    {"agency": "…", "year": 2021, "template": "2021",
     "cells": {"applications/new_received/natural_person": 0, "art20_8/fees/amount": "7816", …},
     "undeterminable": ["art20_1/normative_docs/issued", …],
     "notes": {"art20_1/normative_docs/issued": "why it cannot be read", …}}

``cells`` holds every cell the document determines (an int, a money amount as the string the
document writes, or ``null`` for a cell the document leaves blank). ``undeterminable`` lists cells
the document has but a careful reader cannot settle (glued digits with several valid splits).
Every canonical cell not in ``cells`` must come out of the extractor without a number: a number
there is WRONG, because a wrong number is worse than a missing one.

``python -m tests.truth report`` prints, per document, how many determinable cells were read
exactly, how many there are, and how many numbers are wrong — the figure the README quotes.
"""
from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from extract import template as T
from extract.model import Report
from tests.snapshots import REAL_TEXT as EXAMPLES
from tests.snapshots import diff, documents, expected_path
TABLES = ("applications", "review_litigation", *T.PROACTIVE_BY_KEY)

Cell = tuple[str, str, str]


# --- the canonical cells -------------------------------------------------------------------
def canonical_cells(template: str) -> list[Cell]:
    """Every cell the national template of that year has, as (table, row, column).

    Proactive rows are those of ``extract.template`` whatever the year (a 2021 report has no
    其他对外管理服务事项, so the cell must simply come out empty), columns those of the template.
    """
    out: list[Cell] = [("applications", r.key, c) for r in T.APPLICATION_ROWS if template in r.templates
                       for c in T.APPLICANT_COLUMNS]
    out += [("review_litigation", g, c) for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]
    for spec in T.PROACTIVE_TABLES:
        for col, _ in spec.columns.get(template, ()):
            out += [(spec.key, row, col) for row in spec.rows]
    return out


def _mixed_application_rows() -> set[Cell]:
    """Application rows of either template: some real 2021-format reports keep the 2019 table's
    single （六）其他处理 row (pingtan 012), and the truth records the row the document has."""
    return {("applications", r.key, c) for r in T.APPLICATION_ROWS for c in T.APPLICANT_COLUMNS}


def key_of(cell: Cell) -> str:
    return "/".join(cell)


def cell_of(key: str) -> Cell:
    parts = key.split("/")
    if len(parts) != 3:
        raise ValueError(f"cell key {key!r} is not <table>/<row>/<column>")
    return parts[0], parts[1], parts[2]


# --- truth files ---------------------------------------------------------------------------
def load_truth(path: str | Path) -> dict[str, Any]:
    """Read and check one truth file: every key canonical for its template, values ints, money
    strings or null, no cell both determined and undeterminable. A malformed truth is a clear
    ``ValueError`` naming the file, since a typo in a key would silently turn into "must be empty"."""
    path = Path(path)
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path.name}: cannot read truth: {e}") from None
    problems: list[str] = []
    template = truth.get("template")
    if template not in T.TEMPLATES:
        raise ValueError(f"{path.name}: template must be one of {T.TEMPLATES}, not {template!r}")
    if not isinstance(truth.get("year"), int) or not (truth.get("agency") is None or isinstance(truth["agency"], str)):
        problems.append("agency (a string, or null where the document names none) and year (int) are required")
    known = set(canonical_cells(template)) | _mixed_application_rows()
    cells = truth.setdefault("cells", {})
    undeterminable = truth.setdefault("undeterminable", [])
    notes = truth.setdefault("notes", {})
    for key, value in cells.items():
        if cell_of(key) not in known:
            problems.append(f"{key}: not a canonical cell of the {template} template")
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            continue
        if isinstance(value, str) and T.is_money(*cell_of(key)[::2]):
            try:
                Decimal(value)
            except InvalidOperation:
                problems.append(f"{key}: {value!r} is not a decimal amount")
            continue
        problems.append(f"{key}: {value!r} must be an int, null, or (money only) a decimal string")
    for key in undeterminable:
        if cell_of(key) not in known:
            problems.append(f"{key}: not a canonical cell of the {template} template")
        if key in cells:
            problems.append(f"{key}: both in cells and undeterminable")
        if key not in notes:
            problems.append(f"{key}: undeterminable without a note saying why")
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return truth


def inputs(folder: Path = EXAMPLES) -> list[Path]:
    """The example documents (every file that is not a truth file nor the SOURCES.md)."""
    return documents(folder)


def read_report(document: Path) -> Report:
    """The document through ``extract.extract``, the reader production calls
    (nianbao.app.extraction.process_document) for every fetched or imported document."""
    from extract import extract

    return extract(document.read_bytes(), filename=document.name)


# --- comparison ----------------------------------------------------------------------------
def _number(value: Any) -> Decimal | None:
    """A cell value as a Decimal for exact comparison; something that is no number at all
    becomes NaN, which equals nothing (so it counts as wrong, never as read)."""
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _observed(report: Report, cells: Iterable[Cell]) -> dict[Cell, Any]:
    """What the report gives for each cell: its value, or None where it has none or marked it
    unread (an unread cell is never judged, so its number does not count)."""
    unread = report.unreadable()
    return {c: (None if c in unread else report.value(*c)) for c in cells}


def _judge(truth: dict[str, Any], report: Report) -> tuple[list[str], list[str], int, int]:
    """(wrong lines, unread lines, read exactly, determinable)."""
    expected = {cell_of(k): v for k, v in truth["cells"].items()}
    undeterminable = {cell_of(k) for k in truth["undeterminable"]}
    cells = set(canonical_cells(truth["template"])) | set(expected)
    cells |= {(t, r, c) for t, r, c, cv in report.cells() if cv is not None and cv.value is not None}
    got = _observed(report, cells)
    wrong: list[str] = []
    unread: list[str] = []
    read = determinable = 0
    for cell in sorted(cells):
        key, have = key_of(cell), _number(got[cell])
        if cell in expected and expected[cell] is not None:
            determinable += 1
            want = _number(expected[cell])
            if have is None:
                unread.append(f"UNREAD {key}: document says {expected[cell]}, not read")
            elif have == want:
                read += 1
            else:
                wrong.append(f"WRONG {key}: document says {expected[cell]}, read {got[cell]}")
        elif have is not None:
            if cell in expected:
                why = "the document leaves it blank"
            elif cell in undeterminable:
                why = "undeterminable: " + truth["notes"].get(key, "")
            else:
                why = "the document does not have this cell"
            wrong.append(f"WRONG {key}: read {got[cell]}, but {why}")
    return wrong, unread, read, determinable


def compare(truth: dict[str, Any], report: Report) -> list[str]:
    """Readable differences between a truth and a parse: ``WRONG …`` lines (a number the
    document does not say), ``UNREAD …`` lines (a determinable cell without its number) and
    ``META …`` lines (agency, year or template not as the document says, by the snapshot
    comparator :func:`tests.snapshots.diff`)."""
    wrong, unread, _, _ = _judge(truth, report)
    return wrong + unread + [f"META {line}" for line in diff(*_meta(truth, report))]


def _meta(truth: dict[str, Any], report: Report) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the document says, what was read) for agency, year and template."""
    keys = ("agency", "year", "template")
    return {k: truth[k] for k in keys}, {k: getattr(report, k) for k in keys}


def score(truth: dict[str, Any], report: Report) -> tuple[int, int, int]:
    """(determinable cells read exactly, determinable cells, wrong numbers)."""
    wrong, _, read, determinable = _judge(truth, report)
    return read, determinable, len(wrong)


# --- the measurement ----------------------------------------------------------------------
def report_table(folder: Path = EXAMPLES, out=sys.stdout) -> tuple[int, int, int]:
    """Print read/determinable/wrong per document and in total; returns the totals."""
    total_read = total_det = total_wrong = 0
    print(f"{'document':<12} {'read':>5} {'of':>5} {'wrong':>6}  meta", file=out)
    for doc in inputs(folder):
        truth_file = expected_path(doc)
        if not truth_file.is_file():
            print(f"{doc.name:<12} no {truth_file.name}", file=out)
            continue
        truth = load_truth(truth_file)
        report = read_report(doc)
        read, det, wrong = score(truth, report)
        meta = [line.split(":")[0].lstrip("/") for line in diff(*_meta(truth, report))]
        total_read, total_det, total_wrong = total_read + read, total_det + det, total_wrong + wrong
        print(f"{doc.name:<12} {read:>5} {det:>5} {wrong:>6}  {' '.join(meta) or 'ok'}", file=out)
    pct = 100.0 * total_read / total_det if total_det else 0.0
    print(f"{'total':<12} {total_read:>5} {total_det:>5} {total_wrong:>6}  "
          f"{pct:.1f}% of determinable cells read exactly, {total_wrong} wrong", file=out)
    return total_read, total_det, total_wrong


def main(argv: list[str]) -> int:
    if argv[:1] == ["report"]:
        report_table(Path(argv[1]) if len(argv) > 1 else EXAMPLES)
        return 0
    if argv[:1] == ["diff"] and len(argv) == 2:
        doc = Path(argv[1])
        for line in compare(load_truth(expected_path(doc)), read_report(doc)):
            print(line)
        return 0
    print("usage: python -m tests.truth report [FOLDER] | diff DOCUMENT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
