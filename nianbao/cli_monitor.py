"""``nianbao check`` and ``nianbao findings``: the monitor on the command line."""
from __future__ import annotations

import inspect
import sys
from datetime import date
from itertools import groupby

import click

from nianbao.app.terminal import safe, safe_line

from monitor.catalogue import help_lines

_SEV = {"error": "错误", "warning": "警告", "info": "提示"}


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of")


def _print_grouped(records: list[dict], echo=click.echo) -> None:
    from monitor.findings import sort_records

    for (agency, year), grp in groupby(sort_records(records), key=lambda r: (r["agency"], r["year"])):
        grp = list(grp)
        echo(f"{safe(agency) or '（未署名机构）'} · {year or '?'}年度")
        urls = {r.get("source_url") for r in grp if r.get("source_url")}
        for r in grp:
            tag = "新 " if r.get("new") else ("重现 " if r.get("reopened") else "")
            state = {"resolved": "［已解决］", "dismissed": "［已忽略］"}.get(r["status"], "")
            echo(f"  #{r['id']} {r['rule']} {_SEV.get(r['severity'], r['severity'])} {tag}{state}{safe(r['message'])}")
            if r["status"] == "dismissed" and r.get("dismissed_reason"):
                echo(f"      忽略理由：{safe(r['dismissed_reason'])}")
        for u in sorted(urls):
            echo(f"  来源：{safe_line(u)}")
        echo("")


@click.command()
@click.option("--year", type=int, help="Only reports of this year (the years before it are read for W1, W2, W4, T1).")
@click.option("--province", help="Only agencies of this province.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The date deadlines are judged against (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of findings instead of text.")
@click.option("--all", "show_all", is_flag=True, help="Text output: also list dismissed findings.")
@click.pass_obj
def check(obj, year: int | None, province: str | None, as_of: str | None, as_json: bool, show_all: bool) -> None:
    """Check harvested reports and record findings: inconsistent tables, text that contradicts the
    tables, copied text, climbing corrections, reports not published or late.

    Rules (monitor/catalogue.py; C and X are what nianbao could not look at or read — never the
    agency's fault). Thresholds, deadlines and severities: config/monitor.yaml; expected
    agencies: config/agencies/*.yaml.

    \b
    {rules}

    Findings keep their id across runs: new ones are marked, ones that no longer hold are
    resolved, dismissed ones stay dismissed until their numbers change. With --json each
    finding has rule, severity, agency, year, message, evidence (cells with value, raw text and
    location; report id; source URL), status, id, fingerprint, first_seen, last_seen, new.

    Exit status: 1 when open errors (R1–R5) were found, else 0.

    \b
    Example:
      nianbao check --year 2023
      nianbao check --province 江苏 --as-of 2024-02-01 --json > findings.json
    """
    from nianbao.app.check import check as run_check
    from nianbao.output import to_json

    day = _date(as_of)
    home = obj.home()
    result = run_check(home, year=year, province=province, as_of=day)
    recs = result.records
    if result.stale:
        click.echo(f"warning: {result.stale} reports were read by an older version of the extractor; findings may "
                   f"change for that reason alone — run `nianbao reextract --stale` first", err=True)
    if as_json:
        click.echo(to_json(recs))
    else:
        current = [r for r in recs if not r["resolved_in_this_run"] and (show_all or r["status"] == "open")]
        _print_grouped(current)
        opened = [r for r in recs if r["status"] == "open"]
        by_sev = {k: sum(1 for r in opened if r["severity"] == k) for k in ("error", "warning", "info")}
        click.echo(f"检查了{result.reports}份报告：未解决{len(opened)}项（错误{by_sev['error']}，警告{by_sev['warning']}，"
                   f"提示{by_sev['info']}），其中新发现{sum(1 for r in recs if r['new'])}项；"
                   f"本次解决{sum(1 for r in recs if r['resolved_in_this_run'])}项；"
                   f"已忽略{sum(1 for r in recs if r['status'] == 'dismissed')}项。")
    sys.exit(1 if result.open_errors else 0)


@click.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["open", "resolved", "dismissed"]), help="Only findings in this state.")
@click.option("--rule", help="Only this rule (R1 … X1).")
@click.option("--year", type=int, help="Only this report year.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def findings(ctx: click.Context, status: str | None, rule: str | None, year: int | None, as_json: bool) -> None:
    """List stored findings (the default), or dismiss one.

    \b
    Example:
      nianbao findings --status open --rule R1
      nianbao findings dismiss 42 --why "经电话核实，表格为官方更正版"
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_, status=status, rule=rule, year=year, as_json=as_json)


@findings.command("list")
@click.option("--status", type=click.Choice(["open", "resolved", "dismissed"]), help="Only findings in this state.")
@click.option("--rule", help="Only this rule (R1 … X1).")
@click.option("--year", type=int, help="Only this report year.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def list_(obj, status: str | None, rule: str | None, year: int | None, as_json: bool) -> None:
    """List stored findings, grouped by agency and year.

    \b
    Example:
      nianbao findings list --status dismissed
    """
    from nianbao.app.check import findings as stored
    from nianbao.output import to_json

    recs = stored(obj.home(), status=status, rule=rule, year=year)
    if as_json:
        click.echo(to_json(recs))
        return
    _print_grouped(recs)
    click.echo(f"{len(recs)} findings")


@findings.command()
@click.argument("finding_id", type=int)
@click.option("--why", required=True, help="Why the finding does not stand (kept with it).")
@click.pass_obj
def dismiss(obj, finding_id: int, why: str) -> None:
    """Dismiss a finding. It stays dismissed on later runs until the numbers behind it change.

    \b
    Example:
      nianbao findings dismiss 42 --why "本年结转口径经核实无误"
    """
    from nianbao.app.check import dismiss as do_dismiss

    f = do_dismiss(obj.home(), finding_id, why)
    if f is None:
        click.echo(f"no finding with id {finding_id}", err=True)
        sys.exit(2)
    click.echo(f"#{f['id']} {f['rule']} {safe(f['agency'] or '')} {f['year'] or ''}: dismissed")


# the rule list of --help comes from the catalogue (click keeps the docstring as written: dedent first)
check.help = inspect.cleandoc(check.help or "").replace("{rules}", "\n".join(help_lines()))

COMMANDS = [check, findings]
