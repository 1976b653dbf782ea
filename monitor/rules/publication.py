"""Publication: P1 not published, P2 late, P3 changed after publication; C1 the crawl could not
tell. A document of the agency that we hold but could not read is no P1 either: the extraction
family owns X1 and reports it.

Expected agencies for year Y: every roster entry of ``config/agencies/*.yaml`` (within its
optional ``since``/``until``) and every agency with a report for an earlier year. Deadlines come
from ``config/monitor.yaml`` by body type and region (``MonitorConfig.deadline``); before the
deadline nothing is said, and "today" is ``--as-of``.

P1 is judged only for years that have been harvested (some report of Y is in the database) or
that were asked for with ``--year`` — an empty year means we have not looked yet. It is never
raised when the agency's site could not be crawled: if the latest crawl run of its site failed
(status failed, or every document it fetched for the site is an error), the finding is C1 (info).
If we hold a document attributed to the agency and year that the extractor could not read, there is
no P1: something was published, we cannot say what (X1, ``monitor.rules.extraction``).

P2 uses the page's 发布日期 (``ReportRow.published``, earliest version). Without one, the date we
first saw the report counts only when we had crawled its site, successfully, on or before the
deadline — otherwise "first seen late" would only say that we started late.

P3: the same agency and year at the same URL fetched again with a different sha256 *and* different
content (cells or section text): a page whose template or visit counter changed is not reported.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import func, select

from db.models import CrawlRun, Document, ReportRow, Site
from extract import template as T
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit, cell_label
from monitor.rules.extraction import unreadable_documents
from monitor.view import READABLE, AgencyInfo, Rep, View

RULES = family_rules("publication")

_SECTION_NAMES = {k: f"第{n}部分“{t}”" for n, (k, t, _) in zip("一二三四五六", T.SECTIONS)}


def _sec_order(k: str) -> int:
    return T.SECTION_KEYS.index(k) if k in T.SECTION_KEYS else 9


_BT = {"department": "政府部门", "government": "人民政府", "town": "乡镇（街道）", "other": "其他机关"}


class _Sites:
    """Sites, their latest crawl run, and whether it failed."""

    def __init__(self, view: View):
        s = view.s
        self.by_name = {name: sid for sid, name in s.execute(select(Site.id, Site.name))}
        self.name_of = {sid: name for name, sid in self.by_name.items()}
        runs = s.execute(select(CrawlRun.id, CrawlRun.site_id, CrawlRun.status, CrawlRun.started_at,
                                CrawlRun.finished_at)).all()
        self.latest: dict[int, object] = {}
        self.good_runs: dict[int, list[datetime]] = defaultdict(list)
        for r in runs:
            if r.site_id is None:
                continue
            cur = self.latest.get(r.site_id)
            if cur is None or (r.started_at, r.id) > (cur.started_at, cur.id):
                self.latest[r.site_id] = r
            if r.status == "finished":
                self.good_runs[r.site_id].append(r.started_at)
        ids = [r.id for r in self.latest.values()]
        stats: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for n in range(0, len(ids), 500):
            q = (select(Document.crawl_run_id, Document.site_id, Document.error.is_(None), func.count())
                 .where(Document.crawl_run_id.in_(ids[n:n + 500]))
                 .group_by(Document.crawl_run_id, Document.site_id, Document.error.is_(None)))
            for run_id, site_id, ok, k in s.execute(q):
                st = stats[(run_id, site_id)]
                st[0] += k
                if ok:
                    st[1] += k
        self.failed: dict[int, object] = {}
        for sid, r in self.latest.items():
            total, ok = stats.get((r.id, sid), (0, 0))
            if r.status == "failed" or (total > 0 and ok == 0):
                self.failed[sid] = r

    def crawled_by(self, site_id: int | None, day: date) -> bool:
        return site_id is not None and any(t.date() <= day for t in self.good_runs.get(site_id, ()))


def _deadline(cfg: MonitorConfig, a: AgencyInfo, year: int) -> date:
    return cfg.deadline(year, a.body_type, a.province, a.region, a.region_code, a.deadlines)


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    s = view.s
    sites = _Sites(view)
    hits: list[Hit] = []
    as_of = view.as_of

    # who reported when, over the whole database
    seen: dict[str, set[int]] = defaultdict(set)
    agency_sites: dict[str, set[int]] = defaultdict(set)
    q = (select(ReportRow.agency_id, ReportRow.year, Document.site_id)
         .join(Document, ReportRow.document_id == Document.id)
         .where(ReportRow.status.in_(READABLE), ReportRow.agency_id.is_not(None), ReportRow.year.is_not(None))
         .group_by(ReportRow.agency_id, ReportRow.year, Document.site_id))
    harvested: set[int] = set()
    for agency_id, year, site_id in s.execute(q):
        a = view.by_agency_id.get(agency_id)
        harvested.add(year)
        if a is None:
            continue
        seen[a.key].add(year)
        if site_id is not None:
            agency_sites[a.key].add(site_id)
    harvested |= {y for (y,) in s.execute(select(ReportRow.year).where(ReportRow.year.is_not(None)).distinct())}

    # documents we hold for an agency and year but could not read: X1 (extraction family), not P1
    unreadable = unreadable_documents(view)

    # ---------------------------------------------------------------- P1 / C1
    years = [view.year_requested] if _explicit_year(view) else sorted(harvested)
    if cfg["publication"].get("check_unharvested_years") and not _explicit_year(view):
        years = sorted(set(years) | {as_of.year - 1})
    # A roster speaks only for territory we have looked at: its province counts once one of its
    # sites has been crawled or one of its agencies has a report. Importing a folder of unrelated
    # reports must not turn every other roster entry into "not published".
    looked = {a.province for a in view.agencies.values() if a.expected
              and (seen.get(a.key) or (a.site in sites.by_name and sites.by_name[a.site] in sites.latest))}
    reported: dict[int, _Reported] = defaultdict(_Reported)
    for a in view.agencies.values():
        for y in seen.get(a.key, ()):
            reported[y].add(a)
    for year in years:
        for a in view.agencies.values():
            if a.pseudo or not view.in_province(a):
                continue
            on_roster = a.expected_for(year) and a.province in looked
            if not on_roster and not any(y < year for y in seen.get(a.key, ())):
                continue
            if year in seen.get(a.key, ()):
                continue
            if year in reported and reported[year].named_otherwise(a):
                continue  # published under a fuller or shorter name (淮安市洪泽区人民政府 / 洪泽区人民政府)
            dl = _deadline(cfg, a, year)
            if as_of <= dl:
                continue
            if (a.key, year) in unreadable:
                continue  # something was published that we could not read: X1 says so
            site_ids = set(agency_sites.get(a.key, ()))
            if a.site and a.site in sites.by_name:
                site_ids.add(sites.by_name[a.site])
            failed = [sites.failed[x] for x in sorted(site_ids) if x in sites.failed]
            if failed:
                r = failed[0]
                name = sites.name_of.get(r.site_id, str(r.site_id))
                hits.append(Hit("C1", a, year, "crawl",
                                f"C1 无法判断{a.name}{year}年度报告是否已发布：站点“{name}”最近一次抓取"
                                f"（{r.started_at:%Y-%m-%d %H:%M}）失败，未能访问。这不是“未发布”，请检查抓取。",
                                extra={"site": name, "crawl_run_id": r.id, "crawl_status": r.status,
                                       "deadline": dl.isoformat()},
                                values=[name]))
                continue
            if not on_roster and not _looked_for(a, year, dl, site_ids, sites, reported):
                continue  # expected from its earlier reports, but we have not looked where it publishes
            basis = "名录" if a.expected_for(year) else f"该机关此前发布过{max(y for y in seen[a.key] if y < year)}年度报告"
            hits.append(Hit("P1", a, year, "published",
                            f"P1 截至{as_of.isoformat()}未找到{a.name}{year}年度政府信息公开工作年度报告；"
                            f"{_BT[a.body_type]}的发布截止日期为{dl.isoformat()}（应发布依据：{basis}）。"
                            "请核实是否已在政府信息公开专栏发布。",
                            extra={"deadline": dl.isoformat(), "as_of": as_of.isoformat(), "body_type": a.body_type,
                                   "expected_by": "roster" if a.expected_for(year) else "earlier_report",
                                   "sites": [sites.name_of.get(x) for x in sorted(site_ids)]},
                            values=[dl.isoformat()]))

    # ---------------------------------------------------------------- P2 / P3
    p3_pairs: list[tuple[Rep, list]] = []
    for rep in view.reps:
        if not rep.in_scope or rep.agency.pseudo or rep.year is None:
            continue
        a = rep.agency
        dl = _deadline(cfg, a, rep.year)
        pubs = [v.published for v in rep.versions if v.published]
        when, basis = None, ""
        if pubs:
            when, basis = min(pubs), "页面发布日期"
        else:
            first = min(rep.versions, key=lambda v: v.first_seen or datetime.max)
            if first.first_seen and sites.crawled_by(first.site_id, dl):
                when, basis = first.first_seen.date(), "首次抓取到的日期（截止日前已抓取过该站点而未见）"
        if when is not None and when > dl and when <= as_of:
            hits.append(Hit("P2", a, rep.year, "late",
                            f"P2 逾期发布：{a.name}{rep.year}年度报告的{basis}为{when.isoformat()}，"
                            f"晚于{_BT[a.body_type]}的截止日期{dl.isoformat()}（逾期{(when - dl).days}天）。",
                            rep=rep.idx, extra={"date": when.isoformat(), "basis": basis, "deadline": dl.isoformat()},
                            values=[when.isoformat(), dl.isoformat()]))
        by_url: dict[str, list] = defaultdict(list)
        for v in rep.versions:
            by_url[v.url].append(v)
        for url, vs in by_url.items():
            distinct = []
            for v in vs:
                if v.sha256 and (not distinct or distinct[-1].sha256 != v.sha256):
                    distinct.append(v)
            if len({v.sha256 for v in distinct}) > 1:
                p3_pairs.append((rep, distinct))
    if p3_pairs:
        hits += _p3(view, p3_pairs)
    return hits


def _explicit_year(view: View) -> bool:
    return view.year_requested is not None


def _p3(view: View, pairs: list[tuple[Rep, list]]) -> list[Hit]:
    ids = {v.id for _, vs in pairs for v in vs}
    cells = view.cell_details(ids)
    per: dict[int, dict] = defaultdict(dict)
    for (rid, t, r, c), (vt, _raw, _loc) in cells.items():
        per[rid][(t, r, c)] = vt
    texts: dict[int, dict] = defaultdict(dict)
    for rid, key, txt in view.iter_sections("s.text", only=list(ids)):
        texts[rid][key] = "".join((txt or "").split())
    hits = []
    for rep, vs in pairs:
        changes, sections = [], set()
        for old, new in zip(vs, vs[1:]):
            a, b = per.get(old.id, {}), per.get(new.id, {})
            for k in sorted(set(a) | set(b)):
                if a.get(k) != b.get(k):
                    changes.append((old, new, k, a.get(k), b.get(k)))
            ta, tb = texts.get(old.id, {}), texts.get(new.id, {})
            sections |= {k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k)}
        if not changes and not sections:
            continue  # only the page around the report changed
        shown = "；".join(f"{cell_label(*k, rep.template)} {x or '空白'}→{y or '空白'}" for _, _, k, x, y in changes[:5])
        if len(changes) > 5:
            shown += f"；等共{len(changes)}处"
        sec = ("；正文有改动：" + "、".join(_SECTION_NAMES.get(k, k) for k in sorted(sections, key=_sec_order))
               ) if sections else ""
        first, last = vs[0], vs[-1]
        hits.append(Hit("P3", rep.agency, rep.year, "url:" + first.url,
                        f"P3 发布后被修改：{rep.agency.name}{rep.year}年度报告（同一网址）在"
                        f"{first.first_seen:%Y-%m-%d}与{last.first_seen:%Y-%m-%d}的抓取之间内容发生变化"
                        f"（共{len(vs)}个版本）：{shown or '表格数据未变'}{sec}。",
                        rep=rep.idx,
                        extra={"url": first.url, "versions": [{"report_id": v.id, "sha256": v.sha256,
                                                               "first_seen": v.first_seen.isoformat(timespec="seconds")
                                                               if v.first_seen else None} for v in vs],
                               "changed_cells": [{"table": k[0], "row": k[1], "column": k[2], "before": x, "after": y,
                                                  "label": cell_label(*k, rep.template)} for _, _, k, x, y in changes[:50]],
                               "changed_sections": sorted(sections)},
                        values=[v.sha256 for v in vs]))
    return hits


def _looked_for(a: AgencyInfo, year: int, deadline: date, site_ids: set[int], sites: _Sites,
                reported: dict[int, "_Reported"]) -> bool:
    """Whether we looked where ``a`` would publish its ``year`` report: one of its sites crawled to
    the end after the deadline, or a report of that year from its region (its province when it
    has no region code). Without that, "not found" says nothing about the agency: a folder of
    2021 reports from 吉林 imported beside 2024 reports from 淮安 must not make every 吉林 agency
    "not published" in 2024. (``a`` has no report of ``year``: every one in ``reported`` is another.)"""
    if any(t.date() > deadline for sid in site_ids for t in sites.good_runs.get(sid, ())):
        return True
    there = reported.get(year)
    if there is None:
        return False
    if a.region_code:
        return a.region_code in there.region_codes
    return bool(a.province) and a.province in there.provinces


class _Reported:
    """The agencies with a report of one year, indexed for the questions P1 asks of each agency
    without one (so a run over 100,000 reports asks them in constant time, not by a scan)."""

    def __init__(self) -> None:
        self.region_codes: set[str] = set()
        self.provinces: set[str] = set()
        self.by_name: dict[str, list[AgencyInfo]] = defaultdict(list)
        self.by_place_suffix: dict[str, list[AgencyInfo]] = defaultdict(list)

    def add(self, a: AgencyInfo) -> None:
        if a.region_code:
            self.region_codes.add(a.region_code)
        if a.province:
            self.provinces.add(a.province)
        self.by_name[a.name].append(a)
        for suffix in _place_suffixes(a.name):
            self.by_place_suffix[suffix].append(a)

    def named_otherwise(self, a: AgencyInfo) -> bool:
        """One of them is ``a`` under a fuller or a shorter name (``_same_agency_named_otherwise``)."""
        fuller = self.by_place_suffix.get(a.name, [])
        shorter = [b for sfx in _place_suffixes(a.name) for b in self.by_name.get(sfx, ())]
        return any(_same_agency_named_otherwise(a, b) for b in fuller + shorter)


def _place_suffixes(name: str) -> list[str]:
    """The ends of ``name`` that follow a whole administrative unit (淮安市洪泽区人民政府 →
    洪泽区人民政府, 人民政府): the shorter names it could also be known by."""
    return [name[m.end():] for m in _UNIT_END.finditer(name) if m.end() < len(name)]


_UNIT_END = re.compile(r"(?:省|自治区|市|自治州|州|盟|地区|自治县|县|区|旗)")
_PLACE_START = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|自治州|州|盟|地区|自治县|县|区|旗|镇|乡|街道)")
_PLACE_END = re.compile(r"(?:省|自治区|市|自治州|州|盟|地区|自治县|县|区|旗)$")


def _same_agency_named_otherwise(a: AgencyInfo, b: AgencyInfo) -> bool:
    """Whether ``b`` is ``a`` under a name with or without its parent region: 淮安市洪泽区人民政府
    and 洪泽区人民政府. The shorter name must itself begin with a place and the extra part must be
    whole administrative units, so 财政局 is never taken for 洪泽区财政局. Agencies with different
    region codes are different agencies."""
    if a.key == b.key or (a.region_code and b.region_code and a.region_code != b.region_code):
        return False
    short, long_ = sorted((a.name, b.name), key=len)
    if len(short) == len(long_) or not long_.endswith(short):
        return False
    return bool(_PLACE_START.match(short)) and bool(_PLACE_END.search(long_[:-len(short)]))
