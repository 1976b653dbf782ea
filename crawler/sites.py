"""Site configuration: ``config/sites/*.yaml`` (format in docs/sites.md).

A portal is configuration, not code. Every file names a province and lists its sites; a site
names its CMS ``platform`` (which spider class crawls it), its start URLs, the domains the crawl
may touch, and what the documents cannot say for themselves (region, level, default agency).

``{portal}`` in a URL is replaced by the sample portal's base URL (``--portal``, env
``NIANBAO_PORTAL``, default ``http://127.0.0.1:8765``); real portals write full URLs.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

DEFAULT_PORTAL = "http://127.0.0.1:8765"
PLATFORMS = ("generic", "trs", "hanweb", "gdplatform")


class SiteConfigError(ValueError):
    pass


@dataclass
class SiteConfig:
    name: str
    province: str | None = None
    platform: str = "generic"
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    region: str | None = None
    region_code: str | None = None
    level: str | None = None
    default_agency: str | None = None
    body_type: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    file: str | None = None  # the YAML file it came from

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def agency_attrs(self) -> dict[str, Any]:
        """What ``nianbao.pipeline.extract_document`` records on the agencies of this site."""
        return {"province": self.province, "region": self.region, "region_code": self.region_code or "",
                "level": self.level, "body_type": self.body_type}

    @classmethod
    def from_dict(cls, data: dict[str, Any], province: str | None = None, portal: str | None = None,
                  file: str | None = None) -> "SiteConfig":
        if not isinstance(data, dict) or not data.get("name"):
            raise SiteConfigError(f"{file or 'site'}: every site needs a name")
        portal = (portal or os.environ.get("NIANBAO_PORTAL") or DEFAULT_PORTAL).rstrip("/")
        sub = lambda s: str(s).replace("{portal}", portal)  # noqa: E731
        platform = data.get("platform") or "generic"
        if platform not in PLATFORMS:
            raise SiteConfigError(f"{file or 'site'}: {data['name']}: unknown platform {platform!r} "
                                  f"(one of {', '.join(PLATFORMS)})")
        starts = [sub(u) for u in (data.get("start_urls") or [])]
        if not starts:
            raise SiteConfigError(f"{file or 'site'}: {data['name']}: no start_urls")
        allowed = [sub(d) for d in (data.get("allowed_domains") or [])]
        # a {portal} placeholder in allowed_domains means the portal's host name
        allowed = [urlsplit(d).hostname if "//" in d else d for d in allowed]
        if not allowed:
            allowed = sorted({urlsplit(u).hostname for u in starts if urlsplit(u).hostname})
        known = {f for f in cls.__dataclass_fields__}
        extra = set(data) - known
        if extra:
            raise SiteConfigError(f"{file or 'site'}: {data['name']}: unknown keys {sorted(extra)}")
        rc = data.get("region_code")
        return cls(name=str(data["name"]), province=data.get("province") or province, platform=platform,
                   start_urls=starts, allowed_domains=allowed, region=data.get("region"),
                   region_code=None if rc is None else str(rc), level=data.get("level"),
                   default_agency=data.get("default_agency"), body_type=data.get("body_type"),
                   hints=dict(data.get("hints") or {}), enabled=bool(data.get("enabled", True)), file=file)


def sites_dir() -> Path:
    from nianbao.paths import config_dir

    return config_dir() / "sites"


def load_file(path: str | os.PathLike, portal: str | None = None) -> list[SiteConfig]:
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SiteConfigError(f"{path}: expected a mapping with 'province' and 'sites'")
    province = data.get("province")
    return [SiteConfig.from_dict(s, province, portal, str(path)) for s in (data.get("sites") or [])]


def load_sites(source: str | os.PathLike | None = None, portal: str | None = None,
               include_disabled: bool = False) -> list[SiteConfig]:
    """All sites of a YAML file, or of every ``*.yaml`` in a folder (default ``config/sites``)."""
    src = Path(source) if source else sites_dir()
    files = [src] if src.is_file() else sorted(src.glob("*.yaml"))
    out: list[SiteConfig] = []
    seen: dict[str, str] = {}
    for f in files:
        for site in load_file(f, portal):
            if site.name in seen:
                raise SiteConfigError(f"site {site.name!r} is defined twice ({seen[site.name]} and {f})")
            seen[site.name] = str(f)
            if site.enabled or include_disabled:
                out.append(site)
    return out


def find_site(name: str, source: str | os.PathLike | None = None, portal: str | None = None) -> SiteConfig:
    for site in load_sites(source, portal, include_disabled=True):
        if site.name == name:
            return site
    raise SiteConfigError(f"no site named {name!r} in {source or sites_dir()}")
