"""The layout mutator: any canonical report, written in the layouts real report pages take as
text — and damaged the ways real pages are — with the truth of what the text still determines.

Issue 12 asks the extractor to read a report whatever its text looks like and never to give a
wrong number. The real texts in ``shared/corpus/real-text`` show each layout once; this module
produces them on demand, from any source report, in every combination, so a property test can
hold the extractor to "the canonical value or unread, for every cell" and a benchmark can
measure the read rate per layout family.

    >>> from portal.layouts import mutate
    >>> m = mutate(7, ["pipe", "inline_group"])
    >>> m.data[:60], m.truth["cells"]["applications/new_received/total"]

``mutate(seed, families)`` is deterministic: the same seed and families give the same bytes
and truth. The truth has the format of ``tests/examples/extract/real-text/*.expected.json``
(``cells`` the text determines, ``undeterminable`` with a note each) plus ``canonical``: the
source's value of every undeterminable cell, which a reader may still give (say by leaning on an
identity) — any other number is wrong, bar one: ``traceless`` (present only where it is not
empty) gives, for cells of a run-together row damaged without a trace, the other value the
damaged text says (see ``_traceless``), which the bench counts apart. A cell the text no longer
has (a row absent, cut off) is in neither: it must come out without a number.

Sources are the five seeds' hand-checked snapshots (``tests/examples/extract/seeds``) and the sample
portal's reports (``portal.truth``, planted inconsistencies included). Labels are written from
``portal/template_labels.yaml``, never from the extractor's template module.
"""
from __future__ import annotations

import copy
import functools
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from portal.layouts_digits import COUNT, MONEY, SIGNED, determinable, determined
from portal.layouts_doc import Doc, Para, Row, Slot, Table, build, labels
from portal.layouts_render import BLANK_INVISIBLE, FILLER, LAYOUTS, Style, identities, identities_of, render

SEEDS_DIR = Path(__file__).resolve().parents[1] / "tests" / "examples" / "extract" / "seeds"


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # layout (exactly one per text) | content | damage
    what: str


_FAMILY_LIST = [
    Family("tab", "layout", "tab-separated rows, a Word table pasted as text"),
    Family("markdown", "layout", "markdown rows with a leading pipe"),
    Family("pipe", "layout", "pipe rows without a leading pipe, merged positions dropped (020)"),
    Family("merged_pipes", "layout", "pipe rows, merged cells as a trailing run of pipes `| |||` (019)"),
    Family("cell_line_pipe", "layout", "one cell per line with a trailing ` |`, filler lines of bare pipes (023)"),
    Family("cell_line_lone_pipe", "layout", "each row opened by a lone `|` line, then one cell per line (025)"),
    Family("cell_line_alternating", "layout", "cells and pipes on alternating lines (022)"),
    Family("cell_line_blank", "layout", "one cell per paragraph, blank lines between (024, 033)"),
    Family("run_together", "layout", "the whole page on one line, digits of adjacent cells run together (001-017)"),
    Family("inline_group", "content", "a row-merged label only on the first row of its group (三、本年度办理结果 | (一)予以公开 | 0)"),
    Family("caption_rows", "content", "a caption row above each table (主动公开政府信息情况 | |||)"),
    Family("cell_newline", "content", "a newline inside row labels, or before the label's pipe (022, 028)"),
    Family("stray_spaces", "content", "stray leading spaces, NBSP or U+3000 in cells (026)"),
    Family("header_split", "content", "header labels split over lines or paragraphs (商业/企业, 本年新/制作数量)"),
    Family("header_years", "content", "years in headers (本年(2023)制发件数)"),
    Family("template2019_later", "content", "a 2019-template report in a 2021+ year (027)"),
    Family("empty_dropped", "content", "empty cells dropped from their row (029)"),
    Family("empty_moved", "content", "empty cells moved to the end of the row as filler pipes (cell-per-line layouts "
                                     "as 029; dropped in the others, where trailing pipes would read as blank cells)"),
    Family("rows_no_values", "content", "whole rows printed without values (031)"),
    Family("row_absent", "content", "a row absent (015, 018, 031)"),
    Family("traditional", "content", "Traditional-Chinese conversion (總計, 規章) (029)"),
    Family("value_words", "content", "units after 第二十条 values and a sign on a rise (3个, 152.2万元, +12) (006, 011, 016)"),
    Family("ascii_punct", "content", "ASCII punctuation for Chinese ((一), ',' ':')"),
    Family("gbk", "content", "the text encoded in GBK/GB18030, as many portals serve it"),
    Family("page_chrome", "content", "page chrome around the body (当前位置… 微信 微博, 访问量 and ICP numbers)"),
    Family("instructions", "content", "the template's instructions left in ((文字描述))"),
    Family("cell_deleted", "damage", "one value cell deleted"),
    Family("cells_merged", "damage", "two adjacent value cells merged into one"),
    Family("header_lost", "damage", "a header cell lost"),
    Family("cut", "damage", "the text cut at a byte (inside a character too)"),
    Family("stray_byte", "damage", "one stray byte inserted (a byte above 0x7F or a control byte)"),
]
FAMILIES: dict[str, Family] = {f.name: f for f in _FAMILY_LIST}
assert tuple(f.name for f in _FAMILY_LIST if f.kind == "layout") == LAYOUTS


@dataclass
class Mutant:
    """``spans``: byte span of every value cell written, in the text before byte damage (a cut
    keeps the bytes before ``cut``; a stray byte is inserted at ``stray``) — so a test can check
    that every value the truth claims is literally where the text has it."""

    data: bytes
    truth: dict[str, Any]
    families: tuple[str, ...]
    source: str
    seed: int
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    encoding: str = "utf-8"
    cut: int | None = None
    stray: int | None = None


# ------------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    name: str
    report: dict[str, Any]  # agency, year, template, title, cells, narrative


def _cells_of(rep: dict[str, Any]) -> dict[str, Any]:
    """The canonical report dict's values as ``table/row/column`` keys."""
    out: dict[str, Any] = {}
    for row, cols in (rep.get("applications") or {}).items():
        out.update({f"applications/{row}/{c}": v for c, v in cols.items()})
    for grp, cols in (rep.get("review_litigation") or {}).items():
        out.update({f"review_litigation/{grp}/{c}": v for c, v in cols.items()})
    for tab, rows in (rep.get("proactive") or {}).items():
        for row, cols in rows.items():
            out.update({f"{tab}/{row}/{c}": v for c, v in cols.items()})
    return out


def _plain_narrative(agency: str, year: int) -> dict[str, str]:
    who = agency or "本机关"
    return {
        "general": f"{year}年，{who}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，推进政务公开工作。",
        "proactive": "围绕重点领域及时主动公开政府信息。",
        "applications": "严格按照法定程序和期限办理依申请公开事项。",
        "review_litigation": "依法应对因政府信息公开引起的行政复议和行政诉讼。",
        "problems": "政策解读形式较为单一，下一步将丰富解读形式。",
        "other": "本年度未收取信息处理费。",
    }


@functools.lru_cache(maxsize=1)
def sources() -> tuple[Source, ...]:
    """The five seeds (hand-checked snapshots) and the sample portal's reports."""
    out: list[Source] = []
    for path in sorted(SEEDS_DIR.glob("*.expected.json")):
        rep = json.loads(path.read_text(encoding="utf-8"))
        out.append(Source(f"seed {path.name.removesuffix('.expected.json')}", {
            "agency": rep.get("agency") or "", "year": rep["year"], "template": rep["template"],
            "title": rep.get("title"), "cells": _cells_of(rep),
            "narrative": _plain_narrative(rep.get("agency") or "", rep["year"])}))
    from portal.truth import load_truth

    for r in load_truth().reports:
        rep = r.data
        out.append(Source(f"portal {r.agency} {r.year}", {
            "agency": r.agency, "year": r.year, "template": rep["template"],
            "title": rep.get("title") or f"{r.agency}{r.year}年政府信息公开工作年度报告",
            "cells": _cells_of(rep), "narrative": rep.get("narrative") or {}}))
    return tuple(out)


def _pick_source(rng: random.Random, template: str | None) -> Source:
    pool = [s for s in sources() if template is None or s.report["template"] == template]
    seeds = [s for s in pool if s.name.startswith("seed ")]
    if seeds and rng.random() < 0.2:
        return rng.choice(seeds)
    return rng.choice([s for s in pool if not s.name.startswith("seed ")] or pool)


# ------------------------------------------------------------------------------- helpers
def _kind_of(key: str) -> str:
    col = key.rsplit("/", 1)[1]
    return SIGNED if col == "change" else MONEY if col == "amount" else COUNT


def _value_of(key: str, text: str) -> Any:
    """A printed value back as the truth states it: null, an int, or a money string."""
    if text == "":
        return None
    return text if _kind_of(key) == MONEY else int(text)


def _data_rows(doc: Doc) -> list[tuple[int, Row]]:
    return [(i, r) for i, r in enumerate(doc.rows()) if r.kind == "data"]


def _table_of(doc: Doc, row: Row) -> Table:
    return next(t for t in doc.tables() if any(r is row for r in t.rows))


_TRAD = dict(zip(
    "总计规项数开处决许强罚费务请转结办获关题况报门户网发统级条实划应书员机构织际认识为对复议诉讼维纠审单执询国险稳护权内过现补确访举类无当缴业会组经后废额万购导进设时间态动专这让还种将并与从们个来说热点难则坚续观证签党习节产论义县镇乡区东济阳湾宁苏乐庆广贵辽龙黄汉长达传达录联费质诉责任领导负责监测评价风险围绕问题",
    "總計規項數開處決許強罰費務請轉結辦獲關題況報門戶網發統級條實劃應書員機構織際認識為對復議訴訟維糾審單執詢國險穩護權內過現補確訪舉類無當繳業會組經後廢額萬購導進設時間態動專這讓還種將並與從們個來說熱點難則堅續觀證簽黨習節產論義縣鎮鄉區東濟陽灣寧蘇樂慶廣貴遼龍黃漢長達傳達錄聯費質訴責任領導負責監測評價風險圍繞問題"))
_ASCII = dict(zip("（），：；“”！？", "(),:;\"\"!?"))


def _charmap(text: str, table: dict[str, str]) -> str:
    """A one-to-one character map (so recorded spans stay valid)."""
    return "".join(table.get(ch, ch) for ch in text)


_CHROME_HEAD = ["无障碍 关怀版 English", "当前位置：首页 > 政务公开 > 政府信息公开年报 > {year}年",
                "{title}", "发布时间：{pub}  来源：{agency}  浏览次数：{views}",
                "字体：【大 中 小】 分享到：微信 微博 QQ空间"]
_CHROME_FOOT = ["【打印本页】【关闭窗口】", "主办单位：{agency}  网站标识码：{code}  ICP备案号：闽ICP备{icp}号",
                "公安机关备案号：35012802000{views}"]


# ------------------------------------------------------------------------------- mutations
class _Mutation:
    """State of one mutation: the document, the style, and the reasons cells were lost."""

    def __init__(self, rng: random.Random, source: Source, report: dict[str, Any], doc: Doc, style: Style):
        self.rng, self.source, self.report, self.doc, self.style = rng, source, report, doc, style
        self.damaged: dict[int, str] = {}  # row index -> why its cells are undeterminable
        self.absent: set[str] = set()  # keys the text does not have at all

    # content -----------------------------------------------------------------------------
    def blank(self, fate: str, whole: bool) -> None:
        """Leave zeros blank and drop (or move) the blank cells: in a few rows (``whole``: rows
        of zeros only, every cell)."""
        rng = self.rng
        rows = [r for _, r in _data_rows(self.doc) if any(s.text == "0" for s in r.values())]
        if whole:
            zero_rows = [r for r in rows if all(s.text == "0" for s in r.values())]
            chosen = rng.sample(zero_rows, min(len(zero_rows), rng.randint(1, 3))) if zero_rows else rows[:1]
        else:
            chosen = [r for r in rows if rng.random() < 0.5] or rows[:1]
        for row in chosen:
            zeros = [s for s in row.values() if s.text == "0"]
            picked = zeros if whole else [s for s in zeros if rng.random() < 0.7] or zeros[:1]
            for s in picked:
                s.text, s.fate = "", fate
            if whole:
                for s in row.values():
                    s.text, s.fate = "", fate

    def row_absent(self) -> None:
        candidates = [r for _, r in _data_rows(self.doc) if r.part != "review_litigation"]
        row = self.rng.choice(candidates)
        self.absent.update(row.keys)
        rows = _table_of(self.doc, row).rows
        following = rows[rows.index(row) + 1:]
        # a merged group label the row carried moves down to the next row of its group
        for pos, slot in enumerate(row.slots):
            if slot.kind == "label" and slot.remnant is None and following:
                nxt = following[0].slots
                if pos < len(nxt) and nxt[pos].remnant == "row" and nxt[pos].text == slot.text:
                    nxt[pos].remnant = None
        rows.remove(row)

    def header_years(self) -> None:
        year = self.report["year"]
        for row in self.doc.rows():
            for s in row.slots:
                if s.kind == "header" and s.remnant is None and s.text.startswith("本年"):
                    paren = self.rng.choice([("(", ")"), ("（", "）")])
                    s.text = f"本年{paren[0]}{year}{paren[1]}" + s.text[2:]

    def caption_rows(self) -> None:
        titles = dict(labels()["sections"])
        for table in self.doc.tables():
            width = len(table.rows[0].slots)
            title = titles[table.section]
            table.rows.insert(0, Row([Slot(title, "caption")] + [Slot(title, "caption", remnant="col")
                                                                 for _ in range(width - 1)],
                                     "caption", table.rows[0].part))

    def cell_newline(self) -> None:
        for _, row in _data_rows(self.doc):
            for s in row.slots:
                if s.kind == "label" and s.remnant is None and len(s.text) >= 4 and self.rng.random() < 0.35:
                    at = self.rng.randint(2, len(s.text))
                    s.text = s.text[:at] + "\n" + s.text[at:]

    def stray_spaces(self) -> None:
        for row in self.doc.rows():
            for s in row.slots:
                if s.remnant is None and s.text and self.rng.random() < 0.2:
                    s.pad = self.rng.choice([" ", "  ", "\u3000", "\xa0"])

    def value_words(self) -> None:
        """Units typed after 第二十条 values, and a plus sign on a rise in 本年增/减."""
        for _, row in _data_rows(self.doc):
            if row.part in ("applications", "review_litigation"):
                continue
            for s in row.values():
                if not s.text or self.rng.random() < 0.4:
                    continue
                column = s.key.rsplit("/", 1)[1] if s.key else ""
                if column == "amount":
                    s.unit = "万元"
                elif column == "change":
                    if s.text not in ("0",) and not s.text.startswith("-"):
                        s.text = "+" + s.text
                else:
                    s.unit = self.rng.choice(["件", "个", "项"])

    def instructions(self) -> None:
        notes = labels()["instructions"]
        heads = {f"{n}、{t}": k for n, (k, t) in zip(labels()["section_numbers"], labels()["sections"])}
        blocks: list[Para | Table] = []
        for b in self.doc.blocks:
            blocks.append(b)
            if isinstance(b, Para) and b.role == "heading" and heads.get(b.text) in notes:
                blocks.append(Para(notes[heads[b.text]], "instruction"))
        self.doc.blocks = blocks

    def page_chrome(self) -> None:
        rep, rng = self.report, self.rng
        fill = {"year": rep["year"], "title": rep.get("title") or "", "agency": rep["agency"],
                "pub": f"{rep['year'] + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)} {rng.randint(8, 17)}:{rng.randint(10, 59)}",
                "views": rng.randint(10, 9999), "code": rng.randint(1000000000, 9999999999),
                "icp": rng.randint(10000000, 99999999)}
        head = [Para(line.format(**fill), "chrome") for line in _CHROME_HEAD]
        foot = [Para(line.format(**fill), "chrome") for line in _CHROME_FOOT]
        self.doc.blocks = head + self.doc.blocks + foot

    # damage to the table model ------------------------------------------------------------
    def _index(self, row: Row) -> int:
        return next(i for i, r in enumerate(self.doc.rows()) if r is row)

    def cell_deleted(self) -> None:
        rows = [r for _, r in _data_rows(self.doc) if any(s.fate is None for s in r.values())]
        if not rows:
            return
        row = self.rng.choice(rows)
        slot = self.rng.choice([s for s in row.values() if s.fate is None])
        self.damaged[self._index(row)] = f"cell_deleted: the cell {slot.key} was deleted from this row"
        row.slots.remove(slot)
        row.damaged = True

    def cells_merged(self) -> None:
        pairs = []
        for _, row in _data_rows(self.doc):
            for a, b in zip(row.slots, row.slots[1:]):
                if a.kind == b.kind == "value" and a.remnant is None is b.remnant and a.fate is None is b.fate:
                    pairs.append((row, a, b))
        if not pairs:
            return
        row, a, b = self.rng.choice(pairs)
        self.damaged[self._index(row)] = f"cells_merged: {a.key} and {b.key} printed as one cell {a.text + b.text!r}"
        a.text += b.text
        row.slots.remove(b)
        row.damaged = True

    def header_lost(self) -> None:
        cands = [(r, s) for r in self.doc.rows() if r.kind == "header"
                 for s in r.slots if s.remnant is None and s.kind == "header"]
        row, slot = self.rng.choice(cands)
        row.slots.remove(slot)
        why = f"header_lost: the header cell {slot.text.replace('^', '')!r} of this table was lost"
        for i, r in enumerate(self.doc.rows()):
            if r.kind == "data" and r.part == row.part:
                self.damaged[i] = why


_CONTENT_ORDER = ("rows_no_values", "empty_dropped", "empty_moved", "row_absent", "header_years", "caption_rows",
                  "cell_newline", "stray_spaces", "value_words", "instructions", "page_chrome")
_MODEL_DAMAGE = ("cell_deleted", "cells_merged", "header_lost")


def _choose_families(rng: random.Random, families: Sequence[str] | None) -> tuple[str, ...]:
    """The families given (plus a layout drawn at random if none is), or a random combination."""
    if families is not None:
        unknown = [f for f in families if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown layout families: {', '.join(unknown)} (known: {', '.join(FAMILIES)})")
        chosen = list(dict.fromkeys(families))
        layouts = [f for f in chosen if FAMILIES[f].kind == "layout"]
        if len(layouts) > 1:
            raise ValueError(f"at most one layout per text, not {', '.join(layouts)}")
        if not layouts:
            chosen.insert(0, rng.choice(LAYOUTS))
        return tuple(sorted(chosen, key=list(FAMILIES).index))  # the layout first, then catalogue order
    chosen = [rng.choice(LAYOUTS)]
    chosen += [f.name for f in _FAMILY_LIST if f.kind == "content" and rng.random() < 0.2]
    if rng.random() < 0.4:
        chosen.append(rng.choice([f.name for f in _FAMILY_LIST if f.kind == "damage"]))
    return tuple(chosen)


def mutate(seed: int, families: Sequence[str] | None = None) -> Mutant:
    """One source report, written in ``families`` (a random combination when None), as bytes,
    with its truth. Deterministic in (seed, families)."""
    rng = random.Random(f"nianbao-layouts:{seed}:{','.join(families) if families is not None else '*'}")
    chosen = _choose_families(rng, families)
    fams = set(chosen)
    source = _pick_source(rng, "2019" if "template2019_later" in fams else None)
    report = copy.deepcopy(source.report)
    if "template2019_later" in fams:
        old, new = report["year"], rng.randint(2021, 2024)
        report["year"] = new
        if report.get("title"):
            report["title"] = report["title"].replace(str(old), str(new))
        report["narrative"] = {k: v.replace(f"{old}年", f"{new}年") for k, v in report["narrative"].items()}
    layout = chosen[0]
    style = Style(layout, group_mode="drop" if ("inline_group" in fams or layout == "run_together") else "repeat",
                  header_split="header_split" in fams, crawl_header=rng.random() < 0.5,
                  rng=random.Random(rng.random()))
    mut = _Mutation(rng, source, report, build(report), style)
    for name in _CONTENT_ORDER:
        if name in fams:
            if name == "rows_no_values":
                mut.blank("move" if layout in FILLER else "drop", whole=True)
            elif name in ("empty_dropped", "empty_moved"):
                mut.blank("drop" if name == "empty_dropped" else "move", whole=False)
            else:
                getattr(mut, name)()
    # what the document says, before any damage
    rows = mut.doc.rows()
    canonical = {s.key: _value_of(s.key, s.text) for r in rows for s in r.values() if s.key}
    row_keys = {i: r.keys for i, r in enumerate(rows) if r.kind == "data"}
    for name in _MODEL_DAMAGE:
        if name in fams:
            getattr(mut, name)()
    rendered = render(mut.doc, style)
    text = rendered.text
    if "traditional" in fams:
        text = _charmap(text, _TRAD)
    if "ascii_punct" in fams:
        text = _charmap(text, _ASCII)
    encoding = "gb18030" if "gbk" in fams else "utf-8"
    data = text.encode(encoding)
    offsets = _byte_offsets(text, encoding)
    cut = stray = None
    table_span = _table_span(rendered, offsets, len(data))
    if "cut" in fams:
        cut = _damage_point(rng, table_span, len(data))
        data = data[:cut]
    if "stray_byte" in fams:
        stray = _damage_point(rng, table_span, len(data))
        byte = rng.choice(list(range(0x80, 0x100)) + [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 27, 31, 127])
        data = data[:stray] + bytes([byte]) + data[stray:]
    truth = _truth(mut, chosen, canonical, row_keys, rendered, offsets, cut, stray)
    spans = {k: (offsets[a], offsets[b]) for k, (a, b) in rendered.cells.items()}
    return Mutant(data, truth, chosen, source.name, seed, spans, encoding, cut, stray)


def _byte_offsets(text: str, encoding: str) -> list[int]:
    """Byte offset of every character index (and of the end) in ``encoding``."""
    out = [0]
    total = 0
    for ch in text:
        total += len(ch.encode(encoding))
        out.append(total)
    return out


def _table_span(rendered, offsets: list[int], size: int) -> tuple[int, int]:
    extents = list(rendered.rows.values())
    if not extents:
        return 0, size
    return offsets[min(a for a, _ in extents)], offsets[max(b for _, b in extents)]


def _damage_point(rng: random.Random, span: tuple[int, int], size: int) -> int:
    """A byte position: inside the tables most of the time (where damage matters), else anywhere."""
    lo, hi = span if rng.random() < 0.8 else (1, size - 1)
    hi = max(1, min(hi, size - 1))
    return rng.randint(min(max(1, lo), hi), hi)


def _traceless(row: Row, keys: list[str], printed: str, canonical: dict[str, Any]) -> dict[str, Any]:
    """Cells of a damaged run-together row that its text gives another value than the source's,
    read as the undamaged row it looks like (the truth's ``traceless``).

    With the cells run together the text does not show how many cells a row has: a row that
    lost a cell (or had two merged) can print, character for character, what an undamaged row
    with other values prints (行政规范性文件 ``2 12`` with 制发 lost is also 2 | 1 | 2, all three
    read). Where the digit rules and the template row's identity give a cell one value — with the
    only cut standing even where it breaks the row's total, as the real texts' truth reads such
    rows — that is what the text says, and no reader can know it is not what the agency wrote.
    Such a cell stays undeterminable (it is not the source's value), and the bench counts a
    reader that gives the text's value apart from a wrong number. A row with a blank cell left
    is not considered (blanks are invisible in this layout; the row says nothing certain)."""
    if not printed or any(s.text == "" or s.fate for s in row.values()):
        return {}
    pieces, _ = determined(printed, [_kind_of(k) for k in keys], identities_of(row.part, len(keys)), sole_cut=True)
    out: dict[str, Any] = {}
    for k, p in zip(keys, pieces):
        if p is not None and _value_of(k, p) != canonical[k]:
            out[k] = _value_of(k, p)
    return out


def _truth(mut: _Mutation, chosen: tuple[str, ...], canonical: dict[str, Any], row_keys: dict[int, list[str]],
           rendered, offsets: list[int], cut: int | None, stray: int | None) -> dict[str, Any]:
    """What the mutated text still determines (see the module docstring for the format)."""
    layout = mut.style.layout
    cells: dict[str, Any] = {}
    undeterminable: dict[str, str] = {}
    traceless: dict[str, Any] = {}
    rows = mut.doc.rows()
    # rows by their pre-damage index: model damage removed slots, not rows
    for i, keys in row_keys.items():
        row = rows[i]
        values = [canonical[k] for k in keys]
        if i in mut.damaged:
            undeterminable.update((k, mut.damaged[i]) for k in keys)
            if layout == "run_together":
                traceless.update(_traceless(row, keys, rendered.printed.get(i, ""), canonical))
        elif all(v is None for v in values):
            cells.update((k, None) for k in keys)
        elif any(v is None for v in values) and (layout in BLANK_INVISIBLE or any(s.fate for s in row.values())):
            why = ("empty cells dropped or moved: which column each remaining value belongs to is lost"
                   if any(s.fate for s in row.values()) else
                   f"{layout}: a blank cell cannot be told from no cell, so the values' columns are lost")
            undeterminable.update((k, why) for k in keys)
        elif layout == "run_together":
            printed = rendered.printed.get(i, "")
            texts = [s.text for s in row.values()]
            agree, readings = determinable(printed, [_kind_of(k) for k in keys], identities(row), texts)
            for k, ok in zip(keys, agree):
                if ok:
                    cells[k] = canonical[k]
                else:
                    undeterminable[k] = f"run together: {printed!r} has {readings} readings under the digit rules and the row's identity"
        else:
            cells.update((k, canonical[k]) for k in keys)
    for k in mut.absent:
        cells.pop(k, None)
        undeterminable.pop(k, None)

    def forget(key: str) -> None:
        cells.pop(key, None)
        undeterminable.pop(key, None)

    def doubt(key: str, why: str) -> None:
        if key in cells or key in undeterminable:
            cells.pop(key, None)
            undeterminable[key] = why

    extents = {i: (offsets[a], offsets[b]) for i, (a, b) in rendered.rows.items()}
    if cut is not None:
        for i, (start, end) in extents.items():
            keys = row_keys.get(i, [])
            if start >= cut:
                for k in keys:
                    forget(k)
            elif end >= cut:
                for k in keys:
                    span = rendered.cells.get(k)
                    if span is not None and offsets[span[0]] >= cut:
                        forget(k)
                    else:
                        doubt(k, f"cut: the text ends at byte {cut}, inside this row")
        for k, span in rendered.cells.items():
            if offsets[span[0]] >= cut:
                forget(k)
    if stray is not None:
        for i, (start, end) in extents.items():
            if not start <= stray <= end:
                continue
            row = rows[i]
            why = f"stray_byte: a stray byte at {stray}, in this row"
            if row.kind == "data":
                for k in row_keys.get(i, []):
                    doubt(k, why)
            else:
                for j, r in enumerate(rows):
                    if r.kind == "data" and r.part == row.part:
                        for k in row_keys.get(j, []):
                            doubt(k, why + f" ({row.kind} of the table)")
    report = mut.report
    return {
        "agency": report["agency"], "year": report["year"], "template": report["template"],
        "cells": dict(sorted(cells.items())),
        "undeterminable": sorted(undeterminable),
        "notes": dict(sorted(undeterminable.items())),
        "canonical": {k: canonical[k] for k in sorted(undeterminable)},
        "families": list(chosen), "source": mut.source.name,
        **({"traceless": dict(sorted(hidden.items()))} if (hidden := {k: v for k, v in traceless.items()
                                                                      if k in undeterminable}) else {}),
    }


# ------------------------------------------------------------------------------- examples
EXAMPLE_SEED = 7


def example(family: str) -> Mutant:
    """The example of a family that ``tests/examples/layouts/`` keeps (fixed seed)."""
    return mutate(EXAMPLE_SEED, [family])


def write_examples(folder: Path, names: Iterable[str] = FAMILIES) -> list[Path]:
    """Write ``<family>.txt`` and ``<family>.expected.json`` for each family."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        m = example(name)
        doc = folder / f"{name}.txt"
        doc.write_bytes(m.data)
        truth = dict(m.truth, seed=EXAMPLE_SEED)
        doc.with_name(f"{name}.expected.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
        written.append(doc)
    return written


def _main(argv: list[str]) -> int:
    """``python -m portal.layouts show SEED [FAMILY…]`` prints a mutant and its truth summary.
    (The examples of ``tests/examples/layouts/`` are drafted with ``python -m tests.snapshots draft``.)"""
    if len(argv) >= 2 and argv[0] == "show":
        m = mutate(int(argv[1]), argv[2:] or None)
        sys.stdout.write(m.data.decode(m.encoding, "replace"))
        print(f"\n--- {m.source}; families {', '.join(m.families)}; {len(m.truth['cells'])} cells determined, "
              f"{len(m.truth['undeterminable'])} undeterminable", file=sys.stderr)
        return 0
    print(_main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
