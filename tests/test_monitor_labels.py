"""A finding names a cell in the words of the report's own template: a 2019 report's 第二十条
row is 规范性文件 and its column 本年新制作数量, a 2021 report's 行政规范性文件 and 本年制发件数 — in
the message a supervisor reads, not only in the evidence."""
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
