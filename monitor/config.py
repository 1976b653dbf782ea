"""The monitor's configuration (``config/monitor.yaml``) and the rosters of expected agencies
(``config/agencies/*.yaml``). Both are optional: defaults apply, and a missing roster only means
that P1 knows no agency beyond those seen in earlier years."""
from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from monitor import catalogue

DEFAULTS: dict[str, Any] = {
    "deadlines": {"department": "01-31", "government": "03-31", "town": "03-31", "other": "03-31",
                  "regions": []},
    "hard": {"blank_as_zero": True},
    "crossyear": {"w1": True, "w2": True},
    "narrative": {"applications_handled": True},
    "duplication": {"shingle": 3, "min_shingles": 80, "previous_year": 0.85, "other_agency": 0.85,
                    "max_listed": 5, "bins": 32, "band_rows": 4},
    "trend": {"consecutive_rises": 2, "min_cases": 3, "rate_threshold": 0.3, "min_decided": 5},
    "publication": {"check_unharvested_years": False},
    # coverage (C2–C5): findings about a site, not an agency
    "coverage": {"stale_days": 14, "drop_ratio": 0.5, "min_previous_reports": 3, "error_share": 0.5},
    "severity": catalogue.default_severities(),
}


class MonitorConfigError(ValueError):
    """A configuration nianbao cannot use; the message is one line naming the file and the key."""


def validate(data: dict[str, Any], source: str = "monitor.yaml") -> None:
    """Reject what would otherwise be silently ignored: unknown sections, unknown rule ids (with
    the closest ids as a hint: a typo "R7" must not leave R1 at its default) and unknown
    severities."""
    if not isinstance(data, dict):
        raise MonitorConfigError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    for key in data:
        if key not in DEFAULTS:
            close = difflib.get_close_matches(str(key), list(DEFAULTS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(DEFAULTS)})"
            raise MonitorConfigError(f"{source}: unknown section {key!r}{hint}")
    sev = data.get("severity") or {}
    if not isinstance(sev, dict):
        raise MonitorConfigError(f"{source}: severity must map rule ids to {'/'.join(catalogue.SEVERITIES)}")
    for rule, level in sev.items():
        if str(rule) not in catalogue.BY_ID:
            raise MonitorConfigError(f"{source}: severity: {catalogue.unknown_message(rule)}")
        if level not in catalogue.SEVERITIES:
            raise MonitorConfigError(f"{source}: severity of {rule}: {level!r} is not one of "
                                     f"{', '.join(catalogue.SEVERITIES)}")

BODY_TYPES = ("department", "government", "town", "other")


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


@dataclass
class RosterEntry:
    """One expected agency, as a roster in ``config/agencies/`` lists it."""

    name: str
    region: str | None = None
    region_code: str = ""
    province: str | None = None
    level: str | None = None
    body_type: str | None = None
    site: str | None = None
    since: int | None = None  # first report year it is expected for (optional)
    until: int | None = None  # last report year it is expected for (optional)
    years: frozenset[int] | None = None  # the report years the roster covers (optional)
    deadlines: dict[str, str] | None = None  # the roster's local deadlines per body type (optional)
    source: str = ""


@dataclass
class MonitorConfig:
    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    roster: list[RosterEntry] = field(default_factory=list)

    @classmethod
    def load(cls, config_dir: Path | None = None, overrides: dict | None = None) -> "MonitorConfig":
        """Read ``monitor.yaml`` and ``agencies/*.yaml`` under ``config_dir`` (default: the
        project's ``config/`` or ``NIANBAO_CONFIG``); both may be absent."""
        if config_dir is None:
            from config import config_dir as default_dir

            config_dir = default_dir()
        config_dir = Path(config_dir)
        data = copy.deepcopy(DEFAULTS)
        f = config_dir / "monitor.yaml"
        if f.exists():
            try:
                doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise MonitorConfigError(f"{f}: not valid YAML: {str(exc).splitlines()[0]}") from None
            validate(doc, str(f))
            data = _merge(data, doc)
        if overrides:
            validate(overrides, "overrides")
            data = _merge(data, overrides)
        return cls(data, load_rosters(config_dir / "agencies"))

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self.data[key]

    def severity(self, rule: str) -> str:
        return self.data["severity"].get(rule) or catalogue.get(rule).severity

    def deadline(self, year: int, body_type: str, province: str | None, region: str | None,
                 region_code: str | None, local: dict[str, str] | None = None) -> date:
        """The last day on which the report of ``year`` is on time: a matching ``regions`` rule of
        monitor.yaml, else the deadlines of the agency's roster file (local rules), else the
        defaults of monitor.yaml."""
        d = self.data["deadlines"]
        md = (local or {}).get(body_type) or d.get(body_type) or d.get("other") or "03-31"
        for rule in d.get("regions") or []:
            if _region_matches(rule, province, region, region_code) and rule.get(body_type):
                md = rule[body_type]
                break
        month, day = (int(x) for x in str(md).split("-"))
        return date(year + 1, month, day)


def _region_matches(rule: dict, province: str | None, region: str | None, code: str | None) -> bool:
    keys = [k for k in ("province", "region", "region_code") if rule.get(k)]
    if not keys:
        return False
    for k in keys:
        want = str(rule[k])
        if k == "province" and want != (province or ""):
            return False
        if k == "region" and want != (region or ""):
            return False
        if k == "region_code" and not (code or "").startswith(want):
            return False
    return True


def load_rosters(folder: Path) -> list[RosterEntry]:
    """Every ``*.yaml`` under ``folder``: a list of entries, or a mapping with ``agencies`` (and
    optionally ``province``) — whatever is there; unreadable files are skipped, not fatal."""
    out: list[RosterEntry] = []
    if not folder.is_dir():
        return out
    for f in sorted(folder.glob("*.y*ml")):
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        province = None
        entries = doc
        file_years: frozenset[int] | None = None
        file_deadlines: dict[str, str] | None = None
        if isinstance(doc, dict):
            province = doc.get("province")
            entries = doc.get("agencies") or doc.get("entries") or []
            file_years = _years(doc.get("years"))
            if isinstance(doc.get("deadlines"), dict):
                file_deadlines = {str(k): str(v) for k, v in doc["deadlines"].items()}
        if not isinstance(entries, list):
            continue
        for e in entries:
            if isinstance(e, str):
                e = {"name": e}
            if not isinstance(e, dict) or not e.get("name"):
                continue
            bt = e.get("body_type")
            out.append(RosterEntry(
                name=str(e["name"]).strip(), region=e.get("region"), region_code=str(e.get("region_code") or ""),
                province=e.get("province") or province, level=e.get("level"),
                body_type=bt if bt in BODY_TYPES else None, site=e.get("site"),
                since=_int(e.get("since")), until=_int(e.get("until")),
                years=_years(e.get("years")) or file_years,
                deadlines={**(file_deadlines or {}), **{str(k): str(v) for k, v in (e.get("deadlines") or {}).items()}}
                or None,
                source=f.name))
    return out


def _years(x) -> frozenset[int] | None:
    if not isinstance(x, (list, tuple)):
        return None
    out = {y for y in (_int(v) for v in x) if y is not None}
    return frozenset(out) or None


def _int(x) -> int | None:
    try:
        return int(x) if x is not None else None
    except (TypeError, ValueError):
        return None


_TOWN = re.compile(r"(镇|乡|街道|街道办事处|苏木)(人民政府)?$")
_GOV = re.compile(r"人民政府(办公室|办公厅)?$")


def infer_body_type(name: str, declared: str | None) -> str:
    """The declared body type, else one read off an unambiguous name; unknown is ``other``
    (which gets the lenient deadline: a wrong "late" is worse than a missed one)."""
    if declared in BODY_TYPES:
        return declared
    n = (name or "").strip()
    if _TOWN.search(n):
        return "town"
    if _GOV.search(n):
        return "government"
    return "other"


def is_town(name: str, body_type: str | None, level: str | None = None) -> bool:
    """A 乡/镇/街道 body: declared so (body type or level), or named so (ends 镇/乡/街道…)."""
    if body_type == "town" or level == "town":
        return True
    return bool(_TOWN.search((name or "").strip()))
