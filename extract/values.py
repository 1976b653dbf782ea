"""Cell text to value, exactly as written: no rounding, no correction, the raw text kept."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from extract import template as T

NULL_MARKERS = frozenset({""}) | T.BLANK_MARKERS
# 元 is not a unit we accept: the money columns are in 万元, and "5000元" is not 5000 万元
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:"
                     + "|".join(map(re.escape, (*T.COUNT_UNITS, T.MONEY_UNIT))) + ")?$")
_SPLIT_DIGITS = re.compile(r"\d\s+\d")  # "1 2", "1<br>2": two numbers or one? not known


@lru_cache(maxsize=8192)
def clean(raw: str) -> str:
    """NFKC (full-width digits and brackets to ASCII, &nbsp; to space) with white space removed."""
    return "".join(unicodedata.normalize("NFKC", raw).split())


@lru_cache(maxsize=8192)
def parse_value(raw: str) -> tuple[bool, int | Decimal | None]:
    """Return (readable, value). Blank and dash-like cells are readable nulls."""
    # ① ¹ ⑴ ⒈ are footnote marks, not digits (NFKC would turn "12①" into 121)
    if any(unicodedata.category(ch) == "No" for ch in raw):
        return False, None
    if _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", raw)):
        return False, None
    text = clean(raw)
    if text in NULL_MARKERS:
        return True, None
    m = _NUMBER.match(text)
    if not m:
        return False, None
    sign, digits, frac = m.groups()
    digits = digits.replace(",", "")
    if len(digits) > 200:  # no count or amount of a report (and int() refuses over 4,300 digits)
        return False, None
    if frac:
        try:
            return True, Decimal(f"{sign}{digits}{frac}")
        except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
            return False, None
    return True, int(f"{sign}{digits}")


def is_value_like(raw: str) -> bool:
    return parse_value(raw)[0]
