"""packed values: each report's canonical values once per report (``reports.values_json``)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

The ``cells`` table has one row per canonical cell, about 250 a report; reading them back row by
row is the slowest part of an export (SQLite yields some 450,000 cells/s, a quarter of what 2,000
reports/s needs). ``reports.values_json`` holds the same values once per report: a UTF-8 JSON
object ``"table/row/column" -> exact value text`` (``null`` for a blank cell), in cell order,
written by ``db.store.save_report`` beside the cells. ``cells`` stays: it has the raw text and
location of every value (provenance) and the monitor reads it.

Existing databases are backfilled from ``cells`` by a Python loop in batches of reports (the same
text on SQLite and PostgreSQL, which write JSON differently in SQL), so memory stays flat.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Reports packed per round trip (their cells, ~250 each, are in memory together).
BATCH = 500


def pack(cells: list[tuple[str, str, str, str | None]]) -> str:
    """The packed text of one report's cells, (table, row, column, value_text) in cell order —
    the same text ``save_report`` writes."""
    return json.dumps({f"{t}/{r}/{c}": v for t, r, c, v in cells}, ensure_ascii=False, separators=(",", ":"))


def backfill(conn: sa.Connection, batch: int = BATCH) -> int:
    """Fill ``values_json`` of every report that has none, from its cells; readable reports
    without cells get ``{}``, other reports (failed, not_report) without cells stay NULL.
    Returns the number of reports filled."""
    filled = 0
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, status FROM reports WHERE id > :last AND values_json IS NULL "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": batch}).all()
        if not rows:
            return filled
        last = rows[-1][0]
        lo, hi = rows[0][0], last
        cells: dict[int, list[tuple]] = {}
        for rid, t, r, c, v in conn.execute(sa.text(
                "SELECT report_id, table_key, row_key, column_key, value_text FROM cells "
                "WHERE report_id BETWEEN :lo AND :hi ORDER BY report_id, id"), {"lo": lo, "hi": hi}):
            cells.setdefault(rid, []).append((t, r, c, v))
        updates = [{"id": rid, "v": pack(cells.get(rid, []))} for rid, status in rows
                   if rid in cells or status in ("ok", "problems")]
        if updates:
            conn.execute(sa.text("UPDATE reports SET values_json = :v WHERE id = :id"), updates)
            filled += len(updates)


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("values_json", sa.Text(), nullable=True))
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("values_json")
