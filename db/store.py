"""Writing extraction results to the database. Used by ``import``, ``crawl`` and re-extraction
alike, so a crawled report and an imported one are stored the same way."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Agency, CellRow, Document, ReportRow, SectionRow
from extract.model import Report



def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def value_text(v) -> str | None:
    if v is None:
        return None
    return str(v)  # int, or Decimal with the digits as written


def get_agency(s: Session, name: str, region_code: str = "", **attrs) -> Agency:
    ag = s.scalar(select(Agency).where(Agency.name == name, Agency.region_code == (region_code or "")))
    if ag is None:
        ag = Agency(name=name, region_code=region_code or "", **attrs)
        s.add(ag)
        s.flush()
    else:
        for k, v in attrs.items():
            if v is not None and getattr(ag, k) in (None, ""):
                setattr(ag, k, v)
    return ag


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def save_report(s: Session, doc: Document, report: Report | None, *, status: str, error: str | None = None,
                agency_attrs: dict | None = None, version: str | None = None) -> ReportRow:
    """Store one extraction of ``doc``; a previous extraction of the same document is replaced.
    A document that is not a report keeps its metadata but no cells or sections (nothing for a
    reader of the database to mistake for 200 blank cells). The current version of the
    (agency, year) is marked afterwards."""
    from extract.versions import version_of

    old = s.scalar(select(ReportRow).where(ReportRow.document_id == doc.id))
    if old is not None:
        s.execute(delete(CellRow).where(CellRow.report_id == old.id))
        s.execute(delete(SectionRow).where(SectionRow.report_id == old.id))
        row = old
    else:
        row = ReportRow(document_id=doc.id, sha256=doc.sha256 or "", first_seen=doc.fetched_at)
        s.add(row)
    row.status = status
    row.error = error
    row.extractor_version = version or version_of(report.format if report is not None else None)
    row.extracted_at = now()
    if report is not None:
        attrs = dict(agency_attrs or {})
        region_code = attrs.pop("region_code", "") or ""
        row.agency_name = report.agency
        row.agency = get_agency(s, report.agency, region_code, **attrs) if report.agency else None
        row.year = report.year
        row.template = report.template
        row.title = report.title
        row.published = parse_date(report.published)
        row.format = report.format
        row.problems = [p.as_dict() for p in report.problems]
        row.facts = [f.__dict__ for f in report.facts]
        row.meta = dict(report.meta)
        s.flush()
    row.values_json = row.provenance_json = None
    if report is not None and status != "not_report":
        packed: dict[str, str | None] = {}
        provenance: list[str | None] = []
        for t, r, c, cv in report.cells():
            text = None if cv is None else value_text(cv.value)
            raw, where = (None, None) if cv is None else (cv.raw, cv.where)
            s.add(CellRow(report_id=row.id, table_key=t, row_key=r, column_key=c,
                          value=None if cv is None else cv.value, value_text=text, raw=raw, location=where))
            packed[f"{t}/{r}/{c}"] = text
            provenance += (raw, where)
        # the same cells once more, packed per report: what the export reads (ReportRow.values_json,
        # ReportRow.provenance_json; one key per cell, so the two stay aligned)
        row.values_json = json.dumps(packed, ensure_ascii=False, separators=(",", ":"))
        row.provenance_json = (json.dumps(provenance, ensure_ascii=False, separators=(",", ":"))
                               if len(packed) * 2 == len(provenance) else None)
        if report.preamble:
            # kept for the monitor (W5 reads the 统计期限 stated here); not segmented, so it never
            # counts towards 内容雷同 — nearly every preamble cites the same 条例
            s.add(SectionRow(report_id=row.id, key="preamble", title=None, text=report.preamble, tokens="",
                             keywords=[], facts=[]))
        for sec in report.sections:
            s.add(SectionRow(report_id=row.id, key=sec.key, title=sec.title, text=sec.text,
                             tokens=" ".join(sec.tokens), keywords=list(sec.keywords),
                             facts=[f.__dict__ for f in sec.facts]))
    s.flush()
    refresh_current(s, row)
    return row


def refresh_current(s: Session, row: ReportRow) -> None:
    """Mark the version of ``row``'s (agency, year) that stands: the newest readable one, by
    first seen then id — the order the monitor's view uses. A report without an agency is its own
    series per source document URL."""
    q = select(ReportRow).where(ReportRow.year.is_(None) if row.year is None else ReportRow.year == row.year)
    if row.agency_id is not None:
        q = q.where(ReportRow.agency_id == row.agency_id)
    else:
        url = s.scalar(select(Document.url).where(Document.id == row.document_id))
        q = q.join(Document, ReportRow.document_id == Document.id).where(ReportRow.agency_id.is_(None),
                                                                          Document.url == url)
    versions = list(s.scalars(q))
    if row not in versions:
        versions.append(row)
    readable = [v for v in versions if v.status in ("ok", "problems")]
    best = max(readable, key=lambda v: (v.first_seen or datetime.min, v.id)) if readable else None
    for v in versions:
        v.is_current = v is best
    s.flush()
