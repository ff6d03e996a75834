"""Governance notices across processes that share one store (issue 9, sections 2 and 7).

Reminders: two replica processes (``reminders_child``) on one database and one Slack stand-in,
each running the weekly chore at the same fake moment: one DMs every owner, the other nothing;
neither again that week, even after the week's once-keys would have been pruned; both again
the next week, where again only one sends. On SQLite, and on PostgreSQL when one is running.

Announcements: a real ``serve`` with two gunicorn workers (two processes, one SQLite store),
each with its own glossary watcher. An edit that changes what terms say is announced once;
an edit of only comments and blank lines reloads both workers and announces nothing. The
signal that both finished is the reload counter, bumped only after the announcement step.
"""

from __future__ import annotations

import json
import selectors
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.store import SqlStore, migrate
from tests.standin import Call, FakeSlackWebAPI

from .harness import BOT_TOKEN, PYTHON, HttpBot, bot_env, http_bot, posts, wait_until

DAY = 86400.0
CHANNEL = "C0ANNOUNCE"
GLOSSARY = """\
defaults:
  review_every: 180d

terms:
  - term: Gold tier
    category: Tiers
    definition: The top partner tier.
    owner: U0ANA
    reviewed: 2025-01-01
  - term: Silver tier
    category: Tiers
    definition: The middle partner tier.
    owner: S0TEAM
    reviewed: 2025-03-01
  - term: Bronze tier
    category: Tiers
    definition: The entry partner tier.
    owner: bo@example.com
    reviewed: 2025-01-01
  - term: Elite tier
    category: Tiers
    definition: A tier nobody owns.
    reviewed: 2025-01-01
  - term: Fresh tier
    category: Tiers
    definition: A tier reviewed recently.
    owner: U0ANA
    reviewed: 2026-11-01
"""


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


TUESDAY = at("2026-12-01T10:00:00")
SATURDAY = at("2026-12-05T10:00:00")
NEXT_TUESDAY = at("2026-12-08T10:00:00")


class Replica:
    """A ``reminders_child`` process: write a time, read what its chore did."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.stderr = (home / "stderr.log").open("wb")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tests.slack.e2e.reminders_child"],
            env=env,
            cwd=home,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )

    def send(self, now: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{now}\n")
        self.proc.stdin.flush()

    def read(self, timeout: float = 30.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise AssertionError(f"no answer within {timeout}s:\n{self.log()}")
        line = self.proc.stdout.readline()
        assert line, f"the replica exited:\n{self.log()}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def log(self) -> str:
        self.stderr.flush()
        return Path(self.stderr.name).read_text("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("fresh_postgres_url"))
    return f"sqlite:///{tmp_path}/shared.sqlite3"


@pytest.fixture
def replicas(
    api: FakeSlackWebAPI, tmp_path: Path, database_url: str
) -> Iterator[tuple[Replica, Replica]]:
    folder = tmp_path / "glossary"
    folder.mkdir()
    (folder / "tiers.yaml").write_text(GLOSSARY)
    migrate.upgrade(database_url)
    started = []
    try:
        for name in ("a", "b"):
            home = tmp_path / name
            home.mkdir()
            env = bot_env(
                home,
                api,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                DATABASE_URL=database_url,
                GLOSSARY_PATH=str(folder),
                REVIEW_REMINDERS="true",
            )
            started.append(Replica(env, home))
        for replica in started:
            assert replica.read() == {"ready": True}
        yield started[0], started[1]
    finally:
        for replica in started:
            replica.stop()


def directory(api: FakeSlackWebAPI) -> None:
    """The user group and the email the glossary's owners name, as Slack answers them."""
    api.on("usergroups.users.list", lambda call: {"ok": True, "users": ["U0ANA", "U0CY"]})

    def by_email(call: Call) -> dict[str, Any]:
        if call.params.get("email") == "bo@example.com":
            return {"ok": True, "user": {"id": "U0BO"}}
        return {"ok": False, "error": "users_not_found"}

    api.on("users.lookupByEmail", by_email)


def together(pair: tuple[Replica, Replica], now: float) -> list[int | None]:
    """Both replicas run the chore at ``now`` at once; what each sent, in either order."""
    for replica in pair:
        replica.send(now)
    return sorted((replica.read()["sent"] for replica in pair), key=lambda sent: sent or 0)


def dms(api: FakeSlackWebAPI) -> list[tuple[str, str]]:
    return sorted(
        (str(call.params["channel"]), str(call.decoded("blocks")[1]["text"]["text"]))
        for call in api.calls("chat.postMessage")
    )


WEEK_DMS = [
    (
        "U0ANA",
        "• *Gold tier* — `glossary/tiers.yaml:5` — due since 2025-06-30\n"
        "• *Silver tier* — `glossary/tiers.yaml:10` — due since 2025-08-28",
    ),
    ("U0BO", "• *Bronze tier* — `glossary/tiers.yaml:15` — due since 2025-06-30"),
    ("U0CY", "• *Silver tier* — `glossary/tiers.yaml:10` — due since 2025-08-28"),
]


def test_reminders_go_out_once_a_week_across_two_processes(
    api: FakeSlackWebAPI, replicas: tuple[Replica, Replica], database_url: str
) -> None:
    directory(api)
    assert together(replicas, TUESDAY) == [None, 3]
    assert dms(api) == WEEK_DMS

    store = SqlStore(database_url)  # Saturday's upkeep prunes day-old once-keys first
    try:
        store.prune(SATURDAY, cooldown_s=DAY, retention_s=90 * DAY)
        assert together(replicas, SATURDAY) == [None, None]
        assert len(api.calls("chat.postMessage")) == 3

        store.prune(NEXT_TUESDAY, cooldown_s=DAY, retention_s=90 * DAY)
        assert together(replicas, NEXT_TUESDAY) == [None, 3]
    finally:
        store.close()
    assert dms(api) == sorted(WEEK_DMS * 2)


# -- announcements ----------------------------------------------------------------------------


def reloads(bot: HttpBot) -> float:
    """Successful reloads, summed over the workers (each counts after its announcement step)."""
    status, text = bot.get("/metrics")
    if status != 200:  # seen once (a 500) mid-boot of a worker; wait_until asks again
        return 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "glossary_reloads_total" and sample.labels == {"outcome": "ok"}:
                return float(sample.value)
    return 0.0


def test_a_reload_is_announced_once_and_a_comment_edit_not_at_all(
    api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    folder = tmp_path / "glossary"
    folder.mkdir()
    tiers = folder / "tiers.yaml"
    tiers.write_text(GLOSSARY)
    with http_bot(
        api, tmp_path, GLOSSARY_PATH=str(folder), GLOSSARY_RELOAD_S="0.5", ANNOUNCE_CHANNEL=CHANNEL
    ) as bot:
        edited = (
            GLOSSARY.replace(
                "    definition: The top partner tier.\n",
                "    definition: The former top partner tier.\n"
                "    status: deprecated\n"
                "    replaced_by: Elite tier\n",
            ).replace("The middle partner tier.", "The middle tier, between Gold and Bronze.")
            + "  - term: Platinum tier\n"
            "    category: Tiers\n"
            "    definition: A tier for the largest partners.\n"
        )
        tiers.write_text(edited)
        wait_until(lambda: reloads(bot) >= 3, 20, "every worker (2 HTTP, 1 job) to reload the edit")
        assert [call.params["text"] for call in posts(api, CHANNEL)] == [
            "Glossary updated: 1 new (Platinum tier), 1 changed (Silver tier), "
            "1 deprecated (Gold tier → Elite tier)"
        ]

        tiers.write_text("# Reviewed in the December sweep.\n\n" + edited + "\n\n")
        wait_until(lambda: reloads(bot) >= 6, 20, "every worker to reload the comment edit")
        assert len(posts(api, CHANNEL)) == 1
