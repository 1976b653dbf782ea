"""A subscriber's digest as one multipart email: a plain-text part, an HTML part (Jinja2,
autoescape on) and the chart as a PNG inline image (``cid:``) related to the HTML.

Everything that came from a crawled page — titles, agency names, quoted sentences, cell text,
URLs — passes through the ``t`` filter: control characters and bidi overrides are shown escaped
(``\\x1b``, ``\\u202e``), in the text part (no terminal escape reaches a reader's ``less``) and in
the HTML part, where autoescape then turns ``<script>`` into text. Links are made only of http(s)
URLs; anything else (``javascript:``) is printed, not linked."""
from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path

import jinja2

from nianbao.app.digest_data import TZ, Digest, zh_date
from nianbao.app.terminal import safe

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "digest"
MAX_REPORTS = 200  # report rows listed in one mail; the rest are counted


@lru_cache(maxsize=1)
def _envs() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    text = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)
    for env in (html, text):
        env.filters["t"] = lambda v: safe("" if v is None else v)
        env.filters["is_web"] = lambda u: isinstance(u, str) and u.lower().startswith(("http://", "https://"))
    return html, text


def message_id(address: str, week: str, domain: str = "nianbao.local") -> str:
    """The same subscriber and week always give the same Message-ID: a second copy (after a crash
    between the server's "250 OK" and our record of it) is recognisably the same mail."""
    h = hashlib.sha256(f"{address.lower()}\x1f{week}".encode()).hexdigest()[:24]
    return f"<digest-{week}-{h}@{domain}>"


def period_text(d: Digest) -> str:
    return f"{zh_date(d.week.start)}至{zh_date(d.week.end)}"


def subject(d: Digest) -> str:
    y, w, _ = d.week.start.isocalendar()
    n = d.new_count
    return (f"年报监测周报 {y}年第{w}周（{d.week.start.month}月{d.week.start.day}日—{d.week.end.month}月{d.week.end.day}日）："
            f"新问题{n}项，收录报告{len(d.reports)}份")


# ---------------------------------------------------------------------------- chart
@lru_cache(maxsize=1)
def _font() -> str | None:
    from matplotlib import font_manager

    for f in font_manager.findSystemFonts():
        low = f.lower()
        if any(k in low for k in ("wqy", "notosanscjk", "noto sans cjk", "droidsansfallback", "simhei", "sourcehan")):
            font_manager.fontManager.addfont(f)
            return font_manager.FontProperties(fname=f).get_name()
    return None


def chart_png(d: Digest) -> bytes:
    """Publication progress of the report year in season: reports published per day, cumulated,
    against the expected count and the two deadlines (部门1月31日, 政府3月31日)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    name = _font()
    rc = {"font.sans-serif": [name, "DejaVu Sans"] if name else ["DejaVu Sans"], "axes.unicode_minus": False}
    y = d.week.report_year
    start = date(y + 1, 1, 1)
    end = max(d.week.end, date(y + 1, 4, 15))
    days = sorted(p["day"] for p in d.publications if p["day"] <= d.week.end)
    expected = sum(r.expected for r in d.regions)
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.6, 3.2), dpi=100)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1)  # fixed: tight_layout costs a third
        xs, ys = [start], [sum(1 for x in days if x < start)]
        for n, x in enumerate(days, 1):
            if x >= start:
                xs.append(x)
                ys.append(n)
        xs.append(min(d.week.end, end))
        ys.append(len(days))
        ax.step(xs, ys, where="post", color="#b22", linewidth=2, label="已发布（累计）")
        if expected:
            ax.axhline(expected, color="#555", linestyle="--", linewidth=1, label=f"应发布 {expected}")
        for dl, lab in ((d.week.deadlines.get("department"), "部门截止"), (d.week.deadlines.get("government"), "政府截止")):
            if dl:
                ax.axvline(dl, color="#357", linestyle=":", linewidth=1.2)
                ax.text(dl, ax.get_ylim()[1] * 0.95 if ax.get_ylim()[1] else 1, f" {lab}\n {dl.month}月{dl.day}日",
                        color="#357", fontsize=8, va="top")
        ax.axvspan(d.week.start, d.week.end + timedelta(days=1), color="#fc6", alpha=0.35, label="本周")
        ax.set_xlim(start, end)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # reports are counted in whole numbers
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m月"))
        ax.set_title(f"{y}年度报告发布进度（截至{zh_date(d.week.end)}）", fontsize=11)
        ax.set_ylabel("报告数")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------------- message
def render(d: Digest, sender: str, now: datetime | None = None, chart: bool = True) -> EmailMessage:
    now = now or datetime.now(timezone.utc)
    html_env, text_env = _envs()
    cid = make_msgid(domain="nianbao.local")[1:-1] if chart else None
    ctx = {"d": d, "week": d.week.week, "period": period_text(d), "scope": d.subscriber.scope_text,
           "sub_name": d.subscriber.name or d.subscriber.address, "year": d.week.report_year,
           "subject": subject(d), "chart_cid": cid, "max_reports": MAX_REPORTS,
           "deadlines": {k: zh_date(v) for k, v in d.week.deadlines.items()},
           "generated": f"{zh_date(now.astimezone(TZ).date())} {now.astimezone(TZ):%H:%M}"}
    msg = EmailMessage()
    msg["Subject"] = subject(d)
    msg["From"] = sender
    msg["To"] = d.subscriber.address
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(d.subscriber.address, d.week.week)
    msg["X-Nianbao-Week"] = d.week.week
    msg.set_content(text_env.get_template("digest.txt.j2").render(ctx), subtype="plain", charset="utf-8")
    msg.add_alternative(html_env.get_template("digest.html.j2").render(ctx), subtype="html", charset="utf-8")
    if cid:
        html_part = msg.get_payload()[1]
        html_part.add_related(chart_png(d), maintype="image", subtype="png", cid=f"<{cid}>",
                              filename="progress.png", disposition="inline")
    return msg


def html_for_file(msg: EmailMessage) -> str:
    """The HTML part with the inline chart as a data: URL, for viewing the .html file in a browser."""
    import base64

    html = msg.get_body(("html",)).get_content()
    for part in msg.walk():
        if part.get_content_type() == "image/png" and part["Content-ID"]:
            cid = part["Content-ID"].strip("<>")
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return html
