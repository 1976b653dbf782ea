"""A small database for the digest tests: two provinces, reports harvested in one week,
findings new, resolved, dismissed and about sites, one report with a hostile title — rows
written as the crawler, the extractor and the monitor write them."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from db.models import Agency, CrawlRun, Document, Finding, ReportRow, Site
from db.session import session

WEEK = "2025-W06"  # Monday 3 February to Sunday 9 February 2025
IN_WEEK = datetime(2025, 2, 4, 2, 0)  # UTC: 10:00 in Shanghai on Tuesday 4 February
BEFORE = datetime(2025, 1, 20, 2, 0)
HOSTILE = '<script>document.title="PWNED"</script><img src=x onerror="document.title=\'PWNED\'">\x1b[2J\u202e淮宁市年报'


def build(url: str) -> dict[str, int]:
    """Fill the database at ``url``; return the ids the tests look for."""
    ids: dict[str, int] = {}
    with session(url) as s:
        js = Site(name="sample-js-huaining", province="江苏", platform="trs",
                  config={"region": "淮宁市", "region_code": "321400"})
        gd = Site(name="sample-gd-nanling", province="广东", platform="gdplatform",
                  config={"region": "南岭市", "region_code": "445500"})
        s.add_all([js, gd])
        s.flush()
        for site, ok in ((js, True), (gd, False)):
            run = CrawlRun(site_id=site.id, started_at=IN_WEEK, finished_at=IN_WEEK, status="finished" if ok else "failed",
                           stats={"reports": 3 if ok else 0})
            s.add(run)
        agencies = {
            "淮宁市人民政府": Agency(name="淮宁市人民政府", region_code="321400", province="江苏", region="淮宁市",
                                 level="city", body_type="government", expected=True),
            "淮宁市财政局": Agency(name="淮宁市财政局", region_code="321400", province="江苏", region="淮宁市",
                                level="city", body_type="department", expected=True),
            "清河县人民政府": Agency(name="清河县人民政府", region_code="321421", province="江苏", region="清河县",
                                 level="county", body_type="government", expected=True),
            "南岭市人民政府": Agency(name="南岭市人民政府", region_code="445500", province="广东", region="南岭市",
                                 level="city", body_type="government", expected=True),
        }
        s.add_all(agencies.values())
        s.flush()

        def report(agency: str, year: int, title: str, published: date, seen: datetime, url: str, site: Site) -> ReportRow:
            doc = Document(url=url, fetched_at=seen, http_status=200, kind="detail", site_id=site.id, sha256="a" * 64,
                           meta={}, source="crawl")
            s.add(doc)
            s.flush()
            row = ReportRow(agency_id=agencies[agency].id, agency_name=agency, year=year, template="2021", title=title,
                            published=published, first_seen=seen, document_id=doc.id, sha256=doc.sha256 or "",
                            format="html", status="ok", problems=[], facts=[], meta={})
            s.add(row)
            s.flush()
            return row

        r1 = report("淮宁市人民政府", 2024, HOSTILE, date(2025, 2, 3), IN_WEEK,
                    "http://127.0.0.1:8765/js/huaining/202502/t20250203_1.html", js)
        report("淮宁市财政局", 2024, "淮宁市财政局2024年政府信息公开工作年度报告", date(2025, 2, 5), IN_WEEK,
               "http://127.0.0.1:8765/js/huaining/202502/t20250205_2.html", js)
        report("淮宁市财政局", 2023, "淮宁市财政局2023年政府信息公开工作年度报告", date(2024, 1, 20), BEFORE - timedelta(days=365),
               "http://127.0.0.1:8765/js/huaining/202401/t20240120_3.html", js)
        report("南岭市人民政府", 2024, "南岭市人民政府2024年政府信息公开工作年度报告", date(2025, 2, 6), IN_WEEK,
               "javascript:alert(1)", gd)
        ids["hostile_report"] = r1.id

        def finding(rule: str, sev: str, agency: str | None, province: str, code: str, year: int | None, message: str,
                    first_seen: datetime, status: str = "open", resolved_at: datetime | None = None,
                    evidence: dict | None = None) -> Finding:
            ev = {"province": province, "agency_key": f"{agency or 'site:x'}|{code}", **(evidence or {})}
            f = Finding(fingerprint=f"{rule}-{agency}-{year}-{message[:10]}-{len(ids)}", rule=rule, severity=sev,
                        agency_id=agencies[agency].id if agency in agencies else None, agency_name=agency or "站点",
                        year=year, report_id=None, message=message, evidence=ev, evidence_hash="h",
                        first_seen=first_seen, last_seen=first_seen, status=status, resolved_at=resolved_at)
            s.add(f)
            s.flush()
            return f

        ids["r1"] = finding("R1", "error", "淮宁市人民政府", "江苏", "321400", 2024,
                            "R1 勾稽关系不符：表三“总计”列 本年新收16 + 上年结转0 ≠ 办理结果总计15 + 结转下年度0",
                            IN_WEEK, evidence={"source_url": "http://127.0.0.1:8765/js/huaining/202502/t20250203_1.html",
                                               "cells": [{"label": "表三“本年新收”总计", "value": 16, "raw": "16",
                                                          "location": "table 3 row 2 col 8", "year": 2024},
                                                         {"label": "表三“办理结果总计”总计", "value": 15,
                                                          "raw": "1５", "location": "table 3 row 24 col 8",
                                                          "year": 2024}]}).id
        ids["p2"] = finding("P2", "warning", "清河县人民政府", "江苏", "321421", 2023,
                            "P2 逾期发布：清河县人民政府2023年度报告的页面发布日期为2024-04-09，晚于截止日期2024-03-31",
                            IN_WEEK).id
        ids["t1"] = finding("T1", "warning", "南岭市人民政府", "广东", "445500", 2024,
                            "T1 结果纠正连续上升：2022年3件、2023年5件、2024年9件", IN_WEEK).id
        ids["dismissed"] = finding("W4", "warning", "淮宁市财政局", "江苏", "321400", 2024,
                                   "W4 内容雷同：与淮宁市财政局2023年度报告相似度0.97", IN_WEEK, status="dismissed").id
        ids["resolved"] = finding("R3", "error", "淮宁市财政局", "江苏", "321400", 2023,
                                  "R3 办理结果合计不符（已更正）", BEFORE, status="resolved", resolved_at=IN_WEEK).id
        ids["old"] = finding("W6", "warning", "淮宁市财政局", "江苏", "321400", 2023, "W6 早已发现的问题", BEFORE).id
        ids["c3"] = finding("C3", "info", None, "广东", "445500", None,
                            "C3 站点“sample-gd-nanling”最近一次抓取（2025-02-04 02:00）抓取失败：ConnectionRefusedError（3次）",
                            IN_WEEK, evidence={"site": "sample-gd-nanling"}).id
        s.commit()
    return ids


# ------------------------------------------------------------------------------ SMTP servers
@dataclass
class Received:
    envelopes: list = field(default_factory=list)


class Recorder:
    """aiosmtpd handler: keeps every message; answers 4xx to the first ``fail_first`` DATA commands."""

    def __init__(self, fail_first: int = 0, code: str = "451 4.3.0 try again later"):
        self.fail_first = fail_first
        self.code = code
        self.messages: list[bytes] = []
        self.data_commands = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        if self.data_commands <= self.fail_first:
            return self.code
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def smtp_server(handler) -> tuple[object, int]:
    from aiosmtpd.controller import Controller

    import socket

    with socket.socket() as sock:  # aiosmtpd connects to its port to see it is up: it needs a real one
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    return c, port


class DroppingServer:
    """A raw SMTP server that hangs up in the middle of DATA ``drops`` times, then behaves."""

    def __init__(self, drops: int):
        import socket

        self.drops = drops
        self.delivered: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                f = conn.makefile("rwb")

                def say(line: str) -> None:
                    f.write((line + "\r\n").encode())
                    f.flush()

                say("220 test ESMTP")
                data = False
                body = b""
                while True:
                    line = f.readline()
                    if not line:
                        break
                    if data:
                        if line in (b".\r\n", b".\n"):
                            self.delivered.append(body)
                            say("250 OK")
                            data = False
                            continue
                        body += line
                        if self.drops > 0 and len(body) > 200:
                            self.drops -= 1
                            break  # hang up mid-DATA
                        continue
                    cmd = line.strip().upper()
                    if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                        say("250 test")
                    elif cmd.startswith(b"DATA"):
                        say("354 go ahead")
                        data, body = True, b""
                    elif cmd.startswith(b"QUIT"):
                        say("221 bye")
                        break
                    else:
                        say("250 OK")

    def close(self) -> None:
        self.stop = True
        self.sock.close()


def digest_config(path: Path, port: int, subscribers: list[dict], retries: int = 3) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"smtp": {"host": "127.0.0.1", "port": port, "security": "none", "retries": retries,
                                             "backoff": 0.05, "timeout": 10, "from": "nianbao <nianbao@localhost>"},
                                    "subscribers": subscribers}, allow_unicode=True), encoding="utf-8")
    return path


_ = asyncio  # aiosmtpd runs its own loop in a thread
