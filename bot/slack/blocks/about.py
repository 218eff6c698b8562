"""`/metrics about` and App Home's "What this bot collects" as Block Kit (pure)."""

from __future__ import annotations

from analytics.persons import MIN_WORK_PEOPLE
from bot.about import About
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, divider, header, section
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape


def about_blocks(facts: About) -> list[Block]:
    """Sources, what is never collected, who sees what, group size, retention, philosophy."""
    sources = "\n".join(f"• *{escape(s.name)}*: {escape(s.what)}" for s in facts.sources)
    blocks: list[Block] = [
        section("*What is collected, and from where*\n" + sources),
        section("*What is never collected*\n" + "\n".join(f"• {escape(n)}" for n in facts.never)),
        section("*Who sees what*\n" + "\n".join(f"• {escape(w)}" for w in facts.who_sees)),
        section(
            f"*Minimum group size: {facts.min_group_size} people.* Figures built from "
            "people's activity (after-hours work, review load, out-of-hours pages) are shown "
            f"only for groups of at least {facts.min_group_size}; figures built from people's "
            f"work (review time, lead time, throughput, PR size and the like) need at least "
            f"{MIN_WORK_PEOPLE} people; below that they are withheld and the answer says why. "
            "Deployments, change failures and recovery describe services and are always shown."
        ),
        section(f"*How long data is kept*\n{escape(facts.retention)}"),
    ]
    if facts.philosophy:
        blocks += [
            divider(),
            section("*How we use these metrics* (in our own words)\n" + escape(facts.philosophy)),
        ]
    return blocks


def about_answer(facts: About) -> Rendered:
    """The `/metrics about` message."""
    blocks = [
        header("What metrics-bot collects"),
        *about_blocks(facts),
        context("Team-level figures only: metrics improve systems, they never rate people."),
    ]
    text = "What metrics-bot collects: " + ", ".join(s.name for s in facts.sources)
    ensure_blocks(blocks, text=text)
    return Rendered(escape(text), blocks)
