"""The agencies of an export, completed from the rosters as the monitor completes them.

A row of ``agencies`` knows what the document and its site said: a crawled report has its site's
行政区划代码 and region (``config/sites``), an imported one often nothing. The rosters
(``config/agencies/*.yaml``, the ones the monitor judges publication against) know each expected
agency's code, region, level and body type. The export merges the two exactly as the monitor does
(:func:`monitor.view.resolve_agencies`: an uncoded row joins the roster entry, or the coded row, of
the same name when that name is unique), so an export, a region page and a P1 finding agree on who
belongs where. A body type nobody declared is read off an unambiguous name (…人民政府 government,
…镇/街道 town), else ``other``.

Roster entries no row matches — expected agencies of which no report was ever found — are
agencies of the export too (so a region page can name them), numbered after the database's
highest agency id in roster order: those ids hold within one export only.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from db.models import Agency

#: The columns of the exported ``agencies`` table, in order.
COLUMNS = ("id", "name", "province", "region", "region_code", "level", "body_type", "expected")


@dataclass(frozen=True)
class AgencyRow:
    """One exported agency: a database row completed from its roster entry, or a roster entry alone."""

    id: int
    name: str
    province: str | None
    region: str | None
    region_code: str
    level: str | None
    body_type: str | None
    expected: bool
    in_database: bool = True

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, c) for c in COLUMNS)


@dataclass
class AgencyCatalogue:
    """Every agency of the database and the rosters, by exported id."""

    rows: dict[int, AgencyRow] = field(default_factory=dict)

    def matching(self, province: str | None = None, region: str | None = None) -> list[AgencyRow]:
        """The agencies of a province (any spelling: 江苏 = 江苏省) and/or under a 行政区划代码 prefix."""
        from monitor.view import norm_province

        want = norm_province(province) if province else None
        prefix = region_prefix(region) if region else None
        return [a for a in self.rows.values()
                if (want is None or norm_province(a.province) == want)
                and (prefix is None or (a.region_code or "").startswith(prefix))]


def region_prefix(code: str) -> str:
    """320800 → 3208: the 行政区划代码 of a region is the prefix of every code inside it."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _roster(config_dir: Path | None) -> Any:
    """The rosters only (a monitor.yaml that does not validate must not stop an export)."""
    from monitor.config import MonitorConfig, load_rosters

    if config_dir is None:
        from config import config_dir as default_dir

        config_dir = default_dir()
    return MonitorConfig(roster=load_rosters(Path(config_dir) / "agencies"))


#: One catalogue per connection and transaction: an export asks for it from several queries.
_CACHE: weakref.WeakKeyDictionary[Connection, tuple[Any, AgencyCatalogue]] = weakref.WeakKeyDictionary()


def agency_catalogue(conn: Connection, config_dir: Path | None = None) -> AgencyCatalogue:
    """The database's agencies completed from the rosters, and the roster entries without a row
    (read once per transaction of ``conn``)."""
    tx = conn.get_transaction()
    cached = _CACHE.get(conn)
    if config_dir is None and tx is not None and cached is not None and cached[0] is tx:
        return cached[1]
    out = _build(conn, config_dir)
    if config_dir is None and tx is not None:
        _CACHE[conn] = (tx, out)
    return out


def _build(conn: Connection, config_dir: Path | None) -> AgencyCatalogue:
    from monitor.config import infer_body_type
    from monitor.view import resolve_agencies

    rows = conn.execute(select(Agency.id, Agency.name, Agency.region_code, Agency.province, Agency.region,
                               Agency.level, Agency.body_type, Agency.expected).order_by(Agency.id)).all()
    by_key, by_id = resolve_agencies(rows, _roster(config_dir))
    out = AgencyCatalogue()
    for r in rows:
        info = by_id[r.id]
        out.rows[r.id] = AgencyRow(
            r.id, r.name, r.province or info.province, r.region or info.region, r.region_code or info.region_code,
            info.level or r.level, infer_body_type(r.name, info.declared_type), bool(info.expected))
    next_id = (conn.execute(select(func.max(Agency.id))).scalar() or 0) + 1
    for info in by_key.values():
        if info.ids:
            continue
        out.rows[next_id] = AgencyRow(next_id, info.name, info.province, info.region, info.region_code, info.level,
                                      infer_body_type(info.name, info.declared_type), info.expected,
                                      in_database=False)
        next_id += 1
    return out
