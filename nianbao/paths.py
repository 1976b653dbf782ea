"""Where things live: the configuration folder, the data home, the database URL."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    """``config/`` of the checkout, or ``NIANBAO_CONFIG``."""
    return Path(os.environ.get("NIANBAO_CONFIG") or ROOT / "config")


def data_home(home: str | os.PathLike | None = None) -> Path:
    """The data home (raw store, SQLite file): ``--home``, ``NIANBAO_HOME``, or ``./data``."""
    return Path(home or os.environ.get("NIANBAO_HOME") or "data").resolve()


def db_url(db: str | None = None, home: str | os.PathLike | None = None) -> str:
    """Any SQLAlchemy URL from ``--db`` / ``NIANBAO_DB``; by default SQLite under the data home."""
    url = db or os.environ.get("NIANBAO_DB")
    if url:
        return url
    return f"sqlite:///{data_home(home) / 'nianbao.sqlite'}"
