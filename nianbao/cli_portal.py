"""``nianbao portal``: serve the local sample portal and print its truth."""
from __future__ import annotations

import json

import click


@click.group()
def portal() -> None:
    """The sample portal: a generated set of government sites on 127.0.0.1 with a known truth."""


@portal.command()
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--epoch", type=int, default=0, show_default=True,
              help="Content epoch: 1 serves the P3 reports changed after publication.")
def serve(port: int, host: str, epoch: int) -> None:
    """Serve the sample portal until Ctrl-C.

    Six sites (TRS, Hanweb, the Guangdong platform, an old hand-made site) carry the reports of
    63 agencies for 2020–2023, with the problems listed by `nianbao portal truth` planted.
    /sites.html lists the sites; config/sites/sample-*.yaml points crawls at them.

    \b
    Example:
      nianbao portal serve --port 8765
      nianbao crawl --province 江苏 --portal http://127.0.0.1:8765
    """
    from portal.server import SamplePortal

    server = SamplePortal.build().serve(port=port, host=host, epoch=epoch)
    click.echo(f"sample portal at {server.url}/sites.html (epoch {epoch}); Ctrl-C stops it")
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@portal.command()
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object: agencies, reports, problems.")
def truth(as_json: bool) -> None:
    """Print the portal's truth: agencies, reports and the planted problems.

    \b
    Example:
      nianbao portal truth
      nianbao portal truth --json | jq '.problems[] | select(.rule == "P2")'
    """
    from portal.truth import load_truth

    t = load_truth()
    if as_json:
        click.echo(json.dumps(_as_json(t), ensure_ascii=False, default=str))
        return
    s = t.summary()
    click.echo(f"{s['agencies']} agencies, {s['reports']} reports for {min(t.years)}–{max(t.years)}, "
               f"{s['clean']} clean agency-years")
    click.echo("formats: " + ", ".join(f"{k} {v}" for k, v in s["by_format"].items()))
    for site in t.sites.values():
        click.echo(f"  {site.id:20} {site.platform:10} {site.encoding:6} {s['by_site'].get(site.id, 0)} reports")
    click.echo("planted problems:")
    for p in t.problems:
        click.echo(f"  {p.id:14} {p.rule}  {p.agency} {p.year}  {p.note}")


def _as_json(t) -> dict:
    return {
        **t.summary(),
        "agencies": [a.__dict__ for a in t.agencies],
        "reports": [{"agency": r.agency, "year": r.year, "template": r.template, "published": r.published.isoformat(),
                     "format": r.format, "site": r.site, "url": r.url, "attachment": r.attachment,
                     "list_pages": r.list_pages, "changed_in_epoch_1": r.changed is not None} for r in t.reports],
        "problems": [{"id": p.id, "rule": p.rule, "agency": p.agency, "year": p.year, "years": list(p.years),
                      "note": p.note, "cells": [c.__dict__ for c in p.cells], **p.detail} for p in t.problems],
        "clean": sorted([list(k) for k in t.clean]),
    }


COMMANDS = [portal]
