"""URL hygiene for a crawl that follows links it was never told about: what a URL means (session
ids and tracking parameters dropped, so one page is one URL) and which URLs are traps (calendars,
query strings that grow, logins, searches, prints) — never requested, never looped.

The frontier itself is Scrapy's scheduler: a request's priority is its score, and what it needs to
know about the page it came from travels in ``request.meta["nb"]``."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: path parameters and query keys that name a session, not a page
_PATH_SESSION = re.compile(r";(?:jsessionid|sessionid|sid|phpsessid)=[^/?#]*", re.I)
SESSION_KEYS = frozenset(("jsessionid", "sessionid", "sid", "phpsessid", "aspsessionid", "token", "_", "ts", "timestamp",
                          "rnd", "random", "from", "spm"))
#: (why, pattern) URLs never requested
TRAPS: tuple[tuple[str, str], ...] = (
    ("calendar", r"calendar|rili|/date/|[?&](?:month|date|day|week|view)="),
    ("login", r"/(?:admin|login|logon|signin|register|member|user|passport|sso|uc)(?:/|\.|\b)"),
    ("search", r"/(?:search|so|jsearch|s)(?:/|\.|\?|$)|[?&](?:q|keyword|keywords|searchword|wd)="),
    ("print/share", r"print|share|weixin|weibo|\.(?:jpg|jpeg|png|gif|bmp|css|js|ico|mp4|mp3|flv|swf|zip|rar)$"),
    ("sorted view", r"[?&](?:sort|order|orderby)="),
)
_TRAPS = tuple((why, re.compile(p, re.I)) for why, p in TRAPS)
MAX_URL = 300
MAX_PARAMS = 6


def canonical(url: str) -> str:
    """The URL without session ids (path or query) and tracking parameters."""
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in SESSION_KEYS]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def trap(url: str) -> str | None:
    """Why ``url`` is not to be requested, or None."""
    if len(url) > MAX_URL:
        return "URL too long"
    parts = urlsplit(url)
    if parts.query:
        keys = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
        if len(keys) != len(set(keys)):
            return "repeated query parameter"
        if len(keys) > MAX_PARAMS:
            return "too many query parameters"
    target = parts.path + ("?" + parts.query if parts.query else "")
    for why, rx in _TRAPS:
        if rx.search(target):
            return why
    return None
