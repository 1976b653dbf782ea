"""The database schema (SQLAlchemy 2.0). Portable SQL only: the same models run on SQLite
for one researcher and on PostgreSQL for the scaled-out deployment."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Agency(Base):
    """A reporting body: a department, a government (its 办公室 reports for it), a town or street."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("name", "region_code", name="uq_agency_name_region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="")  # 行政区划代码, "" when unknown
    province: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(20))  # province | city | county | town
    body_type: Mapped[str | None] = mapped_column(String(20))  # department | government | town | other
    expected: Mapped[bool] = mapped_column(default=False)  # on a roster in config/agencies/


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    province: Mapped[str | None] = mapped_column(String(40))
    platform: Mapped[str | None] = mapped_column(String(40))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | finished | failed
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Document(Base):
    """One fetch (or import) of one URL or file. The bytes live in the raw store under ``sha256``."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_url_fetched", "url", "fetched_at"),
                      Index("ix_documents_site_pending", "site_id", "extracted"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    final_url: Mapped[str | None] = mapped_column(String(2000))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # None when nothing was stored
    content_type: Mapped[str | None] = mapped_column(String(200))
    declared_encoding: Mapped[str | None] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))  # detected
    size: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    http_status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20), default="crawl")  # crawl | import
    kind: Mapped[str | None] = mapped_column(String(20))  # list | detail | attachment | file
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    list_url: Mapped[str | None] = mapped_column(String(2000))
    parent_url: Mapped[str | None] = mapped_column(String(2000))  # the detail page of an attachment
    error: Mapped[str | None] = mapped_column(Text)  # why nothing usable came back
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # link title, agency, year, pubdate …
    extracted: Mapped[bool] = mapped_column(default=False)
    # what nianbao.app.extraction decided: report | duplicate | unchanged | cover | not_report | failed | no_body
    outcome: Mapped[str | None] = mapped_column(String(20))
    # the report this document's content already is (a re-import, a second listing, an unchanged re-fetch)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", use_alter=True, name="fk_documents_report"))


class ReportRow(Base):
    """One extraction of one document's content: a report version."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_agency_year", "agency_id", "year"),
                      Index("ix_reports_current", "is_current", "agency_id", "year"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str | None] = mapped_column(String(200))  # as the document names it
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    template: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[date | None] = mapped_column(Date)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))  # ok | problems | failed | not_report
    error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    facts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extractor_version: Mapped[str | None] = mapped_column(String(20))
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the version of (agency, year) that stands: the newest readable one; older versions stay for history
    is_current: Mapped[bool] = mapped_column(default=False)
    # the canonical values packed once per report: a UTF-8 JSON object "table/row/column" -> the
    # exact value text (null for a blank cell), in cell order; NULL when no cells are stored. The
    # export reads it instead of ~250 rows of ``cells`` a report (migration 0004)
    values_json: Mapped[str | None] = mapped_column(Text)
    # the same cells' raw text and location, packed once per report in the same order: a UTF-8
    # JSON array [raw, location, raw, location, ...]; NULL when values_json is (migration 0005)
    provenance_json: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    agency: Mapped[Agency | None] = relationship()


class CellRow(Base):
    __tablename__ = "cells"
    __table_args__ = (Index("ix_cells_report_table", "report_id", "table_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    table_key: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(60))
    column_key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal | None] = mapped_column(Numeric(24, 8))
    value_text: Mapped[str | None] = mapped_column(String(40))  # the exact number, decimals as written
    raw: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))


class SectionRow(Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str | None] = mapped_column(Text)  # space-separated jieba tokens
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    facts: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Finding(Base):
    """A monitor finding. ``fingerprint`` is its stable identity across runs (rule, agency, year,
    and the cells or column it concerns), so a digest can tell new from resolved."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(10), index=True)
    severity: Mapped[str] = mapped_column(String(10))  # error | warning | info
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved | dismissed
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime)

