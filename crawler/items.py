"""What the spiders hand to the store pipeline: one ``Fetch`` per fetched (or failed) URL."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fetch:
    """One fetch of one URL: a list page, a report detail page or an attachment.

    ``body`` is the response exactly as received (None for errors and 304s); ``meta`` carries what
    the crawl learned about it (link title, agency, year, published, region, list page …) and
    becomes ``Document.meta``.
    """

    url: str
    kind: str  # list | detail | attachment
    final_url: str | None = None
    http_status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    declared_encoding: str | None = None  # what the HTTP header (else the page's <meta>) claims
    encoding: str | None = None  # what the bytes turned out to be
    error: str | None = None
    list_url: str | None = None
    parent_url: str | None = None
    not_modified: bool = False  # a 304 answered a conditional request: the previous version stands
    previous: dict[str, Any] | None = None  # latest earlier Document of this URL (id, sha256, …)
    replay: bool = False  # re-read from the raw store while resuming: nothing new to record
    is_report: bool = False  # the crawl believes this is (part of) a report
    meta: dict[str, Any] = field(default_factory=dict)
