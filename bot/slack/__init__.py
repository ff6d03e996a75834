"""The Slack surfaces: Bolt app factory, thin listeners, Block Kit rendering, runners."""
