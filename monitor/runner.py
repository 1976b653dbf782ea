"""One monitor run: load the view, run every rule family, attach evidence, reconcile with the
stored findings. ``nianbao check`` and the benchmark call :func:`run_check`."""
from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from monitor import rules as R
from monitor.config import MonitorConfig
from monitor.findings import Hit, Scope, build_evidence, sync
from monitor.rules.extraction import note_leaned
from monitor.view import load


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Step:
    name: str
    seconds: float
    rss_mb: float
    peak_mb: float
    hits: int = 0


@dataclass
class RunResult:
    records: list[dict[str, Any]]
    steps: list[Step] = field(default_factory=list)
    reports: int = 0

    @property
    def open_errors(self) -> int:
        return sum(1 for r in self.records if r["status"] == "open" and r["severity"] == "error"
                   and not r["resolved_in_this_run"])


def run_check(s: Session, cfg: MonitorConfig | None = None, *, year: int | None = None,
              province: str | None = None, as_of: date | None = None, now: datetime | None = None,
              families: tuple[str, ...] | None = None, store: Session | None = None) -> RunResult:
    """Check the reports in ``s`` and store the findings (the caller commits). ``store``: a
    second session that stores the findings, so that the long read (``s``) holds no write lock
    and the write is one short transaction."""
    cfg = cfg or MonitorConfig.load()
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    steps: list[Step] = []

    def step(name: str, t0: float, n: int = 0) -> None:
        steps.append(Step(name, time.perf_counter() - t0, rss_mb(), peak_mb(), n))

    t0 = time.perf_counter()
    view = load(s, cfg, year=year, province=province, as_of=as_of)
    step("load", t0)
    hits: list[Hit] = []
    ran: set[str] = set()
    try:
        for name, mod in R.modules():
            if families and name not in families:
                continue
            t0 = time.perf_counter()
            got = mod.check(view, cfg)
            for h in got:
                h.severity = cfg.severity(h.rule)
            hits += got
            ran |= set(mod.RULES)
            step(name, t0, len(got))
        t0 = time.perf_counter()
        note_leaned(view, hits)
        build_evidence(view, hits)
        step("evidence", t0)
        t0 = time.perf_counter()
        scope = Scope(years=None if year is None else {year}, province=province, rules=ran)
        records = sync(store if store is not None else s, view, hits, scope, now)
        step("store", t0, len(records))
    finally:
        view.close()
    return RunResult(records, steps, len(view.reps))
