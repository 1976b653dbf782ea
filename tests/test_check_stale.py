"""``check`` on reports an older extractor read says so (a warning on stderr, counted in the
result) — after an upgrade, findings may open or resolve for the extractor's sake (the 统计期限
that W5 reads is a fact older extractions lack) — and says nothing once ``reextract --stale``
has read them again."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from db.home import Home
from db.models import ReportRow
from tests.conftest import run_cli

SEED = Path(__file__).resolve().parent / "examples" / "extract" / "seeds" / "001_e02f11226f5e83d3.txt"


def test_check_warns_about_reports_an_older_extractor_read(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli(home, "import", str(SEED)).returncode == 0
    fresh = run_cli(home, "check", "--as-of", "2022-06-30")
    assert fresh.returncode in (0, 1), fresh.stderr
    assert "older version of the extractor" not in fresh.stderr, fresh.stderr
    with Home.open(str(home)).session() as s:  # as an upgrade leaves them: read by an older reader
        s.execute(update(ReportRow).values(extractor_version="0"))
        s.commit()
    old = run_cli(home, "check", "--as-of", "2022-06-30")
    assert "warning: 1 reports were read by an older version of the extractor" in old.stderr, old.stderr
    assert "nianbao reextract --stale" in old.stderr
    again = run_cli(home, "reextract", "--stale")
    assert again.returncode == 0, again.stderr
    after = run_cli(home, "check", "--as-of", "2022-06-30")
    assert "older version of the extractor" not in after.stderr, after.stderr
