"""The default configuration, shipped with the package, and where to find it.

This is the bottom of nianbao's layers: every other package may import it and it imports none
of them. ``NIANBAO_CONFIG`` points to a folder that overrides the shipped defaults file by file
(a site list, a roster, ``monitor.yaml``, the jieba dictionary), so an installed nianbao runs
from any folder and a deployment changes only what it needs.
"""
from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent


def config_dir() -> Path:
    """The configuration folder in use: ``NIANBAO_CONFIG`` if set, else the shipped defaults."""
    return Path(os.environ.get("NIANBAO_CONFIG") or SHIPPED)


def config_path(name: str) -> Path:
    """``name`` (e.g. ``"monitor.yaml"``, ``"sites"``) from ``NIANBAO_CONFIG`` when it has it,
    else the shipped default — an override folder need not copy every file."""
    override = os.environ.get("NIANBAO_CONFIG")
    if override and (Path(override) / name).exists():
        return Path(override) / name
    return SHIPPED / name


def version() -> str:
    """nianbao's version (for the crawler's user agent and the stored extractor version)."""
    try:
        return metadata.version("nianbao")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+checkout"
