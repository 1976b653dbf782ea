"""Tables of nianbao's own operation: scheduled job runs, job locks, digest sends.

Kept beside the report schema (``db.models`` imports this module, so one ``Base.metadata`` holds
every table and Alembic sees them all) but apart from it: these rows say what nianbao did and
when, never what an agency published.

* ``job_locks`` — one row per job currently running anywhere. Taking the lock is an INSERT (the
  primary key makes two schedulers on one database, SQLite or PostgreSQL, race safely), or an
  UPDATE of a row whose lease has expired (a scheduler killed with SIGKILL cannot release its
  lock; its lease runs out instead, and the holder renews it while the job runs).
* ``job_runs`` — every start of a job: status, reason of a failure, the host and pid that ran it.
* ``digest_sends`` — one row per (subscriber, ISO week): written before the SMTP conversation
  (``sending``, with the Message-ID) and after it (``sent`` or ``failed`` with the reason), so
  a rerun or a crash neither loses nor duplicates a digest.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class JobLock(Base):
    __tablename__ = "job_locks"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid:token of the holder
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the lease: renewed while the job runs
    run_id: Mapped[int | None] = mapped_column(Integer)


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running | ok | failed | abandoned (SIGTERM, or found running with an expired lock)
    status: Mapped[str] = mapped_column(String(20), default="running")
    reason: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DigestSend(Base):
    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("subscriber", "week", name="uq_digest_subscriber_week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(320))  # the address
    week: Mapped[str] = mapped_column(String(8))  # ISO week, 2025-W06
    message_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12))  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
