"""Shared fixtures: the local Slack stand-in and the real glossary."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.terms import Glossary

pytest_plugins = ["tests.standin.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY_DIR = ROOT / "glossary"


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    """The shipped glossary, loaded and indexed once for the whole run."""
    return Glossary.from_path(GLOSSARY_DIR).warm()
