"""Which cells of a row whose digits run together a careful reader can still determine.

A one-line page text prints a row's cells with no separator, or with spaces here and there
(``190000019``, ``0 0 0 0 0 00``, ``88-720``). The layout mutator needs the truth of such a row:
a cell is determinable when every way of cutting the row's digits into its cells — each piece a
valid number (no leading zero except a lone 0; a sign only where the column is signed; a decimal
point only in a money column), with the row's own identities (总计 = the sum of its parts) —
gives it the same value. This is written independently of the extractor on purpose: it is the
yardstick the extractor is measured against, not a copy of it.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator, Sequence

#: a cell's number kind: plain count, signed count (本年增/减), or money amount
COUNT, SIGNED, MONEY = "count", "signed", "money"

_PIECE = {
    COUNT: re.compile(r"0|[1-9]\d*"),
    SIGNED: re.compile(r"[-+]?(?:0|[1-9]\d*)"),
    MONEY: re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?"),
}
#: anything but digits, signs and decimal points (a unit word: 万元, 件, 个) separates numbers
_NOT_NUMBER = re.compile(r"[^0-9.+\-]")
#: enumeration stops here: a row this ambiguous is undeterminable whatever the remainder says
MAX_SPLITS = 20000


def valid(piece: str, kind: str) -> bool:
    return bool(_PIECE[kind].fullmatch(piece))


def splits(tokens: Sequence[str], kinds: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """Every way to cut the whitespace-separated ``tokens`` into ``len(kinds)`` valid pieces, in
    order, each token giving at least one piece (a space always separates two cells)."""
    n = len(kinds)
    out: list[str] = []

    def walk(t: int, start: int, c: int) -> Iterator[tuple[str, ...]]:
        if t == len(tokens):
            if c == n:
                yield tuple(out)
            return
        if c == n:
            return
        tok = tokens[t]
        # pieces still needed must fit: at least one per remaining token
        for end in range(start + 1, len(tok) + 1):
            piece = tok[start:end]
            if not valid(piece, kinds[c]):
                continue
            out.append(piece)
            if end == len(tok):
                yield from walk(t + 1, 0, c + 1)
            else:
                yield from walk(t, end, c + 1)
            out.pop()

    yield from walk(0, 0, 0)


def _number(piece: str) -> Decimal:
    return Decimal(piece)


def holds(pieces: Sequence[str], identities: Sequence[tuple[Sequence[int], int]]) -> bool:
    """Whether each identity (parts, total) holds: the pieces at ``parts`` sum to the piece at ``total``."""
    return all(sum(_number(pieces[i]) for i in parts) == _number(pieces[total]) for parts, total in identities)


def determined(printed: str, kinds: Sequence[str], identities: Sequence[tuple[Sequence[int], int]],
               sole_cut: bool = False) -> tuple[list[str | None], int]:
    """Per cell, the piece every remaining reading of the row text ``printed`` gives it (None
    where the readings differ, or where none remains), and how many readings remain.

    The readings are the cuts that keep the row's identities. ``sole_cut``: where no cut keeps
    them but the digits allow one cut only, that cut is what the text says — as the real texts'
    truth reads ``8100008`` (8 1 0 0 0 0 8 though 8 + 1 ≠ 8: the agency's sum is wrong, not the
    digits). The mutator itself glues only rows that keep their identity, so for its own rows
    a glued row that breaks it can only be damage, and is undeterminable (``sole_cut`` False).
    """
    tokens = _NOT_NUMBER.sub(" ", printed).split()
    every: list[tuple[str, ...]] = []
    readings: list[tuple[str, ...]] = []
    for k, pieces in enumerate(splits(tokens, kinds)):
        if k >= MAX_SPLITS:
            return [None] * len(kinds), k
        every.append(pieces)
        if holds(pieces, identities):
            readings.append(pieces)
    if sole_cut and not readings and len(every) == 1:
        readings = every
    if not readings:
        return [None] * len(kinds), 0
    return [readings[0][i] if all(r[i] == readings[0][i] for r in readings) else None
            for i in range(len(kinds))], len(readings)


def determinable(printed: str, kinds: Sequence[str], identities: Sequence[tuple[Sequence[int], int]],
                 canonical: Sequence[str]) -> tuple[list[bool], int]:
    """Per cell, whether the row text ``printed`` determines it, and how many readings remain.

    A cell counts only if every remaining reading agrees AND agrees with ``canonical`` (the
    printed values as the source has them): a source row that breaks its own identity is never
    determinable through that identity.
    """
    pieces, count = determined(printed, kinds, identities)
    return [p is not None and p == c for p, c in zip(pieces, canonical)], count
