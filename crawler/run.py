"""Crawl one site in this process (a Twisted reactor cannot restart, so every crawl is a
subprocess of ``nianbao crawl`` or of the scheduler).

    python -m crawler.run --site huaian-gov [--sites config/sites] [--portal URL]
                          [--home DIR] [--db URL] [--resume] [--fast | --profile local]
                          [-s SETTING=VALUE ...]

Standard output carries JSON lines only: ``{"event": "start"|"progress"|"done"|"exit", ...}``
with counts (documents, lists, details, attachments, reports, errors, not_modified, downloads);
Scrapy's log goes to standard error. Exit status 0 when the crawl finished, 1 when it stopped
early (it can be resumed with ``--resume``), 2 on a configuration error.

The crawl dies with its parent: an orphaned crawl would go on fetching while nobody extracts
what it stores, and a ``--resume`` would then find the run finished and the documents never
read. On Linux ``prctl(PR_SET_PDEATHSIG)`` sends ``SIGUSR1`` when the parent goes (strictly:
the parent's thread that started us — ``nianbao crawl`` waits for its child in that thread);
everywhere a watchdog thread notices ``os.getppid()`` changing within half a second
(``NIANBAO_PDEATHSIG=0`` leaves only the watchdog). Either way the rows already fetched are
written, the run is marked ``interrupted`` (so ``--resume`` continues it) and the process exits
with status 1 within seconds, without waiting for requests in flight.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any, Callable

log = logging.getLogger("crawler.run")

PARENT_GONE = signal.SIGUSR1
PARENT_GONE_GRACE = 15.0  # seconds to write the rows and mark the run before exiting regardless
_PR_SET_PDEATHSIG = 1


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
    try:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass  # nobody reads us any more (the parent died): the database holds the outcome


def set_parent_death_signal(sig: int) -> bool:
    """Ask Linux to send ``sig`` when our parent dies (``prctl(PR_SET_PDEATHSIG)``). False
    where that is not possible (another OS, no libc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, on_gone: Callable[[], None], interval: float = 0.5) -> threading.Thread:
    """A daemon thread calling ``on_gone`` once when ``os.getppid()`` is no longer ``parent``
    (an orphan is re-parented to init or to a subreaper)."""
    def run() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        on_gone()

    t = threading.Thread(target=run, name="parent-watchdog", daemon=True)
    t.start()
    return t


class ParentGuard:
    """Ends this crawl when its parent dies (see the module docstring). ``crawler`` is set once
    the Scrapy crawler exists; before that, an orphan simply exits."""

    def __init__(self, parent: int):
        self.parent = parent
        self.crawler: Any = None
        self.reactor: Any = None
        self._fired = False

    def arm(self) -> None:
        signal.signal(PARENT_GONE, lambda signum, frame: self.parent_gone())
        prctl = os.environ.get("NIANBAO_PDEATHSIG", "1") != "0" and set_parent_death_signal(PARENT_GONE)
        if os.getppid() != self.parent:  # the parent died before prctl took effect
            self.parent_gone()
        watch_parent(self.parent, lambda: os.kill(os.getpid(), PARENT_GONE))
        log.debug("parent %s watched (prctl: %s)", self.parent, prctl)

    def parent_gone(self) -> None:
        """The signal handler (main thread, between two bytecodes of whatever ran): hand the
        stop to the reactor at a clean point, and make sure we exit even if it never comes."""
        if self._fired:
            return
        self._fired = True
        print(f"crawler.run: parent process {self.parent} is gone; stopping", file=sys.stderr, flush=True)
        threading.Timer(PARENT_GONE_GRACE, lambda: os._exit(1)).start()
        if self.crawler is None or self.reactor is None or not self.reactor.running:
            os._exit(1)
        self.reactor.callFromThread(self._stop)

    def _stop(self) -> None:
        """In the reactor thread: write the queued rows, mark the run interrupted, exit now
        (requests in flight are abandoned; a resumed run fetches them)."""
        try:
            state = getattr(self.crawler, "_nianbao_state", None)
            if state is not None:
                state.out = None
                state.finish("parent died", self.crawler.stats.get_stats() if self.crawler.stats else {})
                state.close()
        except Exception as exc:  # noqa: BLE001 - exiting matters more than the last rows
            print(f"crawler.run: could not record the stop: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            sys.stderr.flush()
            os._exit(1)


def main(argv=None) -> int:
    guard = ParentGuard(os.getppid())
    guard.arm()
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
    from db.home import Home

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
    from twisted.internet import reactor

    guard.crawler, guard.reactor = crawler, reactor
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
