"""Engines, sessions and migrations. Any SQLAlchemy URL works; SQLite is the default."""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _json(value) -> str:
    """JSON columns as UTF-8 text (江苏, not \\u6c5f\\u82cf): the database is read by people too."""
    return json.dumps(value, ensure_ascii=False, default=str)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):].split("?", 1)[0])
    return None


@lru_cache(maxsize=8)
def engine(url: str) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    eng = create_engine(url, future=True, json_serializer=_json)
    if eng.dialect.name == "sqlite":
        # how long one statement waits for another writer of the file before "database is locked"
        busy_ms = int(os.environ.get("NIANBAO_SQLITE_BUSY_MS", "30000"))

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            # the driver's own transaction handling is off: SQLAlchemy's "begin" below says BEGIN,
            # so a unit of work can ask for BEGIN IMMEDIATE (the busy timeout then applies to it)
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn) -> None:  # pragma: no cover - trivial
            # a deferred transaction that reads and then writes fails at once ("database is locked")
            # when another connection wrote meanwhile; an immediate one waits for the lock instead
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")
    return eng


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """One migrating process at a time: a lock file beside a SQLite database, an advisory lock on
    PostgreSQL. Eight commands started at once on a fresh home must not race to create tables."""
    path = sqlite_file(url)
    if path is not None:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        with open(str(path) + ".migrate-lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    eng = engine(url)
    if eng.dialect.name == "postgresql":
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_lock(2025013100)")
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(2025013100)")
                conn.commit()
        return
    yield


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (creating it if needed)."""
    from alembic import command

    with _migration_lock(url):
        command.upgrade(alembic_config(url), revision)
    # the migration ran on the shared engine: close its pooled connection, so a caller may change
    # the file's settings (journal mode) or another process may take it
    engine(url).dispose()


def session(url: str, migrate: bool = True, immediate: bool = False) -> Session:
    """A session on ``url``. ``immediate``: SQLite transactions begin with BEGIN IMMEDIATE (for
    units of work that read, then write)."""
    if migrate:
        ensure_schema(url)
    eng = engine(url)
    if immediate and eng.dialect.name == "sqlite":
        eng = eng.execution_options(immediate=True)
    return sessionmaker(eng, expire_on_commit=False)()


_migrated: set[str] = set()


def ensure_schema(url: str) -> None:
    """Run pending migrations once per process, so every command works on a fresh home. Cheap
    when the database is already at the head (the common case: no lock is taken)."""
    if url in _migrated:
        return
    try:
        at_head = current_revision(url) == head_revision()
    except Exception:  # noqa: BLE001 - a database that cannot be asked is migrated (and its error shown) below
        at_head = False
    if not at_head:
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
