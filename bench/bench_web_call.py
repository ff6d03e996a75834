"""CPU of one Web API call on the caller's thread: an explanation posted to the Slack stand-in.

A job's post goes through slack_sdk's ``WebClient`` and our kept-alive exchange
(``bot/slack/web_client.py``). This times that call alone, on the calling thread's CPU clock
(the stand-in answers from threads of its own, so its CPU is not counted), in two settings:

- ``configured``: logging set up by ``bot.logs.configure`` at INFO, as the bot runs;
- ``unset``: the Web API logger's own level left unset, as before ``bot.logs.LEVEL_TESTED``:
  slack_sdk then renders each call's whole request into a debug line that is thrown away.

    .venv/bin/python -m bench.bench_web_call [--calls 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

from bot import logs
from bot.replies import Explanation
from bot.slack.app import make_client
from bot.slack.render.cards import explanation_message
from bot.terms.loader import load_glossary
from tests.standin.web_api import FakeSlackWebAPI

GLOSSARY = Path(__file__).resolve().parent.parent / "glossary"
TERMS = ("Ecosystem Qualified Lead", "Co-selling", "Deal registration")


def _message() -> dict[str, object]:
    """A three-term explanation, as the job worker posts it."""
    by_name = {term.term: term for term in load_glossary(GLOSSARY)}
    message = explanation_message(Explanation(tuple(by_name[name] for name in TERMS)))
    return {"text": message.text, "blocks": message.blocks}


def _cpu_per_call(client: object, message: dict[str, object], calls: int) -> float:
    post = client.chat_postMessage  # type: ignore[attr-defined]
    start = time.thread_time()
    for _ in range(calls):
        post(channel="C1", thread_ts="1.0", **message)
    return (time.thread_time() - start) * 1e6 / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per setting per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, settings interleaved")
    args = parser.parse_args()
    message = _message()
    web_api = logging.getLogger(logs.WEB_API_LOGGER)
    results: dict[str, list[float]] = {"configured": [], "unset": []}
    with FakeSlackWebAPI() as slack:
        client = make_client("xoxb-bench", slack.base_url)
        _cpu_per_call(client, message, 200)  # connection, caches
        for _ in range(args.rounds):
            for setting, values in results.items():
                logs.configure("INFO", "text")
                if setting == "unset":
                    web_api.setLevel(logging.NOTSET)
                values.append(_cpu_per_call(client, message, args.calls))
    for setting, values in results.items():
        runs = " / ".join(f"{value:.0f}" for value in values)
        print(
            f"{setting:10s} µs CPU per chat.postMessage: median {statistics.median(values):.0f}"
            f" ({runs})"
        )


if __name__ == "__main__":
    main()
