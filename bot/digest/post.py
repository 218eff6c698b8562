"""Post a digest exactly once: build, check limits, claim the row, post, mark, chart in thread.

Order matters. The cheap "already posted?" read comes first; the slow build comes before the
claim, so a build error never leaves a claim behind; the claim comes before the post, so two
processes can never both post; the chart goes into the thread after the row is marked, so a
chart failure never causes the digest itself to be posted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from slack_sdk.errors import SlackApiError

from bot.config import TeamConfig
from bot.digest import claims
from bot.digest.build import Digest, build_digest
from bot.digest.render import render_digest
from bot.digest.weeks import last_full_week, parse_week
from bot.slack.blocks.answers import Rendered
from bot.slack.charts import trend_chart_png
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, redact
from bot.slack.feedback import save_insights

log = logging.getLogger("metrics_bot.digest")

Status = Literal["posted", "already_sent", "in_progress", "failed", "unsure"]


@dataclass(frozen=True)
class DigestResult:
    """What happened to one digest; `status` "posted" only when this call posted it."""

    team: str
    week: str
    audience: str
    status: Status
    channel: str | None = None
    ts: str | None = None
    quiet: bool = False
    chart_uploaded: bool = False
    error: str | None = None


def resolve_team(deps: BotDeps, team: str | TeamConfig) -> TeamConfig:
    if isinstance(team, TeamConfig):
        return team
    found = deps.team(team)
    if found is None:
        known = ", ".join(t.slug for t in deps.config.teams)
        raise UserError(f"unknown team {team!r}; configured teams: {known}")
    return found


def resolve_week(deps: BotDeps, team: TeamConfig, week: str | None) -> str:
    if week is None:
        return last_full_week(deps.now(), team.tz)
    try:
        year, number = parse_week(week)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return f"{year}-W{number:02d}"


def post_digest(
    deps: BotDeps, team: str | TeamConfig, week: str | None = None, force: bool = False
) -> DigestResult:
    """Post `team`'s digest for `week` (default: last full week in its zone) at most once.

    `force=True` posts again even if this week's digest went out (the CLI's --force).
    """
    cfg = resolve_team(deps, team)
    label = resolve_week(deps, cfg, week)
    key = claims.Key(cfg.slug, label, "team")
    done = _already_posted(deps, key, force)
    if done is not None:
        return done
    digest = build_digest(deps, cfg, label)
    return deliver(deps, key, cfg.slack_channel, digest, force=force)


def deliver(
    deps: BotDeps,
    key: claims.Key,
    channel: str,
    digest: Digest | None,
    *,
    rendered: Rendered | None = None,
    force: bool = False,
) -> DigestResult:
    """Claim `key`, post the message to `channel`, mark it, then add the chart to the thread."""
    if rendered is None:
        assert digest is not None
        rendered = render_digest(digest)
    quiet = digest.quiet if digest is not None else False
    outcome = claims.claim(deps.sessions, key, channel, deps.now(), force=force)
    if outcome == "unsure":
        return _unsure_result(deps, key, channel, quiet)
    if outcome != "claimed":
        status: Status = "already_sent" if outcome == "posted" else "in_progress"
        return DigestResult(key.team, key.week, key.audience, status, channel, quiet=quiet)
    client = deps.web_client(once=True)  # a lost answer must not become a second post
    try:
        if digest is not None:
            save_insights(deps.sessions, digest.insights, deps.now())
        response = client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception as exc:
        error = _describe(exc)
        if not _refused(exc):  # sent, but no usable answer: it may be in the channel
            claims.mark_unsure(deps.sessions, key, error)
            log.error("digest %s %s %s may not be posted: %s", *_ids(key), error)
            return _unsure_result(deps, key, channel, quiet)
        claims.mark_failed(deps.sessions, key, error)
        log.error("digest %s %s %s not posted: %s", key.team, key.week, key.audience, error)
        return DigestResult(
            key.team, key.week, key.audience, "failed", channel, quiet=quiet, error=error
        )
    ts = str(response["ts"])
    posted_channel = str(response.get("channel") or channel)
    claims.mark_posted(deps.sessions, key, ts, deps.now())
    charted = False
    if digest is not None:
        charted = upload_chart(client, digest, posted_channel, ts)
    log.info("digest %s %s %s posted to %s at %s", key.team, key.week, key.audience, channel, ts)
    return DigestResult(
        key.team, key.week, key.audience, "posted", posted_channel, ts, quiet, charted
    )


def _ids(key: claims.Key) -> tuple[str, str, str]:
    return key.team, key.week, key.audience


def _refused(exc: BaseException) -> bool:
    """Slack answered and said no (`ok: false` with an error code, below HTTP 500): nothing
    was posted, so trying again is safe. Anything else (a dropped connection, a timeout, a
    5xx, an unreadable body) leaves the outcome unknown."""
    if not isinstance(exc, SlackApiError):
        return False
    response = exc.response
    return (
        response.status_code < 500
        and isinstance(response.data, dict)
        and bool(response.data.get("error"))
    )


def _unsure_result(deps: BotDeps, key: claims.Key, channel: str, quiet: bool) -> DigestResult:
    row = claims.get(deps.sessions, key)
    cause = row.error if row is not None and row.error else "no answer from Slack"
    again = (
        f"run `metrics-bot digest {key.team} --post --week {key.week} --force`"
        if key.audience == "team"
        else "post it again with force"
    )
    error = (
        f"the post may have reached {channel} ({cause}); look there, and if it is missing {again}"
    )
    return DigestResult(*_ids(key), "unsure", channel, quiet=quiet, error=error)


def _already_posted(deps: BotDeps, key: claims.Key, force: bool) -> DigestResult | None:
    """The cheap check before any slow build: posted already (and not forced)?"""
    existing = claims.get(deps.sessions, key)
    if existing is not None and existing.status == "unsure" and not force:
        return _unsure_result(deps, key, existing.channel, quiet=False)
    if existing is None or existing.status != "posted" or force:
        return None
    return DigestResult(
        key.team, key.week, key.audience, "already_sent", existing.channel, existing.message_ts
    )


def upload_chart(client: object, digest: Digest, channel: str, thread_ts: str) -> bool:
    """The trend chart as a PNG reply in the digest's thread; False (logged) if it failed."""
    if not digest.series:
        return False
    try:
        png = trend_chart_png(
            digest.series,
            title=f"{digest.team_name}: last {len(next(iter(digest.series.values())))} weeks",
        )
        client.files_upload_v2(  # type: ignore[attr-defined]
            channel=channel,
            thread_ts=thread_ts,
            content=png,
            filename=f"{digest.team}-{digest.week}-trend.png",
            title=f"{digest.team_name} trend, {digest.week}",
            alt_txt=f"Weekly trend of {', '.join(digest.series)} for {digest.team_name}",
        )
        return True
    except Exception as exc:
        log.warning(
            "trend chart for %s %s not uploaded: %s", digest.team, digest.week, _describe(exc)
        )
        return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack said {exc.response.get('error', 'error')} (HTTP {exc.response.status_code})"
    return redact(f"{type(exc).__name__}: {exc}")
