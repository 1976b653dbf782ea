"""Orchestration of the stages: store raw bytes, record the document, extract, save the report.
The crawler and ``nianbao import`` both end here, so both leave the same rows behind."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Document, ReportRow
from db.rawstore import RawStore
from db.session import session as open_session
from db.store import now, save_report
from extract import ExtractError, extract, is_report
from nianbao.paths import data_home, db_url


@dataclass
class Home:
    """The data home: raw store and database."""

    home: Path
    url: str

    @classmethod
    def open(cls, home: str | None = None, db: str | None = None) -> "Home":
        h = data_home(home)
        h.mkdir(parents=True, exist_ok=True)
        return cls(h, db_url(db, h))

    @property
    def store(self) -> RawStore:
        return RawStore(self.home / "raw")

    def session(self) -> Session:
        return open_session(self.url)


def extract_document(s: Session, store: RawStore, doc: Document, overrides: dict | None = None,
                     agency_attrs: dict | None = None, segment: bool = True) -> ReportRow | None:
    """(Re-)extract one stored document. Failures are recorded on the report row, never raised."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if not doc.sha256 or not store.has(doc.sha256):
        return None
    data = store.get(doc.sha256)
    name = Path(doc.final_url or doc.url).name
    try:
        report = extract(data, filename=name, content_type=doc.content_type, segment=segment)
    except ExtractError as exc:
        doc.extracted = True
        return save_report(s, doc, None, status="failed", error=f"{exc.kind}: {exc.message}")
    meta = doc.meta or {}
    # what the crawl learned from the list page fills what the document leaves out
    if report.agency is None and meta.get("agency"):
        report.agency = meta["agency"]
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
    doc.extracted = True
    return save_report(s, doc, report, status=status, agency_attrs=agency_attrs)


def import_file(home: Home, s: Session, path: Path, overrides: dict | None = None) -> ReportRow | None:
    """Store a local file exactly as a crawl would store a download, then extract it."""
    data = path.read_bytes()
    sha = home.store.put(data)
    overrides = dict(overrides or {})
    url = overrides.pop("url", None) or path.resolve().as_uri()
    ctype = mimetypes.guess_type(path.name)[0]
    doc = Document(url=url, final_url=url, sha256=sha, content_type=ctype, size=len(data), fetched_at=now(),
                   source="import", kind="file",
                   meta={"filename": path.name, **{k: v for k, v in overrides.items() if v is not None}})
    s.add(doc)
    s.flush()
    return extract_document(s, home.store, doc, overrides)


def reextract(home: Home, s: Session, only_pending: bool = False) -> int:
    """Extract stored documents again (after an extractor change), offline, from the raw store."""
    q = select(Document).where(Document.sha256.is_not(None), Document.kind.in_(("detail", "attachment", "file")))
    if only_pending:
        q = q.where(Document.extracted.is_(False))
    n = 0
    for doc in s.scalars(q).all():
        extract_document(s, home.store, doc)
        n += 1
    return n


def parse_published(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).date().isoformat()
