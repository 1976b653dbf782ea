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


#: At most this share of undecodable bytes (and at least a few) is damage to decode around, not
#: a sign of another encoding: one stray byte, or a text cut inside a character.
MAX_DAMAGE = 0.002
MIN_DAMAGE = 8


def _damage(text: str) -> int:
    return text.count("\ufffd")


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding used). A few invalid bytes in an otherwise valid UTF-8 or GB18030
    text decode as U+FFFD (the encoding is then named ``…+replace``): damage stays local, and the
    readers leave the values it touches unread."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    allowed = max(MIN_DAMAGE, int(len(data) * MAX_DAMAGE))
    text = data.decode("utf-8", errors="replace")
    if _damage(text) <= allowed:
        return text, "utf-8+replace"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    text = data.decode("gb18030", errors="replace")
    if _damage(text) <= allowed:
        return text, "gb18030+replace"
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
