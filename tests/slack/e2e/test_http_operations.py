"""What an operator watches, through a real ``serve`` (issue 7): metrics summed across gunicorn
workers, JSON logs with no secrets or bodies, and glossary hot reload."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.reload import glossary_version
from tests.standin import FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import BOT_TOKEN, ROOT, SECRET, HttpBot, http_bot, line_of, wait_until

RELOAD_S = "1"
NEW_DEFINITION = "MDF is money a vendor sets aside for partners' joint marketing (edited)."


def samples(bot: HttpBot, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    status, text = bot.get("/metrics")
    assert status == 200
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def commands_ok(bot: HttpBot) -> float:
    return samples(bot, "glossary_requests_total").get(
        (("kind", "command"), ("outcome", "ok")), 0.0
    )


def test_metrics_count_requests_across_workers(api: FakeSlackWebAPI, tmp_path: Path) -> None:
    with http_bot(api, tmp_path, workers=2) as bot:
        before = commands_ok(bot)
        for _ in range(20):  # keep-alive off: each request may land on either worker
            assert bot.command("EQL").status == 200
        assert commands_ok(bot) == before + 20
        assert samples(bot, "glossary_terms") == {(): 99.0}
        (version,) = samples(bot, "glossary_info")
        # 2 HTTP workers and 1 job worker; /readyz answered from one of them, so the others may
        # still be booting (one was, once, in CI): each reports as soon as it serves.
        wait_until(
            lambda: samples(bot, "glossary_info")[version] == 3.0,
            30,
            "every worker's glossary_info",
        )


def test_json_logs_parse_and_hold_no_secret_or_body(api: FakeSlackWebAPI, tmp_path: Path) -> None:
    secret_word = "zebra-canary-4711"
    with http_bot(api, tmp_path, LOG_FORMAT="json") as bot:
        bot.command(f"what is {secret_word}")
        bot.event(rq.message(f"our EQL {secret_word}", channel=ids.new_id("C")))
        bot.wait_idle()
        mark = bot.log()
    lines = [line for line in mark.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"ts", "level", "logger", "message"} <= set(records[0])
    access = [r for r in records if r["logger"] == "bot.access"]
    assert any("command /define" in r["message"] for r in access)
    for text in (BOT_TOKEN, SECRET, secret_word):
        assert text not in mark


def test_a_glossary_edit_is_served_and_a_broken_one_keeps_the_old(
    api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    folder = tmp_path / "glossary"
    shutil.copytree(ROOT / "glossary", folder)
    extra = folder / "beyond-seed.yaml"
    original = extra.read_text()
    with http_bot(api, tmp_path, GLOSSARY_PATH=str(folder), GLOSSARY_RELOAD_S=RELOAD_S) as bot:
        version = bot.ready()[1]["glossary"]["version"]
        edited = original.replace(
            original[
                original.index("Market development funds (MDF) are") : original.index(
                    "    related:"
                )
            ],
            NEW_DEFINITION + "\n",
        )
        extra.write_text(edited)

        def serves_new() -> bool:
            text = str(bot.command("MDF").json())
            return "edited" in text and "edited" in str(bot.command("MDF").json())

        wait_until(serves_new, 15, "the edited definition to be served")
        new_version = glossary_version(folder)
        wait_until(
            lambda: samples(bot, "glossary_info").get((("version", new_version),)) == 3.0,
            15,
            "every worker (2 HTTP, 1 job worker) to hold the new version",
        )
        assert new_version != version

        mark = bot.mark()
        extra.write_text(edited.replace("category:", "colour:", 1))
        wait_until(
            lambda: samples(bot, "glossary_reloads_total").get((("outcome", "error"),), 0) >= 3,
            15,
            "every worker to see the broken edit",
        )
        wait_until(lambda: f"{extra}:" in bot.log(since=mark), 5, "the problem logged")
        assert "edited" in str(bot.command("MDF").json())  # still the last good glossary
        assert bot.ready()[1]["glossary"]["version"] == new_version
        log = bot.log(since=mark)
    # Once in all, not per worker or per check (a store claim per broken version decides).
    assert log.count(f"{extra}:{line_of(edited, 'category:')}: unknown field 'colour'") == 1
    entry = line_of(edited, "- term: Market development funds")
    assert log.count(f"{extra}:{entry}: 'Market development funds': missing required field") == 1
