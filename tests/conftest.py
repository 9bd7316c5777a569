"""Shared fixtures.

Database fixtures: ``db_url`` is parametrized over SQLite (a file in tmp_path) and PostgreSQL
(a fresh database per test on the server at ``BONTOT_TEST_PG_URL``). Without a server the pg
params are skipped, unless ``BONTOT_REQUIRE_PG=1`` (CI), which makes them fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bontot.store import Store, open_store, sqlite_url

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[tuple[URL, Engine]]:
    """The server's URL and an autocommit engine on its ``postgres`` database."""
    url = make_url(os.environ.get("BONTOT_TEST_PG_URL", PG_DEFAULT))
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as err:
        admin.dispose()
        where = url.render_as_string(hide_password=True)
        if os.environ.get("BONTOT_REQUIRE_PG") == "1":
            pytest.fail(f"BONTOT_REQUIRE_PG=1 but PostgreSQL at {where} does not answer: {err}")
        pytest.skip(f"PostgreSQL at {where} does not answer")
    yield url, admin
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database, on each backend in turn."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "bontot.db")
        return
    url, admin = request.getfixturevalue("pg_server")
    name = f"bontot_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open store with the schema at head, closed after the test."""
    opened = open_store(db_url)
    yield opened
    opened.close()
