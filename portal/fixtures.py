"""A few pages of each sample site, kept as examples (``tests/examples/portal/<case>.<ext>``) so a
change to what the portal serves shows up as a diff a reviewer reads, and parsers (crawler
list/detail recognition) can be tried offline on exactly what the portal serves. Beside each page,
``<case>.expected.json`` says what it is: the path that serves it, the site, platform and kind,
and the report(s) the truth says it shows.

Write or rewrite examples with the one drafting command (port fixed at :data:`PORT`)::

    python -m tests.snapshots draft tests/examples/portal/03-sample-js-huaining-detail.html
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.cms import hanweb
from portal.site import Site
from portal.truth import Truth, load_truth

OUT = Path(__file__).resolve().parent.parent / "tests" / "examples" / "portal"
PORT = 8765


@dataclass(frozen=True)
class Case:
    """One kept page: its file name (without extension) and what the truth says it is."""
    name: str
    ext: str
    path: str
    site: str
    kind: str
    extra: dict[str, Any] = field(default_factory=dict)


def cases(truth: Truth) -> list[Case]:
    """The pages worth keeping: three list pages and one detail page per report format of each
    site, a hanweb dataproxy answer and robots.txt — numbered in that order."""
    picks: list[tuple[str, str, str, dict]] = []
    for site in truth.sites.values():
        reports = [r for r in truth.reports if r.site == site.id]
        lists = sorted({p for r in reports for p in r.list_pages})
        for p in lists[:3]:
            picks.append((site.id, "list", p, {"reports": [[r.agency, r.year] for r in reports if p in r.list_pages]}))
        for fmt in ("html", "txt", "pdf", "docx"):
            r = next((r for r in reports if r.format == fmt), None)
            if r:
                picks.append((site.id, "detail", r.url, {"agency": r.agency, "year": r.year, "format": r.format,
                                                         "published": r.published.isoformat(sep=" "),
                                                         "attachment": r.attachment}))
    picks.append(("sample-js-qinghe", "dataproxy", hanweb.proxy_path(1229002, 17, 32), {}))
    picks.append(("", "robots", "/robots.txt", {}))
    return [Case(f"{n:02d}-{site_id or 'portal'}-{kind}",
                 "xml" if kind == "dataproxy" else ("txt" if kind == "robots" else "html"), path, site_id, kind, extra)
            for n, (site_id, kind, path, extra) in enumerate(picks)]


def render(site: Site, truth: Truth, case: Case) -> tuple[bytes, dict[str, Any]]:
    """The page's bytes as the portal serves them at epoch 0, and its ``expected.json``."""
    base, _, query = case.path.partition("?")
    page, _ = site.lookup(base, query)
    platform = truth.sites[case.site].platform if case.site else ""
    return page.render(0), {"path": case.path, "site": case.site, "platform": platform, "kind": case.kind,
                            "content_type": page.content_type, **case.extra}


def write(out: Path = OUT, names: set[str] | None = None) -> list[Path]:
    """Write ``<case>.<ext>`` and ``<case>.expected.json`` for every case (or those named)."""
    truth = load_truth()
    site = Site.build(truth, PORT)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases(truth):
        if names is not None and case.name not in names:
            continue
        body, expected = render(site, truth, case)
        (out / f"{case.name}.{case.ext}").write_bytes(body)
        (out / f"{case.name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                                        encoding="utf-8")
        written.append(out / f"{case.name}.{case.ext}")
    return written
