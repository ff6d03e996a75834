"""Moved to ``tests.blockkit_limits`` (one checker for both suites). Only ``test_limits`` here
still imports this name; its cases now live in tests/slack/unit/test_limits.py."""

from tests.blockkit_limits import assert_block_kit_limits

__all__ = ["assert_block_kit_limits"]
