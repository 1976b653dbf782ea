"""TRS 拓尔思 WCM: lists ``index.html``, ``index_1.html`` … written by the JavaScript call
``createPageHTML(countPage, currentPage, "index", "html")`` (often after ``var countPage = N``),
so the pages are not links; details ``/YYYYMM/tYYYYMMDD_id.html``."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.spiders.base import ReportSpider

_CREATE = re.compile(r"""createPageHTML\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']""")


def _number(token: str, text: str) -> int | None:
    if token.isdigit():
        return int(token)
    m = re.search(rf"""(?:var|let|const)?\s*{re.escape(token)}\s*=\s*["']?(\d+)""", text)
    return int(m.group(1)) if m else None


def trs_pages(text: str, url: str) -> list[str]:
    """All pages of a TRS list: ``prefix.suffix`` then ``prefix_1.suffix`` … ``prefix_{N-1}.suffix``."""
    out: list[str] = []
    for m in _CREATE.finditer(text):
        count = _number(m.group(1), text)
        prefix, suffix = m.group(3), m.group(4)
        if not count or count > 2000:
            continue
        out.append(urljoin(url, f"{prefix}.{suffix}"))
        out.extend(urljoin(url, f"{prefix}_{i}.{suffix}") for i in range(1, count))
    if not out:
        m = re.search(r"""var\s+countPage\s*=\s*["']?(\d+)""", text)
        if m and 0 < int(m.group(1)) <= 2000:
            n = int(m.group(1))
            out = [urljoin(url, "index.html")] + [urljoin(url, f"index_{i}.html") for i in range(1, n)]
    return out


class TRSSpider(ReportSpider):
    name = "trs"
    platform = "trs"
    detail_patterns = (r"/t\d{8}_\d+(?:_wap)?\.s?html?$",)

    def pagination(self, page, nb):
        yield from super().pagination(page, nb)
        yield from trs_pages(page.text, page.url)
