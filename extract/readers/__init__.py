"""Format readers: each turns bytes (or decoded text) into a Document. New formats register here."""
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


def _register_binary_readers() -> None:
    """Import the attachment readers so they register (their heavy imports are lazy)."""
    from extract.readers import pdf  # noqa: F401

    for name in ("docx", "xlsx", "ole"):
        try:
            __import__(f"extract.readers.{name}")
        except ImportError:  # pragma: no cover - a reader module missing from a partial checkout
            pass


_register_binary_readers()
