"""The one path from a fetched or imported document to a report.

A crawl, ``nianbao import``, ``nianbao reextract`` and any future worker call
:func:`process_document`, so the same bytes always end the same way, whoever reads them and in
whatever order. It decides, for one stored document:

* ``no_body``    — nothing usable was fetched (an error, a truncated body, bytes missing from the
  raw store): no report, the reason kept on the document (a body that was kept although the
  spider could not parse it for links is still read);
* ``unchanged``  — a 304 or a re-fetch with the same bytes: the earlier report stands;
* ``duplicate``  — the same bytes are already a report (imported twice, listed under two URLs):
  the document points to that report instead of becoming a second one;
* ``cover``      — a detail page with no tables of its own whose attachment is the report
  ("全文详见附件"), in either order of extraction;
* ``not_report`` — readable, but not an annual report (the blank template, a notice);
* ``failed``     — the reader gave up or crashed: the document's problem, recorded; the run goes on;
* ``report``     — a report (``ok`` or ``problems``), stored with its cells, sections and facts,
  the site's region/level/default agency applied, and the current version of its
  (agency, year) marked.

It never raises for a document's content. It commits what it knows before reading a document
(so no write lock is held while a large file is read) and leaves the final commit to the caller,
one document at a time: a crash loses at most the reading of one document, which stays pending.
"""
from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.home import Home
from db.models import CellRow, Document, ReportRow, Site
from db.rawstore import RawStore
from db.session import write_with_patience
from db.store import now, refresh_current, save_report
from extract import ExtractError, extract, is_report, not_report_reason
from extract.versions import is_stale, version_of

log = logging.getLogger(__name__)

#: Document kinds that can be reports (list pages are navigation).
CANDIDATE_KINDS = ("detail", "attachment", "file")
READABLE = ("ok", "problems")


@dataclass
class Outcome:
    """What :func:`process_document` decided for one document."""

    document_id: int
    outcome: str  # report | unchanged | duplicate | cover | not_report | failed | no_body | skipped
    report: ReportRow | None = None
    reason: str | None = None
    crashed: bool = False  # the reader or the database failed (not: the bytes are not a document)

    @property
    def failed(self) -> bool:
        """The document could not be read (our side: never the agency's fault)."""
        return self.outcome in ("failed", "no_body")


# --------------------------------------------------------------------------------- context
def site_attrs(s: Session, site_id: int | None, cache: dict | None = None) -> dict[str, Any]:
    """What the site entry says that documents cannot (region, level, default agency)."""
    if site_id is None:
        return {}
    if cache is not None and site_id in cache:
        return cache[site_id]
    site = s.get(Site, site_id)
    cfg = dict(site.config or {}) if site is not None else {}
    attrs = {"province": cfg.get("province") or (site.province if site else None), "region": cfg.get("region"),
             "region_code": cfg.get("region_code") or "", "level": cfg.get("level"),
             "body_type": cfg.get("body_type"), "default_agency": cfg.get("default_agency")}
    if cache is not None:
        cache[site_id] = attrs
    return attrs


def _overrides(doc: Document) -> dict[str, Any]:
    meta = doc.meta or {}
    return {k: v for k, v in (meta.get("overrides") or {}).items() if v is not None}


def _has_values(s: Session, report_id: int) -> bool:
    return bool(s.scalar(select(func.count()).select_from(CellRow).where(
        CellRow.report_id == report_id, CellRow.value.is_not(None)).limit(1)))


def _previous_report(s: Session, doc: Document) -> int | None:
    """The report an unchanged re-fetch stands for: the previous fetch's report (or what that
    one pointed to)."""
    prev_id = (doc.meta or {}).get("previous_document_id")
    seen = set()
    while prev_id and prev_id not in seen:
        seen.add(prev_id)
        rid = s.scalar(select(ReportRow.id).where(ReportRow.document_id == prev_id))
        if rid:
            return rid
        prev = s.get(Document, prev_id)
        if prev is None:
            return None
        if prev.report_id:
            return prev.report_id
        prev_id = (prev.meta or {}).get("previous_document_id")
    return None


def _attachment_reports(s: Session, doc: Document) -> list[tuple[str, int]]:
    """(url, report id) of this detail page's attachments that are readable reports with values."""
    urls = {u for u in (doc.url, doc.final_url) if u}
    rows = s.execute(select(Document.url, ReportRow.id).join(ReportRow, ReportRow.document_id == Document.id)
                     .where(Document.parent_url.in_(urls), Document.kind == "attachment",
                            ReportRow.status.in_(READABLE))).all()
    return [(u, rid) for u, rid in rows if _has_values(s, rid)]


def _demote_covers(s: Session, doc: Document) -> None:
    """An attachment that is a report turns its detail page, already read without values, into a cover."""
    if doc.kind != "attachment" or not doc.parent_url:
        return
    rows = s.execute(select(ReportRow, Document).join(Document, ReportRow.document_id == Document.id)
                     .where(or_(Document.url == doc.parent_url, Document.final_url == doc.parent_url),
                            Document.kind == "detail", ReportRow.status.in_(READABLE))).all()
    for row, detail in rows:
        if not _has_values(s, row.id):
            _make_cover(s, row, detail, [doc.url])


def _make_cover(s: Session, row: ReportRow, detail: Document, files: list[str]) -> None:
    row.status = "not_report"
    row.error = "a cover page: the report is its attachment " + ", ".join(sorted(files))
    s.query(CellRow).filter(CellRow.report_id == row.id).delete()
    detail.outcome = "cover"
    s.flush()
    refresh_current(s, row)


def _finish(doc: Document, outcome: str, report: ReportRow | None = None, reason: str | None = None,
            report_id: int | None = None) -> Outcome:
    doc.extracted = True
    doc.outcome = outcome
    if report_id is not None:
        doc.report_id = report_id
    return Outcome(doc.id, outcome, report, reason)


# --------------------------------------------------------------------------------- the decision
def process_document(s: Session, store: RawStore, doc: Document, *, segment: bool = True,
                     cache: dict | None = None) -> Outcome:
    """Decide what ``doc`` becomes (see the module docstring) and store it; idempotent."""
    if doc.kind not in CANDIDATE_KINDS:
        return _finish(doc, "skipped", reason="a list page (navigation)")
    meta = doc.meta or {}
    if not doc.sha256:  # a failed, refused, truncated or too large fetch: nothing (whole) was kept
        return _finish(doc, "no_body", reason=doc.error or "nothing was fetched")
    own = s.scalar(select(ReportRow).where(ReportRow.document_id == doc.id))
    if own is None and (meta.get("not_modified") or meta.get("unchanged")):
        prev = _previous_report(s, doc)
        return _finish(doc, "unchanged", reason="the same bytes as the previous fetch: its report stands",
                       report_id=prev)
    if not store.has(doc.sha256):
        return _finish(doc, "no_body", reason="the raw bytes are missing from the raw store")
    overrides = _overrides(doc)
    if own is None:
        twin = s.execute(select(ReportRow, Document).join(Document, ReportRow.document_id == Document.id)
                         .where(ReportRow.sha256 == doc.sha256, ReportRow.document_id != doc.id)
                         .order_by(ReportRow.is_current.desc(), ReportRow.id).limit(1)).first()
        # a superseded version published again is a new version (it stands again), not a duplicate
        if twin is not None and _overrides(twin[1]) == overrides and (twin[0].is_current or
                                                                      twin[0].status not in READABLE):
            return _finish(doc, "duplicate", twin[0], reason=f"the same bytes as document {twin[1].id} ({twin[1].url})",
                           report_id=twin[0].id)
    name = meta.get("filename") or Path(doc.final_url or doc.url).name
    # what is known so far is committed, so no lock is held while a large document is read (other
    # writers of a SQLite file wait for a lock only as long as a short write takes)
    s.commit()
    try:
        data = store.get(doc.sha256)
        report = extract(data, filename=name, content_type=doc.content_type, segment=segment)
    except ExtractError as exc:
        return _store_failure(s, doc, own, f"{exc.kind}: {exc.message}", version_of(None))
    except Exception as exc:  # noqa: BLE001 - one document's crash must not stop the run
        log.info("document %s (%s): the reader crashed: %r", doc.id, doc.url, exc)
        return _store_failure(s, doc, own, f"crashed: {type(exc).__name__}: {str(exc)[:300]}", version_of(None),
                              crashed=True)
    attrs = site_attrs(s, doc.site_id, cache)
    # what the crawl learned from the list page, then the site entry, fill what the document leaves out
    if report.agency is None:
        report.agency = meta.get("agency") or attrs.get("default_agency")
    if report.year is None and meta.get("year"):
        report.year = int(meta["year"])
    if report.published is None and meta.get("published"):
        report.published = meta["published"]
    if overrides:
        report.meta["overrides"] = ", ".join(sorted(overrides))
        for key in ("agency", "year", "published"):
            if key in overrides:
                setattr(report, key, int(overrides[key]) if key == "year" else str(overrides[key]))
    status = "not_report" if not is_report(report) else ("problems" if report.problems else "ok")
    outcome, error = ("not_report", not_report_reason(report)) if status == "not_report" else ("report", None)
    has_values = any(cv is not None and cv.value is not None for *_, cv in report.cells())
    if status in READABLE and doc.kind == "detail" and not has_values:
        files = _attachment_reports(s, doc)
        if files:
            status, outcome = "not_report", "cover"
            error = "a cover page: the report is its attachment " + ", ".join(sorted(u for u, _ in files))
    agency_attrs = {k: v for k, v in attrs.items() if k != "default_agency"}
    try:
        with s.begin_nested():
            row = save_report(s, doc, report, status=status, error=error, agency_attrs=agency_attrs,
                              version=version_of(report.format))
    except Exception as exc:  # noqa: BLE001 - e.g. a number too large for the column
        s.expire_all()
        own = s.scalar(select(ReportRow).where(ReportRow.document_id == doc.id))
        return _store_failure(s, doc, own, f"could not store: {type(exc).__name__}: {str(exc)[:300]}",
                              version_of(report.format), crashed=True)
    if status in READABLE and has_values:
        _demote_covers(s, doc)
    _link_refetches(s, doc, row.id)
    return _finish(doc, outcome, row, reason=error)


def _link_refetches(s: Session, doc: Document, report_id: int) -> None:
    """Unchanged re-fetches of ``doc`` processed before it (after a kill, any order happens)
    point to its report too, as they would had it come first."""
    for later in s.scalars(select(Document).where(Document.url == doc.url, Document.outcome == "unchanged",
                                                  Document.report_id.is_(None), Document.id != doc.id)):
        if (later.meta or {}).get("previous_document_id") == doc.id:
            later.report_id = report_id


def _store_failure(s: Session, doc: Document, own: ReportRow | None, error: str, version: str,
                   crashed: bool = False) -> Outcome:
    row = save_report(s, doc, None, status="failed", error=error, version=version)
    out = _finish(doc, "failed", row, reason=error)
    out.crashed = crashed
    return out


# --------------------------------------------------------------------------------- callers
def import_file(home: Home, s: Session, path: Path, overrides: dict | None = None) -> Outcome:
    """Store a local file exactly as a crawl would store a download, then decide what it is.
    Importing the same bytes twice adds a document row and no second report."""
    data = path.read_bytes()
    sha = home.store.put(data)
    overrides = dict(overrides or {})
    url = overrides.pop("url", None) or path.resolve().as_uri()
    ctype = mimetypes.guess_type(path.name)[0]
    kept = {k: v for k, v in overrides.items() if v is not None}
    doc = Document(url=url, final_url=url, sha256=sha, content_type=ctype, size=len(data), fetched_at=now(),
                   source="import", kind="file", meta={"filename": path.name, "overrides": kept})
    s.add(doc)
    s.flush()
    return process_document(s, home.store, doc)


def candidates(s: Session, *, pending: bool = False, stale: bool = False, site_id: int | None = None,
               run_id: int | None = None) -> list[int]:
    """Ids of the documents to (re-)extract, in fetch order."""
    q = select(Document.id).where(Document.kind.in_(CANDIDATE_KINDS))
    if pending:
        q = q.where(Document.extracted.is_(False))
    if site_id is not None:
        q = q.where(Document.site_id == site_id)
    if run_id is not None:
        q = q.where(Document.crawl_run_id == run_id)
    if stale:
        rows = s.execute(select(ReportRow.document_id, ReportRow.format, ReportRow.extractor_version)).all()
        old = {d for d, fmt, ver in rows if is_stale(fmt, ver)}
        return [i for i in s.scalars(q.order_by(Document.id)) if i in old]
    return list(s.scalars(q.order_by(Document.id)))


def extract_documents(home: Home, ids: Iterable[int], *, segment: bool = True,
                      on_each=None) -> dict[str, int]:
    """Run :func:`process_document` on each document, committing after each one (short write
    transactions: a crawl writing to the same SQLite file never waits long). Returns counts per
    outcome; a document whose processing fails outright is counted as ``failed`` and the rest go on."""
    counts: dict[str, int] = {}
    cache: dict = {}
    store = home.store
    ids = list(ids)
    with home.session(immediate=True) as s:
        for doc_id in ids:
            try:
                def once() -> Outcome | None:
                    doc = s.get(Document, doc_id)
                    return None if doc is None else process_document(s, store, doc, segment=segment, cache=cache)

                # another writer holding the SQLite file past the busy timeout delays a document,
                # it does not fail it (the work is repeated from the start: it is idempotent)
                res = write_with_patience(s, once)
                if res is None:
                    continue
                key = res.outcome
            except Exception as exc:  # noqa: BLE001 - the database refused this one; record it and go on
                s.rollback()
                log.info("document %s: %r", doc_id, exc)
                key = "failed"
                try:
                    doc = s.get(Document, doc_id)
                    if doc is not None:
                        doc.extracted, doc.outcome = True, "failed"
                        doc.error = doc.error or f"could not be processed: {type(exc).__name__}: {str(exc)[:300]}"
                        s.commit()
                except Exception:  # noqa: BLE001
                    s.rollback()
            counts[key] = counts.get(key, 0) + 1
            if on_each is not None:
                on_each(key)
        # final outcomes: a detail page read before its attachment became a cover afterwards
        done = [i for i in ids if i is not None]
        final: dict[str, int] = {}
        for n in range(0, len(done), 500):
            for (outcome,) in s.execute(select(Document.outcome).where(Document.id.in_(done[n:n + 500]))):
                final[outcome or "failed"] = final.get(outcome or "failed", 0) + 1
    return final if final else counts


def reextract(home: Home, *, pending: bool = False, stale: bool = False, on_each=None) -> dict[str, int]:
    """Re-read stored documents offline from the raw store (after an extractor change).
    ``pending``: only documents never extracted; ``stale``: only reports whose reader's version
    changed. With an unchanged extractor, reports, versions and findings stay as they were."""
    with home.session() as s:
        ids = candidates(s, pending=pending, stale=stale)
    return extract_documents(home, ids, on_each=on_each)


def parse_published(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).date().isoformat()
