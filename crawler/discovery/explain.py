"""Why a site gave what it gave, from what a crawl left behind (its stats and documents):

* ``explain_run(stats)`` — the columns discovery took (with the report links each listed), the
  candidates it rejected, counted by reason and listed, and the budgets it spent;
* ``propose_entry(...)`` — the site entry ``nianbao sites discover URL`` proposes for a person to
  review and save: the column(s) found as start URLs, the platform when the pages show one, and
  list and detail URL patterns generalised from what was found.

Pure functions over plain data."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: (platform, pattern in a column page's HTML) — what a CMS leaves in its pages
PLATFORM_MARKS: tuple[tuple[str, str], ...] = (
    ("trs", r"createPageHTML\s*\("),
    ("hanweb", r"<datastore>|dataproxy\.jsp|/module/web/jpage/"),
    ("gdplatform", r"/attachment/0/\d+/\d+/\d+\.\w+|gdzwfw"),
)


@dataclass
class Explanation:
    columns: list[tuple[str, int]] = field(default_factory=list)  # (URL, report links listed)
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> count
    rejected_list: list[list[str]] = field(default_factory=list)  # [reason, title, URL]
    budgets: dict[str, int] = field(default_factory=dict)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def summary(self) -> str:
        """One line: columns taken, candidates rejected and why."""
        cols = ", ".join(f"{_short(u)} ({n})" for u, n in self.columns[:4])
        more = f" +{len(self.columns) - 4}" if len(self.columns) > 4 else ""
        why = ", ".join(f"{r} {n}" for r, n in sorted(self.rejected.items(), key=lambda kv: -kv[1]))
        return (f"columns: {cols or 'none found'}{more}; rejected {self.rejected_total}"
                + (f" ({why})" if why else ""))


def _short(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


def explain_run(stats: dict[str, Any]) -> Explanation:
    """An explanation from a crawl run's stats (``CrawlRun.stats``, or its ``scrapy`` part)."""
    st = stats.get("scrapy", stats) if isinstance(stats, dict) else {}
    ex = Explanation()
    for k, v in st.items():
        if k.startswith("discovery/column/"):
            ex.columns.append((k.split("/", 2)[2], int(v)))
        elif k.startswith("discovery/rejected/"):
            ex.rejected[k.split("/", 2)[2]] = int(v)
        elif k in ("discovery/nav_pages", "discovery/list_pages", "discovery/nav_pages_refused",
                   "discovery/list_pages_refused"):
            ex.budgets[k.split("/", 1)[1]] = int(v)
    ex.columns.sort(key=lambda c: (-c[1], c[0]))
    try:
        ex.rejected_list = json.loads(st.get("discovery/rejected_list") or "[]")
    except ValueError:
        ex.rejected_list = []
    return ex


# ----------------------------------------------------------------------------- site entries
def platform_of(pages: list[str]) -> str | None:
    """The CMS a site's list pages show (None: none known — the generic spider)."""
    votes: Counter[str] = Counter()
    for text in pages:
        for name, rx in PLATFORM_MARKS:
            if re.search(rx, text):
                votes[name] += 1
    return votes.most_common(1)[0][0] if votes else None


def url_pattern(urls: list[str]) -> str | None:
    """A regex covering most of ``urls``: digits, hex ids and dates generalised, the commonest
    shape kept (a person reviews it)."""
    shapes: Counter[str] = Counter()
    for u in urls:
        p = urlsplit(u)
        path = p.path + ("?" + p.query if p.query else "")
        shape = re.escape(path)
        shape = re.sub(r"[0-9a-f]{16,}", r"[0-9a-f]+", shape)
        shape = re.sub(r"\d+", r"\\d+", shape)
        shape = re.sub(r"(\\d\+)+", r"\\d+", shape)
        shapes[shape] += 1
    if not shapes:
        return None
    shape, _n = shapes.most_common(1)[0]
    return shape + "$"


def propose_entry(name: str, home: str, columns: list[tuple[str, int]], detail_urls: list[str],
                  list_pages: list[str], host: str) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The site entry to review — start at the column(s) found, with the platform the pages show
    (then with the detail pattern as a hint) — and the URL shapes of its lists and reports.
    Without a platform the entry carries no hints: hints switch generic discovery off, and
    discovery from the column is what found the reports. Without columns, the home page stays
    the start."""
    entry: dict[str, Any] = {"name": name, "allowed_domains": [host]}
    cols = [u for u, n in columns if n > 0]
    platform = platform_of(list_pages)
    if platform:
        entry["platform"] = platform
    entry["start_urls"] = cols[:6] or [home]
    shapes = {"list pages": url_pattern(cols), "reports": url_pattern(detail_urls)}
    if platform and shapes["reports"]:
        entry["hints"] = {"detail_patterns": [shapes["reports"]]}
    return entry, shapes
