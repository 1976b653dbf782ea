"""``nianbao export`` and ``nianbao serve``: the corpus for researchers, and read-only browsing."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")


def _bar(length: int, label: str):
    """A progress bar on a terminal; nothing when stderr is a file or a pipe."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl", "sqlite", "xlsx"]), default="csv",
              show_default=True, help="Output format (ignored with --raw).")
@click.option("--out", required=True, type=click.Path(), help="Directory (csv, parquet, jsonl) or file (sqlite, "
              "xlsx, --raw tar).")
@click.option("--province", help="Only agencies of this province (江苏 or 江苏省).")
@click.option("--region", metavar="CODE", help="Only agencies under this 行政区划代码 (320800: all of 淮安市).")
@click.option("--year", type=int, help="Only reports of this year.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only documents fetched (findings seen) on or after this date.")
@click.option("--all-versions", is_flag=True, help="Every version of a revised report, not only the current one.")
@click.option("--raw", is_flag=True, help="The original documents as a tar with a manifest, not the tables.")
@click.pass_obj
def export_cmd(obj, fmt: str, out: str, province: str | None, region: str | None, year: int | None,
               since: str | None, all_versions: bool, raw: bool) -> None:
    """Export the corpus: reports (one wide row each), cells (long form, exact decimals, raw text
    and location), sections, agencies, findings and documents, with the data dictionary.

    Current versions only unless --all-versions; documents that are not reports (cover pages,
    failures) appear only in the documents table. CSV is UTF-8 with a BOM (Excel opens it);
    Parquet has real types (decimal128 for values); SQLite is ready for datasette (a
    <name>.metadata.json is written beside it; `nianbao serve` uses it); XLSX has one sheet per
    table. Column meanings: docs/data-dictionary.md (also written into every export).

    --raw writes the original documents, unedited, with manifest.csv (sha256, url, fetched_at,
    agency, year) into a tar that is byte-identical for the same corpus (.tar.gz to compress).

    \b
    Example:
      nianbao export --format parquet --out corpus/
      nianbao export --format sqlite --out nianbao.db --province 江苏 --year 2023
      nianbao export --raw --out corpus.tar
    """
    from nianbao.app.export import Selection, export, export_raw
    from nianbao.app.export_query import count_reports

    sel = Selection(province=province, region=region, year=year, since=_since(since), all_versions=all_versions)
    home = obj.home()
    with home.session() as s:
        total = count_reports(s.connection(), sel)
        with _bar(total, "exporting") as bar:
            step = bar.update if bar is not None else None
            if raw:
                result = export_raw(s, home.store, Path(out), sel, progress=step)
            else:
                result = export(s, Path(out), fmt, sel, progress=step)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    rate = result.reports / result.seconds if result.seconds else 0
    summary = ", ".join(f"{n} {t}" for t, n in result.rows.items())
    click.echo(f"{result.reports} reports exported ({result.format}) to {out} in {result.seconds:.1f} s "
               f"({rate:.0f} reports/s): {summary}")


@click.command()
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it local unless "
              "the corpus may be public).")
@click.option("--refresh/--no-refresh", default=True, show_default=True,
              help="Export the database afresh before serving (else reuse the last browse export).")
@click.pass_obj
def serve(obj, port: int, host: str, refresh: bool) -> None:
    """Browse the corpus read-only in a web browser: datasette over a SQLite export (facets,
    full-text search on the sections, canned queries), an agency page (every year side by side,
    findings with evidence, original documents) and a region page (publication per year, the
    government's figures against its departments').

    \b
    Example:
      nianbao serve                      # http://127.0.0.1:8001/
      nianbao serve --port 9000 --no-refresh
    """
    from nianbao.serve.app import browse_export_path, prepare, run

    home = obj.home()
    db_path = browse_export_path(home)
    if refresh or not db_path.exists():
        with home.session() as s:
            prepare(s, db_path)
    click.echo(f"serving {db_path} read-only on http://{host}:{port}/ (agency pages: /-/agency/<id>)", err=True)
    run(db_path, home.store, host, port)


COMMANDS = [export_cmd, serve]
