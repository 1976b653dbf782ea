"""Expected-output snapshots (the juriscraper pattern): an example document and, beside it or
under tests/fixtures/, a JSON of what it must parse to. ``python -m tests.snapshots FILE OUT``
drafts one from the current parser — read it against the document by eye before committing."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from extract import extract

SHARED = Path(__file__).resolve().parents[2] / "shared"


def snapshot_of(data: bytes, filename: str) -> dict[str, Any]:
    """The parts of a parse that must not change: every value, the metadata, the section
    keys and titles, the narrative facts, and the kinds and places of the problems."""
    r = extract(data, filename=filename).as_dict()
    return {
        "agency": r["agency"], "year": r["year"], "template": r["template"], "title": r["title"],
        "published": r["published"],
        "applications": r["applications"], "review_litigation": r["review_litigation"], "proactive": r["proactive"],
        "sections": [{"key": s["key"], "title": s["title"],
                      "facts": [{"kind": f["kind"], "value": f["value"]} for f in s["facts"]]} for s in r["sections"]],
        "problems": sorted([{k: p[k] for k in ("kind", "table", "row", "column") if k in p} for p in r["problems"]],
                           key=lambda p: json.dumps(p, ensure_ascii=False)),
    }


def to_jsonable(obj: Any) -> Any:
    import simplejson

    return json.loads(simplejson.dumps(obj, use_decimal=True))


def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Value-by-value differences, as readable paths."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in sorted(set(expected) | set(actual), key=str):
            if k not in actual:
                out.append(f"{path}/{k}: missing (expected {expected[k]!r})")
            elif k not in expected:
                out.append(f"{path}/{k}: unexpected {actual[k]!r}")
            else:
                out += diff(expected[k], actual[k], f"{path}/{k}")
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += diff(e, a, f"{path}[{i}]")
    elif expected != actual or type(expected) is not type(actual):
        out.append(f"{path}: expected {expected!r}, got {actual!r}")
    return out


if __name__ == "__main__":  # pragma: no cover - a drafting tool
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    snap = to_jsonable(snapshot_of(src.read_bytes(), src.name))
    dst.write_text(json.dumps(snap, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"drafted {dst}: read it against {src} before committing")
