"""What a document may cost follows from its size (issue 12, "bounded cost"): on every hostile
shape of ``portal.hostile`` the reader's work and memory grow in proportion to the input.

Work is counted, not timed (speed is the benchmarks' business, ``bench/bench_bounds.py``): the
Python and builtin calls one extraction makes, by ``sys.setprofile``. Doubling the input may
double them, not more — a step that goes over what it has read again at every row (the proactive
header did, once: 200 KB of a header repeated before every row took 25 s) grows by four. Memory is
the peak of Python's heap (``tracemalloc``), held to the same rule."""
from __future__ import annotations

import sys
import tracemalloc

import pytest

from extract import ExtractError, extract
from portal.hostile import HOSTILE

SMALL, LARGE = 16, 32  # KiB: large enough that a quadratic step outweighs the fixed costs


def _extract(data: bytes, filename: str) -> None:
    try:
        extract(data, filename=filename, segment=False)
    except ExtractError:
        pass  # refused with its reason: a cost like any other


def _calls(data: bytes, filename: str) -> int:
    n = 0

    def count(frame, event: str, arg) -> None:
        nonlocal n
        if event == "call" or event == "c_call":
            n += 1

    sys.setprofile(count)
    try:
        _extract(data, filename)
    finally:
        sys.setprofile(None)
    return n


def _peak(data: bytes, filename: str) -> int:
    tracemalloc.start()
    try:
        _extract(data, filename)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Imports, the grammar's tables and the regexes are paid once per process, not per size."""
    _extract(HOSTILE["many_rows"].make(4), "r.txt")
    _extract(HOSTILE["many_tables"].make(4), "r.html")


#: what is measured, how, and how much more of it twice the input may cost
MEASURES = {"calls": (_calls, 2.3), "peak memory": (_peak, 2.6)}


@pytest.mark.parametrize("measure", sorted(MEASURES))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cost_grows_with_the_input_not_faster(name: str, measure: str) -> None:
    h = HOSTILE[name]
    cost, limit = MEASURES[measure]
    ratio = cost(h.make(LARGE), h.filename) / cost(h.make(SMALL), h.filename)
    assert ratio <= limit, f"{name}: twice the input made {ratio:.2f} times the {measure}"
