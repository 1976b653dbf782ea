"""Fast checks of the crawler's pieces that need no network: site configuration, the recognisers,
platform paging helpers and the command line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler import recognize as R
from crawler.sites import SiteConfigError, load_file, load_sites


# ------------------------------------------------------------------------------ configuration
def test_sample_site_files_load_with_portal_placeholder():
    sites = load_sites(portal="http://127.0.0.1:9999")
    assert sites, "config/sites/sample-*.yaml"
    for s in sites:
        assert s.platform in ("generic", "trs", "hanweb", "gdplatform")
        assert all(u.startswith("http://127.0.0.1:9999/") for u in s.start_urls)
        assert s.allowed_domains == ["127.0.0.1"]
        assert s.province and s.region
    assert {"province", "region", "region_code", "level", "body_type"} == set(sites[0].agency_attrs)


def test_site_config_errors(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("province: 测试\nsites:\n  - name: a\n    start_urls: [http://a.gov.cn/]\n    colour: red\n")
    with pytest.raises(SiteConfigError, match="unknown keys"):
        load_file(f)
    f.write_text("province: 测试\nsites:\n  - name: a\n    platform: wordpress\n    start_urls: [http://a.gov.cn/]\n")
    with pytest.raises(SiteConfigError, match="unknown platform"):
        load_file(f)
    f.write_text("province: 测试\nsites:\n  - name: a\n    start_urls: ['http://www.a.gov.cn/col/index.html']\n")
    (s,) = load_file(f)
    assert s.allowed_domains == ["www.a.gov.cn"] and s.province == "测试" and s.platform == "generic"


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
    assert r.exit_code != 0 and "no site named nope" in r.output
    r = CliRunner().invoke(main, ["demo", "--help"])
    assert r.exit_code == 0 and "sample portal" in r.output
