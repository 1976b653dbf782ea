"""Inputs built to cost: the shapes of text and HTML that once made the reader slow or hungry
for memory, at any size (issue 12, "bounded cost").

A crawl reads whatever a portal serves, so what one page may cost has to follow from its size:
time in proportion to it, memory a small multiple of it. Each entry below makes a document of
about the size asked for, in a shape that once broke that rule (its ``once``). One catalogue for
``bench/bench_bounds.py``, which measures time and memory over a range of sizes, and
``tests/test_extract_bounds.py``, which holds the reader to linear work and memory on two sizes
of each (counting calls and allocations, not seconds).

    >>> from portal.hostile import HOSTILE
    >>> data = HOSTILE["rowspans"].make(75)   # about 75 KiB of HTML
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str  # what the document is called (its format is sniffed from it and its bytes)
    what: str
    once: str  # what it cost before it was bounded
    make: Callable[[int], bytes]  # about ``kib`` KiB of it


def _repeat(unit: str, kib: int, head: str = "", tail: str = "") -> bytes:
    n = max(1, kib * 1024 // max(1, len(unit.encode("utf-8"))))
    return (head + unit * n + tail).encode("utf-8")


def _rowspans(kib: int) -> bytes:
    row = "<tr>" + "".join(f'<td rowspan="1000" colspan="50">{i}</td>' for i in range(8)) + "</tr>\n"
    return _repeat(row, kib, "<html><body><p>二、主动公开政府信息情况</p><table>", "</table></body></html>")


def _stated_facts(kib: int) -> bytes:
    sentence = "本年度共收到政府信息公开申请45件，制发规范性文件34件，主动公开政府信息1465条。"
    return _repeat(sentence, kib)


def _header_phrases(kib: int) -> bytes:
    row = "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t1\t2\t3\n"
    return _repeat(row, kib, "二、主动公开政府信息情况\n第二十条第（一）项\n")


def _tab_line(kib: int) -> bytes:
    return _repeat("\t1", kib, "规章")


def _cell_lines(kib: int) -> bytes:
    return _repeat("\t规章\n\t1\n\n", kib, "二、主动公开政府信息情况\n")


def _digit_run(kib: int) -> bytes:
    return _repeat("7", kib, "二、主动公开政府信息情况\n规范性文件 ")


def _many_rows(kib: int) -> bytes:
    row = "| （一）予以公开 | 2 | 0 | 12 | 0 | 10 | 0 | 24 |\n"
    return _repeat(row, kib, "三、收到和处理政府信息公开申请情况\n")


def _many_tables(kib: int) -> bytes:
    table = "<table><tr><td>规章</td><td>1</td><td>2</td><td>3</td></tr></table>\n"
    return _repeat(table, kib, "<html><body><p>二、主动公开政府信息情况</p><div>", "</div></body></html>")


def _tiny_lines(kib: int) -> bytes:
    return _repeat("规\n", kib)


def _spaced_numbers(kib: int) -> bytes:
    return _repeat("1 ", kib, "二、主动公开政府信息情况\n行政许可 ")


HOSTILE: dict[str, Hostile] = {h.name: h for h in (
    Hostile("rowspans", "r.html", "an HTML table whose every cell spans 1,000 rows and 50 columns",
            "75 KB: 15.6 s and 2.4 GB; 3 MB: MemoryError", _rowspans),
    Hostile("stated_facts", "r.txt", "one long line of narrative stating the same numbers again and again",
            "2.7 MB: 34 s; 8.6 MB: over 2 minutes (the stated-facts scan, then the proactive header, "
            "were quadratic)", _stated_facts),
    Hostile("header_phrases", "r.txt", "a proactive table whose header row comes again before every row",
            "quadratic: the header heard so far was gone over again at every row", _header_phrases),
    Hostile("tab_line", "r.txt", "one line of tab-separated cells", "20 MB: 20 s and 2.4 GB", _tab_line),
    Hostile("cell_lines", "r.txt", "one cell per line, thousands of rows", "", _cell_lines),
    Hostile("digit_run", "r.txt", "a row label followed by one run of digits", "", _digit_run),
    Hostile("many_rows", "r.txt", "a pipe table of thousands of rows, one row label again and again", "",
            _many_rows),
    Hostile("many_tables", "r.html", "thousands of small HTML tables", "", _many_tables),
    Hostile("tiny_lines", "r.txt", "a line of one character, again and again (a paragraph each)", "", _tiny_lines),
    Hostile("spaced_numbers", "r.txt", "a row label followed by numbers separated by spaces, one run of them", "",
            _spaced_numbers),
)}
