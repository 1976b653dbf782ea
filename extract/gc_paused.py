"""Python's cycle collector paused while one document is read.

Reading a report builds thousands of small objects (cells, tokens, runs, placements) that live
until the report is done, and nearly none of them form reference cycles. Each 700 of them the
collector runs anyway, and now and then it walks every object of the process — in a crawl or a
benchmark that includes jieba's dictionary and the grammar's caches, which no document frees.
Pausing it for the length of one text or HTML document measured 7 % less CPU time per report on
the generated text reports and 12 % on the HTML ones (bench/bench_parse.py's corpus, tables
only); the few cycles a document leaves are collected at the next collection after it.

Only what is bounded per document is wrapped: the text and HTML readers (a page is at most
``extract.MAX_BYTES``, its text at most ``extract.stream.MAX_CHARS`` read) and the interpreters
after them. The binary readers are not: they run in a child process with its own limits
(``extract.limits``), and pdfminer's objects do form cycles.
"""
from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def gc_paused(fn: F) -> F:
    """``fn`` with the cycle collector paused while it runs (and left as it was found: a caller
    that paused it already keeps it paused; the one that paused it restarts it)."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused  # type: ignore[return-value]
