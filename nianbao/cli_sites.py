"""``nianbao sites discover URL``: propose a site entry for a portal nobody configured yet.

A discovery crawl (the crawler's own subprocess, polite unless ``--local``) starts at the URL —
usually the home page — and walks to the 政府信息公开年报 column; the command prints the entry it
would save (the column found, the platform when the pages show one, list and detail URL
patterns) and what it took and rejected, for a person to review before adding it to
``config/sites/``. Nothing is written to the data home: the crawl runs in a temporary one.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import click


def discover_site(url: str, name: str | None = None, fast: str | bool = False) -> dict:
    """Crawl ``url`` with generic discovery in a temporary home; the proposed entry, the
    explanation and counts."""
    import yaml
    from sqlalchemy import select

    from crawler.discovery.explain import explain_run, propose_entry
    from crawler.sites import load_file
    from db.models import CrawlRun, Document
    from nianbao.app.harvest import run_crawls
    from nianbao.pipeline import Home

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    host = parts.hostname
    name = name or re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")
    with tempfile.TemporaryDirectory(prefix="nianbao-discover-") as tmp:
        src = Path(tmp) / "site.yaml"
        src.write_text(yaml.safe_dump({"sites": [{"name": name, "start_urls": [url], "allowed_domains": [host]}]},
                                      allow_unicode=True), encoding="utf-8")
        home = Home.open(str(Path(tmp) / "home"), None)
        runs = run_crawls(home, load_file(src), sites_source=str(src), fast=fast, extract=False)
        run = runs[0]
        with home.session() as s:
            row = s.get(CrawlRun, run.run_id) if run.run_id else None
            stats = dict(row.stats or {}) if row else {}
            docs = s.scalars(select(Document).where(Document.crawl_run_id == run.run_id)).all() if run.run_id else []
            ex = explain_run(stats)
            cols = {u for u, n in ex.columns if n > 0}
            pages = [home.store.get(d.sha256).decode("utf-8", "replace") for d in docs
                     if d.kind == "list" and d.sha256 and d.url in cols]
            details = [d.url for d in docs if d.kind == "detail" and (d.meta or {}).get("candidate")
                       and "#" not in d.url]
            reports = sum(1 for d in docs if d.kind in ("detail", "attachment") and not d.error)
        entry, shapes = propose_entry(name, url, ex.columns, details, pages, host)
    return {"entry": entry, "shapes": shapes, "explanation": ex, "status": run.status, "error": run.error,
            "pages": run.counts.get("pages", 0), "reports": reports}


def explain_lines(ex, limit: int = 50) -> list[str]:
    """The columns and rejected candidates of a crawl, one per line."""
    lines = [f"  column {u}  ({n} report links)" for u, n in ex.columns]
    if not ex.columns:
        lines.append("  no column with report links found")
    for reason, n in sorted(ex.rejected.items(), key=lambda kv: -kv[1]):
        lines.append(f"  rejected {n:>4}  {reason}")
    for reason, title, u in ex.rejected_list[:limit]:
        lines.append(f"    - [{reason}] {title}  {u}")
    if len(ex.rejected_list) > limit:
        lines.append(f"    … {len(ex.rejected_list) - limit} more")
    if ex.budgets:
        lines.append("  pages: " + ", ".join(f"{k} {v}" for k, v in sorted(ex.budgets.items())))
    return lines


@click.group()
def sites() -> None:
    """Site entries: propose one for a new portal (`discover`)."""


@sites.command()
@click.argument("url")
@click.option("--name", help="Name of the proposed entry (default: from the host name).")
@click.option("--local", is_flag=True, help="The portal runs on this machine: no delays between requests.")
def discover(url: str, name: str | None, local: bool) -> None:
    """Walk from URL (a portal's home page) to its 政府信息公开年报 column and propose a site entry.

    Prints the entry as YAML (column found, platform if recognised, list and detail patterns) and
    what the walk took and rejected. Review it, then add it to config/sites/<province>.yaml with
    province, region, level and default_agency. The crawl is polite (robots.txt, delays) and
    stores nothing.

    \b
    Example:
      nianbao sites discover http://www.example.gov.cn/
    """
    import yaml

    out = discover_site(url, name, fast="local" if local else False)
    if out["status"] != "finished":
        click.echo(f"{url}: the crawl {out['status']}" + (f" ({out['error']})" if out["error"] else ""), err=True)
    click.echo(yaml.safe_dump({"sites": [out["entry"]]}, allow_unicode=True, sort_keys=False).rstrip())
    for what, rx in out["shapes"].items():
        click.echo(f"# {what} look like: {rx or '-'}")
    click.echo(f"# {out['pages']} pages fetched, {out['reports']} report documents; {out['explanation'].summary()}")
    for line in explain_lines(out["explanation"], limit=20):
        click.echo("#" + line)


COMMANDS = [sites]


def crawl_explanations(home, runs, full: bool = False) -> list[str]:
    """Per site crawled by generic discovery: the columns it took and the candidates it
    rejected, and why (one line; with ``full`` every column and rejected candidate). Sites on a
    configured path have no such lines."""
    from crawler.discovery.explain import explain_run
    from db.models import CrawlRun

    lines: list[str] = []
    with home.session() as s:
        for r in runs:
            row = s.get(CrawlRun, r.run_id) if r.run_id else None
            stats = dict(row.stats or {}) if row else {}
            scrapy_stats = stats.get("scrapy") or {}
            if not any(k.startswith("discovery/") for k in scrapy_stats):
                continue
            ex = explain_run(stats)
            lines.append(f"{r.site.name}: {ex.summary()}")
            if full:
                lines += explain_lines(ex, limit=10_000)
    return lines
