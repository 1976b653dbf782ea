"""Write a layout document (``portal.layouts_doc``) as text in one of the layouts real report
pages take when saved or copied as text, recording where every value cell and every table row
ended up, so damage applied to the text afterwards knows which cells it touched.

Each layout is taken from real documents in ``shared/corpus/real-text`` (see SOURCES.md there):
tab-separated (a Word table pasted into a text file), markdown pipes, pipes without a leading
pipe (019–021, 027, 034), merged cells as ``| |||`` (019), one cell per line with a trailing
`` |`` and filler lines of bare pipes (023, 028), rows opened by a lone ``|`` line (025), cells
and pipes on alternating lines (022), one cell per paragraph (024, 026, 033), and one line for
the whole page with the cells run together (001–017).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.layouts_doc import BREAK, Doc, Para, Row, Slot

LAYOUTS = ("tab", "markdown", "pipe", "merged_pipes", "cell_line_pipe", "cell_line_lone_pipe",
           "cell_line_alternating", "cell_line_blank", "run_together")
#: how a layout writes the positions a horizontally merged cell covers
_COL_REMNANTS = {"tab": "empty", "markdown": "empty", "pipe": "drop", "merged_pipes": "filler",
                 "cell_line_pipe": "filler", "cell_line_lone_pipe": "filler", "cell_line_alternating": "filler",
                 "cell_line_blank": "drop", "run_together": "drop"}
#: layouts whose trailing runs of pipes cannot be taken for cells (a line or a run of bare pipes,
#: apart from the `` |`` that closes each cell): only there are "moved" empties written as filler
FILLER = frozenset({"cell_line_pipe", "cell_line_lone_pipe", "cell_line_alternating"})
#: layouts in which a blank value cell cannot be told from no cell at all
BLANK_INVISIBLE = frozenset({"cell_line_pipe", "cell_line_lone_pipe", "cell_line_alternating",
                             "cell_line_blank", "run_together"})
#: what a header label's break point becomes when labels are split (header_split family)
_BREAKS = {"tab": " ", "markdown": " ", "pipe": " ", "merged_pipes": " ", "cell_line_pipe": "\n",
           "cell_line_lone_pipe": "\n", "cell_line_alternating": "\n ", "cell_line_blank": "\n\n",
           "run_together": ""}


@dataclass
class Style:
    layout: str
    group_mode: str = "repeat"  # repeat: a row-merged label on every row; drop: on its first row only
    header_split: bool = False
    crawl_header: bool = False  # run_together: the archive crawler's header above the body
    rng: random.Random = field(default_factory=lambda: random.Random(0))


@dataclass
class Rendered:
    text: str
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # value key -> char span
    rows: dict[int, tuple[int, int]] = field(default_factory=dict)  # row index (Doc.rows()) -> extent
    printed: dict[int, str] = field(default_factory=dict)  # row index -> its values as printed


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def put(self, s: str) -> tuple[int, int]:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def visible(row: Row, style: Style) -> tuple[list[Slot], int]:
    """The slots a layout writes for a row, and how many covered positions become filler."""
    out: list[Slot] = []
    filler = moved = 0
    col_mode = _COL_REMNANTS[style.layout]
    short = row.short
    for s in row.slots:
        if s.remnant is None:
            if s.fate == "drop":
                continue
            if s.fate == "move":
                moved += style.layout in FILLER
                continue
            out.append(s)
            continue
        if s.remnant == "row" and row.kind == "data" and style.group_mode == "repeat":
            out.append(Slot(s.text, s.kind))
            continue
        mode = col_mode if s.remnant == "col" else ("empty" if style.layout in ("tab", "markdown") else "drop")
        if short and style.layout not in FILLER:
            mode = "drop"  # empty cells or trailing pipes for merged positions would complete a short row
        if mode == "empty":
            out.append(Slot("", s.kind))
        elif mode == "filler":
            filler += 1
    # moved empties: a run of at least two pipes, never a lone `|` that could close a cell (028)
    return out, filler + (moved + 1 if moved else 0)


def _cell_text(s: Slot, style: Style) -> str:
    text = s.text.replace(BREAK, _BREAKS[style.layout] if style.header_split else "")
    if style.layout == "run_together":
        text = "".join(text.split())
    return s.pad + text + s.unit


def render(doc: Doc, style: Style) -> Rendered:
    """The document as text in ``style.layout``."""
    if style.layout == "run_together":
        return _render_run_together(doc, style)
    w = _Writer()
    out = Rendered("")
    index = {id(r): i for i, r in enumerate(doc.rows())}
    para_end = "\n\n" if style.layout == "cell_line_blank" else "\n"
    for block in doc.blocks:
        if isinstance(block, Para):
            w.put(block.text + para_end)
            continue
        for k, row in enumerate(block.rows):
            slots, filler = visible(row, style)
            start = w.pos
            _write_row(w, slots, filler, style, out)
            out.rows[index[id(row)]] = (start, w.pos)
            w.put(para_end if style.layout == "cell_line_blank" else "\n")
            if style.layout == "markdown" and k == 0:
                w.put("|" + "---|" * max(1, len(slots)) + "\n")
    out.text = w.text()
    return out


def _write_row(w: _Writer, slots: list[Slot], filler: int, style: Style, out: Rendered) -> None:
    layout = style.layout
    texts = [_cell_text(s, style) for s in slots]

    def cell(s: Slot, text: str) -> None:
        start, end = w.put(text)
        if s.key:
            out.cells[s.key] = (start + len(s.pad), end - len(s.unit))

    def joined(lead: str, sep: str, tail: str) -> None:
        w.put(lead)
        for i, (s, t) in enumerate(zip(slots, texts)):
            if i:
                w.put(sep)
            cell(s, t)
        w.put(tail)

    if layout == "tab":
        joined("", "\t", "")
    elif layout == "markdown":
        joined("| ", " | ", " |" + (" " + "|" * filler if filler else ""))
    elif layout == "pipe":
        joined("", " | ", " |")
    elif layout == "merged_pipes":
        joined("", " | ", " |" + (" " + "|" * filler if filler else ""))
    elif layout == "cell_line_pipe":
        joined("", " |\n", " |" + ("\n" + "|" * filler if filler else ""))
    elif layout == "cell_line_lone_pipe":
        joined("|\n", " |\n", " | " + "|" * max(filler, 1))
    elif layout == "cell_line_alternating":
        joined("| \n ", "  | \n ", "  |" + (" " + "|" * filler if filler else ""))
    elif layout == "cell_line_blank":
        joined("", "\n\n", "")
    else:
        raise ValueError(f"unknown layout {layout!r}")


_CRAWL_HEADER = ("标题: {title}\n发布时间: {date}\n文号: \n发布机构: {agency}\n栏目: 政府信息公开年报\n"
                 "原文链接: https://www.example.gov.cn/zwgk/zfxxgknb/{year}/t{year}0113_{n}.htm\n"
                 "==================== 正文 ====================\n")


def _render_run_together(doc: Doc, style: Style) -> Rendered:
    """The pingtan archive's page.txt: all whitespace collapsed, the body on one line, labels
    and numbers glued; each row's values glued, space-separated, or irregularly spaced."""
    rng = style.rng
    w = _Writer()
    out = Rendered("")
    index = {id(r): i for i, r in enumerate(doc.rows())}
    if style.crawl_header:
        title = next((b.text for b in doc.blocks if isinstance(b, Para) and b.role == "title"), "")
        w.put(_CRAWL_HEADER.format(title=title, date="2022-01-13 08:38", agency="", year=2022,
                                   n=rng.randint(10000, 99999)))
    for block in doc.blocks:
        if isinstance(block, Para):
            w.put(" ".join(block.text.split()) + rng.choice(["", " "]))
            continue
        for row in block.rows:
            slots, _ = visible(row, style)
            start = w.pos
            labels = [s for s in slots if s.kind != "value"]
            values = [s for s in slots if s.kind == "value"]
            for s in labels:
                w.put(_cell_text(s, style))
            if values:
                w.put(rng.choice(["", " "]))
                glue = _glue_style(row, rng)
                run: list[str] = []
                for i, s in enumerate(values):
                    if i:
                        w.put(glue[i - 1])
                        run.append(glue[i - 1])
                    text = _cell_text(s, style)
                    a, b = w.put(text)
                    run.append(text)
                    if s.key:
                        out.cells[s.key] = (a + len(s.pad), b - len(s.unit))
                out.printed[index[id(row)]] = "".join(run)
            out.rows[index[id(row)]] = (start, w.pos)
    w.put("\n")
    out.text = w.text()
    return out


def _glue_style(row: Row, rng: random.Random) -> list[str]:
    """The gaps between a row's values: all glued, all spaced, or a mix — glued only where the
    row keeps its own identity, since a row that breaks it could not be split by anyone."""
    n = max(0, len(row.values()) - 1)
    if not consistent(row):
        return [" "] * n
    how = rng.choice(["glued", "glued", "spaced", "mixed"])
    if how == "glued":
        return [""] * n
    if how == "spaced":
        return [" "] * n
    return [rng.choice(["", " "]) for _ in range(n)]


def identities(row: Row) -> list[tuple[list[int], int]]:
    """The row's own sums, as positions among its values: 总计 = the applicant columns; each
    review group's 总计 = its four results."""
    return identities_of(row.part, len(row.values()))


def identities_of(part: str, n: int) -> list[tuple[list[int], int]]:
    """The sums a row of ``part`` with ``n`` values keeps (none when ``n`` is not the template's
    count: a damaged row keeps no identity)."""
    if part == "applications" and n == 7:
        return [(list(range(6)), 6)]
    if part == "review_litigation" and n == 15:
        return [(list(range(g, g + 4)), g + 4) for g in (0, 5, 10)]
    return []


def consistent(row: Row) -> bool:
    """Whether the row's printed values keep its own identities (a blank never does)."""
    vals = row.values()
    try:
        nums = [Decimal(s.text) for s in vals]
    except InvalidOperation:
        return False
    return all(sum(nums[i] for i in parts) == nums[total] for parts, total in identities(row))
