"""The template's vocabulary as one scanner: every label, header and cue of ``extract.template``
becomes a phrase that names an event (a table starts, a column header, a group heading, a row
label). The layout-free reader (``extract.stream``) runs the scanner over the label text between
numbers; which event a shared word (总计, 其他) is, the reader decides from where it stands.

Nothing here is specific to a layout: the phrases come from the template data alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from extract import template as T
from extract.labels import _PUNCT, strip_numbering

# one character to one character, so offsets in the mapped text are offsets in the original
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_SPACES = {cp: " " for cp in (0x3000, 0x00A0, 0x2002, 0x2003, 0x2009, 0x200B, 0xFEFF)}
_MAPPING = str.maketrans({**_FULLWIDTH, **_SPACES,
                          **{k: v for k, v in _PUNCT.items() if isinstance(v, int) or len(v) == 1},
                          **{ord(k): v for k, v in T.TRADITIONAL.items()}, ord("它"): "他", ord("﹑"): "."})


def _table(mapping: dict[int, int | str]) -> list[int | str]:
    """The mapping as a ``str.translate`` table indexed by code point over the Basic Multilingual
    Plane: every character has an entry (itself where unmapped). With a dict, ``translate`` raises
    and catches a KeyError for every character the dict lacks — nearly every character of a Chinese
    text — and takes 2.5 times as long; a character beyond the plane (an IndexError) is kept as is,
    as with the dict."""
    assert all(cp < 0x10000 and (isinstance(v, int) or len(v) == 1) for cp, v in mapping.items())
    table: list[int | str] = list(range(0x10000))
    for cp, v in mapping.items():
        table[cp] = v
    return table


MAP = _table(_MAPPING)
_MAP_ARRAY = np.array([v if isinstance(v, int) else ord(v) for v in MAP], dtype=np.uint32)


def remap(text: str) -> str:
    """``text.translate(MAP)`` as one array lookup: the whole text of a report goes through it, a
    few thousand characters nearly all Chinese, which ``str.translate`` looks up one by one (4 %
    of the stream reader; this is a quarter of that). Characters beyond the plane stay as they are."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = np.where(codes < 0x10000, _MAP_ARRAY[codes & 0xFFFF], codes)
    return mapped.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def lnorm(text: str) -> str:
    """A phrase in the form the scanner sees: mapped one to one, without white space."""
    return "".join(text.translate(MAP).split())


@dataclass(frozen=True)
class Event:
    """What a phrase means. ``kind`` is one of: ptable (payload: the 第二十条 item), pcol
    (payload: ((template, column), …)), prow ((table, row)), acol (column), agroup (group),
    arow (row), word ((column, row, review column index or None): a header word that is also a
    row's whole label, 总计 or 其他), group_row (a row written as its group's heading), rgroup (index), rparent, rcol (index),
    atable (the applications table starts), review_section, end (a narrative section that ends
    the tables), noise (a header word that names nothing)."""

    kind: str
    payload: object = None
    phrase: str = ""
    tail: str = ""  # the rest of the canonical label after the phrase (every variant's, joined)
    head: str = ""  # what stands before the phrase in the canonical label (every variant's, joined)


_UNIT_REMARK = re.compile(r"\([^()]*\)$")


def _vocabulary() -> dict[str, Event]:
    vocab: dict[str, Event] = {}

    def add(phrase: str, kind: str, payload: object = None, tail: str = "", head: str = "") -> None:
        p = lnorm(phrase)
        if p and p not in vocab:
            vocab[p] = Event(kind, payload, p, lnorm(tail), lnorm(head))

    # applications rows: full labels first (so words inside them are not read as other labels).
    # Not here: a row written as its group's heading (（六）其他处理, a group_row event), and a row
    # whose label is a bare word that is also a column header (3.其他, （七）总计): which one the
    # word is, the reader decides from where it stands (other_word, total_word).
    headers = {lnorm(w) for w in T.APPLICANT_HEADER_SYNONYMS}
    for spec in T.APPLICATION_ROWS:
        full = strip_numbering(lnorm(spec.label))
        if spec.key in T.GROUP_ROWS or spec.key in T.BARE_ROW_LABELS or full in headers:
            continue
        variants = [lnorm(v) for v in T.ROW_LABEL_VARIANTS.get(spec.key, ())] + [full]
        for phrase in variants + [lnorm(c) for c in spec.cues]:
            add(phrase, "arow", spec.key, "".join(v.split(phrase, 1)[1] for v in variants if phrase in v),
                "".join(v.split(phrase, 1)[0] for v in variants if phrase in v))
    for row, group in T.GROUP_ROWS.items():
        for cue in T.APPLICATION_GROUPS[group]:
            add(cue, "group_row", row)
    for g, cues in T.APPLICATION_GROUPS.items():
        for cue in cues:
            add(cue, "agroup", g)
    # a column header word that is also a row's whole label (总计: （七）总计; 其他: 3.其他 under
    # （六）): the column in the header, the row below it; a review column too where it is one
    word_rows = {strip_numbering(lnorm(spec.label)): spec.key for spec in T.APPLICATION_ROWS}
    review_cols = {lnorm(label): i for i, label in enumerate(T.REVIEW_COLUMN_LABELS.values())}
    for word, col in T.APPLICANT_HEADER_SYNONYMS.items():
        if lnorm(word) in word_rows:
            add(word, "word", (col, word_rows[lnorm(word)], review_cols.get(lnorm(word))))
        else:
            add(word, "acol", col)
    for cue in T.APPLICATION_TABLE_CUES:
        add(cue, "atable")
    for word in T.APPLICANT_HEADER_NOISE:
        add(word, "noise")
    # review table
    for cue in T.REVIEW_SECTION_CUES:
        add(cue, "review_section")
    for cue, idx in T.REVIEW_GROUP_CUES:
        add(cue, "rgroup", idx)
    for cue in T.REVIEW_PARENT_CUES:
        add(cue, "rparent")
    for i, col in enumerate(T.REVIEW_COLUMNS):  # 总计 is a "word" already (added first, kept)
        add(T.REVIEW_COLUMN_LABELS[col], "rcol", i)
    # proactive tables: rows and column headers
    for spec in T.PROACTIVE_TABLES:
        for row, cues in spec.rows.items():
            for cue in cues:
                add(cue, "prow", (spec.key, row))
    for spec in T.PROACTIVE_TABLES:  # the printed labels whole (行政规范性文件, 其他对外管理服务事项)
        for row in spec.rows:
            for label in T.PROACTIVE_ROW_LABELS.get(row, {}).values():
                add(label, "prow", (spec.key, row))
    cols: dict[str, set] = {}
    for spec in T.PROACTIVE_TABLES:
        for tpl, columns in spec.columns.items():
            for key, cues in columns:
                for cue in cues:
                    cols.setdefault(lnorm(cue), set()).add((tpl, key))
    # the printed column labels whole (上一年项目数量, 本年制发件数), without a unit in brackets
    # (the unit after the phrase is read for the money columns): a whole label names its column
    # in every table and template that has that column
    for by_tpl in T.PROACTIVE_COLUMN_LABELS.values():
        for labels in by_tpl.values():
            for key, label in labels.items():
                phrase = _UNIT_REMARK.sub("", lnorm(label))
                cols.setdefault(phrase, set()).update(
                    (tpl, k) for spec in T.PROACTIVE_TABLES for tpl, columns in spec.columns.items()
                    for k, _ in columns if k == key)
    for phrase, targets in cols.items():
        add(phrase, "pcol", tuple(sorted(targets)))
    add(T.PROACTIVE_HEADER_CUE, "noise")
    for heading in T.TABLE_SECTION_HEADINGS:
        add(heading, "noise")
    for cue in T.TABLE_REGION_ENDS:
        add(cue, "end")
    return vocab


VOCAB = _vocabulary()
_ITEM = T.PROACTIVE_ITEM_PATTERN
SCANNER = re.compile(_ITEM + "|(?P<phrase>" + "|".join(re.escape(p) for p in sorted(VOCAB, key=len, reverse=True)) + ")")


def scan(text: str) -> tuple[tuple[int, int, Event], ...]:
    """Events of a label run, in order: (start, end, event). Longest phrase first at each place.
    A run of a table's labels recurs in every report: cached, up to a length (a long run is
    narrative, and is not kept)."""
    return _scan_cached(text) if len(text) <= 256 else _scan(text)


@lru_cache(maxsize=16384)
def _scan_cached(text: str) -> tuple[tuple[int, int, Event], ...]:
    return _scan(text)


def _scan(text: str) -> tuple[tuple[int, int, Event], ...]:
    out = []
    for m in SCANNER.finditer(text):
        if m.group("item"):
            out.append((m.start(), m.end(), Event("ptable", m.group("item"), m.group(0))))
        else:
            out.append((m.start(), m.end(), VOCAB[m.group("phrase")]))
    return tuple(out)


#: Row numbering that starts another row: （七）, 四、, 3.
NUMBERING = re.compile(r"\([一二三四五六七八九十]{1,2}\)|[一二三四五六七八九十]{1,2}\.|(?<![0-9])[0-9]{1,2}\.")
_FILLER = re.compile(r"\([^()]{0,60}\)|[()\"'“”:;,.·•*#_~\-]")


def leftover(text: str) -> str:
    """What remains of a stretch of label text once numbering, remarks in brackets and
    punctuation are taken out (used to judge whether a phrase stands as a row's label)."""
    return _short_leftover(text) if len(text) <= 32 else _FILLER.sub("", NUMBERING.sub("", text))


@lru_cache(maxsize=8192)
def _short_leftover(text: str) -> str:
    """``leftover`` of a short stretch, cached: nearly every stretch is the few characters around
    a row label, the same in every report (a long one, narrative, is not kept)."""
    return _FILLER.sub("", NUMBERING.sub("", text))
