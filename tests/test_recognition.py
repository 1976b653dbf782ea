"""extract.recognition: the one reading of titles, years, agencies and dates, shared by the
crawler (link titles, page text) and the extractor (a document's own title and dates)."""
from __future__ import annotations

import pytest

from crawler import recognize as R
from extract import extract
from extract import recognition as rec


def test_crawler_and_extractor_share_one_reading():
    """The crawler's names are the catalogue's own functions, not copies that could drift."""
    for name in ("clean", "year_of", "agency_of", "is_report_title", "labelled_date", "first_date", "make_date"):
        assert getattr(R, name) is getattr(rec, name), name


@pytest.mark.parametrize("title, agency", [
    ("淮安市财政局2021年度政府信息公开工作年度报告", "淮安市财政局"),
    ("2021年淮安市财政局政府信息公开工作年度报告", "淮安市财政局"),
    ("二〇二一年清河县教育局政府信息公开工作年度报告", "清河县教育局"),
    # 关于 ends the agency wherever it stands (the extractor's old reading; the crawler's kept 关于印发)
    ("清河县教育局关于印发2021年政府信息公开工作年度报告的通知", "清河县教育局"),
    # the 政府 of 人民政府信息公开 belongs to the agency too
    ("云溪县人民政府信息公开工作年度报告（2021）", "云溪县人民政府"),
    ("云溪县人民政府2021年政府信息公开工作年度报告", "云溪县人民政府"),
    # a list item's date before the title is not part of a name (the extractor's old reading kept it)
    ("2024-01-29南岭市自然资源局2023年政府信息公开工作年度报告", None),
    ("信息公开年报2024年度报告", None),
    ("2021年政府信息公开工作年度报告", None),
])
def test_agency_of(title, agency):
    assert rec.agency_of(title) == agency


@pytest.mark.parametrize("text, year", [
    ("淮安市财政局2021年度政府信息公开工作年度报告", 2021),
    ("政府信息公开工作年度报告（2021）", 2021),
    ("平潭综合实验区国有资产管理局 2020年度政府信息公开工作年度报告", 2020),
    # a sentence that mentions a year far from the report words is not a title line
    ("根据2019年修订的《中华人民共和国政府信息公开条例》和国务院办公厅关于政府信息公开工作年度报告", None),
    ("政府信息公开工作年度报告", None),
])
def test_document_title_year(text, year):
    assert rec.document_title_year(text) == year


def test_years():
    assert rec.year_of("二〇二一年政府信息公开工作年度报告") == 2021
    assert rec.year_of("12021年") is None  # part of a longer number
    assert rec.most_named_year("2021年……2021年……2020年") == 2021
    assert rec.most_named_year("2021年……2020年") is None  # a tie settles nothing


def test_labelled_dates():
    # the publication date is preferred to the date the document was written, wherever each stands
    assert rec.labelled_date("成文日期：2022-01-10 发布日期：2022年1月12日") == "2022-01-12"
    assert rec.labelled_date("发文日期： 2022-01-10") == "2022-01-10"
    assert rec.labelled_date("生成日期：2022-01-10") == "2022-01-10"
    # a bare 时间 is page chrome the crawler reads; a document's body says 时间 of other things
    assert rec.labelled_date("时间：2022-01-10") == "2022-01-10"
    assert rec.labelled_date("时间：2022-01-10", vague=False) is None
    assert rec.labelled_date("发布日期：2022-02-30 公开日期：2022-03-01") == "2022-03-01"


def test_document_and_page_read_the_same_date():
    """A detail page with 发文日期 before 发布日期: the extractor reads the page's publication date,
    as the crawler does (it used to take whichever label came first)."""
    page = ("<html><head><title>云溪县林业局2022年政府信息公开工作年度报告</title></head><body>"
            "<table><tr><td>发文日期：</td><td>2023-01-16</td><td>发布日期：</td><td>2023-01-18</td></tr></table>"
            "<p>云溪县林业局2022年政府信息公开工作年度报告</p><p>一、总体情况</p><p>本局认真贯彻落实《条例》。</p>"
            "</body></html>").encode()
    report = extract(page, filename="a.html", segment=False)
    assert (report.agency, report.year, report.published) == ("云溪县林业局", 2022, "2023-01-18")
    assert rec.labelled_date("发文日期： 2023-01-16 发布日期： 2023-01-18") == report.published


def test_document_title_with_agency_after_year():
    """The extractor now reads the agency after the year (the crawler always did), instead of
    falling back to the lines around the title."""
    text = "2021年淮安市教育局政府信息公开工作年度报告\n\n一、总体情况\n\n本局认真贯彻落实《条例》。\n".encode()
    report = extract(text, filename="a.txt", segment=False)
    assert (report.agency, report.year) == ("淮安市教育局", 2021)


def test_finding_labels_are_the_templates_own():
    """The monitor names a 第二十条 cell with extract.template's printed labels, in the report's
    template (no label map of its own that could say 规范性文件 where the 2021 form says 行政规范性文件)."""
    from monitor.findings import cell_label

    assert cell_label("art20_1", "normative_docs", "issued", "2021") == "第二十条第（一）项“行政规范性文件·本年制发件数”"
    assert cell_label("art20_1", "normative_docs", "new_made", "2019") == "第二十条第（一）项“规范性文件·本年新制作数量”"
    assert cell_label("art20_8", "fees", "amount") == "第二十条第（八）项“行政事业性收费·本年收费金额（万元）”"
    assert cell_label("art20_9", "procurement", "amount") == "第二十条第（九）项“政府集中采购·采购总金额（万元）”"
    assert cell_label("art20_5", "other_services", "change", "2021") == "第二十条第（五）项“其他对外管理服务事项·本年增/减”"
