"""Digits of adjacent cells run together (``7000007``, ``190000019``, ``0 0 00``): the ways a row's
number tokens can be cut into its cells, under the digit rules only.

The rules are those of how people write counts: a number has no leading zero except a lone 0,
a sign belongs to the first number of its token and a decimal part to the last. Every
segmentation that obeys them is a candidate reading; a reading is taken only when it is the only
one, or the only one that satisfies the row's own identity (总计 = the sum of its parts), and a
reading that needed the identity says so. Nothing here invents a value: candidates are cuts of
the digits as written.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar
from decimal import Decimal
from functools import lru_cache

#: More candidate readings than this: the row is not read (and the cost stays bounded).
MAX_CANDIDATES = 4000
#: A digit token longer than this is not cut (no report cell holds a run this long).
MAX_RUN = 64
#: More surplus values than this in a row: the row is not read (the alignments are not enumerated).
MAX_SURPLUS = 2


@dataclass(slots=True)
class NumToken:
    """A number as written in the stream: sign, digits, decimal part, unit, and whether the
    layout allows it to be more than one cell (a token between pipes or on its own line is one
    cell; a token between spaces, or glued to its neighbour, may be several)."""

    digits: str
    sign: str = ""
    frac: str = ""
    unit: str = ""
    atomic: bool = False
    start: int = 0
    end: int = 0
    kind: str = "num"  # num | null (a dash or 无: a blank cell) | text (a value written in words: 减3)
    raw: str = ""
    damaged: bool = False  # touches an undecodable byte
    where: int = 0  # the table cell it stands in (extract.stream's cell id), 0 outside the tables
    glued_after: bool = False  # the next token follows with nothing between
    signed: bool = False  # written with a sign word (减3): a change, never a count

    # a value cell's token that the stream's tokenizer took as made stands among its tokens: to the
    # glue rules, which ask what separates a token from its neighbours, it has the table's separators
    before: ClassVar[str] = "|"
    after: ClassVar[str] = "|"


Reading = tuple  # one value (int | Decimal | None | _TEXT) per cell


class _Text:
    """A cell whose text is not a number (减3): it occupies its cell but cannot be read."""

    def __repr__(self) -> str:  # pragma: no cover
        return "TEXT"


TEXT = _Text()


def _valid(piece: str) -> bool:
    return piece == "0" or (piece != "" and piece[0] != "0")


@lru_cache(maxsize=4096)
def _cuts(digits: str, k: int) -> tuple[tuple[str, ...], ...]:
    """Every way to cut ``digits`` into ``k`` valid pieces (no leading zeros)."""
    if k == 1:
        return ((digits,),) if _valid(digits) else ()
    out = []
    for i in range(1, len(digits) - k + 2):
        head = digits[:i]
        if not _valid(head):
            break  # a longer head keeps the leading zero
        for rest in _cuts(digits[i:], k - 1):
            out.append((head,) + rest)
            if len(out) > MAX_CANDIDATES:
                return tuple(out)
    return tuple(out)


@lru_cache(maxsize=4096)
def _count(digits: str, k: int) -> int:
    """The number of valid cuts, without building them (to refuse a huge enumeration early)."""
    if k == 1:
        return 1 if _valid(digits) else 0
    total = 0
    for i in range(1, len(digits) - k + 2):
        if not _valid(digits[:i]):
            break
        total += _count(digits[i:], k - 1)
        if total > MAX_CANDIDATES:
            return total
    return total


def plain_count(t: NumToken) -> int | None:
    """The value of a count written plainly — digits only, no sign or decimal part, no leading
    zero — or None: what every reading of a cell holding ``t`` alone gives it."""
    if t.kind == "num" and not t.sign and not t.frac and _valid(t.digits):
        return int(t.digits)
    return None


def _value(piece: str, sign: str, frac: str) -> int | Decimal:
    if frac:
        return Decimal(f"{sign}{piece}.{frac}")
    return int(f"{sign}{piece}")


def _max_pieces(tok: NumToken) -> int:
    if tok.kind != "num" or tok.atomic or tok.frac or len(tok.digits) > MAX_RUN:
        return 1
    return len(tok.digits)


def count_readings(tokens: Sequence[NumToken], n: int) -> int:
    """How many segmentations there are (capped just above MAX_CANDIDATES)."""
    # ways[j] = number of ways the tokens so far fill j cells
    ways = {0: 1}
    for tok in tokens:
        nxt: dict[int, int] = {}
        for j, w in ways.items():
            for k in range(1, min(_max_pieces(tok), n - j) + 1):
                c = 1 if tok.kind != "num" or k == 1 and (tok.atomic or tok.frac) else _count(tok.digits, k)
                if tok.kind == "num" and k == 1 and not _valid(tok.digits):
                    c = 0
                if c:
                    nxt[j + k] = min(nxt.get(j + k, 0) + w * c, MAX_CANDIDATES + 1)
        ways = nxt
        if not ways:
            return 0
    return ways.get(n, 0)


def readings(tokens: Sequence[NumToken], n: int) -> Iterator[tuple[Reading, tuple[str, ...], tuple[int, ...]]]:
    """Every segmentation of ``tokens`` into ``n`` cells: (values, the digit text of each cell,
    the index of the token each cell comes from)."""

    options_of: dict[int, list[tuple[int, tuple, tuple]]] = {}

    def options(i: int) -> list[tuple[int, tuple, tuple]]:
        """Token ``i``'s readings as (cells it fills, values, texts), each built once: the
        recursion asks again for every way the tokens before it filled the cells."""
        got = options_of.get(i)
        if got is None:
            tok = tokens[i]
            if tok.kind == "null":
                got = [(1, (None,), (tok.raw,))]
            elif tok.kind == "text":
                got = [(1, (TEXT,), (tok.raw,))]
            else:
                got = []
                for k in range(1, min(_max_pieces(tok), n - (len(tokens) - i - 1)) + 1):
                    for pieces in _cuts(tok.digits, k):
                        vals = tuple(_value(p, tok.sign if j == 0 else "", tok.frac if j == k - 1 else "")
                                     for j, p in enumerate(pieces))
                        texts = tuple((tok.sign if j == 0 else "") + p + (f".{tok.frac}" if tok.frac and j == k - 1
                                                                           else "")
                                      for j, p in enumerate(pieces))
                        got.append((k, vals, texts))
            options_of[i] = got
        return got

    for v, t, s in _segmentations(tokens, n, options, 0, 0):
        yield tuple(v), tuple(t), tuple(s)


def _segmentations(tokens: Sequence[NumToken], n: int, options: Callable[[int], list[tuple[int, tuple, tuple]]],
                   i: int, filled: int) -> Iterator[tuple[list, list, list]]:
    """The segmentations of ``tokens[i:]`` into the ``n - filled`` cells left (``readings``).
    A module function, not a closure inside ``readings``: a recursive closure refers to itself,
    and that cycle would keep the row's tokens and cuts alive until the cycle collector ran."""
    if i == len(tokens):
        if filled == n:
            yield [], [], []
        return
    # a number fills at most the cells the tokens after it leave (one each); any token no more
    # than the row has
    room = n - filled if tokens[i].kind in ("null", "text") else n - filled - (len(tokens) - i - 1)
    for k, vals, texts in options(i):
        if k > room:
            continue
        for rest_v, rest_t, rest_s in _segmentations(tokens, n, options, i + 1, filled + k):
            yield list(vals) + rest_v, list(texts) + rest_t, [i] * k + rest_s


@dataclass(slots=True)
class Placement:
    """The outcome of fitting a row's tokens to its cells."""

    values: list  # per cell: a value, None (blank), or UNREAD
    texts: list[str]
    how: str  # "exact" (one token per cell) | "digits" (one cut) | "identity" (the identity chose) | "agree"
    # (empty tuples, not default factories: one Placement per row, most with nothing to list;
    # they are replaced, never appended to)
    readings: Sequence[Reading] = ()  # the candidates, when more than one remained
    reason: str = ""
    sources: Sequence = ()  # per cell: the index of its token, or None
    candidates: Sequence = ()  # every cut by the digit rules, when none was unique
    problem: str = ""  # the problem kind when not placed, where it is not the cut's (extra_cells)


class _Unread:
    def __repr__(self) -> str:  # pragma: no cover
        return "UNREAD"


UNREAD = _Unread()


def place(tokens: Sequence[NumToken], n: int, identity: Callable[[Reading], bool] | None,
          signed: Sequence[bool] | None = None, hints: Sequence[tuple[str, object]] = (),
          columns: Sequence[str] = (), careful: bool = True) -> Placement:
    """Fit ``tokens`` to ``n`` cells. A cell is read only where every remaining candidate gives it
    the same value; a negative number only lands in a column that may be negative (``signed``);
    the identity, then the ``hints`` (values stated elsewhere, by column), may only remove
    candidates. ``careful`` (a text that shows it leaves blank cells out): a cut is made only when
    the same digits as fewer cells, blanks left out, would not fit the row as well."""
    if not tokens:
        return Placement([UNREAD] * n, [""] * n, "none", reason="no values")
    if len(tokens) == n:
        exact = _as_written(tokens, signed)
        if exact is not None:
            return exact
    if len(tokens) > n and all(_max_pieces(t) == 1 or len(t.digits) == 1 for t in tokens):
        return _surplus(tokens, n, signed)
    if sum(1 for t in tokens if t.kind == "num" and not t.atomic and not t.frac) == 0 and len(tokens) != n:
        return Placement([UNREAD] * n, [""] * n, "none", reason=f"{len(tokens)} values for {n} cells")
    total = count_readings(tokens, n)
    if total == 0:
        return Placement([UNREAD] * n, [""] * n, "none",
                         reason=f"the digits cannot be cut into {n} cells without a leading zero")
    if total > MAX_CANDIDATES:
        return Placement([UNREAD] * n, [""] * n, "none", reason=f"more than {MAX_CANDIDATES} possible readings")
    cands = list(readings(tokens, n))
    if signed is not None:
        cands = [c for c in cands if all(signed[j] or tokens[c[2][j]].kind != "num"
                                         or not (c[1][j].startswith("-") or tokens[c[2][j]].signed)
                                         for j in range(n))]
        if not cands:
            return Placement([UNREAD] * n, [""] * n, "none", reason="a negative number where no column may be negative")
    how = "exact" if len(tokens) == n else "digits"
    every = cands
    if identity is not None and (len(cands) > 1 or how == "digits"):
        kept = [c for c in cands if _holds(identity, c[0])]
        if not kept and len(cands) == 1 and how == "digits" and not _blanks_explain(tokens, n, identity, (), ()) \
                and not careful:
            kept = cands  # the only cut; it breaks the total, but nothing else explains the digits
        if not kept:
            return Placement([UNREAD] * n, [""] * n, "none", [c[0] for c in cands[:12]],
                             reason=f"{len(cands)} possible readings, none satisfies the row's total",
                             candidates=every)
        if len(kept) < len(cands):
            how = "identity"
        cands = kept
    hinted = False
    for col, value in hints:
        if len(cands) > 1 and col in columns:
            j = list(columns).index(col)
            kept = [c for c in cands if c[0][j] == value]
            if kept and len(kept) < len(cands):
                cands, hinted = kept, True
    if hinted and how != "identity":
        how = "stated"
    if careful and how != "exact" and _blanks_explain(tokens, n, identity, hints, columns):
        # the digits had to be cut, and the same digits as fewer cells with blank cells left out of
        # the text fit the row as well (its total, the stated numbers): which the text is, is unknown
        return Placement([UNREAD] * n, [""] * n, "none", [c[0] for c in cands[:12]],
                         reason="the digits must be cut, and as fewer cells with a blank cell left out they fit "
                                "the row as well", candidates=every)
    if len(cands) == 1:
        vals, texts, srcs = cands[0]
        return Placement(list(vals), list(texts), how, sources=list(srcs))
    values, texts, sources = [], [], []
    for j in range(n):
        col = {c[0][j] if c[0][j] is not TEXT else "TEXT" for c in cands}
        if len(col) == 1 and cands[0][0][j] is not TEXT and len({c[2][j] for c in cands}) == 1:
            values.append(cands[0][0][j])
            texts.append(cands[0][1][j])
            sources.append(cands[0][2][j])
        else:
            values.append(UNREAD)
            texts.append("")
            sources.append(None)
    return Placement(values, texts, "agree" if how != "identity" else "identity", [c[0] for c in cands[:12]],
                     reason=f"{len(cands)} possible readings", sources=sources, candidates=every)


def _as_written(tokens: Sequence[NumToken], signed: Sequence[bool] | None) -> Placement | None:
    """One token per cell, each a number as written (a negative one only where the column may be
    negative): the only reading, no cut to make. None when a token is not such a number. (Most
    rows of most reports are this: one loop, no candidates.)"""
    values: list = []
    texts: list[str] = []
    for j, t in enumerate(tokens):
        digits = t.digits
        if t.kind != "num" or not _valid(digits):
            return None
        if t.sign or t.frac or t.signed:
            if (t.sign == "-" or t.signed) and signed is not None and not signed[j]:
                return None
            values.append(_value(digits, t.sign, t.frac))
            texts.append(t.sign + digits + ("." + t.frac if t.frac else ""))
        else:  # a plain count, as nearly every cell is
            values.append(int(digits))
            texts.append(digits)
    return Placement(values, texts, "exact", (), "", list(range(len(tokens))))


def _surplus(tokens: Sequence[NumToken], n: int, signed: Sequence[bool] | None) -> Placement:
    """More values than cells, none of which can be cut: every way to leave the surplus out is a
    candidate alignment; the row is placed only where all of them (that put a negative number only
    in a column that may be negative) give every cell the same value — ``0 0 0 0 0 0 0 0`` for
    seven cells. The row's identity does not choose: ``0 0 7 0 0 0 1 1`` would keep 总计 only
    without the 7, but which value is the stray one is the agency's to say (a row that breaks its
    total is as likely), so it is left unread (tests/examples/extract/tab-unplaceable)."""
    from itertools import combinations

    extra = len(tokens) - n
    none = Placement([UNREAD] * n, [""] * n, "none", reason=f"{len(tokens)} values for {n} cells")
    if extra > MAX_SURPLUS:
        return none
    cands = []
    for drop in combinations(range(len(tokens)), extra):
        kept = [i for i in range(len(tokens)) if i not in drop]
        vals, texts = [], []
        for j, i in enumerate(kept):
            t = tokens[i]
            if t.kind == "null":
                vals.append(None)
                texts.append(t.raw)
                continue
            if t.kind != "num" or not _valid(t.digits) or (signed is not None and not signed[j]
                                                          and (t.sign == "-" or t.signed)):
                break
            vals.append(_value(t.digits, t.sign, t.frac))
            texts.append(t.sign + t.digits + (f".{t.frac}" if t.frac else ""))
        else:
            cands.append((tuple(vals), tuple(texts), tuple(kept)))
    if not cands or any(c[0] != cands[0][0] for c in cands):
        none.reason = (f"{len(tokens)} values for {n} cells; the {extra} surplus value(s) cannot be located: "
                       "leaving out different ones gives different readings")
        none.readings = [c[0] for c in cands[:12]]
        none.problem = "extra_cells"
        return none
    vals, texts, srcs = cands[0]
    return Placement(list(vals), list(texts), "surplus", sources=list(srcs),
                     reason=f"{len(tokens)} values for {n} cells")


def _blanks_explain(tokens: Sequence[NumToken], n: int, identity: Callable[[Reading], bool] | None,
                    hints: Sequence[tuple[str, object]] = (), columns: Sequence[str] = (), most: int = 2) -> bool:
    """Whether the tokens, read as ``n - k`` cells with ``k`` blank cells left out of the text
    (1 ≤ k ≤ ``most``), have a reading that keeps the row's identity (blanks count as nothing)
    and the values stated for it elsewhere."""
    from itertools import combinations

    pins = [(list(columns).index(c), v) for c, v in hints if c in columns]
    for k in range(1, most + 1):
        if n - k < 1:
            break
        total = count_readings(tokens, n - k)
        if total == 0:
            continue
        if total > MAX_CANDIDATES:
            return True  # too many to rule out: assume they might
        if identity is None and not pins:
            return True
        for vals, _, _ in readings(tokens, n - k):
            if any(v is TEXT for v in vals):
                return True
            for blanks in combinations(range(n), k):
                it = iter(vals)
                full = tuple(None if j in blanks else next(it) for j in range(n))
                if any(full[j] != v for j, v in pins):
                    continue
                if identity is None or identity(tuple(0 if v is None else v for v in full)):
                    return True
    return False


def _holds(identity: Callable[[Reading], bool], reading: Reading) -> bool:
    if any(v is TEXT for v in reading):
        return True  # a text cell: the identity cannot be checked, so it removes nothing
    try:
        return identity(reading)
    except TypeError:  # a blank cell in the sum
        return True
