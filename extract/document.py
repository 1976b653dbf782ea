"""The layout-neutral intermediate form every reader produces: paragraphs and tables of cells,
each with where it came from. Readers (text, HTML, PDF, DOCX, …) only build this; the table and
narrative interpreters only read it, so one interpreter serves every format."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)  # hundreds per document: slots make them cheaper to build and to keep
class TCell:
    """One logical cell as the document has it (merged cells are not duplicated)."""

    text: str
    where: str
    col: int | None = None  # grid column, where the layout defines one (HTML, markdown, DOCX)
    colspan: int = 1


@dataclass
class Table:
    rows: list[list[TCell]]
    where: str
    grid: bool = False  # True when TCell.col is reliable (spans resolved)
    strip_trailing_blanks: bool = False  # exporters that pad rows with empty cells (tab text)


@dataclass(slots=True)
class Paragraph:
    text: str
    where: str


@dataclass
class Document:
    blocks: list[Paragraph | Table] = field(default_factory=list)
    title_hints: list[str] = field(default_factory=list)  # <title>, ArticleTitle meta, …
    meta: dict[str, str] = field(default_factory=dict)  # PubDate and the like, as found
    problems: list[dict] = field(default_factory=list)  # reader-level problems (e.g. needs OCR)
    format: str = "text"
    cut: bool = False  # the text ends inside a token (a number may have lost its last digits)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]
