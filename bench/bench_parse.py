"""Parse throughput on one core, with peak memory, for text and HTML reports of seed size.

    python -m bench.bench_parse [--n 400]

Three measurements per layout: tables alone (reader + table interpreter), the parse without
segmentation (tables, metadata, sections, facts), and the full parse with jieba. Each is the
best of three passes, in CPU time of this process (this VM's wall times vary by ±25 % with
what else runs on it). jieba's
dictionary load is timed on its own: it is paid once per process, lazily.

Every document is read by the one table reader, the layout-free stream alignment
(``extract.stream``); the last line is the real texts of ``tests/examples/extract/real-text``
(copies of ../shared/corpus/real-text: one-line pages with digits run together, pipe and
one-cell-per-line excerpts)."""
from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from extract import extract, read_document, sniff
from extract.model import Report
from extract.tables import read_tables
from portal.render import LAYOUTS
from portal.synth import random_report


def corpus(layout: str, n: int) -> list[bytes]:
    rng = random.Random(42)
    return [LAYOUTS[layout](random_report(rng, f"样本县第{i}局", rng.choice([2020, 2021, 2022, 2023]))).encode("utf-8")
            for i in range(n)]


def tables_only(data: bytes, name: str) -> Report:
    doc, _ = read_document(data, sniff(data, name))
    r = Report()
    read_tables(doc, r)
    return r


def rate(fn, docs: list[bytes], name: str, repeats: int = 3) -> float:
    """Reports per second of this process's CPU time (one core: what other processes on the
    machine do is not counted), the best of ``repeats`` passes over the documents (the first pass
    also fills the grammar's caches, as the first reports of any run do)."""
    best = 0.0
    for _ in range(repeats):
        t0 = time.process_time()
        for d in docs:
            fn(d, name)
        best = max(best, len(docs) / max(time.process_time() - t0, 1e-9))
    return best


REAL_TEXT = Path(__file__).resolve().parents[1] / "tests" / "examples" / "extract" / "real-text"  # copies of ../shared/corpus/real-text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from extract.segment import _idf, _tokenizer

    _tokenizer(), _idf()
    load = time.perf_counter() - t0
    print(f"jieba dictionary + IDF load (once per process): {load:.2f} s")
    print(f"{'layout':<10}{'KiB/report':>11}{'tables only/s':>15}{'no jieba/s':>12}{'full/s':>9}")
    for layout in ("tab", "markdown", "cells", "html"):
        docs = corpus(layout, args.n)
        name = "r.html" if layout == "html" else "r.txt"
        size = sum(map(len, docs)) / len(docs) / 1024
        a = rate(tables_only, docs, name)
        b = rate(lambda d, n: extract(d, filename=n, segment=False), docs, name)
        c = rate(lambda d, n: extract(d, filename=n), docs, name)
        print(f"{layout:<10}{size:>11.1f}{a:>15.0f}{b:>12.0f}{c:>9.0f}")
    real = [p.read_bytes() for p in sorted(REAL_TEXT.glob("*.txt"))] if REAL_TEXT.is_dir() else []
    if real:
        docs = real * max(1, args.n // len(real))
        size = sum(map(len, docs)) / len(docs) / 1024
        a = rate(tables_only, docs, "r.txt")
        b = rate(lambda d, n: extract(d, filename=n, segment=False), docs, "r.txt")
        c = rate(lambda d, n: extract(d, filename=n), docs, "r.txt")
        print(f"{'real text':<10}{size:>11.1f}{a:>15.0f}{b:>12.0f}{c:>9.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
