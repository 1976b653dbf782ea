"""Engines, sessions and migrations. Any SQLAlchemy URL works; SQLite is the default."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@lru_cache(maxsize=8)
def engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    eng = create_engine(url, future=True)
    if eng.dialect.name == "sqlite":
        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
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
