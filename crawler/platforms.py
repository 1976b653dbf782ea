"""The one catalogue of CMS platforms: per platform its spider class, the ``hints`` a site entry may
give it (a typed dataclass that rejects unknown keys) and a one-line description.

Everything that lists platforms reads this: the site loader (``crawler.sites``) validates a
site's ``platform`` and ``hints`` here, ``crawler.spiders.spider_for`` imports the spider class
named here, and the tables in ``docs/sites.md`` are generated from it
(``python -m crawler.platforms`` prints them; ``tests/test_crawl_units.py`` checks the file).

Adding a platform: a spider module in ``crawler/spiders/``, a ``Platform`` entry below and, if
the platform reads hints of its own, a ``Hints`` subclass whose fields carry a ``doc``. Adding a
hint key to a platform: a field on its hints class (the generic platform's is ``GenericHints``).
Spider classes are named by import path so that this module imports no spider (the spiders
import the site loader, which imports this).
"""
from __future__ import annotations

import difflib
import importlib
import re
import sys
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any


class HintError(ValueError):
    """A site's ``hints`` do not fit its platform: one line naming the key and the problem."""


def _doc(text: str, default: Any = None) -> Any:
    """A hint field with its one-line description (shown in docs/sites.md)."""
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class Hints:
    """What a site entry may tell every spider (``hints:`` in its YAML entry). All optional:
    without hints the spider's heuristics find columns, reports and pages."""

    list_patterns: tuple[str, ...] = _doc(
        "URL regexes of list pages to follow; with them the column heuristics are off", ())
    detail_patterns: tuple[str, ...] = _doc("URL regexes of report pages: a matching link is a report whatever its title", ())
    attachment_patterns: tuple[str, ...] = _doc("URL regexes of attachment files without a telling extension", ())
    skip_patterns: tuple[str, ...] = _doc("URL regexes never to request", ())
    max_depth: int | None = _doc("how many list pages deep to go from a start URL (default 8)")

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping-style reading (``hints.get("max_depth", 8)``) for code written against the
        old dict: an unset hint (None or empty) gives ``default``."""
        value = getattr(self, key, None)
        return default if value is None or value == () else value

    def as_dict(self) -> dict[str, Any]:
        """The hints that are set, as a site entry would write them."""
        return {f.name: list(v) if isinstance(v, tuple) else v for f in fields(self)
                if (v := getattr(self, f.name)) is not None and v != ()}

    @classmethod
    def parse(cls, data: Any, platform: str = "") -> "Hints":
        """The hints of a site entry, checked: a mapping whose keys are fields of this class
        (an unknown key is an error naming the closest known one), patterns lists of valid
        regular expressions, counts positive integers, ids strings or integers."""
        if data is None:
            return cls()
        if isinstance(data, Hints):
            data = data.as_dict()
        if not isinstance(data, dict):
            raise HintError(f"hints must be a mapping of key: value, not {type(data).__name__}")
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise HintError(f"hints: unknown key {key!r}{hint}; {platform or 'this platform'} knows "
                                f"{', '.join(known)}")
        types_ = typing.get_type_hints(cls)
        values = {key: _check(key, types_[key], value) for key, value in data.items()}
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(key, type, description) of every hint, for the docs."""
        types_ = typing.get_type_hints(cls)
        return [(f.name, _type_name(types_[f.name]), f.metadata.get("doc", "")) for f in fields(cls)]


def _check(key: str, kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        kind = inner[0] if len(inner) == 1 else kind
        origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:  # tuple[str, ...]: a list of regular expressions
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise HintError(f"hints: {key} must be a list of regular expressions, not {value!r}")
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise HintError(f"hints: {key}: {pattern!r} is not a regular expression ({exc})") from None
        return tuple(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise HintError(f"hints: {key} must be a positive whole number, not {value!r}")
        return value
    if kind is str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise HintError(f"hints: {key} must be a string, not {value!r}")
        return str(value)
    raise HintError(f"hints: {key}: no check for {kind!r}")  # pragma: no cover - a new field type needs one


def _type_name(kind: Any) -> str:
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    base = args[0] if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1 else kind
    if typing.get_origin(base) is tuple:
        return "list of regexes"
    return {int: "integer", str: "string"}.get(base, str(base))


@dataclass(frozen=True)
class GenericHints(Hints):
    """The generic platform's hints: those of every platform so far. Generic discovery (of
    columns and reports on sites with no known CMS) adds its keys here."""


@dataclass(frozen=True)
class HanwebHints(Hints):
    """大汉 Hanweb: the ``dataproxy.jsp`` form fields, for columns whose page does not name them."""

    column_id: str | None = _doc("hanweb: the columnid for dataproxy.jsp paging")
    unit_id: str | None = _doc("hanweb: the unitid form field")
    web_id: str | None = _doc("hanweb: the webid form field")
    webname: str | None = _doc("hanweb: the webname form field (the site's name)")


@dataclass(frozen=True)
class Platform:
    """One CMS family: ``spider`` is ``module:Class`` of its spider, ``hints`` the class that
    reads a site's ``hints:``, ``description`` one line for the docs."""

    name: str
    spider: str
    hints: type[Hints]
    description: str

    def spider_class(self) -> type:
        module, _, attr = self.spider.partition(":")
        return getattr(importlib.import_module(module), attr)


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("generic", "crawler.spiders.generic:GenericSpider", GenericHints,
             "any portal without CMS-specific paging (old hand-made sites): the base spider's heuristics"),
    Platform("trs", "crawler.spiders.trs:TRSSpider", Hints,
             "TRS 拓尔思 WCM: list pages written by JavaScript `createPageHTML(countPage, …)`; "
             "details `/YYYYMM/tYYYYMMDD_id.html`"),
    Platform("hanweb", "crawler.spiders.hanweb:HanwebSpider", HanwebHints,
             "大汉 Hanweb JCMS: records in `<datastore>` XML, further pages by POST to `dataproxy.jsp`; "
             "details `/art/YYYY/M/D/art_COL_ID.html`"),
    Platform("gdplatform", "crawler.spiders.gdplatform:GDPlatformSpider", Hints,
             "Guangdong 集约化 platform: details `content/post_N.html`, attachments `/attachment/0/a/b/N.pdf`, "
             "lists `index_N.html` numbered from 2"),
)}
DEFAULT_PLATFORM = "generic"


def get_platform(name: str | None) -> Platform:
    """The platform called ``name`` (None: generic); an unknown name is a ``KeyError`` whose
    message names the closest known one."""
    name = name or DEFAULT_PLATFORM
    try:
        return PLATFORMS[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), list(PLATFORMS), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(f"unknown platform {name!r}{hint}; one of {', '.join(PLATFORMS)}") from None


# ------------------------------------------------------------------------------ docs
DOC_BEGIN = "<!-- platforms: generated by `python -m crawler.platforms`; do not edit by hand -->"
DOC_END = "<!-- /platforms -->"


def markdown() -> str:
    """The platform and hint tables of ``docs/sites.md``, between ``DOC_BEGIN`` and ``DOC_END``."""
    lines = [DOC_BEGIN, "", "| platform | what it crawls |", "| --- | --- |"]
    lines += [f"| `{p.name}` | {p.description} |" for p in PLATFORMS.values()]
    lines += ["", "| hint | platforms | type | what it says |", "| --- | --- | --- | --- |"]
    seen: dict[str, list[str]] = {}
    rows: dict[str, tuple[str, str]] = {}
    for p in PLATFORMS.values():
        for key, kind, doc in p.hints.describe():
            seen.setdefault(key, []).append(p.name)
            rows[key] = (kind, doc)
    for key, names in seen.items():
        where = "all" if len(names) == len(PLATFORMS) else ", ".join(names)
        lines.append(f"| `{key}` | {where} | {rows[key][0]} | {rows[key][1]} |")
    lines += ["", DOC_END]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown() + "\n")
