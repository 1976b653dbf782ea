"""The data home: the raw store and the database, found from ``--home``/``--db`` or the
environment. Every command, the crawl child and the scheduler open the same home this way."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from db.rawstore import RawStore


def data_home(home: str | os.PathLike | None = None) -> Path:
    """The data home (raw store, SQLite file): ``--home``, ``NIANBAO_HOME``, or ``./data``."""
    return Path(home or os.environ.get("NIANBAO_HOME") or "data").resolve()


def db_url(db: str | None = None, home: str | os.PathLike | None = None) -> str:
    """Any SQLAlchemy URL from ``--db`` / ``NIANBAO_DB``; by default SQLite under the data home."""
    url = db or os.environ.get("NIANBAO_DB")
    if url:
        return url
    return f"sqlite:///{data_home(home) / 'nianbao.sqlite'}"


@dataclass
class Home:
    """The data home: raw store and database."""

    home: Path
    url: str

    @classmethod
    def open(cls, home: str | os.PathLike | None = None, db: str | None = None) -> "Home":
        h = data_home(home)
        h.mkdir(parents=True, exist_ok=True)
        return cls(h, db_url(db, h))

    @property
    def store(self) -> RawStore:
        return RawStore(self.home / "raw")

    def session(self, immediate: bool = False) -> Session:
        """A session on the home's database (migrated on first use). ``immediate``: on SQLite,
        take the write lock when the transaction begins, so a unit of work that reads and then
        writes waits for other writers instead of failing with "database is locked"."""
        from db.session import session as open_session

        return open_session(self.url, immediate=immediate)
