"""PDF attachments (pdfplumber / pdfminer.six, MIT).

What it does, page by page:

* **Tables from ruling lines.** Only *visible* strokes count: WPS exports paint every text line
  on a white filled rectangle and shade caption rows with coloured fills, and those edges would
  otherwise cut the narrative into false tables. The cells pdfplumber finds between the lines
  become TCells with a grid column and colspan (``grid=True``); a cell merged over several rows
  appears once, in its first row, as in HTML. A table cut by a page break is two tables: the
  interpreter carries its state across tables, and a header repeated on the next page is read
  as a header again.
* **Tables from word positions** where a page has no ruling: lines whose text falls into chunks
  separated by wide gaps, with the numbers after the labels, form rows (``grid=False``); the
  caption and header lines around them join the table; a row of numbers whose label wrapped
  onto the lines above and below takes those fragments as its label.
* **Text** outside tables: characters grouped into visual lines, lines into paragraphs (a new
  paragraph at an indent, after a short line, at a section number like 一、, at a change of
  font size), across page breaks; page numbers (-3-, 第3页) and running headers/footers
  repeated on most pages are dropped.
* Every block says where it came from: ``page 4 table 2 row 5 col 3``, ``page 2 line 7``.
* A page without a text layer (a scan) is read by OCR when tesseract is installed
  (``extract.readers.ocr``: every value then carries "(OCR)" in its location and the report an
  ``ocr`` problem, so the monitor never judges the agency on it); without tesseract it adds a
  ``needs_ocr`` problem, as does a text layer that is mostly unmapped CID glyphs.
* Encrypted PDFs open when the user password is empty (the usual "permissions only" case);
  otherwise ``ExtractError("encrypted")``. Broken files give ``ExtractError("corrupt")``; a page
  that fails on its own is a problem and the other pages are still read.
"""
from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field

from extract.document import Document, Paragraph, Table, TCell
from extract.readers import ocr
from extract.readers.registry import register_guarded

_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六七八九十]{1,3}部分)")
_SUBHEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")
_PAGE_NO = re.compile(r"^\s*(?:[-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
                      r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$")
_CAPTION = re.compile(r"第二十条|勾稽|申请人情况|信息内容|行政复议|行政诉讼|法人或其他组织|复议后起诉|未经复议")



# ------------------------------------------------------------------------------ geometry helpers
def _white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return color >= 0.95
    if isinstance(color, (tuple, list)):
        vals = [v for v in color if isinstance(v, (int, float))]
        if not vals:
            return False
        if len(vals) == 1:
            return vals[0] >= 0.95
        if len(vals) == 3:
            return min(vals) >= 0.95
        if len(vals) == 4:  # CMYK
            return max(vals) <= 0.05
    return False


def _visible_graphic(obj: dict) -> bool:
    """Keep characters, images and the strokes that draw ruling lines; drop invisible or
    background fills (their edges are not cell borders)."""
    t = obj.get("object_type")
    if t in ("rect", "line", "curve"):
        w = abs(obj.get("x1", 0) - obj.get("x0", 0))
        h = abs(obj.get("bottom", 0) - obj.get("top", 0))
        if obj.get("stroke") and not _white(obj.get("stroking_color")):
            return True
        # a ruling line drawn as a thin filled rectangle
        if obj.get("fill") and min(w, h) <= 2.5 and not _white(obj.get("non_stroking_color")):
            return True
        return False
    return True


@dataclass
class _Line:
    chars: list
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str = ""
    chunks: list[tuple[str, float, float]] = field(default_factory=list)  # (text, x0, x1)


def _group_lines(chars: list) -> list[_Line]:
    """Characters into visual lines (top to bottom, left to right)."""
    chars = [c for c in chars if c.get("text") and c.get("upright", True) is not None]
    chars.sort(key=lambda c: (round(c["top"], 1), c["x0"]))
    lines: list[list] = []
    cur: list = []
    cur_top = cur_bottom = 0.0
    for c in chars:
        mid = (c["top"] + c["bottom"]) / 2
        if cur and cur_top - 0.5 <= mid <= cur_bottom + 0.5:
            cur.append(c)
            cur_top = min(cur_top, c["top"])
            cur_bottom = max(cur_bottom, c["bottom"])
            continue
        if cur:
            lines.append(cur)
        cur, cur_top, cur_bottom = [c], c["top"], c["bottom"]
    if cur:
        lines.append(cur)
    out = []
    for cs in lines:
        cs.sort(key=lambda c: c["x0"])
        sizes = [c["size"] for c in cs if not c["text"].isspace()] or [cs[0]["size"]]
        size = Counter(round(s, 1) for s in sizes).most_common(1)[0][0] or 10.0
        line = _Line(cs, min(c["x0"] for c in cs), max(c["x1"] for c in cs), min(c["top"] for c in cs),
                     max(c["bottom"] for c in cs), size)
        line.text, line.chunks = _line_text(cs, size)
        if line.text:
            out.append(line)
    return out


def _line_text(cs: list, size: float) -> tuple[str, list[tuple[str, float, float]]]:
    """The line's text (a space where the gap is wide) and its chunks split at gaps ≥ 1 em."""
    parts: list[str] = []
    chunks: list[tuple[str, float, float]] = []
    chunk: list[str] = []
    cx0 = cx1 = None
    prev = None
    for c in cs:
        t = c["text"]
        if t.isspace():
            continue  # an explicit space: the gap to the next glyph decides
        if prev is not None and t == prev["text"] and abs(c["x0"] - prev["x0"]) < 1.0:
            continue  # a glyph printed twice at the same place (fake bold)
        if prev is not None:
            gap = c["x0"] - prev["x1"]
            if gap > 1.0 * size:
                chunks.append(("".join(chunk), cx0, cx1))
                chunk, cx0 = [], None
                parts.append(" ")
            elif gap > 0.45 * size:
                parts.append(" ")
                chunk.append(" ")
        parts.append(t)
        chunk.append(t)
        cx0 = c["x0"] if cx0 is None else cx0
        cx1 = c["x1"]
        prev = c
    if chunk:
        chunks.append(("".join(chunk), cx0, cx1))
    return "".join(parts).strip(), [(t.strip(), a, b) for t, a, b in chunks if t.strip()]


def _join_cell_lines(lines: list[_Line]) -> str:
    out = ""
    for ln in lines:
        t = ln.text
        if out and out[-1].isascii() and out[-1].isalpha() and t[:1].isascii() and t[:1].isalpha():
            out += " "
        out += t
    return out


# ------------------------------------------------------------------------------ ruled tables
def _ruled_tables(page, pno: int, chars: list, found: list | None = None
                  ) -> tuple[list[tuple[float, float, Table]], list]:
    """Tables drawn with ruling lines, as (top, bottom, Table); and the characters outside them.
    ``found`` replaces the tables of the page's own drawing: those of the lines OCR found in a
    scan."""
    if found is None:
        try:
            found = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines",
                                      "explicit_horizontal_lines": _closing_edges(page)})
        except Exception:  # noqa: BLE001 - a degenerate drawing must not lose the page's text
            return [], chars
    tables: list[tuple[float, float, Table]] = []
    taken: list[tuple[float, float, float, float]] = []
    for t in found:
        cells = [c for c in t.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
        xs = sorted({round(c[0], 1) for c in cells})
        ys = sorted({round(c[1], 1) for c in cells})
        if len(xs) < 2 or len(ys) < 2:
            continue  # a box around text, not a table
        taken.append(t.bbox)
        tables.append((t.bbox[1], t.bbox[3], _cells_to_table(cells, xs, ys, chars, pno, len(tables) + 1)))
    if not taken:
        return [], chars
    rest = [c for c in chars if not any(_inside(c, b) for b in taken)]
    return tables, rest


def _closing_edges(page) -> list[dict]:
    """Horizontal edges a table lacks where a page break cut it: exporters leave the bottom of
    the page's part (and the top of the next) open, so the verticals end in the air. Where
    several verticals end at one height, a line joins them; where one ends beside a horizontal
    line that stops short of it, that line is extended to it."""
    from pdfplumber.utils import filter_edges

    edges = page.edges
    vs = filter_edges(edges, "v", min_length=3)
    hs = filter_edges(edges, "h", min_length=3)
    if len(vs) < 2:
        return []
    tol = 3.0
    open_ends: list[tuple[float, float]] = []  # (y, x)
    for v in vs:
        x = v["x0"]
        for y in (v["top"], v["bottom"]):
            if not any(abs(h["top"] - y) <= tol and h["x0"] - tol <= x <= h["x1"] + tol for h in hs):
                open_ends.append((y, x))
    out: list[dict] = []
    open_ends.sort()
    groups: list[list[tuple[float, float]]] = []
    for y, x in open_ends:
        if groups and y - groups[-1][-1][0] <= tol:
            groups[-1].append((y, x))
        else:
            groups.append([(y, x)])
    for g in groups:
        y = sum(p[0] for p in g) / len(g)
        xs = [p[1] for p in g]
        near = [h for h in hs if abs(h["top"] - y) <= tol]
        if near:
            lo = min(min(xs), min(h["x0"] for h in near))
            hi = max(max(xs), max(h["x1"] for h in near))
        elif len(xs) >= 2:
            lo, hi = min(xs), max(xs)
        else:
            continue
        out.append({"object_type": "line_edge", "orientation": "h", "x0": lo, "x1": hi, "top": y, "bottom": y,
                    "width": hi - lo, "height": 0.0})
    return out


def _inside(c: dict, bbox) -> bool:
    x = (c["x0"] + c["x1"]) / 2
    y = (c["top"] + c["bottom"]) / 2
    return bbox[0] - 0.5 <= x <= bbox[2] + 0.5 and bbox[1] - 0.5 <= y <= bbox[3] + 0.5


def _cells_to_table(cells: list, xs: list[float], ys: list[float], chars: list, pno: int, ti: int) -> Table:
    import bisect

    # every char to the cell that contains its centre: grid slots first, then slot -> cell
    xb = sorted({round(v, 1) for c in cells for v in (c[0], c[2])})
    yb = sorted({round(v, 1) for c in cells for v in (c[1], c[3])})
    slot: dict[tuple[int, int], int] = {}
    for k, c in enumerate(cells):
        i0, i1 = bisect.bisect_left(xb, round(c[0], 1)), bisect.bisect_left(xb, round(c[2], 1))
        j0, j1 = bisect.bisect_left(yb, round(c[1], 1)), bisect.bisect_left(yb, round(c[3], 1))
        for i in range(i0, i1):
            for j in range(j0, j1):
                slot[(i, j)] = k
    content: dict[int, list] = {}
    for ch in chars:
        x = (ch["x0"] + ch["x1"]) / 2
        y = (ch["top"] + ch["bottom"]) / 2
        i = bisect.bisect_right(xb, x) - 1
        j = bisect.bisect_right(yb, y) - 1
        k = slot.get((i, j))
        if k is not None:
            content.setdefault(k, []).append(ch)
    by_row: dict[int, list[TCell]] = {}
    for k, c in enumerate(cells):
        r = ys.index(round(c[1], 1)) if round(c[1], 1) in ys else bisect.bisect_left(ys, round(c[1], 1))
        col = bisect.bisect_left(xs, round(c[0], 1) - 0.05)
        span = max(1, sum(1 for x in xs if round(c[0], 1) - 0.05 <= x < round(c[2], 1) - 0.5))
        text = _join_cell_lines(_group_lines(content.get(k, [])))
        by_row.setdefault(r, []).append(TCell(text, f"page {pno} table {ti} row {r + 1} col {col + 1}", col=col,
                                              colspan=span))
    rows = [sorted(by_row[r], key=lambda tc: tc.col) for r in sorted(by_row)]
    return Table(rows, f"page {pno} table {ti}", grid=True)


# ------------------------------------------------------------------------------ tables by position
def _is_number(text: str) -> bool:
    from extract.values import parse_value

    ok, value = parse_value(text)
    return ok and value is not None


def _kind(line: _Line, body_width: float) -> str:
    """V: a row of values (labels then numbers); C: a table caption/header; M: several chunks
    without numbers; S: a short single chunk; P: narrative or heading."""
    if _HEADING.match(line.text) and not any(_is_number(t) for t, _, _ in line.chunks[1:]):
        return "P"
    chunks = [t for t, _, _ in line.chunks]
    nums = [_is_number(t) for t in chunks]
    if len(chunks) >= 2 and any(nums):
        first = nums.index(True)
        if all(nums[first:]) and sum(nums) >= len(chunks) - first and sum(nums) >= first:
            return "V"
    if len(chunks) == 1 and nums[0] and len(chunks[0]) <= 12:
        return "V"
    if _CAPTION.search(line.text.replace(" ", "")):
        return "C"
    if len(chunks) >= 2:
        return "M"
    if (line.x1 - line.x0) < 0.6 * body_width and len(line.text) <= 30:
        return "S"
    return "P"


def _position_tables(lines: list[_Line], pno: int, body_width: float, first_index: int
                     ) -> tuple[list[tuple[float, float, Table]], list[_Line]]:
    kinds = [_kind(ln, body_width) for ln in lines]
    used = [False] * len(lines)
    regions: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if kinds[i] != "V":
            i += 1
            continue
        start = i
        while start > 0 and kinds[start - 1] in ("C", "M", "S") and not used[start - 1] \
                and lines[start].top - lines[start - 1].bottom < 3 * lines[start].size:
            start -= 1
        end = i
        j = i + 1
        while j < len(lines) and kinds[j] in ("V", "C", "M", "S") \
                and lines[j].top - lines[j - 1].bottom < 3 * lines[j].size:
            if kinds[j] == "V":
                end = j
            j += 1
        # trailing S/M lines join only when a value row follows them
        while start < i and kinds[start] == "S" and not _CAPTION.search(lines[start].text):
            start += 1
        regions.append((start, end))
        for k in range(start, end + 1):
            used[k] = True
        i = end + 1
    tables: list[tuple[float, float, Table]] = []
    for start, end in regions:
        rows_lines: list[list[_Line]] = []
        k = start
        while k <= end:
            ln = lines[k]
            group = [ln]
            if kinds[k] == "V":
                numx = next((a for t, a, _ in ln.chunks if _is_number(t)), ln.x1)
                has_label = _is_label_chunk(ln, 0)
                # the label wrapped: its first line sits above the numbers (unless the row's own
                # label already starts with its numbering), its last line below
                if k - 1 >= start and kinds[k - 1] == "S" and rows_lines and rows_lines[-1] == [lines[k - 1]] \
                        and lines[k - 1].x1 < numx and ln.top - lines[k - 1].bottom < 1.2 * ln.size \
                        and (not has_label or not _numbered(ln.chunks[0][0])):
                    group = rows_lines.pop() + group
                if k + 1 <= end and kinds[k + 1] == "S" and lines[k + 1].x1 < numx \
                        and lines[k + 1].top - ln.bottom < 1.2 * ln.size and not _numbered(lines[k + 1].text) \
                        and not _HEADING.match(lines[k + 1].text):
                    group.append(lines[k + 1])
                    k += 1
            rows_lines.append(group)
            k += 1
        ti = first_index + len(tables)
        rows = []
        for r, group in enumerate(rows_lines):
            rows.append(_row_from_lines(group, pno, ti, r))
        top = min(ln.top for g in rows_lines for ln in g)
        bottom = max(ln.bottom for g in rows_lines for ln in g)
        tables.append((top, bottom, Table(rows, f"page {pno} table {ti}", grid=False)))
    rest = [ln for ln, u in zip(lines, used) if not u]
    return tables, rest


def _numbered(text: str) -> bool:
    return bool(re.match(r"^\s*(?:[（(]?[一二三四五六七八九十\d]{1,2}[）)]|[一二三四五六七八九十\d]{1,2}\s*[、.．])", text))


def _is_label_chunk(line: _Line, k: int) -> bool:
    return k < len(line.chunks) and not _is_number(line.chunks[k][0])


def _row_from_lines(group: list[_Line], pno: int, ti: int, r: int) -> list[TCell]:
    """Cells of a row; label fragments of wrapped lines are joined into the row's label."""
    main = max(group, key=lambda ln: sum(_is_number(t) for t, _, _ in ln.chunks))
    chunks = list(main.chunks)
    frags = "".join(t for ln in group if ln is not main for t, _, _ in ln.chunks)
    if frags:
        if chunks and not _is_number(chunks[0][0]):
            label = chunks[0][0]
            above = "".join(t for ln in group if ln is not main and ln.top < main.top for t, _, _ in ln.chunks)
            below = "".join(t for ln in group if ln is not main and ln.top > main.top for t, _, _ in ln.chunks)
            chunks[0] = (above + label + below, chunks[0][1], chunks[0][2])
        else:
            above = "".join(t for ln in group if ln is not main and ln.top < main.top for t, _, _ in ln.chunks)
            below = "".join(t for ln in group if ln is not main and ln.top > main.top for t, _, _ in ln.chunks)
            chunks.insert(0, (above + below, 0.0, 0.0))
    return [TCell(t, f"page {pno} table {ti} row {r + 1} col {c + 1}") for c, (t, _, _) in enumerate(chunks)]


# ------------------------------------------------------------------------------ paragraphs
class _ParagraphBuilder:
    """Visual lines to paragraphs, carried across pages."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.lines: list[_Line] = []
        self.where = ""
        self.can_continue = False
        self.left = 0.0
        self.right = 0.0

    def set_margins(self, left: float, right: float) -> None:
        self.left, self.right = left, right

    def flush(self) -> None:
        if self.lines:
            text = _join_cell_lines(self.lines)
            if text.strip():
                self.doc.blocks.append(Paragraph(text.strip(), self.where))
        self.lines = []
        self.can_continue = False

    def add(self, line: _Line, where: str, new_page: bool = False) -> None:
        size = line.size
        indented = line.x0 > self.left + 0.8 * size
        starts_new = (not self.lines or indented or _HEADING.match(line.text) or _SUBHEADING.match(line.text))
        if self.lines and not starts_new:
            prev = self.lines[-1]
            if new_page:
                starts_new = not self.can_continue
            else:
                gap = line.top - prev.bottom
                starts_new = (prev.x1 < self.right - 1.5 * prev.size or gap > 1.2 * max(size, prev.size)
                              or abs(prev.size - size) > 1.5 or _HEADING.match(prev.text) is not None)
        if starts_new:
            self.flush()
            self.where = where
        self.lines.append(line)
        self.can_continue = line.x1 >= self.right - 1.5 * size and not _HEADING.match(line.text)


# ------------------------------------------------------------------------------ the reader
def _open(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    from extract.errors import ExtractError

    try:
        pdf = pdfplumber.open(io.BytesIO(data), raise_unicode_errors=False)
        pages = pdf.pages
    except PdfminerException as exc:
        inner = exc.args[0] if exc.args else exc
        if isinstance(inner, PDFPasswordIncorrect):
            raise ExtractError("encrypted", "the PDF is encrypted and needs a password to open") from exc
        if isinstance(inner, PDFEncryptionError):
            raise ExtractError("encrypted", f"the PDF uses an encryption that cannot be read: {inner}") from exc
        raise ExtractError("corrupt", f"the PDF cannot be parsed: {type(inner).__name__}: {inner}"[:300]) from exc
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, EOFError) as exc:
        raise ExtractError("corrupt", f"the PDF cannot be parsed: {type(exc).__name__}: {exc}"[:300]) from exc
    if not pages:
        raise ExtractError("corrupt", "the PDF has no readable pages")
    return pdf, pages


def _metadata(pdf) -> dict[str, str]:
    """The Info dictionary, decoded from the raw strings (WPS writes UTF-16LE with a BOM, which
    the PDF spec does not allow and pdfminer reads as PDFDocEncoding)."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    out: dict[str, str] = {}
    try:
        infos = pdf.doc.info
    except Exception:  # noqa: BLE001
        return out
    for info in infos:
        for k, v in (info or {}).items():
            try:
                v = resolve1(v)
            except Exception:  # noqa: BLE001
                continue
            if isinstance(v, bytes):
                if v.startswith(b"\xff\xfe"):
                    text = v[2:].decode("utf-16-le", "replace")
                elif v.startswith(b"\xfe\xff"):
                    text = v[2:].decode("utf-16-be", "replace")
                else:
                    try:
                        text = v.decode("utf-8")
                    except UnicodeDecodeError:
                        text = decode_text(v)
            elif isinstance(v, str):
                text = v
            else:
                continue
            key = k.decode("latin-1") if isinstance(k, bytes) else str(k)
            out[key] = text.replace("\x00", "").strip()
    return out


def read_pdf_unguarded(data: bytes) -> Document:
    from extract.limits import MAX_PDF_PAGES

    pdf, pages = _open(data)
    doc = Document(format="pdf")
    info = _metadata(pdf)
    for key in ("Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"):
        v = info.get(key)
        if isinstance(v, str) and v.strip():
            doc.meta[f"pdf_{key.lower()}"] = v.strip()[:200]
    # the Info Title is not a title hint: exporters fill it with the template's or file's name
    doc.meta["pages"] = str(len(pages))
    if len(pages) > MAX_PDF_PAGES:
        doc.problems.append({"kind": "too_many_pages", "message": f"the PDF has {len(pages)} pages; only the "
                             f"first {MAX_PDF_PAGES} were read", "where": f"page {MAX_PDF_PAGES + 1}"})
        pages = pages[:MAX_PDF_PAGES]

    per_page: list[tuple[int, list, list[_Line], float]] = []  # (page no, tables, lines, height)
    ocr_budget = ocr.MAX_PAGES  # about 2 s a page: the document's time limit bounds the rest
    no_text: list[int] = []
    for page in pages:
        pno = page.page_number
        try:
            tables, lines = _read_page(page, pno)
        except Exception as exc:  # noqa: BLE001 - one bad page does not lose the others
            doc.problems.append({"kind": "unreadable_document", "message": f"page {pno} could not be read: "
                                 f"{type(exc).__name__}: {exc}"[:300], "where": f"page {pno}"})
            continue
        if not tables and not lines and getattr(page, "images", None):
            if ocr.enabled() and ocr_budget > 0:
                ocr_budget -= 1
                try:
                    tables, lines = _ocr_page(page, data, pno)
                except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                    doc.problems.append({"kind": "needs_ocr", "message": f"page {pno} is a scan and OCR failed: "
                                         f"{exc}"[:300], "where": f"page {pno}"})
                else:
                    if tables or lines:
                        doc.meta["ocr_pages"] = ",".join(filter(None, (doc.meta.get("ocr_pages"), str(pno))))
                        doc.problems.append({"kind": "ocr", "message": f"page {pno} is a scan read by OCR (tesseract): "
                                             "its numbers are reported as read and never checked against the "
                                             "agency; a number either reading doubted is left unread",
                                             "where": f"page {pno}"})
                    else:
                        doc.problems.append({"kind": "needs_ocr", "message": f"page {pno} is a scan in which OCR "
                                             "found no text", "where": f"page {pno}"})
            else:
                no_text.append(pno)
        cid = sum(ln.text.count("(cid:") for ln in lines)
        if cid and cid * 6 > sum(len(ln.text) for ln in lines):
            doc.problems.append({"kind": "needs_ocr", "message": f"page {pno}: the text layer is mostly unmapped "
                                 "glyphs (a font without a Unicode map); its text cannot be trusted",
                                 "where": f"page {pno}"})
        per_page.append((pno, tables, lines, float(page.height)))
        page.close() if hasattr(page, "close") else None
    for pno in no_text:
        why = (f"only the first {ocr.MAX_PAGES} scanned pages of a document are OCR'd" if ocr.enabled()
               else "OCR (tesseract with chi_sim) is not installed or is turned off (NIANBAO_OCR=0)")
        doc.problems.append({"kind": "needs_ocr", "message": f"page {pno} has no text layer, only images (a scan); "
                             + why, "where": f"page {pno}"})
    _drop_running_lines(per_page)
    _assemble(doc, per_page)
    try:
        pdf.close()
    except Exception:  # noqa: BLE001
        pass
    return doc


def _read_page(page, pno: int) -> tuple[list[tuple[float, float, Table]], list[_Line]]:
    vis = page.filter(_visible_graphic)
    chars = vis.chars
    if not chars:
        return [], []
    tables, rest = _ruled_tables(vis, pno, chars)
    lines = _group_lines(rest)
    return tables, lines


def _ocr_page(page, data: bytes, pno: int) -> tuple[list[tuple[float, float, Table]], list[_Line]]:
    """A scanned page through OCR: its ruling lines from the image, its words from tesseract,
    then the same tables and lines as a page with a text layer. Locations say "OCR"."""
    gray = ocr.render(data, pno - 1)
    hs, vs = ocr.ruling_lines(gray)
    erased = ocr.erase(gray, hs, vs)
    found = ocr.words(erased)
    chars = ocr.page_chars(found)
    tables: list[tuple[float, float, Table]] = []
    rest = chars
    if hs and vs:
        h_edges, v_edges = ocr.edges(hs, vs)
        try:
            grid = page.find_tables({"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                                     "explicit_horizontal_lines": h_edges, "explicit_vertical_lines": v_edges})
        except Exception:  # noqa: BLE001 - lines that make no table: the page is read as text
            grid = []
        if grid:
            chars = _reread_numbers(chars, found, erased, grid)
            tables, rest = _ruled_tables(page, pno, chars, found=grid)
    for _, _, t in tables:
        t.where = f"{t.where} (OCR)"
        for row in t.rows:
            for c in row:
                c.where = f"{c.where} (OCR)"
    return tables, _group_lines(ocr.doubtful_digits(rest))


def _reread_numbers(chars: list, found: list, erased, grid: list) -> list:
    """Replace the page reading of every numeric cell of the ``grid`` tables by the verdict of a
    second, digits-only reading (``ocr.read_number_cells``): one pseudo-character per cell."""
    px = ocr.DPI / 72
    boxes = [c for t in grid for c in t.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
    in_cell: list[list[tuple[str, float]]] = [[] for _ in boxes]
    for text, x0, top, x1, bottom, conf in found:
        x, y = (x0 + x1) / 2 / px, (top + bottom) / 2 / px
        for k, b in enumerate(boxes):
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                in_cell[k].append((text, conf))
                break
    verdict = ocr.read_number_cells(erased, [(int(b[0] * px), int(b[1] * px), int(b[2] * px), int(b[3] * px))
                                             for b in boxes], in_cell)
    if not verdict:
        return chars
    keep = [c for c in chars if not any(
        k in verdict and boxes[k][0] <= (c["x0"] + c["x1"]) / 2 <= boxes[k][2]
        and boxes[k][1] <= (c["top"] + c["bottom"]) / 2 <= boxes[k][3] for k in verdict)]
    for k, text in verdict.items():
        x0, top, x1, bottom = boxes[k]
        cy, size = (top + bottom) / 2, min(10.0, (bottom - top) / 2)
        keep.append({"text": text, "x0": (x0 + x1) / 2 - 1, "x1": (x0 + x1) / 2 + 1, "top": cy - size / 2,
                     "bottom": cy + size / 2, "size": size, "upright": True})
    return keep


def _drop_running_lines(per_page: list) -> None:
    """Page numbers, and headers/footers repeated on most pages, are not report text."""
    n = len(per_page)
    counts: Counter[str] = Counter()
    for _, _, lines, height in per_page:
        seen = set()
        for ln in lines:
            if ln.top < 0.1 * height or ln.bottom > 0.9 * height:
                key = re.sub(r"\d+", "#", ln.text.replace(" ", ""))
                if key not in seen:
                    counts[key] += 1
                    seen.add(key)
    repeated = {k for k, c in counts.items() if n >= 3 and c >= max(3, 0.6 * n)}
    for idx, (pno, tables, lines, height) in enumerate(per_page):
        keep = []
        for ln in lines:
            edge = ln.top < 0.12 * height or ln.bottom > 0.88 * height
            if edge and _PAGE_NO.match(ln.text):
                continue
            if edge and re.sub(r"\d+", "#", ln.text.replace(" ", "")) in repeated:
                continue
            keep.append(ln)
        per_page[idx] = (pno, tables, keep, height)


def _assemble(doc: Document, per_page: list) -> None:
    all_lines = [ln for _, _, lines, _ in per_page for ln in lines]
    if all_lines:
        left = Counter(round(ln.x0) for ln in all_lines).most_common(1)[0][0]
        lefts = [ln.x0 for ln in all_lines if abs(ln.x0 - left) <= 2]
        left = min(lefts) if lefts else left
        rights = sorted(ln.x1 for ln in all_lines)
        right = rights[int(0.9 * (len(rights) - 1))]
    else:
        left, right = 0.0, 0.0
    body_width = max(right - left, 1.0)
    builder = _ParagraphBuilder(doc)
    builder.set_margins(left, right)
    for pno, tables, lines, _ in per_page:
        ptables, lines = _position_tables(lines, pno, body_width, len(tables) + 1)
        blocks: list[tuple[float, int, object]] = [(t[0], 0, t[2]) for t in tables + ptables]
        blocks += [(ln.top, 1, ln) for ln in lines]
        blocks.sort(key=lambda b: (b[0], b[1]))
        first = True
        line_no = 0
        for _, kind, obj in blocks:
            if kind == 0:
                builder.flush()
                doc.blocks.append(obj)  # type: ignore[arg-type]
            else:
                line_no += 1
                builder.add(obj, f"page {pno} line {line_no}", new_page=first)  # type: ignore[arg-type]
            first = False
    builder.flush()
    # tables by position are numbered after the ruled ones on their page; keep document order


register_guarded('pdf')
