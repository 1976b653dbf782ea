"""W6 — implausible content.

* A 乡/镇/街道 reporting 规章: only provinces and 设区的市 governments make 规章 (立法法第九十三条),
  so a town with a non-zero 规章 cell has copied someone else's table or misfiled its 规范性文件.
* A required section missing (一 to 六). Only when the extractor could read the document's
  structure — it found at least three of the six headings and flagged nothing unreadable at the
  document level — and only for sections whose content is not evidenced otherwise (a section whose
  table was read is not missing, whatever its heading says). A missing *table* is never W6: the
  extractor cannot tell a table the agency left out from one published as an image, so it is X1.
"""
from __future__ import annotations

from extract import template as T
from monitor.catalogue import family_rules
from monitor.config import MonitorConfig, is_town
from monitor.findings import Hit, fmt_num, pro_col_label
from monitor.view import SLOT, View

RULES = family_rules("plausibility")

_DOC_LEVEL = {"needs_ocr", "unreadable_document", "template_unknown"}
_TABLE_OF_SECTION = {"proactive": "art20_1", "applications": "applications", "review_litigation": "review_litigation"}
_TITLES = {k: t for k, t, _ in T.SECTIONS}
_NUM = dict(zip(T.SECTION_KEYS, "一二三四五六"))


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    hits: list[Hit] = []
    reg_cols = [c for c in ("issued", "repealed", "in_force", "new_made", "new_published", "total_published")]
    reg_slots = [SLOT[("art20_1", "regulations", c)] for c in reg_cols]
    for rep in view.reps:
        if not rep.in_scope:
            continue
        i = rep.idx
        a = rep.agency
        if not a.pseudo and is_town(a.name, a.declared_type, a.level):
            cells = [k for k in reg_slots if view.ST[i, k] == 2 and not view.U[i, k] and view.V[i, k] > 0]
            if cells:
                shown = "，".join(f"{pro_col_label('art20_1', c, rep.template)}{fmt_num(view.num(i, k))}" for c, k in zip(reg_cols, reg_slots) if k in cells)
                hits.append(Hit("W6", a, rep.year, "art20_1:regulations",
                                f"W6 乡镇（街道）不具有规章制定权，但第二十条第（一）项“规章”行填写了非零数值（{shown}）。"
                                "请核对是否误填了规范性文件或照抄了上级表格。", rep=i, cells=[(i, k) for k in cells]))
        kinds = {p.get("kind") for p in rep.problems}
        missing = [p for p in rep.problems if p.get("kind") == "missing_section"]
        if not missing or kinds & _DOC_LEVEL:
            continue
        if len(T.SECTIONS) - len(missing) < 3:
            continue  # the headings were not recognised at all: a reading problem, not the agency's
        for p in missing:
            key = next((k for k, t in _TITLES.items() if t in (p.get("message") or "")), None)
            if key is None:
                continue
            table = _TABLE_OF_SECTION.get(key)
            if table and _table_read(view, i, table):
                continue
            hits.append(Hit("W6", a, rep.year, f"section:{key}",
                            f"W6 报告缺少第{_NUM[key]}部分“{_TITLES[key]}”（按国办公开办函〔2021〕30号格式应包含六个部分）。",
                            rep=i, extra={"problem": p}))
    return hits


def _table_read(view: View, i: int, table: str) -> bool:
    idx = [k for (t, _, _), k in SLOT.items() if t == table]
    return bool((view.ST[i, idx] > 0).any())
