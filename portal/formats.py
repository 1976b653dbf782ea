"""Report content as bytes in each served format. PDF and DOCX come from ``portal.render_office``
(written separately); when it is missing the report is served inline as HTML instead, so the
portal works either way and the truth says which format is really served."""
from __future__ import annotations

import functools
import importlib
import io
import zipfile
from typing import Callable

from portal.render import render_cells, render_markdown, render_tab

CONTENT_TYPES = {
    "txt": "text/plain",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TEXT_LAYOUTS: tuple[Callable[[dict], str], ...] = (render_tab, render_markdown, render_cells)


@functools.lru_cache(maxsize=None)
def office_renderer(fmt: str) -> Callable[[dict], bytes] | None:
    """``render_pdf`` / ``render_docx`` from portal.render_office, or None when unavailable."""
    try:
        mod = importlib.import_module("portal.render_office")
    except ImportError:
        return None
    fn = getattr(mod, f"render_{fmt}", None)
    return fn if callable(fn) else None


def effective_format(fmt: str) -> str:
    if fmt in ("pdf", "docx") and office_renderer(fmt) is None:
        return "html"
    return fmt


def text_layout(agency: str, year: int) -> Callable[[dict], str]:
    """A stable choice of text layout per report (tab, markdown or one-cell-per-line)."""
    return TEXT_LAYOUTS[(sum(map(ord, agency)) + year) % len(TEXT_LAYOUTS)]


def attachment_bytes(rep: dict, fmt: str, encoding: str = "utf-8") -> bytes:
    """The attachment's bytes — the same on every run, so unchanged files keep their ETag."""
    if fmt == "txt":
        text = text_layout(rep["agency"], rep["year"])(rep)
        return text.replace("\n", "\r\n").encode(encoding, errors="xmlcharrefreplace")
    fn = office_renderer(fmt)
    if fn is None:
        raise ValueError(f"no renderer for {fmt}")
    if fmt == "pdf":
        from reportlab import rl_config

        rl_config.invariant = 1  # no creation date or random file id in the PDF
        return fn(rep)
    return _fixed_zip_times(fn(rep))


def _fixed_zip_times(data: bytes) -> bytes:
    """Re-pack an OOXML zip with fixed entry timestamps (writers stamp the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
