"""``nianbao export``: the corpus for researchers, in CSV, Parquet, JSON Lines, SQLite or XLSX,
with the data dictionary; and ``export --raw``, the original documents as a reproducible tar.

Tables: ``reports`` (one wide row per report, a column per canonical cell), ``cells`` (tidy long
form with raw text and location), ``sections``, ``agencies``, ``findings``, ``documents``. Current
versions only unless ``all_versions``; ``failed`` and ``not_report`` documents appear only in
``documents``. What each column means: :mod:`nianbao.app.export_dictionary`.
"""
from __future__ import annotations

import csv
import gzip
import io
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy.orm import Session

from db.rawstore import RawStore
from nianbao.app import export_dictionary as D
from nianbao.app.export_query import (Selection, agencies_batches, count_reports, current_reports_query,
                                      documents_batches, findings_batches, raw_manifest, report_chunks)
from nianbao.app.export_writers import WRITERS

__all__ = ["FORMATS", "ExportResult", "Selection", "current_reports_query", "export", "export_raw"]

FORMATS = tuple(WRITERS)


@dataclass
class ExportResult:
    """What was written: files, rows per table, and anything a reader should know."""

    format: str
    files: list[Path]
    rows: dict[str, int]
    reports: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def export(s: Session, out: Path, fmt: str, sel: Selection = Selection(),
           progress: Callable[[int], None] | None = None) -> ExportResult:
    """Write every table of the selection to ``out`` (a directory for csv, parquet and jsonl; a
    file for sqlite and xlsx). ``progress`` is called with the number of reports just written."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    t0 = time.perf_counter()
    conn = s.connection()
    writer = WRITERS[fmt](Path(out))
    unknown: set[tuple[str, str, str]] = set()
    n_reports = 0
    for chunk in report_chunks(conn, sel):
        writer.write("reports", chunk.reports)
        writer.write("cells", chunk.cells)
        writer.write("sections", chunk.sections)
        unknown |= chunk.unknown_keys
        n_reports += chunk.n_reports
        if progress:
            progress(chunk.n_reports)
    for name, batches in (("agencies", agencies_batches), ("findings", findings_batches),
                          ("documents", documents_batches)):
        for batch in batches(conn, sel):
            writer.write(name, batch)
    files = writer.close(D.dictionary())
    warnings = []
    if unknown:
        warnings.append(f"{len(unknown)} cell key(s) not in the data dictionary (in cells, not in reports): "
                        + ", ".join(".".join(k) for k in sorted(unknown)[:5]))
    if getattr(writer, "unfit", 0):
        warnings.append(f"{writer.unfit} value(s) with more digits than decimal128(38, 10): left empty in "
                        "value, exact in value_text")
    if getattr(writer, "cut", 0):
        warnings.append(f"{writer.cut} text(s) longer than an Excel cell holds were cut (full text in other formats)")
    return ExportResult(fmt, files, dict(writer.rows), n_reports, time.perf_counter() - t0, warnings)


# ------------------------------------------------------------------------------ raw corpus
#: Every member of the tar gets these, so the same corpus gives the same bytes.
TAR_MTIME = 0
MANIFEST_FIELDS = ("sha256", "path", "url", "fetched_at", "agency", "year", "report_id", "document_id")


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = TAR_MTIME
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def export_raw(s: Session, store: RawStore, out: Path, sel: Selection = Selection(),
               progress: Callable[[int], None] | None = None) -> ExportResult:
    """The exported reports' original documents, unedited, as ``documents/<sha256>`` plus
    ``manifest.csv`` (one line per document; bytes shared by several documents are stored once).
    Deterministic: members sorted by sha256, fixed mtime/uid/gid/uname, no gzip name or time
    (``.tar.gz`` / ``.tgz`` is gzipped, anything else plain tar). Documents missing from the raw
    store are listed in the manifest with an empty path and reported."""
    t0 = time.perf_counter()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    gz = out.name.endswith((".tar.gz", ".tgz"))
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(MANIFEST_FIELDS)
    missing = stored = 0
    with open(tmp, "wb") as raw_fh:
        fh = gzip.GzipFile(filename="", mode="wb", fileobj=raw_fh, mtime=0) if gz else raw_fh
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            last = None
            for sha, url, fetched, agency, year, report_id, doc_id in raw_manifest(s.connection(), sel):
                path = f"documents/{sha}"
                if sha != last:
                    src = store.path(sha)
                    if src.exists():
                        size = src.stat().st_size
                        with open(src, "rb") as body:
                            tar.addfile(_member(path, size), body)
                        stored += 1
                    else:
                        missing += 1
                        path = ""
                    last = sha
                elif not store.has(sha):
                    path = ""
                fetched_text = fetched.isoformat(sep=" ", timespec="seconds") if hasattr(fetched, "isoformat") \
                    else str(fetched or "")
                writer.writerow((sha, path, url, fetched_text, agency or "", year or "", report_id, doc_id))
                if progress:
                    progress(1)
            data = manifest.getvalue().encode("utf-8")
            tar.addfile(_member("manifest.csv", len(data)), io.BytesIO(data))
        if gz:
            fh.close()
    tmp.replace(out)
    warnings = [f"{missing} document(s) not in the raw store (listed in the manifest without a path)"] if missing else []
    return ExportResult("raw", [out], {"documents": stored}, stored, time.perf_counter() - t0, warnings)
