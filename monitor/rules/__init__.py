"""The rule families. Each module has ``RULES`` (the ids it can report, read from
``monitor.catalogue``, which names each rule's one owner family) and
``check(view, cfg) -> list[Hit]``; the runner times them one by one.

How cells count, everywhere:

* a cell the extractor could not read (``Report.unreadable()``) is never judged: every check that
  involves one is skipped, and the report gets an X1 finding instead (``extraction``);
* a blank cell (the agency left it empty or wrote "/", "-") counts as 0 inside a sum, and the
  message says so; a check is skipped when every cell on one side of it is blank (the agency
  stated nothing to compare), and a comparison of one blank cell with a number is not made;
* an absent cell (a row the template of that year does not have) is 0.
"""
from __future__ import annotations

import numpy as np

from monitor.catalogue import FAMILIES
from monitor.findings import fmt_num
from monitor.view import View

__all__ = ["FAMILIES", "modules", "all_rules", "equation", "terms", "blank_note"]


def modules():
    import importlib

    return [(name, importlib.import_module(f"monitor.rules.{name}")) for name in FAMILIES]


def all_rules() -> set[str]:
    return {r for _, m in modules() for r in m.RULES}


def equation(view: View, lhs: list[int], rhs: list[int], blank_as_zero: bool = True) -> np.ndarray:
    """Indices of the in-scope reports where Σlhs ≠ Σrhs, under the blank rules above."""
    if not len(view.reps):
        return np.zeros(0, dtype=np.int64)
    cols = lhs + rhs
    unread = view.U[:, cols].any(axis=1)
    has_l = (view.ST[:, lhs] == 2).any(axis=1)
    has_r = (view.ST[:, rhs] == 2).any(axis=1)
    diff = view.V[:, lhs].sum(axis=1) - view.V[:, rhs].sum(axis=1)
    bad = view.scope & ~unread & has_l & has_r & (np.abs(diff) > 1e-6)
    if not blank_as_zero:
        bad &= ~(view.ST[:, cols] == 1).any(axis=1)
    return np.nonzero(bad)[0]


def terms(view: View, i: int, parts: list[tuple[str, list[int]]]) -> tuple[str, float, list[str]]:
    """"本年新收16 + 上年结转0" for named groups of slots, their total, and the blank cells' names.
    Cells absent from the report's template are left out; blank ones count as 0."""
    out, total, blanks = [], 0.0, []
    for name, slots in parts:
        present = [k for k in slots if view.ST[i, k] > 0]
        vals = [view.num(i, k) for k in present]
        s = sum(v for v in vals if v is not None)
        total += s
        if present and all(v is None for v in vals):
            out.append(f"{name}空白")
            blanks.append(name)
        else:
            out.append(f"{name}{fmt_num(s)}")
            if any(v is None for v in vals):
                blanks.append(f"{name}中的空白项")
    return " + ".join(out), total, blanks


def blank_note(blanks: list[str]) -> str:
    return f"（空白单元格按0计：{'、'.join(blanks)}）" if blanks else ""
