"""Snapshot a few pages of each sample site into ``tests/fixtures/portal/`` so parsers (crawler
list/detail recognition) can be tested offline on exactly what the portal serves. Each file is
listed in ``manifest.json`` with its path, site, platform, kind and the report it shows.

    python -m portal.fixtures            # rewrite the snapshots (port fixed at 8765)
"""
from __future__ import annotations

import json
from pathlib import Path

from portal.cms import hanweb
from portal.site import Site
from portal.truth import Truth, load_truth

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "portal"
PORT = 8765


def _picks(truth: Truth) -> list[tuple[str, str, str, dict]]:
    """(site, kind, path, extra) of the pages worth keeping."""
    out = []
    for site in truth.sites.values():
        reports = [r for r in truth.reports if r.site == site.id]
        lists = sorted({p for r in reports for p in r.list_pages})
        for p in lists[:3]:
            out.append((site.id, "list", p, {"reports": [[r.agency, r.year] for r in reports if p in r.list_pages]}))
        for fmt in ("html", "txt", "pdf", "docx"):
            r = next((r for r in reports if r.format == fmt), None)
            if r:
                out.append((site.id, "detail", r.url, {"agency": r.agency, "year": r.year, "format": r.format,
                                                       "published": r.published.isoformat(sep=" "),
                                                       "attachment": r.attachment}))
    out.append(("sample-js-qinghe", "dataproxy", hanweb.proxy_path(1229002, 17, 32), {}))
    out.append(("", "robots", "/robots.txt", {}))
    return out


def write(out: Path = OUT) -> list[Path]:
    truth = load_truth()
    site = Site.build(truth, PORT)
    out.mkdir(parents=True, exist_ok=True)
    manifest, written = [], []
    for n, (site_id, kind, path, extra) in enumerate(_picks(truth)):
        base, _, query = path.partition("?")
        page, _ = site.lookup(base, query)
        body = page.render(0)
        platform = truth.sites[site_id].platform if site_id else ""
        ext = "xml" if kind == "dataproxy" else ("txt" if kind == "robots" else "html")
        name = f"{n:02d}-{site_id or 'portal'}-{kind}.{ext}"
        (out / name).write_bytes(body)
        written.append(out / name)
        manifest.append({"file": name, "path": path, "site": site_id, "platform": platform, "kind": kind,
                         "content_type": page.content_type, **extra})
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    for p in write():
        print(p)
