"""Text from crawled pages made safe for a terminal.

A title, an agency name or a quoted sentence from a government page may carry control
characters: ESC sequences that clear the screen, set the window title or plant OSC 8 links, and
bidi overrides that reorder what a reader sees. Every human-readable output passes such text
through :func:`safe`, which shows them escaped (``\\x1b``, ``\\u202e``); JSON output keeps the
exact text (JSON escapes control characters itself).
"""
from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi controls
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def safe(text: object) -> str:
    """``text`` with every control or bidi character shown escaped."""
    s = "" if text is None else str(text)
    return _UNSAFE.sub(_escape, s)


def safe_line(text: object) -> str:
    """:func:`safe`, and a newline inside the value shown as ``\\n`` (one value, one line)."""
    return safe(text).replace("\n", "\\n").replace("\t", " ")
