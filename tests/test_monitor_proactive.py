"""How the monitor names and treats 第二十条 cells: in the words of the report's own template (a
2019 report's row is 规范性文件 and its column 本年新制作数量, a 2021 report's 行政规范性文件 and
本年制发件数 — in the message a supervisor reads, not only in the evidence), and as unread, not
blank, when the 第二十条 tables were not found at all."""
from __future__ import annotations

import random
from pathlib import Path

from portal.synth import random_report
from tests.monitor_support import check, config, current, home, load_report


def test_r5_names_the_cell_as_each_template_prints_it(tmp_path: Path) -> None:
    h = home(tmp_path)
    s = h.session()
    rng = random.Random(5)
    old = random_report(rng, "某县甲局", 2020, template="2019")
    old["proactive"]["art20_1"]["normative_docs"]["new_made"] = -1
    new = random_report(rng, "某县乙局", 2022, template="2021")
    new["proactive"]["art20_1"]["normative_docs"]["issued"] = -1
    load_report(h, s, tmp_path, old)
    load_report(h, s, tmp_path, new)
    recs = current(check(s, config(tmp_path)), rules={"R5"})
    s.close()
    by_agency = {r["agency"]: r["message"] for r in recs}
    assert "第二十条第（一）项“规范性文件·本年新制作数量”填写为-1" in by_agency["某县甲局"], by_agency
    assert "第二十条第（一）项“行政规范性文件·本年制发件数”填写为-1" in by_agency["某县乙局"], by_agency


def test_proactive_tables_not_found_are_unread_not_blank(tmp_path: Path) -> None:
    """Seed 000 without its section 二: the 第二十条 cells are unread (X1, never W2 on them), not
    blanks the monitor would count as 0; ``parse`` marks them ``?``, not ``·``."""
    from extract import extract
    from extract import template as T
    from nianbao.output import UNREAD_MARK, format_report
    from tests.monitor_support import load_file

    seed = Path(__file__).resolve().parent / "examples" / "extract" / "seeds" / "000_5c62533f5d23ed68.txt"
    lines = seed.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## 二、"))
    end = next(i for i, line in enumerate(lines) if line.startswith("## 三、"))
    cut = tmp_path / "000-no-proactive.txt"
    cut.write_text("\n".join(lines[:start] + lines[end:]) + "\n", encoding="utf-8")
    r = extract(cut.read_bytes(), filename=cut.name, segment=False)
    assert ("missing_table", "proactive") in {(p.kind, p.table) for p in r.problems}
    pro = {(t, row, c) for t, row, c, _ in r.cells() if t in T.PROACTIVE_BY_KEY}
    assert pro and pro <= r.unreadable(), sorted(pro - r.unreadable())[:5]
    shown = format_report(r, cut.name)
    section = shown[shown.index("二、主动公开"):]
    assert UNREAD_MARK in section and "·" not in section.replace("· = blank", ""), section
    h = home(tmp_path)
    s = h.session()
    load_file(h, s, cut)
    recs = current(check(s, config(tmp_path)))
    s.close()
    x1 = [r for r in recs if r["rule"] == "X1"]
    assert x1 and "表格未找到" in x1[0]["message"], recs
    assert not [r for r in recs if r["rule"] in {"W2", "W6", "R5"}], recs


def test_x1_names_a_proactive_row_and_a_cut_it_could_not_make_in_words() -> None:
    """X1 names every place a problem stands as a person finds it in the report: a 第二十条 row by
    its item and label (it printed the keys, art20_8“fees”行), a problem kind in words."""
    from monitor.rules.extraction import describe

    row = describe({"kind": "missing_row", "table": "art20_8", "row": "fees", "where": "tables"}, "2021")
    assert row == "第二十条第（八）项“行政事业性收费”行：表格行未找到（tables）"
    cut = describe({"kind": "ambiguous_split", "table": "review_litigation", "where": "line 10"}, "2021")
    assert cut == "表四（行政复议、行政诉讼情况）：数字连写，拆分方式不唯一（line 10）"
