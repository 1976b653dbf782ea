"""Discovery decisions, value by value: example pages (``tests/examples/discovery/<case>.html``)
with the snapshot of what the discovery spider's real callback decides on each — requests with
kind and priority (the ranking), rejected candidates with their reason, report or not — and the
pure parts (URL hygiene, list records, JS page counts, POSTed JSON paging, split reports, the
generator's determinism). A page without its snapshot fails.

Draft a snapshot: ``python -m tests.snapshots draft PAGE.html [--url URL --callback NAME]``, then
read it against the page before committing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.discovery import frontier as F
from crawler.discovery import listing as L
from crawler.discovery import reports as REP
from crawler.discovery import scoring as S
from crawler.discovery.decisions import decide
from tests.snapshots import assert_matches

EXAMPLES = Path(__file__).parent / "examples" / "discovery"
PAGES = sorted(EXAMPLES.glob("*.html"))


def test_every_example_has_its_snapshot() -> None:
    assert PAGES, "no discovery examples"
    missing = [p.name for p in PAGES if not p.with_suffix(".expected.json").exists()]
    assert not missing, f"examples without a snapshot: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_discovery_example(page: Path) -> None:
    spec = json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))
    got = decide(page.read_bytes(), spec["url"], spec["callback"], spec.get("nb"),
                 spec.get("content_type", "text/html; charset=utf-8"))
    got = json.loads(json.dumps(got, ensure_ascii=False))
    assert_matches(spec["expected"], got, page.name)  # requests in rank order: a new ranking differs


# ----------------------------------------------------------------------------- titles and content
@pytest.mark.parametrize("title,in_column,kind", [
    ("丰溪县审计局2023年政府信息公开工作年度报告", False, "report"),  # 审计 in the agency's name
    ("丰溪县统计局2023年度报告", True, "report"),
    ("丰溪县统计局2023年度报告", False, None),
    ("2022年度报告", True, None),  # a per-year sub-column
    ("一图读懂丰溪县2023年政府信息公开工作年度报告", True, "noise"),
    ("《丰溪县2023年政府信息公开工作年度报告》解读", True, "noise"),
    ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", True, "noise"),
    ("丰溪县2023年法治政府建设年度报告", True, "noise"),
    ("丰溪县教育局关于2023年度政府信息公开工作情况的报告", True, "maybe"),
    ("2024年丰溪县人民政府工作报告", True, None),
])
def test_title_verdicts(title: str, in_column: bool, kind: str | None) -> None:
    assert REP.title_verdict(title, in_column).kind == kind


def test_report_by_content() -> None:
    import random

    from portal.render import render_html
    from portal.synth import random_report

    text = render_html(random_report(random.Random(3), "某县教育局", 2023))
    assert REP.is_report_content(text)
    assert not REP.is_report_content("一图读懂某县2023年政府信息公开工作年度报告：主动公开、依申请公开、行政复议。")


def test_link_scores_rank_the_column_first() -> None:
    links = {"政府信息公开年报": "/zwgk/gknb/index.html", "政务公开": "/zwgk/index.html",
             "政府信息公开指南": "/zwgk/gkzn/index.html", "新闻中心": "/xwzx/index.html",
             "政策解读": "/zwgk/zcjd/index.html"}
    ranked = sorted(links, key=lambda t: -S.link_score(t, "http://h" + links[t]).value)
    assert ranked[:2] == ["政府信息公开年报", "政务公开"]
    followed = {t for t in links if S.link_score(t, "http://h" + links[t]).value >= S.FOLLOW}
    assert followed == {"政府信息公开年报", "政务公开"}
    assert S.link_score("更多>>", "http://h/c/1.html", context="政府信息公开年报").value >= S.FOLLOW
    assert S.link_score("", "http://h/zfxxgknb/index.html").value >= S.FOLLOW - 5  # the slug alone nearly


# ----------------------------------------------------------------------------- URL hygiene
def test_session_ids_and_tracking_dropped() -> None:
    assert F.canonical("http://h/a/index.html;jsessionid=ABC123") == "http://h/a/index.html"
    assert F.canonical("http://h/c.jsp?id=5&from=zxnb&sid=9") == "http://h/c.jsp?id=5"


@pytest.mark.parametrize("url,why", [
    ("http://h/calendar.jsp?month=2024-02", "calendar"),
    ("http://h/admin/login.jsp", "login"),
    ("http://h/search/index.jsp?q=%E5%B9%B4%E6%8A%A5", "search"),
    ("http://h/list.jsp?page=1&sort=time&sort=time", "repeated query parameter"),
    ("http://h/list.jsp?page=1&sort=time", "sorted view"),
    ("http://h/zwgk/gknb/index.html", None),
])
def test_traps(url: str, why: str | None) -> None:
    assert F.trap(url) == why


# ----------------------------------------------------------------------------- lists
def test_script_records_and_post_lists() -> None:
    text = ('<script>var listData = [{"title": "某县2023年政府信息公开工作年度报告", "url": "/nb/1.html", '
            '"pubDate": "2024-01-20"}];</script><script>$.post("/api/list.do", {channelId: "12", pageNo: 1, '
            'pageSize: 15}, function(r){});</script>')
    recs = L.script_records(text, "http://h/nb/index.html")
    assert [(r.url, r.date) for r in recs] == [("http://h/nb/1.html", "2024-01-20")]
    assert L.post_lists(text, "http://h/nb/index.html") == [
        ("http://h/api/list.do", {"channelId": "12", "pageNo": "1", "pageSize": "15"})]
    answer = json.dumps({"total": 40, "data": []})
    assert [f["pageNo"] for f in L.json_pages(answer, {"channelId": "12", "pageNo": "1", "pageSize": "15"})] == ["2", "3"]
    assert L.json_pages(json.dumps({"totalPage": 2}), {"page": "1"}) == [{"page": "2"}]


def test_js_page_counts() -> None:
    text = ('<script>var totalPage = 3; function goPage(p) { location.href = p == 1 ? "/nb/index.html" : '
            '"/nb/index_" + p + ".html"; }</script>')
    assert L.js_pages(text, "http://h/nb/index.html") == ["http://h/nb/index_2.html", "http://h/nb/index_3.html"]
    q = '<script>var totalPage = 2; function goPage(p) { location.href = "/l.jsp?channelId=5&page=" + p; }</script>'
    assert L.js_pages(q, "http://h/l.jsp?channelId=5") == ["http://h/l.jsp?channelId=5&page=2"]
    trs = '<script>createPageHTML(3, 0, "index", "shtml");</script>'
    assert L.js_pages(trs, "http://h/nb/index.shtml") == ["http://h/nb/index_1.shtml", "http://h/nb/index_2.shtml"]


def test_continuation_pages() -> None:
    links = [("http://h/a/c_2.html", "下一页"), ("http://h/a/other.html", "下一篇")]
    assert L.next_part("http://h/a/c.html", links) == "http://h/a/c_2.html"
    assert L.next_part("http://h/zxnb/a/c.html", links) == "http://h/a/c_2.html"  # a copy's next part
    assert L.next_part("http://h/a/c.html", [("http://h/a/d.html", "下一页")]) is None
    assert L.next_part("http://h/c.jsp?id=5", [("http://h/c.jsp?id=5&pn=2", "下一页")]) == "http://h/c.jsp?id=5&pn=2"
    flip = "http://h/ebook/x/files/basic-html/page1.html"
    assert L.next_part(flip, [("http://h/ebook/x/files/basic-html/page2.html", "下一页")]).endswith("page2.html")
    assert L.flip_first_page("http://h/ebook/x/index.html", ["files/basic-html/page1.html"]) == flip


# ----------------------------------------------------------------------------- the generator
def test_generator_is_deterministic_and_varied() -> None:
    from portal.randomsite import generate

    a, b = generate(11, 9000), generate(11, 9000)
    assert a.features == b.features
    assert sorted(a.pages) == sorted(b.pages)
    assert all(a.pages[p].bytes() == b.pages[p].bytes() for p in list(a.pages)[:200])
    kinds = {k: set() for k in ("scheme", "markup", "paging", "depth", "encoding")}
    for seed in range(1, 31):
        f = generate(seed, 9000).features
        for k in kinds:
            kinds[k].add(f[k])
    assert len(kinds["scheme"]) == 6 and len(kinds["markup"]) == 5 and kinds["depth"] >= {1, 2, 3, 4}
    assert kinds["encoding"] == {"utf-8", "gbk"}


# ----------------------------------------------------------------------------- explain
def test_explanation_and_proposed_entry() -> None:
    from crawler.discovery.explain import explain_run, propose_entry, url_pattern

    stats = {"scrapy": {"discovery/column/http://h/zwgk/gknb/index.html": 15, "discovery/column/http://h/": 2,
                        "discovery/rejected/图解": 3, "discovery/rejected/通知": 1, "discovery/nav_pages": 4,
                        "discovery/rejected_list": json.dumps([["图解", "一图读懂…", "http://h/a.html"]])}}
    ex = explain_run(stats)
    assert ex.columns[0] == ("http://h/zwgk/gknb/index.html", 15) and ex.rejected_total == 4
    assert ex.summary() == "columns: /zwgk/gknb/index.html (15), / (2); rejected 4 (图解 3, 通知 1)"
    assert ex.rejected_list == [["图解", "一图读懂…", "http://h/a.html"]]
    assert url_pattern(["http://h/nb/content/post_123.html", "http://h/nb/content/post_98765.html"]) == \
        r"/nb/content/post_\d+\.html$"
    entry, shapes = propose_entry("x", "http://h/", ex.columns, ["http://h/nb/t20240101_5.html"],
                                  ['<script>createPageHTML(3, 0, "index", "html");</script>'], "h")
    assert entry == {"name": "x", "allowed_domains": ["h"], "platform": "trs",
                     "start_urls": ["http://h/zwgk/gknb/index.html", "http://h/"],
                     "hints": {"detail_patterns": [r"/nb/t\d+_\d+\.html$"]}}
    plain, _ = propose_entry("x", "http://h/", [], [], [], "h")
    assert plain == {"name": "x", "allowed_domains": ["h"], "start_urls": ["http://h/"]}  # discovery from home
