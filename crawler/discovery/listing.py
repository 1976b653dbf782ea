"""List records and pages that are not plain ``<a>`` links:

* records in script data (``var listData = [{"title": …, "url": …}]``) and in JSON answers;
* a list fetched by a POST (``$.post(url, {…})``, ``$.ajax({url, type: "post", data})``) and the
  pages of its JSON answer (``totalPage``/``pages``, or ``total`` over the page size);
* page counts written by JavaScript (``var totalPage = N`` with the URL template of the pager,
  TRS ``createPageHTML``);
* the continuation of one document over several pages: a report split into ``…_2.html`` /
  ``&pn=2``, and a flip-book's ``files/basic-html/pageN.html``.

Pure functions over page text and URLs."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

_OBJ = re.compile(r"\{[^{}\[\]]{0,2000}\}")
_TITLE_KEYS = ("title", "name", "biaoti", "docTitle", "infoTitle", "articleTitle", "text", "label")
_URL_KEYS = ("url", "href", "link", "path", "docUrl", "infoUrl", "articleUrl", "linkUrl", "fileUrl")
_DATE_KEYS = ("date", "pubDate", "publishDate", "pubdate", "time", "createTime", "releaseTime", "docDate")


@dataclass
class Record:
    url: str
    title: str
    date: str | None = None


def _field(obj: str, keys: tuple[str, ...]) -> str | None:
    for k in keys:
        m = re.search(rf"""["']?\b{k}["']?\s*:\s*["']((?:[^"'\\]|\\.)*)["']""", obj)
        if m:
            raw = m.group(1)
            try:
                return json.loads(f'"{raw}"')
            except ValueError:
                return raw.replace("\\/", "/")
    return None


def script_records(text: str, base: str) -> list[Record]:
    """Records (url + title) written as objects in the page's scripts or a JSON answer."""
    out: list[Record] = []
    for m in _OBJ.finditer(text):
        obj = m.group(0)
        url = _field(obj, _URL_KEYS)
        title = _field(obj, _TITLE_KEYS)
        if not url or not title or url.startswith(("javascript:", "#")):
            continue
        out.append(Record(urljoin(base, url), title, _field(obj, _DATE_KEYS)))
    return out


# ----------------------------------------------------------------------------- POSTed lists
_POST = re.compile(r"""\$\.post\(\s*["']([^"']+)["']\s*,\s*(\{[^{}]*\})""")
_AJAX = re.compile(r"""\$\.ajax\(\s*\{(?=[^{}]*type\s*:\s*["']post["'])([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}""", re.I)
_KV = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:["']([^"']*)["']|([\w.\-]+))""")
PAGE_KEYS = ("pageNo", "page", "pageIndex", "pageNum", "currentPage", "curPage", "p", "pn")
SIZE_KEYS = ("pageSize", "rows", "size", "limit", "perPage", "perpage")


def _form(obj: str) -> dict[str, str]:
    return {k: (a if a is not None and a != "" or b is None else b) or "" for k, a, b in _KV.findall(obj)}


def post_lists(text: str, base: str) -> list[tuple[str, dict[str, str]]]:
    """(URL, form) of the lists a page fetches by POST."""
    out = []
    for m in _POST.finditer(text):
        out.append((urljoin(base, m.group(1)), _form(m.group(2))))
    for m in _AJAX.finditer(text):
        body = m.group(1)
        u = re.search(r"""url\s*:\s*["']([^"']+)["']""", body)
        d = re.search(r"""data\s*:\s*(\{[^{}]*\})""", body)
        if u:
            out.append((urljoin(base, u.group(1)), _form(d.group(1)) if d else {}))
    return out


def json_pages(answer: str, form: dict[str, str]) -> list[dict[str, str]]:
    """The forms of the other pages of a POSTed JSON list (from its first answer)."""
    try:
        data = json.loads(answer)
    except ValueError:
        return []
    found: dict[str, int] = {}

    def walk(o, depth=0):
        if depth > 3:
            return
        if isinstance(o, dict):
            for k, v in o.items():
                if isinstance(v, int) and k not in found:
                    found[k] = v
                elif isinstance(v, (dict, list)):
                    walk(v, depth + 1)
    walk(data)
    key = next((k for k in PAGE_KEYS if k in form), None)
    if key is None:
        return []
    pages = next((found[k] for k in ("totalPage", "totalPages", "pageCount", "pages", "pageTotal") if k in found), None)
    if pages is None:
        size_key = next((k for k in SIZE_KEYS if k in form), None)
        total = next((found[k] for k in ("total", "totalCount", "count", "recordCount", "totalRecord") if k in found), None)
        if size_key and total is not None and str(form[size_key]).isdigit() and int(form[size_key]) > 0:
            pages = -(-total // int(form[size_key]))
    try:
        current = int(form[key])
    except ValueError:
        current = 1
    if not pages or pages > 500 or current != 1:
        return []
    return [{**form, key: str(i)} for i in range(2, pages + 1)]


# ----------------------------------------------------------------------------- JS page counts
_COUNT = re.compile(r"""\b(?:totalPage|totalPages|pageCount|countPage|pageTotal|pageNum|maxPage)\s*=\s*["']?(\d{1,4})""")
_TEMPLATE = re.compile(r"""["']([^"'\s]*?)["']\s*\+\s*\w+\s*\+\s*["'](\.s?html?|\.jsp|\.aspx?|\.php|)["']|"""
                       r"""["']([^"'\s]*?[?&]\w+=)["']\s*\+\s*\w+\b""")


def js_pages(text: str, url: str) -> list[str]:
    """Pages 2..N of a list whose pager is written by JavaScript: a count (``var totalPage = N``)
    and the pager's URL template (``"index_" + p + ".html"``, ``"list.jsp?page=" + p``). TRS's
    ``createPageHTML`` is read by ``crawler.spiders.trs.trs_pages``."""
    from crawler.spiders.trs import trs_pages

    out = [u for u in trs_pages(text, url) if u != url]
    if out:
        return out
    m = _COUNT.search(text)
    if not m:
        return []
    n = int(m.group(1))
    if not 1 < n <= 500:
        return []
    start = text.rfind("<script", 0, m.start())
    end = text.find("</script>", m.end())
    script = text[start:end if end > 0 else None]
    t = _TEMPLATE.search(script)
    if not t:
        return []
    if t.group(3):
        return [urljoin(url, f"{t.group(3)}{i}") for i in range(2, n + 1)]
    return [urljoin(url, f"{t.group(1)}{i}{t.group(2)}") for i in range(2, n + 1)]


# ----------------------------------------------------------------------------- continuation
FLIP_PAGE = re.compile(r"/files/basic-html/page(\d+)\.html?$", re.I)
_NEXT = re.compile(r"^(?:下一页|下页|后页|next|>|»)$", re.I)


def flip_first_page(url: str, hrefs: list[str]) -> str | None:
    """A flip-book's first text page, from its index page's links."""
    for h in hrefs:
        full = urljoin(url, h)
        m = FLIP_PAGE.search(urlsplit(full).path)
        if m and m.group(1) == "1":
            return full
    return None


def _stem(url: str) -> tuple[str, str, dict]:
    """(host, file name without a part number, query without page parameters): the same for
    every part of one document — also when a copy of the first part sits in another folder."""
    p = urlsplit(url)
    path = re.sub(r"_\d{1,3}(\.\w+)$", r"\1", p.path).rsplit("/", 1)[-1]
    q = {k: v for k, v in parse_qsl(p.query) if k not in ("pn", "page", "pageNo", "p", "pageIndex")}
    return p.netloc, path, q


def next_part(url: str, links: list[tuple[str, str]]) -> str | None:
    """The next part of a document split over pages: a 下一页 link that is the same document
    (same path but for ``_N``, or the same query but for a page parameter) or the next flip-book
    page. ``links`` are (absolute URL, text)."""
    here = _stem(url)
    flip = FLIP_PAGE.search(urlsplit(url).path)
    for href, text in links:
        if not _NEXT.match(text.replace(" ", "")):
            continue
        if flip:
            m = FLIP_PAGE.search(urlsplit(href).path)
            if m and int(m.group(1)) == int(flip.group(1)) + 1:
                return href
            continue
        if href != url and _stem(href) == here:
            return href
    return None
