"""Reading reports back out of the database in the canonical JSON shape of ``parse --json``."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CellRow, ReportRow, SectionRow
from extract import template as T


def cell_value(c: CellRow) -> int | Decimal | None:
    if c.value_text is None:
        return None
    if "." in c.value_text:
        return Decimal(c.value_text)
    return int(c.value_text)


def report_dict(s: Session, row: ReportRow) -> dict[str, Any]:
    apps: dict[str, dict] = {}
    review: dict[str, dict] = {}
    pro: dict[str, dict] = {}
    for c in s.scalars(select(CellRow).where(CellRow.report_id == row.id).order_by(CellRow.id)):
        v = cell_value(c)
        if c.table_key == "applications":
            apps.setdefault(c.row_key, {})[c.column_key] = v
        elif c.table_key == "review_litigation":
            review.setdefault(c.row_key, {})[c.column_key] = v
        else:
            pro.setdefault(c.table_key, {}).setdefault(c.row_key, {})[c.column_key] = v
    order = {k: i for i, k in enumerate(T.SECTION_KEYS)}
    secs = sorted((x for x in s.scalars(select(SectionRow).where(SectionRow.report_id == row.id)) if x.key in order),
                  key=lambda x: order[x.key])
    return {
        "agency": row.agency_name, "year": row.year, "template": row.template, "title": row.title,
        "published": row.published.isoformat() if row.published else None,
        "applications": apps, "review_litigation": review, "proactive": pro,
        "sections": [{"key": x.key, "title": x.title, "keywords": x.keywords, "facts": x.facts} for x in secs],
        "problems": row.problems or [],
    }
