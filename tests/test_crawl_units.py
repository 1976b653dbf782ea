"""Fast checks of the crawler's pieces that need no network: site configuration, the recognisers,
platform paging helpers and the command line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from pathlib import Path

from crawler import recognize as R
from crawler.platforms import PLATFORMS, GenericHints, Hints, get_platform
from crawler.sites import SiteConfig, SiteConfigError, find_site, load_file, load_sites


# ------------------------------------------------------------------------------ configuration
def test_sample_site_files_load_with_portal_placeholder():
    sites = load_sites(portal="http://127.0.0.1:9999")
    assert sites, "config/sites/sample-*.yaml"
    for s in sites:
        assert s.platform in PLATFORMS
        assert isinstance(s.hints, PLATFORMS[s.platform].hints)
        assert all(u.startswith("http://127.0.0.1:9999/") for u in s.start_urls)
        assert s.allowed_domains == ["127.0.0.1"]
        assert s.province and s.region
    assert {"province", "region", "region_code", "level", "body_type"} == set(sites[0].agency_attrs)
    qinghe = next(s for s in sites if s.platform == "hanweb")
    assert qinghe.hints.column_id == "1229002" and qinghe.hints.get("max_depth", 8) == 8
    again = SiteConfig.from_dict(qinghe.as_dict(), portal="http://127.0.0.1:9999")  # what a spider gets
    assert again == qinghe


SITE = "province: 测试\nsites:\n  - name: a\n    start_urls: ['http://www.a.gov.cn/col/index.html']\n"


@pytest.mark.parametrize("extra,message", [
    ("    colour: red\n", "x.yaml: site 'a': unknown key 'colour'"),
    ("    start_url: [http://a.gov.cn/]\n", "x.yaml: site 'a': unknown key 'start_url' (did you mean 'start_urls'?)"),
    ("    platform: wordpress\n", "x.yaml: site 'a': unknown platform 'wordpress'; one of generic, trs, hanweb, gdplatform"),
    ("    platform: hanweeb\n", "x.yaml: site 'a': unknown platform 'hanweeb' (did you mean 'hanweb'?)"),
    ("    hints: {detial_patterns: ['/t\\d+']}\n",
     "x.yaml: site 'a': hints: unknown key 'detial_patterns' (did you mean 'detail_patterns'?); generic knows "),
    ("    hints: {column_id: '12'}\n", "x.yaml: site 'a': hints: unknown key 'column_id'; generic knows"),
    ("    hints: {list_patterns: ['/col/(']}\n", "x.yaml: site 'a': hints: list_patterns: '/col/(' is not a regular expression"),
    ("    hints: {max_depth: deep}\n", "x.yaml: site 'a': hints: max_depth must be a positive whole number, not 'deep'"),
    ("    hints: [list_patterns]\n", "x.yaml: site 'a': hints must be a mapping"),
    ("    level: City\n", "x.yaml: site 'a': level 'City' is not one of province, city, county, town (did you mean 'city'?)"),
    ("    region_code: 32-08\n", "x.yaml: site 'a': region_code must be the digits"),
    ("    allowed_domains: ['http://a.gov.cn/x', 'a b']\n", "x.yaml: site 'a': allowed domain 'a b' is not a host name"),
    ("    region: [淮安市]\n", "x.yaml: site 'a': region must be a non-empty string"),
    ("    enabled: 'no'\n", "x.yaml: site 'a': enabled must be true or false"),
])
def test_site_config_errors_are_one_line_naming_file_site_and_problem(tmp_path, extra, message):
    f = tmp_path / "x.yaml"
    f.write_text(SITE + extra, encoding="utf-8")
    with pytest.raises(SiteConfigError) as err:
        load_file(f)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(tmp_path / message.split(":")[0])), text
    assert message.split(": ", 1)[1] in text, text


@pytest.mark.parametrize("body,message", [
    ("province: 测试\nsites:\n  - name: a\n    start_urls: []\n", "site 'a': no start_urls"),
    ("province: 测试\nsites:\n  - name: a\n", "site 'a': no start_urls"),
    ("province: 测试\nsites:\n  - name: a\n    start_urls: ['www.a.gov.cn/index.html']\n",
     "site 'a': start URL 'www.a.gov.cn/index.html' is not an http(s) URL with a host"),
    ("province: 测试\nsites:\n  - name: a\n    start_urls: ['ftp://a.gov.cn/']\n", "is not an http(s) URL"),
    ("province: 测试\nsites:\n  - start_urls: ['http://a.gov.cn/']\n", "every site needs a name"),
    ("province: 测试\nsites:\n  - just a string\n", "a site entry must be a mapping"),
    ("province: 测试\nsite:\n  - name: a\n", "unknown key 'site' (did you mean 'sites'?)"),
    ("province: 测试\nsites: {name: a}\n", "sites must be a list"),
    ("- a\n- b\n", "expected a mapping with 'province' and 'sites'"),
    ("province: 测试\nsites:\n  - name: a\n    start_urls: ['http://a.gov.cn/'\n  - name: b\n",
     ", line 5: not valid YAML: "),
    ("province: 测试\nsites:\n\t- name: a\n", ", line 3: not valid YAML: "),
])
def test_site_file_errors(tmp_path, body, message):
    f = tmp_path / "x.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(SiteConfigError) as err:
        load_file(f)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(f)) and message in text, text


def test_site_config_defaults_and_duplicates(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text(SITE, encoding="utf-8")
    (s,) = load_file(f)
    assert s.allowed_domains == ["www.a.gov.cn"] and s.province == "测试" and s.platform == "generic"
    assert s.hints == GenericHints() and s.hints.as_dict() == {}
    (tmp_path / "y.yaml").write_text(SITE, encoding="utf-8")
    with pytest.raises(SiteConfigError, match="site 'a' is defined twice"):
        load_sites(tmp_path)
    with pytest.raises(SiteConfigError, match=r"no site named 'b' in .*; did you mean|no site named 'b' in"):
        find_site("b", f)
    with pytest.raises(SiteConfigError, match=r"no site named 'aa' in .* \(did you mean 'a'\?\)"):
        find_site("aa", f)
    with pytest.raises(SiteConfigError, match="no such file or folder"):
        load_sites(tmp_path / "nothing.yaml")


# ------------------------------------------------------------------------------ the platform catalogue
def test_platform_catalogue_is_the_one_list():
    """Spider classes, hint classes and the sample portal's CMS layouts agree with the catalogue."""
    from crawler.spiders import spider_for
    from crawler.spiders.base import ReportSpider
    from portal.cms import PLATFORMS as PORTAL_LAYOUTS

    for name, p in PLATFORMS.items():
        cls = spider_for(name)
        assert issubclass(cls, ReportSpider) and cls.platform == name == cls.name, (name, cls)
        assert issubclass(p.hints, Hints) and p.description and "\n" not in p.description
    assert spider_for(None) is spider_for("generic")
    assert set(PORTAL_LAYOUTS) <= set(PLATFORMS), "the sample portal serves a layout no spider crawls"
    with pytest.raises(KeyError, match="did you mean 'trs'"):
        get_platform("tsr")


def test_docs_list_the_catalogue():
    """docs/sites.md carries the tables generated from the catalogue (regenerate with
    ``python -m crawler.platforms`` and paste them between the markers)."""
    from crawler import platforms

    text = (Path(__file__).resolve().parents[1] / "docs" / "sites.md").read_text(encoding="utf-8")
    begin, end = text.index(platforms.DOC_BEGIN), text.index(platforms.DOC_END) + len(platforms.DOC_END)
    assert text[begin:end] == platforms.markdown()


def test_real_world_example_file_crawls_nothing():
    names = [s.name for s in load_sites(include_disabled=True)]
    assert not [n for n in names if not n.startswith("sample-")], "real portals must stay commented out"


# ------------------------------------------------------------------------------ recognisers
@pytest.mark.parametrize("title,year,agency", [
    ("淮安市财政局2021年度政府信息公开工作年度报告", 2021, "淮安市财政局"),
    ("2021年淮安市财政局政府信息公开工作年度报告", 2021, "淮安市财政局"),
    ("2021年政府信息公开工作年度报告", 2021, None),
    ("关于二〇二一年政府信息公开工作年度报告", 2021, None),
    ("二〇二一年清河县教育局政府信息公开工作年度报告", 2021, "清河县教育局"),
    ("南岭市司法局政府信息公开工作年度报告（2021年）", 2021, "南岭市司法局"),
    ("【清河县】2022年度政务公开工作年度报告", 2022, None),
])
def test_report_titles(title, year, agency):
    assert R.is_report_title(title)
    assert R.year_of(title) == year
    assert R.agency_of(title) == agency


@pytest.mark.parametrize("title", [
    "关于做好2021年度政府信息公开工作年度报告编制工作的通知", "淮安市2020年度法治政府建设年度报告",
    "区政府召开2023年工作年度报告会", "政府信息公开年报", "2022年部门决算报告", "政府信息公开指南",
])
def test_not_report_titles(title):
    assert not R.is_report_title(title, in_column=True)


def test_columns():
    for t in ("政府信息公开年报", "部门年报", "乡镇（街道）年报", "政府信息公开工作年度报告"):
        assert R.is_column_title(t), t
    for t in ("政府信息公开指南", "2021年政府信息公开工作年度报告", "新闻动态"):
        assert not R.is_column_title(t), t
    assert R.is_year_column_title("2021年度") and not R.is_year_column_title("2021年度报告会")


def test_dates():
    assert R.url_date("http://x/zwgk/202201/t20220128_123.html") == "2022-01-28"
    assert R.url_date("http://x/art/2021/1/25/art_1_2.html") == "2021-01-25"
    assert R.url_date("http://x/a/202201/W020220127334455.pdf") == "2022-01-27"
    assert R.url_date("http://x/a/202201/index.html") is None and R.url_month("http://x/a/202201/i.html") == "2022-01"
    assert R.labelled_date("成文日期：2022-01-10 发布日期：2022年1月12日") == "2022-01-12"
    assert R.labelled_date("发文日期： 2022-01-10") == "2022-01-10"
    assert R.first_date("2022-02-30 2022-03-01") == "2022-03-01"


def test_attachment_urls():
    assert R.attachment_url("http://x/a/P020220128.pdf")
    assert R.attachment_url("http://x/module/download/downfile.jsp?classid=0&filename=ab12.docx")
    assert R.attachment_url("http://x/a/b.WPS")
    assert not R.attachment_url("http://x/a/b.html") and not R.attachment_url("http://x/a/pdf/index.html")
    assert R.viewer_target("http://x/pdfjs/web/viewer.html?file=%2Fup%2Fa.pdf") == "http://x/up/a.pdf"
    assert R.viewer_target("http://x/up/viewer.html?file=a.pdf#page=2") == "http://x/up/a.pdf"


# ------------------------------------------------------------------------------ platforms
def test_trs_pages():
    from crawler.spiders.trs import trs_pages

    text = 'var countPage = 3//共多少页\ncreatePageHTML(countPage, currentPage, "index", "shtml");'
    assert trs_pages(text, "http://x/col/index_1.shtml") == [
        "http://x/col/index.shtml", "http://x/col/index_1.shtml", "http://x/col/index_2.shtml"]
    assert trs_pages("createPageHTML(1, 0, 'index', 'html')", "http://x/c/index.html") == ["http://x/c/index.html"]


def test_hanweb_params_from_nextgroup_and_hints():
    from crawler.spiders.hanweb import jpage_params

    text = ('<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid=77'
            '&unitid=9&webname=%E6%B5%8B&permissiontype=0"></a>]]></nextgroup>')
    p = jpage_params(text, "http://x/col/col77/index.html")
    assert p == {"webid": "3", "path": "/", "columnid": "77", "unitid": "9", "webname": "测", "permissiontype": "0",
                 "col": "1", "appid": "1", "sourceContentType": "1"}
    p = jpage_params("<datastore></datastore>", "http://x/col/col88/index.html", {"unit_id": 5})
    assert p["columnid"] == "88" and p["unitid"] == "5"


# ------------------------------------------------------------------------------ command line
def test_crawl_help_and_no_sites(tmp_path):
    from nianbao.cli import main

    r = CliRunner().invoke(main, ["crawl", "--help"])
    assert r.exit_code == 0 and "Examples:" in r.output and "--resume" in r.output
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "crawl", "--province", "火星"])
    assert r.exit_code != 0 and "no sites" in r.output
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "crawl", "--site", "nope"])
    assert r.exit_code != 0 and "no site named 'nope'" in r.output
    r = CliRunner().invoke(main, ["demo", "--help"])
    assert r.exit_code == 0 and "sample portal" in r.output


# ------------------------------------------------------------------------------ why a fetch failed
def test_every_failure_is_worded_in_one_line():
    """``describe_failure`` words what the errback receives; the network cases a test on
    127.0.0.1 cannot produce (DNS) are checked here with the exceptions Scrapy raises."""
    from scrapy import Request
    from scrapy import exceptions as X
    from scrapy.exceptions import IgnoreRequest
    from scrapy.settings import Settings

    from crawler import settings as project
    from crawler.middlewares import Offsite, TruncatedBody, describe_failure

    settings = Settings()
    settings.setmodule(project)
    r = Request("http://a.gov.cn/x.html")
    hop = Request("http://a.gov.cn/c.html", meta={"redirect_urls": ["http://a.gov.cn/a.html", "http://a.gov.cn/b.html"]})
    cases = [
        (X.CannotResolveHostError("DNS lookup failed: no results for hostname lookup: a.gov.cn."), r,
         "CannotResolveHostError: DNS lookup failed: no results for hostname lookup: a.gov.cn."),
        (X.DownloadTimeoutError("Getting http://a.gov.cn/x.html took longer than 30 seconds."), r,
         "DownloadTimeoutError: Getting http://a.gov.cn/x.html took longer than 30 seconds."),
        (X.DownloadConnectionRefusedError("Connection was refused by other side: 111."), r,
         "DownloadConnectionRefusedError: Connection was refused by other side: 111."),
        (IgnoreRequest("Forbidden by robots.txt"), r, "forbidden by robots.txt"),
        (IgnoreRequest("max redirections reached"), hop,
         "too many redirects (more than 10): http://a.gov.cn/a.html → http://a.gov.cn/b.html → http://a.gov.cn/c.html"),
        (Offsite("offsite"), hop, "redirected off the allowed domains to http://a.gov.cn/c.html"),
        (X.DownloadCancelledError("Expected to receive 9 bytes which is larger than download max size (5) in request "
                                  "<GET http://a.gov.cn/x.html>."), r,
         "too large: Expected to receive 9 bytes which is larger than download max size (5)"),
        (X.DownloadCancelledError(), r, f"too large: more than {project.DOWNLOAD_MAXSIZE} bytes arrived (DOWNLOAD_MAXSIZE)"),
        (TruncatedBody("truncated: got 5 of 9 bytes"), r, "truncated: got 5 of 9 bytes"),
        (X.ResponseDataLossError(), r, "truncated: the connection closed before the end of the body"),
        (RuntimeError("x\ny"), r, "RuntimeError: x\ny"),
    ]
    for exc, request, want in cases:
        assert describe_failure(exc, request, settings) == want, (exc, want)


def test_truncation_is_judged_on_the_bytes_as_they_came():
    from scrapy import Request
    from scrapy.http import Response

    from crawler.middlewares import TruncatedBodyMiddleware as T

    get, head = Request("http://a/x"), Request("http://a/x", method="HEAD")
    def resp(body, status=200, flags=None, **headers):
        return Response("http://a/x", status=status, body=body, headers=headers, flags=flags or [])
    assert T.shortfall(get, resp(b"abc", **{"Content-Length": "3"})) is None
    assert T.shortfall(get, resp(b"ab", **{"Content-Length": "3"})) == (2, 3)
    assert T.shortfall(get, resp(b"ab", flags=["dataloss"], **{"Transfer-Encoding": "chunked"})) == (2, None)
    assert T.shortfall(get, resp(b"ab", flags=["partial"])) is None, "no length, connection closed: complete by HTTP"
    assert T.shortfall(head, resp(b"", **{"Content-Length": "3"})) is None
    assert T.shortfall(get, resp(b"", status=304, **{"Content-Length": "3"})) is None
    assert T.shortfall(get, resp(b"abc", **{"Content-Length": "x"})) is None
