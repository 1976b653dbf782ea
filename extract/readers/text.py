"""Plain-text and markdown reports: tab-separated rows, markdown pipe tables, and the
one-cell-per-line shape that Word's "save as text" produces (each cell a line starting with a
tab, rows separated by blank lines, a cell's extra paragraphs on lines of their own)."""
from __future__ import annotations

import re

from extract.document import Document, Paragraph, Table, TCell

#: A row with more cells than this is not a table row.
MAX_CELLS = 256
#: "1", "2", …: a cell's number in its location, formatted once (a tab row has at most MAX_CELLS + 1 cells)
_NUMBERS = [str(k) for k in range(MAX_CELLS + 2)]
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


#: A line that is one cell of the one-cell-per-line shape: a tab, then no other tab. Counted over
#: the whole text in one pass (MULTILINE), matched whole against one line by _is_single_cell_line.
_SINGLE_CELL_LINE = re.compile(r"^\t[^\t\n]*$", re.MULTILINE)
_is_single_cell_line = _SINGLE_CELL_LINE.fullmatch


def read_text(text: str) -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    single = len(_SINGLE_CELL_LINE.findall(text))
    doc = Document(format="text")
    one_cell_mode = single >= 20
    i = 0
    n = len(lines)
    pending_tab: list[list[TCell]] = []
    pending_md: list[list[TCell]] = []

    def flush_tab() -> None:
        if pending_tab:
            doc.blocks.append(Table(list(pending_tab), f"line {pending_tab[0][0].where.split()[1]}",
                                    strip_trailing_blanks=True))
            pending_tab.clear()

    def flush_md() -> None:
        if pending_md:
            doc.blocks.append(Table(list(pending_md), pending_md[0][0].where.rsplit(" cell", 1)[0], grid=True))
            pending_md.clear()

    while i < n:
        line = lines[i]
        lineno = i + 1
        stripped = line.strip()
        if one_cell_mode and _is_single_cell_line(line):
            flush_md()
            flush_tab()
            i = _read_cell_per_line(lines, i, doc)
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            flush_tab()
            if not _MD_SEPARATOR.match(stripped):
                cells = stripped.strip("|").split("|")
                # once per cell: the location's prefix once per line, col=k positionally (a keyword
                # call costs twice as much)
                at = f"line {lineno} cell "
                pending_md.append([TCell(c.strip(), at + str(k + 1), k) for k, c in enumerate(cells)])
            i += 1
            continue
        flush_md()
        if line.count("\t") > MAX_CELLS:
            # no report table is this wide: a line of tabs is text (and thousands of cells would
            # cost memory out of proportion to the input)
            flush_tab()
            if stripped:
                doc.blocks.append(Paragraph(" ".join(stripped.split("\t")), f"line {lineno}"))
            i += 1
            continue
        if "\t" in line:
            cells = line.split("\t")
            at = f"line {lineno} cell "  # once per line, not per cell
            pending_tab.append([TCell(c.strip(), at + _NUMBERS[k]) for k, c in enumerate(cells, 1)])
            i += 1
            continue
        if stripped:
            flush_tab()
            doc.blocks.append(Paragraph(stripped, f"line {lineno}"))
        i += 1
    flush_md()
    flush_tab()
    return doc


def _read_cell_per_line(lines: list[str], start: int, doc: Document) -> int:
    """Read one table region of the one-cell-per-line shape; return the index after it."""
    rows: list[list[TCell]] = []
    row: list[TCell] = []
    cell_lines: list[str] = []
    cell_where = ""
    blank_since_cell = False
    i = start
    n = len(lines)
    while i < n:
        line = lines[i]
        if _is_single_cell_line(line):
            if cell_where:  # the cell before ends here (a line break inside a cell is nothing)
                row.append(TCell(cell_lines[0].strip() if len(cell_lines) == 1 else "".join(s.strip() for s in cell_lines),
                                 cell_where))
            if blank_since_cell and row:
                rows.append(row)
                row = []
            cell_lines = [line[1:]]
            cell_where = f"line {i + 1}"
            blank_since_cell = False
        elif not line.strip():
            blank_since_cell = True
        elif "\t" in line:
            break
        else:
            # A line without a leading tab continues the current cell when it follows it directly,
            # or when the cell is still empty (a merged cell whose text sits at its bottom).
            current = "".join(s.strip() for s in cell_lines)
            if not blank_since_cell or not current:
                cell_lines.append(line)
                blank_since_cell = False
            else:
                break
        i += 1
    if cell_where:
        row.append(TCell(cell_lines[0].strip() if len(cell_lines) == 1 else "".join(s.strip() for s in cell_lines),
                         cell_where))
    if row:
        rows.append(row)
    if rows:
        doc.blocks.append(Table(rows, rows[0][0].where))
    return i
