"""`/metrics experiment ...` and `/metrics annotate ...`: answered after the ack, through the
same core as the CLI (bot/core/experiments.py, bot/core/annotations.py).

Who asks is the Slack user of the command: the core checks they may (a team's people add
and start, an author or a lead changes and stops); a refusal, like any bad input, is one
sentence back to them, ephemeral.
"""

from __future__ import annotations

from bot.core import annotations as notes
from bot.core import experiments
from bot.core.experiment_text import list_lines, plan_lines, report_lines, report_notes
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.manage import lines_answer, list_answer
from bot.slack.deps import BotDeps
from bot.slack.manage_grammar import ManageCommand


def answer_manage(deps: BotDeps, cmd: ManageCommand, user: str) -> Rendered:
    """The message for an experiment or annotation request by `user`."""
    if cmd.area == "experiment":
        return _experiment(deps, cmd, user)
    return _annotate(deps, cmd, user)


def _experiment(deps: BotDeps, cmd: ManageCommand, user: str) -> Rendered:
    now = deps.now()
    if cmd.action == "list":
        records = experiments.listing(deps, cmd.team)
        scope = f" · {cmd.team}" if cmd.team else " · every team"
        return list_answer(f"Experiments{scope}", list_lines(records, now))
    assert cmd.team is not None
    if cmd.action == "start":
        request = experiments.StartRequest(
            team=cmd.team,
            name=cmd.text or "",
            metric=cmd.metric or "",
            weeks=cmd.weeks or experiments.DEFAULT_WEEKS,
            start=cmd.start,
            hypothesis=cmd.hypothesis,
        )
        return lines_answer(plan_lines(experiments.start(deps, request, by=user)))
    if cmd.action == "stop":
        rec = experiments.stop(deps, cmd.team, cmd.text, by=user)
        return lines_answer(
            [
                f"Stopped “{rec.name}”",
                f"It ran from {rec.first_week} to {rec.until:%Y-%m-%d}; `/metrics experiment "
                f'report {rec.team} "{rec.name}"` tests the weeks it ran and keeps the result.',
            ],
            bold_first=False,
        )
    out = experiments.report(deps, cmd.team, cmd.text)
    return lines_answer(report_lines(out, now, report_notes(deps, out)))


def _annotate(deps: BotDeps, cmd: ManageCommand, user: str) -> Rendered:
    if cmd.action == "list":
        found = notes.listing(deps, cmd.team)
        lines = notes.texts(found) or ["No annotations yet."]
        title = f"Annotations · {cmd.team or 'every team'}"
        return list_answer(title, [*lines, "Change one: `/metrics annotate edit|remove <number>`."])
    if cmd.action == "remove":
        assert cmd.item is not None
        gone = notes.remove(deps, cmd.item, by=user)
        return lines_answer([f"Removed annotation #{gone.id}", gone.text()], bold_first=False)
    if cmd.action == "edit":
        assert cmd.item is not None
        exclude = None if cmd.keep_in_baseline is None else not cmd.keep_in_baseline
        done = notes.edit(deps, cmd.item, by=user, note=cmd.text, days=cmd.days, exclude=exclude)
        return lines_answer([f"Changed annotation #{done.id}", done.text()], bold_first=False)
    assert cmd.team is not None and cmd.days is not None
    added = notes.add(
        deps,
        cmd.team,
        *cmd.days,
        cmd.text or "",
        exclude=not cmd.keep_in_baseline,
        by=user,
    )
    return lines_answer(
        [
            f"Annotated #{added.id} for {cmd.team}",
            added.text(),
            "The digest and the charts name it"
            + (
                "; the weeks it touches are left out of baselines and experiments."
                if added.excluded
                else "; its weeks stay in baselines."
            )
            + " Its author or a lead can change it: `/metrics annotate edit|remove "
            f"{added.id}`.",
        ],
        bold_first=False,
    )
