"""``nianbao reports``: what has been harvested."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Agency, Document, ReportRow
from db.read import report_dict
from nianbao.app.terminal import safe_line
from nianbao.output import grid, to_json


def list_reports(s: Session, province: str | None, year: int | None, as_json: bool,
                 echo: Callable[[str], None], everything: bool = False) -> int:
    q = (select(ReportRow, Document, Agency).join(Document, ReportRow.document_id == Document.id)
         .outerjoin(Agency, ReportRow.agency_id == Agency.id))
    if year:
        q = q.where(ReportRow.year == year)
    if not everything:
        # the version that stands of each report: not a cover page ("see the attachment"), not an
        # older version, not the same report found twice
        q = q.where(ReportRow.is_current.is_(True))
    if province:
        q = q.where(Agency.province == province)
    q = q.order_by(Agency.province, Agency.region, ReportRow.agency_name, ReportRow.year, ReportRow.id)
    rows = s.execute(q).all()
    if as_json:
        for rep, doc, ag in rows:
            d = {"id": rep.id, "status": rep.status, "error": rep.error, "source_url": doc.url,
                 "sha256": rep.sha256, "fetched_at": doc.fetched_at.isoformat(timespec="seconds"),
                 "province": ag.province if ag else None, "region": ag.region if ag else None,
                 "region_code": ag.region_code if ag else None}
            d.update(report_dict(s, rep))
            echo(to_json(d))
        return len(rows)
    table = [[safe_line(rep.agency_name or "(unknown)"), str(rep.year or "?"), (ag.region or ag.province or "") if ag else "",
              rep.published.isoformat() if rep.published else "", rep.template or "?", rep.status,
              safe_line(doc.url[-60:])] for rep, doc, ag in rows]
    if table:
        echo(grid(["agency", "year", "region", "published", "template", "status", "source"], table))
    echo(f"{len(rows)} reports")
    return len(rows)
