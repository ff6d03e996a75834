"""Shared fixtures: the local Slack stand-in, the real glossary, and PostgreSQL databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.terms import Glossary
from tests.postgres import fresh_database

pytest_plugins = ["tests.standin.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY_DIR = ROOT / "glossary"


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    """The shipped glossary, loaded and indexed once for the whole run."""
    return Glossary.from_path(GLOSSARY_DIR).warm()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``TEST_DATABASE_URL`` (see tests/postgres.sh); tests needing it skip without it, except
    in CI (``CI=true``), where a missing PostgreSQL is a failure."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but TEST_DATABASE_URL is unset: .ci/run starts PostgreSQL for this")
    pytest.skip("no PostgreSQL: set TEST_DATABASE_URL, e.g. `source tests/postgres.sh`")


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped after the test."""
    with fresh_database(postgres_url) as url:
        yield url
