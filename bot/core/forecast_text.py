"""The words of a forecast, once, for every path: Slack blocks, the console (the same lines
through `terminal_text`) and the digest's one-line flag."""

from __future__ import annotations

from bot.core.forecast import ForecastAnswer, TeamForecasts
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, divider, header, section
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape

MAX_LISTED = 10
METHOD = (
    "Each: a seeded Monte Carlo, item by item (each open item's remaining time from the "
    "team's past items of its age; scope growth as the team's past targets grew), mixed with "
    "how the team's past targets went against their dates, from what was known now; a "
    "tracker that records no starts is forecast from its weekly throughput instead. "
    "`forecast <key>` says how one was computed, with its numbers."
)


def _date(d: object) -> str:
    return f"{d:%Y-%m-%d}" if d is not None else "not within two years"


def headline(a: ForecastAnswer) -> str:
    """ "*PAY-12* Checkout: 32% chance of meeting 2026-12-18 · 50%: 2026-12-20 · 85%: ..." """
    f = a.forecast
    name = f" {escape(f.name)}" if f.name and f.shown == f.key else ""
    chance = (
        f"{f.probability:.0%} chance of meeting {f.target_on:%Y-%m-%d}"
        if f.probability is not None
        else "no target date"
    )
    flag = f" (below the team's {a.threshold:.0%})" if a.at_risk else ""
    return (
        f"*{escape(f.shown)}*{name}: {chance}{flag} · 50%: {_date(f.p50)} · 85%: {_date(f.p85)}"
        f" · {f.left} of {f.state.total} items left"
    )


def detail_lines(a: ForecastAnswer) -> list[str]:
    """What changed, the notes, the stalling items."""
    f = a.forecast
    lines = [f"• {escape(c)}" for c in f.changes]
    lines += [f"• {escape(n)}" for n in f.notes]
    if a.stall is not None and a.stall.text():
        lines.append(f"• items: {escape(a.stall.text())}")
    return lines


def how_text(a: ForecastAnswer) -> str:
    text = a.forecast.how()
    model = a.stall.report if a.stall is not None else {}
    if model.get("auc") is not None:
        text += (
            f" Items likely to stall: {model['definition']}; logistic regression on the team's "
            f"history, time-split AUC {model['auc']:.2f} on {model['test_rows']} rows."
        )
    return text


def forecast_rendered(a: ForecastAnswer) -> Rendered:
    """The answer to `/metrics forecast <key>`."""
    f = a.forecast
    blocks: list[Block] = [
        header(f"Forecast · {f.shown}"),
        section(headline(a)),
    ]
    details = detail_lines(a)
    if details:
        blocks.append(section("*What changed, and what to watch*\n" + "\n".join(details)))
    blocks.append(context(escape(how_text(a))))
    ensure_blocks(blocks, text=headline(a))
    return Rendered(headline(a), blocks)


def team_rendered(tf: TeamForecasts) -> Rendered:
    """The answer to `/metrics forecast --team <team>`: each open target on a line."""
    if not tf.answers and not tf.skipped:
        text = f"{escape(tf.team.name)} has no open epics, projects or milestones in the tracker."
        return Rendered(text, [section(text)])
    blocks: list[Block] = [header(f"Delivery forecasts · {tf.team.name}")]
    for a in tf.answers[:MAX_LISTED]:
        blocks.append(section("\n".join([headline(a), *detail_lines(a)])))
    if len(tf.answers) > MAX_LISTED:
        blocks.append(context(f"{len(tf.answers) - MAX_LISTED} more: ask for each by its key."))
    if tf.skipped:
        blocks += [
            divider(),
            section(
                "*Not forecast*\n" + "\n".join(f"• {escape(r)}" for _, r in tf.skipped[:MAX_LISTED])
            ),
        ]
    if tf.answers:
        blocks.append(context(escape(METHOD)))
    text = f"Delivery forecasts for {tf.team.name}: {len(tf.answers)} open targets"
    ensure_blocks(blocks, text=text)
    return Rendered(escape(text), blocks)


def flag_line(a: ForecastAnswer) -> str:
    """One line for the digest: the target, its chance, and the first thing that changed."""
    f = a.forecast
    why = f"; {escape(f.changes[0])}" if f.changes else ""
    return headline(a) + why


def rendered_text(r: Rendered) -> str:
    """The Slack answer as lines of mrkdwn (for the console, via terminal_text)."""
    out = []
    for block in r.blocks:
        if block.get("type") == "header" or block.get("type") == "section":
            out.append(str(block["text"]["text"]))
        elif block.get("type") == "context":
            out.extend(str(e.get("text", "")) for e in block.get("elements", []))
    return "\n".join(out)
