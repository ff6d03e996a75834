"""One replica's weekly-reminder chore on a fake clock, driven over stdin.

``tests/slack/e2e/test_notices_replicas.py`` starts two of these on one database and one Slack
stand-in. Each is assembled like ``serve`` assembles a worker (settings from the environment,
the glossary, the store, ``governance_notices``) but, instead of an upkeep thread on the real
clock, reads one epoch time per line, runs the chore as the upkeep thread would at that
moment, and prints ``{"sent": <DMs sent or null>}``.
Run as ``python -m tests.slack.e2e.reminders_child``.
"""

from __future__ import annotations

import json
import sys

from bot.config import load_settings
from bot.slack.app import make_client
from bot.slack.bootstrap import load_glossary, make_service, open_store
from bot.slack.notices import governance_notices


def main() -> int:
    settings = load_settings(dotenv_path=None)
    glossary, version = load_glossary(settings, search_now=True)
    service = make_service(settings, glossary, version, open_store(settings, migrate_first=False))
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    reminders, _ = governance_notices(settings, service, lambda workspace: client)
    if reminders is None:
        print("REVIEW_REMINDERS is off", file=sys.stderr)
        return 2
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps({"sent": reminders(float(line))}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
