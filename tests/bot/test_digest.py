"""Digests: content, exactly-once posting across repeats, restarts, races and failures."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

from sqlalchemy import select

from bot.digest import post_digest, render_digest, render_digest_text
from bot.digest.build import build_digest
from bot.digest.leaders import post_leaders_digest, post_leads_digest
from bot.slack.deps import BotDeps
from bot.slack.limits import check_blocks
from sandbox.fakes.slack import SlackFake
from store.models import DigestSent, InsightRow
from tests.bot.helpers import TinyEngine, make_deps


def test_digest_content_dora_arrows_insights_and_chart(deps: BotDeps, slack: SlackFake) -> None:
    result = post_digest(deps, "team-a")
    assert (result.status, result.week, result.quiet, result.chart_uploaded) == (
        "posted",
        "2026-W47",
        False,
        True,
    )
    [msg] = slack.messages("C0TEAMA001")[:1]
    text = json.dumps(msg["blocks"], ensure_ascii=False)
    assert msg["blocks"][0]["text"]["text"] == "Weekly digest · Team A · 2026-W47"
    dora = msg["blocks"][1]["text"]["text"]
    # the tiny engine's weeks rise steadily, so this week is within each figure's usual range
    assert "*Lead time* 29 h within the usual range (" in dora and "_n=12 PRs · W47_" in dora
    assert "*Deploys* 4.0/wk within the usual range" in dora and "↑" not in dora
    assert "Reviews wait 50% longer" in text and "Change failure rate 16.7%" in text
    assert text.index("Reviews wait") < text.index("Change failure rate 16.7%")  # best first
    assert "feedback_up" in text and "javascript:" not in text and "<!channel>" not in text
    assert check_blocks(msg["blocks"]) == []
    [chart] = slack.files.values()
    assert chart.completed and chart.thread_ts == result.ts and chart.channels == ["C0TEAMA001"]
    assert chart.content is not None and chart.content.startswith(b"\x89PNG")
    with deps.sessions() as s:  # votes need the insights stored
        assert len(s.scalars(select(InsightRow)).all()) == 2


def test_quiet_week_is_a_short_message_without_chart(deps: BotDeps, slack: SlackFake) -> None:
    result = post_digest(deps, "team-b")
    assert (result.status, result.quiet, result.chart_uploaded) == ("posted", True, False)
    [msg] = slack.messages("C0TEAMB001")
    assert len(msg["blocks"]) <= 5
    assert any("Quiet week" in json.dumps(b) for b in msg["blocks"])
    assert (
        msg["blocks"][0]["text"]["text"] == "Weekly digest · Team <B> & co · 2026-W47"
    )  # plain_text
    assert "<B>" not in msg["text"]  # the fallback text is mrkdwn: escaped
    assert not slack.files


def test_posted_once_when_the_job_fires_twice_and_after_a_restart(
    deps: BotDeps, slack: SlackFake, db_url: str, tiny: TinyEngine
) -> None:
    first = post_digest(deps, "team-a")
    second = post_digest(deps, "team-a")
    assert (first.status, second.status, second.ts) == ("posted", "already_sent", first.ts)
    restarted = make_deps(
        db_url, api_url=slack.base_url, tiny=tiny, migrate=False, instance_id="other"
    )
    assert post_digest(restarted, "team-a").status == "already_sent"
    assert len(slack.calls_to("chat.postMessage")) == 1
    forced = post_digest(restarted, "team-a", force=True)
    assert forced.status == "posted" and len(slack.messages("C0TEAMA001")) >= 2
    restarted.engine.dispose()


def test_racing_replicas_post_once(
    deps: BotDeps, slack: SlackFake, db_url: str, tiny: TinyEngine
) -> None:
    replicas = [
        make_deps(db_url, api_url=slack.base_url, tiny=tiny, migrate=False, instance_id=f"r{i}")
        for i in range(4)
    ]
    results: list[str] = []
    barrier = threading.Barrier(len(replicas))

    def run(d: BotDeps) -> None:
        barrier.wait()
        results.append(post_digest(d, "team-b").status)

    threads = [threading.Thread(target=run, args=(d,)) for d in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("posted") == 1, results
    assert len(slack.messages("C0TEAMB001")) == 1
    for d in replicas:
        d.engine.dispose()


def test_refused_post_is_retried_next_time_and_not_duplicated(
    deps: BotDeps, slack: SlackFake
) -> None:
    slack.fail_next(1, 403, method="chat.postMessage")  # Slack answered "no": nothing posted
    failed = post_digest(deps, "team-b")
    assert failed.status == "failed" and "internal_error" in (failed.error or "")
    with deps.sessions() as s:
        row = s.scalars(select(DigestSent)).one()
        assert row.status == "failed" and "xoxb" not in (row.error or "")
    assert slack.messages("C0TEAMB001") == []
    retried = post_digest(deps, "team-b")
    assert retried.status == "posted"
    assert post_digest(deps, "team-b").status == "already_sent"
    assert len(slack.messages("C0TEAMB001")) == 1


def test_lost_answer_is_settled_by_the_channel_not_posted_twice(
    deps: BotDeps, slack: SlackFake
) -> None:
    """Slack shows the digest but the reply breaks off: the message's metadata is found in
    the channel's history, so it is recorded as posted instead of being left unsure."""
    slack.lose_answer_next(1, method="chat.postMessage")
    result = post_digest(deps, "team-b")
    [message] = slack.messages("C0TEAMB001")
    assert result.status == "posted" and result.ts == message["ts"]
    assert message["metadata"]["event_payload"]["digest_id"] == "team-b/2026-W47/team"
    assert len(slack.calls_to("chat.postMessage")) == 1  # the client did not resend it
    with deps.sessions() as s:
        row = s.scalars(select(DigestSent)).one()
        assert (row.status, row.message_ts) == ("posted", message["ts"])
    assert post_digest(deps, "team-b").status == "already_sent"
    assert len(slack.messages("C0TEAMB001")) == 1


def test_lost_answer_and_unreadable_history_stays_unsure_until_the_next_run(
    deps: BotDeps, slack: SlackFake
) -> None:
    slack.lose_answer_next(1, method="chat.postMessage")
    slack.fail_next(1, 500, method="conversations.history")
    unsure = post_digest(deps, "team-b")
    assert unsure.status == "unsure" and "may have reached C0TEAMB001" in (unsure.error or "")
    again = post_digest(deps, "team-b")  # the next run looks first: it is there
    assert again.status == "already_sent"
    assert again.ts == slack.messages("C0TEAMB001")[0]["ts"]
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.messages("C0TEAMB001")) == 1


def test_server_error_on_post_is_unsure_then_posted_once_when_missing(
    deps: BotDeps, slack: SlackFake
) -> None:
    """Slack's own docs: after internal_error "some aspect of the operation" may have
    succeeded. The client does not resend; the next run looks in the channel, finds nothing
    and posts: one digest, never zero."""
    slack.fail_next(1, 500, method="chat.postMessage")
    result = post_digest(deps, "team-b")
    assert result.status == "unsure" and "internal_error" in (result.error or "")
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert post_digest(deps, "team-b").status == "posted"
    assert post_digest(deps, "team-b").status == "already_sent"
    assert len(slack.messages("C0TEAMB001")) == 1


def test_a_live_claim_blocks_others_and_a_stale_one_is_taken_over(
    deps: BotDeps, slack: SlackFake
) -> None:
    from bot.digest import claims

    key = claims.Key("team-b", "2026-W47", "team")
    assert claims.claim(deps.sessions, key, "C0TEAMB001", deps.now()).outcome == "claimed"
    assert post_digest(deps, "team-b").status == "in_progress"
    later = replace(deps, clock=lambda: deps.now() + claims.STALE_CLAIM * 2)
    assert post_digest(later, "team-b", "2026-W47").status == "posted"  # looked: not there
    assert len(slack.calls_to("conversations.history")) == 1
    assert len(slack.messages("C0TEAMB001")) == 1


def test_leaders_and_leads_digests(deps: BotDeps, slack: SlackFake) -> None:
    leaders = post_leaders_digest(deps)
    assert leaders.status == "posted" and post_leaders_digest(deps).status == "already_sent"
    [msg] = slack.messages("C0LEADERS1")
    text = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "Team A" in text and "2 flagged" in text and "quiet week" in text
    # team-b has one lead; the fake Slack cannot yet hold two DM conversations (see report)
    [dm] = post_leads_digest(deps, "team-b")
    assert (dm.status, dm.audience, dm.channel) == ("posted", "leads:U0LEADB001", "D0LEADB001")
    assert [r.status for r in post_leads_digest(deps, "team-b")] == ["already_sent"]
    assert len(slack.messages("D0LEADB001")) == 1


def test_preview_and_console_rendering(deps: BotDeps) -> None:
    team = deps.team("team-a")
    assert team is not None
    digest = build_digest(deps, team, "2026-W47", charts=False)
    preview = render_digest(digest, interactive=False)
    buttons = [
        e["action_id"] for b in preview.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["insight_method", "insight_method"]  # no votes in a preview
    text = render_digest_text(digest)
    assert "Lead time: 29 h within the usual range (" in text and "n=12 PRs" in text
    assert "Try: Try a daily review slot" in text
