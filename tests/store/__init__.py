"""Tests of bot.store: the contract on every backend, then what only SqlStore and migrations do."""
