"""Partner Glossary Bot: explains partnership jargon in Slack.

``bot.terms`` is the pure term service (no Slack), ``bot.slack`` the Slack surfaces on top of
it, ``bot.store`` the small state store, ``bot.config`` the settings read once at start.
"""
