"""CMS layouts of the sample portal, one module per platform family seen on 政府网站:
TRS WCM (``trs``), 大汉 Hanweb JCMS (``hanweb``), the Guangdong 集约化 platform (``gdplatform``)
and a hand-made old site (``generic``). Each module has ``assign(truth, site, reports, rng)``,
which gives every report its URLs, and ``pages(ctx, site, reports)``, which returns the site's
resources as ``{path: Page}`` (Hanweb adds a POST data proxy)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, TYPE_CHECKING

from portal.cms import gdplatform, generic, hanweb, trs
from portal.cms.base import Page
if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import Truth, TruthReport

PLATFORMS = {"trs": trs, "hanweb": hanweb, "gdplatform": gdplatform, "generic": generic}


@dataclass
class Context:
    """What page builders need beyond the site: the truth, the port (for the offsite link to
    ``localhost:{port}``) and the dynamic handlers they register (path -> fn(params) -> Page)."""

    truth: Truth
    port: int
    dynamic: dict[str, Callable[[dict[str, str]], Page | None]] = field(default_factory=dict)

    def quirk(self, name: str) -> list[tuple[str, int]]:
        q = self.truth.quirks.get(name)
        if q is None:
            return []
        items = q if isinstance(q, list) else [q]
        return [(i["agency"], int(i["year"])) for i in items if isinstance(i, dict) and "agency" in i]


def site_reports(truth: Truth, site_id: str) -> list[TruthReport]:
    return sorted((r for r in truth.reports if r.site == site_id), key=lambda r: (r.published, r.agency))


def assign_urls(truth: Truth) -> None:
    for site in truth.sites.values():
        rng = random.Random(f"{truth.seed}:{site.id}:ids")
        reports = site_reports(truth, site.id)
        for r in reports:
            ag = truth.agency(r.agency)
            r.index_no = f"{ag.code}/{r.published.year}-{rng.randint(1, 99999):05d}"
        PLATFORMS[site.platform].assign(truth, site, reports, rng)


def build_pages(ctx: Context) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for site in ctx.truth.sites.values():
        pages.update(PLATFORMS[site.platform].pages(ctx, site, site_reports(ctx.truth, site.id)))
    return pages


def unique_ids(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    seen: set[int] = set()
    out = []
    while len(out) < n:
        i = rng.randint(lo, hi)
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def body_group(truth: Truth, r: TruthReport) -> str:
    return truth.agency(r.agency).body_type
