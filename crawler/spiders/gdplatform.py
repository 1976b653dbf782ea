"""Guangdong 集约化 platform: details ``…/content/post_N.html``, attachments
``/attachment/0/a/b/N.pdf``, lists ``index.html``, ``index_2.html`` … (numbered from 2)."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.spiders.base import ReportSpider


class GDPlatformSpider(ReportSpider):
    name = "gdplatform"
    platform = "gdplatform"
    detail_patterns = (r"/content/post_\d+\.html$",)
    attachment_patterns = (r"/attachment/\d+/\d+/\d+/\d+\.\w+$",)

    def pagination(self, page, nb):
        yield from super().pagination(page, nb)
        # "共 N 页" / pageCount: N — pages index_2.html … index_N.html
        m = re.search(r"""(?:pageCount|totalPage|countPage)["']?\s*[:=]\s*["']?(\d+)|共\s*(\d+)\s*页""", page.text)
        if m:
            n = int(m.group(1) or m.group(2))
            if 1 < n <= 2000:
                yield urljoin(page.url, "index.html")
                yield from (urljoin(page.url, f"index_{i}.html") for i in range(2, n + 1))
