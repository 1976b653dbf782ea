"""Cell text to value, exactly as written: no rounding, no correction, the raw text kept."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

NULL_MARKERS = frozenset({"", "/", "-", "—", "——", "－", "–", "\\", "无", "空", "─", "-/-"})
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:件|条|个|项|次|万元|元)?$")


@lru_cache(maxsize=8192)
def clean(raw: str) -> str:
    """NFKC (full-width digits and brackets to ASCII, &nbsp; to space) with white space removed."""
    return "".join(unicodedata.normalize("NFKC", raw).split())


@lru_cache(maxsize=8192)
def parse_value(raw: str) -> tuple[bool, int | Decimal | None]:
    """Return (readable, value). Blank and dash-like cells are readable nulls."""
    text = clean(raw)
    if text in NULL_MARKERS:
        return True, None
    m = _NUMBER.match(text)
    if not m:
        return False, None
    sign, digits, frac = m.groups()
    digits = digits.replace(",", "")
    if frac:
        try:
            return True, Decimal(f"{sign}{digits}{frac}")
        except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
            return False, None
    return True, int(f"{sign}{digits}")


def is_value_like(raw: str) -> bool:
    return parse_value(raw)[0]
