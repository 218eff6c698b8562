"""The import-linter contracts in .importlinter hold: the package rules of DESIGN.md (also
checked statement by statement in test_import_rules.py) and the layers inside bot/
(listeners -> service -> digest -> core -> blocks), with no lazy-import workaround."""

from __future__ import annotations

import configparser
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"


def test_every_import_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(CONFIG), no_cache=True) == 0


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
