"""The ``nianbao`` command line. Each command's docstring is its ``--help``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nianbao import __version__


class Ctx:
    def __init__(self, home: str | None, db: str | None, debug: bool = False):
        self.home_opt, self.db_opt, self.debug = home, db, debug

    def home(self):
        """The data home, its database checked and migrated now: a bad URL, a missing driver or an
        unreachable server is a one-line error before any work starts."""
        from db.home import Home
        from db.session import ensure_schema

        h = Home.open(self.home_opt, self.db_opt)
        ensure_schema(h.url)
        return h


class NianbaoGroup(click.Group):
    """The command group, whose ``main`` turns errors into one line: a user error (bad argument,
    configuration, database) exits 2, an internal error 4; ``--debug`` or ``NIANBAO_DEBUG=1``
    shows the traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from nianbao.app.errors import INTERNAL, USER_ERROR, explain_exception

        args = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in args or os.environ.get("NIANBAO_DEBUG") not in (None, "", "0")
        try:
            rv = super().main(args, prog_name or "nianbao", complete_var, False, **extra)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(130)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
            if debug:
                import traceback

                traceback.print_exc()
            db_url = os.environ.get("NIANBAO_DB")
            if "--db" in args and args.index("--db") + 1 < len(args):
                db_url = args[args.index("--db") + 1]
            line = explain_exception(exc, db_url)
            if line is not None:
                click.echo(f"nianbao: {line}", err=True)
                sys.exit(USER_ERROR)
            click.echo(f"nianbao: internal error: {type(exc).__name__}: {str(exc)[:300]} "
                       "(run with --debug for the traceback, and please report it)", err=True)
            sys.exit(INTERNAL)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=NianbaoGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", envvar="NIANBAO_HOME", type=click.Path(file_okay=False),
              help="Data home (raw store, SQLite file). Default ./data; env NIANBAO_HOME.")
@click.option("--db", envvar="NIANBAO_DB", help="SQLAlchemy database URL. Default: SQLite in the data home; env NIANBAO_DB.")
@click.option("--debug", is_flag=True, envvar="NIANBAO_DEBUG", help="Show the traceback of an error.")
@click.version_option(__version__, prog_name="nianbao")
@click.pass_context
def main(ctx: click.Context, home: str | None, db: str | None, debug: bool) -> None:
    """nianbao (年报): harvest, read and check government 政府信息公开工作年度报告.

    \b
    Typical session:
      nianbao demo                      # the whole pipeline on the bundled sample portal
      nianbao parse report.html         # read one report, print its canonical tables
      nianbao import reports/*.pdf      # add downloaded reports to the database
      nianbao crawl --province 江苏      # harvest portals listed in config/sites/
      nianbao check --year 2023         # findings: unpublished, inconsistent, corrections climbing
    """
    ctx.obj = Ctx(home, db, debug)


# --------------------------------------------------------------------------------- parse
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
@click.option("--cells", is_flag=True, help="With --json: add every cell's raw text and location.")
def parse(files: tuple[str, ...], as_json: bool, cells: bool) -> None:
    """Read report files and print their canonical tables, sections and problems.

    Reads text, markdown and HTML reports (and the attachment formats the extractor knows);
    nothing is stored. With --json each line is one report:
    {"agency", "year", "template", "title", "published", "applications", "review_litigation",
    "proactive", "sections", "problems"} — the schema is in docs/json-schema.md.

    Exit status: 0 all read; 1 a file read only in part (a table or section missing);
    2 a file that is not a report (empty, binary, undecodable, no report content).

    \b
    Example:
      nianbao parse tests/examples/extract/seeds/001_e02f11226f5e83d3.txt
      nianbao parse --json reports/*.html | jq .applications.new_received.total
    """
    from extract import ExtractError, extract, is_report, not_report_reason
    from nianbao.output import format_report, to_json

    status = 0
    for name in files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"{name}: cannot read the file: {exc.strerror}", err=True)
            status = 2
            continue
        try:
            report = extract(data, filename=path.name)
        except ExtractError as exc:
            click.echo(f"{name}: not readable as a report ({exc.kind}): {exc.message}", err=True)
            status = 2
            continue
        except Exception as exc:  # noqa: BLE001 - one file's crash must not stop the others
            click.echo(f"{name}: could not be read (the reader crashed: {type(exc).__name__}: {str(exc)[:200]})",
                       err=True)
            status = 2
            continue
        if not is_report(report):
            scans = [p for p in report.problems if p.kind == "needs_ocr"]
            if scans:
                click.echo(f"{name}: a scan with no text layer ({len(scans)} page(s)): {scans[0].message}", err=True)
            else:
                click.echo(f"{name}: not a report: {not_report_reason(report)}", err=True)
            status = 2
            continue
        if any(p.kind in ("missing_table", "missing_section") for p in report.problems):
            status = max(status, 1)
        if as_json:
            click.echo(to_json({"file": name, **report.as_dict(provenance=cells)}))
        else:
            click.echo(format_report(report, name))
            click.echo("")
    sys.exit(status)


# --------------------------------------------------------------------------------- import
@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--agency", help="Agency name, overriding what the document says.")
@click.option("--year", type=int, help="Report year, overriding what the document says.")
@click.option("--published", help="Publication date (YYYY-MM-DD), overriding the document.")
@click.option("--url", help="The URL the file was downloaded from (recorded as its source).")
@click.pass_obj
def import_(obj: Ctx, files: tuple[str, ...], agency: str | None, year: int | None, published: str | None,
            url: str | None) -> None:
    """Store local report files in the raw store and database, as a crawl would, and extract them.

    Researchers arrive with folders of downloaded reports: each file is kept unedited under its
    sha256, recorded as a document, and extracted into a report. The options override what the
    document says (and are recorded as overrides).

    \b
    Example:
      nianbao import downloads/*.html
      nianbao import scan.pdf --agency 淮安市人民政府 --year 2024 --published 2025-02-25
    """
    from nianbao.app.errors import DOCUMENTS_FAILED, USER_ERROR
    from nianbao.app.extraction import import_file, parse_published
    from nianbao.app.terminal import safe

    try:
        pub = parse_published(published)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--published")
    home = obj.home()
    overrides = {"agency": agency, "year": year, "published": pub, "url": url}
    not_reports = failed = 0
    with home.session(immediate=True) as s:
        with click.progressbar(files, label="importing", file=sys.stderr) as bar:
            results = []
            for f in bar:
                try:
                    res = import_file(home, s, Path(f), overrides)
                    s.commit()
                except OSError as exc:
                    s.rollback()
                    results.append((f, None, f"cannot read the file: {exc.strerror}"))
                    continue
                except Exception as exc:  # noqa: BLE001 - one file's failure must not lose the others
                    s.rollback()
                    results.append((f, None, f"could not be stored: {type(exc).__name__}: {str(exc)[:200]}"))
                    continue
                results.append((f, res, None))
    for f, res, err in results:
        if res is None:
            failed += 1
            click.echo(f"{f}: {err}", err=True)
        elif res.outcome == "duplicate":
            rep = res.report
            click.echo(f"{f}: already imported — the same bytes are report {rep.id if rep else '?'}"
                       f" ({safe(rep.agency_name) if rep and rep.agency_name else 'agency unknown'}"
                       f" {rep.year if rep and rep.year else '?'}); no second report")
        elif res.crashed:
            failed += 1
            click.echo(f"{f}: stored, but could not be read: {safe(res.reason)}", err=True)
        elif res.outcome in ("failed", "no_body"):
            not_reports += 1
            click.echo(f"{f}: stored, but not readable as a report: {safe(res.reason)}", err=True)
        elif res.outcome in ("not_report", "cover"):
            not_reports += 1
            click.echo(f"{f}: stored, but not a report{': ' + safe(res.reason) if res.reason else ''}", err=True)
        else:
            row = res.report
            click.echo(f"{f}: {safe(row.agency_name) or '(agency unknown)'} {row.year or '?'} template "
                       f"{row.template or '?'} — {row.status}"
                       f"{' (' + str(len(row.problems)) + ' problems)' if row.problems else ''}")
    sys.exit(DOCUMENTS_FAILED if failed else USER_ERROR if not_reports else 0)


# --------------------------------------------------------------------------------- db
@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="The Alembic revision to migrate to.")
@click.pass_obj
def upgrade(obj: Ctx, revision: str) -> None:
    """Create or migrate the database to the latest schema (Alembic).

    \b
    Example:
      nianbao db upgrade
      nianbao --db postgresql+psycopg://localhost/nianbao db upgrade
    """
    from db.session import upgrade as do_upgrade

    home = obj.home()
    do_upgrade(home.url, revision)
    click.echo(f"database at {home.url} is at {revision}")


@main.command()
@click.option("--pending", is_flag=True, help="Only documents never extracted (after a crawl with --no-extract, or a kill).")
@click.option("--stale", is_flag=True, help="Only reports read by an older version of their reader (extract/versions.py).")
@click.pass_obj
def reextract(obj: Ctx, pending: bool, stale: bool) -> None:
    """Extract stored documents again from the raw store, offline (after an extractor change).

    Every document goes through the same step as a crawl or an import: an unchanged re-fetch keeps
    its earlier report, the same bytes are never a second report, a cover page points to its
    attachment. With an unchanged extractor the reports, versions and findings stay as they were.
    A document that cannot be read is recorded with its reason and the run goes on (exit status 3).

    \b
    Example:
      nianbao reextract --stale
      nianbao reextract --pending
    """
    from nianbao.app.errors import DOCUMENTS_FAILED
    from nianbao.app.extraction import reextract as run

    home = obj.home()
    counts = run(home, pending=pending, stale=stale)
    total = sum(counts.values())
    click.echo(f"re-extracted {total} documents" + (": " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                                     if counts else ""))
    sys.exit(DOCUMENTS_FAILED if counts.get("failed") else 0)


# --------------------------------------------------------------------------------- reports
@main.command()
@click.option("--province", help="Only agencies of this province.")
@click.option("--year", type=int, help="Only this report year.")
@click.option("--json", "as_json", is_flag=True, help="One object per line, with the canonical tables.")
@click.option("--all", "everything", is_flag=True,
              help="Every stored version: also older versions of revised reports, and documents that are not "
                   "reports (cover pages pointing to an attachment, failures).")
@click.pass_obj
def reports(obj: Ctx, province: str | None, year: int | None, as_json: bool, everything: bool) -> None:
    """List harvested reports: agency, year, region, publication date, source URL, template, status.

    With --json each line also carries the canonical tables exactly as `parse --json` prints them.

    \b
    Example:
      nianbao reports --year 2023
      nianbao reports --province 江苏 --json > reports.jsonl
    """
    from nianbao.listing import list_reports

    home = obj.home()
    with home.session() as s:
        list_reports(s, province, year, as_json, click.echo, everything)


def _register() -> None:
    """Commands of the other stages live in their own modules."""
    from nianbao import cli_crawl, cli_demo, cli_digest, cli_export, cli_monitor, cli_portal, cli_schedule, cli_sites

    for mod in (cli_crawl, cli_portal, cli_monitor, cli_demo, cli_export, cli_schedule, cli_digest, cli_sites):
        for cmd in mod.COMMANDS:
            main.add_command(cmd)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
