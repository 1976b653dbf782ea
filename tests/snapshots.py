"""The one test convention (the juriscraper pattern): every example document lives at
``tests/examples/<stage>/<case>.<ext>`` with ``<case>.expected.json`` beside it, and its test
compares what the code makes of it with the expected JSON value by value (:func:`diff`).

Stages (the folder says what the expected JSON holds and who writes it):

==========================  ===================================================  ==================
folder                      expected JSON                                        written by
==========================  ===================================================  ==================
extract/                    :func:`snapshot_of` the extractor's report           drafted, then read
extract/seeds/              the same, for the five real seeds                    drafted, then read
extract/real/               real documents: cells typed from the PDF/DOCX by a   hand (the HTML:
                            person (``"_source"`` says how); the HTML page's     drafted, then read)
                            snapshot like ``extract/``
extract/real-text/          truth of real texts (``tests/truth.py``)             hand only
extract/adversarial/        cells a careful reader takes from the document       make_fixtures.py
extract/attachments/        the report dict the .doc/.xls were rendered from     make_fixtures.py
spiders/<platform>/         what the spider's callback yields (crawler.examples)  drafted, then read
discovery/                  what the discovery spider decides                    drafted, then read
layouts/                    the layout mutator's text and truth (portal.layouts) the generator
portal/                     what the sample portal serves (portal.fixtures)      the generator
==========================  ===================================================  ==================

``extract/real``, ``extract/real-text`` and ``extract/seeds`` hold copies of ``../shared/`` (with
its SOURCES.md), so a clean clone runs the tests on real documents.

Draft an expected JSON with one command, whatever the stage::

    python -m tests.snapshots draft tests/examples/<stage>/<case>.<ext> [--url URL] [--callback NAME]

and read it against the document before committing: a snapshot drafted from the code holds
whatever the code does today, right or wrong. Truth typed by hand is never drafted.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent / "examples"
EXPECTED_SUFFIX = ".expected.json"
#: files in an example folder that are neither examples nor snapshots
NOT_EXAMPLES = frozenset({"SOURCES.md", "README.md"})

#: copies of ../shared/: the five seeds, the real attachments and HTML, the real texts
SEEDS = EXAMPLES / "extract" / "seeds"
REAL = EXAMPLES / "extract" / "real"
REAL_TEXT = EXAMPLES / "extract" / "real-text"
#: where ../shared/ would be for a checkout beside it (only to check that the copies are exact)
SHARED = Path(__file__).resolve().parents[2] / "shared"


# --- examples and their snapshots --------------------------------------------------------------
def is_example(path: Path) -> bool:
    """An example document: a file that is not a snapshot, a generator script or a SOURCES.md."""
    return (path.is_file() and not path.name.startswith(".") and not path.name.endswith(EXPECTED_SUFFIX)
            and path.name not in NOT_EXAMPLES and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts)


def documents(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The example documents directly in ``folder`` (optionally only those with ``suffixes``)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if is_example(p) and (suffixes is None or p.suffix.lower() in suffixes))


def all_examples(root: Path = EXAMPLES) -> list[Path]:
    """Every example document under ``root``, all stages."""
    return sorted(p for p in root.rglob("*") if is_example(p))


def expected_path(example: Path) -> Path:
    """``<case>.expected.json`` beside ``<case>.<ext>`` (several extensions may share one case)."""
    return example.with_name(example.stem + EXPECTED_SUFFIX)


def load_expected(example: Path) -> Any:
    """The snapshot of an example; a missing one fails with the command that drafts it."""
    snap = expected_path(example)
    if not snap.is_file():
        raise AssertionError(f"{example} has no {snap.name}: python -m tests.snapshots draft {example}")
    return json.loads(snap.read_text(encoding="utf-8"))


def case_id(example: Path) -> str:
    """A test id: the example's path under its stage folder."""
    return example.relative_to(EXAMPLES).as_posix()


# --- the comparator ---------------------------------------------------------------------------
def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Value-by-value differences, as readable paths (``/applications/granted/total: expected 3,
    got 4``); a value of another type differs (1 is not 1.0 nor "1"). Empty when equal."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in sorted(set(expected) | set(actual), key=str):
            if k not in actual:
                out.append(f"{path}/{k}: missing (expected {expected[k]!r})")
            elif k not in expected:
                out.append(f"{path}/{k}: unexpected {actual[k]!r}")
            else:
                out += diff(expected[k], actual[k], f"{path}/{k}")
    elif isinstance(expected, list) and isinstance(actual, list):
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += diff(e, a, f"{path}[{i}]")
        out += [f"{path}[{i}]: missing (expected {e!r})" for i, e in enumerate(expected) if i >= len(actual)]
        out += [f"{path}[{i}]: unexpected {a!r}" for i, a in enumerate(actual) if i >= len(expected)]
    elif expected != actual or type(expected) is not type(actual):
        out.append(f"{path}: expected {expected!r}, got {actual!r}")
    return out


def assert_matches(expected: Any, actual: Any, what: str, limit: int = 40) -> None:
    """Fail with the differences (the first ``limit``) when ``actual`` is not ``expected``."""
    problems = diff(expected, actual)
    if problems:
        more = f"\n… and {len(problems) - limit} more" if len(problems) > limit else ""
        raise AssertionError(f"{what}: {len(problems)} differences from the snapshot:\n"
                             + "\n".join(problems[:limit]) + more)


def to_jsonable(obj: Any) -> Any:
    """What the object looks like once written as JSON (Decimals as JSON numbers)."""
    import simplejson

    return json.loads(simplejson.dumps(obj, use_decimal=True))


def cell_json(table: str, column: str, value: Any) -> Any:
    """A cell value as snapshots write it: counts as ints, money (万元) as the shortest decimal
    string (``"96171.6"``, never a float), blank as None — so a typed value and a parsed one
    compare equal exactly when they are the same number (a count that is no int never does)."""
    from extract import template as T

    if value is None:
        return None
    if T.is_money(table, column):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return f"{value!r} (not a count)"


# --- extraction snapshots ---------------------------------------------------------------------
def snapshot_of(data: bytes, filename: str) -> dict[str, Any]:
    """The parts of a parse that must not change: every value, the metadata, the section
    keys and titles, the narrative facts, and the kinds and places of the problems."""
    from extract import extract

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


def extract_snapshot(example: Path) -> dict[str, Any]:
    """:func:`snapshot_of` an example, as its JSON reads."""
    return to_jsonable(snapshot_of(example.read_bytes(), example.name))


# --- drafting ---------------------------------------------------------------------------------
class NotDrafted(Exception):
    """The stage's expected JSON is not drafted from the code (typed by hand)."""


@dataclass(frozen=True)
class Stage:
    """A folder of examples: which files it matches and how its expected JSON is drafted.
    ``draft`` returns the expected JSON to write, or None when it wrote the files itself (a
    generator writes the example and its expected JSON together)."""
    pattern: str
    draft: Callable[[Path, argparse.Namespace], Any]


def _draft_extract(example: Path, _: argparse.Namespace) -> Any:
    return extract_snapshot(example)


def _draft_real(example: Path, args: argparse.Namespace) -> Any:
    if example.suffix.lower() in (".html", ".htm"):
        return _draft_extract(example, args)
    raise NotDrafted("the cells of a real attachment are typed from the document (pdftotext -layout, page "
                     "images), never drafted from the parser: copy a sibling's format (see its \"_source\")")


def _refuse_truth(example: Path, _: argparse.Namespace) -> Any:
    raise NotDrafted("a real text's truth is typed by a person who read it (tests/truth.py says how); "
                     "drafting it from the extractor would make the measurement measure nothing")


def _run_generator(example: Path, _: argparse.Namespace) -> None:
    script = example.parent / "make_fixtures.py"
    print(f"running {script} (it writes every example of {example.parent.name} and its expected JSON)")
    runpy.run_path(str(script), run_name="__main__")


def _spec(example: Path, args: argparse.Namespace) -> dict[str, Any]:
    """url/callback (and any other request settings) of a spider or discovery example: from its
    existing expected JSON, overridden by --url/--callback."""
    snap = expected_path(example)
    spec = json.loads(snap.read_text(encoding="utf-8")) if snap.is_file() else {}
    if args.url:
        spec["url"] = args.url
    if args.callback:
        spec["callback"] = args.callback
    if "url" not in spec:
        raise SystemExit(f"{example}: give --url (the URL the page was served at) and --callback")
    spec.setdefault("callback", "parse_list")
    return spec


def _draft_spider(example: Path, args: argparse.Namespace) -> Any:
    from crawler.examples import run_example

    spec = _spec(example, args)
    spec["expected"] = run_example(example, spec)
    return spec


def _draft_discovery(example: Path, args: argparse.Namespace) -> Any:
    from crawler.discovery.decisions import decide

    spec = _spec(example, args)
    spec["expected"] = decide(example.read_bytes(), spec["url"], spec["callback"], spec.get("nb"),
                              spec.get("content_type", "text/html; charset=utf-8"))
    return spec


def _draft_layout(example: Path, _: argparse.Namespace) -> None:
    from portal.layouts import write_examples

    write_examples(example.parent, [example.stem])


def _draft_portal(example: Path, _: argparse.Namespace) -> None:
    from portal.fixtures import write

    if not write(example.parent, {example.stem}):
        raise SystemExit(f"{example.stem} is not one of portal.fixtures.cases()")


STAGES: tuple[Stage, ...] = (
    Stage("extract", _draft_extract),
    Stage("extract/seeds", _draft_extract),
    Stage("extract/real", _draft_real),
    Stage("extract/real-text", _refuse_truth),
    Stage("extract/adversarial", _run_generator),
    Stage("extract/attachments", _run_generator),
    Stage("spiders/*", _draft_spider),
    Stage("discovery", _draft_discovery),
    Stage("layouts", _draft_layout),
    Stage("portal", _draft_portal),
)


def stage_of(example: Path) -> Stage:
    """The stage an example belongs to, by its folder under tests/examples/."""
    try:
        folder = example.resolve().parent.relative_to(EXAMPLES).as_posix()
    except ValueError:
        raise SystemExit(f"{example} is not under {EXAMPLES}") from None
    for stage in STAGES:
        if fnmatch.fnmatchcase(folder, stage.pattern):
            return stage
    raise SystemExit(f"{example}: no stage for folder {folder!r} (known: {', '.join(s.pattern for s in STAGES)})")


def draft(example: Path, args: argparse.Namespace) -> Path:
    """Write the example's expected JSON (via its stage) and return its path."""
    if not example.is_file():
        raise SystemExit(f"{example}: no such file")
    out = stage_of(example).draft(example, args)
    snap = expected_path(example)
    if out is not None:
        snap.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return snap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.snapshots", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("draft", help="write <case>.expected.json beside an example, from the current code")
    p.add_argument("examples", nargs="+", type=Path, help="tests/examples/<stage>/<case>.<ext>")
    p.add_argument("--url", help="spiders, discovery: the URL the page was served at")
    p.add_argument("--callback", help="spiders, discovery: parse_list | parse_detail | …")
    args = parser.parse_args(argv)
    status = 0
    for example in args.examples:
        try:
            snap = draft(example, args)
        except NotDrafted as e:
            print(f"{example}: not drafted: {e}", file=sys.stderr)
            status = 2
            continue
        print(f"drafted {snap}: read it against the document before committing")
    return status


if __name__ == "__main__":  # pragma: no cover - a drafting tool
    sys.exit(main())
