"""Post a digest exactly once: build, check limits, claim the row, post, mark, chart in thread.

Order matters. The cheap "already posted?" read comes first; the slow build comes before the
claim, so a build error never leaves a claim behind; the claim comes before the post, so two
processes can never both post; the chart goes into the thread after the row is marked, so a
chart failure never causes the digest itself to be posted again.

Exactly once across crashes: the message carries its digest id in Slack metadata, and any
attempt whose outcome is unknown (a claim left by a dead process, an "unsure" row, a post
whose answer was lost) is settled by looking in the channel before posting again
(bot.digest.reconcile). What certainly did not reach Slack is "failed" and simply retried:
Slack's refusal, a 429 asking for a longer wait than a run allows, a connection that was
never made, a database error before the post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import TeamConfig
from bot.core.teams import resolve_team
from bot.digest import claims
from bot.digest.batch import DigestBatch
from bot.digest.build import Digest, build_digest
from bot.digest.reconcile import find_posted, metadata_for
from bot.digest.render import render_digest
from bot.digest.weeks import last_full_week, parse_week
from bot.slack.blocks.answers import Rendered
from bot.slack.charts import trend_chart_png
from bot.slack.client import MAX_RETRY_AFTER, never_sent
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, redact
from bot.slack.feedback import save_hidden, save_insights

log = logging.getLogger("metrics_bot.digest")

Status = Literal["posted", "already_sent", "in_progress", "failed", "unsure", "not_leader"]


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


def resolve_week(deps: BotDeps, team: TeamConfig, week: str | None) -> str:
    if week is None:
        return last_full_week(deps.now(), team.tz)
    try:
        year, number = parse_week(week)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return f"{year}-W{number:02d}"


def post_digest(
    deps: BotDeps,
    team: str | TeamConfig,
    week: str | None = None,
    force: bool = False,
    *,
    fence: claims.Fence | None = None,
    batch: DigestBatch | None = None,
) -> DigestResult:
    """Post `team`'s digest for `week` (default: last full week in its zone) at most once.

    `force=True` posts again even if this week's digest went out (the CLI's --force);
    `fence` is the scheduler leader's token (its writes are refused once it no longer leads);
    `batch` (the scheduler's) builds it with every team due at the same time, in one run.
    """
    cfg = resolve_team(deps.config, team)
    label = resolve_week(deps, cfg, week)
    key = claims.Key(cfg.slug, label, "team")
    done = _already_posted(deps, key, force)
    if done is not None:
        return done
    digest = batch.digest(cfg, label) if batch is not None else build_digest(deps, cfg, label)
    return deliver(deps, key, cfg.slack_channel, digest, force=force, fence=fence)


def deliver(
    deps: BotDeps,
    key: claims.Key,
    channel: str,
    digest: Digest | None,
    *,
    rendered: Rendered | None = None,
    force: bool = False,
    fence: claims.Fence | None = None,
) -> DigestResult:
    """Claim `key`, make sure it is not in the channel already if an earlier attempt's outcome
    is unknown, post the message (carrying its id in metadata), mark it, then add the chart
    to the thread."""
    if rendered is None:
        assert digest is not None
        rendered = render_digest(digest)
    quiet = digest.quiet if digest is not None else False
    result = _Results(key, channel, quiet)
    claim = _claim(deps, result, force=force, fence=fence)
    if isinstance(claim, DigestResult):
        return claim
    client = deps.web_client(once=True)  # a lost answer must not become a second post
    if claim.outcome == "reconcile":
        decided = _reconcile(deps, client, claim, result)
        if decided is not None:
            return decided
    unsaved = _store_insights(deps, digest, claim, result)
    if unsaved is not None:
        return unsaved
    return _post(deps, client, claim, rendered, digest, result)


def _claim(
    deps: BotDeps, result: _Results, *, force: bool, fence: claims.Fence | None
) -> claims.Claim | DigestResult:
    """The claim to post, or the result that says why this call must not post."""
    key = result.key
    try:
        claim = claims.claim(
            deps.sessions, key, result.channel, deps.now(), force=force, fence=fence
        )
    except claims.StaleFence as exc:
        log.warning("digest %s %s %s not claimed: %s", *_ids(key), exc)
        return result.of("not_leader", error=str(exc))
    except SQLAlchemyError as exc:  # nothing claimed, nothing sent: the next run tries again
        error = _describe(exc)
        log.error("digest %s %s %s not posted, database error: %s", *_ids(key), error)
        return result.of("failed", error=f"database error before the post: {error}")
    if claim.outcome == "posted":
        return result.of("already_sent")
    if claim.outcome == "in_progress":
        return result.of("in_progress")
    return claim


def _store_insights(
    deps: BotDeps, digest: Digest | None, claim: claims.Claim, result: _Results
) -> DigestResult | None:
    """Keep the insights the message shows before posting it (votes on them point at these
    rows); if that fails the digest is certainly unposted: mark it failed and say so."""
    try:
        if digest is not None:
            save_insights(deps.sessions, digest.insights, deps.now())
            save_hidden(deps.sessions, digest.hidden, deps.now())
    except Exception as exc:
        error = f"database error before the post: {_describe(exc)}"
        _mark_quietly(claims.mark_failed, deps, claim, error)
        log.error("digest %s %s %s not posted: %s", *_ids(claim.key), error)
        return result.of("failed", error=error)
    return None


def _post(
    deps: BotDeps,
    client: Any,
    claim: claims.Claim,
    rendered: Rendered,
    digest: Digest | None,
    result: _Results,
) -> DigestResult:
    """Post the message with its digest id in metadata, record it, then chart the thread."""
    key, channel = claim.key, result.channel
    try:
        response = client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            metadata=metadata_for(key),
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception as exc:
        return _post_failed(deps, client, claim, exc, result)
    ts = str(response["ts"])
    posted_channel = str(response.get("channel") or channel)
    recorded = _record_posted(deps, claim, ts)
    charted = False
    if digest is not None:
        charted = upload_chart(client, digest, posted_channel, ts)
    log.info("digest %s %s %s posted to %s at %s", *_ids(key), channel, ts)
    return DigestResult(
        *_ids(key), "posted", posted_channel, ts, result.quiet, charted, error=recorded
    )


@dataclass(frozen=True)
class _Results:
    """Builds the DigestResult of one delivery."""

    key: claims.Key
    channel: str
    quiet: bool

    def of(
        self, status: Status, *, ts: str | None = None, error: str | None = None
    ) -> DigestResult:
        return DigestResult(
            *_ids(self.key), status, self.channel, ts, quiet=self.quiet, error=error
        )


def _reconcile(
    deps: BotDeps, client: Any, claim: claims.Claim, result: _Results
) -> DigestResult | None:
    """An earlier attempt may have posted: look in the channel. Found: record it and stop.
    Certainly absent: None (post it). Cannot tell: the row goes back to unsure."""
    assert claim.since is not None
    try:
        found = find_posted(client, claim.key, result.channel, claim.since)
    except Exception as exc:
        error = f"could not look in {result.channel}: {_describe(exc)}"
        _mark_quietly(claims.mark_unsure, deps, claim, error)
        log.error("digest %s %s %s left unsure: %s", *_ids(claim.key), error)
        return _unsure_result(result, error)
    if found is None:
        log.info("digest %s %s %s not in the channel: posting it", *_ids(claim.key))
        return None
    _record_posted(deps, claim, found.ts)
    log.info(
        "digest %s %s %s was already in %s at %s: not posted again",
        *_ids(claim.key),
        found.channel,
        found.ts,
    )
    return result.of("already_sent", ts=found.ts)


def _post_failed(
    deps: BotDeps, client: Any, claim: claims.Claim, exc: Exception, result: _Results
) -> DigestResult:
    """chat.postMessage raised: failed if Slack certainly has nothing, else look once."""
    error = _describe(exc)
    if _refused(exc) or never_sent(exc):
        _mark_quietly(claims.mark_failed, deps, claim, error)
        log.error("digest %s %s %s not posted: %s", *_ids(claim.key), error)
        return result.of("failed", error=error)
    assert claim.at is not None
    try:
        found = find_posted(client, claim.key, result.channel, claim.at)
    except Exception:
        found = None
    if found is not None:
        _record_posted(deps, claim, found.ts)
        log.warning("digest %s %s %s posted (%s; found in the channel)", *_ids(claim.key), error)
        return result.of("posted", ts=found.ts)
    _mark_quietly(claims.mark_unsure, deps, claim, error)
    log.error("digest %s %s %s may not be posted: %s", *_ids(claim.key), error)
    return _unsure_result(result, error)


def _record_posted(deps: BotDeps, claim: claims.Claim, ts: str) -> str | None:
    """Mark the row posted; if that fails the message is still in the channel, and the next
    run finds it there (the row stays claimed until then). Returns what went wrong."""
    try:
        if claims.mark_posted(deps.sessions, claim, ts, deps.now()):
            return None
        problem = "the row was taken over meanwhile"
    except (SQLAlchemyError, claims.StaleFence) as exc:
        problem = _describe(exc)
    log.error(
        "digest %s %s %s is in the channel at %s but not recorded (%s); "
        "the next run finds it there",
        *_ids(claim.key),
        ts,
        problem,
    )
    return f"posted, not recorded: {problem}"


def _mark_quietly(
    mark: Callable[[Any, claims.Claim, str], bool], deps: BotDeps, claim: claims.Claim, error: str
) -> None:
    """Record a failed/unsure outcome; if the store is down too, the claim goes stale and the
    next run after STALE_CLAIM reconciles with the channel."""
    try:
        mark(deps.sessions, claim, error)
    except (SQLAlchemyError, claims.StaleFence) as exc:
        log.error("digest %s %s %s: outcome not recorded: %s", *_ids(claim.key), _describe(exc))


def _ids(key: claims.Key) -> tuple[str, str, str]:
    return key.team, key.week, key.audience


def _refused(exc: BaseException) -> bool:
    """Slack answered and said no (`ok: false` with an error code, below HTTP 500, including
    a 429 whose wait was too long): nothing was posted, so trying again is safe. A dropped
    connection, a timeout, a 5xx or an unreadable body leaves the outcome unknown."""
    if not isinstance(exc, SlackApiError):
        return False
    response = exc.response
    return (
        response.status_code < 500
        and isinstance(response.data, dict)
        and bool(response.data.get("error"))
    )


def _unsure_result(result: _Results, cause: str) -> DigestResult:
    error = (
        f"the post may have reached {result.channel} ({cause}); the next run looks there "
        "and posts it only if it is missing"
    )
    return result.of("unsure", error=error)


def _already_posted(deps: BotDeps, key: claims.Key, force: bool) -> DigestResult | None:
    """The cheap check before any slow build: posted already (and not forced)?"""
    existing = claims.get(deps.sessions, key)
    if existing is None or existing.status != "posted" or force:
        return None
    return DigestResult(*_ids(key), "already_sent", existing.channel, existing.message_ts)


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
        said = f"Slack said {exc.response.get('error', 'error')} (HTTP {exc.response.status_code}"
        wait = (exc.response.headers or {}).get("Retry-After") or (exc.response.headers or {}).get(
            "retry-after"
        )
        if exc.response.status_code == 429 and wait is not None:
            said += f", Retry-After {wait} s, more than the {MAX_RETRY_AFTER:.0f} s a run waits"
        return said + ")"
    return redact(f"{type(exc).__name__}: {exc}")
