"""What a weekly digest says, read from the database once per week and cut per subscriber.

One ISO week (Monday 00:00 to Monday 00:00, Asia/Shanghai — the supervisors' week; stored times
are UTC) gives:

* the reports harvested that week (first seen in it);
* findings first seen that week and not dismissed, by kind (the catalogue's kinds);
* findings resolved that week;
* the coverage findings still open (what nianbao could not look at), new ones marked;
* per region, for the report year in season (the week's year − 1): agencies expected (on a
  roster, or with a report of the year before), published, on time, with open errors;
* the publication dates of that year's reports, for the progress chart.

:func:`load_week` reads everything once (a few queries, whatever the number of subscribers);
:meth:`Week.for_subscriber` filters in memory, so 1,000 subscribers cost 1,000 cheap passes,
not 1,000 sets of queries.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Agency, Document, Finding, ReportRow, Site
from monitor import catalogue
from monitor.config import MonitorConfig, infer_body_type
from nianbao.app.digest_config import Subscriber

TZ = ZoneInfo("Asia/Shanghai")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> tuple[int, int]:
    m = _WEEK.match(text or "")
    if not m:
        raise ValueError(f"{text!r} is not an ISO week like 2025-W06")
    y, w = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(y, w, 1)
    except ValueError:
        raise ValueError(f"{text!r}: {y} has no week {w}") from None
    return y, w


def week_of(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def previous_week(now: datetime | None = None) -> str:
    """The last complete ISO week in Asia/Shanghai (what Monday morning's digest is about)."""
    now = now or datetime.now(timezone.utc)
    local = now.astimezone(TZ).date()
    return week_of(local - timedelta(days=7))


def zh_date(d: date | datetime | None) -> str:
    """2025年2月3日 — as a Chinese reader writes a date."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = _local(d).date()
    return f"{d.year}年{d.month}月{d.day}日"


_ISO_DAY = re.compile(r"(?<![\d/=_-])(\d{4})-(\d{2})-(\d{2})(?![\d/])")


def zh_dates(text: str) -> str:
    """The ISO dates of a finding's message (2024-04-09) as a Chinese reader writes them
    (2024年4月9日); digits inside URLs and other numbers are left alone."""
    return _ISO_DAY.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text or "")


def _local(t: datetime) -> datetime:
    """A stored (naive UTC) time in Asia/Shanghai."""
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(TZ)


@dataclass
class Item:
    """A report or a finding as the digest shows it, with what scoping needs."""

    province: str | None
    region_code: str
    site: str | None
    data: dict[str, Any]


@dataclass
class RegionRow:
    province: str
    region: str
    region_code: str
    expected: int = 0
    published: int = 0
    on_time: int = 0
    with_errors: int = 0


@dataclass
class Week:
    week: str
    start: date  # Monday
    end: date  # Sunday
    report_year: int
    reports: list[Item] = field(default_factory=list)
    new: list[Item] = field(default_factory=list)
    resolved: list[Item] = field(default_factory=list)
    coverage: list[Item] = field(default_factory=list)
    regions: list[tuple[Item, RegionRow]] = field(default_factory=list)
    publications: list[Item] = field(default_factory=list)  # data: {"day": date, "body_type": str}
    deadlines: dict[str, date] = field(default_factory=dict)

    def for_subscriber(self, sub: Subscriber) -> "Digest":
        def mine(items: list[Item]) -> list[Item]:
            return [i for i in items if sub.follows(i.province, i.region_code, i.site)]

        def rules(items: list[Item]) -> list[dict]:
            return [i.data for i in mine(items) if sub.wants(i.data["rule"])]

        new = rules(self.new)
        by_kind: list[tuple[catalogue.Kind, list[dict]]] = []
        for k in catalogue.KINDS:
            if k.key == "coverage":
                continue
            got = [f for f in new if f["kind"] == k.key]
            if got:
                by_kind.append((k, got))
        regions = [r for i, r in self.regions if sub.follows(i.province, i.region_code, i.site)]
        return Digest(self, sub, [i.data for i in mine(self.reports)], by_kind, rules(self.resolved),
                      rules(self.coverage), regions, [i.data for i in mine(self.publications)])


@dataclass
class Digest:
    """One subscriber's digest of one week."""

    week: Week
    subscriber: Subscriber
    reports: list[dict]
    new_by_kind: list[tuple[catalogue.Kind, list[dict]]]
    resolved: list[dict]
    coverage: list[dict]
    regions: list[RegionRow]
    publications: list[dict]

    @property
    def new_count(self) -> int:
        return sum(len(v) for _, v in self.new_by_kind)


def _bounds(week: str) -> tuple[date, datetime, datetime]:
    y, w = parse_week(week)
    monday = date.fromisocalendar(y, w, 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=TZ).astimezone(timezone.utc).replace(tzinfo=None)
    return monday, start, start + timedelta(days=7)


def _code_of(agency_key: str | None) -> str:
    return (agency_key or "").partition("|")[2]


def _source(ev: dict[str, Any]) -> str | None:
    for k in ("source_url", "url"):
        if ev.get(k):
            return ev[k]
    docs = ev.get("documents") or []
    return docs[0].get("url") if docs else None


def load_week(s: Session, week: str, cfg: MonitorConfig | None = None) -> Week:
    cfg = cfg or MonitorConfig.load()
    monday, t0, t1 = _bounds(week)
    wk = Week(week, monday, monday + timedelta(days=6), report_year=monday.year - 1)
    sites = dict(s.execute(select(Site.id, Site.name)).all())
    agencies = {r.id: r for r in s.execute(select(Agency.id, Agency.name, Agency.province, Agency.region,
                                                  Agency.region_code, Agency.body_type, Agency.expected))}

    # ------------------------------------------------------------------ reports harvested this week
    q = (select(ReportRow.id, ReportRow.agency_id, ReportRow.agency_name, ReportRow.year, ReportRow.title,
                ReportRow.published, ReportRow.first_seen, ReportRow.status, ReportRow.problems, Document.url,
                Document.site_id)
         .join(Document, ReportRow.document_id == Document.id)
         .where(ReportRow.status.in_(("ok", "problems")), ReportRow.first_seen >= t0, ReportRow.first_seen < t1)
         .order_by(ReportRow.first_seen, ReportRow.id))
    for r in s.execute(q):
        a = agencies.get(r.agency_id)
        wk.reports.append(Item(a.province if a else None, (a.region_code if a else "") or "", sites.get(r.site_id), {
            "id": r.id, "agency": r.agency_name or (a.name if a else ""), "year": r.year, "title": r.title or "",
            "published": zh_date(r.published), "first_seen": zh_date(r.first_seen), "url": r.url,
            "status": r.status, "problems": len(r.problems or [])}))

    # ------------------------------------------------------------------ findings
    def item(f: Finding) -> Item:
        ev = f.evidence or {}
        rule = catalogue.BY_ID.get(f.rule)
        site = ev.get("site") or next(iter(ev.get("sites") or []), None)
        return Item(ev.get("province"), _code_of(ev.get("agency_key")), site, {
            "id": f.id, "rule": f.rule, "title": rule.title if rule else f.rule,
            "kind": rule.kind if rule else "plausibility", "severity": f.severity,
            "severity_zh": catalogue.SEVERITY_ZH.get(f.severity, f.severity), "agency": f.agency_name or "",
            "year": f.year, "message": zh_dates(f.message), "url": _source(ev), "cells": (ev.get("cells") or [])[:8],
            "cells_more": max(0, len(ev.get("cells") or []) - 8), "site": site,
            "first_seen": zh_date(f.first_seen), "resolved_at": zh_date(f.resolved_at),
            "is_new": f.first_seen is not None and t0 <= f.first_seen < t1})

    coverage_rules = [r.id for r in catalogue.RULES if r.kind == "coverage"]
    for f in s.scalars(select(Finding).where(Finding.first_seen >= t0, Finding.first_seen < t1,
                                             Finding.status != "dismissed", Finding.rule.not_in(coverage_rules))
                       .order_by(Finding.agency_name, Finding.year, Finding.rule, Finding.id)):
        wk.new.append(item(f))
    for f in s.scalars(select(Finding).where(Finding.status == "resolved", Finding.resolved_at >= t0,
                                             Finding.resolved_at < t1)
                       .order_by(Finding.agency_name, Finding.year, Finding.rule, Finding.id)):
        wk.resolved.append(item(f))
    for f in s.scalars(select(Finding).where(Finding.status == "open", Finding.rule.in_(coverage_rules),
                                             Finding.first_seen < t1)
                       .order_by(Finding.rule, Finding.agency_name, Finding.id)):
        wk.coverage.append(item(f))

    # ------------------------------------------------------------------ regions, for the year in season
    y = wk.report_year
    wk.deadlines = {"department": cfg.deadline(y, "department", None, None, None),
                    "government": cfg.deadline(y, "government", None, None, None)}
    first_pub: dict[int, date] = {}
    q = (select(ReportRow.agency_id, ReportRow.year, func.min(ReportRow.published), func.min(ReportRow.first_seen))
         .where(ReportRow.status.in_(("ok", "problems")), ReportRow.agency_id.is_not(None),
                ReportRow.year.in_((y - 1, y)))
         .group_by(ReportRow.agency_id, ReportRow.year))
    before: set[int] = set()
    for agency_id, year, pub, seen in s.execute(q):
        if year == y:
            day = pub or (seen.date() if seen else None)
            if day is not None:
                first_pub[agency_id] = day
        else:
            before.add(agency_id)
    errors = {a for (a,) in s.execute(select(Finding.agency_id).where(
        Finding.status == "open", Finding.severity == "error", Finding.year == y,
        Finding.agency_id.is_not(None)).distinct())}
    roster = {(e.name, e.region_code) for e in cfg.roster if e.years is None or y in e.years}
    rows: dict[tuple[str, str], RegionRow] = {}
    for a in agencies.values():
        expected = a.expected or (a.name, a.region_code or "") in roster or a.id in before
        if not (expected or a.id in first_pub):
            continue
        key = (a.province or "", a.region or "")
        row = rows.get(key)
        if row is None:
            row = rows[key] = RegionRow(a.province or "", a.region or "（地区不详）", (a.region_code or "")[:6])
        row.expected += 1 if expected else 0
        day = first_pub.get(a.id)
        if day is not None:
            row.published += 1
            bt = infer_body_type(a.name, a.body_type)
            if day <= cfg.deadline(y, bt, a.province, a.region, a.region_code):
                row.on_time += 1
            wk.publications.append(Item(a.province, a.region_code or "", None, {"day": day, "body_type": bt}))
        if a.id in errors:
            row.with_errors += 1
    for key in sorted(rows):
        r = rows[key]
        wk.regions.append((Item(r.province, r.region_code, None, {}), r))
    return wk
