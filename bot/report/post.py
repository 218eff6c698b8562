"""Produce the quarterly report (data, words, three formats, chart) and post it to the
leadership channel at most once per quarter and scope, through the digests' exactly-once
ledger (bot.digest.claims: claim, post with the id in metadata, mark; reconcile when the
outcome is unknown). The chart goes into the message's thread once it is posted."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.digest import claims
from bot.digest.post import DigestResult, _already_posted, deliver
from bot.report.build import Report, build_report
from bot.report.charts import dora_chart_png
from bot.report.narrative import Narrative, narrative
from bot.report.quarters import Quarter, last_full_quarter
from bot.report.render import blocks
from bot.report.rewrite import rewrite
from bot.slack.blocks.answers import Rendered
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, redact

log = logging.getLogger("metrics_bot.report")

AUDIENCE = "report"
ALL = "*"


@dataclass(frozen=True)
class Produced:
    """A report ready to show: its data, its words, the Slack message and the chart."""

    report: Report
    text: Narrative
    message: Rendered
    chart: bytes | None


def produce(deps: BotDeps, quarter: Quarter, group: str | None = None) -> Produced:
    """Build, word (templates, then the optional rewrite), render and chart a report."""
    report = build_report(deps, quarter, group)
    words = narrative(report, min_group_size=deps.config.thresholds.min_group_size)
    words = rewrite(words, deps.config.report.rewrite, deps.rewrite_key)
    try:
        chart: bytes | None = dora_chart_png(report.dora[0]) if report.dora else None
    except ValueError:
        chart = None
    return Produced(report, words, blocks(report, words), chart)


def key_of(quarter: Quarter, group: str | None) -> claims.Key:
    """The ledger key: one report per quarter and scope ("*" for the organisation)."""
    return claims.Key(group or ALL, quarter.label, AUDIENCE)


def quarter_or_last(deps: BotDeps, quarter: Quarter | None) -> Quarter:
    return quarter or last_full_quarter(deps.now(), deps.config.leadership.tz)


def post_report(
    deps: BotDeps,
    quarter: Quarter | None = None,
    group: str | None = None,
    force: bool = False,
    *,
    fence: claims.Fence | None = None,
) -> DigestResult:
    """Post the report of `quarter` (default: the last full one) to the leadership channel."""
    channel = deps.config.slack.leadership_channel
    if not channel:
        raise UserError("no slack.leadership_channel in the config: the report has nowhere to go")
    quarter = quarter_or_last(deps, quarter)
    key = key_of(quarter, group)
    done = _already_posted(deps, key, force)
    if done is not None:
        return done
    made = produce(deps, quarter, group)
    result = deliver(deps, key, channel, None, rendered=made.message, force=force, fence=fence)
    if result.status == "posted" and result.ts and made.chart:
        _chart_in_thread(deps, made, result)
    return result


def _chart_in_thread(deps: BotDeps, made: Produced, result: DigestResult) -> None:
    label = made.report.quarter.label
    try:
        deps.web_client().files_upload_v2(
            channel=result.channel,
            thread_ts=result.ts,
            content=made.chart,
            filename=f"report-{label}-dora.png",
            title=f"DORA by week, {label} against the quarter before",
            alt_txt=f"The four DORA figures of {made.report.scope} by week in {label}, with "
            "the previous quarter and its usual range",
        )
    except Exception as exc:  # the report is posted; a missing chart is only logged
        log.warning("report chart not uploaded: %s", redact(f"{type(exc).__name__}: {exc}"))
