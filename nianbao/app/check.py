"""Running the monitor on the harvested reports and reading its findings back.

Used by ``nianbao check``, the scheduler and the tests. The check reads everything in one session
(no write lock: imports and crawls go on), then writes its findings in a second, immediate
transaction: on SQLite it waits for a concurrent import or check instead of failing with
"database is locked", and two checks at once store one after the other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.home import Home
from db.session import write_with_patience


@dataclass
class CheckResult:
    records: list[dict]
    reports: int
    open_errors: int
    stale: int = 0  # current reports read by an older extractor (``nianbao reextract --stale``)


def stale_reports(s) -> int:
    """How many current reports an older version of their reader produced. The monitor judges
    what the stored reports say: facts a newer extractor reads (the 统计期限 W5 checks, a row now
    read) are absent from them, so findings can open or resolve for the extractor's sake, not the
    agency's — ``check`` says so before anyone reads its result."""
    from sqlalchemy import select

    from db.models import ReportRow
    from extract.versions import is_stale

    rows = s.execute(select(ReportRow.format, ReportRow.extractor_version)
                     .where(ReportRow.is_current.is_(True))).all()
    return sum(1 for fmt, ver in rows if is_stale(fmt, ver))


def check(home: Home, *, year: int | None = None, province: str | None = None, as_of: date | None = None,
          families: tuple[str, ...] | None = None) -> CheckResult:
    """Run every rule family and store the findings (new ones opened, gone ones resolved)."""
    from monitor import MonitorConfig, run_check

    cfg = MonitorConfig.load()
    with home.session() as read, home.session(immediate=True) as write:
        def once():
            read.rollback()  # a fresh snapshot on a retry
            return run_check(read, cfg, year=year, province=province, as_of=as_of, families=families, store=write)

        result = write_with_patience(write, once)
        stale = stale_reports(read)
    return CheckResult(result.records, result.reports, result.open_errors, stale)


def findings(home: Home, *, status: str | None = None, rule: str | None = None, year: int | None = None) -> list[dict]:
    """Stored findings as records (what ``check --json`` prints)."""
    from monitor.findings import list_findings, record

    with home.session() as s:
        return [record(f) for f in list_findings(s, status, rule, year)]


def dismiss(home: Home, finding_id: int, why: str) -> dict | None:
    """Dismiss a finding with a reason; its record, or None when there is no such finding."""
    from datetime import datetime, timezone

    from monitor.findings import dismiss as do_dismiss

    with home.session(immediate=True) as s:
        f = do_dismiss(s, finding_id, why, datetime.now(timezone.utc).replace(tzinfo=None))
        if f is None:
            return None
        s.commit()
        return {"id": f.id, "rule": f.rule, "agency": f.agency_name, "year": f.year}
