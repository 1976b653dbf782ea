"""Bytes to text by detection: UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset
of GBK/GB2312), else charset-normalizer's best guess. Declared charsets are recorded but never
trusted over the bytes: portals label GBK pages as UTF-8 and the other way round."""
from __future__ import annotations

import codecs
import re

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


class DecodeError(ValueError):
    pass


def declared_charset(data: bytes) -> str | None:
    m = _DECLARED.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding used)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data)
    if declared:
        try:
            return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("the bytes are not text in any encoding we can detect")
    return str(best), best.encoding
