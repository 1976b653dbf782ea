"""The sample portal: its truth is what the brief promises, every report it serves reads back to
the truth's numbers, and the HTTP behaviour (304s, the 500-once page, robots.txt, epochs, GBK,
crawl traps) is real — over real HTTP on 127.0.0.1, no mocks."""
from __future__ import annotations

import html
import json
import re
import time
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import yaml

from extract import ExtractError, extract
from extract.narrative import find_facts
from nianbao.paths import config_dir
from portal import site as portal_site
from portal.cms import hanweb
from portal.server import SamplePortal
from portal.truth import build_truth, load_truth, roster_yaml

RULES = {"P1", "P2", "P3", "R1", "R2", "R3", "R4", "W1", "W2", "W3", "W4", "W5", "W6", "T1"}


# ------------------------------------------------------------------------------ helpers
def fetch(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def fetch_ok(url: str, data: bytes | None = None):
    """GET (or POST), asking again once after a 500 (the portal's error_once page)."""
    res = fetch(url, data=data)
    return fetch(url, data=data) if res[0] == 500 else res


@pytest.fixture(scope="module")
def truth():
    return load_truth()


@pytest.fixture(scope="module")
def server(truth):
    srv = SamplePortal.build(truth).serve(port=0)
    yield srv
    srv.stop()


def corrected(rep: dict) -> int:
    return sum(rep["review_litigation"][g]["corrected"] for g in rep["review_litigation"])


def shingles(text: str, n: int = 3) -> set[str]:
    t = "".join(text.split())
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def violations(truth) -> set[tuple[str, str, int]]:
    """The rules of the spec, checked on the truth's served data: (rule, agency, year)."""
    out: set[tuple[str, str, int]] = set()
    by_agency: dict[str, dict[int, dict]] = {}
    for r in truth.reports:
        d, key = r.data, (r.agency, r.year)
        by_agency.setdefault(r.agency, {})[r.year] = d
        apps, rl = d["applications"], d["review_litigation"]
        cols = list(apps["new_received"])
        if any(apps["new_received"][c] + apps["carried_over"][c] != apps["total_handled"][c] + apps["carried_forward"][c]
               for c in cols):
            out.add(("R1", *key))
        if any(sum(v[c] for c in cols[:-1]) != v["total"] for v in apps.values()):
            out.add(("R2", *key))
        outcomes = [k for k in apps if k not in ("new_received", "carried_over", "total_handled", "carried_forward")]
        if any(sum(apps[k][c] for k in outcomes) != apps["total_handled"][c] for c in cols):
            out.add(("R3", *key))
        if any(g["upheld"] + g["corrected"] + g["other"] + g["pending"] != g["total"] for g in rl.values()):
            out.add(("R4", *key))
        if r.published_date > truth.deadline(r.agency, r.year):
            out.add(("P2", *key))
        m = re.search(r"统计期限自(\d{4})年", d["narrative"]["general"])
        if m and int(m.group(1)) != r.year:
            out.add(("W5", *key))
        if truth.agency(r.agency).body_type == "town" and any(v for v in d["proactive"]["art20_1"]["regulations"].values()):
            out.add(("W6", *key))
        facts = find_facts("\n".join(d["narrative"].values()), None)
        said = {f.kind: f.value for f in facts}
        if said.get("applications_received", apps["new_received"]["total"]) != apps["new_received"]["total"]:
            out.add(("W3", *key))
        if r.changed is not None:
            out.add(("P3", *key))
    texts = {(r.agency, r.year): shingles("".join(r.data["narrative"].values())) for r in truth.reports}
    keys = sorted(texts)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            j = len(texts[a] & texts[b]) / len(texts[a] | texts[b])
            if j >= 0.7:
                later = max(a, b, key=lambda k: k[1])
                out.add(("W4", *later))
    for agency, years in by_agency.items():
        series = []
        for y in sorted(years):
            d, prev = years[y], years.get(y - 1)
            series.append((y, corrected(d)))
            if prev is None:
                continue
            if any(d["applications"]["carried_over"][c] != prev["applications"]["carried_forward"][c]
                   for c in d["applications"]["carried_over"]):
                out.add(("W1", agency, y))
            if d["template"] == prev["template"] == "2021":
                for row, v in d["proactive"]["art20_1"].items():
                    p = prev["proactive"]["art20_1"][row]
                    if v["in_force"] != p["in_force"] + v["issued"] - v["repealed"]:
                        out.add(("W2", agency, y))
        rises = [y2 for (y1, c1), (y2, c2) in zip(series, series[1:]) if y2 == y1 + 1 and c2 > c1]
        if len(rises) >= 2:
            out.add(("T1", agency, max(rises)))
    for agency, year in truth.missing:
        out.add(("P1", agency, year))
    return out


# ------------------------------------------------------------------------------ the truth
def test_truth_has_what_the_brief_asks(truth):
    assert len(truth.agencies) >= 60
    assert {a.province for a in truth.agencies} == {"江苏", "广东"}
    assert {a.body_type for a in truth.agencies} == {"department", "government", "town"}
    assert len({a.region for a in truth.agencies}) >= 6
    assert all(re.fullmatch(r"\d{6}", a.region_code) for a in truth.agencies)
    assert truth.years == [2020, 2021, 2022, 2023]
    assert {r.year for r in truth.reports} == set(truth.years)
    assert all(r.template == "2019" for r in truth.reports if r.year == 2020)
    late_2019 = [r for r in truth.reports if r.year >= 2021 and r.template == "2019"]
    assert [(r.agency, r.year) for r in late_2019] == [("云溪县石门镇人民政府", 2021)]
    assert {p.rule for p in truth.problems} == RULES
    assert {r.format for r in truth.reports} >= {"html", "txt"}
    assert {s.platform for s in truth.sites.values()} == {"trs", "hanweb", "gdplatform", "generic"}
    names = {a.name for a in truth.agencies}
    assert all(p.agency in names for p in truth.problems)
    assert set(truth.missing) == {(p.agency, p.year) for p in truth.planted("P1")}
    assert not set(truth.missing) & {r.key for r in truth.reports}
    assert len({r.url for r in truth.reports}) == len(truth.reports)
    assert all(r.url and r.list_pages for r in truth.reports)
    assert all(bool(r.attachment) == (r.format != "html") for r in truth.reports)


def test_planted_problems_are_exactly_what_the_rules_find(truth):
    """Every planted problem breaks its rule, and nothing else breaks any rule."""
    found = violations(truth)
    planted = {(p.rule, p.agency, p.year) for p in truth.problems}
    assert found == planted
    dirty = {(a, y) for _, a, y in found}
    assert not dirty & truth.clean
    for p in truth.problems:
        if p.rule in ("R1", "R2", "R3", "R4", "W1", "W2", "W6", "P3"):
            assert p.cells and all(c.truth != c.value for c in p.cells), p.id


def test_p2_town_is_late_only_by_its_local_deadline(truth):
    p = next(p for p in truth.planted("P2") if truth.agency(p.agency).body_type == "town")
    r = truth.report(p.agency, p.year)
    assert truth.deadline(p.agency, p.year) < r.published_date <= truth.deadline("淮宁市人民政府", p.year)


def test_truth_is_deterministic(truth):
    again = build_truth()
    assert [(r.key, r.published, r.format, json.dumps(r.data, default=str, sort_keys=True)) for r in again.reports] == \
           [(r.key, r.published, r.format, json.dumps(r.data, default=str, sort_keys=True)) for r in truth.reports]


def test_rosters_and_site_configs_match_the_truth(truth):
    for prov in truth.provinces:
        roster = config_dir() / "agencies" / f"sample-{prov.slug}.yaml"
        assert roster.read_text(encoding="utf-8") == roster_yaml(truth, prov.name), \
            f"{roster} is stale: run python -m portal.truth --rosters"
        sites = yaml.safe_load((config_dir() / "sites" / f"sample-{prov.slug}.yaml").read_text(encoding="utf-8"))
        assert sites["province"] == prov.name
        declared = {s["name"]: s for s in sites["sites"]}
        expected = {s.id: s for s in truth.sites.values() if s.province == prov.name}
        assert set(declared) == set(expected)
        for name, s in declared.items():
            assert s["platform"] == expected[name].platform
            assert s["region_code"] == expected[name].region_code
            assert s["allowed_domains"] == ["127.0.0.1"]
            assert all(u.startswith("{portal}/") for u in s["start_urls"])


# ------------------------------------------------------------------------------ served reports
def _compare(rep, data: dict) -> list:
    errs = []
    for row, cols in data["applications"].items():
        errs += [("applications", row, c, v, rep.value("applications", row, c)) for c, v in cols.items()
                 if rep.value("applications", row, c) != v]
    for grp, cols in data["review_litigation"].items():
        errs += [("review_litigation", grp, c, v, rep.value("review_litigation", grp, c)) for c, v in cols.items()
                 if rep.value("review_litigation", grp, c) != v]
    for table, rows in data["proactive"].items():
        for row, cols in rows.items():
            for c, v in cols.items():
                got = rep.value(table, row, c)
                if got is None or Decimal(str(got)) != Decimal(str(v)):
                    errs.append((table, row, c, v, got))
    return errs


def test_every_served_report_reads_back_to_the_truth(server, truth):
    problems = []
    skipped: set[str] = set()
    for r in truth.reports:
        status, headers, body = fetch_ok(server.abs(r.content_url))
        assert status == 200, r.content_url
        name = r.content_url.rsplit("/", 1)[-1].rsplit("=", 1)[-1]
        try:
            rep = extract(body, filename=name, content_type=headers.get("Content-Type"), segment=False)
        except ExtractError as exc:
            if exc.kind == "unsupported_format":
                skipped.add(r.format)
                continue
            raise
        errs = _compare(rep, r.data)
        meta = {"agency": rep.agency, "year": rep.year, "template": rep.template}
        want = {"agency": r.agency, "year": r.year, "template": r.template}
        page = rep
        if r.attachment:  # the publication date is on the detail page that links the file
            page = extract(fetch_ok(server.abs(r.url))[2], filename="detail.html", segment=False)
        if meta != want or page.published != str(r.published_date) or errs:
            problems.append((r.agency, r.year, r.format, r.content_url, meta, page.published, errs[:3]))
    assert not problems, problems[:5]
    assert skipped <= {"pdf", "docx"}


def _links(text: str, base: str) -> list[str]:
    out = []
    text = re.sub(r"<nextgroup>.*?</nextgroup>", "", text, flags=re.S)  # jpage paging is handled apart
    for m in re.finditer(r'(?:href|src)\s*=\s*"([^"]+)"', text):
        link = html.unescape(m.group(1))
        if link.startswith(("javascript:", "#")) or link.endswith((".css", ".js")):
            continue
        url = urljoin(base, link)
        if urlsplit(url).path == "/pdfjs/viewer.html":
            url = urljoin(base, parse_qs(urlsplit(url).query)["file"][0])
        out.append(url)
    m = re.search(r"var countPage = (\d+)", text)
    if m and "createPageHTML(" in text:
        out += [urljoin(base, f"index_{i}.html") for i in range(1, int(m.group(1)))]
    return out


def test_every_report_is_reachable_from_the_start_urls(server, truth):
    """A tiny polite crawler: links, createPageHTML paging, Hanweb dataproxy POSTs, pdf.js files,
    robots.txt. It reaches every report where the truth says, and nothing it must not."""
    disallow = [line.split(":", 1)[1].strip() for line in fetch(server.abs("/robots.txt"))[2].decode().splitlines()
                if line.startswith("Disallow:")]
    starts = []
    for f in sorted((config_dir() / "sites").glob("sample-*.yaml")):
        for s in yaml.safe_load(f.read_text(encoding="utf-8"))["sites"]:
            starts += [u.replace("{portal}", server.url) for u in s["start_urls"]]
    queue = [(u, None) for u in starts]
    n0 = len(server.requests)
    seen: dict[str, int] = {}
    found_on: dict[str, set[str]] = {}
    offsite: set[str] = set()
    while queue:
        url, form = queue.pop()
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        if parts.netloc != urlsplit(server.url).netloc:
            offsite.add(url)
            continue
        if any(parts.path.startswith(d) for d in disallow) or path in seen:
            continue
        status, headers, body = fetch_ok(url, data=form)
        seen[path] = status
        ctype = headers.get("Content-Type", "")
        if status != 200 or not ctype.startswith(("text/html", "text/xml")):
            continue
        charset = "gbk" if "gbk" in ctype else "utf-8"
        text = body.decode(charset)
        for link in _links(text, url):
            lp = urlsplit(link)
            found_on.setdefault(lp.path + ("?" + lp.query if lp.query else ""), set()).add(path)
            queue.append((link, None))
        m = re.search(r"totalRecord: (\d+), perPage: (\d+), groupSize: (\d+)", text)
        if m and "jpage(" in text:
            total, per, group = (int(x) for x in m.groups())
            col = re.search(r"columnid: (\d+)", text).group(1)
            for start in range(per * group + 1, total + 1, per * group):
                end = min(start + per * group - 1, total)
                queue.append((server.abs(hanweb.proxy_path(int(col), start, end)),
                              f"col=1&appid=1&webid=27&path=/&columnid={col}&unitid=39483".encode()))
    for r in truth.reports:
        assert seen.get(r.url) == 200, r.url
        assert set(r.list_pages) == found_on[r.url], (r.url, r.list_pages, found_on[r.url])
        if r.attachment:
            assert seen.get(r.attachment) == 200 and found_on[r.attachment] == {r.url}
    two = [truth.report(q["agency"], q["year"]) for q in truth.quirks["two_lists"]]
    assert all(len(r.list_pages) >= 2 for r in two)
    assert seen[portal_site.BROKEN_PATH] == 404
    assert {p for p, s in seen.items() if s != 200} == {portal_site.BROKEN_PATH}
    assert any(u.startswith("http://localhost:") for u in offsite)
    assert portal_site.OFFSITE_INVALID in offsite
    assert not any(p.startswith("/private/") for _, _, p, _ in server.requests[n0:])
    assert not any(h.startswith("localhost") for _, h, _, _ in server.requests[n0:])


# ------------------------------------------------------------------------------ HTTP behaviour
def test_conditional_requests_get_304(server, truth):
    r = truth.report("淮宁市教育局", 2022)
    status, headers, body = fetch(server.abs(r.url))
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag and modified
    assert fetch(server.abs(r.url), headers={"If-None-Match": etag})[0] == 304
    assert fetch(server.abs(r.url), headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(server.abs(r.url), headers={"If-None-Match": '"other"'})[0] == 200
    # a portal built again serves the same bytes: a re-crawl of an unchanged portal gets 304s
    other = SamplePortal.build(build_truth_with_urls()).serve(port=0)
    try:
        for path in (r.url, truth.report("南岭市教育局", 2023).url, "/col/col1229002/index.html",
                     next(x for x in truth.reports if x.format in ("pdf", "docx")).content_url):
            a, b = fetch(server.abs(path)), fetch(other.abs(path))
            assert a[2] == b[2] and a[1]["ETag"] == b[1]["ETag"], path
    finally:
        other.stop()


def build_truth_with_urls():
    from portal.cms import assign_urls

    t = build_truth()
    assign_urls(t)
    return t


def test_hanweb_dataproxy_answers_post_and_get(server):
    form = b"col=1&appid=1&webid=27&path=/&columnid=1229002&sourceContentType=1&unitid=39483&permissiontype=0"
    url = server.abs("/module/web/jpage/dataproxy.jsp?startrecord=17&endrecord=32&perpage=8")
    status, headers, body = fetch(url, data=form)
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    assert body.count(b"<record>") == 16 and b"<totalrecord>40</totalrecord>" in body
    assert fetch(server.abs(hanweb.proxy_path(1229002, 17, 32)))[2] == body
    assert ("POST", urlsplit(server.url).netloc, "/module/web/jpage/dataproxy.jsp?startrecord=17&endrecord=32&perpage=8",
            200) in server.requests


def test_gbk_pages_and_contradicting_charsets(server, truth):
    status, headers, body = fetch(server.abs("/gd/yunxi/zwgk/zfxxgknb/bmnb/index.html"))
    assert "charset=gbk" in headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "云溪县" in body.decode("gbk")
    q = truth.quirks
    r = truth.report(q["charset_header_gbk_meta_utf8"]["agency"], q["charset_header_gbk_meta_utf8"]["year"])
    status, headers, body = fetch(server.abs(r.url))
    assert "charset=gbk" in headers["Content-Type"] and b'<meta charset="utf-8">' in body
    assert r.agency in body.decode("gbk")
    r = truth.report(q["charset_header_utf8_meta_gbk"]["agency"], q["charset_header_utf8_meta_gbk"]["year"])
    status, headers, body = fetch(server.abs(r.url))
    assert "charset=utf-8" in headers["Content-Type"] and b'<meta charset="gbk">' in body
    assert r.agency in body.decode("utf-8")


def test_error_once_slow_and_head(truth):
    srv = SamplePortal.build(truth).serve(port=0)
    try:
        q = truth.quirks["error_once"]
        url = srv.abs(truth.report(q["agency"], q["year"]).url)
        assert [fetch(url)[0] for _ in range(3)] == [500, 200, 200]
        q = truth.quirks["slow"]
        t0 = time.monotonic()
        assert fetch(srv.abs(truth.report(q["agency"], q["year"]).url))[0] == 200
        assert time.monotonic() - t0 >= 1.4
        status, headers, body = fetch(url, method="HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
        assert fetch(srv.abs("/no/such/page.html"))[0] == 404
    finally:
        srv.stop()


def test_robots_txt_disallows_the_private_trap(server):
    status, headers, body = fetch(server.abs("/robots.txt"))
    assert status == 200 and b"Disallow: /private/" in body
    # what sits behind it: a draft report and an endless calendar
    assert fetch(server.abs(portal_site.PRIVATE_DRAFT))[0] == 200
    page = fetch(server.abs("/private/calendar/2031/12.html"))[2]
    assert b'href="/private/calendar/2032/1.html"' in page


def test_epoch_1_changes_exactly_the_p3_reports(server, truth):
    paths = sorted({p for r in truth.reports for p in [r.url, r.content_url, *r.list_pages]})

    def snapshot() -> dict[str, bytes]:
        out = {}
        for p in paths:
            out[p] = fetch_ok(server.abs(p))[2]
        return out

    before = snapshot()
    server.set_epoch(1)
    try:
        after = snapshot()
    finally:
        server.set_epoch(0)
    changed = {p for p in paths if before[p] != after[p]}
    p3 = [truth.report(p.agency, p.year) for p in truth.planted("P3")]
    assert changed == {r.content_url for r in p3}
    assert {r.format for r in p3} >= {"html"}
    for r in p3:
        assert r.changed is not None and r.changed != r.data


def test_cli_truth_and_help():
    from click.testing import CliRunner

    from nianbao.cli import main

    runner = CliRunner()
    res = runner.invoke(main, ["portal", "truth", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["agencies"] and len(data["reports"]) == len(load_truth().reports)
    assert {p["rule"] for p in data["problems"]} == RULES
    res = runner.invoke(main, ["portal", "truth"])
    assert res.exit_code == 0 and "planted problems" in res.output
    res = runner.invoke(main, ["portal", "serve", "--help"])
    assert res.exit_code == 0 and "Example" in res.output


def test_portal_examples_are_what_it_serves(truth):
    """tests/examples/portal/ holds pages of what the portal serves, each with the path, site and
    report(s) it shows in ``<case>.expected.json`` (rewrite: python -m tests.snapshots draft PAGE)."""
    from portal.fixtures import OUT, PORT, cases, render
    from tests.snapshots import assert_matches, documents, load_expected

    site = portal_site.Site.build(truth, PORT)
    kept = {p.stem: p for p in documents(OUT)}
    assert sorted(kept) == sorted(c.name for c in cases(truth)), "python -m tests.snapshots draft the missing pages"
    assert {load_expected(p)["platform"] for p in kept.values()} >= {"trs", "hanweb", "gdplatform", "generic"}
    for case in cases(truth):
        body, expected = render(site, truth, case)
        assert_matches(load_expected(kept[case.name]), expected, case.name)
        assert body == kept[case.name].read_bytes(), f"{case.name}: the portal serves other bytes now"
