"""Issue 10: killing `nianbao crawl` — the parent, its crawl child, or both, at random moments —
loses nothing. After `nianbao crawl --resume` the reports equal those of an uninterrupted crawl:
documents fetched but not extracted are extracted by the next crawl of the site, whoever died,
and the child does not outlive its parent. Real processes, the real sample portal on 127.0.0.1."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from db.home import Home
from db.models import Document, ReportRow
from nianbao.cli_demo import sample_sites_source

SITE = "sample-gd-dongping"  # the smallest sample site (28 reports)
TRIALS = 10


def _crawl(home: Path, portal, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "nianbao.cli", "--home", str(home), "crawl", "--sites", str(sample_sites_source()),
           "--site", SITE, "--portal", portal.url, "--local", "-s", "DOWNLOAD_DELAY=0.02", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _reports(home: Path) -> set[tuple]:
    with Home.open(home).session() as s:
        pending = s.scalars(select(Document.id).where(Document.extracted.is_(False),
                                                      Document.kind.in_(("detail", "attachment")))).all()
        assert not pending, f"{len(pending)} documents fetched but never extracted"
        return {(r.agency_name, r.year, r.sha256, r.status)
                for r in s.scalars(select(ReportRow).where(ReportRow.is_current.is_(True)))}


def test_kill_parent_child_or_both_then_resume(sample_portal, tmp_path):
    portal = sample_portal
    whole = tmp_path / "whole"
    p = _crawl(whole, portal)
    assert p.wait(timeout=300) == 0
    want = _reports(whole)
    assert len(want) >= 20
    rng = random.Random(20251206)
    outcomes = []
    for trial in range(TRIALS):
        home = tmp_path / f"t{trial}"
        victim = ("parent", "child", "both")[trial % 3]
        p = _crawl(home, portal)
        # wait until the child runs, then a random moment of the crawl (or of the extraction after it)
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while not kids and time.monotonic() < deadline and p.poll() is None:
            kids = [k for k in _children(p.pid) if _alive(k)]
            time.sleep(0.05)
        time.sleep(rng.uniform(0.3, 2.5))
        if victim in ("child", "both"):
            for k in kids:
                if _alive(k):
                    os.kill(k, signal.SIGKILL)
        if victim in ("parent", "both") and p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=120)
        # the child never outlives its parent
        for k in kids:
            for _ in range(100):
                if not _alive(k):
                    break
                time.sleep(0.1)
            assert not _alive(k), f"trial {trial}: the crawl child {k} outlived its parent"
        r = _crawl(home, portal, "--resume")
        assert r.wait(timeout=300) == 0, f"trial {trial} ({victim}): the resumed crawl failed"
        got = _reports(home)
        outcomes.append((victim, p.returncode))
        assert got == want, (f"trial {trial} ({victim}): missing {sorted(want - got)[:3]}, "
                             f"extra {sorted(got - want)[:3]}")
    print("kill trials:", outcomes)
