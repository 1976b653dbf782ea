"""The canonical report: what a document says, in the keys of the spec, with the raw text and
location of every value and a list of what could not be read."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from extract import template as T

Value = int | Decimal | None


@dataclass(slots=True)  # one per cell of every report read: slots make it cheaper
class CellValue:
    value: Value
    raw: str
    where: str


@dataclass
class Fact:
    """A number the narrative states (收到申请16件), held against the tables by the monitor."""

    kind: str
    value: int
    text: str
    sentence: str
    section: str | None


@dataclass
class Section:
    key: str
    title: str
    text: str
    where: str
    tokens: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


#: Problem kinds that leave canonical cells unread (the monitor must not judge the agency on them).
BLOCKING_KINDS = frozenset({"unreadable_value", "missing_cell", "extra_cells", "missing_row", "missing_table",
                            "duplicate_row", "needs_ocr", "unreadable_document", "ocr",
                            "ambiguous_split", "truncated", "damaged", "readers_disagree"})
#: The table name a problem gives when it is about all of 二、第二十条's tables at once (not found).
PROACTIVE_GROUP = "proactive"

#: Problems that leave every cell read but say an identity was used to read them: the monitor must
#: not count that identity as satisfied by the agency (``split_by_identity`` names the row).
IDENTITY_KINDS = frozenset({"split_by_identity"})


@dataclass(slots=True)
class Problem:
    """Something the extractor could not read with certainty — never an agency error."""

    kind: str
    message: str
    where: str = ""
    table: str | None = None
    row: str | None = None
    column: str | None = None
    identity: str | None = None  # split_by_identity: the rule whose identity chose the cut (R2, R3, R1, R4)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k in self.__slots__ if (v := getattr(self, k)) not in (None, "")}


@dataclass
class Report:
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    title: str | None = None
    published: str | None = None
    format: str = "text"
    applications: dict[str, dict[str, CellValue | None]] = field(default_factory=dict)
    review_litigation: dict[str, dict[str, CellValue | None]] = field(default_factory=dict)
    proactive: dict[str, dict[str, dict[str, CellValue | None]]] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    preamble: str = ""  # the text before 一、 (often where the 统计期限 is stated)
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    # --- access -------------------------------------------------------------------------
    def value(self, table: str, row: str, column: str) -> Value:
        """The value of one canonical cell; ``table`` is applications, review_litigation or a 第二十条 key."""
        cell = self.cell(table, row, column)
        return cell.value if cell else None

    def cell(self, table: str, row: str, column: str) -> CellValue | None:
        if table == "applications":
            return self.applications.get(row, {}).get(column)
        if table == "review_litigation":
            return self.review_litigation.get(row, {}).get(column)
        return self.proactive.get(table, {}).get(row, {}).get(column)

    def unreadable(self) -> set[tuple[str, str, str]]:
        """Cells the extractor could not place or read: rules must not judge the agency on them."""
        out: set[tuple[str, str, str]] = set()
        for p in self.problems:
            out |= self.covered_by(p)
        return out

    def covered_by(self, p: Problem) -> set[tuple[str, str, str]]:
        """The cells one problem keeps from the monitor (none unless it is a blocking one)."""
        if p.kind not in BLOCKING_KINDS or (not p.table and p.kind != "ocr"):
            return set()
        # "ocr": numbers a machine read from a picture, reported but never held against the agency;
        # a problem about the whole 第二十条 group (its tables not found) covers every one of them
        tables = (["applications", "review_litigation", *T.PROACTIVE_BY_KEY] if p.kind == "ocr"
                  else list(T.PROACTIVE_BY_KEY) if p.table == PROACTIVE_GROUP else [p.table])
        out: set[tuple[str, str, str]] = set()
        for table in tables:
            rows = [p.row] if p.row and p.kind != "ocr" else _rows_of(table)
            cols = [p.column] if p.column and p.kind != "ocr" else _columns_of(table, self.template)
            out.update((table, row, c) for row in rows for c in cols)
        return out

    def cells(self):
        """Every canonical cell as (table, row, column, CellValue | None)."""
        for row, cols in self.applications.items():
            for col, cv in cols.items():
                yield "applications", row, col, cv
        for grp, cols in self.review_litigation.items():
            for col, cv in cols.items():
                yield "review_litigation", grp, col, cv
        for tab, rows in self.proactive.items():
            for row, cols in rows.items():
                for col, cv in cols.items():
                    yield tab, row, col, cv

    # --- output -------------------------------------------------------------------------
    def as_dict(self, provenance: bool = False) -> dict[str, Any]:
        """The JSON schema of ``nianbao parse --json`` (documented in docs/json-schema.md), built by
        :func:`canonical_dict` like a report read back from the database."""
        out = canonical_dict(
            agency=self.agency, year=self.year, template=self.template, title=self.title, published=self.published,
            cells=((t, r, c, cv.value if cv else None) for t, r, c, cv in self.cells()),
            sections=((s.key, s.title, s.keywords, [f.__dict__ for f in s.facts]) for s in self.sections),
            problems=[p.as_dict() for p in self.problems])
        if provenance:
            out["cells"] = [
                {"table": t, "row": r, "column": c, "value": cv.value, "raw": cv.raw, "where": cv.where}
                for t, r, c, cv in self.cells() if cv is not None
            ]
        return out


def canonical_dict(*, agency: str | None, year: int | None, template: str | None, title: str | None,
                published: str | None, cells: Iterable[tuple[str, str, str, Value]],
                sections: Iterable[tuple[str, str | None, list[str], list[dict[str, Any]]]],
                problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The canonical report dict, the one shape of ``parse --json``, ``reports --json`` and the
    snapshots — whether the report comes from a document (:meth:`Report.as_dict`) or from the
    database (``db.read.report_dict``), so the two cannot drift apart.

    ``cells``: (table, row, column, value) in reading order; ``sections``: (key, title, keywords,
    facts as dicts) in the document's order; ``problems``: as :meth:`Problem.as_dict` gives them.
    """
    apps: dict[str, dict[str, Value]] = {}
    review: dict[str, dict[str, Value]] = {}
    pro: dict[str, dict[str, dict[str, Value]]] = {}
    for table, row, column, value in cells:
        if table == "applications":
            apps.setdefault(row, {})[column] = value
        elif table == "review_litigation":
            review.setdefault(row, {})[column] = value
        else:
            pro.setdefault(table, {}).setdefault(row, {})[column] = value
    return {
        "agency": agency, "year": year, "template": template, "title": title, "published": published,
        "applications": apps, "review_litigation": review, "proactive": pro,
        "sections": [{"key": key, "title": stitle, "keywords": list(keywords), "facts": list(facts)}
                     for key, stitle, keywords, facts in sections],
        "problems": list(problems),
    }


def _rows_of(table: str) -> list[str]:
    if table == "review_litigation":
        return list(T.REVIEW_GROUPS)
    if table == "applications":
        return list(T.APPLICATION_ROW_KEYS)
    return list(T.PROACTIVE_BY_KEY[table].rows) if table in T.PROACTIVE_BY_KEY else []


def _columns_of(table: str, template: str | None) -> list[str]:
    if table == "applications":
        return list(T.APPLICANT_COLUMNS)
    if table == "review_litigation":
        return list(T.REVIEW_COLUMNS)
    spec = T.PROACTIVE_BY_KEY.get(table)
    if not spec:
        return []
    cols = spec.columns.get(template or "2021") or next(iter(spec.columns.values()))
    return [k for k, _ in cols]
