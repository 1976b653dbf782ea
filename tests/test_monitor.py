"""The monitor on real seeds and on generated reports, loaded exactly as production loads them
(``nianbao.pipeline.import_file``) into a real SQLite database: hard rules, blanks and unreadable
cells, text against tables, cross-year rules, trends, copied text, wrong years, deadlines, crawl
failures, changes after publication, and the life of a finding (idempotent runs, resolve,
dismiss, reopen)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from db.models import CrawlRun, Finding, Site
from monitor.findings import dismiss
from tests.monitor_support import (bump, check, config, copy_report, current, home, load_file, load_report, renarrate,
                                   seed, series)
from tests.snapshots import REAL, SEEDS

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the real seed reports are not at {SEEDS}")
HARD = {"R1", "R2", "R3", "R4", "R5"}


def rules_of(records, agency=None):
    return sorted({r["rule"] for r in current(records, agency)})


# ------------------------------------------------------------------------------ seeds
@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip(f"the real seed reports are not at {SEEDS}")
    tmp = tmp_path_factory.mktemp("seeds")
    h = home(tmp)
    s = h.session()
    for name in ("000", "001", "002", "003"):
        load_file(h, s, seed(name))
    load_file(h, s, seed("004"), agency="某县市场监督管理局")  # the seed names no agency
    recs = check(s, config(tmp), as_of=date(2022, 1, 15))
    yield recs
    s.close()


@needs_seeds
def test_seed_002_breaks_r1_and_r3_and_nothing_else_hard(seeds_run):
    mine = current(seeds_run, "吉林市昌邑区政务服务局")
    hard = [r for r in mine if r["rule"] in HARD]
    assert {r["rule"] for r in hard} == {"R1", "R3"}
    r1 = {r["evidence"]["subject"]: r for r in hard if r["rule"] == "R1"}
    assert set(r1) == {"applications:*:natural_person", "applications:*:total"}
    msg = r1["applications:*:total"]["message"]
    assert "本年新收1 + 上年结转0 = 1" in msg and "办理结果总计0 + 结转下年度0 = 0" in msg and "总计列" in msg
    r3 = [r for r in hard if r["rule"] == "R3" and r["evidence"]["subject"].endswith(":total")][0]
    assert "（七）总计为0" in r3["message"] and "无法提供1" in r3["message"]
    assert all(r["severity"] == "error" and r["status"] == "open" and r["new"] for r in hard)
    # evidence: the cells with value, raw text and location, the report and its source
    ev = r1["applications:*:total"]["evidence"]
    assert ev["source_url"].endswith("002_82ba2db36d9bf72d.txt") and ev["report_id"]
    cells = {(c["row"], c["column"]): c for c in ev["cells"]}
    assert cells[("new_received", "total")]["value"] == 1 and cells[("new_received", "total")]["raw"] == "1"
    assert cells[("total_handled", "total")]["value"] == 0 and cells[("total_handled", "total")]["location"]
    assert not [r for r in mine if r["rule"] == "W3"]


@needs_seeds
def test_seed_004_text_says_one_application_table_says_none(seeds_run):
    mine = current(seeds_run, "某县市场监督管理局")
    w3 = [r for r in mine if r["rule"] == "W3"]
    assert len(w3) == 1
    assert "接到要求公开政府信息申请1件" in w3[0]["message"] and "总计0" in w3[0]["message"]
    assert w3[0]["evidence"]["facts"][0]["sentence"].startswith("2020年,我局接到")
    assert not [r for r in mine if r["rule"] in HARD]


@needs_seeds
def test_seed_001_is_consistent_text_and_tables(seeds_run):
    mine = current(seeds_run, "老城区人民政府办公室")
    assert not [r for r in mine if r["rule"] in HARD | {"W3", "X1"}], mine
    # its narrative's 6 cases (复议、诉讼 6件) = 1 复议 + 5 诉讼, and 16 applications = 16


@needs_seeds
def test_seed_003_blank_cells_are_no_agency_error(seeds_run):
    mine = current(seeds_run, "文峰乡")
    assert not [r for r in mine if r["severity"] in ("error", "warning")], mine
    x1 = [r for r in mine if r["rule"] == "X1"]
    assert len(x1) == 1 and x1[0]["severity"] == "info" and "不是机关的错误" in x1[0]["message"]
    assert {p["row"] for p in x1[0]["evidence"]["problems"]} == {"granted", "partial"}


@needs_seeds
def test_seed_000_is_clean(seeds_run):
    assert not current(seeds_run, "信访局")


# ------------------------------------------------------------------------------ blanks
def test_blank_cells_count_as_zero_and_are_said(tmp_path):
    h = home(tmp_path)
    s = h.session()
    rep = series("某县教育局", [2022])[0]
    # zeros left blank: still consistent, nothing to say
    for c in ("commercial", "research", "social_welfare"):
        if rep["applications"]["denied.state_secret"][c] == 0:
            rep["applications"]["denied.state_secret"][c] = None
    # a whole row left blank except its total: the six columns state nothing, R2 is not judged
    rep["applications"]["unable.unclear"] = {c: None for c in rep["applications"]["unable.unclear"]}
    rep["applications"]["unable.unclear"]["total"] = 0
    load_report(h, s, tmp_path, rep)
    assert not current(check(s, config(tmp_path)), rules=HARD)
    # a blank outcome that hides applications: R3, and the message says the blank counted as 0
    rep2 = copy_report(rep)
    rep2["agency"] = "某县民政局"
    col = "natural_person"
    rep2["applications"]["granted"][col] = None
    rep2["applications"]["granted"]["total"] = sum(v or 0 for k, v in rep2["applications"]["granted"].items()
                                                   if k != "total")
    renarrate(rep2)
    # in HTML the blank first cell is certain (in a text layout a blank right after the label may be
    # a label column, and the reader leaves such a row unread: X1, not R3)
    load_report(h, s, tmp_path, rep2, layout="html")
    recs = check(s, config(tmp_path))
    got = current(recs, "某县民政局", HARD)
    if rep["applications"]["granted"][col]:
        # 自然人 column (blank counted as 0) and the 总计 column (its row total dropped too)
        assert sorted(r["evidence"]["subject"] for r in got) == ["applications:outcomes:natural_person",
                                                                 "applications:outcomes:total"]
        np_ = next(r for r in got if r["evidence"]["subject"].endswith("natural_person"))
        assert "予以公开空白" in np_["message"] and "空白单元格按0计：予以公开" in np_["message"]
    else:
        assert not got
    s.close()


def test_unreadable_cells_are_x1_never_an_agency_error(tmp_path):
    h = home(tmp_path)
    s = h.session()
    rep = series("某县水务局", [2022], seed_=13)[0]
    for c in ("natural_person", "total"):  # would break R1 in two columns …
        bump(rep, "applications", "carried_forward", c, 1)
    rep["applications"]["new_received"]["natural_person"] = "1２件?"  # … but the 新收 row cannot be read
    renarrate(rep)
    load_report(h, s, tmp_path, rep)
    neg = series("某县林业局", [2022], seed_=14)[0]
    neg["proactive"]["art20_6"]["penalty"]["decisions"] = -3  # a negative count: R5
    load_report(h, s, tmp_path, neg)
    recs = current(check(s, config(tmp_path)))
    mine = [r for r in recs if r["agency"] == "某县水务局"]
    assert [(r["rule"], r["severity"]) for r in mine] == [("X1", "info")]
    assert "表三（收到和处理政府信息公开申请情况）“本年新收”行" in mine[0]["message"]
    r5 = [r for r in recs if r["agency"] == "某县林业局"]
    assert [(r["rule"], r["evidence"]["subject"]) for r in r5] == [("R5", "art20_6:penalty:decisions")]
    assert "-3" in r5[0]["message"] and r5[0]["evidence"]["cells"][0]["raw"] == "-3"
    s.close()


# ------------------------------------------------------------------------------ cross-year and trend
YEARS = [2020, 2021, 2022, 2023]


def _load_series(h, s, tmp, reps):
    for rep in reps:
        load_report(h, s, tmp, rep, published=f"{rep['year'] + 1}-01-20")


def test_clean_series_produce_nothing(tmp_path):
    h = home(tmp_path)
    s = h.session()
    for i, name in enumerate(("某县财政局", "某县公安局", "某县司法局")):
        _load_series(h, s, tmp_path, series(name, YEARS, seed_=i))
    recs = check(s, config(tmp_path), as_of=date(2024, 6, 1))
    assert not current(recs), [r["message"] for r in current(recs)]
    s.close()


def test_w1_break_found_exactly(tmp_path):
    h = home(tmp_path)
    s = h.session()
    reps = series("某县财政局", YEARS, seed_=3)
    r22 = reps[2]
    # 上年结转 off last year's 结转下年度, this year's 勾稽 still holding (结转下年度 moves too)
    for row in ("carried_over", "carried_forward"):
        for c in ("natural_person", "total"):
            bump(r22, "applications", row, c, 1)
    renarrate(r22)
    _load_series(h, s, tmp_path, reps)
    recs = current(check(s, config(tmp_path), as_of=date(2024, 6, 1)))
    assert sorted((r["rule"], r["year"], r["evidence"]["subject"]) for r in recs) == [
        ("W1", 2022, "applications:carried_over:natural_person"), ("W1", 2022, "applications:carried_over:total"),
        ("W1", 2023, "applications:carried_over:natural_person"), ("W1", 2023, "applications:carried_over:total")]
    w = [r for r in recs if r["year"] == 2022 and r["evidence"]["subject"].endswith(":total")][0]
    prev = reps[1]["applications"]["carried_forward"]["total"]
    assert f"2021年报告“结转下年度继续办理”为{prev}" in w["message"]
    assert {c["year"] for c in w["evidence"]["cells"]} == {2021, 2022}
    s.close()


def test_w2_break_found_exactly(tmp_path):
    h = home(tmp_path)
    s = h.session()
    reps = series("某县教育局", YEARS, seed_=4)
    bump(reps[3], "art20_1", "normative_docs", "in_force", 3)
    _load_series(h, s, tmp_path, reps)
    recs = current(check(s, config(tmp_path), as_of=date(2024, 6, 1)))
    assert [(r["rule"], r["year"], r["evidence"]["subject"]) for r in recs] == [
        ("W2", 2023, "art20_1:normative_docs:in_force")]
    assert "行政规范性文件" in recs[0]["message"]
    s.close()


def test_t1_corrections_climbing(tmp_path):
    h = home(tmp_path)
    s = h.session()
    _load_series(h, s, tmp_path, series("某市自然资源局", YEARS, seed_=5, corrected=[0, 0, 2, 4]))
    _load_series(h, s, tmp_path, series("某市生态环境局", YEARS, seed_=6, corrected=[3, 0, 0, 0]))
    recs = current(check(s, config(tmp_path), as_of=date(2024, 6, 1)))
    assert [(r["rule"], r["agency"], r["year"]) for r in recs] == [("T1", "某市自然资源局", 2023)]
    assert "2021年0件" in recs[0]["message"] and "2023年4件" in recs[0]["message"]
    s.close()


# ------------------------------------------------------------------------------ W4, W5, W6
def test_w4_copied_narrative_vs_distinct_one(tmp_path):
    roster = [{"name": n, "region": "某县", "region_code": "329901", "body_type": "department"}
              for n in ("某县财政局", "某县教育局", "某县民政局")]
    h = home(tmp_path)
    s = h.session()
    a = series("某县财政局", [2022, 2023], seed_=7)
    b = series("某县教育局", [2022, 2023], seed_=8)
    c = series("某县民政局", [2022, 2023], seed_=9)
    # 教育局 2023: 财政局's 2023 text with its own name and numbers (a cross-agency copy)
    renarrate(b[1], text_seed="某县财政局:2023")
    b[1]["narrative"] = {k: v.replace("某县财政局", "某县教育局") for k, v in b[1]["narrative"].items()}
    # 民政局 2023: last year's text again, with this year's numbers
    renarrate(c[1], text_seed="某县民政局:2022")
    for rep in a + b + c:
        load_report(h, s, tmp_path, rep, published=f"{rep['year'] + 1}-01-20")
    recs = current(check(s, config(tmp_path, roster), as_of=date(2024, 6, 1)))
    got = sorted((r["agency"], r["year"], r["evidence"]["subject"]) for r in recs)
    assert got == sorted([("某县民政局", 2023, "previous_year"), ("某县教育局", 2023, "other_agencies"),
                          ("某县财政局", 2023, "other_agencies")]), [r["message"] for r in recs]
    prev = [r for r in recs if r["evidence"]["subject"] == "previous_year"][0]
    assert prev["evidence"]["similarity"] >= 0.85 and "相似度为" in prev["message"]
    other = [r for r in recs if r["agency"] == "某县教育局"][0]
    assert other["evidence"]["similar"][0]["agency"] == "某县财政局" and "某县财政局（" in other["message"]
    s.close()


def test_w5_stale_period_year_and_w6_town_regulations(tmp_path):
    h = home(tmp_path)
    s = h.session()
    rep = series("某县人力资源和社会保障局", [2022])[0]
    renarrate(rep, period_year=2021)
    load_report(h, s, tmp_path, rep, layout="html")
    town = series("某县柳湾镇人民政府", [2022], scale=3)[0]
    bump(town, "art20_1", "regulations", "issued", 1)
    bump(town, "art20_1", "regulations", "in_force", 1)
    load_report(h, s, tmp_path, town)
    recs = current(check(s, config(tmp_path)))
    assert sorted((r["rule"], r["agency"]) for r in recs) == [("W5", "某县人力资源和社会保障局"),
                                                             ("W6", "某县柳湾镇人民政府")]
    w5 = [r for r in recs if r["rule"] == "W5"][0]
    assert "2021年1月1日起至2021年12月31日" in w5["message"] and "2022年度报告" in w5["message"]
    w6 = [r for r in recs if r["rule"] == "W6"][0]
    assert "规章" in w6["message"] and len(w6["evidence"]["cells"]) == 2
    s.close()


# ------------------------------------------------------------------------------ publication
ROSTER = [{"name": "某县财政局", "region": "某县", "region_code": "329901", "body_type": "department",
           "site": "sample-x"},
          {"name": "某县人民政府", "region": "某县", "region_code": "329901", "body_type": "government",
           "site": "sample-y"}]


def test_deadlines_decide_p1(tmp_path):
    h = home(tmp_path)
    s = h.session()
    for rep in series("某县财政局", [2022]) + series("某县人民政府", [2022]):
        load_report(h, s, tmp_path, rep, published="2023-01-20")
    other = series("某县教育局", [2023])[0]  # 2023 has been harvested
    load_report(h, s, tmp_path, other, published="2024-01-10")
    cfg = config(tmp_path, ROSTER)

    def p1(as_of):
        return sorted(r["agency"] for r in current(check(s, cfg, as_of=as_of), rules={"P1"}) if r["year"] == 2023)

    assert p1(date(2024, 1, 30)) == []
    assert p1(date(2024, 2, 1)) == ["某县财政局"]  # departments: 1月31日
    assert p1(date(2024, 3, 31)) == ["某县财政局"]  # governments: on 3月31日 still on time
    assert p1(date(2024, 4, 1)) == ["某县人民政府", "某县财政局"]
    # back in time: the findings no longer hold and are resolved
    recs = check(s, cfg, as_of=date(2024, 1, 30))
    assert {r["agency"] for r in recs if r["resolved_in_this_run"] and r["rule"] == "P1"} == {"某县人民政府", "某县财政局"}
    s.close()


def test_failed_crawl_is_c1_not_p1_and_local_deadline(tmp_path):
    h = home(tmp_path)
    s = h.session()
    for rep in series("某县财政局", [2022]) + series("某县人民政府", [2022]):
        load_report(h, s, tmp_path, rep, published="2023-01-20")
    load_report(h, s, tmp_path, series("某县教育局", [2023])[0], published="2024-01-10")
    site = Site(name="sample-y")
    s.add(site)
    s.flush()
    s.add(CrawlRun(site_id=site.id, started_at=datetime(2024, 4, 2, 3), finished_at=datetime(2024, 4, 2, 3, 5),
                   status="failed"))
    s.commit()
    recs = current(check(s, config(tmp_path, ROSTER), as_of=date(2024, 4, 10)), rules={"P1", "C1"})
    got = sorted((r["rule"], r["agency"], r["severity"]) for r in recs if r["year"] == 2023)
    assert got == [("C1", "某县人民政府", "info"), ("P1", "某县财政局", "warning")]
    c1 = [r for r in recs if r["rule"] == "C1"][0]
    assert "sample-y" in c1["message"] and "不是“未发布”" in c1["message"]


def test_p2_late_and_p3_changed_after_publication(tmp_path):
    roster_doc = {"province": "测试省", "deadlines": {"department": "01-31", "government": "03-31", "town": "02-20"},
                  "agencies": [{"name": "某县王集镇人民政府", "region_code": "329901", "body_type": "town"},
                               {"name": "某县财政局", "region_code": "329901", "body_type": "department"}]}
    h = home(tmp_path)
    s = h.session()
    town = series("某县王集镇人民政府", [2022], scale=3)[0]
    load_report(h, s, tmp_path, town, published="2023-03-06")  # before 3月31日, after the local 2月20日
    dept = series("某县财政局", [2022])[0]
    url = "http://www.example.gov.cn/czj/2023/t20230120_1.html"
    load_report(h, s, tmp_path, dept, layout="html", published="2023-01-20", url=url)
    # the same page fetched again: only the page around the report changed — not P3
    f = tmp_path / "again.html"
    from portal.render import render_html

    f.write_text(render_html(dept).replace("</body>", "<!-- 访问量 1234 --></body>"), encoding="utf-8")
    load_file(h, s, f, agency=dept["agency"], year=2022, published="2023-01-20", url=url)
    cfg = config(tmp_path, roster_doc=roster_doc)
    recs = current(check(s, cfg, as_of=date(2024, 6, 1)), rules={"P2", "P3"})
    assert [(r["rule"], r["agency"]) for r in recs] == [("P2", "某县王集镇人民政府")]
    assert "2023-02-20" in recs[0]["message"] and "2023-03-06" in recs[0]["message"]
    # a quiet correction after publication, same URL
    edited = copy_report(dept)
    col = next(c for c in ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
               if edited["applications"]["granted"][c] >= 1)
    for c in (col, "total"):
        bump(edited, "applications", "granted", c, -1)
        bump(edited, "applications", "partial", c, 1)
    f.write_text(render_html(edited), encoding="utf-8")
    load_file(h, s, f, agency=dept["agency"], year=2022, published="2023-01-20", url=url)
    recs = current(check(s, cfg, as_of=date(2024, 6, 1)), rules={"P2", "P3"})
    p3 = [r for r in recs if r["rule"] == "P3"]
    assert len(p3) == 1 and p3[0]["agency"] == "某县财政局" and "予以公开" in p3[0]["message"]
    assert len(p3[0]["evidence"]["versions"]) == 3
    s.close()


# ------------------------------------------------------------------------------ readings that must not flag
def test_carry_over_of_the_answered_count_is_not_read_into_the_received_count(tmp_path):
    """淮安市 2024: “受理申请3119件，答复3050件（含上年度结转申请34件…）” — the carry-over belongs
    to 答复; 3119 is 本年新收 and there is nothing to flag. Said of the received count itself, the
    carry-over is included, and a text that matches neither reading is W3."""
    h = home(tmp_path)
    s = h.session()
    rep = series("某县财政局", [2022])[0]
    apps = rep["applications"]
    new, carried = apps["new_received"]["total"], apps["carried_over"]["total"]
    assert carried > 0
    handled = apps["total_handled"]["total"]
    def says(sentence):
        r = copy.deepcopy(rep)
        r["narrative"]["general"] = r["narrative"]["general"].split("本年度收到")[0] + sentence + "\n"
        return r
    cases = {
        "某县甲局": (f"2022年，共受理政府信息公开申请{new}件，答复{handled}件（含上年度结转申请{carried}件），均在法定期限内答复。", False),
        "某县乙局": (f"2022年，共受理政府信息公开申请{new + carried}件（含上年结转{carried}件），均已办结。", False),
        "某县丙局": (f"2022年，共受理政府信息公开申请{new}件（含上年结转{carried}件），均已办结。", True),
    }
    for agency, (sentence, _) in cases.items():
        r = says(sentence)
        r["agency"] = agency
        load_report(h, s, tmp_path, r)
    recs = current(check(s, config(tmp_path)), rules={"W3"})
    assert sorted(r["agency"] for r in recs) == [a for a, (_, flag) in cases.items() if flag], \
        [(r["agency"], r["message"]) for r in recs]
    s.close()


def _with_regions(s, codes: dict[str, str]) -> None:
    """Give imported agencies their region codes (an import knows only the name)."""
    from sqlalchemy import update

    from db.models import Agency

    for name, code in codes.items():
        s.execute(update(Agency).where(Agency.name == name).values(region_code=code))
    s.commit()


def test_a_report_under_a_fuller_name_is_no_p1(tmp_path):
    """洪泽区人民政府 reports 2022 and, as 淮安市洪泽区人民政府, 2023: it published. 财政局 (no place
    in its name) is not taken for 某县财政局."""
    h = home(tmp_path)
    s = h.session()
    for agency, years in (("洪泽区人民政府", [2022]), ("淮安市洪泽区人民政府", [2023]),
                          ("财政局", [2022]), ("某县财政局", [2023])):
        for rep in series(agency, years):
            load_report(h, s, tmp_path, rep, published=f"{rep['year'] + 1}-01-20")
    _with_regions(s, {"洪泽区人民政府": "320813", "淮安市洪泽区人民政府": "320813",
                      "财政局": "329901", "某县财政局": "329901"})
    p1 = sorted((r["agency"], r["year"]) for r in current(check(s, config(tmp_path), as_of=date(2024, 6, 1)),
                                                           rules={"P1"}))
    assert p1 == [("财政局", 2023)], p1
    s.close()


def test_no_p1_where_we_have_not_looked(tmp_path):
    """An agency expected from its earlier reports is P1 only where we looked that year: a report of
    the year from its region. Reports of another region (or imports that name no region) prove
    nothing about it."""
    h = home(tmp_path)
    s = h.session()
    for agency, years in (("甲县财政局", [2022]), ("甲县教育局", [2022]), ("乙县财政局", [2022, 2023])):
        for rep in series(agency, years):
            load_report(h, s, tmp_path, rep, published=f"{rep['year'] + 1}-01-20")
    _with_regions(s, {"甲县财政局": "329901", "甲县教育局": "329901", "乙县财政局": "329902"})
    cfg = config(tmp_path)

    def p1():
        return sorted((r["agency"], r["year"]) for r in current(check(s, cfg, as_of=date(2024, 6, 1)), rules={"P1"}))

    assert p1() == []  # 2023 was looked at in 乙县 only
    for rep in series("甲县教育局", [2023], seed_=2):
        load_report(h, s, tmp_path, rep, published="2024-01-20")  # joins the coded 甲县教育局 by name
    assert p1() == [("甲县财政局", 2023)]  # now 甲县's 2023 reports are in, and its 财政局's is not
    s.close()


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the real documents are not at {REAL}")
def test_real_huaian_and_hongze_reports(tmp_path):
    """The three real 淮安 PDFs: 淮安市 2024's text agrees with its table (no W3); 洪泽区 2023 wrote
    0 as the 总计 of its 行政复议 (维持10 + 纠正1) and of 复议后起诉 (维持5): two R4 errors that stand;
    洪泽区 published 2024 under the fuller name 淮安市洪泽区人民政府 (no P1)."""
    real = REAL
    h = home(tmp_path)
    s = h.session()
    for name in ("huaian-shi-2024.pdf", "huaian-hongze-qu-2023.pdf", "huaian-hongze-qu-2024.pdf"):
        load_file(h, s, real / name)
    recs = current(check(s, config(tmp_path), as_of=date(2025, 6, 1)))
    got = sorted((r["agency"], r["year"], r["rule"]) for r in recs if r["severity"] in ("error", "warning"))
    assert ("淮安市人民政府", 2024, "W3") not in got, got
    assert [g for g in got if g[2] == "P1"] == [], got
    r4 = sorted(r["message"] for r in recs if r["rule"] == "R4")
    assert len(r4) == 2 and "结果维持10 + 结果纠正1" in r4[1] and "总计为0" in r4[1], r4
    assert "结果维持5" in r4[0], r4
    s.close()


# ------------------------------------------------------------------------------ life of a finding
def _broken(agency="某县住房和城乡建设局", delta=1):
    rep = series(agency, [2022], seed_=11)[0]
    for c in ("natural_person", "total"):  # R1 and R3 in two columns; rows still add up (R2)
        bump(rep, "applications", "total_handled", c, delta)
    renarrate(rep)  # the text states the table (no W3)
    return rep


def test_idempotent_resolve_dismiss_reopen(tmp_path):
    h = home(tmp_path)
    s = h.session()
    cfg = config(tmp_path)
    load_report(h, s, tmp_path, _broken())
    first = {r["fingerprint"]: r for r in current(check(s, cfg))}
    assert {r["rule"] for r in first.values()} == {"R1", "R3"} and all(r["new"] for r in first.values())
    again = {r["fingerprint"]: r for r in current(check(s, cfg))}
    assert set(again) == set(first)
    for fp, r in again.items():
        assert r["id"] == first[fp]["id"] and not r["new"] and r["first_seen"] == first[fp]["first_seen"]
    r1 = next(r for r in again.values() if r["rule"] == "R1")
    # dismissed: holds on later runs while the numbers are the same
    dismiss(s, r1["id"], "经核实为排版错误，已联系更正", datetime(2024, 1, 1))
    s.commit()
    recs = check(s, cfg)
    assert next(r for r in recs if r["id"] == r1["id"])["status"] == "dismissed"
    assert s.get(Finding, r1["id"]).dismissed_reason == "经核实为排版错误，已联系更正"
    # a corrected version of the report: everything resolves
    load_report(h, s, tmp_path, series("某县住房和城乡建设局", [2022], seed_=11)[0])
    recs = check(s, cfg)
    assert not current(recs)
    assert {r["id"] for r in recs if r["resolved_in_this_run"]} == {r["id"] for r in again.values()
                                                                    if r["id"] != r1["id"]}
    assert s.get(Finding, r1["id"]).status == "dismissed"  # a dismissal is a person's decision
    # broken again, with the same numbers: the open ones reopen (same ids), the dismissed one holds
    load_report(h, s, tmp_path, _broken())
    recs = current(check(s, cfg))
    byid = {r["id"]: r for r in recs}
    assert set(byid) == {r["id"] for r in again.values()}
    assert byid[r1["id"]]["status"] == "dismissed"
    assert all(r["status"] == "open" and r["reopened"] for i, r in byid.items() if i != r1["id"])
    # broken with other numbers: the dismissal lapses
    worse = _broken(delta=3)
    load_report(h, s, tmp_path, worse)
    recs = current(check(s, cfg))
    r = next(x for x in recs if x["id"] == r1["id"])
    handled = worse["applications"]["total_handled"][r1["evidence"]["subject"].rsplit(":", 1)[1]]
    assert r["status"] == "open" and r["reopened"] and f"办理结果总计{handled}" in r["message"]
    s.close()


def test_year_and_province_runs_touch_only_their_scope(tmp_path):
    h = home(tmp_path)
    s = h.session()
    cfg = config(tmp_path)
    a = _broken()
    b = series("某县水务局", [2021], seed_=12)[0]
    for c in ("natural_person", "total"):
        bump(b, "applications", "total_handled", c, 1)
    renarrate(b)
    load_report(h, s, tmp_path, a)
    load_report(h, s, tmp_path, b)
    ids = {r["id"] for r in current(check(s, cfg))}
    only = check(s, cfg, year=2022)
    assert {r["year"] for r in only} == {2022} and not [r for r in only if r["resolved_in_this_run"]]
    assert {f.status for f in s.query(Finding).filter(Finding.id.in_(ids))} == {"open"}
    s.close()


# ------------------------------------------------------------------------------ CLI
def _cli(home_: Path, cfg_dir: Path, *args):
    env = dict(os.environ, NIANBAO_CONFIG=str(cfg_dir))
    return subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home_), *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_cli_check_json_findings_and_dismiss(tmp_path):
    cfg_dir = tmp_path / "config"
    config(tmp_path)
    h = home(tmp_path)
    s = h.session()
    load_report(h, s, tmp_path, _broken())
    s.close()
    p = _cli(h.home, cfg_dir, "check", "--json", "--as-of", "2023-06-01")
    assert p.returncode == 1, p.stderr
    recs = json.loads(p.stdout)
    for key in ("rule", "severity", "agency", "year", "message", "evidence", "status", "id", "fingerprint",
                "first_seen", "last_seen", "new"):
        assert all(key in r for r in recs), key
    assert {r["rule"] for r in recs} == {"R1", "R3"} and all(r["new"] for r in recs)
    p = _cli(h.home, cfg_dir, "check", "--as-of", "2023-06-01")
    assert p.returncode == 1 and "某县住房和城乡建设局 · 2022年度" in p.stdout and "R1 勾稽关系不成立（总计列）" in p.stdout
    for r in recs:
        p = _cli(h.home, cfg_dir, "findings", "dismiss", str(r["id"]), "--why", "已核实")
        assert p.returncode == 0, p.stderr
    p = _cli(h.home, cfg_dir, "check", "--as-of", "2023-06-01")
    assert p.returncode == 0, p.stdout  # no open errors left
    p = _cli(h.home, cfg_dir, "findings", "--status", "dismissed", "--json")
    assert {r["id"] for r in json.loads(p.stdout)} == {r["id"] for r in recs}
    p = _cli(h.home, cfg_dir, "findings", "list", "--rule", "R1")
    assert p.returncode == 0 and "已忽略" in p.stdout
    p = _cli(h.home, cfg_dir, "findings", "dismiss", "999999", "--why", "x")
    assert p.returncode == 2


def test_repository_config_loads():
    from monitor import MonitorConfig
    from monitor.config import DEFAULTS

    cfg = MonitorConfig.load()
    assert set(DEFAULTS) <= set(cfg.data)
    assert cfg.deadline(2023, "department", None, None, None) == date(2024, 1, 31)
    assert cfg.deadline(2023, "government", None, None, None) == date(2024, 3, 31)


def test_rosters_speak_only_for_territory_we_looked_at(tmp_path: Path) -> None:
    """Importing unrelated reports must not turn every roster agency into 'not published'."""
    import json as _json
    import random as _random
    import subprocess
    import sys

    from portal.render import render_html
    from portal.synth import random_report

    f = tmp_path / "r.html"
    f.write_text(render_html(random_report(_random.Random(3), "某市某区民政局", 2021)), encoding="utf-8")
    home = tmp_path / "home"
    run = lambda *a: subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    assert run("import", str(f)).returncode == 0
    p = run("check", "--as-of", "2022-06-01", "--json")
    findings = _json.loads(p.stdout)
    assert [x for x in findings if x["rule"] == "P1"] == []


def test_stale_year_in_the_preamble_is_found(tmp_path: Path) -> None:
    """W5 reads the 统计期限 stated before 一、 too (where seed 002 states it)."""
    import json as _json
    import random as _random

    from portal.render import render_tab
    from portal.synth import random_report

    text = render_tab(random_report(_random.Random(9), "某县统计局", 2022)).split("\n")
    text.insert(1, "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。")
    f = tmp_path / "r.txt"
    f.write_text("\n".join(text), encoding="utf-8")
    home = tmp_path / "home"
    run = lambda *a: subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    assert run("import", str(f)).returncode == 0
    findings = _json.loads(run("check", "--as-of", "2023-06-01", "--json").stdout)
    assert [(x["rule"], x["year"]) for x in findings if x["rule"] == "W5"] == [("W5", 2022)]
