"""The weekly digest, with real components: a SQLite database filled as crawler, extractor and
monitor fill it; a real SMTP server (aiosmtpd) on 127.0.0.1 — and one that hangs up in the
middle of DATA; the received MIME parsed and held against the findings; the HTML rendered in
headless Chromium."""
from __future__ import annotations

import email
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models_ops import DigestSend
from db.session import session
from nianbao.app.digest import claim, send_digests
from nianbao.app.digest_config import DigestConfig, DigestConfigError
from nianbao.app.digest_data import parse_week, previous_week, zh_date
from nianbao.app.digest_render import message_id
from tests.digest_support import HOSTILE, WEEK, DroppingServer, Recorder, build, digest_config, smtp_server

CHROMIUM = "/usr/bin/chromium"
SUBS = [{"address": "js@example.org", "name": "江苏省政务公开办", "provinces": ["江苏"]},
        {"address": "gd@example.org", "name": "南岭市", "regions": ["4455"], "rules": ["T1", "C3"]},
        {"address": "all@example.org"}]


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    ids = build(url)
    return url, ids


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def parts(msg) -> tuple[str, str, list]:
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    return text, html, images


def cfg(tmp_path: Path, port: int = 1, retries: int = 3, subs=None) -> DigestConfig:
    return DigestConfig.load(digest_config(tmp_path / "digest.yaml", port, subs or SUBS, retries))


# ------------------------------------------------------------------------------ content
def test_dry_run_content_matches_the_findings(db, tmp_path):
    url, ids = db
    with session(url) as s:
        outs = send_digests(s, WEEK, cfg(tmp_path), dry_run=True, out=tmp_path / "out")
        assert s.scalars(select(DigestSend)).all() == []  # a dry run records nothing
    assert [o.status for o in outs] == ["written"] * 3
    msgs = {o.address: parse(o.files[0].read_bytes()) for o in outs}

    js_text, js_html, js_img = parts(msgs["js@example.org"])
    # new this week, by kind, with the exact cells, values, raw text and source link
    assert "表格数字不相符（1项）" in js_text and "逾期发布（1项）" in js_text
    assert "表三“办理结果总计”总计（2024年度）：15（原文“1５”，table 3 row 24 col 8）" in js_text
    assert "来源：http://127.0.0.1:8765/js/huaining/202502/t20250203_1.html" in js_text
    assert f"#{ids['r1']}" in js_text and f"#{ids['p2']}" in js_text
    assert "晚于截止日期2024年3月31日" in js_text  # dates as a Chinese reader writes them
    assert "2024-03-31" not in js_text
    # resolved this week; dismissed and older findings left out; 广东 not followed
    assert "R3 办理结果合计不符 · 淮宁市财政局 · 2023年度（2025年2月4日解决）" in js_text
    assert "内容雷同" not in js_text and "W6" not in js_text
    assert "南岭" not in js_text and "T1" not in js_text and "C3" not in js_text
    assert "江苏 淮宁市：应发布2，已发布2，按时1，有错误1" in js_text
    assert "2025年2月3日至2025年2月9日" in js_text
    # the HTML part carries the same, its chart as an inline image it references by CID
    assert len(js_img) == 1 and js_img[0].get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n"
    cid = js_img[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in js_html
    assert "table 3 row 24 col 8" in js_html and "2025年2月4日解决" in js_html
    assert msgs["js@example.org"]["Message-ID"] == message_id("js@example.org", WEEK)

    gd_text, _, _ = parts(msgs["gd@example.org"])
    assert "T1 纠错数量持续上升 · 南岭市人民政府" in gd_text and "C3 站点返回错误（新）" in gd_text
    assert "淮宁" not in gd_text and "R1" not in gd_text  # region and rule filters

    all_text, all_html, _ = parts(msgs["all@example.org"])
    assert "新发现问题3项" in all_text and "本周已解决1项" in all_text and "抓取覆盖问题1项" in all_text
    assert (tmp_path / "out" / f"{WEEK}-all@example.org.html").read_text(encoding="utf-8").count("data:image/png") == 1


def test_hostile_page_text_is_text(db, tmp_path):
    """A title with <script>, <img onerror>, a terminal escape and a bidi override: text in the
    HTML part, escaped in the plain part; a javascript: URL is never a link."""
    url, _ = db
    with session(url) as s:
        [out] = send_digests(s, WEEK, cfg(tmp_path), to="all@example.org", dry_run=True, out=tmp_path)
    text, html, _ = parts(parse(out.files[0].read_bytes()))
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;script&gt;document.title=&#34;PWNED&#34;&lt;/script&gt;" in html
    assert "javascript:" not in html and "javascript:alert(1)" in text  # printed as text, never a link
    for part in (text, html):
        assert "\x1b" not in part and "\u202e" not in part
    assert "\\x1b[2J\\u202e淮宁市年报" in text
    assert HOSTILE not in text


def test_week_and_dates():
    assert parse_week("2025-W06") == (2025, 6)
    for bad in ("2025-6", "2025-W54", "W06"):
        with pytest.raises(ValueError):
            parse_week(bad)
    assert previous_week(datetime(2025, 2, 10, 1, 0)) == "2025-W06"  # Monday 09:00 in Shanghai
    assert zh_date(datetime(2025, 2, 2, 17, 0)) == "2025年2月3日"  # 01:00 on the 3rd in Shanghai


def test_config_checks(tmp_path):
    with pytest.raises(DigestConfigError, match="environment variable"):
        DigestConfig.from_dict({"smtp": {"password": "x"}})
    with pytest.raises(DigestConfigError, match=r"unknown rule .P7. \(did you mean P3"):
        DigestConfig.from_dict({"subscribers": [{"address": "a@b.c", "rules": ["P7"]}]})
    with pytest.raises(DigestConfigError, match="not an e-mail address"):
        DigestConfig.from_dict({"subscribers": [{"address": "nobody"}]})
    with pytest.raises(DigestConfigError, match="security"):
        DigestConfig.from_dict({"smtp": {"security": "ssl3"}})
    DigestConfig.load(Path(__file__).resolve().parent.parent / "config" / "digest.yaml")  # the shipped one loads


# ------------------------------------------------------------------------------ sending
def _sends(url: str) -> dict[str, tuple[str, int, str | None]]:
    with session(url) as s:
        return {r.subscriber: (r.status, r.attempts, r.last_error) for r in s.scalars(select(DigestSend))}


def test_sent_once_per_subscriber_and_week(db, tmp_path):
    url, ids = db
    handler = Recorder()
    ctl, port = smtp_server(handler)
    try:
        c = cfg(tmp_path, port)
        with session(url) as s:
            first = send_digests(s, WEEK, c)
            again = send_digests(s, WEEK, c)
    finally:
        ctl.stop()
    assert [o.status for o in first] == ["sent"] * 3
    assert [o.status for o in again] == ["already_sent"] * 3
    assert len(handler.messages) == 3
    got = {m["To"]: m for m in map(parse, handler.messages)}
    assert set(got) == {"js@example.org", "gd@example.org", "all@example.org"}
    for addr, m in got.items():
        assert m["Message-ID"] == message_id(addr, WEEK)
        text, html, images = parts(m)
        assert len(images) == 1
    assert "R1 勾稽关系不符 · 淮宁市人民政府 · 2024年度" in parts(got["js@example.org"])[0]
    assert {k: v[0] for k, v in _sends(url).items()} == {a: "sent" for a in got}


def test_4xx_is_retried_with_backoff(db, tmp_path):
    url, _ = db
    handler = Recorder(fail_first=2)
    ctl, port = smtp_server(handler)
    slept: list[float] = []
    try:
        with session(url) as s:
            [out] = send_digests(s, WEEK, cfg(tmp_path, port), to="js@example.org", sleep=slept.append)
    finally:
        ctl.stop()
    assert (out.status, out.attempts) == ("sent", 3)
    assert slept == [0.05, 0.1]  # exponential backoff
    assert len(handler.messages) == 1
    assert _sends(url)["js@example.org"][:2] == ("sent", 3)


def test_persistent_4xx_is_a_recorded_failure_then_sent_once(db, tmp_path):
    url, _ = db
    handler = Recorder(fail_first=10)
    ctl, port = smtp_server(handler)
    try:
        with session(url) as s:
            [out] = send_digests(s, WEEK, cfg(tmp_path, port, retries=2), to="js@example.org", sleep=lambda _: None)
            assert out.status == "failed" and "451" in out.error
            assert _sends(url)["js@example.org"] == ("failed", 2, out.error)
            handler.fail_first = 0  # the server recovers: the next run sends it, once
            [out2] = send_digests(s, WEEK, cfg(tmp_path, port), to="js@example.org", sleep=lambda _: None)
            [out3] = send_digests(s, WEEK, cfg(tmp_path, port), to="js@example.org", sleep=lambda _: None)
    finally:
        ctl.stop()
    assert out2.status == "sent" and out3.status == "already_sent"
    assert len(handler.messages) == 1
    assert _sends(url)["js@example.org"][:2] == ("sent", 3)


def test_5xx_is_not_retried(db, tmp_path):
    url, _ = db
    handler = Recorder(fail_first=5, code="554 5.7.1 rejected")
    ctl, port = smtp_server(handler)
    try:
        with session(url) as s:
            [out] = send_digests(s, WEEK, cfg(tmp_path, port), to="js@example.org", sleep=lambda _: None)
    finally:
        ctl.stop()
    assert (out.status, out.attempts) == ("failed", 1) and "554" in out.error
    assert handler.messages == []


def test_refused_connection_then_a_server(db, tmp_path):
    import socket

    url, _ = db
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    with session(url) as s:
        [out] = send_digests(s, WEEK, cfg(tmp_path, dead, retries=2), to="gd@example.org", sleep=lambda _: None)
    assert out.status == "failed" and "ConnectionRefused" in out.error and out.attempts == 2
    handler = Recorder()
    ctl, port = smtp_server(handler)
    try:
        with session(url) as s:
            [out] = send_digests(s, WEEK, cfg(tmp_path, port), to="gd@example.org")
    finally:
        ctl.stop()
    assert out.status == "sent" and len(handler.messages) == 1


def test_dropped_mid_data_is_retried_and_delivered_once(db, tmp_path):
    url, _ = db
    server = DroppingServer(drops=1)
    try:
        with session(url) as s:
            [out] = send_digests(s, WEEK, cfg(tmp_path, server.port), to="js@example.org", sleep=lambda _: None)
    finally:
        server.close()
    assert (out.status, out.attempts) == ("sent", 2)
    assert len(server.delivered) == 1
    assert b"Message-ID: " + message_id("js@example.org", WEEK).encode() in server.delivered[0]


def test_claim_is_exclusive_until_the_lease_runs_out(db, tmp_path):
    url, _ = db
    now = datetime(2025, 2, 10, 0, 0)
    with session(url) as s:
        assert claim(s, "x@example.org", WEEK, "host:1", now) == "claimed"
        assert claim(s, "x@example.org", WEEK, "host:2", now + timedelta(minutes=1)) == "busy"
        # host:1 died without a word: after its lease, another sender takes over
        assert claim(s, "x@example.org", WEEK, "host:2", now + timedelta(hours=1)) == "claimed"
        assert claim(s, "x@example.org", WEEK, "host:1", now + timedelta(hours=1, minutes=1)) == "busy"


# ------------------------------------------------------------------------------ in a browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (tests/debian-packages.txt)")
def test_html_digest_in_chromium(db, tmp_path):
    """The HTML file rendered by headless Chromium: the chart and the tables show (a screenshot,
    kept under tests/artifacts/, with real content), the hostile title is text and its script
    never runs (the DOM after loading has no script element and an unchanged title)."""
    from PIL import Image

    url, _ = db
    with session(url) as s:
        [out] = send_digests(s, WEEK, cfg(tmp_path), to="all@example.org", dry_run=True, out=tmp_path)
    page = out.files[1].as_uri()
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'chr'}"]
    dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True, timeout=120, text=True).stdout
    assert "<table" in dom and "<img" in dom
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert "PWNED" not in title and "年报监测周报" in title
    assert "<script" not in dom and "<img src=x" not in dom  # no such element: the title is text
    assert "&lt;script&gt;document.title=" in dom
    shot = tmp_path / "digest.png"
    subprocess.run(flags + ["--window-size=900,1800", f"--screenshot={shot}", page], capture_output=True, timeout=120)
    img = Image.open(shot).convert("RGB")
    assert img.size == (900, 1800)
    # not blank: many non-white pixels, red ones from the chart line and headings among them
    small = img.resize((225, 450))
    px = [small.getpixel((x, y)) for y in range(small.height) for x in range(small.width)]
    assert sum(1 for p in px if sum(p) < 600) > 2000
    assert sum(1 for r, g, b in px if r > 150 and g < 90 and b < 90) > 20
    keep = Path(__file__).resolve().parent / "artifacts"
    keep.mkdir(exist_ok=True)
    shutil.copy(shot, keep / "digest.png")
