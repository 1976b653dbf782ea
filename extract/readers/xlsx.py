"""Spreadsheet attachments: XLSX (openpyxl) and XLS (xlrd, BIFF8).

Each sheet's used range becomes tables (``grid=True``, a cell's column is its sheet column): a
merged range is one cell, at its top-left, with its width as colspan; the cells it covers are
left out. Blank rows split a sheet into tables. A row holding a single text cell that is a
title (…年度报告) or a section heading (一、…) becomes a Paragraph instead, so the title and the
sections are found as in the other formats. Numbers are written as the sheet stores them
(3001.0 → "3001"; cached formula results, never formulas).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from extract.document import Document, Paragraph, Table, TCell
from extract.readers.registry import register_guarded

_PARA = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六]部分)|年度报告|年报")
_CAPTIONS = re.compile(r"第二十条|本年新收|上年结转|结转下年|勾稽")




def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return ""
        if v.is_integer():
            return str(int(v))
        return repr(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, (datetime, date)):
        return v.isoformat()[:10]
    return " ".join(str(v).replace("\u3000", " ").split())


def _sheet_blocks(doc: Document, name: str, grid: dict[tuple[int, int], str], spans: dict[tuple[int, int], int],
                  covered: set[tuple[int, int]], nrows: int, ncols: int, sheet_no: int) -> None:
    """Rows of one sheet (0-based coordinates) into tables and paragraphs."""
    rows: list[list[TCell]] = []
    counter = [0]

    def flush() -> None:
        if rows:
            counter[0] += 1
            doc.blocks.append(Table(list(rows), f"sheet {sheet_no} ({name}) table {counter[0]}", grid=True))
            rows.clear()

    for r in range(nrows):
        cells = []
        for c in range(ncols):
            if (r, c) in covered:
                continue
            t = grid.get((r, c), "")
            cells.append(TCell(t, f"sheet {sheet_no} ({name}) row {r + 1} col {c + 1}", col=c,
                               colspan=spans.get((r, c), 1)))
        filled = [tc for tc in cells if tc.text]
        if not filled:
            flush()
            continue
        if len(filled) == 1 and _PARA.search(filled[0].text) and not _CAPTIONS.search(filled[0].text):
            flush()
            doc.blocks.append(Paragraph(filled[0].text, filled[0].where))
            continue
        # drop blank cells beyond the last filled one (a wide merged title widens the used range)
        last = max(tc.col + tc.colspan for tc in filled)
        rows.append([tc for tc in cells if tc.col < last])
    flush()


def read_xlsx_unguarded(data: bytes) -> Document:
    import io

    from extract.errors import ExtractError
    from extract.limits import MAX_SHEET_CELLS, check_xml_parts, check_zip

    zf = check_zip(data, "XLSX")
    check_xml_parts(zf, "XLSX")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except (KeyError, ValueError, TypeError, IndexError, OSError) as exc:
        raise ExtractError("corrupt", f"the XLSX cannot be read: {type(exc).__name__}: {exc}"[:300]) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on malformed parts
        raise ExtractError("corrupt", f"the XLSX cannot be read: {type(exc).__name__}: {exc}"[:300]) from exc
    doc = Document(format="xlsx")
    for sn, ws in enumerate(wb.worksheets, 1):
        if getattr(ws, "sheet_state", "visible") != "visible":
            continue
        nrows, ncols = ws.max_row or 0, ws.max_column or 0
        if nrows * ncols > MAX_SHEET_CELLS:
            doc.problems.append({"kind": "too_large", "message": f"sheet {ws.title} declares {nrows}×{ncols} "
                                 f"cells; only the first {MAX_SHEET_CELLS // max(ncols, 1)} rows were read",
                                 "where": f"sheet {sn}"})
            nrows = MAX_SHEET_CELLS // max(ncols, 1)
        grid: dict[tuple[int, int], str] = {}
        for row in ws.iter_rows(min_row=1, max_row=nrows, max_col=ncols):
            for cell in row:
                if cell.value is not None:
                    t = _text(cell.value)
                    if t:
                        grid[(cell.row - 1, cell.column - 1)] = t
        spans: dict[tuple[int, int], int] = {}
        covered: set[tuple[int, int]] = set()
        for rng in ws.merged_cells.ranges:
            r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
            if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_SHEET_CELLS:
                continue
            spans[(r0, c0)] = c1 - c0 + 1
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        covered.add((r, c))
        _sheet_blocks(doc, ws.title, grid, spans, covered, nrows, ncols, sn)
    return doc


def read_xls_unguarded(data: bytes) -> Document:
    import xlrd

    from extract.errors import ExtractError
    from extract.limits import MAX_SHEET_CELLS

    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
        except NotImplementedError:  # formatting_info is not supported for some files
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        msg = str(exc)
        if "encrypt" in msg.lower():
            raise ExtractError("encrypted", f"the XLS is encrypted: {msg}") from exc
        raise ExtractError("corrupt", f"the XLS cannot be read: {msg}"[:300]) from exc
    except (ValueError, IndexError, KeyError, AssertionError, struct_error(), OSError) as exc:
        raise ExtractError("corrupt", f"the XLS cannot be read: {type(exc).__name__}: {exc}"[:300]) from exc
    doc = Document(format="xls")
    for sn in range(book.nsheets):
        sh = book.sheet_by_index(sn)
        if getattr(sh, "visibility", 0) != 0:
            continue
        nrows, ncols = sh.nrows, sh.ncols
        if nrows * ncols > MAX_SHEET_CELLS:
            nrows = MAX_SHEET_CELLS // max(ncols, 1)
            doc.problems.append({"kind": "too_large", "message": f"sheet {sh.name} is too large; only the first "
                                 f"{nrows} rows were read", "where": f"sheet {sn + 1}"})
        grid: dict[tuple[int, int], str] = {}
        for r in range(nrows):
            for c, cell in enumerate(sh.row(r)):
                if cell.ctype == xlrd.XL_CELL_NUMBER:
                    t = _text(float(cell.value))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        t = _text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    except Exception:  # noqa: BLE001
                        t = _text(cell.value)
                elif cell.ctype in (xlrd.XL_CELL_TEXT,):
                    t = _text(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    t = _text(bool(cell.value))
                else:
                    t = ""
                if t:
                    grid[(r, c)] = t
        spans: dict[tuple[int, int], int] = {}
        covered: set[tuple[int, int]] = set()
        for r0, r1, c0, c1 in getattr(sh, "merged_cells", []) or []:  # half-open ranges
            if (r1 - r0) * (c1 - c0) > MAX_SHEET_CELLS:
                continue
            spans[(r0, c0)] = c1 - c0
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if (r, c) != (r0, c0):
                        covered.add((r, c))
        _sheet_blocks(doc, sh.name, grid, spans, covered, nrows, ncols, sn + 1)
        book.unload_sheet(sn)
    return doc


def struct_error():
    import struct

    return struct.error


register_guarded('xlsx', 'xls')
