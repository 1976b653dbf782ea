"""Coverage — findings about a SITE, not an agency: what nianbao could not look at.

A supervisor must learn that nianbao could not look apart from "the agency did not publish", and
whether or not the site's agencies are on a roster (C1, in the publication family, speaks of a
rostered agency whose site failed; these speak of the site itself):

* C2 the latest crawl of the site found no report at all (nothing fetched, or list pages without
  a single report link: a moved 年报 column, a new CMS, a block page);
* C3 the site answers errors: the latest crawl failed, or at least ``coverage.error_share`` of
  its fetches were errors (the commonest errors are quoted);
* C4 the 年报 column yields fewer reports than last time: fewer than ``coverage.drop_ratio`` of
  those the previous successful crawl found (when that one found at least
  ``coverage.min_previous_reports``);
* C5 no successful crawl of the site for more than ``coverage.stale_days`` days (as of
  ``--as-of``).

C2, C3 and C4 exclude each other (C3 first: an erroring site has fewer reports *because* it
errs). The findings' identity is (rule, site): a dismissal holds while the same problem
persists, and the finding resolves when a crawl succeeds again. Runs still marked ``running``
are not judged (a crawl in progress, or one killed and waiting for ``--resume``).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from db.models import CrawlRun, Document, Site
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit
from monitor.view import AgencyInfo, View, norm_province

RULES = family_rules("coverage")


@dataclass
class Run:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    reports: int
    pages: int
    fetches: int = 0  # document rows of the run (errors included)
    errors: int = 0
    top_errors: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class SiteHistory:
    """One site and its judged crawl runs, oldest first (a small view over ``sites``,
    ``crawl_runs`` and ``documents``: only the latest two runs' documents are counted)."""

    id: int
    name: str
    province: str | None
    region: str | None
    region_code: str
    runs: list[Run]

    @property
    def agency(self) -> AgencyInfo:
        """The pseudo-identity a finding about this site is filed under (key ``site:<name>``)."""
        return AgencyInfo(f"site:{self.name}", f"站点 {self.name}" + (f"（{self.region}）" if self.region else ""),
                          region_code=self.region_code, region=self.region, province=self.province,
                          site=self.name, pseudo=True)


def load_sites(view: View) -> list[SiteHistory]:
    s = view.s
    sites = {sid: SiteHistory(sid, name, prov, (cfg or {}).get("region"), str((cfg or {}).get("region_code") or ""),
                              [])
             for sid, name, prov, cfg in s.execute(select(Site.id, Site.name, Site.province, Site.config))}
    for r in s.execute(select(CrawlRun.id, CrawlRun.site_id, CrawlRun.status, CrawlRun.started_at,
                              CrawlRun.finished_at, CrawlRun.stats).order_by(CrawlRun.started_at, CrawlRun.id)):
        site = sites.get(r.site_id)
        if site is None or r.status == "running":
            continue
        st = r.stats or {}
        site.runs.append(Run(r.id, r.status, r.started_at, r.finished_at, int(st.get("reports") or 0),
                             int(st.get("pages") or 0)))
    wanted = {run.id: run for h in sites.values() for run in h.runs[-2:]}
    ids = sorted(wanted)
    errs: dict[int, Counter] = defaultdict(Counter)
    for n in range(0, len(ids), 500):
        chunk = ids[n:n + 500]
        q = (select(Document.crawl_run_id, Document.error, func.count()).where(Document.crawl_run_id.in_(chunk))
             .group_by(Document.crawl_run_id, Document.error))
        for run_id, error, k in s.execute(q):
            run = wanted[run_id]
            run.fetches += k
            if error is not None:
                run.errors += k
                errs[run_id][_short(error)] += k
    for run_id, c in errs.items():
        wanted[run_id].top_errors = c.most_common(3)
    return [h for h in sites.values() if h.runs]


def _short(error: str) -> str:
    line = " ".join(str(error).split())
    return line[:160]


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    c = cfg["coverage"]
    stale_days = int(c["stale_days"])
    drop_ratio = float(c["drop_ratio"])
    min_prev = int(c["min_previous_reports"])
    error_share = float(c["error_share"])
    hits: list[Hit] = []
    for h in load_sites(view):
        if view.province is not None and norm_province(h.province) != norm_province(view.province):
            continue
        a = h.agency
        last = h.runs[-1]
        when = f"{last.started_at:%Y-%m-%d %H:%M}"
        errs = "；".join(f"{e}（{k}次）" for e, k in last.top_errors)
        base = {"site": h.name, "crawl_run_id": last.id, "crawl_status": last.status, "crawled_at": when,
                "reports": last.reports, "pages": last.pages, "fetches": last.fetches, "errors": last.errors,
                "top_errors": [{"error": e, "count": k} for e, k in last.top_errors]}
        share = last.errors / last.fetches if last.fetches else 0.0
        if last.status == "failed" or (last.fetches and share >= error_share):
            what = "抓取失败" if last.status == "failed" else f"{last.errors}/{last.fetches}个请求返回错误"
            hits.append(Hit("C3", a, None, "errors",
                            f"C3 站点“{h.name}”最近一次抓取（{when}）{what}" + (f"：{errs}" if errs else "")
                            + "。无法据此判断其机关是否发布年报，请检查站点或抓取配置。", extra=base, values=["C3"]))
        elif last.reports == 0:
            hits.append(Hit("C2", a, None, "nothing",
                            f"C2 站点“{h.name}”最近一次抓取（{when}）没有找到任何年报"
                            f"（取得页面{last.pages}个）。年报栏目可能已改版或迁移，请检查站点配置。",
                            extra=base, values=["C2"]))
        else:
            prev = next((r for r in reversed(h.runs[:-1]) if r.status == "finished" and r.reports), None)
            if prev is not None and prev.reports >= min_prev and last.reports < drop_ratio * prev.reports:
                hits.append(Hit("C4", a, None, "fewer",
                                f"C4 站点“{h.name}”年报栏目最近一次抓取（{when}）找到{last.reports}份报告，"
                                f"上一次（{prev.started_at:%Y-%m-%d}）为{prev.reports}份。栏目可能已改版、分页或迁移。",
                                extra={**base, "previous_reports": prev.reports, "previous_run_id": prev.id},
                                values=["C4"]))
        good = [r for r in h.runs if r.status == "finished"]
        ref = (good[-1].finished_at or good[-1].started_at) if good else h.runs[0].started_at
        days = (view.as_of - ref.date()).days
        if days > stale_days:
            since = f"最近一次成功抓取为{ref:%Y-%m-%d}" if good else f"自{ref:%Y-%m-%d}首次抓取以来从未成功"
            hits.append(Hit("C5", a, None, "stale",
                            f"C5 站点“{h.name}”已{days}天没有成功抓取（{since}，规定不超过{stale_days}天）。",
                            extra={**base, "last_success": ref.isoformat(timespec="seconds") if good else None,
                                   "days": days}, values=["C5"]))
    return hits
