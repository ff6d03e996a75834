"""Pytest fixtures for the Slack stand-in.

Register them in tests/conftest.py so every test module can ask for them::

    pytest_plugins = ["tests.standin.fixtures"]

(``tests`` must be importable: run ``python -m pytest`` from the repo root, as dev.py does.)

Each test gets fresh servers on random ports, shut down afterwards even if the test fails, so
tests never share recorded calls or scripted failures.  ``socket_server`` is wired into
``slack_api``: ``apps.connections.open`` returns its ws:// URL.  Close any Socket Mode client
*inside* the test -- when the server stops first, slack_sdk's client tries to reconnect.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .socket_mode import FakeSocketModeServer
from .web_api import FakeSlackWebAPI


@pytest.fixture
def slack_api() -> Iterator[FakeSlackWebAPI]:
    """A started FakeSlackWebAPI; use ``WebClient(token=..., base_url=slack_api.base_url)``."""
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture
def socket_server(slack_api: FakeSlackWebAPI) -> Iterator[FakeSocketModeServer]:
    """A started FakeSocketModeServer attached to ``slack_api``."""
    with FakeSocketModeServer(api=slack_api) as server:
        yield server
