"""The 统计期限 (reporting period) a report states — read once, here, as facts.

The metadata reader takes the report year from it when the title has none; the monitor's W5
compares the years it names with the report's year (a period copied from last year's text). Both
read these facts, so the phrasing is recognised in one place.
"""
from __future__ import annotations

import re

from extract.model import Fact

#: "自2020年1月1日起至2020年12月31日止", "2020年1月1日至12月31日", "截至2020年12月31日"
PERIOD = re.compile(
    r"(?:(?P<y1>20\d\d)\s*年\s*0?1\s*月\s*0?1\s*日?\s*(?:起)?\s*(?:至|到|—|－|-|~|～)+\s*(?:(?P<y2>20\d\d)\s*年\s*)?12\s*月\s*31"
    r"|(?:截至|截止|截止到|截止至|截至到)\s*(?P<y3>20\d\d)\s*年\s*12\s*月\s*31)")
#: a labelled period start: "统计期限为2020年1月1日…" (the report year when the title has none)
LABELLED_START = re.compile(r"(?:统计期限|统计时限|统计时间|统计期间)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


def stated_periods(text: str, section: str | None) -> list[Fact]:
    """One ``stat_period`` fact per year a period statement names (its text and sentence kept)."""
    out: list[Fact] = []
    if "12" not in text or "31" not in text:
        return out
    for m in PERIOD.finditer(text):
        start = text.rfind("。", 0, m.start()) + 1
        end = text.find("。", m.end())
        sentence = text[start:end + 1 if end >= 0 else len(text)].strip()
        for y in sorted({int(y) for y in (m.group("y1"), m.group("y2"), m.group("y3")) if y}):
            out.append(Fact("stat_period", y, m.group(0), sentence, section))
    return out


def labelled_year(text: str) -> int | None:
    """The year of a labelled period start, if the text has one."""
    m = LABELLED_START.search(text)
    return int(m.group(1)) if m else None
