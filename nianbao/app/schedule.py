"""nianbao runs itself: scheduled crawls (then extraction and check) and the weekly digest.

APScheduler 3 keeps the schedule in nianbao's own database (``SQLAlchemyJobStore``, table
``apscheduler_jobs``), so a restart keeps it; ``config/schedule.yaml`` says what it should be.

* Every step runs as a subprocess (``python -m nianbao.cli …``): a Scrapy crawl cannot restart
  in one process, and a step killed half-way leaves only what its own transactions committed.
  A child dies with the scheduler (``PR_SET_PDEATHSIG``), so no orphan runs on unlocked.
* A job never overlaps itself and two schedulers on one database never run the same job twice:
  a run first takes the job's row in ``job_locks`` (an INSERT the primary key arbitrates, on
  SQLite and PostgreSQL alike) with a lease that a thread renews while the job runs. A scheduler
  killed with SIGKILL stops renewing: its lease expires and the job is free again; its run is
  marked ``abandoned`` by the next scheduler that starts.
* Missed runs after downtime are coalesced into one, if no later than ``misfire_grace_time``.
* A failed step is recorded in ``job_runs`` with its reason (the end of its output) and the job
  is simply tried again at its next run.
* SIGTERM: the running step gets SIGTERM too and ``stop_grace`` seconds to finish (a crawl
  closes cleanly and can be resumed); after that it is killed. Either way the run is recorded
  (``ok``/``failed`` if it finished, ``abandoned`` if not) and its lock released.
* Publication season (``season``, default 1月1日–4月15日, when the 1-31 and 3-31 deadlines fall):
  a job's ``season_cron`` applies then, its ``cron`` the rest of the year.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from db.models_ops import JobLock, JobRun
from db.session import session

log = logging.getLogger("nianbao.schedule")
KINDS = ("crawl", "check", "digest", "command")
ABANDONED = "the scheduler running it stopped without finishing it (killed?): its lock lease expired"


class ScheduleConfigError(ValueError):
    """schedule.yaml cannot be used; one line."""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ---------------------------------------------------------------------------- configuration
@dataclass
class JobSpec:
    id: str
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    cron: dict[str, Any] | None = None
    season_cron: dict[str, Any] | None = None
    interval: dict[str, Any] | None = None  # for tests and odd deployments: {seconds: 30}
    check_after: bool = True  # crawl jobs: run `check` after the crawl

    @property
    def fingerprint(self) -> str:
        """Changes when the job's definition changes (then the stored job is replaced)."""
        raw = json.dumps([self.kind, self.args, self.cron, self.season_cron, self.interval, self.check_after],
                         sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class ScheduleConfig:
    jobs: list[JobSpec]
    timezone: str = "Asia/Shanghai"
    season: tuple[str, str] = ("01-01", "04-15")
    misfire_grace_time: int = 3600
    lock_lease: int = 900
    stop_grace: int = 60
    max_workers: int = 2
    source: str = ""

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "ScheduleConfig":
        if path is None:
            from config import config_path

            path = config_path("schedule.yaml")
        p = Path(path)
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ScheduleConfigError(f"{p}: cannot read: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ScheduleConfigError(f"{p}: not valid YAML: {str(exc).splitlines()[0]}") from None
        src = str(p)
        known = {"timezone", "season", "misfire_grace_time", "lock_lease", "stop_grace", "max_workers", "jobs"}
        bad = set(doc) - known
        if bad:
            raise ScheduleConfigError(f"{src}: unknown key(s) {', '.join(sorted(bad))} (known: {', '.join(sorted(known))})")
        jobs, seen = [], set()
        for n, j in enumerate(doc.get("jobs") or []):
            jid = str((j or {}).get("id") or "")
            if not jid or jid in seen:
                raise ScheduleConfigError(f"{src}: job {n + 1}: {'missing' if not jid else 'duplicate'} id {jid!r}")
            seen.add(jid)
            kind = j.get("kind")
            if kind not in KINDS:
                raise ScheduleConfigError(f"{src}: job {jid}: kind {kind!r} is not one of {', '.join(KINDS)}")
            extra = set(j) - {"id", "kind", "args", "cron", "season_cron", "interval", "check_after"}
            if extra:
                raise ScheduleConfigError(f"{src}: job {jid}: unknown key(s) {', '.join(sorted(extra))}")
            if not (j.get("cron") or j.get("interval")):
                raise ScheduleConfigError(f"{src}: job {jid}: needs cron (or interval)")
            spec = JobSpec(jid, kind, dict(j.get("args") or {}), j.get("cron"), j.get("season_cron"), j.get("interval"),
                           bool(j.get("check_after", True)))
            jobs.append(spec)
        season = doc.get("season") or {}
        cfg = cls(jobs, str(doc.get("timezone", "Asia/Shanghai")),
                  (str(season.get("start", "01-01")), str(season.get("end", "04-15"))),
                  int(doc.get("misfire_grace_time", 3600)), int(doc.get("lock_lease", 900)),
                  int(doc.get("stop_grace", 60)), int(doc.get("max_workers", 2)), src)
        for spec in jobs:
            trigger(spec, cfg)  # every cron expression is checked now, not at 3 a.m.
        return cfg

    def job(self, job_id: str) -> JobSpec:
        for j in self.jobs:
            if j.id == job_id:
                return j
        import difflib

        close = difflib.get_close_matches(job_id, [j.id for j in self.jobs], n=1)
        raise ScheduleConfigError(f"no job {job_id!r} in {self.source}" + (f" (did you mean {close[0]}?)" if close else ""))


def _season_parts(start: str, end: str) -> list[dict[str, str]]:
    """Cron fields (month, day) covering start..end (MM-DD, within one year)."""
    (m1, d1), (m2, d2) = (tuple(int(x) for x in s.split("-")) for s in (start, end))
    if (m1, d1) > (m2, d2):
        raise ScheduleConfigError(f"season {start}..{end} must lie within one calendar year")
    if m1 == m2:
        return [{"month": str(m1), "day": f"{d1}-{d2}"}]
    parts = [{"month": str(m1), "day": f"{d1}-31"}] if d1 > 1 else [{"month": str(m1), "day": "*"}]
    if m2 - m1 > 1:
        parts.append({"month": f"{m1 + 1}-{m2 - 1}", "day": "*"})
    parts.append({"month": str(m2), "day": f"1-{d2}"})
    return parts


def _off_season_parts(start: str, end: str) -> list[dict[str, str]]:
    (m1, d1), (m2, d2) = (tuple(int(x) for x in s.split("-")) for s in (start, end))
    parts: list[dict[str, str]] = []
    if (m1, d1) > (1, 1):
        parts += _season_parts("01-01", f"{m1:02d}-{d1 - 1:02d}" if d1 > 1 else f"{m1 - 1:02d}-31")
    if (m2, d2) < (12, 31):
        parts += _season_parts(f"{m2:02d}-{d2 + 1:02d}" if d2 < 31 else f"{m2 + 1:02d}-01", "12-31")
    return parts


def trigger(spec: JobSpec, cfg: ScheduleConfig):
    """The APScheduler trigger of a job: its interval, or its cron — in season its season_cron."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    try:
        if spec.interval:
            return IntervalTrigger(timezone=cfg.timezone, **spec.interval)
        if not spec.season_cron:
            return CronTrigger(timezone=cfg.timezone, **spec.cron)
        fields = [dict(spec.season_cron, **p) for p in _season_parts(*cfg.season)]
        fields += [dict(spec.cron, **p) for p in _off_season_parts(*cfg.season)]
        return OrTrigger([CronTrigger(timezone=cfg.timezone, **f) for f in fields])
    except (TypeError, ValueError) as exc:
        raise ScheduleConfigError(f"{cfg.source}: job {spec.id}: {exc}") from None


# ---------------------------------------------------------------------------- locks
class Lock:
    """The job's row in ``job_locks``, held with a lease that a thread renews."""

    def __init__(self, url: str, job_id: str, lease: int):
        self.url, self.job_id, self.lease = url, job_id, lease
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        now = _now()
        with session(self.url, migrate=False) as s:
            try:
                s.add(JobLock(job_id=self.job_id, owner=self.owner, acquired_at=now,
                              expires_at=now + timedelta(seconds=self.lease)))
                s.commit()
                got = True
            except IntegrityError:
                s.rollback()
                old = s.get(JobLock, self.job_id)
                got = False
                if old is not None and old.expires_at < now:
                    # its holder stopped renewing (killed): take over, and close the run it left
                    old_owner, old_run = old.owner, old.run_id  # read before the UPDATE refreshes ``old``
                    res = s.execute(update(JobLock).where(JobLock.job_id == self.job_id, JobLock.owner == old_owner,
                                                          JobLock.expires_at < now)
                                    .values(owner=self.owner, acquired_at=now,
                                            expires_at=now + timedelta(seconds=self.lease), run_id=None))
                    got = res.rowcount == 1
                    if got and old_run is not None:
                        s.execute(update(JobRun).where(JobRun.id == old_run, JobRun.status == "running")
                                  .values(status="abandoned", finished_at=now, reason=ABANDONED))
                s.commit()
        if got:
            self._thread = threading.Thread(target=self._renew, daemon=True, name=f"lease-{self.job_id}")
            self._thread.start()
        return got

    def holder(self) -> str | None:
        with session(self.url, migrate=False) as s:
            row = s.get(JobLock, self.job_id)
            return row.owner if row else None

    def set_run(self, run_id: int) -> None:
        with session(self.url, migrate=False) as s:
            s.execute(update(JobLock).where(JobLock.job_id == self.job_id, JobLock.owner == self.owner)
                      .values(run_id=run_id))
            s.commit()

    def _renew(self) -> None:
        while not self._stop.wait(max(1.0, self.lease / 3)):
            try:
                with session(self.url, migrate=False) as s:
                    res = s.execute(update(JobLock).where(JobLock.job_id == self.job_id, JobLock.owner == self.owner)
                                    .values(expires_at=_now() + timedelta(seconds=self.lease)))
                    s.commit()
                if res.rowcount != 1:
                    log.error("job %s: lost its lock (lease expired and taken over)", self.job_id)
                    return
            except Exception as exc:  # noqa: BLE001 - a busy database delays a renewal, it does not end the job
                log.warning("job %s: could not renew its lock: %s", self.job_id, exc)

    def release(self) -> None:
        self._stop.set()
        with session(self.url, migrate=False) as s:
            s.execute(delete(JobLock).where(JobLock.job_id == self.job_id, JobLock.owner == self.owner))
            s.commit()


# ---------------------------------------------------------------------------- running a job
class Runner:
    """Runs jobs (one subprocess step at a time per job) and stops them on SIGTERM."""

    def __init__(self, home: str, url: str, cfg: ScheduleConfig):
        self.home, self.url, self.cfg = home, url, cfg
        self.stopping = threading.Event()
        self._procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    # the commands of a job's steps
    def steps(self, spec: JobSpec, now: datetime | None = None) -> list[tuple[str, list[str]]]:
        base = [sys.executable, "-m", "nianbao.cli", "--home", self.home, "--db", self.url]
        a = spec.args
        if spec.kind == "crawl":
            cmd = base + ["crawl"]
            for p in _list(a.get("province")):
                cmd += ["--province", str(p)]
            for s in _list(a.get("site")) + _list(a.get("sites_named")):
                cmd += ["--site", str(s)]
            if a.get("sites"):
                cmd += ["--sites", str(a["sites"])]
            if a.get("portal"):
                cmd += ["--portal", str(a["portal"])]
            if a.get("local"):
                cmd.append("--local")
            if a.get("jobs"):
                cmd += ["--jobs", str(a["jobs"])]
            out = [("crawl", cmd)]
            if spec.check_after:
                out.append(("check", self._check_cmd(base, a)))
            return out
        if spec.kind == "check":
            return [("check", self._check_cmd(base, a))]
        if spec.kind == "digest":
            from nianbao.app.digest_data import previous_week, week_of

            week = str(a.get("week") or "last")
            if week == "last":
                week = previous_week(now)
            elif week == "current":
                from nianbao.app.digest_data import TZ

                week = week_of((now or datetime.now(timezone.utc)).astimezone(TZ).date())
            cmd = base + ["digest", "--week", week]
            if a.get("config"):
                cmd += ["--config", str(a["config"])]
            return [("digest", cmd)]
        return [("command", base + [str(x) for x in _list(a.get("argv"))])]

    @staticmethod
    def _check_cmd(base: list[str], a: dict[str, Any]) -> list[str]:
        cmd = base + ["check", "--json"]
        if a.get("province"):
            cmd += ["--province", str(_list(a["province"])[0])] if len(_list(a["province"])) == 1 else []
        return cmd

    def run(self, spec: JobSpec) -> str:
        """Run ``spec`` once if its lock can be had: "ok", "failed", "abandoned" or "skipped"."""
        lock = Lock(self.url, spec.id, self.cfg.lock_lease)
        if not lock.acquire():
            log.info("job %s: skipped, running elsewhere (%s)", spec.id, lock.holder())
            return "skipped"
        status, reason, detail = "failed", None, {"steps": []}
        try:
            with session(self.url, migrate=False) as s:
                run = JobRun(job_id=spec.id, started_at=_now(), status="running", owner=lock.owner, detail={})
                s.add(run)
                s.commit()
                run_id = run.id
            lock.set_run(run_id)
            log.info("job %s: run %d started", spec.id, run_id)
            status = "ok"
            for name, cmd in self.steps(spec):
                if self.stopping.is_set():
                    status, reason = "abandoned", f"stopped (SIGTERM) before step {name}"
                    break
                code, tail, secs = self._step(spec.id, cmd)
                detail["steps"].append({"step": name, "exit": code, "seconds": round(secs, 1)})
                if self.stopping.is_set() and code != 0:
                    status, reason = "abandoned", f"stopped (SIGTERM) during step {name}"
                    break
                # `check` exits 1 when it found open errors: that is its answer, not a failure
                if code != 0 and not (name == "check" and code == 1):
                    status, reason = "failed", f"step {name} exited with status {code}: {tail}"
                    break
        except Exception as exc:  # noqa: BLE001 - recorded, and the job runs again at its next time
            status, reason = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", spec.id)
        finally:
            try:
                with session(self.url, migrate=False) as s:
                    s.execute(update(JobRun).where(JobRun.owner == lock.owner, JobRun.job_id == spec.id)
                              .values(status=status, reason=reason, finished_at=_now(), detail=detail))
                    s.commit()
            finally:
                lock.release()
        log.info("job %s: %s%s", spec.id, status, f" — {reason}" if reason else "")
        return status

    def _step(self, job_id: str, cmd: list[str]) -> tuple[int, str, float]:
        t0 = time.monotonic()
        logs = Path(self.home) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / f"job-{job_id}-{time.strftime('%Y%m%d-%H%M%S')}.log"
        with open(path, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if "--json" in cmd else out, stderr=out,
                                    preexec_fn=_die_with_parent, env=_child_env())
            with self._lock:
                self._procs[job_id] = proc
            try:
                code = proc.wait()
            finally:
                with self._lock:
                    self._procs.pop(job_id, None)
        tail = " ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:])[-500:]
        return code, f"{tail} (log: {path})", time.monotonic() - t0

    def stop(self) -> None:
        """SIGTERM: pass it on to running steps; kill those still running after ``stop_grace``."""
        self.stopping.set()
        with self._lock:
            procs = list(self._procs.values())
        for p in procs:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.cfg.stop_grace
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("step pid %d did not stop within %ds: killed", p.pid, self.cfg.stop_grace)
                p.kill()


def _list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """The step gets SIGTERM when the scheduler dies (even by SIGKILL): no orphan crawl keeps
    running after the scheduler's lock lease has expired."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# ---------------------------------------------------------------------------- the scheduler
def job_entry(job_id: str, home: str, url: str, config_path: str, fp: str = "") -> None:
    """What APScheduler calls (by reference, from the job store): run the job with this
    process's runner (``fp``, the definition's fingerprint, only tells a changed job apart)."""
    runner = _RUNNER.get("runner")
    if runner is None or runner.stopping.is_set():
        return
    runner.run(runner.cfg.job(job_id))


_RUNNER: dict[str, Runner] = {}


def recover_abandoned(url: str) -> int:
    """Mark the runs left ``running`` by a scheduler that died (no live lock for them)."""
    now = _now()
    with session(url, migrate=False) as s:
        live = {r.run_id for r in s.scalars(select(JobLock).where(JobLock.expires_at >= now)) if r.run_id}
        stale = [r for r in s.scalars(select(JobRun).where(JobRun.status == "running")) if r.id not in live]
        for r in stale:
            r.status, r.finished_at = "abandoned", now
            r.reason = ABANDONED
        s.execute(delete(JobLock).where(JobLock.expires_at < now))
        s.commit()
    return len(stale)


def make_scheduler(url: str, cfg: ScheduleConfig):
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from db.session import engine

    return BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine(url))},
                               executors={"default": ThreadPoolExecutor(cfg.max_workers)},
                               job_defaults={"coalesce": True, "max_instances": 1,
                                             "misfire_grace_time": cfg.misfire_grace_time},
                               timezone=cfg.timezone)


def sync_jobs(sched, cfg: ScheduleConfig, home: str, url: str) -> None:
    """Make the stored schedule what the configuration says, keeping the next run time of every
    unchanged job (so a run missed while nianbao was down is still due, and coalesced)."""
    wanted = {j.id: j for j in cfg.jobs}
    for job in sched.get_jobs():
        if job.id not in wanted:
            log.info("job %s: no longer configured, removed", job.id)
            job.remove()
    for spec in cfg.jobs:
        kwargs = {"job_id": spec.id, "home": home, "url": url, "config_path": cfg.source, "fp": spec.fingerprint}
        job = sched.get_job(spec.id)
        if job is not None and job.kwargs.get("fp") == spec.fingerprint:
            continue
        sched.add_job(job_entry, trigger(spec, cfg), id=spec.id, name=f"{spec.kind} {spec.id}",
                      kwargs=kwargs, replace_existing=True)


def serve(home: str, url: str, cfg: ScheduleConfig) -> int:
    """``nianbao schedule run``: run until SIGTERM/SIGINT."""
    runner = Runner(home, url, cfg)
    _RUNNER["runner"] = runner
    n = recover_abandoned(url)
    if n:
        log.warning("%d run(s) left running by a stopped scheduler marked abandoned", n)
    sched = make_scheduler(url, cfg)
    sched.start(paused=True)
    sync_jobs(sched, cfg, home, url)
    done = threading.Event()

    def on_signal(signum, _frame) -> None:
        log.info("%s: finishing or abandoning the running steps", signal.Signals(signum).name)
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sched.resume()
    for job in sched.get_jobs():
        log.info("job %s: next run %s", job.id, job.next_run_time)
    done.wait()
    sched.pause()
    runner.stop()
    sched.shutdown(wait=True)
    return 0


def describe(spec: JobSpec, cfg: ScheduleConfig) -> str:
    """The job's timing as the configuration says it (the combined trigger is unreadable)."""
    def fields(d: dict[str, Any]) -> str:
        return " ".join(f"{k}={v}" for k, v in d.items())

    if spec.interval:
        return f"every {fields(spec.interval)}"
    if spec.season_cron:
        return (f"{cfg.season[0]}..{cfg.season[1]}: cron {fields(spec.season_cron)}; "
                f"otherwise: cron {fields(spec.cron or {})} ({cfg.timezone})")
    return f"cron {fields(spec.cron or {})} ({cfg.timezone})"


def status(url: str, cfg: ScheduleConfig) -> list[dict[str, Any]]:
    """``nianbao schedule list``: each configured job, its last run and its next run."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from db.session import engine

    store = SQLAlchemyJobStore(engine=engine(url))
    store.start(None, "default")  # type: ignore[arg-type]
    stored = {j.id: j for j in store.get_all_jobs()}
    out = []
    with session(url, migrate=False) as s:
        for spec in cfg.jobs:
            last = s.scalars(select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.id.desc()).limit(1)).first()
            job = stored.get(spec.id)
            out.append({"id": spec.id, "kind": spec.kind, "trigger": describe(spec, cfg),
                        "next_run": job.next_run_time.isoformat(timespec="minutes") if job and job.next_run_time else None,
                        "last_status": last.status if last else None,
                        "last_started": last.started_at.isoformat(timespec="seconds") if last else None,
                        "last_reason": last.reason if last else None,
                        "stored": job is not None})
    return out
