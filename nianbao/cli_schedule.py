"""``nianbao schedule``: run nianbao on a schedule (crawls, checks, the weekly digest)."""
from __future__ import annotations

import logging
import sys

import click


def _load(config_file: str | None):
    from nianbao.app.schedule import ScheduleConfig, ScheduleConfigError

    try:
        return ScheduleConfig.load(config_file)
    except ScheduleConfigError as exc:
        raise click.ClickException(str(exc))


def _logging(home) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=fmt, stream=sys.stderr)
    (home.home / "logs").mkdir(parents=True, exist_ok=True)
    fh = logging.FileHandler(home.home / "logs" / "scheduler.log", encoding="utf-8")
    fh.setFormatter(logging.Formatter(fmt))
    logging.getLogger().addHandler(fh)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.group()
def schedule() -> None:
    """Run nianbao by itself: scheduled crawls (each followed by check) and the weekly digest.

    The jobs are in config/schedule.yaml (one crawl job per province or group of sites on a
    cron, staggered; a denser cadence from 1月1日 to 4月15日; the digest on Monday 08:00
    Asia/Shanghai). The schedule and every run's outcome are kept in nianbao's database.

    \b
    Example:
      nianbao schedule run                 # in the foreground; systemd: docs/nianbao-scheduler.service
      nianbao schedule list
      nianbao schedule run-once crawl-jiangsu
    """


_config_opt = click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
                           help="The schedule (default: schedule.yaml of the configuration).")


@schedule.command("run")
@_config_opt
@click.pass_obj
def run_cmd(obj, config_file: str | None) -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C.

    Logs go to stderr and <home>/logs/scheduler.log; every run is recorded in the database
    (`nianbao schedule list`). Each step runs as a subprocess; a job never overlaps itself, and
    two schedulers on one database never run the same job at once (a lock row with a lease).
    Runs missed while it was down are made up once (coalesced) within misfire_grace_time.
    SIGTERM lets the running step finish within stop_grace seconds, else abandons it cleanly.

    \b
    Example:
      nianbao --db postgresql+psycopg://nianbao@db/nianbao schedule run
    """
    from nianbao.app.schedule import serve

    cfg = _load(config_file)
    home = obj.home()
    _logging(home)
    sys.exit(serve(str(home.home), home.url, cfg))


@schedule.command("list")
@_config_opt
@click.pass_obj
def list_cmd(obj, config_file: str | None) -> None:
    """List the scheduled jobs: trigger, last result, next run.

    \b
    Example:
      nianbao schedule list
    """
    from nianbao.app.schedule import status

    cfg = _load(config_file)
    home = obj.home()
    for j in status(home.url, cfg):
        last = (f"{j['last_status']} at {j['last_started']}" + (f" — {j['last_reason']}" if j["last_reason"] else "")
                if j["last_status"] else "never run")
        nxt = j["next_run"] or ("(set when `schedule run` starts)" if not j["stored"] else "-")
        click.echo(f"{j['id']}  [{j['kind']}]  next: {nxt}  last: {last}")
        click.echo(f"    {j['trigger']}")


@schedule.command("run-once")
@click.argument("job_id")
@_config_opt
@click.pass_obj
def run_once(obj, job_id: str, config_file: str | None) -> None:
    """Run one job now, in the foreground, with the same lock and record as a scheduled run.

    Exit status: 0 ok; 1 failed; 3 skipped because the job is running elsewhere.

    \b
    Example:
      nianbao schedule run-once digest
    """
    from nianbao.app.schedule import Runner, ScheduleConfigError

    cfg = _load(config_file)
    try:
        spec = cfg.job(job_id)
    except ScheduleConfigError as exc:
        raise click.ClickException(str(exc))
    home = obj.home()
    _logging(home)
    result = Runner(str(home.home), home.url, cfg).run(spec)
    click.echo(f"{job_id}: {result}")
    sys.exit({"ok": 0, "skipped": 3}.get(result, 1))


COMMANDS = [schedule]
