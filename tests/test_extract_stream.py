"""The layout-free stream reader (issue 12): digits run together, the identities that may choose
between cuts, damage that stays local, a text cut inside a table, and output that tells blank from
unread. Each case is a small text written here, with what a careful reader must get from it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extract import extract, is_report, not_report_reason
from extract import template as T
from extract.digits import UNREAD, NumToken, place
from tests.snapshots import REAL

HEAD = "某局2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
PROACTIVE = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件{docs}"
             "第二十条第（五）项信息内容本年处理决定数量行政许可3第二十条第（六）项信息内容本年处理决定数量"
             "行政处罚0行政强制0第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费0")
APPS = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
        "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
        "一、本年新收政府信息公开申请数量{new}二、上年结转政府信息公开申请数量0000000三、本年度办理结果"
        "（一）予以公开{granted}（二）部分公开（区分处理的，只计这一情形，不计其他情形）0000000")
REVIEW = ("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
          "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
          "{review}五、存在的主要问题及改进情况无。")


def _glued(docs: str = "0011", new: str = "190000019", granted: str = "190000019",
           review: str = "000000000000000", narrative: str = "") -> bytes:
    return (HEAD + narrative + PROACTIVE.format(docs=docs) + APPS.format(new=new, granted=granted)
            + REVIEW.format(review=review)).encode()


def _row(r, table: str, row: str, cols=T.APPLICANT_COLUMNS) -> list:
    return [r.value(table, row, c) if r.cell(table, row, c) is not None else "?" for c in cols]


def test_glued_digits_cut_by_the_digit_rules_and_the_row_total() -> None:
    r = extract(_glued(), filename="r.txt", segment=False)
    # 190000019: 1|90|… and 19|…|19 obey the digit rules; only the second keeps 总计 = the parts
    assert _row(r, "applications", "new_received") == [19, 0, 0, 0, 0, 0, 19]
    assert _row(r, "review_litigation", "review", T.REVIEW_COLUMNS) == [0, 0, 0, 0, 0]
    kinds = {(p.kind, p.row) for p in r.problems}
    assert ("split_by_identity", "new_received") in kinds  # the monitor must not count R2 as the agency's
    assert next(p for p in r.problems if p.kind == "split_by_identity").identity == "R2"
    assert "(cut from '190000019'; the cut leans on the row's total)" in r.cell("applications", "new_received",
                                                                                 "total").where


def test_several_cuts_leave_the_cells_unread_and_say_which() -> None:
    r = extract(_glued(docs="164640"), filename="r.txt", segment=False)
    assert all(r.cell("art20_1", "normative_docs", c) is None for c in ("issued", "repealed", "in_force"))
    p = next(p for p in r.problems if p.kind == "ambiguous_split" and p.row == "normative_docs")
    assert "possible readings" in p.message and "(16, 4, 640)" in p.message
    assert ("art20_1", "normative_docs", "issued") in r.unreadable()


def test_a_number_the_text_states_chooses_between_cuts() -> None:
    r = extract(_glued(docs="5416", narrative="本年制定规范性文件5件，现行有效的规范性文件16件。\n"),
                filename="r.txt", segment=False)
    assert [r.value("art20_1", "normative_docs", c) for c in ("issued", "repealed", "in_force")] == [5, 4, 16]
    assert any(p.kind == "split_by_statement" for p in r.problems)


def test_a_cut_no_identity_confirms_is_not_made() -> None:
    # 191000019 in seven cells: 19|1|0|0|0|0|19, 1|9|10|…: none keeps the row's total, and the
    # outcome rows of this excerpt do not close R3, so nothing may choose
    r = extract(_glued(granted="191000019"), filename="r.txt", segment=False)
    assert r.cell("applications", "granted", "total") is None
    assert ("applications", "granted", "natural_person") in r.unreadable()


def test_negative_numbers_only_in_the_change_column() -> None:
    toks = [NumToken("88"), NumToken("720", sign="-")]
    pl = place(toks, 3, None, [False, True, False], columns=("prev_count", "change", "decisions"), careful=False)
    assert pl.values[0] == 88 and pl.values[1] is UNREAD and pl.values[2] is UNREAD  # -7|20 or -72|0
    pl = place([NumToken("8"), NumToken("8"), NumToken("720", sign="-")], 3, None, [False, True, False])
    assert pl.values == [UNREAD] * 3  # -720 cannot be a 处理决定数量


def test_one_stray_byte_damages_only_what_it_touches() -> None:
    data = _glued()
    good = extract(data, filename="r.txt", segment=False)
    at = data.index(b"7000007") if b"7000007" in data else data.index(b"190000019")
    bad = extract(data[:at + 2] + b"\xff" + data[at + 2:], filename="r.txt", segment=False)
    assert bad.meta["encoding"] == "utf-8+replace"
    assert any(p.kind == "damaged_bytes" for p in bad.problems)
    assert bad.cell("applications", "new_received", "total") is None
    assert bad.value("applications", "granted", "total") == good.value("applications", "granted", "total") == 19


def test_a_text_cut_inside_its_last_number_leaves_that_cell_unread() -> None:
    text = ("某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第(一)项 | |||\n"
            "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | 0 | 0 | 0 |\n行政规范性文件 | 3 | 1 | 29")
    whole = extract((text + " |\n").encode(), filename="r.txt", segment=False)
    assert whole.value("art20_1", "normative_docs", "in_force") == 29
    cut = extract(text[:-1].encode(), filename="r.txt", segment=False)  # 29 cut to 2
    assert cut.cell("art20_1", "normative_docs", "in_force") is None
    assert ("art20_1", "normative_docs", "in_force") in cut.unreadable()
    assert any(p.kind == "truncated" and p.row == "normative_docs" for p in cut.problems)
    # the values before the cut stand each between separators, in their columns: certain
    assert (cut.value("art20_1", "normative_docs", "issued"), cut.value("art20_1", "normative_docs", "repealed")) \
        == (3, 1)
    assert cut.value("art20_1", "regulations", "issued") == 0


def test_a_text_cut_after_a_zero_keeps_the_zero_of_a_count() -> None:
    """Real text 020 ends ``6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0`` (the excerpt stops): six
    values of seven cells, each between separators. They are its first six cells; the last is
    whole too, because no count goes on from 0. A last 2 might have been 29: not read."""
    head = ("某局2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |\n"
            "自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n"
            "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
            "二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n")
    zero = extract((head + "三、本年度办理结果 | （一）予以公开 | 1 | 0 | 2 | 0 | 0 | 0").encode(), filename="r.txt",
                   segment=False)
    assert [zero.value("applications", "granted", c) for c in T.APPLICANT_COLUMNS[:6]] == [1, 0, 2, 0, 0, 0]
    assert ("applications", "granted", "total") in zero.unreadable()
    two = extract((head + "三、本年度办理结果 | （一）予以公开 | 1 | 0 | 2").encode(), filename="r.txt", segment=False)
    assert [two.value("applications", "granted", c) for c in T.APPLICANT_COLUMNS[:2]] == [1, 0]
    assert all(("applications", "granted", c) in two.unreadable() for c in T.APPLICANT_COLUMNS[2:])


def test_pipe_rows_without_a_leading_pipe_and_traditional_script() -> None:
    text = ("某鎮2022年政府信息公開工作年度報告\n二、主動公開政府信息情況\n第二十條第(一)項 | |||\n"
            "信息內容 | 本年製發件數 | 本年廢止件數 | 現行有效件數 |\n規章 | 2 | 0 | 2 |\n行政規範性文件 | 0 | 0 | 5 |\n"
            "三、收到和處理政府信息公開申請情況\n")
    r = extract(text.encode(), filename="r.txt", segment=False)
    assert [r.value("art20_1", "regulations", c) for c in ("issued", "repealed", "in_force")] == [2, 0, 2]
    assert r.value("art20_1", "normative_docs", "in_force") == 5


def test_the_blank_national_template_is_not_a_report() -> None:
    path = REAL / "template-2021-blank.docx"
    r = extract(path.read_bytes(), filename=path.name, segment=False)
    assert not is_report(r)
    assert "blank form" in not_report_reason(r)


def test_parse_tells_unread_from_blank_and_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_bytes(_glued(docs="164640"))
    out = subprocess.run([sys.executable, "-m", "nianbao.cli", "parse", str(f)], capture_output=True, text=True, check=False)
    line = next(ln for ln in out.stdout.splitlines() if "art20_1.normative_docs" in ln)
    assert "issued=?" in line
    out = subprocess.run([sys.executable, "-m", "nianbao.cli", "parse", "--json", str(f), str(f)],
                         capture_output=True, text=True, check=False)
    assert [json.loads(ln)["file"] for ln in out.stdout.splitlines()] == [str(f), str(f)]


def test_sections_of_a_page_saved_on_one_line() -> None:
    body = ("本报告由六个部分组成。" * 10 + "一、总体情况2023年，我局主动公开信息312条。二、主动公开政府信息情况"
            + "第二十条" * 3
            + "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：…）四、政府信息公开行政复议、行政诉讼情况"
            + "五、存在的主要问题及改进情况政策解读形式有待丰富。六、其他需要报告的事项本年度没有产生信息公开处理费。")
    r = extract(("某局2023年政府信息公开工作年度报告\n" + body * 1).encode(), filename="r.txt", segment=False)
    assert [s.key for s in r.sections] == [k for k, _, _ in T.SECTIONS]
    assert r.sections[0].text.startswith("2023年，我局")
    assert not any(p.kind == "missing_section" for p in r.problems)


# --- one alignment (the fold of issue 12) -------------------------------------------------------
def test_a_group_heading_beside_an_unknown_row_label_is_not_the_2019_row() -> None:
    """A 2021 tab report whose 3.其他 row is labelled 3.其他情形: the labels joined hold
    （六）其他处理, the 2019 template's single row — a row this report does not have. It must
    not be read (before: its seven cells were read as applications/other, beside other.other)."""
    import random

    from portal.render import LAYOUTS
    from portal.synth import random_report

    for layout in ("tab", "markdown", "cells"):
        text = LAYOUTS[layout](random_report(random.Random(5), "某县某局", 2022))
        assert "3.其他" in text
        r = extract(text.replace("3.其他", "3.其他情形", 1).encode(), filename="r.txt", segment=False)
        assert r.template == "2021"
        assert not any(v is not None for v in r.applications.get("other", {}).values()), layout
        # the row itself is still read, by the stream reader (其他 under （六）, a short remark after it)
        assert r.value("applications", "other.other", "total") is not None, layout


def test_surplus_values_are_placed_only_where_every_way_to_leave_them_out_agrees() -> None:
    """More values than cells, none of them cuttable (between tabs or pipes): the row is read only
    where leaving out any surplus value gives the same reading; the row's total never picks the
    stray value (tab-unplaceable's 0 0 7 0 0 0 1 1 is the agency's to explain)."""
    ident = T.row_identity("applications")

    def toks(text: str) -> list[NumToken]:
        return [NumToken(d, atomic=True, raw=d) for d in text.split()]

    pl = place(toks("0 0 0 0 0 0 0 0"), 7, ident)
    assert (pl.how, pl.values) == ("surplus", [0] * 7)
    for row in ("0 0 7 0 0 0 1 1", "16 0 0 0 0 0 0 16"):
        pl = place(toks(row), 7, ident)
        assert pl.how == "none" and pl.values == [UNREAD] * 7 and pl.problem == "extra_cells", row
    assert place(toks("0 0 0 0 0 0 0 0 0 0"), 7, ident).how == "none"  # more than MAX_SURPLUS


def test_a_numbered_heading_on_its_own_line_is_not_a_value() -> None:
    """Seed 002 (one cell per line): 行政事业性收费 | 0, then a line ``3、 收到和处理…``: the 3 is
    the heading's number, not a second value of the fee row (the stream alone read 0 3 for one
    cell and left the fee unread)."""
    from extract.grammar import MAP
    from extract.stream import LabelRun, ValueRun, runs, tokenize

    text = "\t行政事业性收费\n\t0\n\n\n3、 收到和处理政府信息公开申请情况\n\t申请人情况\n".translate(MAP)
    items = runs(tokenize(text)[0], lambda offset: 0)
    values = [[t.raw for t in it.tokens] for it in items if isinstance(it, ValueRun)]
    assert values == [["0"]]
    assert any(isinstance(it, LabelRun) and it.text.startswith("3.收到和处理") for it in items)


def _art20_1(header: str, template_cue: str = "") -> dict:
    """The 第二十条第（一）项 table of a tab text under ``header`` (its column labels, tab-separated)."""
    text = (f"某局2023年政府信息公开工作年度报告\n{template_cue}二、主动公开政府信息情况\n第二十条第（一）项\n"
            f"信息内容\t{header}\n规章\t1\t2\t3\n行政规范性文件\t4\t5\t6\n").encode()
    r = extract(text, filename="r.txt", segment=False)
    values = {row: [r.value("art20_1", row, c) if r.cell("art20_1", row, c) is not None else "?"
                    for c in ("issued", "repealed", "in_force", "new_made", "new_published", "total_published")]
              for row in ("regulations", "normative_docs")}
    why = sorted({p.message for p in r.problems if p.table == "art20_1"})
    return {"values": values, "why": why, "not_found": [p.message for p in r.problems if p.kind == "missing_table"
                                                          and p.table == "proactive"]}


def test_the_proactive_header_decides_the_columns() -> None:
    """The header's column phrases, folded as they are heard (one pass, however long the text):
    in the template's order they place the row's values; out of order or from both templates,
    nothing is placed by position and the reason is said — the table is not "not found"."""
    got = _art20_1("本年制发件数\t本年废止件数\t现行有效件数")
    assert got["values"]["regulations"][:3] == [1, 2, 3] and got["values"]["normative_docs"][:3] == [4, 5, 6]
    got = _art20_1("本年新制作数量\t本年新公开数量\t对外公开总数量")
    assert got["values"]["regulations"][3:] == [1, 2, 3]
    got = _art20_1("现行有效件数\t本年废止件数\t本年制发件数")
    assert got["values"]["regulations"] == ["?"] * 6
    assert any("in an order other than the template's" in m for m in got["why"]), got
    assert got["not_found"] == []  # the table was found: its cells are unread for that reason, not "not found"
    got = _art20_1("本年制发件数\t本年新公开数量\t现行有效件数")
    assert got["values"]["regulations"] == ["?"] * 6
    assert any("mixes the two templates' columns" in m for m in got["why"]), got


def test_an_amount_in_yuan_is_stored_in_wan_exactly():
    """元 to 万元 moves the decimal point four places: no division, so no rounding at any length."""
    from decimal import Decimal

    from extract.stream import in_wan

    assert [str(in_wan(v)) for v in (3443000, 5000, 10000, 100000000, 1, Decimal("156805947.43"), Decimal("-5000"))] \
        == ["344.3", "0.5", "1", "10000", "0.0001", "15680.594743", "-0.5"]
    long = int("9" * 60 + "12345")
    assert str(in_wan(long)) == "9" * 60 + "1.2345"


def _stream_examples() -> list:
    """Documents of every text and HTML example (the seeds, real texts, adversarial pages)."""
    from extract import read_document, sniff

    root = Path(__file__).parent / "examples" / "extract"
    docs = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (".txt", ".html", ".htm") or not path.is_file():
            continue
        data = path.read_bytes()
        fmt = sniff(data, path.name)
        if fmt in ("text", "html"):
            docs.append((path.name, read_document(data, fmt)[0]))
    return docs


def _result(res) -> tuple:
    cells = {k: (repr(c.value), c.raw, c.where or (res.where_of(c.offset) + c.note if getattr(c, "offset", -1) >= 0
                                                      else getattr(c, "note", "")), getattr(c, "reason", ""))
             for k, c in res.cells.items()}
    return cells, res.problems, res.template_votes, res.skipped


def test_a_stretch_read_from_the_cache_gives_the_tokens_read_from_the_text() -> None:
    """The tokens of a short stretch between value cells are kept by its text (``_STRETCHES``):
    every example reads the same with the cache empty and with it holding every stretch read."""
    from extract import stream
    from extract.tables import detect_template

    docs = _stream_examples()
    assert len(docs) >= 40
    stream._STRETCHES.clear()
    cold = [_result(stream.read_stream(doc, detect_template(doc)[0])) for _, doc in docs]
    kept = len(stream._STRETCHES)
    assert kept > 100  # the stretches were kept...
    warm = [_result(stream.read_stream(doc, detect_template(doc)[0])) for _, doc in docs]
    assert len(stream._STRETCHES) == kept  # ...and the second reading found every one of them there
    for (name, _), a, b in zip(docs, cold, warm):
        assert a == b, name


def test_value_cells_taken_as_made_give_the_runs_the_tokenizer_gives() -> None:
    """``flatten``'s plain cells (a count, or an empty cell) are tokens made without the tokenizer;
    taken whole as a row's list, they must give the runs the tokenizer makes of the same text."""
    from extract.grammar import remap
    from extract.stream import LabelRun, flatten, runs, table_region, tokenize

    compared = 0
    for name, doc in _stream_examples():
        made = []
        for plain in ([], None):
            mixed: list = []
            text, starts, _, ids = flatten(doc, None, plain, mixed)
            mapped = remap(text)
            lo, hi = table_region(mapped)
            bounds = [b for cid in mixed for b in (starts[cid - 1], starts[cid] if cid < len(starts) else len(text))]

            def cell_of(offset: int, starts=starts, ids=ids) -> int:
                from bisect import bisect_right
                return ids[bisect_right(starts, offset) - 1] if starts else 0

            items = runs(tokenize(mapped, lo, hi, plain or ())[0], cell_of, bounds)
            made.append([("L", it.text, tuple(it.origins)) if isinstance(it, LabelRun) else
                         ("V", tuple((t.digits, t.sign, t.frac, t.unit, t.kind, t.raw, t.start, t.end, t.where,
                                      t.atomic) for t in it.tokens)) for it in items])
        assert made[0] == made[1], name
        compared += sum(1 for it in made[0] if it[0] == "V")
    assert compared > 1000
