"""``nianbao crawl``: harvest the portals of ``config/sites/*.yaml``, then extract what was fetched.

Argument parsing and printing only; the work is :func:`nianbao.app.harvest.run_crawls`.
"""
from __future__ import annotations

import sys
import threading
import time

import click

from nianbao.app.harvest import SiteRun, run_crawls, select_sites
from nianbao.app.terminal import safe, safe_line


class StatusLine:
    """A live status line on a terminal; plain progress lines otherwise."""

    def __init__(self, total: int, enabled: bool = True):
        self.total = total
        self.seen: dict[str, SiteRun] = {}
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.lock = threading.Lock()
        self.last = 0.0
        self.reported: set[str] = set()

    def update(self, run: SiteRun) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.seen[run.site.name] = run
            now = time.monotonic()
            final = run.status not in ("crawling", "waiting")
            if not final and now - self.last < (0.2 if self.tty else 5.0):
                return
            self.last = now
            tot = {k: sum(int(r.counts.get(k, 0)) for r in self.seen.values())
                   for k in ("pages", "reports", "errors", "not_modified")}
            done = sum(r.status not in ("crawling", "waiting") for r in self.seen.values())
            active = [r.site.name for r in self.seen.values() if r.status == "crawling"]
            line = (f"[{done}/{self.total} sites] pages {tot['pages']}  reports {tot['reports']}  "
                    f"unchanged(304) {tot['not_modified']}  errors {tot['errors']}"
                    + (f"  | {', '.join(active[:3])}" if active else ""))
            if self.tty:
                sys.stderr.write("\r\x1b[K" + line[:150])
                if final and done == self.total:
                    sys.stderr.write("\n")
            else:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
            if final and run.site.name not in self.reported:
                self.reported.add(run.site.name)
                msg = (f"{run.site.name}: {run.status}" + (f" ({safe(run.error)})" if run.error else "")
                       + f" — {run.counts.get('reports', 0)} reports, {run.counts.get('errors', 0)} errors"
                       + f", {run.seconds:.1f}s")
                sys.stderr.write(("\r\x1b[K" if self.tty else "") + msg + "\n")
                sys.stderr.flush()


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
    header = [safe_line(h) for h in header]
    rows = [[safe_line(x) for x in row] for row in rows]
    pad = lambda s, w: str(s) + " " * (w - width(str(s)))  # noqa: E731
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(pad(x, w) for x, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)




def extraction_progress(show: bool):
    """A per-site progress bar on a terminal while a site's documents are extracted."""
    if not (show and sys.stderr.isatty()):
        return None

    def start(run: SiteRun, total: int):
        if not total:
            return None
        bar = click.progressbar(length=total, label=f"extracting {run.site.name}", file=sys.stderr)
        bar.__enter__()
        seen = [0]

        def each(_outcome: str) -> None:
            bar.update(1)
            seen[0] += 1
            if seen[0] >= total:
                bar.__exit__(None, None, None)
        return each
    return start


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
@click.option("--explain", is_flag=True, help="List, per discovered site, the columns taken and every rejected candidate with its reason.")
@click.pass_obj
def crawl(obj, sites_source, province, names, resume, portal, fast, local, jobs, no_extract, settings, explain) -> None:
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
    from nianbao.app.errors import UserError

    sites = select_sites(sites_source, province, names, portal)
    if not sites:
        raise UserError("no sites to crawl (check --sites / --province / --site)")
    home = obj.home()
    status = StatusLine(len(sites))
    runs = run_crawls(home, sites, sites_source=sites_source, portal=portal, resume=resume,
                      fast="fast" if fast else "local" if local else False,
                      settings=settings, jobs=jobs, extract=not no_extract, on_event=status.update,
                      on_extract=extraction_progress(True))
    click.echo(table(["site", "status", "pages", "reports", "downloads", "304", "errors", "extracted", "time"],
                     summary_rows(runs)))
    from nianbao.cli_sites import crawl_explanations

    for line in crawl_explanations(home, runs, full=explain):
        click.echo(line)
    bad = [r for r in runs if r.status != "finished"]
    for r in bad:
        click.echo(f"{r.site.name}: {r.status}{' — ' + safe(r.error) if r.error else ''}"
                   f" (log: {r.log}; continue with: nianbao crawl --site {r.site.name} --resume)", err=True)
    sys.exit(1 if bad else 0)


COMMANDS = [crawl]
