"""Which version of the extractor read a report, per reader.

``CORE`` covers what every format shares (the template grammar, table alignment, narrative);
``READERS`` what one format's reader adds. Bump the number whose output may change: the stored
``reports.extractor_version`` then differs for exactly the reports it concerns, and
``nianbao reextract --stale`` re-reads those and no others.
"""
from __future__ import annotations

CORE = "7"  # 7: an amount in 元 (its unit or its header's) is stored in 万元, exactly (was unread); 6: a table found but unread (header out of order, a row cut ambiguously) is no longer "not found": its cells carry the reader's reason; 5: one table reader for every format (the stream alignment; the structured reader folded in); 3: the stated 统计期限 as facts (W5 reads them); 4: a table cell "/-" is blank, as in the text reader; a row label with an undecodable byte names no row; a group heading beside an unknown row label is not the 2019 row （六）其他处理; stream: surplus values, numbered headings on their own line
READERS: dict[str, str] = {"text": "1", "html": "1", "pdf": "1", "docx": "1", "doc": "1", "wps": "1",
                           "xlsx": "1", "xls": "1"}


def version_of(fmt: str | None) -> str:
    """The version string stored with a report read as ``fmt`` (``None``: not read at all)."""
    return f"{CORE}.{fmt}{READERS.get(fmt, '0')}" if fmt else CORE


def is_stale(fmt: str | None, stored: str | None) -> bool:
    """Whether a report stored with version ``stored`` was read by an older reader of ``fmt``."""
    return stored != version_of(fmt)
