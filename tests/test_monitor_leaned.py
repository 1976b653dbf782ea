"""X2: a row whose digits ran together in the document and could be cut into cells only with the
help of an identity (总计 = the parts: R2/R3) or of a number the narrative states (W3). The values
are certain, but the check that chose the cut holds by construction, so the monitor says so once
per report — apart from the agency's findings, never as the agency's error — and the identity is
not reported as broken for those rows.

Real documents: 平潭 pages saved as one line of text (tests/examples/extract/real-text/003 and
008), where the cells of a row run together (``190000019``)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from db.home import Home
from monitor import MonitorConfig, run_check
from nianbao.app.extraction import import_file

REAL_TEXT = Path(__file__).resolve().parent / "examples" / "extract" / "real-text"


def _check(tmp_path: Path, *names: str) -> list[dict]:
    h = Home.open(str(tmp_path / "home"))
    cfg_dir = tmp_path / "config"
    (cfg_dir / "agencies").mkdir(parents=True)
    with h.session() as s:
        for name in names:
            import_file(h, s, REAL_TEXT / f"{name}.txt", {})
            s.commit()
        out = run_check(s, MonitorConfig.load(cfg_dir), as_of=date(2030, 1, 1)).records
        s.commit()
    return [r for r in out if not r["resolved_in_this_run"]]


def test_rows_cut_by_an_identity_are_said_once_and_not_charged(tmp_path: Path) -> None:
    recs = _check(tmp_path, "003", "008")
    x2 = {r["agency"]: r for r in recs if r["rule"] == "X2"}
    assert set(x2) == {"平潭综合实验区自然资源与生态环境局", "平潭综合实验区管委会办公室"}, recs
    a = x2["平潭综合实验区自然资源与生态环境局"]
    assert a["severity"] == "info"
    # the two rows and the identity that chose each cut, named in Chinese
    assert "“本年新收”行（按R2拆分" in a["message"] and "“办理结果总计”行（按R3拆分" in a["message"], a["message"]
    assert "按R3拆分" in a["message"] and "R2、R3对这些行不能说明机关填报无误" in a["message"], a["message"]
    b = x2["平潭综合实验区管委会办公室"]["message"]
    assert "按R2拆分" in b and "按W3拆分" in b, b  # 008's 规范性文件 row was cut by a number the text states
    # the identities that chose the cuts are not reported broken for those agencies
    charged = {(r["rule"], r["evidence"]["subject"]): r for r in recs
               if r["agency"] == "平潭综合实验区自然资源与生态环境局" and r["rule"] in {"R1", "R2", "R3", "R4", "W3"}}
    # the document's own 部分公开 row 8100008 has one reading, 8|1|0|0|0|0|8, which does not add up: the agency's
    # error, said without a caveat; no reading of （七）总计 191000019 adds up either (R2, certain whatever the cut)
    assert set(charged) == {("R2", "applications:partial:*"), ("R2", "applications:total_handled:*"),
                            ("R1", "applications:*:commercial")}, sorted(charged)
    assert "注" not in charged[("R2", "applications:partial:*")]["message"]
    # R1's 商业企业 column cites （七）总计's 1, a value the R3 cut chose, and 本年新收's 0, cut by R2: the flag
    # says it rests on both
    r1 = charged[("R1", "applications:*:commercial")]
    assert "“本年新收”行按R2拆分、“办理结果总计”行按R3拆分——原文数字连写，本条结论以该关系成立为前提" in r1["message"], \
        r1["message"]
    assert r1["evidence"]["leaned_on"] == {"“本年新收”行": "R2", "“办理结果总计”行": "R3"}
