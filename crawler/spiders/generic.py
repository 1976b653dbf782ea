"""Portals without CMS-specific paging: the base spider as it is."""
from __future__ import annotations

from crawler.spiders.base import ReportSpider


class GenericSpider(ReportSpider):
    name = "generic"
    platform = "generic"
