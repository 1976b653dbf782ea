"""Engines, sessions and migrations. Any SQLAlchemy URL works; SQLite is the default."""
from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@lru_cache(maxsize=8)
def engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    eng = create_engine(url, future=True)
    if eng.dialect.name == "sqlite":
        # how long one statement waits for another writer of the file before "database is locked"
        busy_ms = int(os.environ.get("NIANBAO_SQLITE_BUSY_MS", "30000"))

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()
    return eng


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (creating it if needed)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def session(url: str, migrate: bool = True) -> Session:
    if migrate:
        ensure_schema(url)
    return sessionmaker(engine(url), expire_on_commit=False)()


_migrated: set[str] = set()


def ensure_schema(url: str) -> None:
    """Run pending migrations once per process, so every command works on a fresh home."""
    if url in _migrated:
        return
    upgrade(url)
    _migrated.add(url)


LOCK_PATIENCE = 300.0  # seconds a write waits, in all, for another writer of the same SQLite file


def write_with_patience(s: Session, work: Callable[[], T], patience: float = LOCK_PATIENCE) -> T:
    """Run ``work`` (which writes through ``s``) and commit, again after a rollback while the
    database is locked by another writer. SQLite has one writer at a time, and a crawl
    subprocess shares the file with the parent that extracts what earlier crawls fetched: a lock
    held past ``busy_timeout`` must delay a write, not end the crawl. ``work`` must be safe to
    repeat (it runs again from the start after a rollback)."""
    from sqlalchemy.exc import OperationalError

    deadline = time.monotonic() + patience
    while True:
        try:
            result = work()
            s.commit()
            return result
        except OperationalError as exc:
            s.rollback()
            text = str(exc.orig if exc.orig is not None else exc).lower()
            if not ("locked" in text or "busy" in text) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
