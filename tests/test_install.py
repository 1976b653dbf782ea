"""Issue 11: nianbao installed as a package (not editable) runs from any folder — configuration,
rosters, the sample portal's files and the jieba dictionary travel as package data, and the crawl
child needs no PYTHONPATH or working-directory tricks.

The fresh virtualenv borrows the already installed dependencies (a path entry to the test
environment's site-packages, whose own .pth files — the editable install among them — are not
run), so only nianbao itself is built and installed, from a copy of the checkout."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "data", "__pycache__", "*.egg-info",
                                                             "build", ".pytest_cache"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    p = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
                        str(src)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    shutil.rmtree(src)  # nothing may be read from a checkout
    return venv


def test_installed_nianbao_runs_the_demo_from_another_folder(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import nianbao, config, extract; "
                            "print(nianbao.__file__); print(config.config_dir())"],
                           capture_output=True, text=True, cwd=work)
    assert where.returncode == 0, where.stderr
    assert str(installed) in where.stdout and str(ROOT) not in where.stdout, where.stdout
    p = subprocess.run([str(installed / "bin" / "nianbao"), "--home", str(work / "home"), "demo"],
                       capture_output=True, text=True, cwd=work, timeout=900)
    assert p.returncode == 0, (p.stdout[-2000:], p.stderr[-2000:])
    # the demo end to end (this is the suite's one demo run): its own portal, every sample site,
    # extraction, the truth check, politeness, and every planted problem found by the monitor
    m = re.search(r"truth: (\d+) reports published on 6 sites; found (\d+), with the right publication date (\d+)",
                  p.stdout)
    assert m and m.group(1) == m.group(2) == m.group(3), p.stdout[-2000:]
    assert "requests to other hosts: 0; into robots.txt-disallowed /private/: 0" in p.stdout
    m = re.search(r"planted problems found: (\d+) of (\d+)", p.stdout)
    assert m and m.group(1) == m.group(2), p.stdout[-2000:]
    seg = subprocess.run([str(installed / "bin" / "python"), "-c",
                          "from extract.segment import tokens; print(' '.join(tokens('政府信息公开工作年度报告')))"],
                         capture_output=True, text=True, cwd=work)
    assert seg.returncode == 0 and seg.stdout.strip(), seg.stderr
