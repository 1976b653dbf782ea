"""packed provenance: each report's raw cell texts and locations once per report (``reports.provenance_json``)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Migration 0004 packed each report's values into ``reports.values_json``; the export still read
every cell's raw text and location from ``cells`` (about 250 rows a report), which was a third of
its time and kept it under 2,000 reports/s. ``reports.provenance_json`` holds them once per
report: a UTF-8 JSON array ``[raw, location, raw, location, ...]`` (``null`` where the cell has
none), in the same cell order as ``values_json`` — so the n-th value's raw text and location are
items 2n and 2n+1. Written by ``db.store.save_report`` beside the cells; ``cells`` stays the
provenance of record (and what the monitor reads).

Existing databases are backfilled from ``cells`` by a Python loop in batches of reports (the same
text on SQLite and PostgreSQL), for exactly the reports whose values are packed.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Reports packed per round trip (their cells, ~250 each, are in memory together).
BATCH = 500


def pack(cells: list[tuple[str | None, str | None]]) -> str:
    """The packed text of one report's cells, (raw, location) in cell order — the same text
    ``save_report`` writes."""
    return json.dumps([x for pair in cells for x in pair], ensure_ascii=False, separators=(",", ":"))


def backfill(conn: sa.Connection, batch: int = BATCH) -> int:
    """Fill ``provenance_json`` of every report whose values are packed and whose provenance is
    not; returns the number of reports filled."""
    filled = 0
    last = 0
    while True:
        ids = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM reports WHERE id > :last AND values_json IS NOT NULL AND provenance_json IS NULL "
            "ORDER BY id LIMIT :n"), {"last": last, "n": batch})]
        if not ids:
            return filled
        last = ids[-1]
        cells: dict[int, list[tuple]] = {}
        for rid, raw, loc in conn.execute(sa.text(
                "SELECT report_id, raw, location FROM cells WHERE report_id BETWEEN :lo AND :hi "
                "ORDER BY report_id, id"), {"lo": ids[0], "hi": last}):
            cells.setdefault(rid, []).append((raw, loc))
        conn.execute(sa.text("UPDATE reports SET provenance_json = :v WHERE id = :id"),
                     [{"id": rid, "v": pack(cells.get(rid, []))} for rid in ids])
        filled += len(ids)


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provenance_json", sa.Text(), nullable=True))
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("provenance_json")
