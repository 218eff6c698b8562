"""The import-linter contracts in .importlinter hold: the package rules of DESIGN.md (also
checked statement by statement in test_import_rules.py) and the layers inside bot/
(listeners -> service -> digest -> core -> blocks), with no lazy-import workaround."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"


def test_every_import_contract_is_kept() -> None:
    """Run in its own process: import-linter reconfigures logging in the process it runs in,
    which silenced the log records later tests read."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--config", str(CONFIG), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_contracts_cover_the_packages_and_the_bot_layers() -> None:
    """A contract dropped from the file would pass silently: name the ones that must exist."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    contracts = {s.split(":")[-1] for s in parser.sections() if ":contract:" in s}
    assert {"store", "ingest", "analytics", "sandbox", "bot-layers", "bot-slack-init"} <= contracts
    layers = parser["importlinter:contract:bot-layers"]["layers"].split()
    order = [
        "bot.slack.listeners",
        "bot.slack.service",
        "bot.digest",
        "bot.core",
        "bot.slack.blocks",
    ]
    assert [layer for layer in layers if layer in order] == order
