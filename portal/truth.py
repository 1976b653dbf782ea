"""The sample portal's ground truth: agencies, the reports they publish (numbers, dates, formats,
URLs), the years they skip and the problems planted on purpose, so the crawler and monitor tests
can compare what they found with what is there.

``truth.yaml`` says who exists and what is planted; every number comes from its seed, so the
same truth (and the same portal bytes) is produced on every run.

    >>> from portal.truth import load_truth
    >>> t = load_truth()
    >>> t.report("淮宁市教育局", 2022).data["applications"]["new_received"]["total"]
"""
from __future__ import annotations

import copy
import functools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from extract import template as T
from portal.narrative import Facts, narrative
from portal.synth import random_report

TRUTH_FILE = Path(__file__).with_name("truth.yaml")
BODY_TYPES = ("department", "government", "town")
#: applications scale per body type: governments aggregate, towns get few applications
_SCALE = {"government": 90, "department": 25, "town": 4}
_APPLICANTS = T.APPLICANT_COLUMNS[:-1]


@dataclass(frozen=True)
class Agency:
    name: str
    province: str
    region: str
    region_code: str
    level: str  # province | city | county | town
    body_type: str  # department | government | town
    site: str
    code: str  # 统一社会信用代码-like id, the prefix of the 索引号 on its pages


@dataclass(frozen=True)
class Province:
    name: str
    code: str
    slug: str
    deadlines: dict[str, str]  # body type -> "MM-DD" of the following year


@dataclass(frozen=True)
class SiteSpec:
    id: str
    platform: str  # trs | hanweb | gdplatform | generic
    province: str
    title: str
    encoding: str
    formats: dict[str, int]
    root: str  # path prefix on the portal ("/" for host-rooted CMSs)
    slug: str  # fictional host name part: www.<slug>.gov.cn
    region_code: str = ""


@dataclass(frozen=True)
class Cell:
    """One canonical cell a planted problem touches: ``truth`` before planting, ``value`` as served."""

    table: str
    row: str
    column: str
    truth: Any
    value: Any


@dataclass
class TruthReport:
    """One published report. ``data`` is the canonical dict served in epoch 0; ``changed`` the
    content served from epoch 1 on (P3 reports only). Paths are relative to the portal URL."""

    agency: str
    year: int
    template: str
    published: datetime
    format: str  # html | txt | pdf | docx (what is actually served)
    site: str
    data: dict
    encoding: str = "utf-8"
    changed: dict | None = None
    url: str = ""  # the detail page
    attachment: str | None = None  # the attachment, for txt/pdf/docx reports
    list_pages: list[str] = field(default_factory=list)
    embed: str = "link"  # how the detail page points at the attachment: link | iframe | embed
    article_id: str = ""
    index_no: str = ""  # 索引号

    @property
    def key(self) -> tuple[str, int]:
        return self.agency, self.year

    @property
    def content_url(self) -> str:
        """Where the report's tables are: the attachment, else the detail page."""
        return self.attachment or self.url

    @property
    def published_date(self) -> date:
        return self.published.date()

    def content(self, epoch: int = 0) -> dict:
        return self.changed if (epoch >= 1 and self.changed is not None) else self.data


@dataclass(frozen=True)
class Planted:
    id: str
    rule: str
    agency: str
    year: int
    years: tuple[int, ...]  # every year the problem involves (the finding is on ``year``)
    note: str = ""
    cells: tuple[Cell, ...] = ()
    detail: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Truth:
    seed: int
    years: list[int]
    provinces: list[Province]
    sites: dict[str, SiteSpec]
    agencies: list[Agency]
    reports: list[TruthReport]
    missing: list[tuple[str, int]]  # expected agency-years never published (P1)
    problems: list[Planted]
    quirks: dict[str, Any]
    unpublished: dict[tuple[str, int], dict] = field(default_factory=dict)  # what P1 agencies would have said

    def __post_init__(self) -> None:
        self._by_key = {r.key: r for r in self.reports}
        self._agencies = {a.name: a for a in self.agencies}

    def report(self, agency: str, year: int) -> TruthReport | None:
        return self._by_key.get((agency, year))

    def agency(self, name: str) -> Agency:
        return self._agencies[name]

    def province(self, name: str) -> Province:
        return next(p for p in self.provinces if p.name == name)

    def deadline(self, agency: str, year: int) -> date:
        """The last on-time publication day for ``agency``'s report on ``year``."""
        a = self.agency(agency)
        month, day = self.province(a.province).deadlines[a.body_type].split("-")
        return date(year + 1, int(month), int(day))

    def planted(self, rule: str) -> list[Planted]:
        return [p for p in self.problems if p.rule == rule]

    @property
    def clean(self) -> set[tuple[str, int]]:
        """Published agency-years that no planted problem involves."""
        dirty = {(p.agency, y) for p in self.problems for y in p.years}
        return {r.key for r in self.reports} - dirty

    def summary(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "years": self.years,
            "agencies": len(self.agencies), "reports": len(self.reports),
            "by_format": _count(r.format for r in self.reports),
            "by_site": _count(r.site for r in self.reports),
            "missing": [list(m) for m in self.missing],
            "problems": [{"id": p.id, "rule": p.rule, "agency": p.agency, "year": p.year, "note": p.note}
                         for p in self.problems],
            "clean": len(self.clean),
        }


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items()))


# ------------------------------------------------------------------------------- loading
def _agencies(cfg: dict) -> list[Agency]:
    out = []
    for prov in cfg["provinces"]:
        for reg in prov["regions"]:
            members = [(reg["government"], "government", reg["level"])]
            members += [(d, "department", reg["level"]) for d in reg["departments"]]
            members += [(t, "town", "town") for t in reg["towns"]]
            for name, body, level in members:
                h = int.from_bytes(random.Random(f"code:{name}").randbytes(4), "big")
                code = f"11{reg['code']}{h % 10**9:09d}{'ABCDEFGHJK'[h % 10]}"
                out.append(Agency(name, prov["name"], reg["name"], str(reg["code"]), level, body,
                                  reg.get("site"), code))
    return out


@functools.lru_cache(maxsize=4)
def load_truth(path: str | None = None) -> Truth:
    """The truth, URLs included. Cached: treat it as read-only."""
    truth = build_truth(path)
    from portal.cms import assign_urls

    assign_urls(truth)
    return truth


def build_truth(path: str | None = None) -> Truth:
    """Numbers, dates and formats (no URLs) from the truth file and its seed."""
    cfg = yaml.safe_load(Path(path or TRUTH_FILE).read_text(encoding="utf-8"))
    seed, years = int(cfg["seed"]), list(cfg["years"])
    provinces = [Province(p["name"], str(p["code"]), p["slug"], dict(p["deadlines"])) for p in cfg["provinces"]]
    codes = {r["site"]: str(r["code"]) for p in cfg["provinces"] for r in p["regions"]}
    sites = {k: SiteSpec(k, v["platform"], v["province"], v["title"], v.get("encoding", "utf-8"), dict(v["formats"]),
                         v["root"], v["slug"], codes.get(k, ""))
             for k, v in cfg["sites"].items()}
    agencies = _agencies(cfg)
    names = {a.name for a in agencies}
    plan: dict[tuple[str, int], list[dict]] = {}
    for p in cfg["planted"]:
        if p["agency"] not in names:
            raise ValueError(f"planted {p['id']}: unknown agency {p['agency']}")
        plan.setdefault((p["agency"], int(p["year"])), []).append(p)
    overrides = {(o["agency"], int(o["year"])): str(o["template"]) for o in cfg.get("template_overrides", [])}
    quirks = cfg.get("quirks", {})
    forced_html = {(q["agency"], int(q["year"])) for k, q in quirks.items() if k.startswith("charset_")}
    deadlines = {p.name: p.deadlines for p in provinces}

    reports: list[TruthReport] = []
    problems: list[Planted] = []
    missing: list[tuple[str, int]] = []
    unpublished: dict[tuple[str, int], dict] = {}
    for ag in agencies:
        rng = random.Random(f"{seed}:{ag.name}")
        prev: dict | None = None
        t1 = next((p for ps in plan.values() for p in ps if p["rule"] == "T1" and p["agency"] == ag.name), None)
        for i, year in enumerate(years):
            tpl = overrides.get((ag.name, year)) or ("2019" if year < 2021 else "2021")
            carried = dict(prev["applications"]["carried_forward"]) if prev else None
            in_force = None
            if prev and prev["template"] == "2021" and tpl == "2021":
                in_force = {r: v["in_force"] for r, v in prev["proactive"]["art20_1"].items()}
            rep = random_report(rng, ag.name, year, tpl, _SCALE[ag.body_type], carried=carried, in_force=in_force)
            _corrections(rep, t1["corrected"][i] if t1 else (None if i == 0 else 0))
            todo = plan.get((ag.name, year), [])
            cells: dict[str, list[Cell]] = {}
            for p in todo:
                cells[p["id"]] = _plant_tables(rep, p, prev)
            nseed, period, said_received = f"{seed}:{ag.name}:{year}:text", year, None
            for p in todo:
                if p["rule"] == "W4":
                    nseed = f"{seed}:{ag.name}:{year - 1}:text"
                elif p["rule"] == "W5":
                    period = year - 1
                elif p["rule"] == "W3":
                    said_received = rep["applications"]["new_received"]["total"] + 7
            meta = random.Random(f"{seed}:{ag.name}:{year}:meta")
            rep["narrative"] = narrative(nseed, ag.name, year, _facts(rep, said_received), period)
            rep["title"] = meta.choice((f"{ag.name}{year}年政府信息公开工作年度报告",) * 3
                                       + (f"{ag.name}{year}年度政府信息公开工作年度报告",))
            published = _published(meta, ag, year, deadlines[ag.province])
            fmt = _weighted(meta, sites[ag.site].formats)
            changed = None
            for p in todo:
                if p["rule"] == "P2":
                    published = datetime.combine(date.fromisoformat(p["published"]), published.time())
                if p["rule"] == "P3":
                    fmt = p.get("format", fmt)
                    changed, cells[p["id"]] = _edit_after_publication(rep)
            if (ag.name, year) in forced_html:
                fmt = "html"
            for p in todo:
                problems.append(Planted(
                    p["id"], p["rule"], ag.name, year, _years_involved(p, year, years), p.get("note", ""),
                    tuple(cells.get(p["id"], ())), {k: v for k, v in p.items()
                                                    if k not in ("id", "rule", "agency", "year", "note")}))
            prev = rep
            if any(p["rule"] == "P1" for p in todo):
                missing.append((ag.name, year))
                unpublished[(ag.name, year)] = rep
                continue
            reports.append(TruthReport(ag.name, year, tpl, published, fmt, ag.site, rep,
                                       sites[ag.site].encoding, changed))
    problems.sort(key=lambda p: p.id)
    from portal.formats import effective_format

    for r in reports:
        r.format = effective_format(r.format)
    return Truth(seed, years, provinces, sites, agencies, reports, missing, problems, quirks, unpublished)


def _years_involved(p: dict, year: int, years: list[int]) -> tuple[int, ...]:
    if p["rule"] == "T1":
        return tuple(years)
    if p["rule"] in ("W1", "W2", "W4"):
        return (year - 1, year)
    return (year,)


# ------------------------------------------------------------------------------- numbers
def set_corrected(rep: dict, corrected: int) -> None:
    """Corrections only in 行政复议 (as ``corrected``), each group's 总计 kept consistent (R4)."""
    rl = rep["review_litigation"]
    for g in T.REVIEW_GROUPS:
        rl[g]["corrected"] = 0
    rl["review"]["corrected"] = corrected
    for g in T.REVIEW_GROUPS:
        rl[g]["total"] = sum(rl[g][c] for c in T.REVIEW_COLUMNS[:-1])


def _corrections(rep: dict, corrected: int | None) -> None:
    """T1 agencies get their planted 结果纠正 series; clean agencies may have corrections only in
    the first year, so their series never rises (the monitor's T1 must stay silent on them)."""
    if corrected is not None:
        set_corrected(rep, corrected)


def _facts(rep: dict, said_received: int | None) -> Facts:
    apps, rl = rep["applications"], rep["review_litigation"]
    return Facts(
        received=apps["new_received"]["total"] if said_received is None else said_received,
        carried_over=apps["carried_over"]["total"], handled=apps["total_handled"]["total"],
        review=rl["review"]["total"], review_corrected=rl["review"]["corrected"],
        litigation=rl["litigation_direct"]["total"] + rl["litigation_after_review"]["total"])


def _bump(rep: dict, table: str, row: str, col: str, delta: int) -> Cell:
    cells = rep["applications"][row] if table == "applications" else (
        rep["review_litigation"][row] if table == "review_litigation" else rep["proactive"][table][row])
    old = cells[col]
    cells[col] = old + delta
    return Cell(table, row, col, old, cells[col])


def _with_granted(rep: dict, col: str) -> str:
    """``col`` if it has an application granted, else the first column that has one."""
    granted = rep["applications"]["granted"]
    if granted[col] >= 1:
        return col
    col = next((c for c in _APPLICANTS if granted[c] >= 1), None)
    if col is None:  # nothing granted anywhere: grant one new natural-person application
        col = "natural_person"
        for row in ("new_received", "granted", "total_handled"):
            rep["applications"][row][col] += 1
            rep["applications"][row]["total"] += 1
    return col


def _plant_tables(rep: dict, p: dict, prev: dict | None) -> list[Cell]:
    """Break exactly the planted rule in the tables (others keep holding)."""
    rule, col = p["rule"], p.get("column", "natural_person")
    if rule == "R1":  # 结转下年度 up in one column and the total: 一+二 ≠ 三（七）+四 there
        return [_bump(rep, "applications", "carried_forward", c, 2) for c in (col, "total")]
    if rule == "R2":  # one application moved between outcomes in a column only: two row totals off
        col = _with_granted(rep, col)
        return [_bump(rep, "applications", "granted", col, -1), _bump(rep, "applications", "partial", col, 1)]
    if rule == "R3":  # an outcome (and its row total) up; （七）总计 unchanged
        return [_bump(rep, "applications", "denied.third_party", c, 2) for c in (col, "total")]
    if rule == "R4":
        return [_bump(rep, "review_litigation", p.get("group", "review"), "upheld", 1)]
    if rule == "W1":  # 上年结转 off last year's 结转下年度; 结转下年度 moves too, so 勾稽 still holds
        return [_bump(rep, "applications", row, c, 1) for row in ("carried_over", "carried_forward")
                for c in (col, "total")]
    if rule == "W2":
        if rep["template"] != "2021" or not prev or prev["template"] != "2021":
            raise ValueError(f"{p['id']}: W2 needs two consecutive 2021-template years")
        return [_bump(rep, "art20_1", "normative_docs", "in_force", 3)]
    if rule == "W6":
        if rep["template"] == "2021":
            return [_bump(rep, "art20_1", "regulations", c, 1) for c in ("issued", "in_force")]
        return [_bump(rep, "art20_1", "regulations", c, 1) for c in ("new_made", "new_published", "total_published")]
    return []


def _edit_after_publication(rep: dict) -> tuple[dict, list[Cell]]:
    """The P3 edit: one application moved from 予以公开 to 部分公开 (still consistent) and a
    sentence added — what a quiet correction after publication looks like."""
    new = copy.deepcopy(rep)
    col = "natural_person" if rep["applications"]["granted"]["natural_person"] >= 1 else next(
        (c for c in _APPLICANTS if rep["applications"]["granted"][c] >= 1), None)
    cells = []
    if col:
        for c in (col, "total"):
            cells.append(_bump(new, "applications", "granted", c, -1))
            cells.append(_bump(new, "applications", "partial", c, 1))
    new["narrative"] = dict(new["narrative"])
    new["narrative"]["other"] += "\n经复核，对依申请公开办理结果统计数据进行了更正。"
    return new, cells


def _published(rng: random.Random, ag: Agency, year: int, deadlines: dict[str, str]) -> datetime:
    month, day = (int(x) for x in deadlines[ag.body_type].split("-"))
    last = date(year + 1, month, day) - timedelta(days=1)
    first = date(year + 1, 1, 6) if ag.body_type != "government" else date(year + 1, 1, 20)
    d = first + timedelta(days=rng.randint(0, (last - first).days))
    return datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.choice((0, 10, 15, 30, 45)))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


# ------------------------------------------------------------------------------- rosters
def roster(truth: Truth, province: str) -> dict:
    """The expected agencies of one province, as config/agencies/sample-<slug>.yaml holds them."""
    prov = truth.province(province)
    return {
        "province": prov.name,
        "deadlines": dict(prov.deadlines),
        "years": list(truth.years),
        "agencies": [{"name": a.name, "region": a.region, "region_code": a.region_code, "level": a.level,
                      "body_type": a.body_type, "site": a.site}
                     for a in truth.agencies if a.province == province],
    }


ROSTER_HEADER = """\
# Roster: the agencies expected to publish a 政府信息公开工作年度报告 each year (the monitor's P1
# "not published" and P2 "late" checks are judged against it). Generated from portal/truth.yaml by
# `python -m portal.truth --rosters`; edit the truth file, not this one.
#
# province:  the province name (as in config/sites/*.yaml)
# deadlines: last on-time publication day (MM-DD of the following year) per body type:
#            department = 县级以上人民政府部门 (条例第四十九条: 1月31日), government = 县级以上
#            人民政府 (3月31日), town = 乡镇人民政府/街道办事处 (local rule)
# years:     the report years the roster covers
# agencies:  one entry per reporting body:
#   name:        the agency's name as its reports title it
#   region:      行政区 it belongs to;  region_code: 6-digit 行政区划代码
#   level:       city | county | town (the administrative level of the body)
#   body_type:   department | government | town (picks the deadline)
#   site:        the config/sites entry whose portal carries its reports
"""


def roster_yaml(truth: Truth, province: str) -> str:
    body = yaml.safe_dump(roster(truth, province), allow_unicode=True, sort_keys=False, width=120)
    return ROSTER_HEADER + body


def _main() -> None:
    import argparse

    from config import config_dir

    ap = argparse.ArgumentParser(description="Write the sample rosters from the truth file.")
    ap.add_argument("--rosters", action="store_true", help="write config/agencies/sample-<province>.yaml")
    args = ap.parse_args()
    truth = load_truth()
    if not args.rosters:
        print(yaml.safe_dump(truth.summary(), allow_unicode=True, sort_keys=False))
        return
    for prov in truth.provinces:
        path = config_dir() / "agencies" / f"sample-{prov.slug}.yaml"
        path.write_text(roster_yaml(truth, prov.name), encoding="utf-8")
        print(path)


if __name__ == "__main__":
    _main()
