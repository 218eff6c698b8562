"""Issue 14's done-when: `/metrics review-time team-b` and `metrics-bot query review-time
team-b` give one answer, with the same window, clock, n and exclusions, on the same store.

A simulated world is ingested by the CLI into SQLite; the CLI answers through click's runner,
and the real Bolt app answers a signed slash command over HTTP, replying to the Slack fake.
Before the answer core, `/metrics` showed neither the clock, nor the window, nor what was
excluded (`MetricView.of` dropped them), so this comparison could not be made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps
from bot.server import build_asgi
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack_signing import SlackRequestSender
from sandbox.sim import simulate
from sandbox.stack import Sandbox

END = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Sandbox]]:
    directory = tmp_path_factory.mktemp("world")
    simulate(directory, seed=11, teams=3, weeks=5, end=END)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
        assert result.exit_code == 0, result.output
        yield config, sandbox


def _cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "query", *args])
    assert result.exit_code == 0, result.output
    return str(result.output)


def _slack_answer(config: Path, sandbox: Sandbox, text: str) -> str:
    deps = replace(bot_deps(Runtime.load(config, {})), clock=lambda: END)
    slack = sandbox.slack
    assert slack is not None
    sender = SlackRequestSender(deps.signing_secret)
    rurl = slack.new_response_url(channel="C0GENERAL1", user_id="U0MEMBER01")
    with LocalServer(build_asgi(deps)) as url:
        resp = sender.slash_command(f"{url}/slack/events", text=text, response_url=rurl)
        assert resp.status_code == 200
        answer = slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=60)
    # the provenance context block: "window: ...\nclock: ...\nn: ...\nexcluded: ..."
    texts = [el["text"] for b in answer["blocks"] if b["type"] == "context" for el in b["elements"]]
    [provenance] = [t for t in texts if t.startswith("window: ")]
    return str(provenance)


def _field(text: str, name: str) -> str:
    found = re.search(rf"^\s*{name}: (.+)$", text, re.MULTILINE)
    assert found is not None, f"no {name!r} in {text!r}"
    return found.group(1).strip()


def test_slash_metrics_and_cli_query_give_the_same_window_clock_n_and_exclusions(
    world: tuple[Path, Sandbox],
) -> None:
    config, sandbox = world
    data = json.loads(_cli(config, "review-time", "team-b", "--as-of", "2026-11-23", "--json"))
    cli_text = _cli(config, "review-time", "team-b", "--as-of", "2026-11-23")
    slack_text = _slack_answer(config, sandbox, "review-time team-b")

    # the values themselves, as the engine returned them to the CLI
    assert data["clock"] == "working" and data["n"] > 0 and data["window"]
    assert data["exclusions"], "the world has excluded items (bots, drafts...) to compare"
    excluded = ", ".join(f"{k} {v}" for k, v in sorted(data["exclusions"].items()))

    assert _field(cli_text, "window") == _field(slack_text, "window") == data["window"]
    assert _field(cli_text, "clock") == _field(slack_text, "clock") == "working"
    assert f"n = {data['n']}" in cli_text and _field(slack_text, "n") == str(data["n"])
    assert _field(cli_text, "excluded") == _field(slack_text, "excluded") == excluded
    assert _field(cli_text, "ownership") == _field(slack_text, "ownership") == data["ownership"]
