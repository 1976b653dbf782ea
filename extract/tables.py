"""Reads the report's tables out of a Document into canonical cells: one alignment for every
layout and every format.

Whatever the format — text, HTML, PDF, DOCX, XLSX, DOC/WPS, a scan read by OCR — its Document
(paragraphs and table cells) is read by the layout-free stream reader (``extract.stream``): the
text as an ordered stream of label and number tokens aligned to the template's grammar. What a
format knows of its tables is evidence the alignment uses, not a second reader: a table cell is
one token, an empty cell among a row's values is a blank value, a number in a label cell is part
of the label, and a grid column places a value under its header. A placement that is not
certain is not made: the cell is reported unread with the reason.
"""
from __future__ import annotations

from extract import template as T
from extract.document import Document
from extract.gc_paused import gc_paused
from extract.labels import norm
from extract.model import PROACTIVE_GROUP, CellValue, Problem, Report

_TEMPLATE_CUES = {t: tuple(norm(c) for c in cues) for t, cues in T.TEMPLATE_CUES.items()}
#: ``_say_unread`` finds a row's absent cells by its values' truth (``all``, no Python call per cell):
#: a CellValue is always true, None is not. A CellValue that could be false stops the import here.
_CELL_IS_TRUE = not any(hasattr(CellValue, m) for m in ("__bool__", "__len__"))
if not _CELL_IS_TRUE:
    raise ImportError("extract.tables: a CellValue may be false; _say_unread must look for None otherwise")


def detect_template(doc: Document) -> tuple[str | None, dict[str, list[str]]]:
    """Vote from the table labels: 本年制发件数 / （六） sub-rows ⇒ 2021; 本年新制作数量 / 第（九）项 ⇒ 2019."""
    text = "".join(map(norm, [c.text for t in doc.tables for row in t.rows for c in row]))
    found = {t: [c for c in cues if c in text] for t, cues in _TEMPLATE_CUES.items()}
    ranked = sorted(found, key=lambda t: -len(found[t]))
    if len(ranked) < 2 or len(found[ranked[0]]) == len(found[ranked[1]]):
        return None, found
    return ranked[0], found


@gc_paused
def read_tables(doc: Document, report: Report) -> None:
    """The canonical tables of ``doc`` into ``report``: the template, every cell read, and a
    problem for every cell that could not be."""
    from extract.stream import read_stream

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
    res = read_stream(doc, template)
    if report.template is None and res.template_votes.get("template", [""])[0]:
        report.template = res.template_votes["template"][0]
        report.problems = [p for p in report.problems if p.kind != "template_unknown"]
    _complete(report, apply_stream(report, res))


def _slot(report: Report, table: str, row: str) -> dict:
    if table == "applications":
        return report.applications.setdefault(row, {})
    if table == "review_litigation":
        return report.review_litigation.setdefault(row, {})
    return report.proactive.setdefault(table, {}).setdefault(row, {})


def apply_stream(report: Report, res) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The stream's reading into the report: every cell it placed and its problems. Returns, for
    the cells it left unread, why and where (a row whose header is out of order, a row label with
    no values): ``_say_unread`` gives them as the problem of a cell that no problem covers yet."""
    from extract.digits import UNREAD

    unread: dict[tuple[str, str, str], tuple[str, str]] = {}
    where_of = res.where_of
    # the row last written to: a row's cells come one after another. Compared by identity (the
    # keys of a row share their strings): an equal row that is another string only looks its
    # slot up again, which gives the same slot
    at_table = at_row = slot = None
    for (table, row, col), cell in res.cells.items():
        if type(cell) is CellValue:  # a count read as written: the report's cell as it is (nearly every cell)
            if row is not at_row or table is not at_table:
                at_table, at_row, slot = table, row, _slot(report, table, row)
            slot[col] = cell  # type: ignore[index]
            continue
        if cell.veto or cell.value is UNREAD:
            unread[table, row, col] = (cell.reason, _where(res, cell))
            continue
        if row is not at_row or table is not at_table:
            at_table, at_row, slot = table, row, _slot(report, table, row)
        # _where(res, cell), inline: once per cell of the report
        where = cell.where or (where_of(cell.offset) + cell.note if where_of and cell.offset >= 0 else cell.note)
        slot[col] = CellValue(cell.value, cell.raw, where)  # type: ignore[index]
    for kind, message, where, table, row, column, identity in res.problems:
        p = Problem(kind, message, where, table, row, column, identity)
        cells = report.covered_by(p)
        read = {c for c in cells if report.cell(*c) is not None}
        if not read:
            report.problems.append(p)
            continue
        # a problem about a row some of whose cells were read after all (the possible cuts agree
        # on them): it stands for the cells still unread only
        report.problems.extend(Problem(kind, message, where, t, r, c, identity) for t, r, c in sorted(cells - read))
    if res.skipped:
        report.problems.append(Problem("too_long", res.skipped + "; its tables are not read", "document"))
    return unread


def _where(res, cell) -> str:
    return cell.where or (res.where_of(cell.offset) + cell.note if res.where_of and cell.offset >= 0 else cell.note)


def _complete(report: Report, reasons: dict[tuple[str, str, str], tuple[str, str]] | None = None) -> None:
    """Lay out every canonical key of the template; record the ones the document lacks (with the
    reader's ``reasons`` where it gave one)."""
    tpl = report.template or T.DEFAULT_TEMPLATE
    # a table the reader found but could not read a cell of (its header out of order, say) is found:
    # its cells are unread for the reader's reason, not "not found"
    reasons = reasons or {}
    told = {table for table, _, _ in reasons}
    apps: dict = {}
    found_any = bool(report.applications) or "applications" in told or any(p.table == "applications"
                                                                          for p in report.problems)
    said = {p.row for p in report.problems if p.table == "applications" and p.row}  # found, but not read
    said |= {row for table, row, _ in reasons if table == "applications"}
    for spec in T.APPLICATION_ROWS:
        if tpl not in spec.templates and spec.key not in report.applications:
            continue
        got = report.applications.get(spec.key)
        if got is None and found_any and spec.key not in said:
            report.problems.append(Problem("missing_row", f"row {spec.label} not found", "applications",
                                           "applications", spec.key))
        apps[spec.key] = _laid_out(got, T.APPLICANT_COLUMNS)
    report.applications = apps
    if not found_any:
        report.problems.append(Problem("missing_table", "the applications table (三、收到和处理政府信息公开申请情况) "
                                       "was not found", "tables", "applications"))
    if not report.review_litigation and "review_litigation" not in told:
        report.problems.append(Problem("missing_table", "the review/litigation table (四) was not found",
                                       "tables", "review_litigation"))
    review = report.review_litigation
    report.review_litigation = {g: _laid_out(review.get(g), T.REVIEW_COLUMNS) for g in T.REVIEW_GROUPS}
    pro: dict = {}
    for spec in T.PROACTIVE_TABLES:
        cols = spec.columns.get(tpl)
        if cols is None:
            if spec.key in report.proactive:
                pro[spec.key] = report.proactive[spec.key]
            continue
        got = report.proactive.get(spec.key, {})
        keys, own = _proactive_layout(spec.key, tpl)
        pro[spec.key] = {row: _laid_out(got.get(row), keys) for row in spec.rows if row in own or row in got}
    if not report.proactive and not told & T.PROACTIVE_BY_KEY.keys():
        report.problems.append(Problem("missing_table", "the proactive-disclosure tables (二、第二十条) were not found",
                                       "tables", PROACTIVE_GROUP))
    report.proactive = pro
    _say_unread(report, reasons)


def _laid_out(got: dict | None, columns: tuple[str, ...]) -> dict:
    """A row's cells in the template's columns, in their order, None where the reader placed
    nothing (``got``: the cells it placed). A row read whole, in order — nearly every row — is
    that already: kept as it is, not copied."""
    if got is None:
        return dict.fromkeys(columns)
    if len(got) == len(columns) and tuple(got) == columns:
        return got
    return {c: got.get(c) for c in columns}


_LAYOUTS: dict[tuple[str, str], tuple[tuple[str, ...], frozenset[str]]] = {}


def _proactive_layout(table: str, template: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A proactive table's column keys and its own rows in ``template``: the same for every
    report, made once."""
    got = _LAYOUTS.get((table, template))
    if got is None:
        spec = T.PROACTIVE_BY_KEY[table]
        got = _LAYOUTS[table, template] = (tuple(k for k, _ in spec.columns[template]),
                                           frozenset(T.proactive_rows(spec, template)))
    return got


def _say_unread(report: Report, reasons: dict[tuple[str, str, str], tuple[str, str]]) -> None:
    """Every canonical cell no reader placed (absent, not blank) is covered by a problem: the
    reader's reason where it gave one, else a row of a table that was found but not the row, or a
    cell a row lacks. Unread must never look blank."""
    unread: set[tuple[str, str, str]] | None = None  # what the problems cover, asked once a cell is absent
    tables = [("applications", report.applications), ("review_litigation", report.review_litigation)]
    tables += list(report.proactive.items())
    for table, rows in tables:
        for row, cells in rows.items():
            if all(cells.values()):  # every cell read (a CellValue is true, see _CELL_IS_TRUE): nearly every row
                continue
            if unread is None:  # (before this loop adds a problem: the problems as _complete left them)
                said = Report(template=report.template, problems=[p for p in report.problems if p.kind != "ocr"])
                unread = said.unreadable()  # "ocr" covers every cell of a scan; it says nothing of where a reader failed
            absent = [c for c, cv in cells.items() if cv is None and (table, row, c) not in unread]
            if not absent:
                continue
            told: dict[tuple[str, str], list[str]] = {}
            for c in absent:
                if (table, row, c) in reasons:
                    told.setdefault(reasons[table, row, c], []).append(c)
            for (reason, where), cols in told.items():
                whole = len(cols) == len(cells)
                report.problems.extend(Problem("missing_cell", reason or "the cell could not be placed", where, table,
                                               row, None if whole else c) for c in (cols[:1] if whole else cols))
            absent = [c for c in absent if (table, row, c) not in reasons]
            if not absent:
                continue
            if len(absent) == len(cells):
                report.problems.append(Problem("missing_row", f"row {row} of {table} not found", "tables", table, row))
            else:
                report.problems.extend(Problem("missing_cell", f"no value found for the {c} cell", "tables", table,
                                               row, c) for c in absent)
