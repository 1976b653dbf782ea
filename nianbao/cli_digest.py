"""``nianbao digest``: the weekly compliance digest by email (or as files with --dry-run)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option("--week", metavar="YYYY-Www", help="The ISO week, e.g. 2025-W06 (default: the last complete week).")
@click.option("--to", "to", metavar="ADDR", help="Only this subscriber (an address not in digest.yaml gets everything).")
@click.option("--dry-run", is_flag=True, help="Write .eml and .html files instead of sending; nothing is recorded.")
@click.option("--out", type=click.Path(file_okay=False), default=".", show_default=True,
              help="With --dry-run: the folder the files go to.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="The digest configuration (default: digest.yaml of the configuration; env NIANBAO_DIGEST_CONFIG).")
@click.pass_obj
def digest(obj, week: str | None, to: str | None, dry_run: bool, out: str, config_file: str | None) -> None:
    """Send the weekly digest: one email per subscriber of config/digest.yaml and ISO week.

    Each mail (HTML and plain text, in Chinese) lists the reports harvested that week, the
    findings new that week by kind with their cells, values and source links, the findings
    resolved, what nianbao could not crawl (coverage findings), a table per region (expected,
    published, on time, with errors) and a chart of the publication progress. Dismissed findings
    are left out. A digest is sent exactly once per subscriber and week (recorded in the database
    before and after sending): running the command again sends only what failed.

    SMTP settings come from digest.yaml and the environment (NIANBAO_SMTP_HOST, _PORT, _SECURITY,
    _USER); the password only from the environment variable named by smtp.password_env.

    Exit status: 1 when a digest could not be sent (the reason is recorded and printed), else 0.

    \b
    Example:
      nianbao digest --week 2025-W06 --dry-run --out /tmp/digest
      nianbao digest --week 2025-W06 --to gwb@example.gov.cn
      nianbao digest                     # last week's digest to every subscriber
    """
    from nianbao.app.digest import send_digests
    from nianbao.app.digest_config import DigestConfig, DigestConfigError
    from nianbao.app.digest_data import parse_week, previous_week

    try:
        if week:
            parse_week(week)
        cfg = DigestConfig.load(config_file)
    except (ValueError, DigestConfigError) as exc:
        raise click.ClickException(str(exc))
    week = week or previous_week()
    if not cfg.subscribers and not to:
        raise click.ClickException(f"{cfg.source}: no subscribers (add some, or use --to ADDR)")
    home = obj.home()
    with home.session() as s:
        try:
            outcomes = send_digests(s, week, cfg, to=to, dry_run=dry_run, out=Path(out))
        except DigestConfigError as exc:
            raise click.ClickException(str(exc))
    failed = 0
    for o in outcomes:
        if o.status == "written":
            click.echo(f"{o.address}: " + ", ".join(str(f) for f in o.files))
        elif o.status == "failed":
            failed += 1
            click.echo(f"{o.address}: failed after {o.attempts} attempt(s): {o.error}", err=True)
        else:
            click.echo(f"{o.address}: {o.status.replace('_', ' ')}" + (f" ({o.attempts} attempt(s))" if o.attempts else ""))
    sys.exit(1 if failed else 0)


COMMANDS = [digest]
