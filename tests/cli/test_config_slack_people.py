"""A team's people in Slack: members' `slack:` ids (who may annotate, start experiments and
answer the pulse) are checked like leads', and a pulse needs at least 5 of them."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config

TEAM = """
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    leads: [U0LEAD0001]
    pulse: {pulse}
    members:
{members}
"""


def _config(pulse: bool, ids: list[str]) -> str:
    members = "".join(f"      - {{github: m{i}, slack: {u}}}\n" for i, u in enumerate(ids))
    return TEAM.format(pulse=str(pulse).lower(), members=members)


def test_members_slack_ids_are_people_of_the_team_with_its_leads() -> None:
    ids = [f"U0MEMBER0{i}" for i in range(4)]
    team = parse_config(_config(True, ids), "t.yaml").teams[0]
    assert team.slack_people == frozenset([*ids, "U0LEAD0001"])
    assert team.pulse and next(m.identities() for m in team.members) == [("github", "m0")]


def test_a_pulse_below_five_people_in_slack_is_refused() -> None:
    with pytest.raises(ConfigError, match="pulse: true needs at least 5 people with a Slack id"):
        parse_config(_config(True, ["U0MEMBER01", "U0MEMBER02"]), "t.yaml")
    assert not parse_config(_config(False, ["U0MEMBER01"]), "t.yaml").teams[0].pulse


def test_a_member_slack_id_that_is_not_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="'alice' is not a Slack user id"):
        parse_config(_config(False, ["alice"]), "t.yaml")
