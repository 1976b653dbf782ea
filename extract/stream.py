"""The layout-free table reader: a document's text as one ordered stream of label tokens and
number tokens, aligned to the template's grammar.

Whatever separates the cells — tabs, pipes, newlines, blank lines, spaces or nothing at all — the
text becomes label runs (the label text between two numbers, white space and pipes removed, so a
label split over lines or paragraphs reads whole) and value runs (the numbers between two labels).
The grammar's phrases found in a label run say which table, header, group and row it is; the row
label that ends a run anchors the value run after it, and the values fill the row's cells in the
template's order when their count fits. Digits run together are cut only where one cut is
possible (``extract.digits``). A placement that is not unique is not made: the cell is reported
unread with the reason, never guessed.

The reader is pure and linear: one regex pass over the text, one scan per label run, and a bound
on the tokens and on the candidate cuts of a row.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise

from extract import template as T
from extract.digits import TEXT, UNREAD, NumToken, Placement, place, plain_count
from extract.document import Document, Paragraph, Table
from extract.grammar import MAP, NUMBERING, Event, leftover, remap, scan
from extract.labels import norm, similarity, strip_numbering
from extract.model import CellValue
from extract.values import parse_value

#: Texts beyond this are not read by the stream reader (reports are well under 1 MB of text).
MAX_CHARS = 1_000_000
MAX_TOKENS = 100_000
#: A number written with more digits than this is no count or amount of a report (and Python
#: refuses to convert one of over 4,300 digits): its cell is read as a value that is not a number.
MAX_NUMBER_DIGITS = 200
#: A row label may be preceded or followed by this many characters that are not the grammar's
#: (numbering and bracketed remarks aside) and still be a row label, not a sentence of narrative.
MAX_NOISE = 4

#: One token with the separators before it: (separators, number, label). Every character that is
#: not a separator starts a number or a label, so the matches tile the text; the last match is the
#: separators that end it (the ``\Z`` branch). The separators are possessive (``*+``): a run of
#: them is taken whole once, never retried (the match at the end costs its length, not its square).
_TOKEN = re.compile(
    r"([\s|]*+)"
    r"(?:([+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|[+-]?[0-9]+(?:\.[0-9]+)?)"
    r"|([^\s|0-9+-]+|[+-])"
    r"|\Z)"
)
_NULLS = T.BLANK_MARKERS
_UNITS = (T.MONEY_UNIT, T.OTHER_MONEY_UNIT) + T.COUNT_UNITS
_UNIT_RE = re.compile("|".join(re.escape(u) for u in _UNITS))
_YUAN = T.OTHER_MONEY_UNIT


@dataclass(slots=True)
class Cell:
    """The stream's reading of one canonical cell."""

    value: object  # int | Decimal | None (blank) | UNREAD
    raw: str
    where: str  # "" while only ``offset`` is known (the location is formatted when the cell is used)
    reason: str = ""
    veto: bool = False  # the cell is damaged or cut: no reader's value for it may stand
    how: str = ""
    offset: int = -1
    note: str = ""


@dataclass
class StreamResult:
    #: a cell read as written, with nothing more to say of it (a count in its cell, read exactly)
    #: is the report's CellValue already; any other reading is a Cell
    cells: dict[tuple[str, str, str], Cell | CellValue] = field(default_factory=dict)
    where_of: object = None  # offset -> location text
    problems: list[tuple[str, str, str, str | None, str | None, str | None]] = field(default_factory=list)
    template_votes: dict[str, list[str]] = field(default_factory=dict)
    skipped: str = ""


# ---------------------------------------------------------------------------------- the text
#: a plain cell's NumToken built field by field: ``NumToken(...)`` runs its dataclass ``__init__``
#: (a Python frame, reached through type.__call__), half as dear again as the bare object and its
#: slot stores (3,760 against 2,480 instructions a token, callgrind), once per value cell of a
#: report. ``flatten`` sets every field, so this holds it to the fields it knows: a field added to
#: NumToken stops the import here instead of leaving tokens without it.
_new_token = NumToken.__new__
if tuple(f.name for f in fields(NumToken)) != ("digits", "sign", "frac", "unit", "atomic", "start", "end", "kind",
                                               "raw", "damaged", "where", "glued_after", "signed"):
    raise ImportError("extract.stream.flatten builds NumToken field by field: teach it the new fields")


def _plain_token(digits: str, start: int, end: int, kind: str, where: int) -> NumToken:
    """A plain value cell's token (a count, or ``null`` for an empty cell): one cell, as written."""
    tok = _new_token(NumToken)
    tok.digits = tok.raw = digits
    tok.sign = tok.frac = tok.unit = ""
    tok.atomic = True
    tok.start = start
    tok.end = end
    tok.kind = kind
    tok.damaged = tok.glued_after = tok.signed = False
    tok.where = where
    return tok


def flatten(doc: Document, grids: list | None = None, plain: list | None = None,
            mixed: list | None = None) -> tuple[str, list[int], list[str], list[int]]:
    """The document's text in reading order: paragraphs as lines, a table's cells between pipes.
    Returns the text, the start offset of every piece, its location, and its cell id: 0 a
    paragraph, -n - 1 a table cell among a row's labels, n + 1 one after them (n: the piece's
    index; the id a value token carries as ``NumToken.where``).
    ``grids``, when given, receives per piece where a cell stands in its table (table, row
    number, grid column, columns spanned; the grid column is None unless the layout defines a
    grid: HTML, DOCX, markdown, ruled PDF), and None for a paragraph. ``plain``, when given,
    receives the value cells whose one token is known without the tokenizer — a cell of ASCII
    digits only is one number, an empty one the blank cell — as their tokens, in lists of cells
    that follow one another in a row: ``tokenize`` takes them as made. ``mixed``, when given,
    receives the id of every value cell that is neither (约5, 3个, 1.5, -; any value cell with
    text when ``plain`` is not given): only in such a cell can the tokenizer find a label among
    a row's values.

    A table is handled a row at a time, not cell by cell (this runs over every cell of a
    report): its texts, locations and grid places are each taken by one comprehension over the
    table, a row's text is one join, and a row whose values are all plain counts (nearly every
    row) has its tokens made in one loop without a test per cell, field by field."""
    parts: list[str] = []
    starts: list[int] = []
    wheres: list[str] = []
    ids: list[int] = []
    pos = 0
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            if grids is not None:
                grids.append(None)
            starts.append(pos)
            wheres.append(block.where)
            ids.append(0)
            parts.append(block.text + "\n")
            pos += len(block.text) + 1
        elif isinstance(block, Table):
            rows = block.rows
            # the table's cell texts in one pass (a row's are a slice of them); the locations and
            # grid places of the rows flattened are taken in one pass each after them
            every = [cell.text for row in rows for cell in row]
            strip = block.strip_trailing_blanks
            sizes: list[int] = []  # (strip) each row's cells without its padding
            nrows = 0  # the rows flattened
            at = 0  # the row's first text in ``every``
            for row in rows:
                n = len(row)
                texts = every[at:at + n]
                at += n
                nrows += 1
                if strip:  # an exporter's padding (tab text): no cells at all
                    while n and not texts[n - 1].strip():
                        n -= 1
                    if n < len(texts):
                        del texts[n:]
                    sizes.append(n)
                k = _last_label(texts) + 1  # the row's label cells; the others are its values
                cid = len(starts)  # the row's first piece (a value cell's id is its piece's index + 1)
                if k == n:  # labels only
                    ids.extend(range(-cid - 1, -cid - n - 1, -1))
                    for text in texts:
                        starts.append(pos)
                        pos += len(text) + 3
                else:
                    if k:
                        ids.extend(range(-cid - 1, -cid - k - 1, -1))
                    ids.extend(range(cid + k + 1, cid + n + 1))
                    for text in texts[:k]:
                        starts.append(pos)
                        pos += len(text) + 3
                    cid += k
                    values = texts[k:]
                    joined = "".join(values)
                    if (plain is not None and all(values) and joined.isdigit() and joined.isascii()
                            and (len(joined) <= MAX_NUMBER_DIGITS or max(map(len, values)) <= MAX_NUMBER_DIGITS)):
                        # every value a count (nearly every row): the row's values are one run of plain cells
                        seg = []
                        for text in values:
                            cid += 1
                            tok = _new_token(NumToken)
                            tok.digits = tok.raw = text
                            tok.sign = tok.frac = tok.unit = ""
                            tok.atomic = True
                            tok.start = pos
                            tok.end = pos = pos + len(text)
                            tok.kind = "num"
                            tok.damaged = tok.glued_after = tok.signed = False
                            tok.where = cid
                            seg.append(tok)
                            starts.append(tok.start)
                            pos += 3
                        plain.append(seg)  # type: ignore[union-attr]
                    else:
                        seg = []
                        for i in range(k, n):
                            text = texts[i]
                            cid += 1
                            starts.append(pos)
                            if not text.strip():
                                texts[i] = text = BLANK_CELL  # an empty cell where the row's values are: a blank value
                                if plain is not None:
                                    seg.append(_plain_token("", pos, pos + 1, "null", cid))
                            elif plain is not None and text.isdigit() and text.isascii() \
                                    and len(text) <= MAX_NUMBER_DIGITS:
                                seg.append(_plain_token(text, pos, pos + len(text), "num", cid))
                            else:
                                if mixed is not None:
                                    mixed.append(cid)
                                if seg:
                                    plain.append(seg)  # type: ignore[union-attr]
                                    seg = []
                            pos += len(text) + 3
                        if seg:
                            plain.append(seg)  # type: ignore[union-attr]
                pos += 1
                texts.append("\n")  # (the row's text: its cells, each followed by " | ", then a line break)
                parts.append(" | ".join(texts))
                if pos > MAX_CHARS:
                    break  # (a text this long is not read: the rest of a huge table is not flattened either)
            if strip:
                rows = [row[:n] for row, n in zip(rows, sizes)]
            elif nrows < len(rows):
                rows = rows[:nrows]
            wheres.extend([cell.where for row in rows for cell in row])
            if grids is not None:
                tno = id(block)
                grids.extend([(tno, rno, cell.col, cell.colspan) for rno, row in enumerate(rows) for cell in row]
                             if block.grid else
                             [(tno, rno, None, cell.colspan) for rno, row in enumerate(rows) for cell in row])
        if pos > MAX_CHARS:
            break
    return "".join(parts), starts, wheres, ids


#: What an empty table cell among a row's values becomes in the text: a blank value of its own
#: (the cell says nothing, which is blank), where the plain text of the table would have nothing.
#: Empty cells among the labels (the padding of a label over several columns) stay nothing.
BLANK_CELL = "\ue000"


@lru_cache(maxsize=8192)
def _is_label_cell(text: str) -> bool:
    """A cell that names something: it has letters (Chinese characters count) and is no value
    (41* or 2 1 are garbled values, not labels)."""
    return any(ch.isalpha() for ch in text) and not parse_value(text)[0]


def _last_label(texts: list[str]) -> int:
    """The index of the row's last label cell before its first number (the structured layout of a
    table row: labels, then values), or -1 (``texts``: the row's cell texts)."""
    last = -1
    for i, text in enumerate(texts):
        if not text.strip():
            continue
        if _is_label_cell(text):
            last = i
        else:
            break
    return last


@dataclass(slots=True)
class _Tok:
    kind: str  # lab | num
    text: str
    start: int
    end: int
    before: str = ""  # "" glued, " " spaces, "|" a strong separator (pipe, tab, line)
    after: str = ""


#: a token built field by field in ``_read`` (see ``_new_token``): it sets every field
_new_tok = _Tok.__new__
if tuple(f.name for f in fields(_Tok)) != ("kind", "text", "start", "end", "before", "after"):
    raise ImportError("extract.stream._read builds _Tok field by field: teach it the new fields")


def _spaced(words) -> re.Pattern:
    """Any of ``words``, with white space allowed between their characters (OCR, PDF text)."""
    return re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in words))


_REGION_START = _spaced(T.TABLE_REGION_STARTS)
_REGION_LAST = _spaced(T.TABLE_REGION_LAST)
_REGION_END = _spaced(T.TABLE_REGION_ENDS)


def table_region(text: str) -> tuple[int, int]:
    """(start, end) of the stretch of text that holds the tables."""
    m = _REGION_START.search(text)
    if not m:
        return 0, len(text)
    lo = max(0, text.rfind("\n", 0, m.start()) + 1, m.start() - 200)
    last = None
    for last in _REGION_LAST.finditer(text, m.start()):
        pass
    if last is None:
        return lo, len(text)
    end = _REGION_END.search(text, last.end())
    return lo, (end.start() + 1 if end else len(text))


def tokenize(text: str, lo: int = 0, hi: int | None = None, plain=()) -> tuple[list, bool]:
    """Label and number tokens of the mapped text (of ``text[lo:hi]``), each knowing what
    separates it from its neighbours. Returns (tokens, complete) — complete is False when the
    token bound was hit.

    ``plain``: value cells whose one token is known without reading them (``flatten``), in lists
    of cells one after another in a row: a cell of ASCII digits is one number, an empty one the
    blank cell, each between the separators of the table (" | "). Their tokens are the number
    tokens ``runs`` would make of them (NumTokens: ``runs`` takes them as they are; to the glue
    rules each is a token between separators), taken a row's list at a time and kept so: such a
    list is one item of the tokens (``runs`` takes a row's values whole, not a token at a time;
    the token bound counts its tokens). The text between them is read by one ``findall`` per
    stretch (strings only, no match objects: this is the reader's inner loop; offsets follow
    from the lengths, as the matches tile the text). A cell within three characters of the
    stretch's ends is read, not taken, so every token taken has the table's separators on both
    sides, as the tokenizer would see them."""
    hi = len(text) if hi is None else hi
    toks: list = []  # _Tok, or a list of NumTokens taken as made
    prev: _Tok | None = None
    cur = lo  # where the text not read yet begins
    taken = False  # a cell was taken: the text read so far (cur) ends with it
    limit = MAX_TOKENS  # the bound on len(toks): MAX_TOKENS less the tokens beyond one per list taken
    for seg in plain:
        if seg[0].start - 3 < cur or seg[-1].end + 3 > hi:
            # outside the stretch, or at its edge: the cells at its edge are read with the text
            # around them, one at a time
            seg = [t for t in seg if not (t.start - 3 < cur or t.end + 3 > hi)]
            if not seg:
                continue
        start = seg[0].start
        if not taken or start - cur > 4:  # (else only " | " and a line break since the last cell taken)
            # a token taken as made has the table's separators after it already: nothing to tell it
            prev, complete = _read_stretch(text, cur, start, toks, None if taken else prev, limit)
            if not complete:
                return toks, False
        if len(toks) + len(seg) > limit:  # the token the tokenizer stops at, as it leaves it
            keep = limit - len(toks)  # (the tokens before it; the bound is not passed before this list)
            if keep:
                toks.append(seg[:keep])
            t = seg[keep]
            toks.append(_Tok("num", t.digits, t.start, t.end, "|") if t.kind == "num" else
                        _Tok("lab", BLANK_CELL, t.start, t.end, "|"))
            return toks, False
        toks.append(seg)
        limit -= len(seg) - 1
        cur, taken = seg[-1].end, True
    prev, complete = _read_stretch(text, cur, hi, toks, None if taken else prev, limit)
    if not complete:
        return toks, False
    if toks and type(toks[-1]) is _Tok and not toks[-1].after:
        toks[-1].after = "$"  # the text ends here
    return toks, True


#: The tokens of the stretches of text read, by their text: the stretches between the value
#: cells taken as made are mostly a row's label cells (" | \n2.其他法律行政法规禁止公开 | "), the
#: same in report after report of a template, and reading one again (a regex match per token)
#: costs about three times making its tokens from what it gave. Per stretch, (kind, text, start,
#: end, before, after) of each token, offsets from the stretch's start; only short stretches (not
#: the narrative), and the cache is emptied when full.
_STRETCHES: dict[str, tuple[tuple[str, str, int, int, str, str], ...]] = {}
_STRETCH_CHARS, _STRETCH_ENTRIES = 200, 4096


def _read_stretch(text: str, lo: int, hi: int, toks: list, prev: _Tok | None,
                  limit: int = MAX_TOKENS) -> tuple[_Tok | None, bool]:
    """``_read``, for a stretch read before through ``_STRETCHES``: the tokens of a stretch with
    no token before it are a function of its text alone (the pattern looks neither before
    ``lo`` nor beyond ``hi``)."""
    if prev is not None or hi - lo > _STRETCH_CHARS:
        return _read(text, lo, hi, toks, prev, limit)
    key = text[lo:hi]
    made = _STRETCHES.get(key)
    if made is None:
        first = len(toks)
        prev, complete = _read(text, lo, hi, toks, None, limit)
        if complete:
            if len(_STRETCHES) >= _STRETCH_ENTRIES:
                _STRETCHES.clear()
            _STRETCHES[key] = tuple((t.kind, t.text, t.start - lo, t.end - lo, t.before, t.after)
                                    for t in toks[first:])
        return prev, complete
    if len(toks) + len(made) > limit:  # the bound falls in it: read it, to stop where the reading stops
        return _read(text, lo, hi, toks, None, limit)
    for kind, word, start, end, before, after in made:
        prev = _new_tok(_Tok)
        prev.kind = kind
        prev.text = word
        prev.start = start + lo
        prev.end = end + lo
        prev.before = before
        prev.after = after
        toks.append(prev)
    return prev, True


def _read(text: str, lo: int, hi: int, toks: list, prev: _Tok | None,
          limit: int = MAX_TOKENS) -> tuple[_Tok | None, bool]:
    """The tokens of ``text[lo:hi]`` appended to ``toks`` (``prev``: the token before ``lo``).
    Returns the last token and False when the token bound was hit (``limit``: the bound on
    ``len(toks)``, see ``tokenize``). The inner loop of the tokenizer: a run of separators is
    told strong (a pipe, tab or line break: "|") or weak (" ") by four ``in`` tests, cheaper than
    any call, and a token is built field by field."""
    pos = lo
    before = "|"  # the start of the text separates like a line break
    for sep, num, lab in _TOKEN.findall(text, lo, hi):
        if sep:
            pos += len(sep)
            before = "|" if "|" in sep or "\n" in sep or "\t" in sep or "\r" in sep else " "
            if prev is not None:
                prev.after = before
        elif lab and prev is not None and prev.kind == "lab":
            prev.text += lab  # a sign glued to a label, no digit after it (至-): one label
            prev.end = pos = pos + len(lab)
            before = ""
            continue
        word = num or lab
        if not word:
            break  # the separators that end the stretch
        prev = _new_tok(_Tok)
        prev.kind = "num" if num else "lab"
        prev.text = word
        prev.start = pos
        prev.end = pos = pos + len(word)
        prev.before = before
        prev.after = ""
        toks.append(prev)
        if len(toks) > limit:
            return prev, False
        before = ""
    return prev, True


# ------------------------------------------------------------------------------- the runs
@dataclass(slots=True)
class LabelRun:
    text: str  # label text without white space or pipes
    starts: list[int]  # where each label token begins in ``text``
    origins: list[int]  # and where it begins in the document text
    damaged: bool = False

    def origin(self, i: int) -> int:
        """The document offset of character ``i`` of the run's text."""
        k = max(0, bisect_right(self.starts, i) - 1)
        return self.origins[k] + (i - self.starts[k]) if self.origins else 0


#: a label run built field by field in ``runs`` (see ``_new_token``): it sets every field
_new_label_run = LabelRun.__new__
if tuple(f.name for f in fields(LabelRun)) != ("text", "starts", "origins", "damaged"):
    raise ImportError("extract.stream.runs builds LabelRun field by field: teach it the new fields")


@dataclass(slots=True)
class ValueRun:
    tokens: list[NumToken]
    last: bool = False  # nothing but separators follows: the text may have been cut inside it
    runs_on: bool = False  # the last number is glued to text that is not a label of the grammar


#: a value run built field by field in ``runs`` (see ``_new_token``): it sets every field
_new_value_run = ValueRun.__new__
if tuple(f.name for f in fields(ValueRun)) != ("tokens", "last", "runs_on"):
    raise ImportError("extract.stream.runs builds ValueRun field by field: teach it the new fields")


#: the label texts ``runs`` reads as values (a sign word before its number, a blank cell, a dash)
_SPECIAL_LABELS = frozenset(T.SIGN_WORDS) | _NULLS | {BLANK_CELL}


def runs(toks: list, cell_of, value_texts: list[int] | None = None) -> list[LabelRun | ValueRun]:
    """Alternating label and value runs, after the glue rules: an ordinal (``2.其他``) belongs to
    the label after it, a year in brackets (``本年(2023)制发件数``) to its label, a unit (``3个``)
    and a sign word (``减3``) to their number. ``toks``: ``tokenize``'s, where a list is value
    cells taken as made — NumTokens already, between the table's separators, which no glue rule
    touches: a list is taken whole (it is what its tokens one by one would be, and its first and
    last token are what a rule asks of its neighbours). ``value_texts``, when given: the value
    cells where a label token may stand (flatten's ``mixed``), as [start, end, start, end, …] in
    order — a label token elsewhere is in no value cell, and its cell is not looked up; None: it
    may stand in any."""
    out: list[LabelRun | ValueRun] = []
    n = len(toks)
    i = 0
    # pass 1: reclassify numbers that are parts of labels, and peel ordinals off digit runs. Only a
    # number glued to its neighbour (nothing between) and the token after it can be touched by
    # these rules: every other token is taken as it is, a slice at a time
    items: list[_Tok] = []
    glued = [k for k, t in enumerate(toks) if type(t) is _Tok and t.kind == "num" and (t.before == "" or t.after == "")]
    touched = set(glued)
    for g in glued:
        if g < i:
            continue  # read already, with the glued number before it
        items.extend(toks[i:g])
        i = g
        upto = g + 1  # the rules below look at a glued number and the token after it
        while i < n and i <= upto:
            if i in touched:
                upto = i + 1
            t = toks[i]
            if type(t) is list:  # value cells taken as made: as they are
                items.append(t)
                i += 1
                continue
            nxt = toks[i + 1] if i + 1 < n else None
            prv = items[-1] if items else None
            if t.kind == "num":
                glued_next = type(nxt) is _Tok and nxt.kind == "lab" and t.after == ""
                glued_prev = t.before == "" and type(prv) is _Tok and prv.kind == "lab"
                if glued_next and glued_prev and prv.text.endswith("(") and nxt.text.startswith(")"):
                    t = _Tok("lab", t.text, t.start, t.end, t.before, t.after)  # 本年(2023)制发件数
                elif (glued_next and nxt.text == "." and t.before == "|" and nxt.after in ("|", " ")
                      and i + 2 < n and _first(toks[i + 2]).kind != "num" and t.text.isdigit() and len(t.text) <= 2):
                    # a numbered heading on its own line (3、 收到和处理…): the number is the heading's
                    # (a label after it; "null" is an empty value cell taken as made, a label to the tokenizer)
                    toks[i + 1] = _Tok("lab", t.text + nxt.text, t.start, nxt.end, t.before, nxt.after)
                    i += 1
                    continue
                elif (glued_next and len(nxt.text) >= 2 and nxt.text[0] in ".、" and not nxt.text[1].isdigit()
                      and "." not in t.text and t.text[-1] in "123456789" and t.text[0] not in "+-"):
                    # 00000002.其他…: the last digit is the next row's ordinal
                    head = t.text[:-1]
                    if head:
                        items.append(_Tok("num", head, t.start, t.end - 1, t.before, ""))
                    toks[i + 1] = _Tok("lab", t.text[-1] + nxt.text, t.end - 1, nxt.end, "" if head else t.before, nxt.after)
                    i += 1
                    continue
            if t.before == "" and t.kind == "lab" and items and type(items[-1]) is _Tok and items[-1].kind == "lab":
                # two labels in a row (a number became a label): one label
                last = items[-1]
                items[-1] = _Tok("lab", last.text + ("" if t.before == "" else " ") + t.text, last.start, t.end,
                                 last.before, t.after)
                i += 1
                continue
            items.append(t)
            i += 1
    items.extend(toks[i:])

    # pass 2: number tokens with their units and sign words; label runs
    pending_lab: list[_Tok] = []
    pending_val: list[NumToken] = []

    def flush_lab() -> None:
        if pending_lab:
            run = _new_label_run(LabelRun)
            if len(pending_lab) == 1:  # (a row label is mostly one token)
                t = pending_lab[0]
                run.text = text = t.text
                run.starts = [0]
                run.origins = [t.start]
            else:
                # label tokens hold no white space (the tokenizer splits on it): offsets per token
                starts, origins, parts, at = [], [], [], 0
                for t in pending_lab:
                    starts.append(at)
                    origins.append(t.start)
                    parts.append(t.text)
                    at += len(t.text)
                run.text = text = "".join(parts)
                run.starts = starts
                run.origins = origins
            run.damaged = "\ufffd" in text
            out.append(run)
            pending_lab.clear()

    def flush_val(last: bool = False) -> None:
        if pending_val:
            run = _new_value_run(ValueRun)
            run.tokens = pending_val[:]
            run.last = last
            run.runs_on = False
            out.append(run)
            pending_val.clear()

    j = 0
    m = len(items)
    while j < m:
        t = items[j]
        if t is None:
            j += 1
            continue
        if type(t) is list:  # value cells the tokenizer took as made: what the branches below make of them
            if pending_lab:
                flush_lab()
            pending_val.extend(t)
            j += 1
            continue
        if t.kind == "num":
            cell_id = cell_of(t.start)
            if cell_id < 0:
                # a number inside a label cell (2其他法律…, a year) is part of the label, never a value
                flush_val()
                pending_lab.append(_Tok("lab", t.text, t.start, t.end, t.before, t.after))
                j += 1
                continue
            tok = _num(t)
            if j + 1 < m and type(items[j + 1]) is _Tok and items[j + 1].kind == "lab" and t.after == "":
                lab = items[j + 1]
                um = _UNIT_RE.match(lab.text)
                unit = um.group() if um else ""
                if unit:
                    tok.unit = unit
                    rest = lab.text[len(unit):]
                    if rest.strip():
                        items[j + 1] = _Tok("lab", rest, lab.start + len(unit), lab.end, "", lab.after)
                    else:
                        tok.end = lab.end
                        items[j + 1] = None  # type: ignore[call-overload]
                elif lab.text[0] == "\ufffd":
                    tok.damaged = True
            if j > 0 and type(items[j - 1]) is _Tok and items[j - 1].kind == "lab" and t.before == "" \
                    and items[j - 1].text.endswith("\ufffd"):
                tok.damaged = True
            if cell_id and pending_val and pending_val[-1].where == cell_id:
                # two numbers in one table cell ("1 7"): one cell whose number is unknown
                prev = pending_val.pop()
                pending_val.append(NumToken("", start=prev.start, end=tok.end, kind="text",
                                            raw=f"{prev.raw} {tok.raw}", atomic=True, where=cell_id))
            else:
                tok.where = cell_id
                if cell_id:
                    tok.atomic = True
                if pending_lab:
                    flush_lab()
                pending_val.append(tok)
            j += 1
            if j < m and items[j] is None:
                j += 1
            continue
        text = t.text.strip()
        if text in _SPECIAL_LABELS:  # (one test for the three cases below; most labels are none)
            # a value written in words (减3) or a dash for a blank cell, between separators
            if j + 1 < m and type(items[j + 1]) is _Tok and items[j + 1].kind == "num" and items[j + 1].before == "" \
                    and text in T.SIGN_WORDS and (t.before != "" or (j > 0 and items[j - 1] is not None
                                                                      and _last(items[j - 1]).kind == "num")):
                num = items[j + 1]
                flush_lab()
                nt = _num(num)
                pending_val.append(NumToken(nt.digits, sign="-" if T.SIGN_WORDS[text] == "-" else nt.sign, frac=nt.frac,
                                            start=t.start, end=num.end, raw=text + num.text, atomic=True,
                                            signed=True, where=cell_of(t.start)))
                if j + 2 < m and type(items[j + 2]) is _Tok and items[j + 2].kind == "lab" and num.after == "" \
                        and _UNIT_RE.match(items[j + 2].text):
                    u = _UNIT_RE.match(items[j + 2].text).group()
                    rest = items[j + 2].text[len(u):]
                    unit_tok = items[j + 2]
                    items[j + 2] = _Tok("lab", rest, unit_tok.start + len(u), unit_tok.end, "", unit_tok.after) \
                        if rest.strip() else None  # type: ignore[call-overload]
                j += 2
                if j < m and items[j] is None:
                    j += 1
                continue
            if text == BLANK_CELL:
                flush_lab()
                pending_val.append(NumToken("", start=t.start, end=t.end, kind="null", raw="", atomic=True,
                                            where=cell_of(t.start)))
                j += 1
                continue
            if text in _NULLS and t.before != "" and t.after != "":
                flush_lab()
                pending_val.append(NumToken("", start=t.start, end=t.end, kind="null", raw=text, atomic=True,
                                            where=cell_of(t.start)))
                j += 1
                continue
        # (inside one of value_texts' spans: after an odd number of their bounds; a lookup is a
        # Python call and a bisect over every piece)
        cid = cell_of(t.start) if value_texts is None or bisect_right(value_texts, t.start) & 1 else 0
        if cid > 0:
            # text in a cell where the row's values are (147①, 约5, 不详): part of that cell's one
            # value, which is then not a number — never a label that would end the row's values
            if pending_val and pending_val[-1].where == cid:
                prev = pending_val.pop()
                pending_val.append(NumToken("", start=prev.start, end=t.end, kind="text", raw=prev.raw + t.text,
                                            atomic=True, where=cid))
            else:
                flush_lab()
                pending_val.append(NumToken("", start=t.start, end=t.end, kind="text", raw=t.text, atomic=True,
                                            where=cid))
            j += 1
            continue
        if pending_val:
            flush_val()
        pending_lab.append(t)
        j += 1
    flush_lab()
    flush_val(last=True)
    # a value run is "last" when no label follows it at all
    for k in range(len(out) - 1, -1, -1):
        if isinstance(out[k], ValueRun):
            out[k].last = k == len(out) - 1
            break
    return out


def _first(item):
    """A token, or the first of a list of value cells taken as made (what the rules ask of the
    token after another)."""
    return item[0] if type(item) is list else item


def _last(item):
    """A token, or the last of a list of value cells taken as made (the token before another)."""
    return item[-1] if type(item) is list else item


def _num(t: _Tok) -> NumToken:
    """The number token of a ``num`` token. One per number of the text, so built positionally: a
    keyword call costs twice as much."""
    s = t.text
    after = t.after
    if s.isdigit():  # a plain count (the regex gave ASCII digits only): nearly every number
        return NumToken(s, "", "", "", t.before == "|" and (after == "|" or after == "$"), t.start, t.end, "num", s,
                        False, 0, after == "") if len(s) <= MAX_NUMBER_DIGITS else \
            NumToken("", "", "", "", True, t.start, t.end, "text", s, False, 0, after == "")
    sign = s[0] if s[0] in "+-" else ""
    body = s[1:] if sign else s
    digits, _, frac = body.replace(",", "").partition(".")
    if len(digits) + len(frac) > MAX_NUMBER_DIGITS:  # no cell holds such a number: a value that is not one
        return NumToken("", "", "", "", True, t.start, t.end, "text", s, False, 0, after == "")
    return NumToken(digits, sign, frac, "",  # digits, sign, decimal part, unit
                    t.before == "|" and (after == "|" or after == "$"),  # atomic: a cell of its own
                    t.start, t.end, "num", s, False, 0,  # start, end, kind, raw, damaged, where
                    after == "")  # glued_after


# ------------------------------------------------------------------------------ the reader
class StreamReader:
    """Aligns the runs to the grammar: a small state machine over label runs, each anchoring the
    value run after it."""

    def __init__(self, template: str | None, where_of, careful: bool = False, grid_of=None,
                 cell_wheres: list[str] | None = None, grids: list | None = None):
        #: the location of each piece of the text: a value in a value cell (token.where = n > 0)
        #: stands at cell_wheres[n - 1], what where_of says of any offset in that cell
        self.cell_wheres = cell_wheres or []
        self.grids = grids or []  # and its place in its table (see flatten), what grid_of says of it
        self.grid_of = grid_of or (lambda offset: None)  # offset -> (table, row, column, span) or None
        self.agrid: dict[str, tuple | None] = {}  # applicant column -> (table, grid column, span) of its header
        self.pgrid: dict[tuple, tuple | None] = {}  # the same for the proactive table's (template, column)
        self.ptpl: str | None = None  # the template whose columns the proactive table's header shows
        self.run: LabelRun | None = None  # the label run being read
        self.careful = careful  # the text leaves blank cells out somewhere: cut digits only beyond doubt
        self.short_rows = 0  # rows with fewer digits than cells (evidence of blank cells left out)
        self.template = template
        self.where_of = where_of
        self.res = StreamResult()
        self.table: str | None = None
        self.ptable: T.ProactiveTable | None = None
        self.pheader: list[tuple[tuple, str]] = []  # (targets, header text after the phrase)
        self.pfolds: dict[str, _HeaderFold] = {}  # the header folded so far, per proactive table
        self.aphase = "header"
        self.aheader: list[str] = []
        self.aheader_problem: tuple = (None, 0, "")  # (header, its length, what is wrong with it)
        self.group: str | None = None
        self.rheader_groups: list[int] = []
        self.rheader_cols: list[int] = []
        self.review_done = False
        self.rows: dict[tuple[str, str], list[NumToken]] = {}  # the values each row was read from
        self.stated: dict[tuple[str, str, str], int] = {}  # cell -> a value the narrative states
        self.group_row: tuple | None = None  # （六）其他处理 with values in a 2021 report
        self.anchored: set[tuple[str, str]] = set()  # every row whose label the text has
        self.open_rows: dict[str, tuple] = {}  # application rows with several cuts: (cuts, tokens, where)
        self.gridded = False  # a header cell had a grid place (else no row can be placed by the grid)
        self.heads_seen: dict[tuple, object] = {}  # grid_positions' reading of the header, per table and columns

    # -------------------------------------------------------------- problems and cells
    def problem(self, kind: str, message: str, where: str, table: str | None = None, row: str | None = None,
                column: str | None = None, identity: str | None = None) -> None:
        self.res.problems.append((kind, message, where, table, row, column, identity))

    def unread(self, table: str, row: str, cols, reason: str, where: str, veto: bool = False) -> None:
        for c in cols:
            key = (table, row, c)
            old = self.res.cells.get(key)
            if old is not None and old.value is not UNREAD and not veto:
                continue
            self.res.cells[key] = Cell(UNREAD, "", where, reason, veto)

    # -------------------------------------------------------------- driver
    def read(self, items: list[LabelRun | ValueRun]) -> StreamResult:
        # one pass: a value run is marked (runs_on) before the label run it follows is read
        n = len(items)
        k = 0
        label_run = self.label_run
        while k < n:
            item = items[k]
            k += 1
            after = items[k] if k < n else None
            if isinstance(item, ValueRun):  # (after no label run: none reads it)
                _mark_runs_on(item, after)
                continue
            if isinstance(after, ValueRun):
                k += 1
                if after.tokens[-1].glued_after:
                    _mark_runs_on(after, items[k] if k < n else None)
                label_run(item, after)
            else:
                label_run(item, None)
        if self.group_row is not None:
            target, values, run = self.group_row
            group = T.GROUP_ROWS[target[1]]
            if not any(t == "applications" and _SPECS[r].group == group for t, r in self.anchored):
                # the report keeps the other template's single row (（六）其他处理 with values, no sub-rows)
                self.fill(target, values, run, force=True)
        return self.res

    def label_run(self, run: LabelRun, values: ValueRun | None) -> None:
        self.run = run
        text = run.text
        events, plan = _plan_cached(text) if len(text) <= 256 else _plan_of(scan(text))
        # the review table's header is the label text right before its values: start it afresh
        if self.rheader_groups or self.rheader_cols:
            self.rheader_groups, self.rheader_cols = [], []
        anchors: list[tuple[int, int, tuple[str, str], Event]] = []
        for on, ev, s, e in plan:
            target = on(self, ev, text, s, e)
            if target is not None:
                if anchors and anchors[-1][2] == target and leftover(run.text[anchors[-1][1]:s]) == "":
                    anchors[-1] = (anchors[-1][0], e, target, anchors[-1][3])  # two cues of one label
                else:
                    anchors.append((s, e, target, ev))
        if not anchors and values is not None and self.table == "applications" and self.aphase == "rows":
            key = _closest_row(run.text, self.template or T.DEFAULT_TEMPLATE)
            if key is not None:
                where = self.where_of(run.origin(0))
                self.problem("label_variant", f"label {run.text!r} read as {_SPECS[key].label!r} (closest match)",
                             where, "applications", key)
                anchors = [(0, len(run.text), ("applications", key), None)]
                self.anchored.add(anchors[0][2])
                self.fill(anchors[0][2], values, run)
                return
            tail = leftover(run.text[max((e for _, e, _ in events), default=0):])
            if tail and not any(ev.kind in ("atable", "acol", "word", "rgroup", "rparent", "rcol", "review_section",
                                            "ptable", "pcol", "end") for _, _, ev in events):
                self.problem("unknown_row", f"row label {run.text!r} matches no canonical row; its values "
                             f"{' '.join(t.raw for t in values.tokens[:8])!r} are not read",
                             self.where_of(run.origin(0)), "applications")
        if not anchors:
            if values is not None and self.table == "review" and not self.review_done \
                    and (len(self.rheader_cols) >= len(T.REVIEW_COLUMNS)
                         # a header whose words a PDF broke over lines (结果维 / 持), above one table row
                         # of exactly the table's cells
                         or (self.rheader_groups and len(self.own_row(values.tokens)) == T.REVIEW_CELLS
                             and self.table_cells(self.own_row(values.tokens)))) \
                    and not (all(_empty(t) for t in values.tokens) and len(values.tokens) != T.REVIEW_CELLS):
                self.review_values(values, run)
            return
        s, e, target, ev = anchors[-1]
        if len(anchors) > 1:
            for a in anchors:
                self.anchored.add(a[2])
            # every row label but the last has no value of its own in the text
            for ps, _, ptarget, _ in anchors[:-1]:
                self.empty_row(ptarget, run, ps)
        else:
            self.anchored.add(target)
        if values is None:
            self.empty_row(target, run, s)
            return
        if len(text) <= 256:  # (a long run, narrative, is not kept)
            # the same either way, as nearly always: whether the label is a table cell is not asked
            outside, inside = _row_label_verdicts(text, s, e, ev.head, ev.tail)
            not_a_label = outside if outside == inside else (inside if self.grid_of(run.origin(s)) is not None
                                                               else outside)
        else:
            not_a_label = _not_a_row_label(text, s, e, ev.head, ev.tail, self.grid_of(run.origin(s)) is not None)
        if not_a_label or (run.damaged and "\ufffd" in run.text[_label_start(events, s):]):
            # narrative that mentions a row (受理行政许可5件), or a label we cannot trust
            self.empty_row(target, run, s, note=f"the label {run.text[_label_start(events, s):]!r} is not a row label")
            return
        self.fill(target, values, run)

    # -------------------------------------------------------------- events
    # One method per event kind (``_ON_EVENT`` maps the kinds to them): each applies its event to
    # the state and returns the row it names, if it names one here. A word that names nothing
    # (noise) has none.
    def _on_arow(self, ev: Event, text: str, s: int, e: int) -> tuple[str, str] | None:
        if self.table in (None, "proactive") and ev.payload == T.APPLICATION_FIRST_ROW:
            self.start_applications()
        if self.table == "applications":
            self.aphase = "rows"
            spec = _SPECS[ev.payload]
            if spec.group is None:
                self.group = None
            elif self.group is None:
                self.group = spec.group
            return ("applications", ev.payload)
        return None

    def _on_ptable(self, ev: Event, text: str, s: int, e: int) -> None:
        self.table = "proactive"
        self.ptable = T.PROACTIVE_BY_ITEM.get(ev.payload)
        self.pheader, self.pgrid, self.pfolds = [], {}, {}
        self.heads_seen.clear()

    def _on_pcol(self, ev: Event, text: str, s: int, e: int) -> None:
        if self.table == "proactive" and self.ptable is not None:
            self.pheader.append((ev.payload, text[e:e + 8]))
            at = self.grid_place(s)  # (once for the columns the phrase names)
            for target in ev.payload:
                self.place_header(self.pgrid, target, at)

    def _on_prow(self, ev: Event, text: str, s: int, e: int) -> tuple[str, str] | None:
        if self.table in (None, "proactive"):
            spec = T.PROACTIVE_BY_KEY[ev.payload[0]]
            if spec is not self.ptable:
                self.ptable, self.pheader, self.pgrid, self.pfolds = spec, [], {}, {}
                self.heads_seen.clear()
            self.table = "proactive"
            return ev.payload
        return None

    def _on_atable(self, ev: Event, text: str, s: int, e: int) -> None:
        self.start_applications()

    def _on_acol(self, ev: Event, text: str, s: int, e: int) -> None:
        if self.table == "applications" and self.aphase == "header":
            self.aheader.append(ev.payload)
            self.header_cell(ev.payload, s)

    def _on_word(self, ev: Event, text: str, s: int, e: int) -> tuple[str, str] | None:
        col, row, rcol = ev.payload
        spec = _SPECS[row]
        if self.table == "applications":
            if self.aphase == "header":
                self.aheader.append(col)
                self.header_cell(col, s)
            elif spec.group in (None, self.group) and (self.template or T.DEFAULT_TEMPLATE) in spec.templates:
                return ("applications", row)
        elif self.table == "review" and rcol is not None:
            self.rheader_cols.append(rcol)
        return None

    def _on_agroup(self, ev: Event, text: str, s: int, e: int) -> None:
        if self.table == "applications":
            self.aphase, self.group = "rows", ev.payload

    def _on_group_row(self, ev: Event, text: str, s: int, e: int) -> tuple[str, str] | None:
        if self.table == "applications":
            self.aphase, self.group = "rows", T.GROUP_ROWS[ev.payload]
            return ("applications", ev.payload)
        return None

    def _on_review_section(self, ev: Event, text: str, s: int, e: int) -> None:
        self.table = "review"
        self.rheader_groups, self.rheader_cols = [], []

    def _on_review(self, ev: Event, text: str, s: int, e: int) -> None:
        """rgroup, rparent, rcol: the review table's header."""
        k = ev.kind
        if self.table != "review" and not self.review_done and (k == "rcol" or self.table == "applications"):
            self.table = "review"
            self.rheader_groups, self.rheader_cols = [], []
        if self.table == "review":
            if k == "rgroup":
                self.rheader_groups.append(ev.payload)
            elif k == "rcol":
                self.rheader_cols.append(ev.payload)

    def _on_end(self, ev: Event, text: str, s: int, e: int) -> None:
        self.table = "done"

    def start_applications(self) -> None:
        if self.table != "applications":
            self.table, self.aphase, self.aheader, self.group = "applications", "header", [], None
            self.agrid = {}
            self.heads_seen.clear()

    def header_cell(self, col: str, s: int) -> None:
        """Where the header of applicant column ``col`` stands in its table's grid, if it has one
        (a column heard twice at different places has no place)."""
        self.place_header(self.agrid, col, self.grid_place(s))

    def grid_place(self, s: int) -> tuple | None:
        """(table, grid column, span) of the label run's character ``s``, where it stands in a
        table with a grid; else None."""
        g = self.grid_of(self.run.origin(s)) if self.run is not None else None
        return (g[0], g[2], g[3]) if g is not None and g[2] is not None else None

    def place_header(self, heads: dict[str, tuple | None], col: str, at: tuple | None) -> None:
        """Column ``col``'s header heard at ``at`` (``grid_place``): its place in ``heads``, unless
        it was heard at another place before (then it has none)."""
        self.heads_seen.clear()
        if at is not None:
            self.gridded = True
        if col in heads and heads[col] != at:
            at = None
        heads[col] = at

    # -------------------------------------------------------------- rows
    def empty_row(self, target: tuple[str, str], run: LabelRun, s: int, note: str = "") -> None:
        table, row = target
        cols = self.columns(table, row)
        if cols is None:
            return
        where = self.where_of(run.origin(s))
        self.unread(table, row, cols,
                    note or "the row's label has no values after it in the text", where)

    def columns(self, table: str, row: str) -> list[str] | None:
        if table == "applications":
            spec = _SPECS[row]
            if self.template and self.template not in spec.templates:
                return None  # a heading in this template (（六）其他处理 in 2021): its numbers are a subtotal
            return list(T.APPLICANT_COLUMNS)
        spec = T.PROACTIVE_BY_KEY[table]
        return list(self.pcolumns(spec)[1])

    def pcolumns(self, spec: T.ProactiveTable) -> tuple[tuple, tuple[str, ...], str, str | None]:
        """The proactive table's columns (from its header where it has one), their keys, why not,
        if not, and the template whose columns they are."""
        fold = self.pfolds.get(spec.key)
        if fold is None:
            fold = self.pfolds[spec.key] = _HeaderFold(spec)
        header = self.pheader
        if fold.seen < len(header) or fold.columns is None:
            while fold.seen < len(header):  # the entries heard since the last row: each is folded once
                fold.add(header[fold.seen][0])
            tpl, why = fold.template(self.template)
            fold.columns = _pcolumns(spec.key, tpl) if tpl is not None else ((), (), why, None)
        return fold.columns

    def fill(self, target: tuple[str, str], values: ValueRun, run: LabelRun, force: bool = False) -> None:
        table, row = target
        if table == "applications":
            spec = _SPECS[row]
            if self.template and self.template not in spec.templates and not force:
                if row in T.GROUP_ROWS.values():
                    self.group_row = (target, values, run)  # a row of the other template, if its sub-rows never come
                return  # a subtotal under a heading: not a canonical row of this template
            cols = T.APPLICANT_COLUMNS
            header, known = self.aheader, self.aheader_problem  # (applicant_header_problem, inline: once per row)
            bad = known[2] if known[0] is header and known[1] == len(header) else self.applicant_header_problem()
        else:
            pcols, keys, why, self.ptpl = self.pcolumns(T.PROACTIVE_BY_KEY[table])
            cols = keys or _first_column_keys(table)
            bad = why
        if bad and not (table == "applications" and self.full_agrid()):
            self.unread(table, row, cols, bad, self.row_where(values))
            return
        self.place_row(table, row, cols, values, None, None, bad)

    def row_where(self, values: ValueRun) -> str:
        """A row's location: its first value's (by its cell, when it has one)."""
        first = values.tokens[0]
        return self.cell_where(first) or self.where_of(first.start)

    def full_agrid(self) -> bool:
        """Whether the applications header gave every applicant column a place in one table's grid."""
        heads = [self.agrid.get(c) for c in T.APPLICANT_COLUMNS]
        return all(h is not None for h in heads) and len({h[0] for h in heads}) == 1

    def applicant_header_problem(self) -> str:
        # asked of every row: kept while the header is the same (it only grows, or starts afresh)
        header, known = self.aheader, self.aheader_problem
        if known[0] is not header or known[1] != len(header):
            known = self.aheader_problem = (header, len(header), _applicant_header_problem(tuple(header)))
        return known[2]

    def review_values(self, values: ValueRun, run: LabelRun) -> None:
        self.review_done = True
        self.table = "done"
        where = self.where_of(values.tokens[0].start)
        cols = _REVIEW_CELLS
        groups = self.rheader_groups
        n = len(T.REVIEW_COLUMNS)
        cyc = self.rheader_cols
        bad = any(b < a for a, b in pairwise(groups))
        bad = bad or any(b <= a and a != n - 1 for a, b in pairwise(cyc))
        if bad:
            for g in T.REVIEW_GROUPS:
                self.unread("review_litigation", g, T.REVIEW_COLUMNS,
                            "the review/litigation header is not in the template's order", where)
            return
        self.place_row("review_litigation", None, cols, values, _row_identity("review_litigation"), where)

    def place_row(self, tname: str, rname: str | None, cols: list[str], values: ValueRun, ident, where: str | None,
                  disordered: str = "") -> None:
        """Place a row's values in its cells. ``disordered``: why the values cannot be placed in
        the template's order (the header reorders the columns); only grid places can place them.
        ``ident`` and ``where`` (the row's identity and location) are found here when None."""
        toks = values.tokens
        keys = _row_keys(tname, rname, tuple(cols))
        if len(toks) == len(cols) and not (values.last or values.runs_on or disordered) \
                and tname not in _MONEY_TABLES and (rname is None or (tname, rname) not in self.rows) \
                and self.cell_wheres:
            # nearly every row: one count per cell, each written plainly (digits only, no sign,
            # decimal part, unit or leading zero: what ``plain_count`` reads, not damaged or signed
            # with a word), in its column's cell where the table has a grid: the only reading, as
            # ``digits.place`` finds ("exact"), made in one pass (the places checked in the same
            # pass, ``plain_cells_on_grid``). Any other row is read below from the start (nothing
            # is kept of this pass).
            if self.gridded:
                made, misplaced = self.plain_cells_on_grid(tname, cols, toks)
            else:  # no value's place counts: the order is the place
                made, misplaced = _plain_cells(toks, self.cell_wheres, self.where_of)[0], False
            if made is not None:
                if misplaced:  # not each under its own header: read by place, unless no value has a place
                    places, aligned = self.grid_positions(tname, cols, toks, disordered)
                    misplaced = places is not None and not aligned
                if not misplaced:
                    if rname is not None:
                        self.rows[(tname, rname)] = toks
                    self.res.cells.update(zip(keys, made))
                    return
        elif len(toks) > len(cols) and not (values.last or values.runs_on or disordered or self.gridded) \
                and tname not in _MONEY_TABLES and (rname is None or (tname, rname) not in self.rows) \
                and self.cell_wheres:
            # a row of plain counts padded with empty cells at its ends (a label over two columns of
            # tab text) in a table without a grid: what the steps below make of it (``own_row`` and
            # ``_fit_blank_cells`` leave the counts, each read as written), in one pass
            inner = _padded_values(toks, len(cols))
            made = _plain_cells(inner, self.cell_wheres, self.where_of)[0] if inner is not None else None
            if made is not None:
                if rname is not None:
                    self.rows[(tname, rname)] = toks  # (as below: the row as written, its padding too)
                self.res.cells.update(zip(keys, made))
                return
        if where is None:
            where = self.row_where(values)
        if ident is None:
            ident = _row_identity(tname)
        if values.last:
            sure = self.before_the_cut(toks, cols)
            if sure:
                pl = place(toks[:sure], sure, None, None)
                for key, v, txt, tok in zip(keys, pl.values, pl.texts, toks):
                    if v is UNREAD or v is TEXT:
                        break
                    self.put(key, v, txt, tok, where)
                else:
                    for key in keys[sure:]:
                        self.res.cells[key] = Cell(UNREAD, "", where, "the text ends before this cell", veto=True)
                        self.problem("truncated", f"the text ends inside this row after {sure} of its {len(cols)} "
                                     "cells (the last it has may be cut); this cell is left unread", where, tname,
                                     rname, key[2])
                    return
            for key in keys:
                self.res.cells[key] = Cell(UNREAD, "", where, "the text ends inside this row: its last value "
                                           "may be cut", veto=True)
            self.problem("truncated", "the text ends inside this row; its values are left unread", where, tname,
                         rname)
            return
        if values.runs_on:
            for key in keys:
                self.set_unread(key, "the last value runs on into text that is no label", where)
            self.problem("missing_cell", f"the values {' '.join(t.raw for t in toks)!r} run on into text that is "
                         "no label of the template; where the row ends is unknown", where, tname, rname)
            return
        damaged = empty = negative = False  # one pass over the row for what the steps below ask
        for t in toks:
            if t.damaged:
                damaged = True
            elif t.kind == "null":
                empty = empty or not t.raw
            elif t.sign == "-" or t.signed:
                negative = True
        if damaged:
            for key in keys:
                self.res.cells[key] = Cell(UNREAD, "", where, "an undecodable byte touches a value", veto=True)
            self.problem("damaged", "an undecodable byte touches a value of this row; the row is left unread",
                         where, tname, rname)
            return
        if rname is not None and (tname, rname) in self.rows:
            first = [t.raw for t in self.rows[(tname, rname)]]
            if first != [t.raw for t in toks]:
                for key in keys:
                    self.set_unread(key, "the row appears twice with different values", where)
                self.problem("duplicate_row", f"row {rname} appears twice with different values ({' '.join(first)} "
                             f"and {' '.join(t.raw for t in toks)}); which is the report's is unknown, the row is "
                             "left unread", where, tname, rname)
            return
        if rname is not None:
            self.rows[(tname, rname)] = toks  # (their texts are compared when the row comes again)
        if empty:
            toks = self.own_row(toks)
        places, aligned = self.grid_positions(tname, cols, toks, disordered)
        # aligned: each cell under its own header, in order: the order is the place (read below, in order)
        if not aligned and places is not None and self.place_by_grid(tname, rname, cols, keys, toks, places, where,
                                                                     bool(disordered)):
            return
        if disordered:
            for key in keys:
                self.set_unread(key, disordered, where)
            self.problem("missing_cell", f"{disordered}, and the row's cells cannot be located under it; the row is "
                         "left unread", where, tname, rname)
            return
        toks, why = (toks, "") if aligned or not empty else _fit_blank_cells(toks, len(cols))
        if why:
            for key in keys:
                self.set_unread(key, why, where)
            if toks:  # a row of empty cells short of the columns says nothing: no problem of its own
                self.problem("missing_cell", f"values {' '.join(t.raw or '∅' for t in toks)!r} for {len(cols)} "
                             f"cells: {why}; the row is left unread", where, tname, rname)
            return
        surplus = ""
        if len(toks) > len(cols) > 2 and self.table_cells(toks) and all(t.kind in ("num", "null") for t in toks) \
                and len({t.raw for t in toks[1:-1]}) == 1:
            # a table row: its first value cell stands beside the label and its last under the last
            # column; surplus cells between them among equal values leave every column certain
            surplus = " ".join(t.raw or "∅" for t in toks)
            toks = [toks[0]] + toks[1:len(cols) - 1] + [toks[-1]]
        if not surplus and not negative and len(toks) == len(cols):
            counts = _counts_as_written(toks)
            if counts is not None:
                # one count per cell, each as written: the only reading, as ``digits.place`` finds
                # ("exact"), without the candidates' machinery
                cells = self.res.cells
                amounts = _AMOUNTS.get(tname, ())
                for key, v, tok in zip(keys, counts, toks):
                    if key[2] in amounts:
                        self.put(key, v, tok.digits, tok, where)  # an amount: its unit decides
                    else:
                        cells[key] = CellValue(v, tok.digits, self.cell_where(tok) or self.where_of(tok.start))
                return
        names, signed = _column_names(tuple(cols))
        if negative and len(toks) == len(cols) and any(t.sign == "-" or t.signed for t in toks) \
                and self.table_cells(toks):
            signed = None  # one table cell per column: "-3" is what the cell says, not a cut to choose
        if len(toks) < len(cols) and sum(len(t.digits) if t.kind == "num" else 1 for t in toks) < len(cols):
            self.short_rows += 1  # (every number has a digit: as many tokens as cells are never short)
        pl: Placement = place(toks, len(cols), ident, signed, self.hints(tname, rname) if self.stated else (), names,
                              careful=self.careful)
        if pl.candidates and tname == "applications":
            self.open_rows[rname] = (pl.candidates, toks, where)
        joined: list[str] = []

        def raw_run() -> str:
            if not joined:
                joined.append(" ".join(t.raw for t in toks))
            return joined[0]

        if pl.how != "none" and tname == "applications" and _total_blank(pl.values):
            pl = Placement([UNREAD] * len(cols), [""] * len(cols), "none", reason=_TOTAL_BLANK)
        if pl.how == "none":
            for key in keys:
                self.set_unread(key, pl.reason, where)
            kind = pl.problem or ("ambiguous_split" if pl.readings else "missing_cell")
            readings = "; ".join("(" + ", ".join(_fmt(v) for v in r) + ")" for r in pl.readings[:6])
            self.problem(kind, f"values {raw_run()!r} for {len(cols)} cells: {pl.reason}"
                         + (f"; possible readings: {readings}" if readings else ""), where, tname, rname)
            return
        exact = pl.how == "exact"
        note: str | None = None
        cells = self.res.cells
        # a count as counts are written (no unit, no decimal part, not an amount): stored here, not by put()
        amounts = _AMOUNTS.get(tname, ())
        for key, col, v, txt, src in zip(keys, cols, pl.values, pl.texts, pl.sources):
            ccol = key[2]
            if exact and type(v) is int:
                tok = toks[src]
                if not tok.unit and ccol not in amounts:
                    cells[key] = CellValue(v, txt, self.cell_where(tok) or self.where_of(tok.start))
                    continue
            if v is UNREAD:
                self.set_unread(key, f"{pl.reason}: this cell differs between them", where)
                continue
            if v is TEXT:
                self.set_unread(key, "the cell's text is not a number", where)
                if src is not None:
                    self.problem("unreadable_value", f"cell text {toks[src].raw!r} is not a number", where, tname,
                                 rname, ccol)
                continue
            if note is None:  # the row's note, once: how its values were placed
                note = "" if exact else _PLACED_NOTE.get(pl.how, "").format(raw_run())
            self.put(key, v, txt, toks[src], where, pl.how, note)
        if surplus and pl.how != "none":
            self.problem("surplus_cells", f"{len(toks) + len(surplus.split()) - len(cols)} cells for {len(cols)} "
                         f"columns ({surplus}); the surplus cell(s) lie among equal values, so every column is "
                         "still certain", where, tname, rname)
        if pl.how == "surplus":
            self.problem("surplus_cells", f"{len(toks)} values for {len(cols)} cells ({raw_run()}); every way to "
                         "leave the surplus out gives the same values", where, tname, rname)
        if pl.how == "identity":
            self.problem("split_by_identity", f"the values {raw_run()!r} were cut into cells using the row's own "
                         f"total (parts sum to 总计); that identity is not evidence of the agency's arithmetic",
                         where, tname, rname, identity=T.ROW_IDENTITY_RULE.get(tname))
        if pl.how == "stated":
            self.problem("split_by_statement", f"the values {raw_run()!r} were cut into cells using a number the "
                         "text states elsewhere", where, tname, rname)
        if pl.readings:
            readings = "; ".join("(" + ", ".join(_fmt(v) for v in r) + ")" for r in pl.readings[:6])
            self.problem("ambiguous_split", f"values {raw_run()!r}: {pl.reason} ({readings}); cells on which they "
                         f"differ are left unread", where, tname, rname,
                         None if sum(1 for v in pl.values if v is UNREAD) != 1
                         else cols[[v is UNREAD for v in pl.values].index(True)].split(".")[-1])

    def put(self, key: tuple[str, str, str], v, txt: str, tok: NumToken, where: str, how: str = "exact",
            note: str = "") -> None:
        """Store a placed value, unless its unit says it is not the column's: a count written with
        a money unit or a decimal part is left unread. An amount in 元 (its own unit, or its column's
        header) under the template's 万元 column is stored in 万元, exactly (the decimal point moved
        four places); its raw text keeps what the document wrote, and its location says so."""
        table, _, col = key
        unit = tok.unit
        if not unit and type(v) is int and table not in T.PROACTIVE_BY_KEY:  # a count, as counts are written
            self.res.cells[key] = Cell(v, txt, "", "", False, how, tok.start, note)
            return
        if col in _AMOUNTS.get(table, ()):
            if (unit == _YUAN or (not unit and self.money_header_unit(col) == _YUAN)) and v:
                wan = in_wan(v)
                note += f" ({txt}{_YUAN} = {wan}{T.MONEY_UNIT})"
                v = wan
        elif unit in (T.OTHER_MONEY_UNIT, T.MONEY_UNIT) or isinstance(v, Decimal):
            self.set_unread(key, f"a count written as {txt}{unit}", where)
            return
        # positionally (reason "", veto False, how, offset, note): a keyword call costs twice as much
        self.res.cells[key] = Cell(v, txt + unit, "", "", False, how, tok.start, note)

    def before_the_cut(self, toks: list[NumToken], cols: list[str]) -> int:
        """How many of a cut row's first cells are certain: its values, one per cell between
        separators, no more than its cells, in a text that shows it keeps its blank cells (not
        ``careful``): each stands in its column. The last is certain only as a 0 in a count
        column (no count goes on from 0); any other last value may have lost its end."""
        if self.careful or not toks or len(toks) > len(cols) or not all(
                t.atomic and t.kind == "num" and not t.unit for t in toks):
            return 0
        last, col = toks[-1], cols[len(toks) - 1].split(".")[-1]
        whole = last.digits == "0" and not last.frac and not last.sign and col not in _MONEY_COLUMNS
        return len(toks) if whole else len(toks) - 1

    def table_cells(self, toks: list[NumToken]) -> bool:
        """Whether the values are the cells of one table row (no page number or stray text can be
        among them)."""
        rows = {g[:2] if g else None for g in self.places_of(toks)}
        return len(rows) == 1 and None not in rows

    def cell_where(self, tok: NumToken) -> str:
        """The location of the value cell ``tok`` stands in — what where_of says of any offset in
        that cell — or "" when it stands in none (or the reader was not given the cells')."""
        return self.cell_wheres[tok.where - 1] if tok.where > 0 and self.cell_wheres else ""

    def places_of(self, toks: list[NumToken]) -> list[tuple | None]:
        """Where each token stands in its table (``grid_of`` its start): a token of a value cell
        by the cell's id, without a search (asked of every value of every row)."""
        grids, grid_of = self.grids, self.grid_of
        return [grids[t.where - 1] if t.where > 0 and grids else grid_of(t.start) for t in toks]

    def own_row(self, toks: list[NumToken]) -> list[NumToken]:
        """A row's values without the empty cells of other table rows, which say nothing of it (a
        spacer row, a filler line ``||``, the first row of a table continued on the next page): an
        empty cell is a blank only in a row that holds one of the values. A run of empty cells
        alone keeps its first row's."""
        if not any(t.kind == "null" and not t.raw for t in toks):
            return toks  # no empty cell: nothing to leave out
        rows = self.places_of(toks)
        empty = [t.kind == "null" and not t.raw for t in toks]  # _empty, once per token
        full = {g[:2] for e, g in zip(empty, rows) if g is not None and not e}
        if not full and all(empty):
            first = rows[0][:2] if toks and rows[0] is not None else None
            full = {first}
        return [t for t, e, g in zip(toks, empty, rows) if not e or (g is not None and g[:2] in full)]

    def header_places(self, tname: str, cols) -> tuple | bool:
        """The grid places of the columns' headers when the header gave every column a place in
        one table: ((grid column, span) of each, the table, the grid column of each, the span a
        value cell may have besides 1 to stand under each — the header's own where the headers
        stand apart, left to right, else 1); else False. Asked of every row; the header changes
        only where a header cell is heard."""
        key = (tname, cols, self.ptpl)
        heard = self.heads_seen.get(key)
        if heard is None:
            heads = ([self.agrid.get(c) for c in cols] if tname == "applications"
                     else [self.pgrid.get((self.ptpl, c)) for c in cols])
            if any(h is None for h in heads) or len({h[0] for h in heads}) != 1:
                heard = False
            else:
                apart = all(a[1] + a[2] <= b[1] for a, b in pairwise(heads))
                heard = ([(h[1], h[2]) for h in heads], heads[0][0], tuple(h[1] for h in heads),
                         tuple(h[2] if apart else 1 for h in heads))
            self.heads_seen[key] = heard
        return heard

    def plain_cells_on_grid(self, tname: str, cols, toks: list[NumToken]) -> tuple[list[CellValue] | None, bool]:
        """``_plain_cells`` of a row of as many values as columns in a text with a grid, and
        whether the row may not stand each value under its own column's header, in order
        (``grid_positions`` decides then): not when no value has a place that counts (see there)
        or each value's place is (the table, the label's row, the header's grid column, span 1 —
        or the header's span, where the headers stand apart: a cell as wide as its header, 2021's
        one-column 第二十条 tables, is what ``place_by_grid`` reads there, each cell the one under
        its header). Asked of every row of a table with a grid: the places are compared as the
        cells are read (``_plain_cells`` given the grid)."""
        heads = self.heads_seen.get((tname, cols, self.ptpl))  # (header_places, inline where it is known)
        if heads is None:
            heads = self.header_places(tname, cols)
        if not heads:
            return _plain_cells(toks, self.cell_wheres, self.where_of)[0], False
        grids = self.grids
        w = toks[0].where
        first = grids[w - 1] if w > 0 and grids else self.grid_of(toks[0].start)
        if first is None or first[0] != heads[1] or self.run is None or not self.run.origins:
            return _plain_cells(toks, self.cell_wheres, self.where_of)[0], False
        label = self.grid_of(self.run.origins[-1])
        if label is None or label[0] != first[0] or label[1] != first[1]:
            return _plain_cells(toks, self.cell_wheres, self.where_of)[0], False
        if not grids:  # (places by grid_of only)
            return _plain_cells(toks, self.cell_wheres, self.where_of)[0], True
        made, placed = _plain_cells(toks, self.cell_wheres, self.where_of, grids, first[0], first[1], heads[2],
                                heads[3])
        return made, not placed

    def grid_positions(self, tname: str, cols: list[str], toks: list[NumToken],
                       disordered: str = "") -> tuple[tuple[list, list[tuple]] | None, bool]:
        """((grid column, span) of each column's header, grid place of each value) when the row's
        values are cells of one row of the table whose header gave every column a place, else
        None; and whether each value stands under its own column's header, in order (not when the
        header is ``disordered``)."""
        if not self.gridded or not toks:
            return None, False  # no header had a place in a grid
        heard = self.header_places(tname, cols)
        if heard is False:
            return None, False
        table = heard[1]
        places = self.places_of(toks)
        first = places[0]
        if first is None or first[0] != table:
            return None, False
        row = first[1]
        for g in places:  # every value a cell with a grid place, all in one row of the header's table
            if g is None or g[2] is None or g[0] != table or g[1] != row:
                return None, False
        label = self.grid_of(self.run.origins[-1]) if self.run is not None and self.run.origins else None
        if label is None or label[0] != table or label[1] != row:
            return None, False  # the values are not in the label's row (a cell broken over lines): places differ
        aligned = not disordered and len(toks) == len(cols)
        if aligned:
            for g, hp in zip(places, heard[2]):
                if g[2] != hp or g[3] != 1:
                    aligned = False
                    break
        return (heard[0], places), aligned

    def place_by_grid(self, tname: str, rname: str, cols: list[str], keys: list, toks: list[NumToken],
                      grid: tuple[list, list[tuple]], where: str, disordered: bool = False) -> bool:
        """Each column's value is the cell under its header. A row without a cell under its last
        column lost a cell somewhere (the others may have moved left): nothing in it is certain.
        A cell spanning two headed columns belongs to neither; two filled cells under one header
        leave that column unread (which is its value is unknown). As many cells as columns, not
        each under its own header, say one thing in order and another by place: not read, unless
        the header is ``disordered`` (then only places can be right). Returns False when the row
        is better read in order (every cell the same number), True when it is done."""
        heads, places = grid
        pos = [h[0] for h in heads]
        covers: dict[int, list[int]] = {}  # grid column -> the cells over it, in order
        for i, g in enumerate(places):
            for q in range(g[2], g[2] + g[3]):
                covers.setdefault(q, []).append(i)
        under = [covers.get(p, []) for p in pos]
        lost = [c for c, u in zip(cols, under) if not u]
        raw = " ".join(t.raw or "∅" for t in toks)
        if len(toks) == len(cols) and not disordered and any(u != [i] for i, u in enumerate(under)) \
                and len({t.raw for t in toks}) == 1 and not _empty(toks[0]):
            return False  # every cell holds the same number: in order or by place, each column reads the same
        if len(toks) == len(cols) and not disordered and any(u != [i] for i, u in enumerate(under)):
            # as many cells as columns, but not each under its own header: read in order they say one
            # thing, read by place another — neither is certain
            for key in keys:
                self.set_unread(key, "the cells do not line up with the column headers", where)
            self.problem("missing_cell", f"the cells ({raw}) do not line up with the column headers; the row is left "
                         "unread", where, tname, rname)
            return True
        if lost and lost[-1] == cols[-1]:
            for key in keys:
                self.set_unread(key, "no cell under the row's last column: a cell is lost somewhere", where)
            self.problem("missing_cell", f"the row ({raw}) has no cell under the {', '.join(lost)} column(s): a cell "
                         "is lost somewhere in it, the row is left unread", where, tname, rname)
            return True
        values: list = []
        for key, col, u, p in zip(keys, cols, under, pos):
            if not u:
                self.set_unread(key, f"no value cell under the {col} column", where)
                self.problem("missing_cell", f"no value cell under the {col} column", where, tname, rname, col)
                values.append(UNREAD)
                continue
            g = places[u[0]]
            if any(q != p and g[2] <= q < g[2] + g[3] for q in pos):
                self.set_unread(key, "the cell spans several columns", where)
                self.problem("missing_cell", f"the cell {toks[u[0]].raw!r} spans several columns; which one it "
                             "belongs to is unknown", where, tname, rname, col)
                values.append(UNREAD)
                continue
            (hp, hs) = heads[len(values)]
            more = [i for i, g in enumerate(places) if i != u[0] and not _empty(toks[i])
                    and g[2] < hp + hs and hp < g[2] + g[3]]
            if more:
                self.set_unread(key, "two filled cells under one header", where)
                self.problem("extra_cells", f"cells {toks[u[0]].raw!r} and {toks[more[0]].raw!r} stand under the {col} "
                             "header; which is its value is unknown", where, tname, rname, col)
                values.append(UNREAD)
                continue
            values.append(u[0])
        got = [_one_cell(toks[i]) if i is not UNREAD else None for i in values]  # a cell says what it says
        if tname == "applications" and _total_blank([g[1] if g else None for g in got]):
            for key in keys:
                self.set_unread(key, _TOTAL_BLANK, where)
            self.problem("missing_cell", f"values {raw!r}: {_TOTAL_BLANK}; the row is left unread", where, tname, rname)
            return True
        for key, i, g in zip(keys, values, got):
            if g is None:
                continue
            how, v, text = g
            if how == "none" or v is TEXT or v is UNREAD:
                self.set_unread(key, "the cell's text is not a number", where)
                self.problem("unreadable_value", f"cell text {toks[i].raw!r} is not a number", where, tname, rname,
                             key[2])
                continue
            self.put(key, v, text, toks[i], where)
        return True

    def cross_rows(self) -> None:
        """Rows with several cuts, chosen by the cross-row identities (T.CROSS_ROW_IDENTITIES:
        outcome rows sum to （七）总计; new + carried over = handled + carried forward) where every
        other row of the identity is read. An identity only chooses among the row's own cuts."""
        cols = T.APPLICANT_COLUMNS
        changed = True
        while changed and self.open_rows:
            changed = False
            for row, (cands, toks, where) in list(self.open_rows.items()):
                for name, plus, minus in T.cross_row_identities(self.template or T.DEFAULT_TEMPLATE):
                    if row not in plus and row not in minus:
                        continue
                    sign = 1 if row in plus else -1
                    expected = []
                    for c in cols:
                        acc = 0
                        ok = True
                        for r in plus + minus:
                            if r == row:
                                continue
                            cell = self.res.cells.get(("applications", r, c))
                            if cell is None or cell.value is UNREAD or not isinstance(cell.value, int):
                                ok = False
                                break
                            acc += cell.value if (r in plus) != (sign == 1) else -cell.value
                        if not ok:
                            break
                        expected.append(acc)
                    if len(expected) != len(cols):
                        continue
                    # plus-side sum == minus-side sum; the row's value is what balances the others
                    want = tuple(expected)
                    hits = [c for c in cands if tuple(c[0]) == want]
                    if len(hits) != 1:
                        continue
                    vals, texts, srcs = hits[0]
                    raw_run = " ".join(t.raw for t in toks)
                    for c, v, txt, src in zip(cols, vals, texts, srcs):
                        self.res.cells[("applications", row, c)] = Cell(
                            v, txt, self.where_of(toks[src].start) + f" (cut from {raw_run!r}; the cut leans on {name})",
                            how="identity")
                    self.res.problems = [p for p in self.res.problems
                                         if not (p[3] == "applications" and p[4] == row and p[0] in ("ambiguous_split", "missing_cell"))]
                    self.problem("split_by_identity", f"the values {raw_run!r} were cut into cells using {name}; that "
                                 "identity is not evidence of the agency's arithmetic", where, "applications", row,
                                 identity=name.split()[0])
                    del self.open_rows[row]
                    changed = True
                    break

    def hints(self, tname: str, rname: str | None) -> list:
        """Values the text states elsewhere for this row's cells (制发规范性文件34件), and values the
        other rows imply through the cross-row identities: they may choose between readings."""
        out = []
        for (t, r, c), value in self.stated.items():
            if t == tname and r == rname:
                out.append((c, value))
        return out

    def set_unread(self, key: tuple[str, str, str], reason: str, where: str) -> None:
        self.res.cells[key] = Cell(UNREAD, "", where, reason)

    def money_header_unit(self, col: str) -> str:
        for targets, after in self.pheader:
            if any(c == col for _, c in targets):
                if T.MONEY_UNIT in after:
                    return T.MONEY_UNIT
                if T.OTHER_MONEY_UNIT in after:
                    return T.OTHER_MONEY_UNIT
        return ""


#: The reader's method for each kind of event (a kind not here, noise, names nothing).
_ON_EVENT = {"arow": StreamReader._on_arow, "ptable": StreamReader._on_ptable, "pcol": StreamReader._on_pcol,
             "prow": StreamReader._on_prow, "atable": StreamReader._on_atable, "acol": StreamReader._on_acol,
             "word": StreamReader._on_word, "agroup": StreamReader._on_agroup,
             "group_row": StreamReader._on_group_row, "review_section": StreamReader._on_review_section,
             "rgroup": StreamReader._on_review, "rparent": StreamReader._on_review, "rcol": StreamReader._on_review,
             "end": StreamReader._on_end}


def _plan_of(events: tuple) -> tuple[tuple, tuple]:
    """A label run's events (``scan``) and the reader's method for each that names something,
    in order: ((start, end, event), …), ((method, event, start, end), …). ``label_run`` asks
    ``_plan_cached`` of a run of up to 256 characters, as ``scan`` caches them: the same label
    runs recur in every report."""
    return events, tuple((_ON_EVENT[ev.kind], ev, s, e) for s, e, ev in events if ev.kind in _ON_EVENT)


@lru_cache(maxsize=16384)
def _plan_cached(text: str) -> tuple[tuple, tuple]:
    return _plan_of(scan(text))


def _mark_runs_on(values: ValueRun, after: LabelRun | ValueRun | None) -> None:
    """Mark a value run whose last number is glued to label text that starts with no phrase of
    the grammar: where the row ends is unknown."""
    if isinstance(after, LabelRun) and values.tokens[-1].glued_after and _junk_start(after):
        values.runs_on = True


#: What a placed value's location adds, by how its row was placed ({0}: the row's values as written).
_PLACED_NOTE = {
    "digits": " (cut from {0!r} by the digit rules)",
    "stated": " (cut from {0!r}; a number the text states chose between the cuts)",
    "identity": " (cut from {0!r}; the cut leans on the row's total)",
    "agree": " (cut from {0!r}; every possible cut gives this cell this value)",
    "surplus": " (from {0!r}: whichever value is surplus, this cell is this value)"}

_row_identity = lru_cache(maxsize=None)(T.row_identity)  # one function per table, not one per row
_REVIEW_CELLS = tuple(f"{g}.{c}" for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS)


@lru_cache(maxsize=256)
def _row_keys(table: str, row: str | None, cols: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """The canonical keys of a row's cells (a review cell's column names its group: 复议.维持)."""
    return tuple((table, row, c) if row else (table, c.split(".")[0], c.split(".")[1]) for c in cols)


#: The amount columns of each table (none: the applications and review tables).
_AMOUNTS = {key: spec.money_columns for key, spec in T.PROACTIVE_BY_KEY.items()}
_MONEY_TABLES = frozenset(key for key, amounts in _AMOUNTS.items() if amounts)
_MONEY_COLUMNS = frozenset(c for spec in T.PROACTIVE_TABLES for c in spec.money_columns)
_TOTAL_BLANK = ("the 总计 cell is blank while other cells hold numbers: the blank cells may have been moved to the "
                "end of the row")


def _total_blank(values: list) -> bool:
    """The last (总计) value blank while a part holds a number other than 0: how a row whose blank
    cells were moved to its end looks, so its positions cannot be trusted."""
    return bool(values) and values[-1] is None and any(
        v is not None and v is not UNREAD and v is not TEXT and v != 0 for v in values[:-1])


def _counts_as_written(toks: list[NumToken]) -> list[int] | None:
    """The tokens' values when each is a count written plainly — digits only, no sign, decimal
    part or unit, no leading zero — else None."""
    counts = []
    for t in toks:
        value = plain_count(t)
        if value is None or t.unit:
            return None
        counts.append(value)
    return counts


#: The value of each count written plainly up to 999: nearly every count of a report, looked up
#: rather than converted (a third of the cost).
_COUNT_OF = {str(i): i for i in range(1000)}


#: a CellValue built field by field: ``CellValue(...)`` runs its dataclass ``__init__`` (a Python
#: frame, reached through type.__call__), which costs about twice what the bare object and three
#: slot stores do, once per cell of every report. ``_plain_cells`` sets every field, so this holds
#: it to the fields it knows: a field added to CellValue stops the import here instead of leaving
#: cells without it (see extract.readers.html's TCell).
_new_value = CellValue.__new__
if tuple(CellValue.__dataclass_fields__) != ("value", "raw", "where"):
    raise ImportError("extract.stream builds CellValue field by field: teach _plain_cells the new fields")


def _plain_cells(toks: list[NumToken], cell_wheres: list[str], where_of, grids: list | None = None, table: int = 0,
                 row: int = 0, columns: tuple[int, ...] = (), spans: tuple[int, ...] = ()
                 ) -> tuple[list[CellValue] | None, bool]:
    """The row's cells as the report keeps them when each value is a count written plainly and
    nothing else — what ``plain_count`` reads (digits only, no sign, decimal part or leading
    zero), no unit, not signed with a word (减3), not damaged — else None. Each is located by
    its value cell (``cell_where``; ``cell_wheres`` not empty), else by ``where_of``. Asked of
    nearly every row of every report: one pass.

    Returns (cells, placed). ``grids`` given (``StreamReader.plain_cells_on_grid``): each value
    must stand at (``table``, ``row``, the grid column ``columns[i]``, span 1 or ``spans[i]``) to
    stand under its header, and ``placed`` says whether each does — compared in the same pass
    as the cells are read. Without ``grids`` no place is asked and ``placed`` means nothing."""
    made: list[CellValue] = []
    add = made.append
    value_of = _COUNT_OF.get
    placed = True
    i = 0
    for t in toks:
        if t.kind != "num" or t.sign or t.frac or t.unit or t.signed or t.damaged:
            return None, False
        d = t.digits
        v = value_of(d)
        if v is None:
            if d < "1" and d != "0":
                return None, False  # no digit, or a leading zero
            v = int(d)
        w = t.where
        cell = _new_value(CellValue)  # see _new_value
        cell.value = v
        cell.raw = d
        if w > 0:
            cell.where = cell_wheres[w - 1] or where_of(t.start)
            if placed and grids is not None:
                g = grids[w - 1]  # (table, row, grid column, span)
                if g != (table, row, columns[i], 1) and g != (table, row, columns[i], spans[i]):
                    placed = False
        else:
            cell.where = where_of(t.start)
            placed = False  # no cell, no place
        i += 1
        add(cell)
    return made, placed


def _one_cell(tok: NumToken) -> tuple[str, object, str]:
    """What ``digits.place`` reads in a cell of its own holding ``tok``: (how, value, text); a
    plain count without the candidates' machinery."""
    value = plain_count(tok)
    if value is not None:
        return "exact", value, tok.digits
    pl = place([tok], 1, None, None)
    return pl.how, pl.values[0], pl.texts[0]


def _empty(t: NumToken) -> bool:
    return t.kind == "null" and not t.raw


def _padded_values(toks: list[NumToken], n: int) -> list[NumToken] | None:
    """The ``n`` values of a row between empty cells at its ends (padding: a label over two
    columns, an exporter's trailing tabs), or None when the values left are not ``n`` — what
    ``_fit_blank_cells`` leaves of such a row (and ``own_row`` before it: it leaves out empty
    cells only). An empty cell that is damaged or signed is no padding (``place_row`` reads
    the row as such)."""
    lo, hi = 0, len(toks)
    while lo < hi and _padding(toks[lo]):
        lo += 1
    while hi > lo and _padding(toks[hi - 1]):
        hi -= 1
    return toks[lo:hi] if hi - lo == n else None


def _padding(t: NumToken) -> bool:
    return _empty(t) and not (t.damaged or t.sign or t.signed)


def _fit_blank_cells(toks: list[NumToken], n: int) -> tuple[list[NumToken], str]:
    """A row's values with the empty table cells that cannot be its cells left out: (tokens, why
    the row cannot be read). Empty cells are values (blank) when the row has exactly as many cells
    as columns; beyond that, empty cells at the row's ends are padding (a label over two columns,
    an exporter's trailing tabs). A row that starts with an empty cell and has as many cells as
    columns may as well be a padded label with a value cell lost further on: not read."""
    if not any(_empty(t) for t in toks):
        return toks, ""
    if all(_empty(t) for t in toks):
        return ([], "the row's cells are empty but fewer or more than its columns") if len(toks) != n else (toks, "")
    if len(toks) == n:
        if _empty(toks[0]):
            return toks, ("the row starts with an empty cell: the padding of a wide label or an empty first "
                          "column; with a value cell left out further on, either fits")
        return toks, ""
    lo, hi = 0, len(toks)
    while lo < hi and _empty(toks[lo]):
        lo += 1
    while hi > lo and _empty(toks[hi - 1]):
        hi -= 1
    return toks[lo:hi], ""


#: A label that names no row is read as the closest row label only when it is this similar to
#: it (difflib ratio) and this much closer than to any other (typos, characters a PDF lost).
FUZZY_MIN, FUZZY_MARGIN, FUZZY_MAX_CHARS = 0.7, 0.15, 40


@lru_cache(maxsize=2048)
def _closest_row(text: str, template: str) -> str | None:
    """The application row a garbled label (2.其他法律行政止公开) names, when one is clearly closest."""
    last = None
    for last in NUMBERING.finditer(text):
        pass
    t = strip_numbering(norm(text[last.start():] if last else text))  # the row's own label, after any heading
    if not t or len(t) > FUZZY_MAX_CHARS or any(cue in t for cues in _GROUP_CUES for cue in cues):
        return None
    scored = sorted(((similarity(t, lab), key) for key, lab in _FUZZY_LABELS.items()
                     if template in _SPECS[key].templates), reverse=True)
    if len(scored) > 1 and scored[0][0] >= FUZZY_MIN and scored[0][0] - scored[1][0] >= FUZZY_MARGIN:
        return scored[0][1]
    return None


def _label_start(events, s: int) -> int:
    """Where the label of the phrase at ``s`` starts: after the last phrase that ends before it."""
    return max((pe for ps, pe, _ in events if pe <= s), default=0)


def _not_a_row_label(text: str, s: int, e: int, head: str, tail: str, in_grid: bool) -> bool:
    """Whether the phrase at ``text[s:e]`` stands amid too much else to be the row's label: more
    than MAX_NOISE characters that are not the grammar's around it, or numbering after it.
    ``in_grid``: the label is a table cell, so headings merged into that cell after it (a PDF's
    vertically merged group labels: 4.保护第三方合法权益理结果（三）不予公开) name no row of their
    own, and only what is not the grammar's counts as noise. Cached: the same few labels recur in
    every report."""
    prefix = text[_label_start(scan(text), s):s]
    suffix = text[e:]
    if in_grid:
        kept, at = [], e
        for ps, pe, _ in scan(text):
            if ps >= e:
                kept.append(text[at:ps])
                at = pe
        kept.append(text[at:])
        suffix = "".join(NUMBERING.sub("", k) for k in kept)
    noise_before = [ch for ch in leftover(prefix) if ch not in head]
    noise_after = [ch for ch in leftover(suffix) if ch not in tail]
    return len(noise_before) > MAX_NOISE or bool(NUMBERING.search(suffix)) or len(noise_after) > MAX_NOISE


@lru_cache(maxsize=8192)
def _row_label_verdicts(text: str, s: int, e: int, head: str, tail: str) -> tuple[bool, bool]:
    """``_not_a_row_label`` of the phrase outside a table cell and in one: where they agree, the
    label's place need not be looked up. Cached: the same few labels recur in every report."""
    return (_not_a_row_label(text, s, e, head, tail, False), _not_a_row_label(text, s, e, head, tail, True))


@lru_cache(maxsize=64)
def _column_names(cols: tuple[str, ...]) -> tuple[list[str], list[bool]]:
    """The columns' own names (``诉讼.总计`` → ``总计``) and whether each may be negative: the same
    few column lists serve every row, so computed once per list."""
    names = [c.split(".")[-1] for c in cols]
    return names, [n in T.SIGNED_COLUMNS for n in names]


@lru_cache(maxsize=64)
def _first_column_keys(table: str) -> tuple[str, ...]:
    """The keys of a proactive table's first template's columns (where its header fits none)."""
    return tuple(k for k, _ in next(iter(T.PROACTIVE_BY_KEY[table].columns.values())))


@lru_cache(maxsize=64)
def _pcolumns(table: str, tpl: str) -> tuple[tuple, tuple[str, ...], str, str | None]:
    """A proactive table's columns in template ``tpl``: (columns, their keys, "" — nothing keeps
    them from being read —, the template whose columns they are)."""
    spec = T.PROACTIVE_BY_KEY[table]
    cols = spec.columns[tpl]
    return cols, tuple(k for k, _ in cols), "", next((t for t, c in spec.columns.items() if c is cols), None)


@lru_cache(maxsize=256)
def _column_places(table: str, targets: tuple) -> tuple[tuple[str, int | None], ...] | None:
    """For each template of the proactive table, the first of its columns that a header phrase
    naming ``targets`` names (None: none of them), or None when the phrase names no column of the
    table at all. Cached: the same few phrases head the tables of every report."""
    columns = T.PROACTIVE_BY_KEY[table].columns
    places = tuple((t, next((i for i, (k, _) in enumerate(cols) if (t, k) in targets), None))
                   for t, cols in columns.items())
    return places if any(i is not None for _, i in places) else None


class _HeaderFold:
    """A proactive table's header folded as it is heard, one column phrase at a time: whether
    any phrase named a column of the table, and for each template whether every phrase that did
    named one of its columns, and in its order. Which columns a row of the table has follows from
    that (``template``) without going over the header again: a text that names columns again and
    again between its rows costs in proportion to its length, not to its square."""

    __slots__ = ("spec", "seen", "heard", "fits", "last", "ordered", "columns")

    def __init__(self, spec: T.ProactiveTable):
        self.spec = spec
        self.seen = 0  # entries of the header folded
        self.heard = False  # a phrase named a column of the table
        self.fits = dict.fromkeys(spec.columns, True)  # every phrase heard is one of the template's columns
        self.last = dict.fromkeys(spec.columns, -1)  # the template's column the last phrase named
        self.ordered = dict.fromkeys(spec.columns, True)  # each phrase named a column after the one before
        self.columns: tuple | None = None  # StreamReader.pcolumns's answer for the entries folded so far

    def add(self, targets: tuple) -> None:
        """Fold one header entry: the (template, column) pairs its phrase names."""
        self.seen += 1
        places = _column_places(self.spec.key, targets)
        if places is None:
            return  # a phrase that names no column of this table
        self.heard = True
        for t, i in places:
            if i is None:
                self.fits[t] = False
            else:
                if i <= self.last[t]:
                    self.ordered[t] = False
                self.last[t] = i

    def template(self, template: str | None) -> tuple[str | None, str]:
        """The template whose columns the header shows (the report's own where the header has
        none or fits both), or None and why the table's columns cannot be read."""
        columns = self.spec.columns
        tpls = list(columns)
        if not self.heard:
            tpl = template if template in columns else (tpls[0] if len(tpls) == 1 else None)
            return (tpl, "") if tpl is not None else (None, "the table's header is missing and the template unknown")
        fits = [t for t in tpls if self.fits[t]]
        if not fits:
            return None, "the header mixes the two templates' columns"
        tpl = template if template in fits else (fits[0] if len(fits) == 1 else None)
        if tpl is None:
            return None, "the header fits both templates' columns"
        if not self.ordered[tpl]:
            return None, "the header lists the columns in an order other than the template's"
        return tpl, ""


@lru_cache(maxsize=256)
def _applicant_header_problem(aheader: tuple[str, ...]) -> str:
    """Why the applicant header's columns cannot be read in the template's order, or ""; cached:
    every row of a table asks it of the same header."""
    order = [T.APPLICANT_COLUMNS.index(c) for c in aheader if c not in T.APPLICANT_HEADER_ANYWHERE]
    if any(b <= a for a, b in pairwise(order)):
        return "the header lists the applicant columns in an order other than the template's"
    return ""


def _junk_start(run: LabelRun) -> bool:
    """Whether a label run starts with text that is none of the grammar's phrases."""
    if NUMBERING.match(run.text):
        return False  # the next numbered item (四、 (七) 2.) starts here: the values ended before it
    events = scan(run.text)
    start = events[0][0] if events else len(run.text)
    return len(leftover(run.text[:start])) > 0


def in_wan(v: int | Decimal) -> Decimal:
    """An amount in 元 in the template's unit, 万元: the same digits with the decimal point four
    places to the left, built from its digits (no division, no rounding at any length), the
    fraction's trailing zeros dropped (3443000 元 is 344.3 万元, 5000 元 0.5)."""
    sign, digits, exp = Decimal(v).as_tuple()
    exp -= 4  # type: ignore[operator]
    while exp < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exp = digits[:-1], exp + 1
    return Decimal((sign, digits, exp))


def _fmt(v) -> str:
    return "?" if v is TEXT else ("·" if v is None else str(v))


_SPECS = {s.key: s for s in T.APPLICATION_ROWS}
_FUZZY_LABELS = {spec.key: strip_numbering(norm(spec.label)) for spec in T.APPLICATION_ROWS
                 if spec.key not in T.BARE_ROW_LABELS}
_GROUP_CUES = tuple(tuple(norm(c) for c in cues) for cues in T.APPLICATION_GROUPS.values())


def read_stream(doc: Document, template: str | None) -> StreamResult:
    """Read the document's tables from its text as a stream (see the module docstring)."""
    grids: list = []
    plain: list = []
    mixed: list = []
    text, starts, wheres, ids = flatten(doc, grids, plain, mixed)
    if len(text) > MAX_CHARS:
        res = StreamResult(skipped=f"the text is over {MAX_CHARS} characters")
        return res
    mapped = remap(text)

    def where_of(offset: int) -> str:
        if not starts:
            return f"char {offset}"
        i = max(0, bisect_right(starts, offset) - 1)  # the piece at offset
        base = wheres[i]
        if not ids[i] and base.startswith("line"):  # a paragraph is one line of the text
            return f"{base} char {offset - starts[i] + 1}"
        return base

    def grid_of(offset: int) -> tuple | None:
        # (no cache: nearly every offset is asked once, and a cache of it measured dearer)
        return grids[max(0, bisect_right(starts, offset) - 1)] if starts else None

    def cell_of(offset: int) -> int:
        """The id of the table cell at ``offset`` (> 0 among a row's values, < 0 among its labels),
        or 0 outside the tables: an int, as every number token asks it. (A token's offset is not
        below the first piece's, 0: no clamp.)"""
        return ids[bisect_right(starts, offset) - 1] if starts else 0

    # the tables lie between the first table cue and the narrative section after the last one:
    # tokenizing only that stretch keeps the narrative's thousands of words out of the stream
    lo, hi = table_region(mapped)
    toks, complete = tokenize(mapped, lo, hi, plain)
    # the value cells a label may stand in (the others hold one count or the blank cell), each
    # from its start to the next piece's
    value_texts = [bound for cid in mixed
                   for bound in (starts[cid - 1], starts[cid] if cid < len(starts) else len(text))]
    items = runs(toks, cell_of, value_texts)
    if template is None:
        template = vote(items)
    if not doc.cut:
        for item in reversed(items):
            if isinstance(item, ValueRun):
                item.last = False
                break
    stated = stated_values(mapped)
    reader = StreamReader(template, where_of, grid_of=grid_of, cell_wheres=wheres, grids=grids)
    reader.stated = stated
    res = reader.read(items)
    if reader.short_rows:
        # the text leaves blank cells out somewhere: read again, cutting digits only beyond doubt
        reader = StreamReader(template, where_of, careful=True, grid_of=grid_of, cell_wheres=wheres, grids=grids)
        reader.stated = stated
        res = reader.read(items)
    res.where_of = where_of
    reader.cross_rows()
    res.template_votes = {"template": [template or ""]}
    if not complete:
        res.problems.append(("too_long", f"the text has more than {MAX_TOKENS} tokens; the rest is not read",
                             "document", None, None, None, None))
    return res


_STATED_CELLS = [(re.compile(pattern), cell) for pattern, cell in T.STATED_CELLS]


def stated_values(text: str) -> dict[tuple[str, str, str], int]:
    """Cells whose value the text states in words (制发规范性文件34件), each stated once only."""
    seen: dict[tuple[str, str, str], set[int]] = {}
    for pattern, cell in _STATED_CELLS:
        for m in pattern.finditer(text):
            if len(m.group(1)) <= MAX_NUMBER_DIGITS:
                seen.setdefault(cell, set()).add(int(m.group(1)))
    return {cell: next(iter(vals)) for cell, vals in seen.items() if len(vals) == 1}


#: Each template's cues, as given and as they read in the mapped label text (without white space).
_TEMPLATE_CUES = {t: [(c, "".join(c.translate(MAP).split())) for c in cues] for t, cues in T.TEMPLATE_CUES.items()}


def vote(items: list[LabelRun | ValueRun]) -> str | None:
    """The template from the label text of the tables (from the first 第二十条 on)."""
    labels = "".join(it.text for it in items if isinstance(it, LabelRun))
    start = labels.find(T.TABLES_START)
    if start < 0:
        return None
    labels = labels[start:]
    found = {t: [c for c, mapped in cues if mapped in labels] for t, cues in _TEMPLATE_CUES.items()}
    ranked = sorted(found, key=lambda t: -len(found[t]))
    if len(ranked) < 2 or len(found[ranked[0]]) == len(found[ranked[1]]):
        return None
    return ranked[0]
