"""Crawl one site in this process (a Twisted reactor cannot restart, so every crawl is a
subprocess of ``nianbao crawl`` or of the scheduler).

    python -m crawler.run --site huaian-gov [--sites config/sites] [--portal URL]
                          [--home DIR] [--db URL] [--resume] [--fast | --profile local]
                          [-s SETTING=VALUE ...]

Standard output carries JSON lines only: ``{"event": "start"|"progress"|"done"|"exit", ...}``
with counts (documents, lists, details, attachments, reports, errors, not_modified, downloads);
Scrapy's log goes to standard error. Exit status 0 when the crawl finished, 1 when it stopped
early (it can be resumed with ``--resume``), 2 on a configuration error.
"""
from __future__ import annotations

import argparse
import json
import sys


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--site", required=True, help="site name from config/sites/*.yaml")
    p.add_argument("--sites", help="a site YAML file or folder (default config/sites)")
    p.add_argument("--portal", help="base URL replacing {portal} in the site config")
    p.add_argument("--home", help="data home (raw store, SQLite file)")
    p.add_argument("--db", help="SQLAlchemy database URL")
    p.add_argument("--resume", action="store_true", help="continue the site's last unfinished crawl run")
    p.add_argument("--fast", action="store_true", help="politeness off (benchmarks on the local portal only)")
    p.add_argument("--profile", choices=("polite", "local", "fast"), default="polite",
                   help="polite (default, for real portals), local (a portal on this machine: no delays), "
                        "fast (= --fast)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    return p.parse_args(argv)


def emit(**data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def main(argv=None) -> int:
    args = _parse(argv)
    from crawler.sites import SiteConfigError, find_site

    try:
        cfg = find_site(args.site, args.sites, args.portal)
    except (SiteConfigError, OSError) as exc:
        emit(event="exit", site=args.site, status="error", error=str(exc))
        return 2

    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.spiders import spider_for
    from crawler.state import begin_run
    from db.session import write_with_patience
    from nianbao.pipeline import Home

    home = Home.open(args.home, args.db)
    with home.session() as s:
        run, resumed = write_with_patience(s, lambda: begin_run(s, cfg, args.resume))
        run_id = run.id

    # No JOBDIR: the frontier is not kept on disk. A resumed run (after a clean stop or a hard
    # kill alike) re-walks from the start URLs, and ResumeReplayMiddleware answers what the run
    # already recorded from the raw store, so nothing is fetched or recorded twice. The same
    # holds when a shared frontier (scrapy-redis) replaces Scrapy's scheduler.
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    if args.fast or args.profile == "fast":
        settings.update(project_settings.FAST, priority="cmdline")
    elif args.profile == "local":
        settings.update(project_settings.LOCAL, priority="cmdline")
    for item in args.set:
        name, _, value = item.partition("=")
        settings.set(name.strip(), value, priority="cmdline")
    settings.set("NIANBAO_HOME", str(home.home), priority="cmdline")
    settings.set("NIANBAO_DB", home.url, priority="cmdline")
    settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    settings.set("NIANBAO_RESUME", resumed, priority="cmdline")

    loopback = all((h or "").startswith("127.") or h in ("localhost", "::1") for h in cfg.allowed_domains)
    if not loopback and project_settings.CONTACT_URL == project_settings.CONTACT_PLACEHOLDER:
        print("warning: crawling a real portal without a contact URL in the User-Agent; "
              "set NIANBAO_CONTACT_URL", file=sys.stderr)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_for(cfg.platform))
    process.crawl(crawler, site=cfg.name, sites=args.sites, portal=args.portal)
    process.start()

    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason")
    with home.session() as s:
        from db.models import CrawlRun

        row = s.get(CrawlRun, run_id)
        status = row.status if row else "unknown"
    emit(event="exit", site=cfg.name, run_id=run_id, status=status, reason=reason, resumed=resumed)
    return 0 if reason == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
