"""Site configuration: ``config/sites/*.yaml`` (format in docs/sites.md).

A portal is configuration, not code. Every file names a province and lists its sites; a site
names its CMS ``platform`` (which spider class crawls it), its start URLs, the domains the crawl
may touch, and what the documents cannot say for themselves (region, level, default agency).

``{portal}`` in a URL is replaced by the sample portal's base URL (``--portal``, env
``NIANBAO_PORTAL``, default ``http://127.0.0.1:8765``); real portals write full URLs.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.platforms import DEFAULT_PLATFORM, PLATFORMS, GenericHints, HintError, Hints, get_platform

DEFAULT_PORTAL = "http://127.0.0.1:8765"
LEVELS = ("province", "city", "county", "town")
FILE_KEYS = ("province", "sites")


class SiteConfigError(ValueError):
    """A site file that cannot be used: one line naming the file, the site and the problem (or
    the file and the line, for YAML that does not parse)."""


def _close(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(where: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SiteConfigError(f"{where}: {key} must be a non-empty string, not {value!r}")
    return value.strip()


def _strings(where: str, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SiteConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
    return [v.strip() for v in value]


@dataclass
class SiteConfig:
    name: str
    province: str | None = None
    platform: str = DEFAULT_PLATFORM
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    region: str | None = None
    region_code: str | None = None
    level: str | None = None
    default_agency: str | None = None
    body_type: str | None = None
    hints: Hints = field(default_factory=GenericHints)
    enabled: bool = True
    file: str | None = None  # the YAML file it came from

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hints"] = self.hints.as_dict()
        return out

    @property
    def agency_attrs(self) -> dict[str, Any]:
        """What ``nianbao.pipeline.extract_document`` records on the agencies of this site."""
        return {"province": self.province, "region": self.region, "region_code": self.region_code or "",
                "level": self.level, "body_type": self.body_type}

    @classmethod
    def from_dict(cls, data: dict[str, Any], province: str | None = None, portal: str | None = None,
                  file: str | None = None) -> "SiteConfig":
        """One site entry, checked: every key known (else the closest one is named), every
        value of its type, URLs that are http(s) URLs, at least one start URL, hints that fit
        the platform. Problems are one-line ``SiteConfigError``s naming file and site."""
        if isinstance(data, dict) and not file and isinstance(data.get("file"), str):
            file = data["file"]  # an entry coming back from ``as_dict`` (a spider's config)
        src = file or "site"
        if not isinstance(data, dict):
            raise SiteConfigError(f"{src}: a site entry must be a mapping of key: value, not {data!r}")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SiteConfigError(f"{src}: every site needs a name (got {name!r})")
        name = name.strip()
        where = f"{src}: site {name!r}"
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise SiteConfigError(f"{where}: unknown key {key!r}{_close(key, known)}")
        portal = (portal or os.environ.get("NIANBAO_PORTAL") or DEFAULT_PORTAL).rstrip("/")
        sub = lambda s: s.replace("{portal}", portal)  # noqa: E731
        platform = data.get("platform") or DEFAULT_PLATFORM
        try:
            spec = get_platform(platform if isinstance(platform, str) else repr(platform))
        except KeyError as exc:
            raise SiteConfigError(f"{where}: {exc.args[0]}") from None
        starts = [sub(u) for u in _strings(where, "start_urls", data.get("start_urls"))]
        if not starts:
            raise SiteConfigError(f"{where}: no start_urls (the page listing the agency's annual reports)")
        for url in starts:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SiteConfigError(f"{where}: start URL {url!r} is not an http(s) URL with a host")
        allowed = []
        for d in _strings(where, "allowed_domains", data.get("allowed_domains")):
            d = sub(d)
            # a {portal} placeholder (or any URL) in allowed_domains means its host name
            host = urlsplit(d).hostname if "//" in d else d
            if not host or any(c in host for c in "/ :?#@"):
                raise SiteConfigError(f"{where}: allowed domain {d!r} is not a host name")
            allowed.append(host)
        if not allowed:
            allowed = sorted({urlsplit(u).hostname for u in starts if urlsplit(u).hostname})
        rc = data.get("region_code")
        if rc is not None and (isinstance(rc, bool) or not str(rc).isdigit()):
            raise SiteConfigError(f"{where}: region_code must be the digits of a 行政区划代码, not {rc!r}")
        level = _text(where, "level", data.get("level"))
        if level is not None and level not in LEVELS:
            raise SiteConfigError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}{_close(level, LEVELS)}")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise SiteConfigError(f"{where}: enabled must be true or false, not {enabled!r}")
        try:
            hints = spec.hints.parse(data.get("hints"), spec.name)
        except HintError as exc:
            raise SiteConfigError(f"{where}: {exc}") from None
        return cls(name=name, province=_text(where, "province", data.get("province")) or province,
                   platform=spec.name, start_urls=starts, allowed_domains=allowed,
                   region=_text(where, "region", data.get("region")), region_code=None if rc is None else str(rc),
                   level=level, default_agency=_text(where, "default_agency", data.get("default_agency")),
                   body_type=_text(where, "body_type", data.get("body_type")), hints=hints, enabled=enabled, file=file)


def sites_dir() -> Path:
    """``sites/`` of ``NIANBAO_CONFIG`` when it has one, else the shipped sample sites."""
    from config import config_path

    return config_path("sites")


def read_yaml(path: Path) -> Any:
    """A YAML file's data; a file that does not parse is one line naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SiteConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SiteConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        context = getattr(exc, "context", None)
        if context:
            what = f"{what} ({' '.join(str(context).split())})"
        raise SiteConfigError(f"{path}{line}: not valid YAML: {what}") from None


def load_file(path: str | os.PathLike, portal: str | None = None) -> list[SiteConfig]:
    path = Path(path)
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise SiteConfigError(f"{path}: expected a mapping with 'province' and 'sites'")
    for key in data:
        if key not in FILE_KEYS:
            raise SiteConfigError(f"{path}: unknown key {key!r}{_close(key, FILE_KEYS)}; a site file has "
                                  f"{' and '.join(FILE_KEYS)}")
    province = _text(str(path), "province", data.get("province"))
    sites = data.get("sites") or []
    if not isinstance(sites, list):
        raise SiteConfigError(f"{path}: sites must be a list of site entries")
    return [SiteConfig.from_dict(s, province, portal, str(path)) for s in sites]


def load_sites(source: str | os.PathLike | None = None, portal: str | None = None,
               include_disabled: bool = False) -> list[SiteConfig]:
    """All sites of a YAML file, or of every ``*.yaml`` in a folder (default ``config/sites``)."""
    src = Path(source) if source else sites_dir()
    if not src.exists():
        raise SiteConfigError(f"{src}: no such file or folder")
    files = [src] if src.is_file() else sorted(src.glob("*.yaml"))
    out: list[SiteConfig] = []
    seen: dict[str, str] = {}
    for f in files:
        for site in load_file(f, portal):
            if site.name in seen:
                raise SiteConfigError(f"{f}: site {site.name!r} is defined twice ({seen[site.name]} and {f})")
            seen[site.name] = str(f)
            if site.enabled or include_disabled:
                out.append(site)
    return out


def find_site(name: str, source: str | os.PathLike | None = None, portal: str | None = None) -> SiteConfig:
    sites = load_sites(source, portal, include_disabled=True)
    for site in sites:
        if site.name == name:
            return site
    raise SiteConfigError(f"no site named {name!r} in {source or sites_dir()}{_close(name, [s.name for s in sites])}")


__all__ = ["PLATFORMS", "SiteConfig", "SiteConfigError", "find_site", "load_file", "load_sites", "sites_dir"]
