"""The one error the extractor raises: the bytes are not a document it can read. Its own module,
so the readers deep inside the package can raise it without importing the package's top."""
from __future__ import annotations


class ExtractError(Exception):
    """The bytes are not a document we can read (empty, binary, undecodable, too large)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message
