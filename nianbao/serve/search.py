"""Full-text search on the sections that also finds one- and two-character terms.

The export's ``sections_fts`` is an FTS5 *trigram* index: it finds any substring of three
characters or more (Chinese has no spaces to split words at), but a shorter term has no trigram
and matches nothing — and 公开, 申请, 收费 are two characters. Here every term of a query is a
substring the section must contain (all of them): a term of three characters or more is looked
up in the trigram index, a shorter one is matched with ``LIKE`` on the title and text (a scan of
the sections table, so slower on a big corpus, but exact). Terms are split as datasette splits
them: at white space, a "quoted phrase" being one term.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: The shortest term the trigram index can find.
TRIGRAM = 3
_TERMS = re.compile(r'"([^"]*)"?|(\S+)')


def terms(query: str) -> list[str]:
    """The terms of a search query: "quoted phrases" whole, other text split at white space."""
    return [t for a, b in _TERMS.findall(query) if (t := (a or b).strip())]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class SearchClause:
    """SQL for the sections table: ``where`` (all terms, AND), its named ``params``."""

    where: list[str]
    params: dict[str, str]


def sections_search(query: str, fts_table: str = "sections_fts", pk: str = "id", prefix: str = "nb_search"
                    ) -> SearchClause:
    """The where clauses (one per term) and parameters that find the sections holding every term
    of ``query``; nothing for an empty query."""
    where: list[str] = []
    params: dict[str, str] = {}
    for i, term in enumerate(terms(query)):
        name = f"{prefix}_{i}"
        if len(term) >= TRIGRAM:
            where.append(f'"{pk}" in (select rowid from "{fts_table}" where "{fts_table}" match :{name})')
            params[name] = '"' + term.replace('"', '""') + '"'
        else:
            where.append(f"(coalesce(\"title\", '') like :{name} escape '\\' or \"text\" like :{name} escape '\\')")
            params[name] = _like(term)
    return SearchClause(where, params)
