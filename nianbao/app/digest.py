"""The weekly digest: one email per subscriber per ISO week, sent exactly once.

``send_digests`` reads the week once (:mod:`nianbao.app.digest_data`), renders each
subscriber's mail (:mod:`nianbao.app.digest_render`) and sends it over SMTP
(:mod:`smtplib`, STARTTLS or implicit TLS, the password only from the environment).

Exactly once, per (subscriber, week), through the ``digest_sends`` table:

1. before the SMTP conversation a row is claimed and committed: ``sending``, with the
   Message-ID, this process as owner and a lease. A row already ``sent`` is skipped; one being
   sent by another live process (lease not expired) is skipped too — two schedulers never mail
   the same digest;
2. the mail is sent, with retries and exponential backoff on what may pass (a refused or dropped
   connection, a 4xx answer); a 5xx answer is final for this run;
3. after it the row becomes ``sent`` (with the time) or ``failed`` (with the reason and the
   number of attempts). A failed or stale ``sending`` row is tried again by the next run.

What remains: a crash after the server accepted the DATA and before step 3 is committed sends the
mail again on the next run — with the same Message-ID (derived from subscriber and week), so
the copy is recognisably the same message. That window is one local database commit.
"""
from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models_ops import DigestSend
from monitor.config import MonitorConfig
from nianbao.app.digest_config import DigestConfig, SmtpConfig
from nianbao.app.digest_data import load_week
from nianbao.app.digest_render import html_for_file, message_id, render

log = logging.getLogger("nianbao.digest")
LEASE = timedelta(minutes=10)  # how long a claimed send blocks other processes if its owner dies


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Outcome:
    address: str
    status: str  # sent | already_sent | busy | failed | written
    attempts: int = 0
    error: str | None = None
    files: list[Path] = field(default_factory=list)


class PermanentError(Exception):
    """The server refused for good (5xx): retrying now would give the same answer."""


# ---------------------------------------------------------------------------- SMTP
def smtp_send(cfg: SmtpConfig, msg: EmailMessage) -> None:
    """One SMTP conversation. Raises on any failure (classified by :func:`_retryable`)."""
    ctx = ssl.create_default_context()
    if cfg.security == "tls":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ctx)
    else:
        conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        conn.ehlo()
        if cfg.security == "starttls":
            conn.starttls(context=ctx)
            conn.ehlo()
        if cfg.user:
            pw = cfg.password
            if pw is None:
                raise PermanentError(f"smtp.user is set but the environment variable {cfg.password_env} is not")
            conn.login(cfg.user, pw)
        refused = conn.send_message(msg)
        if refused:
            raise PermanentError(f"recipients refused: {refused}")
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, PermanentError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError, TimeoutError))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{type(exc).__name__}: {exc.smtp_code} {err}"
    return f"{type(exc).__name__}: {exc}"


def send_with_retries(cfg: SmtpConfig, msg: EmailMessage, sleep: Callable[[float], None] = time.sleep,
                      sender: Callable[[SmtpConfig, EmailMessage], None] = smtp_send) -> tuple[int, str | None]:
    """(attempts made, None) on success, (attempts, reason) when every attempt failed."""
    delay = cfg.backoff
    reason = None
    for attempt in range(1, cfg.retries + 1):
        try:
            sender(cfg, msg)
            return attempt, None
        except Exception as exc:  # noqa: BLE001 - classified below, recorded, never raised past here
            reason = _describe(exc)
            if not _retryable(exc):
                log.warning("digest to %s: %s (not retried)", msg["To"], reason)
                return attempt, reason
            log.warning("digest to %s: attempt %d/%d failed: %s", msg["To"], attempt, cfg.retries, reason)
            if attempt < cfg.retries:
                sleep(delay)
                delay *= 2
    return cfg.retries, reason


# ---------------------------------------------------------------------------- the ledger
def claim(s: Session, address: str, week: str, owner: str, now: datetime | None = None) -> str:
    """Claim the (subscriber, week) send for ``owner`` and commit: "claimed", "already_sent" or
    "busy" (another live process is sending it)."""
    now = now or _now()
    mid = message_id(address, week)
    try:
        s.add(DigestSend(subscriber=address, week=week, message_id=mid, status="sending", attempts=0, owner=owner,
                         lease_until=now + LEASE, created_at=now, updated_at=now))
        s.commit()
        return "claimed"
    except IntegrityError:
        s.rollback()
    row = s.scalars(select(DigestSend).where(DigestSend.subscriber == address, DigestSend.week == week)).one()
    if row.status == "sent":
        return "already_sent"
    # take it over only if it failed, or its owner's lease ran out (a crashed sender), or it is ours
    res = s.execute(update(DigestSend)
                    .where(DigestSend.id == row.id, DigestSend.status != "sent",
                           (DigestSend.status == "failed") | (DigestSend.lease_until < now) | (DigestSend.owner == owner))
                    .values(status="sending", owner=owner, lease_until=now + LEASE, updated_at=now))
    s.commit()
    return "claimed" if res.rowcount == 1 else "busy"


def finish(s: Session, address: str, week: str, owner: str, attempts: int, error: str | None) -> None:
    now = _now()
    values = {"updated_at": now, "lease_until": None, "last_error": error,
              "attempts": DigestSend.attempts + attempts}
    values.update({"status": "sent", "sent_at": now} if error is None else {"status": "failed"})
    s.execute(update(DigestSend).where(DigestSend.subscriber == address, DigestSend.week == week,
                                       DigestSend.owner == owner).values(**values))
    s.commit()


# ---------------------------------------------------------------------------- the run
def send_digests(s: Session, week: str, cfg: DigestConfig, *, to: str | None = None, dry_run: bool = False,
                 out: Path | None = None, monitor_cfg: MonitorConfig | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Render (and unless ``dry_run``, send) the digest of ``week`` to every subscriber, or only
    to ``to``. A dry run writes ``<out>/<week>-<address>.eml`` and ``.html`` and records nothing."""
    subs = [cfg.subscriber(to)] if to else list(cfg.subscribers)
    if not subs:
        return []
    outcomes: list[Outcome] = []
    owner = owner_id()
    wk = load_week(s, week, monitor_cfg)
    for sub in subs:
        if dry_run:
            msg = render(wk.for_subscriber(sub), cfg.smtp.sender)
            folder = Path(out or ".")
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"{week}-{_file_safe(sub.address)}"
            eml, html = folder / f"{stem}.eml", folder / f"{stem}.html"
            eml.write_bytes(bytes(msg))
            html.write_text(html_for_file(msg), encoding="utf-8")
            outcomes.append(Outcome(sub.address, "written", files=[eml, html]))
            continue
        state = claim(s, sub.address, week, owner)
        if state != "claimed":
            log.info("digest %s to %s: %s", week, sub.address, state)
            outcomes.append(Outcome(sub.address, state))
            continue
        try:
            msg = render(wk.for_subscriber(sub), cfg.smtp.sender)
        except Exception as exc:  # a rendering bug must not leave the claim hanging
            finish(s, sub.address, week, owner, 0, f"render: {_describe(exc)}")
            raise
        attempts, error = send_with_retries(cfg.smtp, msg, sleep=sleep)
        finish(s, sub.address, week, owner, attempts, error)
        outcomes.append(Outcome(sub.address, "sent" if error is None else "failed", attempts, error))
        log.info("digest %s to %s: %s after %d attempt(s)%s", week, sub.address,
                 "sent" if error is None else "failed", attempts, f": {error}" if error else "")
    return outcomes


def _file_safe(address: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in address)
