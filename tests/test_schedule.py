"""The scheduler: its configuration and season cadence, the lock row, and — end to end, in a
subprocess — scheduled crawls of the sample portal followed by check, a digest delivered to a
real SMTP server (aiosmtpd), a SIGKILL and a restart that neither duplicates work nor mail, and a
SIGTERM that stops it cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from db.models import CrawlRun
from db.models_ops import DigestSend, JobLock, JobRun
from db.session import ensure_schema, session
from nianbao.app.schedule import JobSpec, Lock, ScheduleConfig, ScheduleConfigError, recover_abandoned, trigger
from tests.digest_support import Recorder, digest_config, smtp_server

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def fires(spec: JobSpec, cfg: ScheduleConfig, start: datetime, n: int) -> list[str]:
    t, prev, now, out = trigger(spec, cfg), None, start, []
    for _ in range(n):
        nxt = t.get_next_fire_time(prev, now)
        out.append(nxt.strftime("%m-%d %H:%M"))
        prev = now = nxt
    return out


def test_shipped_schedule_denser_in_season():
    cfg = ScheduleConfig.load(ROOT / "config" / "schedule.yaml")
    js = cfg.job("crawl-jiangsu")
    # twice a day until 4月15日, then weekly (Sundays)
    assert fires(js, cfg, datetime(2025, 4, 14, 12, tzinfo=TZ), 4) == ["04-14 13:10", "04-15 01:10", "04-15 13:10",
                                                                       "04-20 01:10"]
    assert fires(js, cfg, datetime(2025, 12, 30, tzinfo=TZ), 3) == ["01-01 01:10", "01-01 13:10", "01-02 01:10"]
    # provinces staggered
    assert fires(cfg.job("crawl-guangdong"), cfg, datetime(2025, 2, 1, tzinfo=TZ), 1) == ["02-01 01:40"]
    # the digest: Monday 08:00 in Shanghai
    assert fires(cfg.job("digest"), cfg, datetime(2025, 2, 5, tzinfo=TZ), 2) == ["02-10 08:00", "02-17 08:00"]


def test_config_errors(tmp_path):
    f = tmp_path / "s.yaml"
    for doc, msg in (({"jobs": [{"id": "a", "kind": "crawl"}]}, "needs cron"),
                     ({"jobs": [{"id": "a", "kind": "crawl", "cron": {"hour": 25}}]}, "job a"),
                     ({"jobs": [{"id": "a", "kind": "mail", "cron": {"hour": 1}}]}, "kind 'mail'"),
                     ({"jobz": []}, "unknown key")):
        f.write_text(yaml.safe_dump(doc), encoding="utf-8")
        with pytest.raises(ScheduleConfigError, match=msg):
            ScheduleConfig.load(f)
    cfg = ScheduleConfig.load(ROOT / "config" / "schedule.yaml")
    with pytest.raises(ScheduleConfigError, match="did you mean crawl-jiangsu"):
        cfg.job("crawl-jiangsu2")


def test_lock_row_is_exclusive_and_expires(tmp_path):
    url = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    ensure_schema(url)
    a, b = Lock(url, "crawl-x", lease=2), Lock(url, "crawl-x", lease=2)
    assert a.acquire()
    assert not b.acquire() and b.holder() == a.owner
    a._stop.set()  # a dies without releasing: no more renewals
    time.sleep(2.5)
    assert b.acquire()  # its lease ran out
    assert not a.acquire()
    b.release()
    assert a.acquire()
    a.release()
    with session(url) as s:
        assert s.scalars(select(JobLock)).all() == []


def test_a_held_lock_is_renewed(tmp_path):
    url = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    ensure_schema(url)
    a = Lock(url, "j", lease=2)
    assert a.acquire()
    time.sleep(3)  # longer than the lease: renewals keep it
    assert not Lock(url, "j", lease=2).acquire()
    a.release()


# ------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def portal():
    from nianbao.cli_demo import start_portal

    server = start_portal()
    yield server
    server.stop()


def _start(home: Path, schedule: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "nianbao.cli", "--home", str(home), "schedule", "run",
                             "--config", str(schedule)], stdout=subprocess.DEVNULL, stderr=open(log, "ab"),
                            env=env, cwd=str(ROOT))


def _wait(pred, timeout: float, what: str, proc=None, log: Path | None = None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.mark.slow
def test_scheduler_crawls_checks_mails_survives_sigkill(tmp_path, portal):
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'nianbao.sqlite'}"
    handler = Recorder()
    ctl, port = smtp_server(handler)
    log = tmp_path / "scheduler.log"
    try:
        dcfg = digest_config(tmp_path / "digest.yaml", port, [{"address": "js@example.org", "provinces": ["江苏"]}])
        crawl = {"id": "crawl-qinghe", "kind": "crawl", "interval": {"seconds": 2},
                 "args": {"site": "sample-js-qinghe", "portal": portal.url, "local": True}}
        digest = {"id": "digest", "kind": "digest", "interval": {"seconds": 3},
                  "args": {"week": "current", "config": str(dcfg)}}
        sched = tmp_path / "schedule.yaml"

        def configure(jobs: list[dict]) -> None:
            sched.write_text(yaml.safe_dump({"timezone": "Asia/Shanghai", "lock_lease": 6, "stop_grace": 30,
                                             "misfire_grace_time": 60, "jobs": jobs}, allow_unicode=True),
                             encoding="utf-8")

        def state():
            if not (home / "nianbao.sqlite").exists():
                return [], [], []
            with session(url) as s:
                runs = s.scalars(select(JobRun).order_by(JobRun.id)).all()
                sends = s.scalars(select(DigestSend)).all()
                crawls = s.scalars(select(CrawlRun)).all()
            return runs, sends, crawls

        def kill_while_running(proc) -> list[int]:
            _wait(lambda: [r for r in state()[0] if r.status == "running"], 120, "a running job", proc, log)
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            return [r.id for r in state()[0] if r.status == "running"]

        killed: list[int] = []
        # 1. crawls (each followed by check), killed hard in the middle of one
        configure([crawl])
        proc = _start(home, sched, log)
        try:
            _wait(lambda: [r for r in state()[0] if r.job_id == "crawl-qinghe" and r.status == "ok"], 300,
                  "a crawl and check", proc, log)
            killed += kill_while_running(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
        # 2. the digest job added; the mail goes out; killed hard again
        configure([crawl, digest])
        proc = _start(home, sched, log)
        try:
            _wait(lambda: [x for x in state()[1] if x.status == "sent"], 240, "the digest sent", proc, log)
            killed += kill_while_running(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
        # 3. restarted: the digest job runs again and again, and mails nothing more; SIGTERM ends it
        n0 = len(state()[0])
        proc = _start(home, sched, log)
        try:
            _wait(lambda: len([r for r in state()[0][n0:] if r.job_id == "digest" and r.status == "ok"]) >= 2,
                  240, "digest runs after the restart", proc, log)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        runs, sends, crawls = state()
    finally:
        ctl.stop()

    # the killed run is marked abandoned, with its reason; nothing is left running or locked
    by_id = {r.id: r for r in runs}
    if os.environ.get("NIANBAO_DEBUG_SCHEDULE"):
        Path(os.environ["NIANBAO_DEBUG_SCHEDULE"]).write_text("\n".join(
            f"{r.id} {r.job_id} {r.status} {r.owner} {r.started_at} {r.finished_at} {r.reason}" for r in runs)
            + f"\nkilled {killed}\n" + log.read_text(encoding="utf-8", errors="replace")[-6000:], encoding="utf-8")
    for rid in killed:
        assert by_id[rid].status == "abandoned" and "killed" in by_id[rid].reason
    assert not [r for r in runs if r.status == "running"]
    with session(url) as s:
        assert s.scalars(select(JobLock)).all() == []
    # one mail, once: the digest ran again and again, before and after the kill
    assert [(x.subscriber, x.status) for x in sends] == [("js@example.org", "sent")]
    assert len(handler.messages) == 1
    assert len([r for r in runs if r.job_id == "digest" and r.status == "ok"]) >= 2
    # a job never overlapped itself: its runs (and the crawl runs they started) follow each other
    for job in ("crawl-qinghe", "digest"):
        spans = sorted((r.started_at, r.finished_at or datetime.max) for r in runs if r.job_id == job)
        for (s1, e1), (s2, _) in zip(spans, spans[1:]):
            assert e1 <= s2 + timedelta(seconds=0), (job, s1, e1, s2)
    cspans = sorted((c.started_at, c.finished_at or c.started_at) for c in crawls if c.status == "finished")
    for (s1, e1), (s2, _) in zip(cspans, cspans[1:]):
        assert e1 <= s2
    # every crawl was followed by check: the crawl jobs that ended ok ran both steps
    ok = [r for r in runs if r.job_id == "crawl-qinghe" and r.status == "ok"]
    assert ok and all([st["step"] for st in r.detail["steps"]] == ["crawl", "check"] for r in ok)
    from email import message_from_bytes, policy

    m = message_from_bytes(handler.messages[0], policy=policy.default)
    assert m["To"] == "js@example.org" and "清河县" in m.get_body(("plain",)).get_content()


def test_recover_abandoned_leaves_live_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    ensure_schema(url)
    now = datetime.utcnow()
    with session(url) as s:
        dead = JobRun(job_id="a", started_at=now, status="running", owner="h:1:x", detail={})
        live = JobRun(job_id="b", started_at=now, status="running", owner="h:2:y", detail={})
        s.add_all([dead, live])
        s.flush()
        s.add(JobLock(job_id="b", owner="h:2:y", acquired_at=now, expires_at=now + timedelta(minutes=5), run_id=live.id))
        s.add(JobLock(job_id="a", owner="h:1:x", acquired_at=now, expires_at=now - timedelta(minutes=5), run_id=dead.id))
        s.commit()
    assert recover_abandoned(url) == 1
    with session(url) as s:
        assert {r.job_id: r.status for r in s.scalars(select(JobRun))} == {"a": "abandoned", "b": "running"}
        assert [r.job_id for r in s.scalars(select(JobLock))] == ["b"]


def test_run_once_and_list(tmp_path):
    """`schedule run-once` runs a job in the foreground with its lock and record; `schedule list`
    shows its last result and its timing as configured."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    sched = tmp_path / "schedule.yaml"
    sched.write_text(yaml.safe_dump({"jobs": [
        {"id": "check-all", "kind": "check", "cron": {"hour": 3, "minute": 5}},
        {"id": "broken", "kind": "command", "cron": {"hour": 4}, "args": {"argv": ["no-such-command"]}}]}),
        encoding="utf-8")
    base = [sys.executable, "-m", "nianbao.cli", "--home", str(tmp_path / "home")]

    def run(*args):
        return subprocess.run(base + list(args), capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)

    ok = run("schedule", "run-once", "check-all", "--config", str(sched))
    assert ok.returncode == 0 and "check-all: ok" in ok.stdout, ok.stderr[-2000:]
    bad = run("schedule", "run-once", "broken", "--config", str(sched))
    assert bad.returncode == 1 and "broken: failed" in bad.stdout
    listed = run("schedule", "list", "--config", str(sched)).stdout
    assert "check-all  [check]" in listed and "last: ok at" in listed
    assert "cron hour=3 minute=5 (Asia/Shanghai)" in listed
    assert "last: failed at" in listed and "step command exited with status 2" in listed
    unknown = run("schedule", "run-once", "check-al", "--config", str(sched))
    assert unknown.returncode != 0 and "did you mean check-all" in unknown.stderr
