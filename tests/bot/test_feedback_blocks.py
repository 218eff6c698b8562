"""What feedback kept out, as the digest and App Home word it (pure parts and the hook)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from analytics.insights.hiding import Hidden, Snooze
from bot.digest import post_digest, render_digest, render_digest_text
from bot.digest.build import build_digest
from bot.digest.hidden import hidden_blocks
from bot.runtime.wiring import org_context
from bot.slack.blocks.home_feedback import feedback_section
from bot.slack.deps import BotDeps
from bot.slack.limits import check_blocks
from sandbox.fakes.slack import SlackFake, validate_blocks
from store.models import InsightRow
from tests.bot.helpers import CONFIG_YAML, TinyEngine, cfr_insight, make_config, review_insight

ENDS = datetime(2026, 11, 30, tzinfo=UTC)


def kept_out() -> tuple[list[Hidden], list[Snooze]]:
    snoozed = Hidden(review_insight(), "snooze", "snoozed by a lead", ENDS)
    raised = Hidden(
        replace(cfr_insight(), title="CFR <!channel> up"),
        "threshold",
        "under the threshold votes raised: flagged only at larger effects (threshold ×1.10)",
    )
    idle = Snooze("team-a", "slow_ci", "", "2026-W46", "2026-W48", ENDS, "abc")
    used = Snooze("team-a", "review_bottleneck", "", "2026-W46", "2026-W47", ENDS, "def")
    return [snoozed, raised], [idle, used]


def test_every_hidden_finding_is_named_with_a_show_button() -> None:
    hidden, snoozes = kept_out()
    blocks = hidden_blocks(hidden, snoozes, "Europe/Berlin")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "2 findings (1 snoozed by a lead, 1 under a threshold votes raised)" in text
    assert "Snoozed until 2026-11-30 by a lead: review bottleneck — *Reviews wait" in text
    assert "cfr spike — *CFR &lt;!channel&gt; up*" in text and "<!channel>" not in text
    assert "slow ci (not found this week)" in text  # a snooze that hid nothing is still said
    shows = [b["accessory"]["action_id"] for b in blocks if "accessory" in b]
    assert shows == ["hidden_show", "hidden_show"]
    assert check_blocks(blocks) == [] and validate_blocks(blocks) == []
    preview = hidden_blocks(hidden, snoozes, "UTC", interactive=False)
    assert not any("accessory" in b for b in preview) and len(preview) == len(blocks)
    assert hidden_blocks([], [], "UTC") == []


def test_the_digest_carries_them_and_stores_them_as_hidden(
    deps: BotDeps, slack: SlackFake, tiny: TinyEngine
) -> None:
    hidden, _ = kept_out()
    tiny.hidden_for["team-a"] = [
        replace(h, insight=replace(h.insight, week="2026-W47")) for h in hidden
    ]
    tiny.insights_for["team-a"] = []
    team = deps.config.teams[0]
    digest = build_digest(deps, team, "2026-W47", charts=False)
    assert len(digest.hidden) == 2
    text = json.dumps(render_digest(digest).blocks, ensure_ascii=False)
    assert "Kept out by feedback" in text and "Quiet week" not in text
    assert "Snoozed until" in render_digest_text(digest)
    assert post_digest(deps, "team-a").status == "posted"
    with deps.sessions() as s:
        rows = {r.kind: r.hidden_by for r in s.scalars(select(InsightRow))}
    assert rows == {"review_bottleneck": "snooze", "cfr_spike": "threshold"}


def test_home_lists_hidden_rows_and_snoozes_in_force() -> None:
    hidden, snoozes = kept_out()
    rows = [
        InsightRow(
            id=h.insight.id,
            team_slug="team-a",
            kind=h.insight.kind,
            week="2026-W47",
            title=h.insight.title,
            hidden_by=h.by,
        )
        for h in hidden
    ]
    blocks = feedback_section(rows, snoozes, {"team-a": "UTC"})
    text = json.dumps(blocks, ensure_ascii=False)
    assert "team-a · 2026-W47 · snoozed until 2026-11-30 by a lead" in text
    assert "under the threshold the team's votes raised" in text
    assert "slow ci snoozed until 2026-11-30 by a lead" in text
    assert [b["accessory"]["action_id"] for b in blocks if "accessory" in b] == ["hidden_show"] * 3
    assert feedback_section([], [], {}) == []


def test_pooling_across_teams_is_a_per_team_opt_in() -> None:
    plain = org_context(make_config(), b"k")
    assert not any(t.pool_feedback for t in plain.teams)
    opted = CONFIG_YAML.replace(
        "    leads: [U0LEADB001]",
        "    leads: [U0LEADB001]\n    feedback: {pool_across_teams: true}",
    )
    teams = {t.slug: t.pool_feedback for t in org_context(make_config(opted), b"k").teams}
    assert teams == {"team-a": False, "team-b": True}
