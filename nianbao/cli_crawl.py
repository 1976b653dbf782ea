"""``nianbao crawl``: harvest the portals of ``config/sites/*.yaml``, then extract what was fetched.

Every site is crawled by its own subprocess (``python -m crawler.run``: a Twisted reactor cannot
restart in one process), whose JSON-lines standard output feeds the progress line here and whose
log goes to ``<home>/logs/``. After a site's crawl, its newly fetched detail pages and
attachments are extracted with ``nianbao.pipeline.extract_document``, so the reports are in the
database when the command ends.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click

from nianbao.paths import ROOT


@dataclass
class SiteRun:
    """One site's crawl as seen from the parent: its config, the child's last counts, the outcome."""

    site: Any  # crawler.sites.SiteConfig
    counts: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    status: str = "waiting"  # waiting | crawling | finished | interrupted | failed | error
    returncode: int | None = None
    error: str | None = None
    log: Path | None = None
    seconds: float = 0.0
    extracted: dict[str, int] = field(default_factory=dict)
    resumed: bool = False


def child_command(site_name: str, home, sites_source: str | None, portal: str | None, resume: bool, fast,
                  settings: tuple[str, ...] = ()) -> list[str]:
    """``fast``: False/"polite", True/"fast", or "local" (a portal on this machine)."""
    cmd = [sys.executable, "-m", "crawler.run", "--site", site_name, "--home", str(home.home), "--db", home.url]
    if sites_source:
        cmd += ["--sites", str(sites_source)]
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
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def crawl_site(run: SiteRun, home, sites_source, portal, resume, fast, settings, on_event: Callable[[SiteRun], None],
               on_start: Callable[[SiteRun, subprocess.Popen], None] | None = None) -> SiteRun:
    """Run one site's crawl subprocess to the end, following its JSON lines."""
    logs = home.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run.log = logs / f"crawl-{run.site.name}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    run.status = "crawling"
    t0 = time.monotonic()
    with open(run.log, "wb") as log:
        proc = subprocess.Popen(child_command(run.site.name, home, sites_source, portal, resume, fast, settings),
                                stdout=subprocess.PIPE, stderr=log, env=child_env(), cwd=str(ROOT))
        if on_start:
            on_start(run, proc)
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            run.run_id = ev.get("run_id") or run.run_id
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
    run.seconds = time.monotonic() - t0
    if run.status == "crawling":
        run.status = "failed"
        run.error = run.error or f"the crawl process exited with status {run.returncode}; see {run.log}"
    elif run.returncode == 2 and not run.error:
        run.status = "error"
    on_event(run)
    return run


def extract_run(home, run: SiteRun, progress: bool = True) -> dict[str, int]:
    """Extract the documents this crawl run fetched (detail pages and attachments not yet
    extracted). Attachments go first; a detail page that is only a cover for them ("全文详见附件":
    no tables of its own while an attachment has them) is recorded as ``not_report``, so each
    report is counted once."""
    from sqlalchemy import func, select

    from db.models import CellRow, Document
    from nianbao.pipeline import extract_document

    counts: dict[str, int] = {}
    if run.run_id is None:
        return counts
    with home.session() as s:
        docs = s.scalars(select(Document).where(Document.crawl_run_id == run.run_id, Document.extracted.is_(False),
                                                Document.sha256.is_not(None),
                                                Document.kind.in_(("detail", "attachment")))).all()
        docs.sort(key=lambda d: (d.kind != "attachment", d.id))
        store = home.store
        rows = {}
        it = docs
        bar = None
        if progress and docs:
            bar = click.progressbar(docs, label=f"extracting {run.site.name}", file=sys.stderr)
            it = bar.__enter__()
        try:
            for doc in it:
                rows[doc.id] = extract_document(s, store, doc, agency_attrs=run.site.agency_attrs)
                # one commit per document: on SQLite the write lock is held from the first flush to
                # the commit, and a crawl subprocess writing to the same file must not wait on a
                # batch of slow PDF extractions (it gives up after busy_timeout)
                s.commit()
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)

        def cells(row) -> int:
            return s.scalar(select(func.count()).select_from(CellRow).where(
                CellRow.report_id == row.id, CellRow.value.is_not(None))) or 0

        covers: dict[str, list[str]] = {}
        for doc in docs:
            row = rows.get(doc.id)
            if doc.kind == "attachment" and doc.parent_url and row is not None and row.status in ("ok", "problems") \
                    and cells(row):
                covers.setdefault(doc.parent_url, []).append(doc.url)
        for doc in docs:
            row = rows.get(doc.id)
            if doc.kind != "detail" or row is None or row.status not in ("ok", "problems"):
                continue
            files = covers.get(doc.final_url or doc.url) or covers.get(doc.url)
            if files and not cells(row):
                row.status = "not_report"
                row.error = "a cover page: the report is its attachment " + ", ".join(files)
        for row in rows.values():
            key = row.status if row is not None else "missing"
            counts[key] = counts.get(key, 0) + 1
        s.commit()
    run.extracted = counts
    return counts


def select_sites(sites_source: str | None, province: str | None, names: tuple[str, ...], portal: str | None):
    from crawler.sites import load_sites

    sites = load_sites(sites_source, portal, include_disabled=bool(names))
    if names:
        by_name = {s.name: s for s in sites}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise click.BadParameter(f"no site named {', '.join(missing)}", param_hint="--site")
        sites = [by_name[n] for n in names]
    if province:
        sites = [s for s in sites if s.province == province]
    return sites


class StatusLine:
    """A live status line on a terminal; plain progress lines otherwise."""

    def __init__(self, runs: list[SiteRun], enabled: bool = True):
        self.runs = runs
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.lock = threading.Lock()
        self.last = 0.0
        self.reported: set[str] = set()

    def update(self, run: SiteRun) -> None:
        if not self.enabled:
            return
        with self.lock:
            now = time.monotonic()
            final = run.status not in ("crawling", "waiting")
            if not final and now - self.last < (0.2 if self.tty else 5.0):
                return
            self.last = now
            tot = {k: sum(int(r.counts.get(k, 0)) for r in self.runs)
                   for k in ("pages", "reports", "errors", "not_modified")}
            done = sum(r.status not in ("crawling", "waiting") for r in self.runs)
            active = [r.site.name for r in self.runs if r.status == "crawling"]
            line = (f"[{done}/{len(self.runs)} sites] pages {tot['pages']}  reports {tot['reports']}  "
                    f"unchanged(304) {tot['not_modified']}  errors {tot['errors']}"
                    + (f"  | {', '.join(active[:3])}" if active else ""))
            if self.tty:
                sys.stderr.write("\r\x1b[K" + line[:150])
                if final and done == len(self.runs):
                    sys.stderr.write("\n")
            else:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
            if final and run.site.name not in self.reported:
                self.reported.add(run.site.name)
                msg = (f"{run.site.name}: {run.status}" + (f" ({run.error})" if run.error else "")
                       + f" — {run.counts.get('reports', 0)} reports, {run.counts.get('errors', 0)} errors"
                       + f", {run.seconds:.1f}s")
                sys.stderr.write(("\r\x1b[K" if self.tty else "") + msg + "\n")
                sys.stderr.flush()


def run_crawls(home, sites, *, sites_source=None, portal=None, resume=False, fast=False, settings=(), jobs=1,
               extract=True, show=True) -> list[SiteRun]:
    """Crawl ``sites`` (``jobs`` subprocesses at a time), extracting each site's documents when its
    crawl ends. Used by ``nianbao crawl`` and ``nianbao demo``."""
    from db.session import ensure_schema

    ensure_schema(home.url)  # once, here: parallel children must not race to create the schema
    runs = [SiteRun(site=s) for s in sites]
    status = StatusLine(runs, enabled=show)
    queue = list(runs)
    lock = threading.Lock()
    finished: list[SiteRun] = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                run = queue.pop(0)
            crawl_site(run, home, sites_source, portal, resume, fast, settings, status.update)
            with lock:
                finished.append(run)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(jobs, len(runs))))]
    for t in threads:
        t.start()
    extracted: set[str] = set()
    while any(t.is_alive() for t in threads) or len(extracted) < len(finished):
        with lock:
            ready = [r for r in finished if r.site.name not in extracted]
        for r in ready:
            extracted.add(r.site.name)
            if extract and r.run_id is not None:
                extract_run(home, r, progress=show and sys.stderr.isatty())
        if not ready:
            time.sleep(0.1)
    for t in threads:
        t.join()
    return runs


def summary_rows(runs: list[SiteRun]) -> list[list[str]]:
    rows = []
    for r in runs:
        c, e = r.counts, r.extracted
        rows.append([r.site.name, r.status, str(c.get("pages", 0)), str(c.get("reports", 0)),
                     str(c.get("downloads", 0)), str(c.get("not_modified", 0)), str(c.get("errors", 0)),
                     " ".join(f"{k} {v}" for k, v in sorted(e.items())) or "-", f"{r.seconds:.1f}s"])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    widths = [max(width(str(x)) for x in col) for col in zip(header, *rows)] if rows else [width(h) for h in header]
    pad = lambda s, w: str(s) + " " * (w - width(str(s)))  # noqa: E731
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(pad(x, w) for x, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


@click.command()
@click.option("--sites", "sites_source", type=click.Path(exists=True),
              help="A site YAML file or folder (default config/sites/).")
@click.option("--province", help="Only the sites of this province (the file's `province:`).")
@click.option("--site", "names", multiple=True, help="Only this site (repeatable).")
@click.option("--resume", is_flag=True, help="Continue each site's last unfinished crawl run (after a kill).")
@click.option("--portal", envvar="NIANBAO_PORTAL", help="Base URL for {portal} in site configs (the sample portal).")
@click.option("--fast", is_flag=True, help="Politeness off: for benchmarks against the local sample portal only.")
@click.option("--local", is_flag=True, help="The portal runs on this machine: no delays between requests "
                                             "(robots.txt, per-site cap and retries stay).")
@click.option("--jobs", default=1, show_default=True, help="Sites crawled at the same time (one process each).")
@click.option("--no-extract", is_flag=True, help="Only fetch and store; extract later with `nianbao reextract --pending`.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting for the crawl.")
@click.pass_obj
def crawl(obj, sites_source, province, names, resume, portal, fast, local, jobs, no_extract, settings) -> None:
    """Harvest government portals listed in config/sites/*.yaml and extract their reports.

    Each site is crawled politely (robots.txt, AutoThrottle, two requests at a time per site, retries with
    backoff) by a subprocess; every response is kept unedited in the raw store and recorded as a document
    (errors too). A second crawl asks only for what changed (If-None-Match / If-Modified-Since); a crawl
    that was killed continues with --resume. Logs go to <home>/logs/.

    \b
    Examples:
      nianbao crawl --province 江苏
      nianbao crawl --site sample-js-huaining --portal http://127.0.0.1:8765
      nianbao crawl --sites config/sites/jiangsu.yaml --jobs 2
      nianbao crawl --site huaian-gov --resume
    """
    from crawler.sites import SiteConfigError

    try:
        sites = select_sites(sites_source, province, names, portal)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc))
    if not sites:
        raise click.ClickException("no sites to crawl (check --sites / --province / --site)")
    home = obj.home()
    from db.session import ensure_schema

    ensure_schema(home.url)
    runs = run_crawls(home, sites, sites_source=sites_source, portal=portal, resume=resume,
                      fast="fast" if fast else "local" if local else False,
                      settings=settings, jobs=jobs, extract=not no_extract)
    click.echo(table(["site", "status", "pages", "reports", "downloads", "304", "errors", "extracted", "time"],
                     summary_rows(runs)))
    bad = [r for r in runs if r.status != "finished"]
    for r in bad:
        click.echo(f"{r.site.name}: {r.status}{' — ' + r.error if r.error else ''}"
                   f" (log: {r.log}; continue with: nianbao crawl --site {r.site.name} --resume)", err=True)
    sys.exit(1 if bad else 0)


COMMANDS = [crawl]
