"""Block Kit for `/metrics` answers: one metric, a group (dora, health), a comparison, status.

Every answer says what was measured, over which window, on how many items and against which
baseline (DESIGN.md: insights are hypotheses), and shows team-level figures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.slack.blocks.common import Block, context, divider, fields, header, section
from bot.slack.blocks.insights import insight_blocks
from bot.slack.catalog import Catalog
from bot.slack.text import escape
from bot.slack.values import MetricView, format_value

if TYPE_CHECKING:
    from analytics.insights.model import Insight


@dataclass(frozen=True)
class Rendered:
    """A message: fallback text (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[Block]


def _window(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


def metric_line(view: MetricView) -> str:
    """ "*Lead time* 29 h ↑12%" / "*Lead time* 29 h within the usual range" – one metric on
    one line; an arrow only beyond the usual range (`analytics.noise`)."""
    line = f"*{escape(view.info.label)}* {view.shown}"
    if view.value is not None and not view.withheld_reason and view.change_text:
        line += f" {view.change_text}"
    return line


def provenance_text(view: MetricView) -> str:
    """ "window: ...\nclock: working\nn: 12\nexcluded: bots 3" – how the figure was computed."""
    return "\n".join(f"{name}: {escape(text)}" for name, text in view.provenance)


def metric_answer(
    team_name: str, view: MetricView, period_label: str, start: datetime, end: datetime
) -> Rendered:
    """The answer to `/metrics <metric> <team>`: number, trend, baseline, percentiles, method."""
    title = f"{view.info.label} · {team_name}"
    blocks: list[Block] = [header(title)]
    if view.withheld_reason:
        blocks.append(section(f"*Withheld:* {escape(view.withheld_reason)}"))
    elif view.value is None:
        why = " ".join(escape(n) for n in view.notes[:3])
        blocks.append(section(f"No data for {escape(period_label)} ({view.n} items). {why}"))
    else:
        main = f"*{view.shown}*"
        if view.reading_text:
            main += f"  {view.reading_text}"
        blocks.append(section(main))
        facts = [f"*Items*\n{view.n}"]
        if view.baseline is not None:
            facts.append(f"*Baseline*\n{format_value(view.baseline, view.unit)}")
        if view.p75 is not None:
            facts.append(f"*p75*\n{format_value(view.p75, view.unit)}")
        if view.p90 is not None:
            facts.append(f"*p90*\n{format_value(view.p90, view.unit)}")
        blocks.append(fields(facts))
    how = f"{escape(period_label)} ({_window(start, end)})"
    if view.definition:
        how += f". {escape(view.definition)}"
    blocks.append(context(how))
    blocks.append(context(provenance_text(view)))
    text = f"{view.info.label} for {team_name}: {view.shown} ({period_label})"
    if view.withheld_reason:
        text += f": {view.withheld_reason}"
    return Rendered(escape(text), blocks)


def group_answer(
    title: str,
    team_name: str,
    views: Sequence[MetricView],
    period_label: str,
    start: datetime,
    end: datetime,
) -> Rendered:
    """dora / health: one line per metric with its trend, then how each was measured."""
    blocks: list[Block] = [header(f"{title} · {team_name}")]
    if not views:
        blocks.append(section("The metrics engine serves none of these metrics yet."))
    lines = []
    for v in views:
        if v.withheld_reason:  # no n either: it is part of the figure
            lines.append(metric_line(v) + f" – {escape(v.withheld_reason)}")
        else:
            lines.append(metric_line(v) + f"  _n={v.n}_")
    if lines:
        blocks.append(section("\n".join(lines)))
    blocks.append(
        context(
            f"{escape(period_label)} ({_window(start, end)}); "
            "arrows compare with each metric's baseline."
        )
    )
    text = f"{title} for {team_name}: " + ", ".join(f"{v.info.label} {v.shown}" for v in views)
    if any(v.withheld_reason for v in views):
        text += " (withheld: too few people behind some figures)"
    return Rendered(escape(text), blocks)


def compare_answer(
    metric_label: str, focus: str, rows: Sequence[tuple[str, MetricView]], period_label: str
) -> Rendered:
    """`compare`: the team beside the other teams (team-level figures, never people)."""
    blocks: list[Block] = [header(f"{metric_label}: {focus} and its peers")]
    lines = []
    for slug, view in rows:
        name = f"*{escape(slug)}*" if slug == focus else escape(slug)
        if view.withheld_reason:
            lines.append(f"{name}: {view.shown} – {escape(view.withheld_reason)}")
        else:
            lines.append(f"{name}: {view.shown} _n={view.n}_")
    blocks.append(section("\n".join(lines) or "No teams to compare."))
    blocks.append(context(f"{escape(period_label)}; each team measured the same way."))
    return Rendered(escape(f"{metric_label}: {focus} compared with {len(rows) - 1} teams"), blocks)


def insights_answer(team_name: str, insights: Sequence[Insight], week: str) -> Rendered:
    """`bottlenecks`: the flagged insights of the week, without vote buttons."""
    blocks: list[Block] = [header(f"Bottlenecks · {team_name} · {week}")]
    if not insights:
        blocks.append(section("Nothing flagged this week."))
    for ins in insights:
        blocks.extend(insight_blocks(ins, interactive=False))
    return Rendered(escape(f"{len(insights)} flagged for {team_name} in {week}"), blocks)


def status_answer(rows: Sequence[Any], now: datetime) -> Rendered:
    """`status`: the last sync of each source: when, rows, errors, rate-limit budget."""
    blocks: list[Block] = [header("Sync status")]
    if not rows:
        blocks.append(
            section("No sync has run yet. Run `metrics-bot sync` or wait for the schedule.")
        )
    for run in rows:
        finished = run.finished_at or run.started_at
        ago = now - finished
        mins = int(ago.total_seconds() // 60)
        when = f"{mins} min ago" if mins < 120 else f"{mins // 60} h ago"
        line = f"*{escape(run.source)}*: {escape(run.status)} {when}, "
        line += f"{run.rows} rows, {run.requests} requests"
        if run.retries:
            line += f", {run.retries} retries"
        if run.rate_limit_remaining is not None:
            line += f", rate-limit budget {run.rate_limit_remaining}"
        if run.error:
            line += f"\n> {escape(run.error[:300])}"
        blocks.append(section(line))
    return Rendered("Sync status", blocks)


def help_answer(catalog: Catalog, teams: Sequence[str]) -> Rendered:
    """`help`: the grammar, the metrics with their aliases, and the teams."""
    names = ", ".join(f"`{m.name}`" for m in catalog.metrics.values()) or "none yet"
    blocks: list[Block] = [
        header("/metrics"),
        section(
            "`/metrics <metric> [team] [period]`: one metric, its trend and how it is computed\n"
            "`/metrics dora [team]` · `health [team]` · `bottlenecks [team]`\n"
            "`/metrics compare <metric> [team]`: the team beside its peers\n"
            "`/metrics digest [team]`: a private preview of the weekly digest\n"
            "`/metrics goal [team] [<goal> | remove N]`: goals; a new one is previewed first\n"
            "`/metrics forecast <key or name> | [team]`: the chance of meeting its "
            "date, 50% and 85% finish dates\n"
            "`/metrics about`: what the bot collects, who sees what, how long it is kept\n"
            "`/metrics why review-time [team]`: the likely cause of a flagged delay "
            "(review-time, pickup, lead-time, cycle-time)\n"
            "`/metrics status`: the last sync of each source\n"
            "Add `share` to post the answer in the channel. Periods: `7d`, `4w`, `month`, "
            "`quarter` (default 4 weeks). The team defaults to the channel's team."
        ),
        divider(),
        section(f"*Metrics:* {names}"),
        context("Teams: " + (", ".join(f"`{escape(t)}`" for t in teams) or "none configured")),
        context("Team-level figures only: nothing here rates a person."),
    ]
    return Rendered("How to use /metrics", blocks)
