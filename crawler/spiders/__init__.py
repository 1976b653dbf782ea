"""Spiders: one generic annual-report spider (``base.ReportSpider``) and a platform subclass
for each CMS family that needs code. A site's ``platform`` picks the class through the
catalogue in ``crawler.platforms`` (the one list of platforms)."""
from __future__ import annotations

from crawler.platforms import PLATFORMS, get_platform
from crawler.spiders.base import ReportSpider


def spider_for(platform: str | None) -> type[ReportSpider]:
    """The spider class of ``platform`` (None: generic), imported from the catalogue."""
    return get_platform(platform).spider_class()


def __getattr__(name: str):
    if name == "SPIDERS":  # platform name -> spider class, for code that wants them all
        return {p.name: p.spider_class() for p in PLATFORMS.values()}
    raise AttributeError(name)


__all__ = ["SPIDERS", "spider_for", "ReportSpider"]
