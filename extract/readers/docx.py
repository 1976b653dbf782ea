"""DOCX attachments (and OOXML archives sent without a telling name).

The package is checked for zip bombs and for XML parts declaring a DTD before anything parses
it; ``word/document.xml`` is then parsed with lxml with entity resolution and network access off.
The body is walked in order:

* ``w:p`` → a Paragraph (a ``w:br`` line break splits it into lines, as a title often is);
  automatic list numbering (``w:numPr``, also through the paragraph style) is rendered into the
  text, so a heading numbered by Word still reads ``一、总体情况``; deleted text of tracked changes
  and field instructions are skipped, text boxes become paragraphs of their own.
* ``w:tbl`` → a Table with ``grid=True``: ``w:gridBefore`` and ``w:gridSpan`` give each cell its grid
  column and colspan; a ``w:vMerge`` continuation cell is dropped (its text is once, in the
  restart cell), legacy ``w:hMerge`` continuations widen the first cell. A nested table's text
  stays inside its cell.
* ``w:sdt`` content controls and ``w:customXml`` wrappers are read through.

Names are matched by local name, so Transitional and Strict OOXML both read.
"""
from __future__ import annotations

import re

from extract.document import Document, Paragraph, Table, TCell
from extract.readers.registry import register_guarded




def _wrapped(el, name: str) -> list:
    """Children named ``name``, looking through content controls and custom XML wrappers."""
    out = []
    for c in el:
        n = _local(c)
        if n == name:
            out.append(c)
        elif n in ("sdt", "sdtContent", "customXml"):
            out.extend(_wrapped(c, name))
    return out


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _attr(el, name: str) -> str | None:
    for k, v in el.attrib.items():
        if k.rsplit("}", 1)[-1] == name:
            return v
    return None


def _child(el, name: str):
    for c in el:
        if _local(c) == name:
            return c
    return None


# ------------------------------------------------------------------------------ numbering
_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
            (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographDigital", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "chineseLegalSimplified"):
        return _cn_number(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Renders automatic list numbers (w:numPr) the way Word displays them."""

    def __init__(self, numbering_root, styles_root):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.num_to_abs: dict[str, str] = {}
        self.overrides: dict[tuple[str, int], int] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        if numbering_root is not None:
            for el in numbering_root:
                if _local(el) == "abstractNum":
                    aid = _attr(el, "abstractNumId") or ""
                    lv: dict[int, tuple[str, str, int]] = {}
                    for lvl in el:
                        if _local(lvl) != "lvl":
                            continue
                        ilvl = int(_attr(lvl, "ilvl") or 0)
                        fmt_el, text_el, start_el = _child(lvl, "numFmt"), _child(lvl, "lvlText"), _child(lvl, "start")
                        lv[ilvl] = (_attr(fmt_el, "val") if fmt_el is not None else "decimal") or "decimal", \
                            (_attr(text_el, "val") if text_el is not None else "") or "", \
                            int((_attr(start_el, "val") if start_el is not None else None) or 1)
                    self.levels[aid] = lv
                elif _local(el) == "num":
                    nid = _attr(el, "numId") or ""
                    a = _child(el, "abstractNumId")
                    if a is not None:
                        self.num_to_abs[nid] = _attr(a, "val") or ""
                    for ov in el:
                        if _local(ov) == "lvlOverride":
                            so = _child(ov, "startOverride")
                            if so is not None:
                                self.overrides[(nid, int(_attr(ov, "ilvl") or 0))] = int(_attr(so, "val") or 1)
        if styles_root is not None:
            for st in styles_root:
                if _local(st) != "style":
                    continue
                ppr = _child(st, "pPr")
                numpr = _child(ppr, "numPr") if ppr is not None else None
                if numpr is not None:
                    nid_el, ilvl_el = _child(numpr, "numId"), _child(numpr, "ilvl")
                    if nid_el is not None:
                        self.style_num[_attr(st, "styleId") or ""] = (
                            _attr(nid_el, "val") or "", int((_attr(ilvl_el, "val") if ilvl_el is not None else 0) or 0))

    def prefix(self, p) -> str:
        ppr = _child(p, "pPr")
        if ppr is None:
            return ""
        numpr = _child(ppr, "numPr")
        nid, ilvl = None, 0
        if numpr is not None:
            nid_el, ilvl_el = _child(numpr, "numId"), _child(numpr, "ilvl")
            nid = _attr(nid_el, "val") if nid_el is not None else None
            ilvl = int((_attr(ilvl_el, "val") if ilvl_el is not None else 0) or 0)
        else:
            ps = _child(ppr, "pStyle")
            sid = _attr(ps, "val") if ps is not None else None
            if sid and sid in self.style_num:
                nid, ilvl = self.style_num[sid]
        if not nid or nid == "0":
            return ""
        aid = self.num_to_abs.get(nid)
        levels = self.levels.get(aid or "")
        if not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(nid, [0] * 9)
        ilvl = min(ilvl, 8)
        for k in range(ilvl + 1, 9):
            counts[k] = 0
        if counts[ilvl] == 0:
            counts[ilvl] = self.overrides.get((nid, ilvl), levels[ilvl][2])
        else:
            counts[ilvl] += 1
        fmt, text, _ = levels[ilvl]

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            n = counts[k] or levels[k][2]
            return _format_number(n, levels[k][0] if k != ilvl else fmt)

        return re.sub(r"%(\d)", sub, text)


# ------------------------------------------------------------------------------ text
_SKIP = {"del", "delText", "instrText", "rPr", "pPr", "fldData", "commentReference", "footnoteReference",
         "endnoteReference", "Fallback", "tblPr", "tcPr", "trPr", "sectPr", "bookmarkStart", "bookmarkEnd",
         "proofErr", "moveFrom"}


def _paragraph_lines(p, boxes: list) -> list[str]:
    """Text of a w:p as lines (split at line breaks); text boxes go to ``boxes``."""
    lines: list[str] = [""]

    def rec(el) -> None:
        name = _local(el)
        if name in _SKIP:
            return
        if name == "txbxContent":
            boxes.append(el)
            return
        if name in ("t",):
            lines[-1] += el.text or ""
        elif name == "tab" or name == "ptab":
            lines[-1] += " "
        elif name in ("br", "cr"):
            if (_attr(el, "type") or "textWrapping") == "textWrapping":
                lines.append("")
        elif name == "noBreakHyphen":
            lines[-1] += "-"
        elif name == "sym":
            ch = _attr(el, "char")
            try:
                lines[-1] += chr(int(ch, 16)) if ch else ""
            except ValueError:
                pass
        for c in el:
            rec(c)

    for c in p:
        rec(c)
    return [" ".join(ln.replace("\u3000", " ").split()) for ln in lines]


class _Walker:
    def __init__(self, numbering: _Numbering):
        self.doc = Document(format="docx")
        self.num = numbering
        self.np = 0
        self.nt = 0

    def para(self, p) -> None:
        boxes: list = []
        lines = _paragraph_lines(p, boxes)
        prefix = self.num.prefix(p)
        self.np += 1
        if prefix and lines:
            lines[0] = prefix + lines[0]
        for k, ln in enumerate(lines):
            if ln:
                where = f"paragraph {self.np}" + (f" line {k + 1}" if len(lines) > 1 else "")
                self.doc.blocks.append(Paragraph(ln, where))
        for box in boxes:
            self.body(box)

    def cell_text(self, tc) -> str:
        parts: list[str] = []

        def rec(el) -> None:
            for c in el:
                n = _local(c)
                if n == "p":
                    boxes: list = []
                    prefix = self.num.prefix(c)
                    t = " ".join(x for x in _paragraph_lines(c, boxes) if x)
                    if prefix and t:
                        t = prefix + t
                    if t:
                        parts.append(t)
                    for b in boxes:
                        rec(b)
                elif n in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "txbxContent"):
                    rec(c)
        rec(tc)
        return " ".join(parts)

    def table(self, tbl) -> None:
        self.nt += 1
        ti = self.nt
        rows: list[list[TCell]] = []
        for r, tr in enumerate(_wrapped(tbl, "tr")):
            row: list[TCell] = []
            col = 0
            trpr = _child(tr, "trPr")
            if trpr is not None:
                gb = _child(trpr, "gridBefore")
                if gb is not None:
                    try:
                        col = max(0, int(_attr(gb, "val") or 0))
                    except ValueError:
                        col = 0
            for tc in _wrapped(tr, "tc"):
                tcpr = _child(tc, "tcPr")
                span, vcont, hcont = 1, False, False
                if tcpr is not None:
                    gs = _child(tcpr, "gridSpan")
                    if gs is not None:
                        try:
                            span = max(1, min(64, int(_attr(gs, "val") or 1)))
                        except ValueError:
                            span = 1
                    vm = _child(tcpr, "vMerge")
                    if vm is not None and (_attr(vm, "val") or "continue") == "continue":
                        vcont = True
                    hm = _child(tcpr, "hMerge")
                    if hm is not None and (_attr(hm, "val") or "continue") == "continue":
                        hcont = True
                if hcont and row:
                    row[-1].colspan += span
                elif not vcont:
                    row.append(TCell(self.cell_text(tc), f"table {ti} row {r + 1} col {col + 1}", col=col,
                                     colspan=span))
                col += span
            rows.append(row)
        self.doc.blocks.append(Table(rows, f"table {ti}", grid=True))

    def body(self, el) -> None:
        for c in el:
            n = _local(c)
            if n == "p":
                self.para(c)
            elif n == "tbl":
                self.table(c)
            elif n in ("sdt", "sdtContent", "customXml", "smartTag", "ins", "moveTo"):
                self.body(c)
            elif n == "altChunk":
                self.doc.problems.append({"kind": "unreadable_document", "message": "an embedded foreign "
                                          "document (w:altChunk) is not read", "where": f"after paragraph {self.np}"})


def _parse(zf, name: str, what: str):
    import lxml.etree

    from extract.errors import ExtractError
    from extract.limits import read_member, safe_xml_parser

    try:
        return lxml.etree.fromstring(read_member(zf, name, what), parser=safe_xml_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise ExtractError("corrupt", f"the {what} part {name} is not well-formed XML: {exc}"[:300]) from exc


def _main_part(zf, names: set[str]) -> str | None:
    if "word/document.xml" in names:
        return "word/document.xml"
    if "[Content_Types].xml" in names:
        ct = _parse(zf, "[Content_Types].xml", "DOCX")
        for o in ct:
            if "wordprocessingml.document.main" in (_attr(o, "ContentType") or ""):
                return (_attr(o, "PartName") or "").lstrip("/")
    return None


def read_docx_unguarded(data: bytes) -> Document:
    from extract.errors import ExtractError
    from extract.limits import check_xml_parts, check_zip

    zf = check_zip(data, "DOCX")
    names = set(zf.namelist())
    main = _main_part(zf, names)
    if not main or main not in names:
        if "xl/workbook.xml" in names:
            from extract.readers.xlsx import read_xlsx_unguarded

            return read_xlsx_unguarded(data)
        raise ExtractError("corrupt", "the DOCX has no main document part (word/document.xml)")
    check_xml_parts(zf, "DOCX")
    root = _parse(zf, main, "DOCX")
    base = main.rsplit("/", 1)[0]
    numbering = _parse(zf, f"{base}/numbering.xml", "DOCX") if f"{base}/numbering.xml" in names else None
    styles = _parse(zf, f"{base}/styles.xml", "DOCX") if f"{base}/styles.xml" in names else None
    walker = _Walker(_Numbering(numbering, styles))
    body = _child(root, "body")
    if body is None:
        raise ExtractError("corrupt", "the DOCX main part has no w:body")
    walker.body(body)
    doc = walker.doc
    if "docProps/core.xml" in names:
        core = _parse(zf, "docProps/core.xml", "DOCX")
        for el in core:
            if _local(el) in ("title", "creator", "created", "modified") and (el.text or "").strip():
                doc.meta[f"docx_{_local(el)}"] = el.text.strip()[:200]
    return doc


def read_zip_unguarded(data: bytes) -> Document:
    """A zip archive sent without a telling name: a DOCX or XLSX by its members, else refused."""
    from extract.errors import ExtractError
    from extract.limits import check_zip

    zf = check_zip(data, "archive")
    names = set(zf.namelist())
    if "xl/workbook.xml" in names:
        from extract.readers.xlsx import read_xlsx_unguarded

        return read_xlsx_unguarded(data)
    if "word/document.xml" in names or any(n.endswith("document.xml") for n in names):
        return read_docx_unguarded(data)
    sample = ", ".join(sorted(names)[:5])
    raise ExtractError("unsupported_format", f"a zip archive that is not a DOCX or XLSX (members: {sample})")


register_guarded('docx', 'zip')
