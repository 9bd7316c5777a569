"""Alembic environment for bontot.

``bontot.store.open_store`` runs the migrations itself on a connection it passes in
``config.attributes["connection"]``, so no alembic.ini is needed. For writing a new revision,
build the same config in code (``bontot.store.db.alembic_config()``), set ``sqlalchemy.url`` and
call ``alembic.command.revision(config, message, autogenerate=True)``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bontot.store.db import make_engine
from bontot.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
