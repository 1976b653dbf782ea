"""`nianbao import` stores documents as a crawl would: raw bytes under their sha256, a document
row, a report with its cells (value, raw text, location) and sections; overrides win."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from sqlalchemy import func, inspect, select

from db.models import CellRow, Document, ReportRow, SectionRow
from db.session import engine, session, upgrade
from portal.render import render_html, render_tab
from portal.synth import random_report


from tests.conftest import run_cli as _cli


def test_upgrade_creates_every_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    upgrade(url)
    names = set(inspect(engine(url)).get_table_names())
    assert {"agencies", "sites", "documents", "reports", "cells", "sections", "findings", "crawl_runs"} <= names


def test_import_stores_raw_bytes_rows_and_overrides(tmp_path: Path) -> None:
    rep = random_report(random.Random(1), "某县财政局", 2022)
    html = render_html(rep).encode("gb18030")
    a = tmp_path / "a.html"
    a.write_bytes(html)
    b = tmp_path / "b.txt"
    b.write_text(render_tab(random_report(random.Random(2), "某镇人民政府", 2021)), encoding="utf-8")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)))
    home = tmp_path / "home"
    p = _cli(home, "import", str(a), str(b), str(junk))
    assert p.returncode == 2, p.stderr  # junk fails, the rest is stored
    assert "junk.bin" in p.stderr and "Traceback" not in p.stderr
    sha = hashlib.sha256(html).hexdigest()
    assert (home / "raw" / sha[:2] / sha[2:4] / sha).read_bytes() == html
    p = _cli(home, "import", str(a), "--agency", "某县财政局（改）", "--year", "2021", "--published", "2022-01-20",
             "--url", "http://www.example.gov.cn/a.html")
    assert p.returncode == 0, p.stderr
    s = session(f"sqlite:///{home / 'nianbao.sqlite'}")
    assert s.scalar(select(func.count()).select_from(Document)) == 4
    reports = s.scalars(select(ReportRow).order_by(ReportRow.id)).all()
    assert [r.status for r in reports] == ["ok", "ok", "failed", "ok"]
    first = reports[0]
    assert (first.agency_name, first.year, first.template) == ("某县财政局", 2022, "2021")
    last = reports[-1]
    assert (last.agency_name, last.year, last.published.isoformat()) == ("某县财政局（改）", 2021, "2022-01-20")
    assert last.document.url == "http://www.example.gov.cn/a.html"
    cell = s.scalar(select(CellRow).where(CellRow.report_id == first.id, CellRow.table_key == "applications",
                                          CellRow.row_key == "new_received", CellRow.column_key == "total"))
    assert int(cell.value_text) == rep["applications"]["new_received"]["total"]
    assert cell.raw == str(rep["applications"]["new_received"]["total"]) and cell.location.startswith("table")
    fee = s.scalar(select(CellRow).where(CellRow.report_id == first.id, CellRow.table_key == "art20_8"))
    assert fee.value_text == str(rep["proactive"]["art20_8"]["fees"]["amount"])
    keys = s.scalars(select(SectionRow.key).where(SectionRow.report_id == first.id)).all()
    assert sorted(keys) == sorted(["preamble", "general", "proactive", "applications", "review_litigation",
                                   "problems", "other"])
    s.close()
    p = _cli(home, "reports", "--json")
    rows = [json.loads(x) for x in p.stdout.strip().split("\n")]
    ok = [r for r in rows if r["status"] == "ok" and r["agency"] == "某县财政局"]
    assert ok[0]["applications"]["new_received"]["total"] == rep["applications"]["new_received"]["total"]
    p = _cli(home, "reports")
    assert "某镇人民政府" in p.stdout and p.returncode == 0


def test_every_command_is_documented_with_an_example() -> None:
    from nianbao.cli import main

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield path, cmd

    for path, cmd in walk(main, []):
        assert cmd.help and "Example" in cmd.help, f"nianbao {' '.join(path)} has no example in its help"
