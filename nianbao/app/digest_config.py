"""The digest's configuration (``config/digest.yaml``): who gets a weekly digest of what, and
the SMTP server that sends it.

The SMTP password is read ONLY from the environment variable named by ``smtp.password_env``
(default ``NIANBAO_SMTP_PASSWORD``): a configuration file is copied, committed and shown, a
password in it would leak. Host, port, security and user may be overridden by
``NIANBAO_SMTP_HOST``, ``NIANBAO_SMTP_PORT``, ``NIANBAO_SMTP_SECURITY`` and ``NIANBAO_SMTP_USER``.
A subscriber's rule filter is checked against the rule catalogue (an unknown id is an error
naming the closest ones)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor import catalogue
from monitor.view import norm_province

SECURITY = ("none", "starttls", "tls")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class DigestConfigError(ValueError):
    """The digest configuration cannot be used; the message is one line."""


@dataclass(frozen=True)
class Subscriber:
    """One reader: the provinces, 行政区划代码 prefixes or sites they follow (none: everything),
    and optionally the only rules they want to hear about."""

    address: str
    name: str = ""
    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def follows(self, province: str | None, region_code: str | None, site: str | None) -> bool:
        if not (self.provinces or self.regions or self.sites):
            return True
        if province and norm_province(province) in {norm_province(p) for p in self.provinces}:
            return True
        if region_code and any(region_code.startswith(p) for p in self.regions):
            return True
        return bool(site) and site in self.sites

    def wants(self, rule: str) -> bool:
        return not self.rules or rule in self.rules

    @property
    def scope_text(self) -> str:
        parts = [*self.provinces, *(f"代码{r}*" for r in self.regions), *(f"站点{s}" for s in self.sites)]
        return "、".join(parts) if parts else "全部地区"


@dataclass
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls (implicit TLS, usually port 465)
    user: str | None = None
    password_env: str = "NIANBAO_SMTP_PASSWORD"
    sender: str = "nianbao <nianbao@localhost>"
    timeout: float = 30.0
    retries: int = 3  # attempts per digest in one run
    backoff: float = 5.0  # seconds before the 2nd attempt; doubles after each

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


@dataclass
class DigestConfig:
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    subscribers: list[Subscriber] = field(default_factory=list)
    source: str = ""

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "DigestConfig":
        """``path``, else ``NIANBAO_DIGEST_CONFIG``, else ``digest.yaml`` of the configuration."""
        if path is None:
            path = os.environ.get("NIANBAO_DIGEST_CONFIG")
        if path is None:
            from config import config_path

            path = config_path("digest.yaml")
        p = Path(path)
        if not p.exists():
            raise DigestConfigError(f"{p}: no digest configuration (subscribers and smtp)")
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise DigestConfigError(f"{p}: not valid YAML: {str(exc).splitlines()[0]}") from None
        return cls.from_dict(doc, str(p))

    @classmethod
    def from_dict(cls, doc: dict[str, Any], source: str = "digest.yaml") -> "DigestConfig":
        if not isinstance(doc, dict):
            raise DigestConfigError(f"{source}: expected a mapping with smtp and subscribers")
        unknown = set(doc) - {"smtp", "subscribers"}
        if unknown:
            raise DigestConfigError(f"{source}: unknown section(s) {', '.join(sorted(unknown))} (known: smtp, subscribers)")
        sm = dict(doc.get("smtp") or {})
        if "password" in sm:
            raise DigestConfigError(f"{source}: smtp.password is not read from a file; set the environment variable "
                                    f"{sm.get('password_env', 'NIANBAO_SMTP_PASSWORD')} instead")
        known = {"host", "port", "security", "user", "password_env", "from", "timeout", "retries", "backoff"}
        bad = set(sm) - known
        if bad:
            raise DigestConfigError(f"{source}: unknown smtp key(s) {', '.join(sorted(bad))} (known: {', '.join(sorted(known))})")
        env = os.environ
        smtp = SmtpConfig(
            host=env.get("NIANBAO_SMTP_HOST") or str(sm.get("host", "127.0.0.1")),
            port=int(env.get("NIANBAO_SMTP_PORT") or sm.get("port", 25)),
            security=(env.get("NIANBAO_SMTP_SECURITY") or str(sm.get("security", "none"))).lower(),
            user=env.get("NIANBAO_SMTP_USER") or sm.get("user"),
            password_env=str(sm.get("password_env", "NIANBAO_SMTP_PASSWORD")),
            sender=str(sm.get("from", "nianbao <nianbao@localhost>")),
            timeout=float(sm.get("timeout", 30)), retries=max(1, int(sm.get("retries", 3))),
            backoff=float(sm.get("backoff", 5)))
        if smtp.security not in SECURITY:
            raise DigestConfigError(f"{source}: smtp.security {smtp.security!r} is not one of {', '.join(SECURITY)}")
        subs: list[Subscriber] = []
        seen: set[str] = set()
        for n, e in enumerate(doc.get("subscribers") or []):
            if isinstance(e, str):
                e = {"address": e}
            addr = str((e or {}).get("address") or "").strip()
            if not _ADDRESS.match(addr):
                raise DigestConfigError(f"{source}: subscriber {n + 1}: {addr!r} is not an e-mail address")
            if addr.lower() in seen:
                raise DigestConfigError(f"{source}: subscriber {addr} is listed twice")
            seen.add(addr.lower())
            rules = tuple(str(r).upper() for r in e.get("rules") or ())
            for r in rules:
                if r not in catalogue.BY_ID:
                    raise DigestConfigError(f"{source}: subscriber {addr}: {catalogue.unknown_message(r)}")
            subs.append(Subscriber(addr, str(e.get("name") or ""), tuple(str(x) for x in e.get("provinces") or ()),
                                   tuple(str(x) for x in e.get("regions") or ()),
                                   tuple(str(x) for x in e.get("sites") or ()), rules))
        return cls(smtp, subs, source)

    def subscriber(self, address: str) -> Subscriber:
        """The subscriber with this address, or one who follows everything (``--to`` elsewhere)."""
        for s in self.subscribers:
            if s.address.lower() == address.lower():
                return s
        if not _ADDRESS.match(address):
            raise DigestConfigError(f"--to: {address!r} is not an e-mail address")
        return Subscriber(address)
