"""Reads the report's tables out of a Document into canonical cells.

All tables of a document are read as one stream of rows, in order, because real reports split
tables across pages or paste them in pieces (seed 003 splits the applications table in two).
A row's label decides which canonical row it is; its value cells are placed into columns only
when the placement is certain — otherwise the row is reported as a problem and left empty.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract import template as T
from extract.document import Document, Table, TCell
from extract.labels import norm, similarity, strip_numbering
from extract.model import BLOCKING_KINDS, PROACTIVE_GROUP, CellValue, Problem, Report
from extract.values import clean, parse_value

_ITEM = re.compile(T.PROACTIVE_ITEM_PATTERN)
_APPLICANT_HEADERS = {norm(k): v for k, v in T.APPLICANT_HEADER_SYNONYMS.items()}
_TEMPLATE_CUES = {t: tuple(norm(c) for c in cues) for t, cues in T.TEMPLATE_CUES.items()}
_ROW_LABELS = {spec.key: strip_numbering(norm(spec.label)) for spec in T.APPLICATION_ROWS}
_EXACT_ROWS = set(T.BARE_ROW_LABELS)  # "3.其他" is only this row under （六）其他处理
_PROACTIVE_HEADER = norm(T.PROACTIVE_HEADER_CUE)
_APP_TABLE_CUES = tuple(norm(c) for c in T.APPLICATION_TABLE_CUES)
_REVIEW_GROUP = norm(T.REVIEW_GROUP_LABELS[T.REVIEW_GROUPS[0]])
_REVIEW_HEADER_CUES = tuple(norm(c) for c in T.REVIEW_HEADER_CUES)
_FIRST_ROW_CUES = next(s.cues for s in T.APPLICATION_ROWS if s.key == T.APPLICATION_FIRST_ROW)
# group cues in the order they are tried: the litigation groups (and their parent 行政诉讼) before 行政复议,
# which the litigation labels do not contain but a merged header cell may hold beside them
_REVIEW_GROUP_ORDER = ([(norm(c), i) for c, i in T.REVIEW_GROUP_CUES if i > 0]
                       + [(norm(c), 1) for c in T.REVIEW_PARENT_CUES]
                       + [(norm(c), i) for c, i in T.REVIEW_GROUP_CUES if i == 0])
_REVIEW_HEADERS = {norm(label): i for i, label in enumerate(T.REVIEW_COLUMN_LABELS.values())}
_GROUP_CUES = {g: tuple(norm(c) for c in cues) for g, cues in T.APPLICATION_GROUPS.items()}
_DAMAGED = "\ufffd"  # an undecodable byte, as the decoder replaces it


def detect_template(doc: Document) -> tuple[str | None, dict[str, list[str]]]:
    """Vote from the labels: 本年制发件数 / （六） sub-rows ⇒ 2021; 本年新制作数量 / 第（九）项 ⇒ 2019."""
    text = "".join(norm(c.text) for t in doc.tables for row in t.rows for c in row)
    found = {t: [c for c in cues if c in text] for t, cues in _TEMPLATE_CUES.items()}
    ranked = sorted(found, key=lambda t: -len(found[t]))
    if len(ranked) < 2 or len(found[ranked[0]]) == len(found[ranked[1]]):
        return None, found
    return ranked[0], found


_EXACT_SPECS = [spec for spec in T.APPLICATION_ROWS if spec.key in _EXACT_ROWS]
_SPEC = {spec.key: spec for spec in T.APPLICATION_ROWS}


@lru_cache(maxsize=4096)
def _cue_hits(t: str) -> list[tuple[int, T.RowSpec]]:
    """(length of the longest cue found in ``t``, row) for every row with a cue in the label;
    the same labels recur in every report, so the scan is done once per label."""
    hits = []
    for spec in T.APPLICATION_ROWS:
        if spec.key in _EXACT_ROWS:
            continue
        best = max((len(cue) for cue in spec.cues if cue in t), default=0)
        if best:
            hits.append((best, spec))
    return hits


def _heading_spans(labels: list[str], cut: int) -> list[tuple[int, int]]:
    """Where the group headings among a row's labels before its own lie in the labels joined
    (offsets shifted by ``cut``, the numbering stripped from the joined text's start)."""
    spans, at = [], -cut
    for lb in labels[:-1]:
        if any(cue in lb for cues in _GROUP_CUES.values() for cue in cues):
            spans.append((at, at + len(lb)))
        at += len(lb)
    return spans


def _inside(t: str, cue: str, spans: list[tuple[int, int]]) -> bool:
    """Whether every occurrence of ``cue`` in ``t`` lies within one of ``spans``."""
    i = t.find(cue)
    while i >= 0:
        if not any(a <= i and i + len(cue) <= b for a, b in spans):
            return False
        i = t.find(cue, i + 1)
    return True


@lru_cache(maxsize=4096)
def _proactive_hits(text: str) -> list[tuple[T.ProactiveTable, str]]:
    """(table, row) of every proactive row one of whose cues the label is (or holds, with at most
    six characters more); the same labels recur in every report, so the scan is done once per label."""
    return [(spec, key) for spec in T.PROACTIVE_TABLES for key, cues in spec.rows.items()
            if any(text == cue or (cue in text and len(text) <= len(cue) + 6) for cue in cues)]


def _is_label(cell: TCell) -> bool:
    return bool(clean(cell.text)) and not parse_value(cell.text)[0]


def _blank(cell: TCell) -> bool:
    return not clean(cell.text)


class TableReader:
    """A small state machine over the rows of all tables."""

    def __init__(self, report: Report, template: str | None):
        self.r = report
        self.template = template
        self.section: str | None = None  # proactive | applications | review
        self.ptable: T.ProactiveTable | None = None
        self.pcols: dict[int, str] | None = None  # position/grid column -> column key
        self.pgrid = False
        self.group: str | None = None
        self.app_cols: dict[str, int] = {}  # applicant column -> grid column (current table only)
        self.app_cols_table: int | None = None
        self.app_reordered: Table | None = None  # a table whose header lists applicants out of order
        self.p_unit_bad: set[tuple[str, str]] = set()  # money columns whose header says 元, not 万元
        self.p_spans: list[tuple[int, int]] = []  # grid columns under the current proactive headers
        self.review_done = False
        self.review_reordered = False  # the header puts the groups or columns out of template order
        self.seen_rows: dict[tuple[str, str], list[CellValue | None]] = {}

    # ------------------------------------------------------------------ helpers
    def problem(self, kind: str, message: str, where: str, table: str | None = None,
                row: str | None = None, column: str | None = None) -> None:
        self.r.problems.append(Problem(kind, message, where, table, row, column))

    def cv(self, cell: TCell, table: str, row: str, column: str) -> CellValue | None:
        ok, value = parse_value(cell.text)
        if not ok:
            self.problem("unreadable_value", f"cell text {cell.text!r} is not a number", cell.where, table, row, column)
            return None
        return CellValue(value, cell.text, cell.where)

    # ------------------------------------------------------------------ driver
    def read(self, doc: Document) -> None:
        for ti, table in enumerate(doc.tables):
            if self.app_cols_table is not None and self.app_cols_table != ti:
                self.app_cols = {}
                self.app_cols_table = None
            for row in table.rows:
                if row:
                    self.row(row, table, ti)

    def row(self, cells: list[TCell], table: Table, ti: int) -> None:
        # labels stand before the numbers; text after the first number is a garbled value, not a label
        first_num = next((i for i, c in enumerate(cells) if parse_value(c.text)[1] is not None), len(cells))
        label_idx = [i for i, c in enumerate(cells[:first_num]) if _is_label(c)]
        last = label_idx[-1] if label_idx else -1
        labels = [norm(cells[i].text) for i in label_idx]
        joined = "".join(labels)
        values = cells[last + 1:]
        has_number = any(parse_value(c.text)[1] is not None for c in values)
        where = cells[0].where

        item = _ITEM.search(joined)
        if item and not has_number:
            self.section = "proactive"
            self.ptable = T.PROACTIVE_BY_ITEM.get(item.group(1))
            self.pcols = None
            return
        if self.section == "proactive" and labels and labels[0].startswith(_PROACTIVE_HEADER) and not has_number:
            self._proactive_header(cells, label_idx[0], table)
            return
        if self.section == "proactive" and self.ptable is not None and labels:
            hit, at = self._proactive_split(labels, label_idx)
            if hit and at != last:  # the row label is followed by cells that are not numbers
                self._proactive_row(hit, cells, at, table, where)
                return
        if any(c in joined for c in _APP_TABLE_CUES) and not has_number:
            self.section, self.group = "applications", None
        if _REVIEW_GROUP in joined and any(c in joined for c in _REVIEW_HEADER_CUES) and not has_number:
            self.section = "review"
            self._review_header(cells)
            return
        if not has_number:
            if self._blank_row(labels, values, table, where):
                return
            if self.section == "applications":
                self._applicant_header(cells, table, ti)
                self._update_group(labels)
            if self.section == "review":
                self._review_header(cells)
            return

        # data rows
        if self.section == "review" or (not labels and len(values) >= T.REVIEW_CELLS and not self.review_done
                                         and self.section != "proactive"):
            if not labels or self.section == "review":
                self._review_row(values, table, where)
                return
        prow = self._proactive_row_key(labels)
        if prow and self.section != "applications":
            self._proactive_row(prow, cells, label_idx[-1], table, where)
            return
        if self.section in (None, "proactive") and any(cue in lb for lb in labels for cue in _FIRST_ROW_CUES):
            self.section, self.group = "applications", None
        if self.section == "applications":
            self._application_row(labels, values, table, where)
            return
        if labels:
            self.problem("unknown_row", f"row {''.join(labels)!r} carries numbers outside any known table", where)

    def _blank_row(self, labels: list[str], values: list[TCell], table: Table, where: str) -> bool:
        """A data row whose cells are all left blank: read as nulls (blank is what it says), not as
        a header. Only rows with a full set of empty value cells qualify, so headers never do."""
        if self.section == "review" and not labels and len(values) >= T.REVIEW_CELLS and not self.review_done:
            self._review_row(values, table, where)
            return True
        if not labels:
            return False
        if self.section == "applications" and len(values) >= len(T.APPLICANT_COLUMNS):
            key, how = self._match_row(labels)
            if key is None or how != "cue" or (self.template and self.template not in _SPEC[key].templates):
                return False
            self._application_row(labels, values, table, where)
            return True
        if self.section == "proactive" and self.ptable is not None and values:
            prow = self._proactive_row_key(labels)
            if prow and prow[0] is self.ptable:
                self._proactive_row(prow, values, -1, table, where)
                return True
        return False

    # ------------------------------------------------------------------ proactive (二)
    def _proactive_header(self, cells: list[TCell], first: int, table: Table) -> None:
        spec = self.ptable
        if spec is None:
            return
        cols = spec.columns.get(self.template or "") or ()
        options = [cols] if cols else list(spec.columns.values())
        header = [(i, c) for i, c in enumerate(cells[first + 1:]) if clean(c.text)]
        self.pgrid = table.grid
        mapping: dict[int, str] = {}
        self.p_unit_bad = {u for u in self.p_unit_bad if u[0] != spec.key}
        for i, c in header:
            text = norm(c.text)
            for cols_ in options:
                hit = [k for k, cues in cols_ if any(cue in text for cue in cues)]
                if len(hit) == 1:
                    mapping[c.col if table.grid else i] = hit[0]
                    if hit[0] in spec.money_columns and T.OTHER_MONEY_UNIT in text and T.MONEY_UNIT not in text:
                        self.p_unit_bad.add((spec.key, hit[0]))
                        self.problem("unreadable_value", f"the header {c.text!r} gives the amount in 元, not "
                                     "万元; the amounts are left unread", c.where, spec.key, None, hit[0])
                    break
        if len(mapping) < len(header) and len(header) == len(cols):
            # second header lines lost (本年新 | 本年新 | 对外公开总数量): the count fixes the order
            mapping = {(c.col if table.grid else i): k for (i, c), (k, _) in zip(header, cols)}
        self.pcols = mapping
        # the grid columns each header covers: a second filled cell under one header is ambiguous
        self.p_spans = [(c.col, c.col + c.colspan) for i, c in header if table.grid and c.col in mapping]

    def _proactive_split(self, labels: list[str], label_idx: list[int]) -> tuple:
        """(row, cell index of its label): text cells after the row label are unreadable values."""
        for j in range(len(labels) - 1, -1, -1):
            hit = self._proactive_row_key(labels[j:j + 1])
            if hit:
                return hit, label_idx[j]
        return None, -1

    def _proactive_row_key(self, labels: list[str]) -> tuple[T.ProactiveTable, str] | None:
        if not labels or _DAMAGED in labels[-1]:
            return None
        hits = _proactive_hits(strip_numbering(labels[-1]))
        # 行政规范性文件 contains 规范性文件 only; 规章 never collides — but prefer the current table
        if len(hits) > 1 and self.ptable:
            hits = [h for h in hits if h[0] is self.ptable] or hits
        return hits[0] if len(hits) == 1 else None

    def _proactive_row(self, hit: tuple[T.ProactiveTable, str], cells: list[TCell], last: int,
                       table: Table, where: str) -> None:
        spec, row = hit
        self.section = "proactive"
        if self.ptable is not spec:
            self.ptable, self.pcols = spec, None
        cols = spec.columns.get(self.template or "") or next(iter(spec.columns.values()))
        values = cells[last + 1:]
        mapping = self.pcols
        use_grid = bool(mapping) and self.pgrid and table.grid
        if not mapping:
            mapping = {i: k for i, (k, _) in enumerate(cols)}
            use_grid = False
        out = self.r.proactive.setdefault(spec.key, {}).setdefault(row, {})
        last_pos = max(mapping) if mapping else None
        has_last = last_pos is not None and (
            any(c.col is not None and c.col <= last_pos < c.col + c.colspan for c in values) if use_grid
            else last_pos < len(values))
        if mapping and not has_last and any(clean(c.text) for c in values):
            # short of a cell at the end: a cell is lost somewhere, the others may have moved left
            self.problem("missing_cell", f"the row has no cell under its last column ({mapping[last_pos]}): a cell "
                         "is lost somewhere in it, the row is left unread", where, spec.key, row)
            return
        chosen: list[TCell] = []
        stored: list[str] = []
        for pos, key in mapping.items():
            if use_grid:
                cell = next((c for c in values if c.col is not None and c.col <= pos < c.col + c.colspan), None)
            else:
                cell = values[pos] if pos < len(values) else None
            if cell is None:
                self.problem("missing_cell", f"no cell under the {key} column", where, spec.key, row, key)
                continue
            chosen.append(cell)
            if use_grid and any(p != pos and cell.col <= p < cell.col + cell.colspan for p in mapping):
                self.problem("missing_cell", f"the cell {cell.text!r} spans several columns; which one it "
                             f"belongs to is unknown", where, spec.key, row, key)
                continue
            if key in out or (spec.key, key) in self.p_unit_bad:
                continue
            out[key] = self.cv(cell, spec.key, row, key)
            stored.append(key)
        extra = [c for i, c in enumerate(values) if clean(c.text) and not use_grid and i not in mapping]
        if use_grid:  # a second filled cell under one header: which is the value is unknown
            extra = [c for c in values if clean(c.text) and not any(c is x for x in chosen)
                     and any(c.col < hi and lo < c.col + c.colspan for lo, hi in self.p_spans)]
            for key in stored if extra else ():
                del out[key]
        if extra:
            self.problem("extra_cells", f"{len(extra)} cell(s) with no column header: "
                         f"{', '.join(repr(c.text) for c in extra)}", where, spec.key, row)

    # ------------------------------------------------------------------ applications (三)
    def _applicant_header(self, cells: list[TCell], table: Table, ti: int) -> None:
        order = [T.APPLICANT_COLUMNS.index(k) for k in (_APPLICANT_HEADERS.get(norm(c.text)) for c in cells) if k]
        if order != sorted(order):  # e.g. 法律服务机构 before 社会公益组织: values cannot be read by position
            self.app_reordered = table
        if not table.grid:
            return
        for c in cells:
            key = _APPLICANT_HEADERS.get(norm(c.text))
            if key and c.col is not None:
                self.app_cols[key] = c.col
                self.app_cols_table = ti

    def _update_group(self, labels: list[str]) -> None:
        for lb in labels:
            for g, cues in _GROUP_CUES.items():
                if any(cue in lb for cue in cues):
                    self.group = g

    def _match_row(self, labels: list[str]) -> tuple[str | None, str]:
        """(row key, how) for a data row's labels; group headings in the row set the group first.
        A row label an undecodable byte touches names no row: which row it was is not certain
        (3.其他 damaged to 3.�他 beside （六）其他处理 read as the 2019 row （六）其他处理)."""
        self._update_group(labels[:-1])
        if _DAMAGED in labels[-1]:
            return None, "the label holds an undecodable byte"
        for text in (labels[-1], "".join(labels)):
            t = strip_numbering(text)
            cands = [(99, spec) for spec in _EXACT_SPECS if t == norm(T.BARE_ROW_LABELS[spec.key]) and self.group == spec.group]
            if text is labels[-1]:
                cands += _cue_hits(t)
            else:
                # the labels joined (a label split over cells, a garbled value after the label): a
                # row named only inside a group heading before the row's own label is that
                # heading, not the row (（六）其他处理 | 3.其他情形 in a 2021 report is not the 2019
                # row （六）其他处理)
                heads = _heading_spans(labels, len(text) - len(t))
                cands += [(n, spec) for n, spec in _cue_hits(t)
                          if not heads or any(not _inside(t, cue, heads) for cue in spec.cues if cue in t)]
            if self.group:
                grouped = [c for c in cands if c[1].group == self.group]
                if grouped:
                    cands = grouped
            if cands:
                cands.sort(key=lambda c: -c[0])
                if len(cands) == 1 or cands[0][0] > cands[1][0]:
                    return cands[0][1].key, "cue"
                return None, "ambiguous: " + ", ".join(c[1].key for c in cands[:3])
        # typos: the closest canonical label, only when clearly closer than any other
        t = strip_numbering(labels[-1])
        if any(cue in t for cues in _GROUP_CUES.values() for cue in cues):
            self._update_group(labels[-1:])  # （三）不予公开 with numbers: a subtotal, not （一）予以公开
            return None, "a group heading, not a canonical row"
        scored = sorted(((similarity(t, lab), key) for key, lab in _ROW_LABELS.items()
                         if key not in _EXACT_ROWS), reverse=True)
        if scored and scored[0][0] >= 0.7 and scored[0][0] - scored[1][0] >= 0.15:
            return scored[0][1], "fuzzy"
        return None, "no match"

    def _application_row(self, labels: list[str], values: list[TCell], table: Table, where: str) -> None:
        if not labels:
            self.problem("unknown_row", "a row of numbers with no label in the applications table", where,
                         "applications")
            return
        key, how = self._match_row(labels)
        if key is None:
            self.problem("unknown_row", f"row label {labels[-1]!r} matches no canonical row ({how})", where,
                         "applications")
            return
        spec = next(s for s in T.APPLICATION_ROWS if s.key == key)
        if spec.group is None and key not in T.GROUP_ROWS:
            self.group = None
        if how == "fuzzy":
            self.problem("label_variant", f"label {labels[-1]!r} read as {spec.label!r} (closest match)",
                         where, "applications", key)
        if self.app_reordered is table and not (table.grid and len(self.app_cols) == len(T.APPLICANT_COLUMNS)):
            self.problem("missing_cell", "the header lists the applicant columns in an order other than the "
                         "template's and the cells cannot be located under it; the row is left unread",
                         where, "applications", key)
            return
        placed = self._place(values, T.APPLICANT_COLUMNS, table, self.app_cols, "applications", key, where,
                             by_grid=self.app_reordered is table)
        self._store("applications", key, placed, self.r.applications, where)

    # ------------------------------------------------------------------ review (四)
    def _review_header(self, cells: list[TCell]) -> None:
        """Values are placed by position: a header with the groups or columns in another order
        (复议后起诉 before 未经复议直接起诉, 总计 first) makes them unplaceable."""
        groups, cols = [], []
        for c in cells:
            t = norm(c.text)
            g = next((i for cue, i in _REVIEW_GROUP_ORDER if cue in t), None)
            if g is not None:
                groups.append(g)
            if t in _REVIEW_HEADERS:
                cols.append(_REVIEW_HEADERS[t])
        n = len(T.REVIEW_COLUMN_LABELS)
        # only a complete header row can show the column order: PDFs split labels over lines (结果维 / 持)
        if groups != sorted(groups) or (len(cols) >= n and any(c != i % n for i, c in enumerate(cols))):
            self.review_reordered = True

    def _review_row(self, values: list[TCell], table: Table, where: str) -> None:
        if self.review_done:
            return
        self.review_done = True
        if self.review_reordered:
            self.problem("missing_cell", "the review/litigation header is not in the template's order; "
                         "the values are left unread", where, "review_litigation")
            self.section = None
            return
        cols = [(g, c) for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]
        placed = self._place(values, [f"{g}.{c}" for g, c in cols], table, {}, "review_litigation", None, where)
        for (g, c), cv in zip(cols, placed):
            if cv is not _MISSING:
                self.r.review_litigation.setdefault(g, {})[c] = cv
        self.section = None

    # ------------------------------------------------------------------ shared
    def _place(self, cells: list[TCell], columns, table: Table, grid_cols: dict[str, int],
               tname: str, row: str | None, where: str, by_grid: bool = False) -> list:
        """Values for ``columns`` from a row's value cells, or _MISSING where not certain."""
        n = len(columns)
        if len(cells) >= n and all(_blank(c) for c in cells):
            return [CellValue(None, c.text, c.where) for c in cells[:n]]  # a row left blank
        out = self._place_cells(cells, columns, table, grid_cols, tname, row, where, by_grid)
        if tname == "applications" and out and out[-1] is not _MISSING and out[-1] is not None \
                and out[-1].value is None and any(cv is not _MISSING and cv is not None and cv.value
                                                  for cv in out[:-1]):
            # 总计 blank while parts have numbers: blank cells moved to the row's end look just so
            self.problem("missing_cell", "the 总计 cell is blank while other cells hold numbers: the blank cells may "
                         "have been moved to the end of the row; the row is left unread", where, tname, row)
            return [_MISSING] * n
        return out

    def _place_cells(self, cells: list[TCell], columns, table: Table, grid_cols: dict[str, int],
                     tname: str, row: str | None, where: str, by_grid: bool = False) -> list:
        n = len(columns)
        full_grid = table.grid and len(grid_cols) == n
        vals = list(cells)
        if table.strip_trailing_blanks:
            while vals and _blank(vals[-1]):
                vals.pop()

        def conv(cs: list[TCell]) -> list:
            if full_grid and not all(c.col is not None and c.col <= grid_cols[col] < c.col + c.colspan
                                     for c, col in zip(cs, columns)):
                # as many cells as columns, but not under the headers (a merged cell, a padding cell)
                raw = " ".join(c.text or "∅" for c in cs)
                self.problem("missing_cell", f"the cells ({raw}) do not line up with the column headers; "
                             f"the row is left unread", where, tname, row)
                return [_MISSING] * n
            return [self.cv(c, tname, row or col.split(".")[0], col if row else col.split(".")[1])
                    for c, col in zip(cs, columns)]

        if len(vals) == n and not by_grid:
            if not table.grid and _blank(vals[0]) and any(not _blank(c) for c in vals[1:]):
                # a blank cell right after the label: the padding of a label spanning two columns,
                # or an empty first column — with a value cell left out further on, either fits
                raw = " ".join(c.text or "∅" for c in vals)
                self.problem("missing_cell", f"the row starts with a blank cell ({raw}): the padding of a "
                             "wide label or an empty first column; the row is left unread", where, tname, row)
                return [_MISSING] * n
            return conv(vals)
        if full_grid:
            out = []
            short = [col for col in columns if not any(c.col is not None and c.col <= grid_cols[col] < c.col + c.colspan
                                                       for c in cells)]
            if short and short[-1] == columns[-1]:
                # a row without a cell under a column is short of a cell somewhere: the cells after
                # the lost one have moved left, so no position in the row can be trusted
                raw = " ".join(c.text or "∅" for c in vals)
                self.problem("missing_cell", f"the row ({raw}) has no cell under the {', '.join(short)} column(s): "
                             "a cell is lost somewhere in it, the row is left unread", where, tname, row)
                return [_MISSING] * n
            for col in columns:
                pos = grid_cols[col]
                cell = next((c for c in cells if c.col is not None and c.col <= pos < c.col + c.colspan), None)
                if cell is not None and any(p != pos and cell.col <= p < cell.col + cell.colspan
                                            for p in grid_cols.values()):
                    self.problem("missing_cell", f"the cell {cell.text!r} spans several columns; which one "
                                 f"it belongs to is unknown", where, tname, row, col)
                    out.append(_MISSING)
                elif cell is None or _is_label(cell):
                    self.problem("missing_cell", f"no value cell under the {col} column"
                                 + (f" (the cell holds the label {cell.text!r})" if cell else ""),
                                 where, tname, row, col)
                    out.append(_MISSING)
                else:
                    out.append(self.cv(cell, tname, row, col))
            return out
        while vals and _blank(vals[0]):
            vals.pop(0)
        while vals and _blank(vals[-1]):
            vals.pop()
        if len(vals) == n:
            return conv(vals)
        if len(vals) > n:
            # the first value sits beside the label and the last under 总计; an extra cell between
            # them can be placed only when every candidate alignment gives the same values
            extra = len(vals) - n
            middle = vals[1:-1]
            uniform = len({clean(c.text) for c in middle}) <= 1
            raw = " ".join(c.text or "∅" for c in vals)
            if uniform:
                self.problem("surplus_cells", f"{len(vals)} cells for {n} columns ({raw}); the surplus "
                             f"cell(s) lie among equal values, so every column is still certain",
                             where, tname, row)
                return conv([vals[0]] + middle[:n - 2] + [vals[-1]])
            self.problem("extra_cells", f"{len(vals)} cells for {n} columns ({raw}); {extra} surplus "
                         f"cell(s) cannot be located, the row is left unread", where, tname, row)
            return [_MISSING] * n
        raw = " ".join(c.text or "∅" for c in vals)
        self.problem("missing_cell", f"{len(vals)} cells for {n} columns ({raw}); which column lacks "
                     f"a cell is unknown, the row is left unread", where, tname, row)
        return [_MISSING] * n

    def _store(self, tname: str, key: str, placed: list, target: dict, where: str) -> None:
        if key in target and any(cv is not None for cv in target[key].values()):
            old = [cv.value if cv else None for cv in target[key].values()]
            new = [cv.value if cv else None for cv in placed if cv is not _MISSING]
            if old != new:
                self.problem("duplicate_row", f"row {key} appears twice with different values; the first is kept",
                             where, tname, key)
            return
        target[key] = {col: cv for col, cv in zip(T.APPLICANT_COLUMNS, placed) if cv is not _MISSING}


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover
        return "MISSING"


_MISSING = _Missing()


def read_tables(doc: Document, report: Report) -> None:
    template, cues = detect_template(doc)
    report.template = template
    if template is None:
        if any(cues.values()):
            report.problems.append(Problem("template_unknown", "labels of both templates in equal number: "
                                           f"{cues}", "tables"))
        elif doc.tables:
            report.problems.append(Problem("template_unknown", "no template labels found in the tables", "tables"))
    elif sum(1 for found in cues.values() if found) > 1:
        report.problems.append(Problem("template_mixed", f"labels of both templates: {cues}; read as {template}",
                                       "tables"))
    alone = report.format in STREAM_ALONE
    if not alone:
        TableReader(report, template).read(doc)
    if report.format in STREAM_FORMATS and (alone or doc.cut or not _complete_reading(report)):
        from extract.stream import read_stream

        res = read_stream(doc, template)
        if report.template is None and res.template_votes.get("template", [""])[0]:
            report.template = res.template_votes["template"][0]
            report.problems = [p for p in report.problems if p.kind != "template_unknown"]
        merge_stream(report, res)
    _complete(report)


#: Formats whose text the layout-free stream reader reads beside the structured reader.
STREAM_FORMATS = ("text", "html")
#: Formats the stream reader reads alone, the structured reader not at all: the fold of issue 12
#: (one alignment for every layout). Empty while the stream reader still lacks what the
#: structured one does for them; ``python -m bench.bench_layouts --stream-alone text`` and
#: ``tests/test_extract_stream.py`` measure how far it is (see the README, issue 12).
STREAM_ALONE: frozenset[str] = frozenset()
#: Structured-reader problems that the stream may resolve by reading the cells they cover (the
#: structured reader could not find or fit the row; it did not see a bad value).
_STREAM_MAY_FILL = frozenset({"missing_cell", "extra_cells", "missing_row", "missing_table", "unknown_row"})


def _complete_reading(report: Report) -> bool:
    """Whether the structured reader read every canonical cell of the template with no problem
    left: then the stream reader has nothing to add (it runs on every other document)."""
    if report.template is None or any(p.kind in BLOCKING_KINDS or p.kind == "unknown_row" for p in report.problems):
        return False
    from extract.model import _columns_of

    tpl = report.template
    for spec in T.APPLICATION_ROWS:
        if tpl in spec.templates:
            got = report.applications.get(spec.key, {})
            if any(got.get(c) is None for c in T.APPLICANT_COLUMNS):
                return False
    for g in T.REVIEW_GROUPS:
        if any(report.review_litigation.get(g, {}).get(c) is None for c in T.REVIEW_COLUMNS):
            return False
    for spec in T.PROACTIVE_TABLES:
        if tpl not in spec.columns:
            continue
        rows = report.proactive.get(spec.key, {})
        for row in T.proactive_rows(spec, tpl):
            if any(rows.get(row, {}).get(c) is None for c in _columns_of(spec.key, tpl)):
                return False
    return True


def _slot(report: Report, table: str, row: str) -> dict:
    if table == "applications":
        return report.applications.setdefault(row, {})
    if table == "review_litigation":
        return report.review_litigation.setdefault(row, {})
    return report.proactive.setdefault(table, {}).setdefault(row, {})


def merge_stream(report: Report, res) -> None:
    """Cells the stream read fill the cells the structured reader left unread; where both read a
    cell and disagree, neither stands; where the stream saw the text cut or damaged, no reading
    stands. Problems of the structured reader that covered newly read cells are narrowed to the
    cells still unread, and the stream's reasons are given for those."""
    from extract.digits import UNREAD

    declined: dict[tuple[str, str, str], str] = {}  # cells a structured problem says it could not read
    cover: list[tuple[Problem, set]] = []
    for p in report.problems:
        cells = _covered(report, p)
        cover.append((p, cells))
        for c in cells:
            declined.setdefault(c, p.kind)
    filled: set[tuple[str, str, str]] = set()
    for key, cell in res.cells.items():
        table, row, col = key
        slot = _slot(report, table, row)
        old = slot.get(col)
        if cell.veto:
            if old is not None:
                del slot[col]
            continue
        if cell.value is UNREAD:
            continue
        if old is not None:
            if old.value != cell.value or (old.value is None) != (cell.value is None):
                del slot[col]
                report.problems.append(Problem("readers_disagree", f"the table reads {old.raw!r} ({old.where}), the "
                                               f"text as a stream reads {cell.raw!r} ({_where(res, cell)}); the cell "
                                               "is left unread", old.where, table, row, col))
            continue
        if key in declined and declined[key] not in _STREAM_MAY_FILL:
            continue
        slot[col] = CellValue(cell.value, cell.raw, _where(res, cell))
        filled.add(key)
    # the stream's own problems, for the rows it looked at
    mine = [Problem(kind, message, where, table, row, column, identity)
            for kind, message, where, table, row, column, identity in res.problems]
    kept: list[Problem] = []
    stream_rows = {(t, r) for (t, r, c), cell in res.cells.items() if cell.value is UNREAD}
    for p, cells in cover:
        if p.kind not in BLOCKING_KINDS or not (cells & filled) or p.kind not in _STREAM_MAY_FILL:
            kept.append(p)
            continue
        rows: dict[tuple[str, str], list[str]] = {}
        for t, r, c in cells:
            rows.setdefault((t, r), []).append(c)
        for (t, r), cols in rows.items():
            left = [c for c in cols if (t, r, c) not in filled]
            if not left or (t, r) in stream_rows and all(res.cells.get((t, r, c)) is not None for c in left):
                continue  # read now, or the stream's own problem says why not
            if len(left) == len(cols):
                kept.append(Problem(p.kind, p.message, p.where, t, r, p.column))
            else:
                kept.extend(Problem(p.kind, p.message, p.where, t, r, c) for c in left)
    covered: set = set()
    for p in kept:
        covered |= _covered(report, p)
    said = {(p.kind, p.table, p.row, p.column) for p in kept}
    for p in mine:
        cells = _covered(report, p)
        if not cells:
            if (p.kind, p.table, p.row, p.column) not in said:  # both readers saw it (surplus_cells): once
                kept.append(p)  # not blocking (split_by_identity …) or not about cells
            continue
        left = {c for c in cells if report.cell(*c) is None and c not in covered}
        if not left:
            continue  # read by a reader after all, or already explained
        if left == cells:
            kept.append(p)
        else:
            for t, r, c in sorted(left):
                kept.append(Problem(p.kind, p.message, p.where, t, r, c))
        covered |= left
    report.problems = kept


def _where(res, cell) -> str:
    return cell.where or (res.where_of(cell.offset) + cell.note if res.where_of and cell.offset >= 0 else cell.note)


def _covered(report: Report, p: Problem) -> set[tuple[str, str, str]]:
    """The cells a blocking problem keeps from the monitor (as ``Report.unreadable`` counts them)."""
    from extract.model import _columns_of, _rows_of

    if p.kind not in BLOCKING_KINDS or not p.table or p.kind == "ocr":
        return set()
    rows = [p.row] if p.row else _rows_of(p.table)
    cols = [p.column] if p.column else _columns_of(p.table, report.template)
    return {(p.table, r, c) for r in rows for c in cols}


def _complete(report: Report) -> None:
    """Lay out every canonical key of the template; record the ones the document lacks."""
    tpl = report.template or T.DEFAULT_TEMPLATE
    apps: dict = {}
    found_any = bool(report.applications)
    for spec in T.APPLICATION_ROWS:
        if tpl not in spec.templates and spec.key not in report.applications:
            continue
        got = report.applications.get(spec.key)
        if got is None and found_any:
            report.problems.append(Problem("missing_row", f"row {spec.label} not found", "applications",
                                           "applications", spec.key))
        apps[spec.key] = {c: (got or {}).get(c) for c in T.APPLICANT_COLUMNS}
    report.applications = apps
    if not found_any:
        report.problems.append(Problem("missing_table", "the applications table (三、收到和处理政府信息公开申请情况) "
                                       "was not found", "tables", "applications"))
    if not report.review_litigation:
        report.problems.append(Problem("missing_table", "the review/litigation table (四) was not found",
                                       "tables", "review_litigation"))
    report.review_litigation = {g: {c: report.review_litigation.get(g, {}).get(c) for c in T.REVIEW_COLUMNS}
                                for g in T.REVIEW_GROUPS}
    pro: dict = {}
    for spec in T.PROACTIVE_TABLES:
        cols = spec.columns.get(tpl)
        if cols is None:
            if spec.key in report.proactive:
                pro[spec.key] = report.proactive[spec.key]
            continue
        got = report.proactive.get(spec.key, {})
        rows = {}
        for row in spec.rows:
            if row not in T.proactive_rows(spec, tpl) and row not in got:
                continue
            rows[row] = {k: got.get(row, {}).get(k) for k, _ in cols}
        pro[spec.key] = rows
    if not report.proactive:
        report.problems.append(Problem("missing_table", "the proactive-disclosure tables (二、第二十条) were not found",
                                       "tables", PROACTIVE_GROUP))
    report.proactive = pro
