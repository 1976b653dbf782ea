"""Starting the browser: export the database to SQLite for datasette, then serve it read-only."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.rawstore import RawStore

TEMPLATES = Path(__file__).resolve().parent / "templates"


def browse_export_path(home: Any) -> Path:
    """Where ``nianbao serve`` keeps its export: ``<home>/browse/nianbao.db``."""
    return Path(home.home) / "browse" / "nianbao.db"


def prepare(s: Session, db_path: Path) -> None:
    """Export the current versions to ``db_path`` (with its metadata beside it)."""
    from nianbao.app.export import export

    export(s, db_path, "sqlite")


def datasette_instance(db_path: Path, store: RawStore):
    """Datasette over ``db_path``, opened immutable (read-only), with the nianbao plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from nianbao.app.export_writers import metadata_path
    from nianbao.serve import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="nianbao")
    metadata = json.loads(metadata_path(db_path).read_text(encoding="utf-8"))
    metadata.setdefault("plugins", {})["nianbao"] = {"raw_store": str(store.root), "database": db_path.stem}
    return Datasette(immutables=[str(db_path)], metadata=metadata, template_dir=str(TEMPLATES),
                     settings={"default_page_size": 50, "sql_time_limit_ms": 3000, "allow_download": False})


def run(db_path: Path, store: RawStore, host: str, port: int) -> None:
    import uvicorn

    ds = datasette_instance(db_path, store)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
