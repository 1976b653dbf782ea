"""``python -m portal.randomsite SEED [--port N] [--truth]``: serve one generated site."""
from __future__ import annotations

import argparse
import json
import time

from portal.randomsite.server import RandomPortal


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m portal.randomsite")
    p.add_argument("seed", type=int)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--truth", action="store_true", help="print the truth list and exit")
    a = p.parse_args()
    portal = RandomPortal.serve(a.seed, a.port)
    print(json.dumps(portal.site.features, ensure_ascii=False))
    if a.truth:
        for r in portal.site.truth():
            print(json.dumps(r, ensure_ascii=False))
        portal.stop()
        return
    print(f"serving seed {a.seed} on {portal.url}/ (Ctrl-C stops)")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        portal.stop()


if __name__ == "__main__":
    main()
