"""`metrics-bot check-config`: beyond the file's shape, are the secrets set and does Slack agree?

The file is validated by bot.config; this module answers the two questions an admin asks
next, before the first deploy: is every secret the config points at actually there (the
environment variable set, the file present and not empty), and, with `--online`, does Slack
accept the token and know each team's channel and everyone the config names by Slack id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.persons import MIN_WORK_PEOPLE
from bot.config import AppConfig, SecretRef
from bot.runtime import Runtime

if TYPE_CHECKING:
    from slack_sdk import WebClient


def small_team_warnings(config: AppConfig) -> list[str]:
    """One warning per team too small for some figures, counting persons (a member with a
    GitHub and a GitLab identity is one person), never identities."""
    warnings = []
    floor = config.thresholds.min_group_size
    for team in config.teams:
        people = sum(1 for member in team.members if member.identities())
        if people == 0:
            warnings.append(
                f"{team.slug} lists no members: no pull request, review or commit counts for "
                "it, only the deployments and incidents of what it owns; add its members."
            )
        elif people < MIN_WORK_PEOPLE:  # work figures withheld (analytics.persons)
            warnings.append(
                f"{team.slug} has {people} {'person' if people == 1 else 'people'}: its review "
                "time, lead time, throughput and other work figures are withheld (they would "
                "describe one or two people, not a system); only deployments, change failures "
                "and recovery are shown. Add its members or merge it into a larger team."
            )
        elif people < floor:
            warnings.append(
                f"{team.slug} has {people} people: after-hours work, review load and "
                f"out-of-hours pages are withheld for groups under {floor} people."
            )
    return warnings


def secret_refs(config: AppConfig) -> Iterator[tuple[str, SecretRef]]:
    """(what it is for, where it lives) for every secret this config needs."""
    yield "the pseudonym key", config.pseudonym_key
    if config.database_password is not None:
        yield "the database password", config.database_password
    yield "the Slack bot token", config.slack.bot_token
    yield "the Slack signing secret", config.slack.signing_secret
    if config.slack.app_token is not None:
        yield "the Slack app token", config.slack.app_token
    if config.webhook_secret is not None:
        yield "the webhook secret", config.webhook_secret
    sources = config.sources
    for name in ("github", "gitlab", "jira", "linear", "pagerduty"):
        section = getattr(sources, name)
        if section is not None:
            yield f"the {name} token", section.token


def why_missing(ref: SecretRef, environ: dict[str, str], base_dir: Path) -> str | None:
    """None when the secret resolves; otherwise the sentence saying what is missing."""
    if ref.env is not None:
        if not (environ.get(ref.env) or "").strip():
            return f"the environment variable {ref.env} is not set"
        return None
    assert ref.file is not None
    path = ref.file if ref.file.is_absolute() else base_dir / ref.file
    if not path.is_file():
        return f"the file {path} does not exist"
    if SecretRef(file=path).resolve() is None:
        return f"the file {path} is empty or unreadable"
    return None


def missing_secrets(runtime: Runtime) -> list[str]:
    """One sentence per secret that is not set, naming where it should be."""
    environ = dict(runtime.environ)
    found = []
    for label, ref in secret_refs(runtime.config):
        reason = why_missing(ref, environ, runtime.base_dir)
        if reason is not None:
            found.append(f"{label[0].upper()}{label[1:]} is not set: {reason}.")
    return found


def slack_problems(runtime: Runtime) -> list[str]:
    """Ask Slack's Web API about the token, each team's channel and each lead.

    Uses the same client and base URL as the bot (`SLACK_API_URL`, `slack.api_url`), so a
    check against a proxy or the local fake asks the same server the bot will post to.
    """
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import api_base, make_web_client

    slack = runtime.config.slack
    token = runtime.secret("the Slack bot token", slack.bot_token, required=False)
    if token is None:
        return []  # already reported by missing_secrets
    api_url = runtime.environ.get("SLACK_API_URL") or slack.api_url
    client = make_web_client(token, api_url, timeout=10)
    unreachable = f"Slack's Web API could not be reached at {api_base(api_url)}"
    try:
        client.auth_test()
    except OSError as exc:
        return [f"{unreachable} ({type(exc).__name__})."]
    except SlackApiError as exc:
        return [f"Slack refused the bot token ({_slack_error(exc)}): copy it again from the app."]
    try:
        return _ask_about_teams(client, runtime)
    except OSError as exc:
        return [f"{unreachable} ({type(exc).__name__})."]


def _ask_about_teams(client: WebClient, runtime: Runtime) -> list[str]:
    """conversations.info for each channel, users.info for each person the config names by
    Slack id (leads, members, leaders): what is wrong."""
    from slack_sdk.errors import SlackApiError

    slack = runtime.config.slack
    found = []
    channels = [(f"team {t.slug}'s channel", t.slack_channel) for t in runtime.config.teams]
    if slack.leadership_channel:
        channels.append(("the leadership channel", slack.leadership_channel))
    for label, channel in channels:
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as exc:
            found.append(f"Slack does not know {label} {channel} ({_slack_error(exc)}).")
            continue
        if info.get("is_archived"):
            found.append(f"{_cap(label)} {channel} is archived, so nothing can be posted there.")
        elif info.get("is_member") is False:
            found.append(
                f"The bot is not a member of {label} {channel}: invite it with /invite there."
            )
    for label, user_id in _slack_users(runtime):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            found.append(f"Slack does not know {label} {user_id} ({_slack_error(exc)}).")
            continue
        if user.get("deleted"):
            found.append(f"{_cap(label)} {user_id} is a deactivated Slack account.")
    return found


def _slack_users(runtime: Runtime) -> list[tuple[str, str]]:
    """(what the config calls them, Slack id) of every Slack user the config names: each
    team's leads and members with a `slack:` id, and the leaders; each id asked once."""
    named: dict[str, str] = {}
    for team in runtime.config.teams:
        for lead in team.leads:
            named.setdefault(lead, f"team {team.slug}'s lead")
        for member in team.members:
            if member.slack:
                named.setdefault(member.slack, f"team {team.slug}'s member")
    for leader in runtime.config.leadership.people:
        named.setdefault(leader, "the leader")
    return [(label, user_id) for user_id, label in named.items()]


def _slack_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    code = response.get("error") if response is not None else None
    return str(code or "no answer")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
