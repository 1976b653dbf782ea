"""HTML pages as government CMSs emit them: report text in <p>/<div>, tables with rowspan and
colspan, cells holding <p>/<span> and &nbsp;, often inside layout tables. Leaf tables (tables
with no table inside) are data; everything else is narrative."""
from __future__ import annotations

import dataclasses
import re

import lxml.etree

from extract.document import Document, Paragraph, Table, TCell

_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
          "ul", "ol", "dd", "dt", "blockquote", "pre", "header", "footer", "center", "hr"}
_SKIP = {"script", "style", "noscript", "template", "head", "select", "option", "button", "iframe"}
_META_NAMES = ("ArticleTitle", "PubDate", "ContentSource", "SiteName", "SiteDomain", "SiteIDCode",
               "ColumnName", "Keywords", "description")


def _lines(el: lxml.etree._Element, breaks: frozenset | set = _BLOCK) -> list[str]:
    """Text of an element split into visual lines (block elements and <br> break lines)."""
    out: list[str] = []
    buf: list[str] = []
    _gather(el, breaks, out, buf)
    if buf:
        _flush(out, buf)
    return out


def _gather(e: lxml.etree._Element, breaks: frozenset | set, out: list[str], buf: list[str]) -> None:
    """``e``'s text into ``buf``, the lines ended by blocks into ``out``. A module function with
    each property read once: lxml builds a new string at every ``.tag``, ``.text`` and ``.tail``."""
    tag = e.tag
    if not isinstance(tag, str):
        tag = ""
    elif tag in _SKIP:
        return
    block = tag in breaks
    if block and buf:
        _flush(out, buf)
    if tag:
        text = e.text
        if text:
            buf.append(text)
    for child in e:
        _gather(child, breaks, out, buf)
        tail = child.tail
        if tail:
            buf.append(tail)
    if block and buf:
        _flush(out, buf)


def _flush(out: list[str], buf: list[str]) -> None:
    """The line gathered in ``buf`` into ``out``. Callers test that ``buf`` holds something: most
    elements find it empty, and the call would cost more than the test."""
    line = " ".join("".join(buf).split())
    if line:
        out.append(line)
    buf.clear()


def _cell_text(td: lxml.etree._Element) -> str:
    """The cell's text with whitespace collapsed, a line break kept where it separates numbers:
    one cell on its own (a table whose marks cannot be trusted, see ``_table``)."""
    if not len(td):
        # only text inside: that text is the whole content, without a serialisation, and no
        # element inside can break it into two numbers
        return " ".join((td.text or "").split())
    # encoding=str is the cheaper spelling of "unicode"
    text = " ".join(lxml.etree.tostring(td, method="text", encoding=str, with_tail=False).split())
    if len(text) > 1 and _TWO_DIGITS.search(text):
        return _split_text(td, text)
    return text  # a label, or one digit: nothing a line break could split into two numbers


def _split_text(td: lxml.etree._Element, text: str) -> str:
    """The text of a cell, given ``text`` (its serialised text, whitespace collapsed) when that
    holds two digits: a line break kept where it separates numbers."""
    # a line break (<br>, one <p> per line) or a <sup> footnote mark separates what it splits:
    # "1<br>7" shows two numbers, not 17. One block wrapping the whole cell (<p><span>12</span></p>,
    # as CMS editors write every cell) splits nothing.
    breaks = _first_breaks(td)
    if not breaks or (len(breaks) == 1 and breaks[0].tag in _WRAPPERS and not (td.text or "").strip()
                      and not (breaks[0].tail or "").strip()):
        return text
    return " ".join(" ".join(_lines(td, _CELL_BREAK_SET)).split())


def _first_breaks(td: lxml.etree._Element) -> list[lxml.etree._Element]:
    """The first two elements inside ``td`` that break a line, in document order. A plain walk:
    ``td.iter(*tags)`` builds a tag matcher per call, which costs more than the walk of a cell."""
    found = []
    for e in td.iterdescendants():
        if e.tag in _CELL_BREAK_TAGS:
            found.append(e)
            if len(found) == 2:
                break
    return found


_TWO_DIGITS = re.compile(r"\d.*\d")
_CELL_BREAK_TAGS = frozenset(("br", "p", "div", "li", "sup", "sub"))
_WRAPPERS = frozenset(("p", "div", "li"))
_CELL_BREAK_SET = _BLOCK | _CELL_BREAK_TAGS
_SECTIONS = frozenset(("thead", "tbody", "tfoot"))
#: what ``_table`` writes where a cell or row starts and ends: not whitespace, valid in XML (lxml
#: refuses control characters), ASCII (the cheapest text lxml sets) and, should a page hold it
#: itself, found out by the count of the pieces it cuts
_MARK = "\x7f"
#: the mark as lxml is given it: bytes (ASCII) are stored as they are, where a str is encoded
#: to UTF-8 again at every cell
_MARK_BYTES = _MARK.encode("ascii")
#: two digits in one piece of a marked table text (``_TWO_DIGITS`` within a cell)
_TWO_DIGITS_IN_CELL = re.compile(r"\d[^\x7f]*\d")
#: the cells' locations ("table 2 row 5 col 3") per (table, row), column by column: the same
#: strings on every page, built once per process, where a string per cell built and freed again
#: cost 2 % of a report's reading. Bounded (1.4 MB at most): the first tables, rows and
#: columns only; the others are built per row, as before.
_LOCATIONS: dict[tuple[int, int], tuple[str, ...]] = {}
_LOCATION_TABLES, _LOCATION_ROWS, _LOCATION_COLUMNS = 16, 64, 16
#: a TCell built field by field: ``TCell(...)`` runs its dataclass ``__init__`` (a Python frame,
#: reached through type.__call__), which costs twice what the bare object and four slot stores
#: do, once per cell of the page. ``_table`` sets every field, so this holds it to the fields
#: it knows: a field added to TCell stops the import here instead of leaving cells without it.
_new_cell = TCell.__new__
if tuple(f.name for f in dataclasses.fields(TCell)) != ("text", "where", "col", "colspan"):
    raise ImportError("extract.readers.html builds TCell field by field: teach _table the new fields")


def _table(t: lxml.etree._Element, index: int) -> Table:
    """One leaf table, spans resolved to grid columns. The hot loop of a table-heavy page (about
    280 cells in a report), so no cell is serialised on its own: every row's text and every
    cell's tail become a mark (the leaf table is read once, nothing reads its whitespace between
    cells again), libxml2 serialises the whole table's text in one call, and its pieces between
    marks are the cells' texts, in document order."""
    rows: list[list[TCell]] = []
    # the marked text's pieces in order: what lies before the first row, then per row its cells
    # and what lies between it and the next row (None: not a cell)
    cells: list[TCell | None] = [None]
    elements: list[lxml.etree._Element | None] = [None]
    marked = True  # False when a row holds text outside its cells (an element that is no cell)
    # grid columns taken by rowspans from rows above: column -> (last row the span covers, first
    # column after it); a new cell jumps over a whole span at once, so a page of rowspans costs
    # time and memory in proportion to its cells (times the colspan cap), not to its grid
    busy: dict[int, tuple[int, int]] = {}
    for r, tr in enumerate(_rows(t)):
        tr.text = _MARK
        row: list[TCell] = []
        c = 0
        wheres = _LOCATIONS.get((index, r)) or _locations(index, r, len(tr))
        width = len(wheres)
        for td in tr:  # a plain walk with a tag test: iterchildren("td", "th") builds a matcher per row
            tag = td.tag
            if tag != "td" and tag != "th":
                marked = False
                continue
            while c in busy:
                until, after = busy[c]
                if until < r:
                    del busy[c]
                    break
                c = after
            cs = 1
            if td.attrib:  # most cells have no attribute at all: no span to look up
                rs, cs = _span(td.get("rowspan"), 200), _span(td.get("colspan"), 50)
                if rs > 1:
                    for dc in range(cs):
                        busy[c + dc] = (r + rs - 1, c + cs)
            td.tail = _MARK_BYTES
            cell = _new_cell(TCell)  # see _new_cell
            cell.text = ""  # its piece of the table's text, below
            cell.where = wheres[c] if c < width else f"table {index + 1} row {r + 1} col {c + 1}"
            cell.col = c
            cell.colspan = cs
            row.append(cell)
            cells.append(cell)
            elements.append(td)
            c += cs
        rows.append(row)
        cells.append(None)
        elements.append(None)
    # whitespace collapsed over the whole text at once, then off both sides of every mark: each
    # piece is its cell's text collapsed on its own
    text = " ".join(lxml.etree.tostring(t, method="text", encoding=str, with_tail=False).split())
    pieces = text.replace(" " + _MARK, _MARK).replace(_MARK + " ", _MARK).split(_MARK)
    if marked and len(pieces) == len(cells):
        # only a text with two digits can hold a line break between numbers: a few cells of a
        # table, found in one scan; k is the piece a match lies in (the marks before it)
        k, start = 0, 0
        for m in _TWO_DIGITS_IN_CELL.finditer(text):
            k += text.count(_MARK, start, m.start())
            start = m.start()
            if elements[k] is not None:
                pieces[k] = _split_text(elements[k], pieces[k])
        for cell, piece in zip(cells, pieces):
            if cell is not None:
                cell.text = piece
    else:  # text outside the cells, or a mark in the page itself: each cell on its own
        for cell, td in zip(cells, elements):
            if cell is not None:
                cell.text = _cell_text(td)
    return Table(rows, f"table {index + 1}", grid=True)


def _rows(t: lxml.etree._Element) -> list[lxml.etree._Element]:
    """The table's rows in document order: its <tr> and those of its thead, tbody and tfoot
    (XPath "./tr|./thead/tr|./tbody/tr|./tfoot/tr", whose every call sets up a context that
    costs more than this walk of a few dozen rows)."""
    rows = []
    for e in t:
        tag = e.tag
        if tag == "tr":
            rows.append(e)
        elif tag in _SECTIONS:
            rows.extend([tr for tr in e if tr.tag == "tr"])
    return rows


def _locations(index: int, r: int, cells: int) -> tuple[str, ...]:
    """The locations of the first columns of row ``r`` of table ``index``, kept in _LOCATIONS
    when it has room for them; ``cells``: the row's elements (its columns, without spans)."""
    at = f"table {index + 1} row {r + 1} col "
    if index < _LOCATION_TABLES and r < _LOCATION_ROWS:
        wheres = _LOCATIONS[index, r] = tuple([at + str(c + 1) for c in range(_LOCATION_COLUMNS)])
        return wheres
    return tuple([at + str(c + 1) for c in range(cells)])


def _span(value: str | None, cap: int) -> int:
    if not value or value == "1":
        return 1
    try:
        return min(max(1, int(value)), cap)
    except ValueError:
        return 1


_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True)
_UTF8_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
#: the XML declaration an XHTML page starts with (``<?xml version="1.0" encoding="UTF-8"?>``), up
#: to its first ``>``, as lxml reads it (lxml refuses one that lacks its closing ``?`` too)
_XML_DECLARATION = re.compile(r"<\?xml[^>]*>")


def read_html(text: str, utf8: bytes | None = None) -> Document:
    """The page's paragraphs and leaf tables. ``text`` is already decoded (extract.decode detects
    the encoding from the bytes), so nothing the page declares may decide it again. ``utf8``, when
    given, is ``text`` encoded in UTF-8 (the page's own bytes, when they were UTF-8): lxml parses
    those as they are instead of encoding ``text`` to UTF-8 again (3 % of a report's reading)."""
    doc = Document(format="html")
    if text.startswith("<?xml"):
        # lxml refuses a str starting with an XML declaration that names an encoding (XHTML as
        # some CMSs emit it): the text is decoded already, and the declaration, right or wrong
        # (GBK declared over UTF-8 bytes), has nothing left to say. Cut only here: a page that
        # does not start with it parses exactly as before (a declaration after whitespace is a
        # processing instruction lxml accepts and remove_pis drops).
        declaration = _XML_DECLARATION.match(text)
        if declaration:
            text = text[declaration.end():]
        utf8 = None  # the bytes hold the declaration: parsed from the text without it
    try:
        # plain lxml.etree elements: lxml.html's element classes cost a Python lookup per element
        # and nothing here uses their methods
        if utf8 is not None:
            # the same tree as from ``text``: the encoding is fixed, whatever the page declares
            root = lxml.etree.fromstring(utf8, _UTF8_PARSER)
        else:
            root = lxml.etree.fromstring(text, _PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        root, why = None, str(exc)
    else:
        why = "Document is empty"
    if root is None:
        doc.problems.append({"kind": "unreadable_document", "message": f"HTML could not be parsed: {why}",
                             "where": "document"})
        return doc
    # one walk of the tree finds the metas, the title and the tables (a walk per kind went over
    # the thousand elements of a report three times); holders: the elements holding a table
    # somewhere below, computed once (not one XPath per element). The ancestors of a table
    # outside the body (if any) are outside it too: ``_walk`` never meets them.
    title = None
    holders: set = set()
    for e in root.iter("meta", "title", "table"):
        tag = e.tag
        if tag == "table":
            holders.update(e.iterancestors())
        elif tag == "meta":
            name = e.get("name") or e.get("property")
            if name and e.get("content"):
                for wanted in _META_NAMES:
                    if name.lower() == wanted.lower():
                        doc.meta[wanted] = e.get("content").strip()
        elif title is None and e is not root:  # the first <title> below the root
            title = e
    if doc.meta.get("ArticleTitle"):
        doc.title_hints.append(doc.meta["ArticleTitle"])
    title_text = "".join(title.itertext()) if title is not None else ""
    if title_text.strip():
        doc.title_hints.append(" ".join(title_text.split()))
    body = root.find("body")
    if body is None:
        body = root
    _walk(body, doc, holders, [0, 0])
    return doc


def _walk(el: lxml.etree._Element, doc: Document, holders: set, counter: list[int]) -> None:
    """``el``'s paragraphs and leaf tables into ``doc``, in document order; ``counter`` numbers
    the tables and the lines. A module function, not a closure inside ``read_html``: a recursive
    closure refers to itself, and that cycle would keep the Document and the whole lxml tree
    alive until the cycle collector ran (367 objects per report, freed by a collection that took
    a tenth of the reading's time) instead of freeing them when the reading ends."""
    tag = el.tag
    if isinstance(tag, str) and tag in _SKIP:
        return
    if el not in holders:
        if tag == "table":
            doc.blocks.append(_table(el, counter[0]))
            counter[0] += 1
        else:
            for line in _lines(el):
                counter[1] += 1
                doc.blocks.append(Paragraph(line, f"html line {counter[1]}"))
        return
    text = el.text
    if text and not text.isspace():
        counter[1] += 1
        doc.blocks.append(Paragraph(" ".join(text.split()), f"html line {counter[1]}"))
    for child in el:
        _walk(child, doc, holders, counter)
        tail = child.tail
        if tail and not tail.isspace():
            counter[1] += 1
            doc.blocks.append(Paragraph(" ".join(tail.split()), f"html line {counter[1]}"))
