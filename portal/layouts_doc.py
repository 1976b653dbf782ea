"""A canonical report as a document model the layout mutator can bend: paragraphs, and tables as
full-width grids in which every merged cell leaves *remnants* (the positions it covers).

The national template's tables are Word tables with merged cells; every way of saving them as
text treats the merged positions differently (drops them, prints empty cells, prints runs of
``|``, repeats the text). Keeping the remnants explicit lets one grid be written in each of those
ways. Labels come from ``portal/template_labels.yaml`` only — never from the extractor.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

LABELS_FILE = Path(__file__).with_name("template_labels.yaml")
#: where a header label may be broken over lines; never printed as such
BREAK = "^"


@functools.lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The printed template, both formats (see the YAML file's header)."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


@dataclass
class Slot:
    """One grid position. ``remnant`` is "row" or "col" where a merged cell covers it (its text
    is the merged cell's, for layouts that repeat it). ``fate`` is set by mutations of the
    values: "drop" (the empty cell is not written), "move" (written as trailing filler)."""

    text: str
    kind: str = "label"  # label | header | caption | note | value
    key: str | None = None  # canonical "table/row/column" of a value slot
    remnant: str | None = None
    fate: str | None = None
    pad: str = ""  # stray whitespace written before the text
    unit: str = ""  # a unit word written after a value (万元, 件, 个)

    @property
    def blank(self) -> bool:
        return self.kind == "value" and self.text == ""


@dataclass
class Row:
    slots: list[Slot]
    kind: str  # caption | header | data
    part: str  # the sub-table: art20_1 … art20_9, applications, review_litigation
    damaged: bool = False  # a value cell was deleted or two were merged

    @property
    def short(self) -> bool:
        """The row lost value cells (damage, dropped or moved blanks): it is written visibly
        short — the positions merged cells cover are not written as empty cells or pipes
        either, or a short row could look complete with blanks in it."""
        return self.kind == "data" and (self.damaged or any(s.fate for s in self.slots if s.remnant is None))

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.slots if s.key]

    def values(self) -> list[Slot]:
        return [s for s in self.slots if s.kind == "value"]


@dataclass
class Table:
    section: str  # the section it belongs to
    rows: list[Row]


@dataclass
class Para:
    text: str
    role: str = "text"  # title | heading | text | instruction | chrome


@dataclass
class Doc:
    blocks: list[Para | Table] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def rows(self) -> list[Row]:
        return [r for t in self.tables() for r in t.rows]


def fmt(value: Any) -> str:
    """A value as a report prints it: blank for null, decimals in plain notation."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _rem(text: str, how: str, kind: str = "label") -> Slot:
    return Slot(text, kind=kind, remnant=how)


def _rems(text: str, how: str, kind: str, n: int) -> list[Slot]:
    """``n`` remnants, each its own object (mutations set attributes per slot)."""
    return [_rem(text, how, kind) for _ in range(n)]


def proactive_table(cells: dict[str, Any], template: str) -> Table:
    """The four 第二十条 tables as one 4-column Word table, as the template prints them."""
    spec = labels()["proactive"]
    width = spec["width"]
    rows: list[Row] = []
    for tab in spec["tables"]:
        cols = tab["columns"].get(template)
        if not cols:
            continue
        part = tab["key"]
        rows.append(Row([Slot(tab["caption"], "caption")] + _rems(tab["caption"], "col", "caption", width - 1),
                        "caption", part))
        head = [Slot(spec["content_label"], "header")] + [Slot(label, "header") for _, label in cols]
        head += [_rem(head[-1].text, "col", "header") for _ in range(width - len(head))]
        rows.append(Row(head, "header", part))
        for row_key, row_label in tab["rows"][template]:
            slots = [Slot(row_label)]
            for col_key, _ in cols:
                key = f"{part}/{row_key}/{col_key}"
                slots.append(Slot(fmt(cells.get(key)), "value", key))
            slots += [_rem("", "col", "value") for _ in range(width - len(slots))]
            rows.append(Row(slots, "data", part))
    return Table("proactive", rows)


def applications_table(cells: dict[str, Any], template: str) -> Table:
    """三、收到和处理政府信息公开申请情况: 3 label columns, 7 applicant columns, 3 header rows."""
    spec = labels()["applications"]
    cols = spec["columns"]
    note = spec["note"]
    part = "applications"
    natural, others, total = cols[0][1], cols[1:-1], cols[-1][1]
    head0 = [Slot(note, "note"), _rem(note, "col", "note"), _rem(note, "col", "note"),
             Slot(spec["applicants"], "header")] + _rems(spec["applicants"], "col", "header", 6)
    head1 = _rems(note, "row", "note", 3) + [Slot(natural, "header"), Slot(spec["legal_person"], "header")]
    head1 += _rems(spec["legal_person"], "col", "header", 4) + [Slot(total, "header")]
    head2 = _rems(note, "row", "note", 3) + [_rem(natural, "row", "header")]
    head2 += [Slot(label, "header") for _, label in others] + [_rem(total, "row", "header")]
    rows = [Row(head0, "header", part), Row(head1, "header", part), Row(head2, "header", part)]
    seen: set[str] = set()
    for spec_row in spec["rows"]:
        if template not in spec_row.get("templates", [template]):
            continue
        outer, group, label = spec_row.get("outer"), spec_row.get("group"), spec_row["label"]
        slots: list[Slot] = []
        if outer:
            slots.append(Slot(outer) if outer not in seen else _rem(outer, "row"))
            seen.add(outer)
            if group:
                slots.append(Slot(group) if group not in seen else _rem(group, "row"))
                seen.add(group)
                slots.append(Slot(label))
            else:
                slots += [Slot(label), _rem(label, "col")]
        else:
            slots += [Slot(label), _rem(label, "col"), _rem(label, "col")]
        for col_key, _ in cols:
            key = f"{part}/{spec_row['key']}/{col_key}"
            slots.append(Slot(fmt(cells.get(key)), "value", key))
        rows.append(Row(slots, "data", part))
    return Table("applications", rows)


def review_table(cells: dict[str, Any]) -> Table:
    """四、行政复议、行政诉讼: 15 columns under three header rows, one row of values."""
    spec = labels()["review_litigation"]
    part = "review_litigation"
    groups, cols = spec["groups"], spec["columns"]
    head0 = [Slot(spec["review"], "header")] + _rems(spec["review"], "col", "header", 4)
    head0 += [Slot(spec["litigation"], "header")] + _rems(spec["litigation"], "col", "header", 9)
    head1 = [Slot(label, "header") for _, label in cols]
    for _, glabel in groups[1:]:
        head1 += [Slot(glabel, "header")] + _rems(glabel, "col", "header", 4)
    head2 = [_rem(label, "row", "header") for _, label in cols]
    head2 += [Slot(label, "header") for _ in groups[1:] for _, label in cols]
    values = [Slot(fmt(cells.get(f"{part}/{g}/{c}")), "value", f"{part}/{g}/{c}") for g, _ in groups for c, _ in cols]
    return Table("review_litigation", [Row(head0, "header", part), Row(head1, "header", part),
                                       Row(head2, "header", part), Row(values, "data", part)])


def build(report: dict[str, Any]) -> Doc:
    """The canonical document: title, the six sections with their text, the three tables."""
    spec = labels()
    cells, template = report["cells"], report["template"]
    narrative = report.get("narrative") or {}
    doc = Doc()
    if report.get("title"):
        doc.blocks.append(Para(report["title"], "title"))
    for number, (key, title) in zip(spec["section_numbers"], spec["sections"]):
        doc.blocks.append(Para(f"{number}、{title}", "heading"))
        for line in (narrative.get(key) or "").splitlines():
            if line.strip():
                doc.blocks.append(Para(line.strip()))
        if key == "proactive":
            doc.blocks.append(proactive_table(cells, template))
        elif key == "applications":
            doc.blocks.append(applications_table(cells, template))
        elif key == "review_litigation":
            doc.blocks.append(review_table(cells))
    return doc
