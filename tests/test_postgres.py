"""The same pipeline on PostgreSQL: migrations, import, reports and the monitor run unchanged on a
real server started by the test (the schema and queries are portable, not SQLite-only)."""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.snapshots import SEEDS  # copies of ../shared/seeds


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries are not installed (Debian package postgresql; tests/run.sh installs it)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (the test extra installs it)")
    import tempfile

    # outside pytest's private tmp tree: the server process must be able to reach its folder
    data = Path(tempfile.mkdtemp(prefix="nianbao-pg-")) / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: use the postgres account
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
        os.chown(data.parent, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    subprocess.run(run_as + [initdb, "-D", str(data), "-A", "trust", "-U", "nianbao", "-E", "UTF8", "--no-locale"],
                   check=True, capture_output=True, timeout=120)
    log = data.parent / "pg.log"
    subprocess.run(run_as + [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                             f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data.parent}",
                             "start"], check=True, capture_output=True, timeout=90)
    url = f"postgresql+psycopg://nianbao@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data.parent, ignore_errors=True)


def _cli(url: str, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", "--home", str(home), "--db", url, *args],
                          capture_output=True, text=True, timeout=300)


def test_pipeline_and_monitor_on_postgres(pg_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    p = _cli(pg_url, home, "db", "upgrade")
    assert p.returncode == 0, p.stderr
    seeds = sorted(str(x) for x in SEEDS.glob("*.txt"))
    p = _cli(pg_url, home, "import", *seeds)
    assert p.returncode == 0, p.stderr
    p = _cli(pg_url, home, "reports", "--json")
    rows = [json.loads(x) for x in p.stdout.strip().split("\n")]
    assert len(rows) == 5
    r001 = next(r for r in rows if r["agency"] == "老城区人民政府办公室")
    assert r001["applications"]["total_handled"]["total"] == 16
    assert r001["review_litigation"]["litigation_direct"]["corrected"] == 3
    p = _cli(pg_url, home, "check", "--as-of", "2022-06-01", "--json")
    assert p.returncode == 1, p.stderr  # seed 002 breaks R1 and R3
    findings = json.loads(p.stdout)
    hard = sorted({(f["rule"], f["agency"]) for f in findings if f["severity"] == "error"})
    assert hard == [("R1", "吉林市昌邑区政务服务局"), ("R3", "吉林市昌邑区政务服务局")]
    assert any(f["rule"] == "W3" and f["year"] == 2020 for f in findings)
    again = json.loads(_cli(pg_url, home, "check", "--as-of", "2022-06-01", "--json").stdout)
    assert sorted(f["fingerprint"] for f in again) == sorted(f["fingerprint"] for f in findings)
    assert not any(f["new"] for f in again)
