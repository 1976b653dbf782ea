"""Harvesting: crawl sites, one subprocess each, and turn what they fetched into reports.

Every site is crawled by its own subprocess (``python -m crawler.run``: a Twisted reactor cannot
restart in one process), whose JSON-lines standard output feeds ``on_event`` and whose log goes
to ``<home>/logs/``. When a site's crawl ends, every document of that site not yet extracted is
passed through :func:`nianbao.app.extraction.process_document` — so a crawl whose parent was
killed before extracting is caught up by the next crawl of the site, or its ``--resume``.
Used by ``nianbao crawl``, ``nianbao demo`` and the scheduler.
"""
from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from db.home import Home
from nianbao.app.errors import UserError


@dataclass
class SiteRun:
    """One site's crawl as seen from the parent: its config, the child's last counts, the outcome."""

    site: Any  # crawler.sites.SiteConfig
    counts: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    site_id: int | None = None
    status: str = "waiting"  # waiting | crawling | finished | interrupted | failed | error
    returncode: int | None = None
    error: str | None = None
    log: Path | None = None
    seconds: float = 0.0
    extracted: dict[str, int] = field(default_factory=dict)
    resumed: bool = False


def child_command(site_name: str, home: Home, sites_source: str | None, portal: str | None, resume: bool, fast,
                  settings: tuple[str, ...] = ()) -> list[str]:
    """``fast``: False/"polite", True/"fast", or "local" (a portal on this machine)."""
    cmd = [sys.executable, "-m", "crawler.run", "--site", site_name, "--home", str(home.home), "--db", home.url]
    if sites_source:
        cmd += ["--sites", str(Path(sites_source).resolve())]
    if portal:
        cmd += ["--portal", portal]
    if resume:
        cmd.append("--resume")
    if fast is True or fast == "fast":
        cmd.append("--fast")
    elif fast == "local":
        cmd += ["--profile", "local"]
    for s in settings:
        cmd += ["-s", s]
    return cmd


def child_env() -> dict[str, str]:
    """The crawl child's environment: nianbao is an installed package, so nothing but the
    output encoding needs setting."""
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def crawl_site(run: SiteRun, home: Home, sites_source, portal, resume, fast, settings,
               on_event: Callable[[SiteRun], None],
               on_start: Callable[[SiteRun, subprocess.Popen], None] | None = None) -> SiteRun:
    """Run one site's crawl subprocess to the end, following its JSON lines."""
    logs = home.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run.log = logs / f"crawl-{run.site.name}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    run.status = "crawling"
    t0 = time.monotonic()
    with open(run.log, "wb") as log:
        proc = subprocess.Popen(child_command(run.site.name, home, sites_source, portal, resume, fast, settings),
                                stdout=subprocess.PIPE, stderr=log, env=child_env())
        if on_start:
            on_start(run, proc)
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                try:
                    ev = json.loads(raw)
                except ValueError:
                    continue
                run.run_id = ev.get("run_id") or run.run_id
                run.site_id = ev.get("site_id") or run.site_id
                for k, v in ev.items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("run_id", "site_id"):
                        run.counts[k] = v
                if ev.get("event") == "start":
                    run.resumed = bool(ev.get("resumed"))
                if ev.get("event") == "exit":
                    run.status = ev.get("status") or "failed"
                    run.error = ev.get("error")
                    continue
                on_event(run)
            run.returncode = proc.wait()
        except BaseException:
            proc.terminate()  # the parent stops: so does its child (it also watches for that itself)
            raise
    run.seconds = time.monotonic() - t0
    if run.status == "crawling":
        run.status = "failed"
        run.error = run.error or f"the crawl process exited with status {run.returncode}; see {run.log}"
    elif run.returncode == 2 and not run.error:
        run.status = "error"
    on_event(run)
    return run


def site_id_of(home: Home, name: str) -> int | None:
    from sqlalchemy import select

    from db.models import Site

    with home.session() as s:
        return s.scalar(select(Site.id).where(Site.name == name))


def extract_site(home: Home, site_id: int | None, on_each=None) -> dict[str, int]:
    """Extract every document of the site not yet extracted (whichever crawl fetched it)."""
    from nianbao.app.extraction import candidates, extract_documents

    if site_id is None:
        return {}
    with home.session() as s:
        ids = candidates(s, pending=True, site_id=site_id)
    return extract_documents(home, ids, on_each=on_each) if ids else {}


def select_sites(sites_source: str | None, province: str | None, names: tuple[str, ...] | list[str],
                 portal: str | None) -> list:
    """The site entries to crawl. An unknown name is a :class:`UserError` listing close names."""
    from crawler.sites import SiteConfigError, load_sites

    try:
        sites = load_sites(str(Path(sites_source).resolve()) if sites_source else None, portal,
                           include_disabled=bool(names))
    except SiteConfigError as exc:
        raise UserError(str(exc)) from None
    if names:
        by_name = {s.name: s for s in sites}
        missing = [n for n in names if n not in by_name]
        if missing:
            hints = []
            for n in missing:
                close = difflib.get_close_matches(n, list(by_name), n=3, cutoff=0.5)
                hints.append(f"{n!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
            known = ", ".join(sorted(by_name)[:12]) + (" …" if len(by_name) > 12 else "")
            raise UserError(f"no site named {'; '.join(hints)}; known sites: {known}", hint="--site")
        sites = [by_name[n] for n in names]
    if province:
        sites = [s for s in sites if s.province == province]
    return sites


def run_crawls(home: Home, sites, *, sites_source=None, portal=None, resume=False, fast=False, settings=(), jobs=1,
               extract=True, on_event: Callable[[SiteRun], None] | None = None,
               on_extract: Callable[[SiteRun, int], Callable[[str], None] | None] | None = None) -> list[SiteRun]:
    """Crawl ``sites`` (``jobs`` subprocesses at a time), extracting each site's documents when its
    crawl ends (and, first, what an interrupted earlier crawl of the site left unextracted)."""
    from db.session import ensure_schema

    ensure_schema(home.url)  # once, here: parallel children must not race to create the schema
    runs = [SiteRun(site=s) for s in sites]
    notify = on_event or (lambda _run: None)
    queue = list(runs)
    lock = threading.Lock()
    finished: list[SiteRun] = []

    if extract:
        for r in runs:  # recovery: documents fetched by a crawl whose parent died before extracting them
            sid = site_id_of(home, r.site.name)
            if sid is not None:
                for k, v in extract_site(home, sid).items():
                    r.extracted[k] = r.extracted.get(k, 0) + v

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                run = queue.pop(0)
            crawl_site(run, home, sites_source, portal, resume, fast, settings, notify)
            with lock:
                finished.append(run)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(jobs, len(runs))))]
    for t in threads:
        t.start()
    done: set[str] = set()
    while any(t.is_alive() for t in threads) or len(done) < len(finished):
        with lock:
            ready = [r for r in finished if r.site.name not in done]
        for r in ready:
            done.add(r.site.name)
            if extract:
                sid = r.site_id or site_id_of(home, r.site.name)
                from nianbao.app.extraction import candidates

                with home.session() as s:
                    n = len(candidates(s, pending=True, site_id=sid)) if sid is not None else 0
                each = on_extract(r, n) if on_extract else None
                for k, v in extract_site(home, sid, on_each=each).items():
                    r.extracted[k] = r.extracted.get(k, 0) + v
        if not ready:
            time.sleep(0.1)
    for t in threads:
        t.join()
    return runs
