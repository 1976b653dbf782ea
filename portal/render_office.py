"""Render a canonical report (the dict of ``portal.synth.random_report`` / ``nianbao parse --json``)
as the attachments agencies publish: a PDF with ruled tables (reportlab, the built-in CID font
STSong-Light), a DOCX (python-docx) and an XLSX (openpyxl), with merged cells drawn as spans the
way the national template has them. The sample portal serves these; the attachment tests parse
them back and compare value by value.

All three formats are drawn from one grid description of each table (``report_grids``): a list of
placed cells ``(row, col, rowspan, colspan, text)``, so the merged-cell layout is written once.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from extract import template as T
from portal.render import (SECTION_TITLES, _app_values, _review_values, _sections, _title, app_rows, app_spans,
                           proactive_blocks)

APPLICATION_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_REVIEW_COLS = [T.REVIEW_COLUMN_LABELS[c] for c in T.REVIEW_COLUMNS]


@dataclass
class Grid:
    """A table as placed cells; ``header_rows`` are repeated when the table is split."""

    ncols: int
    cells: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r, c, rowspan, colspan, text
    header_rows: int = 0
    widths: list[float] | None = None  # relative column widths

    @property
    def nrows(self) -> int:
        return max((r + rs for r, _, rs, _, _ in self.cells), default=0)

    def put(self, r: int, c: int, text: str, rs: int = 1, cs: int = 1) -> None:
        self.cells.append((r, c, rs, cs, text))

    def split(self, at: int) -> tuple["Grid", "Grid"]:
        """Two grids: rows [0, at) and the header rows followed by rows [at, nrows). A span
        crossing the cut is clipped on both sides; its text stays in the part where it starts."""
        h = self.header_rows
        first = Grid(self.ncols, header_rows=h, widths=self.widths)
        second = Grid(self.ncols, header_rows=h, widths=self.widths)
        for r, c, rs, cs, text in self.cells:
            if r < h:
                first.put(r, c, text, rs, cs)
                second.put(r, c, text, rs, cs)
                continue
            if r < at:
                first.put(r, c, text, min(rs, at - r), cs)
            if r + rs > at:
                start = max(r, at)
                second.put(start - at + h, c, text if r >= at else "", r + rs - start, cs)
        return first, second


# ------------------------------------------------------------------------------ the grids
def proactive_grid(rep: dict) -> Grid:
    g = Grid(4, widths=[1.6, 1, 1, 1])
    r = 0
    for caption, header, rows in proactive_blocks(rep):
        g.put(r, 0, caption, cs=4)
        r += 1
        g.put(r, 0, "信息内容")
        if len(header) == 1:
            g.put(r, 1, header[0], cs=3)
        else:
            for j, h in enumerate(header):
                g.put(r, 1 + j, h)
        r += 1
        for lab, vals in rows:
            g.put(r, 0, lab)
            if len(vals) == 1:
                g.put(r, 1, vals[0], cs=3)
            else:
                for j, v in enumerate(vals):
                    g.put(r, 1 + j, v)
            r += 1
    return g


def applications_grid(rep: dict) -> Grid:
    g = Grid(10, header_rows=3, widths=[0.5, 1.0, 2.0] + [0.62] * 7)
    g.put(0, 0, APPLICATION_NOTE, rs=3, cs=3)
    g.put(0, 3, "申请人情况", cs=7)
    g.put(1, 3, "自然人", rs=2)
    g.put(1, 4, "法人或其他组织", cs=5)
    g.put(1, 9, "总计", rs=2)
    for j, lab in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        g.put(2, 4 + j, lab)
    rows = app_rows(rep["template"])
    outer_n, inner_n = app_spans(rows)
    seen_outer, seen_inner = False, set()
    for k, (outer, inner, lab, key) in enumerate(rows):
        r = 3 + k
        if not outer:
            g.put(r, 0, lab, cs=3)
        else:
            if not seen_outer:
                g.put(r, 0, outer, rs=outer_n)
                seen_outer = True
            if inner:
                if inner not in seen_inner:
                    g.put(r, 1, inner, rs=inner_n[inner])
                    seen_inner.add(inner)
                g.put(r, 2, lab)
            else:
                g.put(r, 1, lab, cs=2)
        for j, v in enumerate(_app_values(rep, key)):
            g.put(r, 3 + j, v)
    return g


def review_grid(rep: dict) -> Grid:
    g = Grid(15, header_rows=3)
    g.put(0, 0, "行政复议", cs=5)
    g.put(0, 5, "行政诉讼", cs=10)
    for j, lab in enumerate(_REVIEW_COLS):
        g.put(1, j, lab, rs=2)
    g.put(1, 5, "未经复议直接起诉", cs=5)
    g.put(1, 10, "复议后起诉", cs=5)
    for j, lab in enumerate(_REVIEW_COLS * 2):
        g.put(2, 5 + j, lab)
    for j, v in enumerate(_review_values(rep)):
        g.put(3, j, v)
    return g


def report_grids(rep: dict) -> dict[int, Grid]:
    """The report's tables keyed by the index of the section they follow (1 = 二, 2 = 三, 3 = 四)."""
    return {1: proactive_grid(rep), 2: applications_grid(rep), 3: review_grid(rep)}


# ------------------------------------------------------------------------------ PDF
_FONT = "STSong-Light"


def _pdf_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def _pdf_table(grid: Grid, width: float, style, ruled: bool, shade_captions: bool = False):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [["" for _ in range(grid.ncols)] for _ in range(grid.nrows)]
    cmds = [("FONT", (0, 0), (-1, -1), _FONT, style.fontSize),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if ruled:
        cmds.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    for r, c, rs, cs, text in grid.cells:
        # labels wrap inside their cell (CJK line breaking); numbers stay plain strings
        data[r][c] = Paragraph(text, style) if text and not _numberish(text) else text
        if rs > 1 or cs > 1:
            cmds.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
        if shade_captions and cs == grid.ncols:
            cmds.append(("BACKGROUND", (c, r), (c + cs - 1, r), colors.Color(0.776, 0.851, 0.945)))
    rel = grid.widths or [1.0] * grid.ncols
    total = sum(rel)
    col_widths = [width * w / total for w in rel]
    return Table(data, colWidths=col_widths, style=TableStyle(cmds), repeatRows=0)


def _numberish(text: str) -> bool:
    return text.replace(".", "", 1).lstrip("+-").isdigit()


def render_pdf(rep: dict, *, ruled: bool = True, split_applications: bool = True) -> bytes:
    """An A4 PDF: title, the six sections, the three tables. The applications table is cut in two
    after its 13th data row (inside （四）无法提供, as the 淮安 PDFs are), the second part on a new
    page under a repeated header. ``ruled=False`` draws no lines at all (tables only by position)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    _pdf_fonts()
    body = ParagraphStyle("body", fontName=_FONT, fontSize=11, leading=17, firstLineIndent=22,
                          wordWrap="CJK")
    title = ParagraphStyle("title", fontName=_FONT, fontSize=16, leading=24, alignment=TA_CENTER,
                           wordWrap="CJK")
    head = ParagraphStyle("head", fontName=_FONT, fontSize=13, leading=22, firstLineIndent=22,
                          wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=_FONT, fontSize=8, leading=10, alignment=TA_CENTER,
                          wordWrap="CJK")
    small = ParagraphStyle("small", parent=cell, fontSize=7, leading=9)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=60, rightMargin=60, topMargin=60, bottomMargin=60,
                            title=_title(rep), author=rep.get("agency") or "")
    width = A4[0] - 120
    story: list = [Paragraph(_esc(_title(rep)), title), Spacer(1, 12)]
    secs = _sections(rep)
    grids = report_grids(rep)

    def page_number(canvas, _doc) -> None:
        canvas.setFont(_FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {canvas.getPageNumber()} -")

    for i, heading in enumerate(SECTION_TITLES):
        if i == 2 and split_applications:
            story.append(PageBreak())
        story.append(Paragraph(_esc(heading), head))
        for para in (secs[i] or "").split("\n"):
            if para.strip():
                story.append(Paragraph(_esc(para.strip()), body))
        if i in grids:
            g = grids[i]
            st = small if i == 3 else cell
            if i == 2 and split_applications:
                a, b = g.split(g.header_rows + 13)
                story += [_pdf_table(a, width, st, ruled), PageBreak(), _pdf_table(b, width, st, ruled)]
            else:
                story.append(_pdf_table(g, width, st, ruled, shade_captions=(i == 1)))
            story.append(Spacer(1, 10))
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------------------ DOCX
def _docx_table(document, grid: Grid):
    """The table's XML is written row by row: a spanning cell is one ``w:tc`` with ``gridSpan``
    and ``vMerge="restart"``, the rows it covers below get ``vMerge`` continuation cells — what
    Word saves. (python-docx's ``cell().merge()`` rescans the whole table on every call, which made
    one report's DOCX take 2–3 s to draw; this is the same XML in a few milliseconds.)"""
    from docx.oxml.table import CT_Tc
    from docx.table import _Cell

    table = document.add_table(rows=grid.nrows, cols=grid.ncols)
    table.style = "Table Grid"
    starts = {(r, c): (rs, cs, text) for r, c, rs, cs, text in grid.cells}
    below = {(rr, c): cs for r, c, rs, cs, _ in grid.cells for rr in range(r + 1, r + rs)}
    for r, tr in enumerate(table._tbl.tr_lst):
        for tc in tr.tc_lst:
            tr.remove(tc)
        c = 0
        while c < grid.ncols:
            tc = CT_Tc.new()
            tr.append(tc)
            if (r, c) in starts:
                rs, cs, text = starts[(r, c)]
                if rs > 1:
                    tc.vMerge = "restart"
                _Cell(tc, table).text = text
            elif (r, c) in below:
                cs = below[(r, c)]
                tc.vMerge = "continue"
            else:
                cs = 1
            if cs > 1:
                tc.grid_span = cs
            c += cs
    return table


def render_docx(rep: dict) -> bytes:
    """A DOCX as Word or WPS saves a filled-in template: merged cells are real merges (gridSpan,
    vMerge), each table in the body right after its section heading."""
    from docx import Document as DocxDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    document = DocxDocument()
    style = document.styles["Normal"]
    style.font.name = "FangSong"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    p = document.add_paragraph(_title(rep))
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    secs = _sections(rep)
    grids = report_grids(rep)
    for i, heading in enumerate(SECTION_TITLES):
        document.add_paragraph(heading)
        for para in (secs[i] or "").split("\n"):
            if para.strip():
                document.add_paragraph(para.strip())
        if i in grids:
            _docx_table(document, grids[i])
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ XLSX
def _xlsx_value(text: str):
    if text == "":
        return None
    if _numberish(text) and not text.startswith("+"):
        from decimal import Decimal

        return int(text) if "." not in text else Decimal(text)
    return text


def render_xlsx(rep: dict) -> bytes:
    """One sheet: the title in the first row, then each section heading that has a table and the
    table under it, merged ranges as in the template. Numbers are stored as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "年度报告"
    ws.cell(row=1, column=1, value=_title(rep))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    row = 3
    for i, grid in report_grids(rep).items():
        ws.cell(row=row, column=1, value=SECTION_TITLES[i])
        row += 1
        for r, c, rs, cs, text in grid.cells:
            ws.cell(row=row + r, column=1 + c, value=_xlsx_value(text))
            if rs > 1 or cs > 1:
                ws.merge_cells(start_row=row + r, start_column=1 + c, end_row=row + r + rs - 1,
                               end_column=c + cs)
        row += grid.nrows + 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


OFFICE_LAYOUTS = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}


def render_scan(rep: dict, dpi: int = 200) -> bytes:
    """``rep`` as a scanned PDF: ``render_pdf`` drawn to grayscale images at ``dpi`` and wrapped
    as image-only pages (no text layer). pdfium needs a CJK font on the machine to draw the
    text (Debian's fonts-wqy-microhei)."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(render_pdf(rep))
    try:
        pages = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()
