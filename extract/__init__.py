"""Extraction: bytes of one report in, one canonical Report out. Pure: no network, no database,
so the whole raw store can be re-extracted offline at any time.

    >>> from extract import extract
    >>> report = extract(open("report.html", "rb").read(), filename="report.html")
    >>> report.value("applications", "new_received", "total")
"""
from __future__ import annotations

import re

from extract.decode import DecodeError, decode
from extract.errors import ExtractError  # noqa: F401 - part of the package's interface
from extract.gc_paused import gc_paused
from extract.document import Document
from extract.model import Problem, Report
from extract.readers import BINARY_READERS

__all__ = ["extract", "ExtractError", "sniff", "read_document", "Report", "is_report", "not_report_reason"]

MAX_BYTES = 50 * 1024 * 1024




_HTML = re.compile(rb"<\s*(!doctype\s+html|html|head|body|table|p|div|meta)[\s>/]", re.I)


def sniff(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """The format of ``data``, by its bytes first and its name or content type second."""
    head = data[:8]
    name = (filename or "").lower()
    ctype = (content_type or "").lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if name.endswith((".xlsx", ".xlsm")) or "spreadsheet" in ctype:
            return "xlsx"
        if name.endswith(".docx") or "wordprocessing" in ctype:
            return "docx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if name.endswith((".xls",)) or "excel" in ctype:
            return "xls"
        return "doc" if not name.endswith(".wps") else "wps"
    if b"\x00" in data[:1024] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    if _HTML.search(data[:4096]) or name.endswith((".html", ".htm", ".shtml", ".jhtml")) or "html" in ctype:
        return "html"
    return "text"


def read_document(data: bytes, fmt: str) -> tuple[Document, str | None]:
    """Document and the text encoding used (None for binary formats)."""
    if fmt in BINARY_READERS:
        return BINARY_READERS[fmt](data), None
    if fmt in ("pdf", "docx", "xlsx", "xls", "doc", "wps", "zip"):
        raise ExtractError("unsupported_format", f"{fmt.upper()} documents cannot be read yet")
    if fmt == "binary":
        raise ExtractError("binary", "the file is binary data, not a text, HTML or office document")
    return _read_text_or_html(data, fmt)


@gc_paused
def _read_text_or_html(data: bytes, fmt: str) -> tuple[Document, str | None]:
    try:
        text, encoding = decode(data)
    except DecodeError as exc:
        raise ExtractError("undecodable", str(exc)) from exc
    if fmt == "html":
        from extract.readers.html import read_html

        doc = read_html(text, data if encoding == "utf-8" else None)
        doc.cut = not text.rstrip().endswith(">")
        return doc, encoding
    from extract.readers.text import read_text

    doc = read_text(text)
    doc.cut = bool(text) and not (text[-1].isspace() or text[-1] in "|")
    return doc, encoding


def extract(data: bytes, *, filename: str | None = None, content_type: str | None = None,
            segment: bool = True) -> Report:
    """Read one report. ``segment=False`` skips jieba (tables, sections and facts only)."""
    if not data or not data.strip():
        raise ExtractError("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise ExtractError("too_large", f"the file is {len(data)} bytes, over the {MAX_BYTES}-byte limit")
    fmt = sniff(data, filename, content_type)
    doc, encoding = read_document(data, fmt)
    return _interpret(doc, encoding, segment)


@gc_paused
def _interpret(doc: Document, encoding: str | None, segment: bool) -> Report:
    """The report of a document read: its metadata, tables and narrative."""
    from extract.meta import read_meta
    from extract.narrative import read_narrative
    from extract.tables import read_tables

    report = Report(format=doc.format)
    report.problems.extend(Problem(**p) for p in doc.problems)
    if encoding:
        report.meta["encoding"] = encoding
        if encoding.endswith("+replace"):
            report.problems.append(Problem("damaged_bytes", "some bytes are not valid in the text's encoding; they "
                                           "read as \ufffd and the values they touch are left unread", "document"))
    report.meta.update({k: v for k, v in doc.meta.items()})
    read_meta(doc, report)
    read_tables(doc, report)
    read_narrative(doc, report, segment=segment)
    return report


def is_report(report: Report) -> bool:
    """Whether the document is an agency's annual report: it gives a number in a table, names an
    agency or a title, or has sections with text of their own. The blank national template (its
    headings and empty tables) is not one."""
    return not_report_reason(report) is None


def not_report_reason(report: Report) -> str | None:
    """Why the document is not a report, or None when it is one."""
    has_values = any(cv is not None and cv.value is not None for *_, cv in report.cells())
    if has_values or report.title is not None or report.agency is not None:
        return None
    text = sum(len(s.text) for s in report.sections)
    if len(report.sections) >= 2 and text >= 200:
        return None
    if report.sections or any(cv is not None for *_, cv in report.cells()):
        return ("a blank form: the template's headings and empty tables, with no agency, no year and no "
                "value of its own")
    return "no report tables, sections or title were found"
