"""What a hostile document costs, over sizes: time and memory of one extraction (tables, facts and
sections; jieba aside, which is linear and not ours) for each shape of ``portal.hostile``.

    python -m bench.bench_bounds [--sizes 75,300,1200,4800] [--only rowspans,tab_line]

Each size is read in a fresh child process, so its peak RSS is its own: the figure a crawler's
worker pays for that page. Time is the child's CPU time for the one ``extract`` call (the imports
before it are not counted). Linear cost shows as a steady ms per MiB down each column; the
last lines are the sizes issue 12 named, each with what it cost before."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from portal.hostile import HOSTILE

#: The cases issue 12 measured, at its sizes (KiB).
ISSUE_CASES = (("rowspans", 75), ("rowspans", 3 * 1024), ("stated_facts", 2765), ("stated_facts", 8806),
               ("tab_line", 20 * 1024))

_CHILD = """
import json, resource, sys, time
from extract import ExtractError, extract
from portal.hostile import HOSTILE
h = HOSTILE[sys.argv[1]]
data = h.make(int(sys.argv[2]))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.process_time()
try:
    r = extract(data, filename=h.filename, segment=False)
    what = f"{sum(1 for *_, c in r.cells() if c is not None and c.value is not None)} values, {len(r.problems)} problems"
except ExtractError as exc:
    what = f"refused: {exc}"
seconds = time.process_time() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"bytes": len(data), "seconds": seconds, "rss_mib": rss / 1024, "grew_mib": (rss - base) / 1024,
                  "what": what}))
"""


def measure(name: str, kib: int) -> dict:
    """One extraction of ``kib`` KiB of ``name`` in a child process."""
    out = subprocess.run([sys.executable, "-c", _CHILD, name, str(kib)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="75,300,1200,4800", help="KiB, comma-separated")
    ap.add_argument("--only", default="", help="shapes, comma-separated (default: all)")
    ap.add_argument("--no-issue-cases", action="store_true", help="skip the sizes issue 12 named")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    names = [n for n in args.only.split(",") if n] or list(HOSTILE)
    print(f"{'shape':<15}{'KiB':>7}{'seconds':>9}{'ms/MiB':>9}{'peak RSS':>10}{'grew':>9}  result")
    for name in names:
        for kib in sizes:
            m = measure(name, kib)
            print(f"{name:<15}{m['bytes'] / 1024:>7.0f}{m['seconds']:>9.2f}{m['seconds'] * 1000 / (m['bytes'] / 2**20):>9.0f}"
                  f"{m['rss_mib']:>8.0f} M{m['grew_mib']:>7.0f} M  {m['what']}", flush=True)
    if not args.no_issue_cases:
        print("\nthe sizes issue 12 named:")
        for name, kib in ISSUE_CASES:
            m = measure(name, kib)
            print(f"{name:<15}{m['bytes'] / 1024:>7.0f}{m['seconds']:>9.2f} s{m['rss_mib']:>8.0f} M RSS  (before: "
                  f"{HOSTILE[name].once})  {m['what']}", flush=True)


if __name__ == "__main__":
    main()
