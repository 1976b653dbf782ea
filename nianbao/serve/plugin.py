"""The datasette plugin: agency pages (``/-/agency/<id>``), region pages (``/-/region/<code>``),
the raw store's copy of a document (``/-/raw/<sha256>``), links from datasette's tables to
them, and a search on the sections that finds one- and two-character terms too
(:mod:`nianbao.serve.search`). Templates autoescape; a raw document is served under a
sandboxing Content-Security-Policy, so a crawled page's scripts never run in the browser's origin."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import Response, hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from nianbao.serve import pages
from nianbao.serve.search import sections_search

_SHA = re.compile(r"^[0-9a-f]{64}$")


def _config(datasette) -> dict:
    return datasette.plugin_config("nianbao") or {}


def _db(datasette):
    name = _config(datasette).get("database")
    return datasette.get_database(name) if name else datasette.get_database()


async def agency_view(datasette, request) -> Response:
    agency_id = int(request.url_vars["id"])
    ctx = await _db(datasette).execute_fn(lambda conn: pages.agency_page(conn, agency_id))
    if ctx is None:
        return Response.html("<h1>没有这个机关</h1>", status=404)
    ctx["database"] = _db(datasette).name
    return Response.html(await datasette.render_template("nianbao_agency.html", ctx, request=request))


async def region_view(datasette, request) -> Response:
    code = request.url_vars["code"]
    ctx = await _db(datasette).execute_fn(lambda conn: pages.region_page(conn, code))
    ctx["database"] = _db(datasette).name
    return Response.html(await datasette.render_template("nianbao_region.html", ctx, request=request))


async def raw_view(datasette, request) -> Response:
    """The original bytes, as stored; HTML is shown sandboxed (no scripts, an opaque origin)."""
    sha = request.url_vars["sha"]
    root = _config(datasette).get("raw_store")
    if not _SHA.match(sha) or not root:
        return Response.text("not found", status=404)
    path = Path(root) / sha[:2] / sha[2:4] / sha
    rows = await _db(datasette).execute("select content_type from documents where sha256 = ? limit 1", [sha])
    if not path.is_file() or not rows.rows:
        return Response.text("not in the raw store", status=404)
    ctype = rows.rows[0]["content_type"] or "application/octet-stream"
    return Response(path.read_bytes(), content_type=ctype, headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff", "Content-Disposition": f'inline; filename="{sha}"'})


@hookimpl
def register_routes(datasette):
    return [(r"^/-/agency/(?P<id>\d+)$", agency_view), (r"^/-/region/(?P<code>\d{2,12})$", region_view),
            (r"^/-/raw/(?P<sha>[0-9a-f]{64})$", raw_view)]


def _int(v) -> int | None:
    """A row value as an id; datasette gives an expanded foreign key as {"value", "label"}."""
    if isinstance(v, dict):
        v = v.get("value")
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Agency names link to the agency page, region codes to the region page, sha256 to the raw copy."""
    if value in (None, ""):
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    if column == "agency" and "agency_id" in keys and _int(row["agency_id"]) is not None:
        return Markup(f'<a href="/-/agency/{_int(row["agency_id"])}">{escape(value)}</a>')
    if table == "agencies" and column == "name" and "id" in keys and _int(row["id"]) is not None:
        return Markup(f'<a href="/-/agency/{_int(row["id"])}">{escape(value)}</a>')
    if column == "region_code" and isinstance(value, str) and value.isdigit():
        return Markup(f'<a href="/-/region/{escape(value)}">{escape(value)}</a>')
    if column in ("sha256", "document_sha256") and isinstance(value, str) and _SHA.match(value):
        return Markup(f'<a href="/-/raw/{value}">{value[:12]}…</a>')
    return None


#: The query parameter the sections search travels in once taken from datasette's ``_search``.
SEARCH_ARG = "_nb_search"


def _sections_path(datasette, path: str) -> bool:
    name = _config(datasette).get("database")
    return bool(name) and re.fullmatch(rf"/{re.escape(name)}/sections(\.json|\.csv)?", path) is not None


@hookimpl
def asgi_wrapper(datasette):
    """``_search`` on the sections table is handed to :func:`filters_from_request` (under
    ``_nb_search``): datasette's own search asks the trigram index, which finds nothing for a
    term shorter than three characters. ``_searchmode=raw`` (FTS5 syntax) stays datasette's."""
    def wrap(app):
        async def inner(scope, receive, send):
            if scope.get("type") == "http" and _sections_path(datasette, scope.get("path", "")):
                args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
                if any(k == "_search" for k, _ in args) and ("_searchmode", "raw") not in args:
                    args = [(SEARCH_ARG if k == "_search" else k, v) for k, v in args]
                    scope = dict(scope, query_string=urlencode(args).encode("utf-8"))
            await app(scope, receive, send)
        return inner
    return wrap


@hookimpl
def filters_from_request(request, database, table, datasette):
    """Every term of the search must be in the section: the trigram index for terms of three
    characters or more, ``LIKE`` for shorter ones."""
    query = request.args.get(SEARCH_ARG)
    if table != "sections" or query is None:
        return None
    clause = sections_search(query)
    return FilterArguments(clause.where, clause.params, [f'search matches "{query}"'],
                           extra_context={"search": query, "supports_search": True})
