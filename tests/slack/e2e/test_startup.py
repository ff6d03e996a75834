"""``python -m bot`` from the outside: the offline console, and start-up refusing bad settings.

A mistake in settings or the glossary must stop the bot with one clear line and exit code,
never a traceback and never a half-started server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.standin import FakeSlackWebAPI

from .harness import APP_TOKEN, BOT_TOKEN, PYTHON, SECRET, HttpBot, bot_env, free_port

BROKEN_GLOSSARY = """\
terms:
  - term: Widget partner
    category: Partner types
    definition: A partner that sells widgets.
    colour: blue
"""


def run_bot(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_without_tokens_the_console_answers_typed_lines(tmp_path: Path) -> None:
    lines = "/define eql\nWe need more EQLs from our VARs\n@glossary what's an ISV?\nquit\n"
    result = run_bot([], bot_env(tmp_path), tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Partner Glossary Bot — offline console (no Slack tokens found).\n")
    private = out.index("— only you see:\nEcosystem Qualified Lead (EQL)\n")
    thread = out.index("— the bot posts in the thread:\n*Ecosystem Qualified Lead (EQL)*\n")
    assert private < thread
    assert "*Value-added reseller (VAR)*" in out[thread:]
    assert "[ Share in channel ]" in out[private:thread]
    mention = out.index("— the bot posts in the thread:\nIndependent software vendor (ISV)\n")
    assert thread < mention
    assert "Traceback" not in result.stderr


def test_console_stops_at_end_of_input(tmp_path: Path) -> None:
    result = run_bot(["console"], bot_env(tmp_path), tmp_path, stdin="/define VAR\n")
    assert result.returncode == 0
    assert "— only you see:\nValue-added reseller (VAR)\n" in result.stdout
    assert "offline console" not in result.stdout  # the banner is for `python -m bot` only


def test_serve_without_signing_secret_names_it(tmp_path: Path) -> None:
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN)
    result = run_bot(["serve", "--port", str(free_port())], env, tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Cannot start: HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; "
        "set SLACK_SIGNING_SECRET in the environment or .env\n"
    )


def test_socket_without_app_token_names_it(tmp_path: Path) -> None:
    result = run_bot(["socket"], bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN), tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Cannot start: Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; "
        "set SLACK_APP_TOKEN in the environment or .env"
    ]


def test_malformed_bot_token_is_named_but_not_shown(tmp_path: Path) -> None:
    env = bot_env(tmp_path, SLACK_BOT_TOKEN="abc-secret-value", SLACK_SIGNING_SECRET=SECRET)
    result = run_bot(["serve", "--port", str(free_port())], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "Configuration error: SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-' "
        "(value not shown)\n"
    )
    assert "abc-secret-value" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("EXPLAIN_COOLDOWN_HOURS", "soon"), ("DATABASE_URL", "state.sqlite3"), ("PORT", "99999")],
)
def test_other_malformed_settings_stop_with_one_line(tmp_path: Path, name: str, value: str) -> None:
    env = bot_env(tmp_path)
    env[name] = value
    result = run_bot(["serve"], env, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Configuration error: {name} must be ")


def test_broken_glossary_is_reported_by_file_and_line(tmp_path: Path) -> None:
    glossary = tmp_path / "broken.yaml"
    glossary.write_text(BROKEN_GLOSSARY)
    env = bot_env(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        GLOSSARY_PATH=str(glossary),
    )
    result = run_bot(["serve", "--port", str(free_port())], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{glossary}:5: unknown field 'colour'",
        f"Cannot start: GLOSSARY_PATH: the glossary at {glossary} has 1 problem(s); "
        "fix them and restart",
    ]


@pytest.mark.parametrize("mode", ["serve", "socket"])
def test_refused_bot_token_stops_start_up_with_one_line(
    api: FakeSlackWebAPI, tmp_path: Path, mode: str
) -> None:
    api.fail("auth.test", "invalid_auth")
    port = free_port()
    env = bot_env(
        tmp_path,
        api,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_bot([mode, "--port", str(port)] if mode == "serve" else [mode], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "Cannot start: SLACK_BOT_TOKEN: Slack refused the bot token (invalid_auth)"
    )
    assert "Traceback" not in result.stderr
    assert "Listening at" not in result.stderr
    assert [c.method for c in api.calls()] == ["auth.test"]  # nothing after the refusal


def test_unreachable_slack_does_not_stop_start_up(api: FakeSlackWebAPI, tmp_path: Path) -> None:
    """Slack down at start is not the token's fault: the bot serves, and finds Slack later."""
    api_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET)
    env["SLACK_API_URL"] = api_url
    with HttpBot(api, env, tmp_path, "no-slack", workers=1) as bot:
        assert bot.get("/healthz")[0] == 200
        log = bot.wait_for_log("will retry")
    assert f"cannot reach Slack at {api_url}" in log
    assert "Traceback" not in log
