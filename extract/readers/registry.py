"""The registry of binary format readers (format name -> reader of raw bytes). A module of its
own, so a reader registers itself without importing the package that imports it."""
from __future__ import annotations

from typing import Callable

from extract.document import Document

#: format name -> reader taking raw bytes
BINARY_READERS: dict[str, Callable[[bytes], Document]] = {}


def register(fmt: str) -> Callable[[Callable[[bytes], Document]], Callable[[bytes], Document]]:
    def deco(fn: Callable[[bytes], Document]) -> Callable[[bytes], Document]:
        BINARY_READERS[fmt] = fn
        return fn

    return deco


def register_guarded(*formats: str) -> None:
    """Register binary formats whose reader runs under ``extract.limits`` (child process, time and
    memory limits): the reader module names its unguarded function in ``limits._READERS``."""
    from functools import partial

    def run(fmt: str, data: bytes) -> Document:
        from extract.limits import guarded

        return guarded(fmt, data)

    for fmt in formats:
        BINARY_READERS[fmt] = partial(run, fmt)
