"""Fixtures for the end-to-end tests: one Slack stand-in and one HTTP bot for the whole package.

Starting the bot costs about a second, so ``http`` is shared by every module that needs the
default configuration; tests keep out of each other's way with fresh channel ids, event ids
and user ids (cooldowns are per channel, dedupe per event id). ``api`` resets the stand-in
before each test and, afterwards, checks every payload the bot sent against Slack's Block Kit
limits — so each test also proves its replies would be accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import FakeSlackWebAPI

from .harness import HttpBot, http_bot


@pytest.fixture(scope="package")
def stand_in() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture(scope="package")
def http(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    """``python -m bot serve`` with gunicorn's default two workers, on a fresh SQLite file."""
    workdir = tmp_path_factory.mktemp("http-bot")
    with http_bot(stand_in, workdir, EXPLAIN_COOLDOWN_HOURS="24", JOB_LEASE_S="4") as bot:
        yield bot


@pytest.fixture
def api(stand_in: FakeSlackWebAPI) -> Iterator[FakeSlackWebAPI]:
    """The shared stand-in, emptied; on teardown every sent payload must respect the limits."""
    stand_in.reset()
    yield stand_in
    for call in stand_in.calls():
        if call.method.startswith(("chat.", "views.")):
            assert_block_kit_limits(call.params, f"{call.method} call")
    for response in stand_in.responses():
        assert_block_kit_limits(response.body, f"response_url {response.id}")
