"""List columns shared by the layouts: which reports a column lists (by body type, plus the
``two_lists`` quirk that files a report under a second column too), newest first, in pages."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the truth module builds URLs with this package
    from portal.truth import Truth, TruthReport

GROUPS = ("government", "department", "town")
#: the column a report is misfiled under as well, for the two_lists quirk
_SECOND = {"government": "department", "department": "government", "town": "department"}


def columns(truth: Truth, reports: list[TruthReport]) -> dict[str, list[TruthReport]]:
    """Body type -> the reports its column lists, newest first (empty columns omitted)."""
    twice = {(q["agency"], int(q["year"])) for q in truth.quirks.get("two_lists", [])}
    out: dict[str, list[TruthReport]] = {g: [] for g in GROUPS}
    for r in reports:
        body = truth.agency(r.agency).body_type
        out[body].append(r)
        if r.key in twice:
            out[_SECOND[body]].append(r)
    for g in out:
        out[g].sort(key=lambda r: (r.published, r.article_id), reverse=True)
    return {g: v for g, v in out.items() if v}


def home_column(truth: Truth, r: TruthReport) -> str:
    return truth.agency(r.agency).body_type


def paginate(items: list, per: int) -> list[list]:
    return [items[i:i + per] for i in range(0, len(items), per)] or [[]]
