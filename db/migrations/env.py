"""Alembic environment: the URL comes from the caller (``nianbao db upgrade``), not an ini file."""
from __future__ import annotations

from alembic import context

import db.models_ops  # noqa: F401 - the scheduler's and digest's tables join the same metadata
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # nianbao's own engine: on SQLite it waits for other writers (busy timeout) instead of failing
    from db.session import engine

    connectable = engine(config.get_main_option("sqlalchemy.url"))
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
