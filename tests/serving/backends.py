"""The score store's databases for the tests: a SQLite file, or a fresh database on the PostgreSQL server whose
URL is in CXMODELS_TEST_POSTGRES_URL (`.ci/postgres.sh` starts one and sets it)."""

import os
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL_ENV = "CXMODELS_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]  # params of a backend fixture


def postgres_server() -> sa.URL:
    """The test server's URL; skips the test when none is set (tests/conftest.py fails the run then, in CI)."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_URL_ENV} (`source .ci/postgres.sh` starts one)")
    return sa.make_url(url)


def _server_engine() -> sa.Engine:
    return sa.create_engine(postgres_server(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def create_database(backend: str, folder: Path) -> str:
    """A new, empty database for a score store: its SQLAlchemy URL."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'scores.db'}"
    name = f"cxmodels_test_{secrets.token_hex(6)}"
    engine = _server_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return postgres_server().set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by `create_database` (a SQLite file goes with its temporary folder)."""
    database = sa.make_url(url)
    if database.get_backend_name() == "postgresql":
        engine = _server_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database.database} WITH (FORCE)")
        engine.dispose()
