"""OLE compound files: Word 97–2003 ``.doc``, Kingsoft ``.wps`` and Excel ``.xls``, told apart by
their streams (``WordDocument`` / ``Workbook`` / ``Book``), not by the file name.

The Word binary format ([MS-DOC]) is read here with olefile only (BSD, pure Python) — no
antiword, catdoc or LibreOffice needed:

* the FIB gives the table stream (``0Table``/``1Table``), the text length and the CLX;
* the piece table (CLX → PlcPcd) maps character positions to the text, stored either as
  UTF-16LE or as "compressed" 8-bit cp1252 pieces;
* the paragraph properties (PlcBtePapx → PAPX FKP pages) tell which paragraphs are inside a
  table (``sprmPFInTable``), which mark the end of a table row (``sprmPFTtp``) and how deep a
  table is nested (``sprmPItap``); the row-end paragraph carries the row's table definition
  (``sprmTDefTable``): the cell boundaries ``rgdxaCenter`` and each cell's merge flags.
  Cell boundaries of all rows give the table's grid, so every cell gets its grid column and
  colspan (``grid=True``); a cell continuing a vertical merge is dropped (its text is in the
  first cell), a horizontally merged cell widens the first one;
* field codes are skipped (the field result is kept), special characters (cell marks, line
  breaks, object anchors) removed.

What it cannot do: Word 6/95 files (nFib < 101) and encrypted or obfuscated documents give
``ExtractError``; text in text boxes, headers, footnotes and comments is not read; nested
tables are flattened into the cell that holds them; the few properties applied through the
piece table (``Prm``, fast-saved files) are ignored. Kingsoft WPS files read when they are
Word-binary compatible (a ``WordDocument`` stream), which is what WPS Office writes; the older
proprietary WPS 2000 format is refused with its reason.
"""
from __future__ import annotations

import io
import struct

from extract.document import Document, Paragraph, Table, TCell
from extract.readers.registry import register_guarded




def read_doc_unguarded(data: bytes) -> Document:
    return _read_ole(data, "doc")


def read_wps_unguarded(data: bytes) -> Document:
    return _read_ole(data, "wps")


def _err(kind: str, message: str) -> Exception:
    from extract.errors import ExtractError

    return ExtractError(kind, message)


def _read_ole(data: bytes, fmt: str) -> Document:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - olefile raises OSError and others on damage
        raise _err("corrupt", f"the {fmt.upper()} is not a readable OLE compound file: {exc}"[:300]) from exc
    streams = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
    if "Workbook" in streams or "Book" in streams:
        from extract.readers.xlsx import read_xls_unguarded

        return read_xls_unguarded(data)
    if "WordDocument" not in streams:
        if "EncryptedPackage" in streams:
            raise _err("encrypted", f"the {fmt.upper()} is an encrypted Office document")
        raise _err("unsupported_format", f"the {fmt.upper()} has no WordDocument stream (streams: "
                                         f"{', '.join(sorted(streams)[:8])}); its format cannot be read")
    doc = WordBinary(ole, fmt).read()
    doc.format = fmt
    return doc


# ------------------------------------------------------------------------------ Word binary
_SPRM_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}
sprmPFInTable, sprmPFTtp, sprmPItap, sprmPFInnerTtp, sprmPFInnerTableCell = 0x2416, 0x2417, 0x6649, 0x244C, 0x244B
sprmPHugePapx = 0x6646
sprmTDefTable, sprmTVertMerge, sprmTMerge, sprmTSplit = 0xD608, 0xD62B, 0x5624, 0x5625
_CP1252_SPECIAL = {0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡", 0x88: "ˆ", 0x89: "‰",
                   0x8A: "Š", 0x8B: "‹", 0x8C: "Œ", 0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•",
                   0x96: "–", 0x97: "—", 0x98: "˜", 0x99: "™", 0x9A: "š", 0x9B: "›", 0x9C: "œ", 0x9F: "Ÿ"}


def _sprms(grpprl: bytes):
    """(sprm, operand bytes) pairs of a grpprl."""
    i = 0
    n = len(grpprl)
    while i + 2 <= n:
        sprm = struct.unpack_from("<H", grpprl, i)[0]
        i += 2
        spra = sprm >> 13
        if spra == 6:
            if sprm == sprmTDefTable or sprm == 0xD606:  # 2-byte length
                if i + 2 > n:
                    return
                cb = struct.unpack_from("<H", grpprl, i)[0]
                op = grpprl[i + 2:i + 1 + cb]
                i += 1 + cb
            else:  # a 1-byte length (sprmPChgTabs 0xC615 included: skipped safely)
                if i >= n:
                    return
                cb = grpprl[i]
                op = grpprl[i + 1:i + 1 + cb]
                i += 1 + cb
        else:
            size = _SPRM_SIZE[spra]
            op = grpprl[i:i + size]
            i += size
        yield sprm, op


class _Para:
    __slots__ = ("text", "end", "in_table", "ttp", "itap", "tap")

    def __init__(self, text: str, end: str):
        self.text, self.end = text, end
        self.in_table = False
        self.ttp = False
        self.itap = 0
        self.tap: tuple[list[int], list[int]] | None = None  # (rgdxaCenter, merge flags per cell)


class WordBinary:
    def __init__(self, ole, fmt: str):
        self.ole = ole
        self.fmt = fmt.upper()
        self.problems: list[dict] = []
        self._data: bytes | None = None

    def stream(self, name: str) -> bytes:
        from extract.limits import MAX_DOCUMENT_BYTES

        if self.ole.get_size(name) > MAX_DOCUMENT_BYTES:
            raise _err("too_large", f"the {self.fmt} stream {name} is larger than {MAX_DOCUMENT_BYTES} bytes")
        return self.ole.openstream(name).read()

    # -------------------------------------------------------------- FIB and text
    def read(self) -> Document:
        wd = self.stream("WordDocument")
        if len(wd) < 0x200:
            raise _err("corrupt", f"the {self.fmt} WordDocument stream is truncated ({len(wd)} bytes)")
        ident, nfib = struct.unpack_from("<HH", wd, 0)
        if ident != 0xA5EC:
            raise _err("corrupt", f"the {self.fmt} WordDocument stream has no Word signature (0x{ident:04X})")
        if nfib < 101:
            raise _err("unsupported_format", f"the {self.fmt} is a Word 6/95 document (nFib {nfib}), which is not read")
        flags = struct.unpack_from("<H", wd, 0x0A)[0]
        if flags & 0x0100:
            raise _err("encrypted", f"the {self.fmt} is encrypted (password protected)")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not self.ole.exists(table_name):
            raise _err("corrupt", f"the {self.fmt} lacks its table stream {table_name}")
        tbl = self.stream(table_name)
        pos = 32
        csw = struct.unpack_from("<H", wd, pos)[0]
        pos += 2 + 2 * csw
        cslw = struct.unpack_from("<H", wd, pos)[0]
        lw = pos + 2
        ccp_text = struct.unpack_from("<i", wd, lw + 3 * 4)[0]
        pos = lw + 4 * cslw
        cb_fclcb = struct.unpack_from("<H", wd, pos)[0]
        fclcb = pos + 2

        def fc_lcb(index: int) -> tuple[int, int]:
            if index >= cb_fclcb:
                return 0, 0
            return struct.unpack_from("<II", wd, fclcb + 8 * index)

        fc_clx, lcb_clx = fc_lcb(33)
        fc_bte, lcb_bte = fc_lcb(13)
        if lcb_clx == 0 or fc_clx + lcb_clx > len(tbl):
            raise _err("corrupt", f"the {self.fmt} has no readable piece table")
        pieces = self._pieces(tbl[fc_clx:fc_clx + lcb_clx])
        self.wd = wd
        text, cp_fc = self._text(wd, pieces, max(0, ccp_text))
        papx = self._papx_index(wd, tbl, fc_bte, lcb_bte)
        paras = self._paragraphs(text, cp_fc, papx)
        doc = self._document(paras)
        doc.problems.extend(self.problems)
        return doc

    def _pieces(self, clx: bytes) -> list[tuple[int, int, int, bool]]:
        i = 0
        while i < len(clx) and clx[i] == 0x01:  # Prc: skip property modifiers
            cb = struct.unpack_from("<H", clx, i + 1)[0]
            i += 3 + cb
        if i >= len(clx) or clx[i] != 0x02:
            raise _err("corrupt", f"the {self.fmt} piece table is damaged")
        lcb = struct.unpack_from("<I", clx, i + 1)[0]
        plc = clx[i + 5:i + 5 + lcb]
        n = (len(plc) - 4) // 12
        if n <= 0:
            raise _err("corrupt", f"the {self.fmt} piece table is empty")
        cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
        out = []
        for k in range(n):
            pcd = plc[4 * (n + 1) + 8 * k: 4 * (n + 1) + 8 * k + 8]
            fc_raw = struct.unpack_from("<I", pcd, 2)[0]
            compressed = bool(fc_raw & 0x40000000)
            fc = fc_raw & 0x3FFFFFFF
            if compressed:
                fc //= 2
            out.append((cps[k], cps[k + 1], fc, compressed))
        return out

    def _text(self, wd: bytes, pieces, ccp: int) -> tuple[str, list[tuple[int, int, int, bool]]]:
        parts: list[str] = []
        for cp0, cp1, fc, comp in pieces:
            if cp0 >= ccp:
                break
            cp1 = min(cp1, ccp)
            n = cp1 - cp0
            if n <= 0:
                continue
            if comp:
                raw = wd[fc:fc + n]
                parts.append("".join(_CP1252_SPECIAL.get(b, chr(b)) for b in raw))
            else:
                parts.append(wd[fc:fc + 2 * n].decode("utf-16-le", "replace"))
        return "".join(parts), pieces

    @staticmethod
    def _fc_of(cp: int, pieces) -> int | None:
        for cp0, cp1, fc, comp in pieces:
            if cp0 <= cp < cp1:
                return fc + (cp - cp0) * (1 if comp else 2)
        return None

    # -------------------------------------------------------------- paragraph properties
    def _papx_index(self, wd: bytes, tbl: bytes, fc: int, lcb: int) -> list[tuple[int, int, bytes]]:
        """(fc start, fc end, grpprl) of every paragraph run, from the PAPX FKP pages."""
        out: list[tuple[int, int, bytes]] = []
        if lcb < 8 or fc + lcb > len(tbl):
            self.problems.append({"kind": "unreadable_document", "message": f"the {self.fmt} has no paragraph "
                                  "properties; tables are read as text", "where": "document"})
            return out
        n = (lcb - 4) // 8
        plc = tbl[fc:fc + lcb]
        for k in range(n):
            pn = struct.unpack_from("<I", plc, 4 * (n + 1) + 4 * k)[0] & 0x3FFFFF
            page = wd[pn * 512:pn * 512 + 512]
            if len(page) < 512:
                continue
            crun = page[511]
            if crun == 0 or 4 * (crun + 1) + 13 * crun > 511:
                continue
            rgfc = struct.unpack_from(f"<{crun + 1}I", page, 0)
            for i in range(crun):
                boff = page[4 * (crun + 1) + 13 * i] * 2
                grpprl = b""
                if boff:
                    cb = page[boff]
                    if cb:
                        body = page[boff + 1:boff + 1 + 2 * cb - 1]
                    else:
                        cb2 = page[boff + 1] if boff + 1 < 512 else 0
                        body = page[boff + 2:boff + 2 + 2 * cb2]
                    grpprl = body[2:]  # after istd
                out.append((rgfc[i], rgfc[i + 1], grpprl))
        out.sort(key=lambda t: t[0])
        return out

    def _paragraphs(self, text: str, pieces, papx) -> list[_Para]:
        import bisect

        starts = [p[0] for p in papx]
        paras: list[_Para] = []
        buf: list[str] = []
        field_depth: list[bool] = []  # per open field: True while in its code part
        for cp, ch in enumerate(text):
            o = ord(ch)
            if ch == "\x13":
                field_depth.append(True)
                continue
            if ch == "\x14":
                if field_depth:
                    field_depth[-1] = False
                continue
            if ch == "\x15":
                if field_depth:
                    field_depth.pop()
                continue
            if field_depth and field_depth[-1] and ch not in "\r\x07":
                continue
            if ch in "\r\x07":
                para = _Para("".join(buf), ch)
                buf = []
                fc = self._fc_of(cp, pieces)
                if fc is not None and papx:
                    i = bisect.bisect_right(starts, fc) - 1
                    if i >= 0 and papx[i][0] <= fc < papx[i][1]:
                        self._apply(para, papx[i][2])
                paras.append(para)
                continue
            if ch in "\x0b\x0c\x0e":
                buf.append("\n")
            elif ch == "\x1e":
                buf.append("-")
            elif ch == "\t" or ch == "\u3000" or ch == "\xa0":
                buf.append(" ")
            elif o < 0x20 or ch in "\x1f":
                continue  # object anchors, footnote marks, optional hyphens
            else:
                buf.append(ch)
        if buf:
            paras.append(_Para("".join(buf), "\r"))
        return paras

    def data_stream(self) -> bytes:
        if self._data is None:
            self._data = self.stream("Data") if self.ole.exists("Data") else b""
        return self._data

    def _apply(self, para: _Para, grpprl: bytes, depth: int = 0) -> None:
        try:
            for sprm, op in _sprms(grpprl):
                if sprm == sprmPHugePapx and len(op) >= 4 and depth == 0:
                    # the properties were too large for the FKP page: they are in the Data stream
                    off = struct.unpack_from("<I", op, 0)[0]
                    data = self.data_stream()
                    if off + 2 <= len(data):
                        cb = struct.unpack_from("<H", data, off)[0]
                        self._apply(para, data[off + 2:off + 2 + cb], depth=1)
                elif sprm == sprmPFInTable and op:
                    para.in_table = bool(op[0])
                elif sprm == sprmPFTtp and op:
                    para.ttp = bool(op[0])
                elif sprm == sprmPItap and len(op) >= 4:
                    para.itap = struct.unpack_from("<i", op, 0)[0]
                elif sprm == sprmPFInnerTtp and op and op[0]:
                    para.ttp = True
                    para.itap = max(para.itap, 2)
                elif sprm == sprmTDefTable and len(op) >= 1:
                    itc = op[0]
                    centers = list(struct.unpack_from(f"<{itc + 1}h", op, 1)) if len(op) >= 1 + 2 * (itc + 1) else []
                    flags = []
                    base = 1 + 2 * (itc + 1)
                    for c in range(itc):
                        if base + 20 * c + 2 <= len(op):  # TC80: tcgrf, wWidth, four 4-byte borders
                            flags.append(struct.unpack_from("<H", op, base + 20 * c)[0])
                        else:
                            flags.append(0)
                    para.tap = (centers, flags)
                elif sprm == sprmTVertMerge and len(op) >= 2 and para.tap:
                    itc, vm = op[0], op[1]
                    if itc < len(para.tap[1]):
                        para.tap[1][itc] = (para.tap[1][itc] & ~0x60) | ((vm & 3) << 5)
        except (struct.error, KeyError, IndexError):
            pass
        if para.itap and para.itap > 0:
            para.in_table = True

    # -------------------------------------------------------------- blocks
    def _document(self, paras: list[_Para]) -> Document:
        doc = Document()
        have_props = any(p.in_table or p.ttp for p in paras)
        rows: list[tuple[list[str], tuple[list[int], list[int]] | None]] = []
        cell: list[str] = []
        cells: list[str] = []
        np = 0
        nt = 0

        def flush_table() -> None:
            nonlocal nt
            if rows:
                nt += 1
                doc.blocks.append(self._table(rows, nt))
                rows.clear()

        for p in paras:
            np += 1
            if have_props and (p.in_table or p.ttp):
                if p.itap > 1 and not p.ttp:
                    cell.append(p.text)  # nested table content stays in its cell
                    continue
                if p.ttp and p.itap <= 1:
                    rows.append((list(cells), p.tap))
                    cells.clear()
                    cell.clear()
                    continue
                if p.ttp:  # the end of a nested row: keep its text in the outer cell
                    continue
                cell.append(p.text)
                if p.end == "\x07":
                    cells.append(" ".join(t.strip() for t in " ".join(cell).split("\n") if t.strip()))
                    cell.clear()
                continue
            if not have_props and p.end == "\x07":
                cells.append(p.text.strip())
                continue
            if cells or cell:  # cells of a row whose end mark was not found
                rows.append((list(cells) + ([" ".join(cell)] if cell else []), None))
                cells.clear()
                cell.clear()
            flush_table()
            for k, line in enumerate(p.text.split("\n")):
                line = " ".join(line.split())
                if line:
                    doc.blocks.append(Paragraph(line, f"paragraph {np}" + (f" line {k + 1}" if "\n" in p.text else "")))
        if cells:
            rows.append((list(cells), None))
        flush_table()
        return doc

    def _table(self, rows, ti: int) -> Table:
        bounds = sorted({x for _, tap in rows if tap for x in tap[0]})
        grid = bool(bounds) and all(tap and len(tap[0]) == len(cs) + 1 for cs, tap in rows)
        merged_bounds: list[int] = []
        for x in bounds:  # boundaries closer than 30 twips (0.5 mm) are one grid line
            if merged_bounds and x - merged_bounds[-1] < 30:
                continue
            merged_bounds.append(x)

        def col_of(x: int) -> int:
            best = min(range(len(merged_bounds)), key=lambda i: abs(merged_bounds[i] - x))
            return best

        out: list[list[TCell]] = []
        for r, (cs, tap) in enumerate(rows):
            row: list[TCell] = []
            if grid and tap:
                centers, flags = tap
                for k, text in enumerate(cs):
                    f = flags[k] if k < len(flags) else 0
                    horz, vert = f & 0x3, (f >> 5) & 0x3
                    c0, c1 = col_of(centers[k]), col_of(centers[k + 1])
                    span = max(1, c1 - c0)
                    if horz in (2, 3) and row:
                        row[-1].colspan = max(row[-1].colspan, c1 - row[-1].col)
                        continue
                    if vert == 1:  # continues the vertical merge above: the text is there
                        continue
                    row.append(TCell(text, f"table {ti} row {r + 1} col {c0 + 1}", col=c0, colspan=span))
            else:
                row = [TCell(t, f"table {ti} row {r + 1} cell {k + 1}") for k, t in enumerate(cs)]
            out.append(row)
        if not grid:
            self.problems.append({"kind": "table_layout", "message": f"table {ti}: the cell layout could not "
                                  "be read; cells are placed by their order in the row", "where": f"table {ti}"})
        return Table(out, f"table {ti}", grid=grid)


register_guarded('doc', 'wps')
