"""The crawl's shared state lives in the database, never in the process.

Everything a callback or middleware needs to decide travels in ``request.meta`` or is read from
here: which URLs this crawl run has already recorded (so a resumed run neither refetches nor
duplicates them), the latest earlier fetch of a URL (for conditional requests), and the run and
site rows. A shared Redis frontier (scrapy-redis) can replace the scheduler and dupefilter
without touching any of it.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

from db.models import CrawlRun, Document, Site
from db.session import write_with_patience
from db.store import now
from db.home import Home


def upsert_site(s, cfg) -> Site:
    site = s.scalar(select(Site).where(Site.name == cfg.name))
    if site is None:
        site = Site(name=cfg.name)
        s.add(site)
    site.province = cfg.province
    site.platform = cfg.platform
    site.config = cfg.as_dict()
    s.flush()
    return site


def begin_run(s, cfg, resume: bool = False) -> tuple[CrawlRun, bool]:
    """The CrawlRun to record into: on ``resume`` the site's latest unfinished run (if any),
    else a new one (older runs left 'running' by a killed process are marked failed).
    Returns (run, resumed)."""
    site = upsert_site(s, cfg)
    unfinished = s.scalars(select(CrawlRun).where(CrawlRun.site_id == site.id, CrawlRun.status.in_(
        ("running", "interrupted"))).order_by(CrawlRun.id.desc())).all()
    if resume and unfinished:
        run = unfinished[0]
        run.status = "running"
        stats = dict(run.stats or {})
        stats["resumed"] = int(stats.get("resumed", 0)) + 1
        run.stats = stats
        s.flush()
        return run, True
    for old in unfinished:
        old.status = "failed"
        old.finished_at = old.finished_at or now()
        old.stats = {**(old.stats or {}), "note": "abandoned: a new crawl started without --resume"}
    run = CrawlRun(site_id=site.id, started_at=now(), status="running", stats={})
    s.add(run)
    s.flush()
    return run, False


@dataclass
class Recorded:
    """What a run already holds for a URL (used to replay it from the raw store)."""

    id: int
    sha256: str | None
    final_url: str | None
    content_type: str | None
    http_status: int | None
    error: str | None
    kind: str | None
    meta: dict[str, Any]


class CrawlState:
    """Database and raw store of one crawl (one site, one CrawlRun)."""

    COMMIT_EVERY = 25
    COMMIT_SECONDS = 1.0

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.home = Home.open(settings.get("NIANBAO_HOME"), settings.get("NIANBAO_DB"))
        self.store = self.home.store
        self.session = self.home.session()
        cfg = crawler.spider.site_config
        run_id = settings.getint("NIANBAO_RUN_ID") or None
        if run_id:
            self.run = self.session.get(CrawlRun, run_id)
            if self.run is None:
                raise RuntimeError(f"no crawl run {run_id} in {self.home.url}")
            self.resumed = settings.getbool("NIANBAO_RESUME")
        else:  # started with `scrapy crawl`: bookkeeping here
            self.run, self.resumed = begin_run(self.session, cfg, settings.getbool("NIANBAO_RESUME"))
            self.session.commit()
        self.run_id = self.run.id
        self.site_id = self.run.site_id
        self._pending = 0
        self._rows: list[dict[str, Any]] = []
        self._last_commit = time.monotonic()
        self._previous = self._load_previous()
        self.out = sys.stdout if settings.getbool("NIANBAO_PROGRESS", True) else None
        self.counts = {"documents": 0, "pages": 0, "lists": 0, "details": 0, "attachments": 0, "reports": 0,
                       "errors": 0, "not_modified": 0, "unchanged": 0, "downloads": 0, "replayed": 0,
                       "bytes": 0}
        self._last_emit = 0.0

    # -------------------------------------------------------------------- lookups
    def recorded(self, url: str) -> Recorded | None:
        """The row this run already has for ``url`` (resume), if any."""
        if not self.resumed:
            return None
        # rows of this process need no flush: its dupefilter never requests a URL twice
        with self.session.no_autoflush:
            row = self.session.execute(
                select(Document.id, Document.sha256, Document.final_url, Document.content_type, Document.http_status,
                       Document.error, Document.kind, Document.meta)
                .where(Document.crawl_run_id == self.run_id, Document.url == url).order_by(Document.id).limit(1)).first()
        return Recorded(*row) if row else None

    def _load_previous(self) -> dict[str, dict[str, Any]]:
        """The latest stored fetch of every URL this site fetched in earlier runs, read once: a
        query per request would cost more than the rest of the request's bookkeeping. Read-only
        and derived from the database, so any number of crawl processes may each hold it."""
        latest = (select(func.max(Document.id))
                  .where(Document.site_id == self.site_id, Document.sha256.is_not(None),
                         Document.crawl_run_id != self.run_id)
                  .group_by(Document.url))
        rows = self.session.execute(
            select(Document.url, Document.id, Document.sha256, Document.etag, Document.last_modified,
                   Document.content_type, Document.final_url, Document.size).where(Document.id.in_(latest)))
        return {r[0]: {"id": r[1], "sha256": r[2], "etag": r[3], "last_modified": r[4], "content_type": r[5],
                       "final_url": r[6], "size": r[7]} for r in rows}

    def previous(self, url: str) -> dict[str, Any] | None:
        """The latest stored fetch of ``url`` by this site in an earlier run (for If-None-Match /
        If-Modified-Since, and to tell a changed report from an unchanged one)."""
        return self._previous.get(url)

    # -------------------------------------------------------------------- writes
    def add(self, row: dict[str, Any]) -> None:
        """Queue one ``documents`` row (column -> value); rows are written in batches (one
        executemany and one commit every ``COMMIT_EVERY`` rows or ``COMMIT_SECONDS``). A row lost
        in a kill is a URL the resumed run fetches again, so batching loses nothing."""
        row["crawl_run_id"] = self.run_id
        row["site_id"] = self.site_id
        self._rows.append(row)
        self._pending += 1
        if self._pending >= self.COMMIT_EVERY or time.monotonic() - self._last_commit > self.COMMIT_SECONDS:
            self.commit()

    def flush(self) -> None:
        if self._rows:
            self.session.execute(insert(Document), self._rows)
            self._rows = []

    def commit(self) -> None:
        """Write the queued rows; while another writer holds the SQLite file they stay queued
        and the write is tried again (``write_with_patience``)."""
        rows = list(self._rows)

        def write() -> None:
            self._rows = list(rows)
            self.flush()

        write_with_patience(self.session, write)
        self._pending = 0
        self._last_commit = time.monotonic()

    def finish(self, reason: str, stats: dict[str, Any]) -> None:
        self.commit()
        keep = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}

        def write() -> None:
            run = self.session.get(CrawlRun, self.run_id)
            run.status = "finished" if reason == "finished" else "interrupted"
            run.finished_at = now()
            run.stats = {**(run.stats or {}), **self.counts, "close_reason": reason, "scrapy": keep}

        write_with_patience(self.session, write)

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.session.close()

    # -------------------------------------------------------------------- progress
    def emit(self, event: str, force: bool = False, **data: Any) -> None:
        """One JSON line on stdout for the parent process (``nianbao crawl`` draws its progress)."""
        if self.out is None:
            return
        t = time.monotonic()
        if event == "progress" and not force and t - self._last_emit < 0.5:
            return
        self._last_emit = t
        line = {"event": event, "site": self.crawler.spider.name_of_site, "run_id": self.run_id, **self.counts, **data}
        try:
            self.out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            self.out.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.out = None  # the parent stopped reading (it died): the rows still go to the database


def get_state(crawler) -> CrawlState:
    st = getattr(crawler, "_nianbao_state", None)
    if st is None:
        st = CrawlState(crawler)
        crawler._nianbao_state = st
    return st
