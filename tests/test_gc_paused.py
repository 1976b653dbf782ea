"""The cycle collector is paused while a text or HTML document is read (extract/gc_paused.py) and
left as it was found afterwards, also when the document is refused."""
from __future__ import annotations

import gc
import random
import threading
from pathlib import Path

import pytest

from extract import ExtractError, extract, read_document, sniff
from extract.gc_paused import gc_paused
from extract.model import Report
from extract.tables import read_tables
from portal.render import LAYOUTS
from portal.synth import random_report


def _report(layout: str) -> bytes:
    return LAYOUTS[layout](random_report(random.Random(7), "样本县第1局", 2022)).encode("utf-8")


def _collections(fn, *args, **kwargs) -> int:
    """How many collections run during ``fn(*args)`` with a threshold that would start one at
    nearly every allocation of a container, were the collector running."""
    runs: list[int] = []
    here = threading.get_ident()  # a collection another thread's allocation starts is not ours

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and threading.get_ident() == here:
            runs.append(info["generation"])

    gc.collect()
    threshold = gc.get_threshold()
    gc.set_threshold(1)
    gc.callbacks.append(seen)
    try:
        fn(*args, **kwargs)
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*threshold)
    return len(runs)


@pytest.mark.parametrize("layout", ["tab", "html"])
def test_no_collection_while_a_document_is_read(layout: str) -> None:
    data = _report(layout)
    name = "r.html" if layout == "html" else "r.txt"
    doc, _ = read_document(data, sniff(data, name))
    # unpaused, the same reading starts hundreds of collections; paused, at most the one its call
    # allocates on the way in (the arguments), before the pause
    assert _collections(read_tables.__wrapped__, doc, Report()) > 100
    report = Report()
    assert _collections(read_tables, doc, report) <= 1
    assert report.value("applications", "new_received", "total") is not None
    assert _collections(read_document, data, sniff(data, name)) <= 1
    assert _collections(extract, data, filename=name) <= 4  # three paused calls, the glue between
    assert gc.isenabled()


def test_the_collector_is_left_as_found() -> None:
    @gc_paused
    def refuse() -> None:
        assert not gc.isenabled()
        raise ExtractError("undecodable", "a reader that refuses the document")

    with pytest.raises(ExtractError):
        refuse()
    assert gc.isenabled()
    gc.disable()
    try:
        extract(_report("tab"), filename="r.txt", segment=False)
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def _cyclic_garbage(fn, *args, **kwargs) -> int:
    """How many objects ``fn(*args)`` leaves that only the cycle collector can free."""
    gc.collect()
    gc.disable()
    try:
        fn(*args, **kwargs)
        return gc.collect()
    finally:
        gc.enable()


_TEXT_AND_HTML = sorted(p for p in (Path(__file__).parent / "examples" / "extract").rglob("*")
                        if p.suffix in (".txt", ".html", ".htm"))


@pytest.mark.parametrize("path", _TEXT_AND_HTML, ids=lambda p: p.name)
def test_reading_a_document_leaves_no_cycles(path: Path) -> None:
    """Pausing the collector is only free when a report's objects are freed by their reference
    counts: a cycle (a recursive closure in the HTML reader did this) keeps the document and the
    whole lxml tree alive until a collection, which then costs what the pause saved."""
    data = path.read_bytes()
    extract(data, filename=path.name, segment=False)  # the grammar's caches filled first
    try:
        assert _cyclic_garbage(extract, data, filename=path.name, segment=False) == 0
    except ExtractError:
        pass  # a document refused (the blank template) is refused again; what it left is below
    assert _cyclic_garbage(read_document, data, sniff(data, path.name)) == 0
