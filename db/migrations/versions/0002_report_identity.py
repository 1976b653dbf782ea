"""report identity: one report per (agency, year, content), the current version marked

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

* ``reports.is_current``: the version of an agency's report of a year that stands (the newest of
  the readable ones); older versions stay, for history and P3 (changed after publication).
* ``documents.report_id``: a document whose content is already a report (imported twice, listed
  twice, fetched again unchanged) points to that report instead of becoming a second one.
* ``documents.outcome``: what the one document→report step decided (report, duplicate,
  unchanged, cover, not_report, failed, no_body) — so "we could not read it" is visible per fetch.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_reports_current", ["is_current", "agency_id", "year"], unique=False)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key("fk_documents_report", "reports", ["report_id"], ["id"])
        batch_op.create_index("ix_documents_site_pending", ["site_id", "extracted"], unique=False)
    # existing corpora: the newest readable report of each (agency, year) stands; no cells are
    # kept for documents that are not reports
    op.execute("""
        UPDATE reports SET is_current = CASE WHEN status IN ('ok', 'problems') AND id = (
            SELECT MAX(r2.id) FROM reports r2
            WHERE r2.status IN ('ok', 'problems')
              AND COALESCE(r2.agency_id, -r2.document_id) = COALESCE(reports.agency_id, -reports.document_id)
              AND COALESCE(r2.year, -1) = COALESCE(reports.year, -1)) THEN 1 ELSE 0 END
    """ if op.get_bind().dialect.name == "sqlite" else """
        UPDATE reports SET is_current = (status IN ('ok', 'problems') AND id = (
            SELECT MAX(r2.id) FROM reports r2
            WHERE r2.status IN ('ok', 'problems')
              AND COALESCE(r2.agency_id, -r2.document_id) = COALESCE(reports.agency_id, -reports.document_id)
              AND COALESCE(r2.year, -1) = COALESCE(reports.year, -1)))
    """)
    op.execute("DELETE FROM cells WHERE report_id IN (SELECT id FROM reports WHERE status = 'not_report')")


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_site_pending")
        batch_op.drop_constraint("fk_documents_report", type_="foreignkey")
        batch_op.drop_column("outcome")
        batch_op.drop_column("report_id")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_current")
        batch_op.drop_column("is_current")
