"""Format readers: each turns bytes (or decoded text) into a Document. New formats register here."""
from __future__ import annotations

from extract.readers.registry import BINARY_READERS, register, register_guarded  # noqa: F401


def _register_binary_readers() -> None:
    """Import the attachment readers so they register (their heavy imports are lazy)."""
    from extract.readers import pdf  # noqa: F401

    for name in ("docx", "xlsx", "ole"):
        try:
            __import__(f"extract.readers.{name}")
        except ImportError:  # pragma: no cover - a reader module missing from a partial checkout
            pass


_register_binary_readers()
