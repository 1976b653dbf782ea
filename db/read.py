"""Reading reports back out of the database in the canonical JSON shape of ``parse --json``
(built by ``extract.model.canonical_dict``, as a report read from a document is)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CellRow, ReportRow, SectionRow
from extract import template as T
from extract.model import canonical_dict


def cell_value(c: CellRow) -> int | Decimal | None:
    if c.value_text is None:
        return None
    if "." in c.value_text:
        return Decimal(c.value_text)
    return int(c.value_text)


def report_dict(s: Session, row: ReportRow) -> dict[str, Any]:
    """The stored report ``row`` in the canonical shape: cells and sections in the order they were
    stored (the document's), the preamble left out as ``parse --json`` leaves it out."""
    cells = s.scalars(select(CellRow).where(CellRow.report_id == row.id).order_by(CellRow.id))
    secs = s.scalars(select(SectionRow).where(SectionRow.report_id == row.id, SectionRow.key.in_(T.SECTION_KEYS))
                     .order_by(SectionRow.id))
    return canonical_dict(
        agency=row.agency_name, year=row.year, template=row.template, title=row.title,
        published=row.published.isoformat() if row.published else None,
        cells=((c.table_key, c.row_key, c.column_key, cell_value(c)) for c in cells),
        sections=((x.key, x.title, x.keywords or [], x.facts or []) for x in secs),
        problems=row.problems or [])
