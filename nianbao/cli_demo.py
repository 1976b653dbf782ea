"""``nianbao demo``: the whole harvest on the bundled sample portal — serve it on 127.0.0.1, crawl
every sample site (config/sites/sample-*.yaml), extract, and show what was found next to what the
portal really publishes."""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

SENTINEL = ".nianbao-demo"


def sample_sites_source() -> Path:
    """config/sites/sample-*.yaml, gathered into one folder the crawl subprocesses can read."""
    from crawler.sites import sites_dir

    return sites_dir()


def load_sample_sites(portal_url: str):
    from crawler.sites import load_file, sites_dir

    sites = []
    for f in sorted(sites_dir().glob("sample-*.yaml")):
        sites.extend(load_file(f, portal_url))
    return sites


def start_portal():
    from portal.server import SamplePortal

    return SamplePortal.build().serve(port=0)


@click.command()
@click.option("--jobs", default=2, show_default=True, help="Sites crawled at the same time.")
@click.option("--keep", is_flag=True, help="Keep the previous demo data (default: start from an empty demo home).")
@click.pass_obj
def demo(obj, jobs: int, keep: bool) -> None:
    """Crawl the bundled sample portal, extract every report and print what was found.

    Serves the sample portal (six government sites on TRS, Hanweb, the Guangdong platform and an
    old hand-made CMS, 2020–2023, GBK and UTF-8, PDF/DOCX/TXT attachments, crawl traps) on
    127.0.0.1, crawls each site in config/sites/sample-*.yaml as `nianbao crawl` would (robots.txt,
    per-site cap, retries, conditional requests — without waiting between requests, since the
    portal is local), extracts the reports and compares them with the portal's truth. Data goes to
    <home>/demo (emptied first).

    \b
    Example:
      nianbao demo
      nianbao --home /tmp/nb demo --jobs 3
    """
    from sqlalchemy import select

    from db.models import Document, ReportRow
    from db.session import ensure_schema
    from db.home import Home
    from nianbao.app.harvest import run_crawls
    from nianbao.cli_crawl import summary_rows, table

    base = obj.home()
    folder = base.home / "demo"
    if folder.exists() and not keep:
        if not (folder / SENTINEL).exists():
            raise click.ClickException(f"{folder} exists and is not a demo folder; move it away or use --keep")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SENTINEL).write_text("data of `nianbao demo`; emptied on every run\n")
    home = Home.open(str(folder), None)
    ensure_schema(home.url)

    t0 = time.monotonic()
    server = start_portal()
    try:
        click.echo(f"sample portal at {server.url}/sites.html", err=True)
        sites = load_sample_sites(server.url)
        if not sites:
            raise click.ClickException("no config/sites/sample-*.yaml: the sample portal's site entries are missing")
        runs = run_crawls(home, sites, sites_source=str(sample_sites_source()), portal=server.url, fast="local",
                          jobs=jobs, extract=True)
        # the portal then revises two reports (the truth's P3 plants) and we crawl again: conditional
        # requests make the re-crawl cheap, and the changed reports are stored as new versions
        server.set_epoch(1)
        click.echo("re-crawling after the portal changed two reports …", err=True)
        recrawl = run_crawls(home, sites, sites_source=str(sample_sites_source()), portal=server.url, fast="local",
                             jobs=jobs, extract=True)
        truth = server.truth
        offsite = [r for r in server.requests if not r[1].startswith("127.0.0.1")]
        private = [r for r in server.requests if r[2].startswith("/private/")]
    finally:
        server.stop()
    elapsed = time.monotonic() - t0

    with home.session() as s:
        rows = s.execute(select(ReportRow, Document).join(Document, ReportRow.document_id == Document.id)
                         .where(ReportRow.status != "not_report")
                         .order_by(Document.site_id, ReportRow.agency_name, ReportRow.year)).all()
        site_of = {r.site.name: r for r in runs}
        from db.models import Site

        names = dict(s.execute(select(Site.id, Site.name)).all())
        table_rows = [[names.get(doc.site_id, "?"), rep.agency_name or "(unknown)", str(rep.year or "?"),
                       rep.template or "?", rep.published.isoformat() if rep.published else "-",
                       rep.status, str(len(rep.problems or []))] for rep, doc in rows]
    click.echo(table(["site", "agency", "year", "template", "published", "status", "problems"], table_rows))
    click.echo("")
    click.echo(table(["site", "status", "pages", "reports", "downloads", "304", "errors", "extracted", "time"],
                     summary_rows(runs)))
    click.echo("")
    click.echo("re-crawl:")
    click.echo(table(["site", "status", "pages", "reports", "downloads", "304", "errors", "extracted", "time"],
                     summary_rows(recrawl)))
    click.echo("")
    want = {(r.agency, r.year): r for r in truth.reports if r.site in site_of}
    got: dict[tuple[str, int], set[str]] = {}
    for rep, _doc in rows:
        got.setdefault((rep.agency_name, rep.year), set()).add(rep.published.isoformat() if rep.published else "")
    found = [k for k in want if k in got]
    right_date = [k for k in found if want[k].published.date().isoformat() in got[k]]
    click.echo(f"truth: {len(want)} reports published on {len(site_of)} sites; found {len(found)}, "
               f"with the right publication date {len(right_date)}; "
               f"{len(rows)} report versions stored (a changed report keeps both)")
    missing = sorted(set(want) - set(found))
    for agency, year in missing[:20]:
        click.echo(f"  missing: {agency} {year} ({want[(agency, year)].url})")
    click.echo(f"requests to other hosts: {len(offsite)}; into robots.txt-disallowed /private/: {len(private)}; "
               f"time {elapsed:.0f}s; data in {folder}")
    _check(home, truth, click.echo)
    bad = [r for r in runs + recrawl if r.status != "finished"]
    sys.exit(1 if bad or missing else 0)


def _check(home, truth, echo) -> None:
    """Run the monitor over what was harvested and hold its findings against the planted problems."""
    from collections import Counter
    from datetime import date

    from nianbao.app.check import check

    last = max(r.year for r in truth.reports)
    result = check(home, as_of=date(last + 1, 12, 31))
    found = Counter(r["rule"] for r in result.records if r["status"] == "open")
    planted = Counter(p.rule for p in truth.problems)
    echo("")
    echo(f"monitor (as of {last + 1}-12-31): " + ", ".join(f"{rule} {n}" for rule, n in sorted(found.items())))
    echo("planted in the portal's truth file: " + ", ".join(f"{rule} {n}" for rule, n in sorted(planted.items())))
    flagged = {(r["agency"], r["year"]) for r in result.records if r["status"] == "open" and r["rule"] not in ("C1", "X1")}
    missed = [p for p in truth.problems if not any((p.agency, y) in flagged for y in (p.years or [p.year]))]
    echo(f"planted problems found: {len(truth.problems) - len(missed)} of {len(truth.problems)}"
         + "".join(f"\n  missed: {p.rule} {p.agency} {p.year}" for p in missed))
    echo("see them with: nianbao --home " + str(home.home) + " check --as-of " + f"{last + 1}-12-31")


COMMANDS = [demo]
