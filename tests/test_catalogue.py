"""The rule catalogue is the one list of rules: the rule modules, the configuration's validation,
``nianbao check --help`` and the README read it. And the coverage family (C2–C5) on real crawl
rows in SQLite: findings about a site, stable across runs, resolved when the site recovers."""
from __future__ import annotations

import ast
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import catalogue
from monitor.config import MonitorConfig, MonitorConfigError
from monitor.rules import modules

ROOT = Path(__file__).resolve().parent.parent


def test_every_family_emits_exactly_its_catalogue_rules():
    """Each module's RULES is its catalogue entries, and the ids a module's source passes to
    ``Hit(...)`` are among them: no rule is emitted by two families (X1 has one owner)."""
    owners: dict[str, set[str]] = {}
    for name, mod in modules():
        assert tuple(mod.RULES) == catalogue.family_rules(name)
        tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
        emitted = {n.args[0].value for n in ast.walk(tree)
                   if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Hit"
                   and n.args and isinstance(n.args[0], ast.Constant)}
        assert emitted <= set(mod.RULES), (name, emitted - set(mod.RULES))
        for r in emitted:
            owners.setdefault(r, set()).add(name)
        # ids passed through a variable (the hard rules) still appear as literals in the module
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and re.fullmatch(r"[A-Z]\d", n.value)}
        assert set(mod.RULES) <= emitted | named, (name, set(mod.RULES) - emitted - named)
    assert {r: o for r, o in owners.items() if len(o) > 1} == {}
    assert owners["X1"] == {"extraction"}


def test_readme_rule_table_is_the_catalogue():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert catalogue.readme_table() in text, "regenerate with: python -m monitor.catalogue"


def test_catalogue_entries_are_complete():
    for r in catalogue.RULES:
        assert re.fullmatch(r"[A-Z]\d", r.id)
        assert r.severity in catalogue.SEVERITIES and r.kind in catalogue.KIND
        assert r.title and re.search(r"[\u4e00-\u9fff]", r.description)
        # C and X: what nianbao could not look at or read — never the agency's fault
        assert r.agency_fault == (r.id[0] not in "CX"), r.id
        if not r.agency_fault:
            assert "不是机关的错误" in r.description


def test_config_rejects_unknown_rule_ids_with_a_hint(tmp_path):
    (tmp_path / "monitor.yaml").write_text("severity:\n  R1: error\n  W7: warning\n", encoding="utf-8")
    with pytest.raises(MonitorConfigError) as e:
        MonitorConfig.load(tmp_path)
    msg = str(e.value)
    assert "unknown rule 'W7'" in msg and "did you mean W6" in msg and "\n" not in msg
    (tmp_path / "monitor.yaml").write_text("severity:\n  R1: fatal\n", encoding="utf-8")
    with pytest.raises(MonitorConfigError, match="'fatal' is not one of error, warning, info"):
        MonitorConfig.load(tmp_path)
    (tmp_path / "monitor.yaml").write_text("covrage:\n  stale_days: 3\n", encoding="utf-8")
    with pytest.raises(MonitorConfigError, match="did you mean coverage"):
        MonitorConfig.load(tmp_path)
    (tmp_path / "monitor.yaml").write_text("severity:\n  C3: warning\n", encoding="utf-8")
    cfg = MonitorConfig.load(tmp_path)
    assert cfg.severity("C3") == "warning" and cfg.severity("C2") == "info" and cfg.severity("R1") == "error"


def test_shipped_config_names_every_rule():
    cfg = MonitorConfig.load(ROOT / "config")
    assert set(cfg["severity"]) == set(catalogue.ids())


def test_check_help_lists_the_catalogue():
    import click

    from nianbao import cli

    group = next(g for g in (getattr(cli, "cli", None), cli.main) if isinstance(g, click.Group))
    out = CliRunner().invoke(group, ["check", "--help"]).output
    for line in catalogue.help_lines():
        assert line in out


# ------------------------------------------------------------------------------ coverage
def _site(s, name: str, province: str = "测试省"):
    from db.models import Site

    site = Site(name=name, province=province, platform="generic", config={"region": "某县", "region_code": "329901"})
    s.add(site)
    s.flush()
    return site


def _run(s, site, started: datetime, status: str = "finished", reports: int = 0, ok: int = 0, errors: int = 0,
         error: str = "ConnectionRefusedError: Connection was refused by other side: 111"):
    from db.models import CrawlRun, Document

    run = CrawlRun(site_id=site.id, started_at=started, finished_at=started + timedelta(minutes=5), status=status,
                   stats={"reports": reports, "pages": ok})
    s.add(run)
    s.flush()
    for n in range(ok):
        s.add(Document(url=f"http://127.0.0.1/{site.name}/{run.id}/{n}", fetched_at=started, http_status=200,
                       kind="list", site_id=site.id, crawl_run_id=run.id, sha256="0" * 64, meta={}))
    for n in range(errors):
        s.add(Document(url=f"http://127.0.0.1/{site.name}/{run.id}/e{n}", fetched_at=started, http_status=None,
                       kind="list", site_id=site.id, crawl_run_id=run.id, error=error, meta={}))
    s.flush()
    return run


def check(s, cfg: MonitorConfig, **kw) -> list[dict]:
    from monitor import run_check

    recs = run_check(s, cfg, **kw).records
    s.commit()
    return recs


def current(records: list[dict], rules: set[str]) -> list[dict]:
    return [r for r in records if not r["resolved_in_this_run"] and r["rule"] in rules]


def test_coverage_findings_about_sites(tmp_path):
    from db.session import session

    cfg = MonitorConfig.load(tmp_path)  # the defaults
    t0 = datetime(2025, 3, 1, 8)
    with session(f"sqlite:///{tmp_path / 'nb.sqlite'}") as s:
        dead, empty, shrunk, stale, fine = (_site(s, n) for n in ("dead", "empty", "shrunk", "stale", "fine"))
        _run(s, dead, t0, reports=12, ok=20)
        _run(s, dead, t0 + timedelta(days=7), status="finished", ok=0, errors=3)  # every fetch refused
        _run(s, empty, t0 + timedelta(days=7), reports=0, ok=2)
        _run(s, shrunk, t0, reports=40, ok=50)
        _run(s, shrunk, t0 + timedelta(days=7), reports=9, ok=12)
        _run(s, stale, t0 - timedelta(days=30), reports=5, ok=6)
        _run(s, stale, t0 + timedelta(days=7), status="failed", ok=0, errors=1, error="DNSLookupError: no such host")
        _run(s, fine, t0, reports=10, ok=12)
        _run(s, fine, t0 + timedelta(days=7), reports=10, ok=12, errors=1)
        s.commit()
        recs = current(check(s, cfg, as_of=date(2025, 3, 10)), rules={"C2", "C3", "C4", "C5"})
        got = sorted((r["rule"], r["evidence"]["site"]) for r in recs)
        assert got == [("C2", "empty"), ("C3", "dead"), ("C3", "stale"), ("C4", "shrunk"), ("C5", "stale")], got
        by = {(r["rule"], r["evidence"]["site"]): r for r in recs}
        c3 = by[("C3", "dead")]
        assert c3["severity"] == "info" and c3["agency_id"] is None and c3["year"] is None
        assert "3/3个请求返回错误" in c3["message"] and "ConnectionRefusedError" in c3["message"]
        assert c3["evidence"]["province"] == "测试省"
        assert "找到9份报告" in by[("C4", "shrunk")]["message"] and "40份" in by[("C4", "shrunk")]["message"]
        assert "DNSLookupError" in by[("C3", "stale")]["message"]
        assert "最近一次成功抓取为2025-01-30" in by[("C5", "stale")]["message"]
        assert not [r for r in recs if r["rule"] in ("P1", "C1")]

        # the same state again: the same findings (stable fingerprints), none new
        again = current(check(s, cfg, as_of=date(2025, 3, 10)), rules={"C2", "C3", "C4", "C5"})
        assert sorted(r["fingerprint"] for r in again) == sorted(r["fingerprint"] for r in recs)
        assert not [r for r in again if r["new"]]

        # the dead site recovers: its C3 resolves
        _run(s, dead, t0 + timedelta(days=8), reports=12, ok=20)
        s.commit()
        third = check(s, cfg, as_of=date(2025, 3, 10))
        resolved = [(r["rule"], r["evidence"]["site"]) for r in third if r["resolved_in_this_run"]]
        assert resolved == [("C3", "dead")]
