"""Spiders: one generic annual-report spider (``base.ReportSpider``) and a platform subclass
for each CMS family that needs code. A site's ``platform`` picks the class."""
from __future__ import annotations

from crawler.spiders.base import ReportSpider
from crawler.spiders.gdplatform import GDPlatformSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TRSSpider

SPIDERS: dict[str, type[ReportSpider]] = {
    "generic": GenericSpider, "trs": TRSSpider, "hanweb": HanwebSpider, "gdplatform": GDPlatformSpider,
}


def spider_for(platform: str | None) -> type[ReportSpider]:
    return SPIDERS[platform or "generic"]


__all__ = ["SPIDERS", "spider_for", "ReportSpider"]
