"""Label variants, value forms, narrative, and bad input: a clear error, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from extract import ExtractError, extract
from extract.labels import norm, strip_numbering
from extract.values import parse_value

ROW = "三、本年度办理结果\t（三）不予公开\t{label}\t1\t0\t0\t0\t0\t0\t1\t"
HEAD = ("某局2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t申请人情况\t\t\t\t\t\t总计\n"
        "本年制发件数\t本年废止件数\t现行有效件数\n")


def _row_key(label: str) -> str | None:
    r = extract((HEAD + ROW.format(label=label) + "\n").encode(), filename="x.txt", segment=False)
    hits = [k for k in r.applications if r.value("applications", k, "total") == 1]
    return hits[0] if len(hits) == 1 else None


@pytest.mark.parametrize("label, key", [
    ("1.属于国家秘密", "denied.state_secret"),
    ("1、属于国家秘密", "denied.state_secret"),
    ("１．属于国家秘密", "denied.state_secret"),
    ("2.其他法律法规禁止公开", "denied.law_prohibited"),
    ("3.危及“三安全 一稳定”", "denied.three_safety"),
    ("3.危及\"三安全一稳", "denied.three_safety"),
    ("4.保护第三方合法权宜", "denied.third_party"),
    ("5.属于三类内部 事务信息", "denied.internal_affairs"),
    ("8.属于行政查询事宜", "denied.query_matter"),  # a typo, clearly closest to one label
    ("9.属于其他情形", None),  # close to no label: not guessed
    ("7.属于行政执法案卷", "denied.enforcement_file"),
])
def test_label_variants(label: str, key: str | None) -> None:
    assert _row_key(label) == key


def test_label_normalisation() -> None:
    assert norm("（二）部分 公开") == "(二)部分公开"
    assert strip_numbering(norm("（六）其它处理")) == "其他处理"
    assert strip_numbering(norm("1、本机关不掌握")) == "本机关不掌握"


@pytest.mark.parametrize("raw, value", [
    ("16", 16), ("１６", 16), (" 3 ", 3), ("1,234", 1234), ("+1036", 1036), ("-26524", -26524),
    ("96171.6", Decimal("96171.6")), ("190.457379", Decimal("190.457379")), ("0.0000", Decimal("0.0000")),
    ("", None), ("/", None), ("-", None), ("—", None), ("\u00a0", None), ("16件", 16),
])
def test_values_are_read_as_written(raw: str, value) -> None:
    ok, got = parse_value(raw)
    assert ok and got == value and type(got) is type(value)


@pytest.mark.parametrize("raw", ["约5", "十六", "16?", "1.2.3"])
def test_unreadable_values_are_not_guessed(raw: str) -> None:
    assert parse_value(raw) == (False, None)


def test_sixth_other_row_only_under_other_group() -> None:
    text = HEAD + "三、本年度办理结果\t（六）其他处理\t1.申请人无正当理由逾期不补正\t0\t0\t0\t0\t0\t0\t0\t\n" \
                  "三、本年度办理结果\t\t3.其他\t2\t0\t0\t0\t0\t0\t2\t\n"
    r = extract(text.encode(), filename="x.txt", segment=False)
    assert r.value("applications", "other.other", "total") == 2


def test_narrative_facts() -> None:
    text = ("某区人民政府办公室2023年政府信息公开工作年度报告\n一、总体情况\n"
            "2023年共收到政府信息公开申请25件，上年结转3件。因政府信息公开被申请行政复议2件，"
            "其中结果纠正1件；提起行政诉讼4件。全年主动公开政府信息1200条。\n二、主动公开政府信息情况\n")
    r = extract(text.encode(), filename="x.txt")
    facts = {(f.kind, f.value) for f in r.facts}
    assert {("applications_received", 25), ("applications_carried_over", 3), ("review_total", 2),
            ("review_corrected", 1), ("litigation_total", 4), ("proactive_published", 1200)} <= facts
    sec = r.sections[0]
    assert sec.key == "general" and sec.tokens and "政府信息公开" in sec.tokens
    assert sec.keywords


def test_combined_review_litigation_fact_is_not_double_counted() -> None:
    r = extract("一、总体情况\n本年度被依法申请行政复议、行政诉讼的案件为6件。\n".encode(), filename="x.txt")
    assert [(f.kind, f.value) for f in r.facts] == [("review_litigation_total", 6)]


@pytest.mark.parametrize("data, kind", [
    (b"", "empty"), (b"   \n\n", "empty"), (bytes(range(256)) * 8, "binary"),
    (b"%PDF-1.4 truncated", None), (b"PK\x03\x04garbage", None),
])
def test_bad_input_is_a_clear_error(data: bytes, kind: str | None) -> None:
    with pytest.raises(ExtractError) as exc:
        extract(data, filename="x.bin")
    assert exc.value.message
    if kind:
        assert exc.value.kind == kind


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_parse_cli_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.dat").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "note.txt").write_text("会议通知\n请各单位按时参加。\n", encoding="utf-8")
    full = "某局2022年政府信息公开工作年度报告\n一、总体情况\n" + "正文。\n"
    (tmp_path / "truncated.txt").write_text(full, encoding="utf-8")
    for name, code in (("empty.txt", 2), ("bin.dat", 2), ("note.txt", 2), ("truncated.txt", 1)):
        p = _cli("parse", str(tmp_path / name))
        assert p.returncode == code, (name, p.stdout, p.stderr)
        assert "Traceback" not in p.stderr
        if code == 2:
            assert name in p.stderr


def test_parse_json_schema(tmp_path: Path) -> None:
    import json
    import random

    from portal.render import render_html
    from portal.synth import random_report

    rep = random_report(random.Random(5), "某县财政局", 2023)
    (tmp_path / "r.html").write_text(render_html(rep), encoding="utf-8")
    p = _cli("parse", "--json", str(tmp_path / "r.html"), str(tmp_path / "r.html"))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().split("\n")
    assert len(lines) == 2
    d = json.loads(lines[0])
    assert set(d) >= {"agency", "year", "template", "title", "applications", "review_litigation", "proactive",
                      "sections", "problems"}
    assert d["applications"]["new_received"]["total"] == rep["applications"]["new_received"]["total"]
    assert set(d["review_litigation"]) == {"review", "litigation_direct", "litigation_after_review"}
    assert set(d["sections"][0]) == {"key", "title", "keywords", "facts"}


def test_a_number_of_thousands_of_digits_is_one_unread_cell_not_a_failed_document() -> None:
    """A cell of 5,000 digits made extract() fail with Python's int-conversion limit (found by the
    speed review): the document is read, that cell is a value that is not a number."""
    text = ("某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第(一)项\n"
            "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t" + "7" * 5000 + "\t0\t0\n"
            "行政规范性文件\t3\t1\t29\n")
    r = extract(text.encode(), filename="r.txt", segment=False)
    assert ("art20_1", "regulations", "issued") in r.unreadable()
    assert r.value("art20_1", "normative_docs", "in_force") == 29
    assert parse_value("7" * 5000) == (False, None)
    story = ("某局2022年政府信息公开工作年度报告\n一、总体情况\n本年度共收到政府信息公开申请" + "7" * 5000
             + "件，主动公开政府信息12条。\n")
    facts = extract(story.encode(), filename="r.txt").facts  # a narrative number of 5,000 digits states nothing
    assert not [f for f in facts if f.kind == "applications_received"]
