"""Read rate and wrong numbers of the extractor on mutated layouts, per layout family.

    python -m bench.bench_layouts --seeds 1000-1019 [--families tab,cut] [--json]

For each family and each seed, ``portal.layouts.mutate(seed, [family])`` renders a source report
in that family (a layout drawn at random where the family is not one), the extractor reads the
bytes, and ``tests.truth`` holds the result against the mutant's truth. ``combined`` is a random
combination of families per seed. Read rate = determinable cells read exactly / determinable
cells; wrong = numbers the text does not say (must be 0 everywhere). Run it on one core
(``taskset -c 0``); it measures correctness, not speed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from typing import Any, Sequence

from extract import ExtractError, extract
from extract.model import Report
from portal.layouts import FAMILIES, Mutant, mutate

COMBINED = "combined"


def read(m: Mutant) -> Report:
    """The mutant through the extractor; a text it refuses ("not a report") has no values."""
    try:
        return extract(m.data, filename="report.txt")
    except ExtractError:
        return Report()


def judge(truth: dict[str, Any], report: Report) -> tuple[int, int, int, list[str]]:
    """(determinable cells read exactly, determinable cells, wrong numbers, WRONG lines).

    ``tests.truth`` is the one comparator; a cell the mutation made undeterminable may still come
    out with the source's value (``truth["canonical"]``), which is not wrong — and not counted as
    read either, so such cells are added to ``cells`` only for the comparison and taken back out
    of the counts. A cell of a row damaged without a trace that comes out with the value the
    damaged text says (``truth["traceless"]``) is not a reader's wrong number either; it is
    counted by ``traceless_read``, not here.
    """
    from tests.truth import cell_of, compare, score

    unread = report.unreadable()
    effective = dict(truth, cells=dict(truth["cells"]), undeterminable=[], notes={})
    kept = 0
    for key in truth["undeterminable"]:
        cell = cell_of(key)
        have = None if cell in unread else report.value(*cell)
        for want in (truth.get("canonical", {}).get(key), truth.get("traceless", {}).get(key)):
            if want is not None and have is not None and Decimal(str(have)) == Decimal(str(want)):
                effective["cells"][key] = want
                kept += 1
                break
        else:
            effective["undeterminable"].append(key)
            effective["notes"][key] = truth["notes"].get(key, "")
    got, det, wrong = score(effective, report)
    lines = [line for line in compare(effective, report) if line.startswith("WRONG")]
    return got - kept, det - kept, wrong, lines


def traceless_read(truth: dict[str, Any], report: Report) -> int:
    """Cells read as a run-together row damaged without a trace says they are: another number
    than the source's, which no reader can tell from the text (``portal.layouts._traceless``)."""
    from tests.truth import cell_of

    unread = report.unreadable()
    n = 0
    for key, want in truth.get("traceless", {}).items():
        cell = cell_of(key)
        have = None if cell in unread else report.value(*cell)
        if have is not None and Decimal(str(have)) == Decimal(str(want)):
            n += 1
    return n


def run(seeds: Sequence[int], families: Sequence[str], show_wrong: bool = False) -> dict[str, dict[str, Any]]:
    """Per family: read, determinable, wrong, texts, texts with a wrong number, crashes, seconds.
    ``show_wrong`` prints each text's WRONG lines to stderr (to reproduce one:
    ``python -m portal.layouts show SEED FAMILY``)."""
    out: dict[str, dict[str, Any]] = {}
    for fam in families:
        row = {"read": 0, "determinable": 0, "wrong": 0, "texts": 0, "texts_wrong": 0, "crashed": 0,
               "traceless": 0, "seconds": 0.0, "wrong_seeds": []}
        for seed in seeds:
            m = mutate(seed, None if fam == COMBINED else [fam])
            t0 = time.perf_counter()
            try:
                report = read(m)
            except Exception:  # noqa: BLE001 — a crash is counted, and the run goes on
                row["crashed"] += 1
                report = Report()
            row["seconds"] += time.perf_counter() - t0
            got, det, wrong, lines = judge(m.truth, report)
            if show_wrong and lines:
                print(f"seed {seed} {'+'.join(m.families)} ({m.source}):", *lines[:5], sep="\n  ", file=sys.stderr)
            row["read"] += got
            row["determinable"] += det
            row["wrong"] += wrong
            row["traceless"] += traceless_read(m.truth, report)
            row["texts"] += 1
            if wrong:
                row["texts_wrong"] += 1
                row["wrong_seeds"].append(seed)
        row["rate"] = row["read"] / row["determinable"] if row["determinable"] else 1.0
        out[fam] = row
    total = {k: sum(r[k] for r in out.values()) for k in ("read", "determinable", "wrong", "texts", "texts_wrong", "crashed",
                                                        "traceless")}
    total["rate"] = total["read"] / total["determinable"] if total["determinable"] else 1.0
    out["total"] = total
    return out


def parse_seeds(spec: str) -> list[int]:
    """``1000-1019`` or ``1,5,9`` or a mix."""
    seeds: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds += range(int(a), int(b) + 1)
        elif part:
            seeds.append(int(part))
    return seeds


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1-20", help="mutator seeds, e.g. 1000-1019 or 1,2,3 (default 1-20)")
    ap.add_argument("--families", default="", help="comma-separated families (default: all, and combined)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--show-wrong", action="store_true", help="print the wrong numbers of each text to stderr")
    args = ap.parse_args(argv)
    families = [f for f in args.families.split(",") if f] or [*FAMILIES, COMBINED]
    unknown = [f for f in families if f not in FAMILIES and f != COMBINED]
    if unknown:
        ap.error(f"unknown families: {', '.join(unknown)}")
    results = run(parse_seeds(args.seeds), families, args.show_wrong)
    if args.json:
        json.dump({"seeds": args.seeds, "families": results}, sys.stdout, indent=1)
        print()
        return 0
    print(f"{'family':<22} {'kind':<8} {'read':>6} {'of':>6} {'rate':>7} {'wrong':>6} {'texts w/ wrong':>15} {'crashed':>8}"
          f" {'traceless':>9}")
    for fam, r in results.items():
        kind = FAMILIES[fam].kind if fam in FAMILIES else ""
        print(f"{fam:<22} {kind:<8} {r['read']:>6} {r['determinable']:>6} {100 * r['rate']:>6.1f}% {r['wrong']:>6} "
              f"{r['texts_wrong']:>6} of {r['texts']:<4} {r['crashed']:>8} {r['traceless']:>9}")
    print("traceless: cells of a run-together row damaged without a trace, read as its text says (another number "
          "than the source's that no reader can tell from the text; not counted as wrong)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
