"""Render a canonical report (the dict shape of ``nianbao parse --json``) into the layouts seen in
the wild: tab-separated text, markdown pipe tables, Word's one-cell-per-line export, and CMS
HTML with rowspan/colspan, <p>/<span> inside cells and &nbsp;. Used by the sample portal, the
demo and the property tests, which parse the rendering back and compare."""
from __future__ import annotations

import html as _html
from typing import Any

from extract import template as T

SECTION_TITLES = [f"{n}、{t}" for n, (_, t, _) in zip("一二三四五六", T.SECTIONS)]

_APP_LABELS_2021: list[tuple[str | None, str | None, str, str]] = [
    # (outer group label, inner group label, row label, key)
    (None, None, "一、本年新收政府信息公开申请数量", "new_received"),
    (None, None, "二、上年结转政府信息公开申请数量", "carried_over"),
    ("三、本年度办理结果", None, "（一）予以公开", "granted"),
    ("三、本年度办理结果", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partial"),
    ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "denied.state_secret"),
    ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开", "denied.law_prohibited"),
    ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”", "denied.three_safety"),
    ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益", "denied.third_party"),
    ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息", "denied.internal_affairs"),
    ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息", "denied.process_info"),
    ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷", "denied.enforcement_file"),
    ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项", "denied.query_matter"),
    ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息", "unable.not_held"),
    ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作", "unable.need_create"),
    ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确", "unable.unclear"),
    ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请", "not_processed.petition"),
    ("三、本年度办理结果", "（五）不予处理", "2.重复申请", "not_processed.duplicate"),
    ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物", "not_processed.publication"),
    ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请", "not_processed.mass_repeat"),
    ("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "not_processed.confirm"),
    ("三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "other.overdue_correction"),
    ("三、本年度办理结果", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "other.overdue_fee"),
    ("三、本年度办理结果", "（六）其他处理", "3.其他", "other.other"),
    ("三、本年度办理结果", None, "（七）总计", "total_handled"),
    (None, None, "四、结转下年度继续办理", "carried_forward"),
]


def app_rows(tpl: str) -> list[tuple[str | None, str | None, str, str]]:
    if tpl == "2021":
        return _APP_LABELS_2021
    rows = [r for r in _APP_LABELS_2021 if not r[3].startswith("other.")]
    i = next(k for k, r in enumerate(rows) if r[3] == "total_handled")
    rows.insert(i, ("三、本年度办理结果", None, "（六）其他处理", "other"))
    return rows


def app_spans(rows: list[tuple[str | None, str | None, str, str]]) -> tuple[int, dict[str, int]]:
    """Row spans of the merged label cells: 三、本年度办理结果 and each （三）–（六） group."""
    inner: dict[str, int] = {}
    for r in rows:
        if r[1]:
            inner[r[1]] = inner.get(r[1], 0) + 1
    return sum(1 for r in rows if r[0]), inner


_PRO_LABELS = {
    "art20_1": ("第二十条第（一）项", {"regulations": "规章", "normative_docs": {"2021": "行政规范性文件", "2019": "规范性文件"}}),
    "art20_5": ("第二十条第（五）项", {"licensing": "行政许可", "other_services": "其他对外管理服务事项"}),
    "art20_6": ("第二十条第（六）项", {"penalty": "行政处罚", "coercion": "行政强制"}),
    "art20_8": ("第二十条第（八）项", {"fees": "行政事业性收费"}),
    "art20_9": ("第二十条第（九）项", {"procurement": "政府集中采购"}),
}
_PRO_COLS = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "new_made": "本年新制作数量", "new_published": "本年新公开数量", "total_published": "对外公开总数量",
    "prev_count": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量", "projects": "采购项目数量",
}


def _pro_col_label(table: str, col: str, tpl: str) -> str:
    if col == "decisions" and tpl == "2021":
        return "本年处理决定数量"
    if col == "amount":
        return "本年收费金额（单位：万元）" if table == "art20_8" else "采购总金额（单位：万元）"
    return _PRO_COLS[col]


def fmt(v: Any) -> str:
    """A value as a report prints it: blank for null, decimals exactly as stored."""
    return "" if v is None else str(v)


def proactive_blocks(rep: dict) -> list[tuple[str, list[str], list[tuple[str, list[str]]]]]:
    """(caption, header, [(row label, values)]) per 第二十条 table, in template order."""
    tpl = rep["template"]
    out = []
    for spec in T.PROACTIVE_TABLES:
        cols = spec.columns.get(tpl)
        if not cols or spec.key not in rep["proactive"]:
            continue
        caption, labels = _PRO_LABELS[spec.key]
        header = [_pro_col_label(spec.key, k, tpl) for k, _ in cols]
        rows = []
        for row, vals in rep["proactive"][spec.key].items():
            lab = labels[row]
            if isinstance(lab, dict):
                lab = lab[tpl]
            rows.append((lab, [fmt(vals.get(k)) for k, _ in cols]))
        out.append((caption, header, rows))
    return out


def _app_values(rep: dict, key: str) -> list[str]:
    vals = rep["applications"].get(key, {})
    return [fmt(vals.get(c)) for c in T.APPLICANT_COLUMNS]


def _review_values(rep: dict) -> list[str]:
    return [fmt(rep["review_litigation"][g][c]) for g in T.REVIEW_GROUPS for c in T.REVIEW_COLUMNS]


def _title(rep: dict) -> str:
    return rep.get("title") or f"{rep['agency']}{rep['year']}年政府信息公开工作年度报告"


def _sections(rep: dict) -> list[str]:
    return [rep.get("narrative", {}).get(k, "") for k, _, _ in T.SECTIONS]


# ---------------------------------------------------------------------------------- text
def render_tab(rep: dict) -> str:
    """Tab-separated rows, as a Word table pasted into a text file."""
    lines = [_title(rep), ""]
    secs = _sections(rep)
    for i, title in enumerate(SECTION_TITLES):
        lines += [title, ""]
        if secs[i]:
            lines += [secs[i], ""]
        if i == 1:
            for caption, header, rows in proactive_blocks(rep):
                width = 1 + max(len(header), 3)
                lines.append("\t".join([caption] + [""] * (width - 1)))
                lines.append("\t".join(["信息内容"] + header + [""] * (width - 1 - len(header))))
                for lab, vals in rows:
                    lines.append("\t".join([lab] + vals + [""] * (width - 1 - len(vals))))
            lines.append("")
        if i == 2:
            lines.append("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t申请人情况\t\t\t\t\t\t总计")
            lines.append("\t\t自然人\t法人或其他组织\t\t\t\t\t")
            lines.append("\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t")
            for outer, inner, lab, key in app_rows(rep["template"]):
                labels = [outer or "", inner or "", lab] if outer else [lab, ""]
                lines.append("\t".join(labels + _app_values(rep, key)) + "\t")
            lines.append("")
        if i == 3:
            lines.append("行政复议\t\t\t\t\t行政诉讼" + "\t" * 9)
            lines.append("结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉\t\t\t\t")
            lines.append("\t\t\t\t\t" + "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2))
            lines.append("\t".join(_review_values(rep)))
            lines.append("")
    return "\n".join(lines) + "\n"


def render_markdown(rep: dict) -> str:
    lines = [f"# {_title(rep)}", ""]
    secs = _sections(rep)

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    for i, title in enumerate(SECTION_TITLES):
        lines += [f"## {title}", ""]
        if secs[i]:
            lines += [secs[i], ""]
        if i == 1:
            first = True
            for caption, header, rows in proactive_blocks(rep):
                width = 1 + max(len(header), 3)
                pad = lambda cells: cells + [""] * (width - len(cells))  # noqa: E731
                lines.append(row(pad([caption])))
                if first:
                    lines.append(row(["---"] * width))
                    first = False
                lines.append(row(pad(["信息内容"] + header)))
                for lab, vals in rows:
                    lines.append(row(pad([lab] + vals)))
            lines.append("")
        if i == 2:
            # the table split in two, as exported from a two-page Word table
            lines.append(row(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况", "", "", "", "", "", "总计"]))
            lines.append(row(["---"] * 9))
            lines.append(row(["", "", "自然人", "法人或其他组织", "", "", "", "", ""]))
            lines.append(row(["", "", "", "商业企业", "科研机构", "社会组织", "法律服务机构", "其他", ""]))
            rows = app_rows(rep["template"])
            half = len(rows) // 2
            for k, (outer, inner, lab, key) in enumerate(rows):
                if k == half:
                    lines += ["", row([""] * 9), row(["---"] * 9)]
                labels = [inner or outer or lab, lab] if (inner or outer) else [lab, ""]
                lines.append(row(labels + _app_values(rep, key)))
            lines.append("")
        if i == 3:
            lines.append(row(["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9))
            lines.append(row(["---"] * 15))
            lines.append(row(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""]))
            lines.append(row([""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2))
            lines.append(row(_review_values(rep)))
            lines.append("")
    return "\n".join(lines) + "\n"


def render_cells(rep: dict) -> str:
    """Word's "save as text": one cell per line behind a tab, a blank line between rows, merged
    cells' text at their bottom, a header label broken one character a line (自/然/人)."""
    out = [_title(rep)]
    secs = _sections(rep)

    def table_row(cells: list[str]) -> None:
        for c in cells:
            out.append("\t" + c)
        out.append("")

    for i, title in enumerate(SECTION_TITLES):
        out.append(title)
        if secs[i]:
            out.append(secs[i])
        if i == 1:
            for caption, header, rows in proactive_blocks(rep):
                table_row([caption])
                table_row(["信息内容"] + header)
                for lab, vals in rows:
                    table_row([lab] + vals)
        if i == 2:
            table_row(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"])
            out += ["\t", "\t自", "然", "人", "\t法人或其他组织", "\t总计", ""]
            table_row(["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""])
            seen_outer = False
            for outer, inner, lab, key in app_rows(rep["template"]):
                if outer and not seen_outer:
                    seen_outer = True
                    out.append("\t")
                    out += [""] * 5
                    out += ["三、", "本年度办理结果"]
                    cells = ([inner] if inner else []) + [lab] + _app_values(rep, key)
                    for c in cells:
                        out.append("\t" + c)
                    out.append("")
                    continue
                lead = [""] if outer else []
                table_row(lead + ([inner] if inner else []) + [lab] + _app_values(rep, key))
        if i == 3:
            table_row(["行政复议", "行政诉讼"])
            table_row(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"])
            table_row([""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)
            table_row(_review_values(rep))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------- HTML
def _td(text: str, rowspan: int = 1, colspan: int = 1, wrap: bool = True) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    body = _html.escape(text) if text else "&nbsp;"
    if wrap:
        body = f'<p style="text-align:center"><span style="font-family:仿宋_GB2312">{body}</span></p>'
    return f"<td{attrs}>{body}</td>"


def html_tables(rep: dict) -> dict[int, str]:
    """The report's tables as CMS HTML, keyed by the section index they follow."""
    tpl = rep["template"]
    parts: dict[int, str] = {}
    t = ['<table border="1" cellspacing="0" style="border-collapse:collapse"><tbody>']
    for caption, header, rows in proactive_blocks(rep):
        t.append(f"<tr>{_td(caption, colspan=4)}</tr>")
        if len(header) == 1:
            t.append(f"<tr>{_td('信息内容')}{_td(header[0], colspan=3)}</tr>")
            for lab, vals in rows:
                t.append(f"<tr>{_td(lab)}{_td(vals[0], colspan=3)}</tr>")
        else:
            pad = [""] * (3 - len(header))
            t.append("<tr>" + "".join(_td(x) for x in ["信息内容"] + header + pad) + "</tr>")
            for lab, vals in rows:
                t.append("<tr>" + "".join(_td(x) for x in [lab] + vals + [""] * (3 - len(vals))) + "</tr>")
    t.append("</tbody></table>")
    parts[1] = "\n".join(t)

    rows = app_rows(tpl)
    t = ['<table border="1" cellspacing="0"><tbody>',
         "<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3) + _td("申请人情况", colspan=7) + "</tr>",
         "<tr>" + _td("自然人", 2) + _td("法人或其他组织", colspan=5) + _td("总计", 2) + "</tr>",
         "<tr>" + "".join(_td(x) for x in ["商业<br/>企业", "科研<br/>机构", "社会公益组织", "法律服务机构", "其他"]) + "</tr>"]
    outer_n, inner_n = app_spans(rows)
    seen_outer, seen_inner = False, set()
    for outer, inner, lab, key in rows:
        cells = []
        if not outer:
            cells.append(_td(lab, colspan=3))
        else:
            if not seen_outer:
                cells.append(_td(outer, rowspan=outer_n))
                seen_outer = True
            if inner:
                if inner not in seen_inner:
                    cells.append(_td(inner, rowspan=inner_n[inner]))
                    seen_inner.add(inner)
                cells.append(_td(lab))
            else:
                cells.append(_td(lab, colspan=2))
        cells += [_td(v) for v in _app_values(rep, key)]
        t.append("<tr>" + "".join(cells) + "</tr>")
    t.append("</tbody></table>")
    parts[2] = "\n".join(t).replace("&lt;br/&gt;", "<br/>")

    t = ['<table border="1" cellspacing="0"><tbody>',
         "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>",
         "<tr>" + "".join(_td(x, 2) for x in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"])
         + _td("未经复议直接起诉", colspan=5) + _td("复议后起诉", colspan=5) + "</tr>",
         "<tr>" + "".join(_td(x) for x in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + "</tr>",
         "<tr>" + "".join(_td(v) for v in _review_values(rep)) + "</tr>",
         "</tbody></table>"]
    parts[3] = "\n".join(t)
    return parts


def render_html_body(rep: dict) -> str:
    """The report's content as a CMS puts it inside its article container."""
    secs = _sections(rep)
    tables = html_tables(rep)
    out = [f'<h1 class="title">{_html.escape(_title(rep))}</h1>']
    for i, title in enumerate(SECTION_TITLES):
        out.append(f'<p style="text-indent:2em"><strong>{_html.escape(title)}</strong></p>')
        for para in (secs[i] or "").split("\n"):
            if para.strip():
                out.append(f'<p style="text-indent:2em"><span>{_html.escape(para)}</span></p>')
        if i in tables:
            out.append(tables[i])
    return "\n".join(out)


def render_html(rep: dict) -> str:
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            + _html.escape(_title(rep)) + "</title></head><body>\n<div class=\"content\">\n"
            + render_html_body(rep) + "\n</div></body></html>\n")


LAYOUTS = {"tab": render_tab, "markdown": render_markdown, "cells": render_cells, "html": render_html}
