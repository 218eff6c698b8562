"""A digest that reads at a glance: charts sized for Slack and readable at 100 %, each with
the team's baseline band, the similar teams' line and the clock on its axis; a sparkline, n
and week beside every headline figure; the method behind a button instead of in every
insight (and the button answers, ephemerally, over real HTTP)."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from matplotlib.text import Text

from analytics.values import MetricValue
from bot.digest.build import Digest, build_digest
from bot.digest.render import render_digest
from bot.digest.series import peer_median
from bot.server import build_asgi
from bot.slack.blocks.insights import SHOW_METHOD, MethodNote, insight_blocks
from bot.slack.blocks.trend import BARS, sparkline
from bot.slack.charts import (
    BAND_GID,
    MIN_TEXT_PX,
    PEER_GID,
    SCALE,
    TEAM_GID,
    ChartSeries,
    chart_figure,
    display_px,
    trend_chart_png,
)
from bot.slack.deps import BotDeps
from bot.slack.limits import MAX_BUTTON_VALUE, check_blocks
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.bot.glance import BASELINE_WEEKS, PATTERN, glance_engine, weekly_values
from tests.bot.helpers import MEMBER, SECRET, make_deps, review_insight


@pytest.fixture
def glance(db_url: str, slack: SlackFake) -> Iterator[BotDeps]:
    d = make_deps(db_url, api_url=slack.base_url, tiny=glance_engine(), migrate=False)
    yield d
    d.engine.dispose()


def _digest(deps: BotDeps, team: str = "team-a") -> Digest:
    cfg = deps.team(team)
    assert cfg is not None
    return build_digest(deps, cfg, "2026-W47")


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_chart_text_is_at_least_11px_at_slacks_display_size_and_inside_the_image(
    glance: BotDeps,
) -> None:
    series = _digest(glance).series
    charts = list(series.values())
    fig = chart_figure(charts)
    fig.canvas.draw()  # type: ignore[attr-defined]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bounds = fig.bbox
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert len(texts) > 20  # titles, ticks, axis labels, legends of three panels
    for t in texts:
        assert display_px(t.get_fontsize()) >= MIN_TEXT_PX, (t.get_text(), t.get_fontsize())
        box = t.get_window_extent(renderer)
        inside = (
            box.x0 >= bounds.x0 - 1
            and box.x1 <= bounds.x1 + 1
            and box.y0 >= bounds.y0 - 1
            and box.y1 <= bounds.y1 + 1
        )
        assert inside, f"{t.get_text()!r} is cut off at {box} (figure {bounds})"
    png = trend_chart_png(series)
    assert _png_size(png) == (360 * SCALE, 240 * SCALE * len(charts))  # 2x a 360-px panel


def test_each_chart_draws_the_baseline_band_the_peers_line_and_its_clock(
    glance: BotDeps,
) -> None:
    series = _digest(glance).series
    assert list(series) == ["Time to first review", "Change failure rate", "Lead time"]
    review = series["Time to first review"]
    fig = chart_figure([review])
    [ax] = fig.axes
    [band] = [a for a in ax.patches if a.get_gid() == BAND_GID]
    ys = band.get_path().transformed(band.get_patch_transform()).vertices[:, 1]
    # p25..p75 of the 12 weeks before W47, the weeks the engine took its median of
    team_a = weekly_values("team-a", "review_time", 8 + 2 * BASELINE_WEEKS)
    before = [v for v in team_a[-1 - BASELINE_WEEKS : -1] if v is not None]
    low, high = np.percentile(before, [25, 75])
    assert (ys.min(), ys.max()) == pytest.approx((low, high))
    [peers] = [line for line in ax.get_lines() if line.get_gid() == PEER_GID]
    team_b = weekly_values("team-b", "review_time", 8 + BASELINE_WEEKS)[-8:]
    assert list(peers.get_ydata()) == pytest.approx(team_b)  # its only similar team
    [team] = [line for line in ax.get_lines() if line.get_gid() == TEAM_GID]
    assert list(team.get_ydata()) == pytest.approx(team_a[-8:])
    assert ax.get_xlabel() == "working hours, Europe/Berlin"  # the engine said "working"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "team",
        "baseline p25–p75",
        "similar teams",
    ]
    assert [label.get_text() for label in ax.get_xticklabels()][-1] == "W47"
    cfr_ax = chart_figure([series["Change failure rate"]]).axes[0]
    assert cfr_ax.get_ylabel() == "%" and max(cfr_ax.get_lines()[-1].get_ydata()) > 1
    assert chart_figure([series["Lead time"]]).axes[0].get_xlabel() == "wall clock"


def test_no_band_without_an_engine_baseline_and_peer_median_of_several_teams() -> None:
    chart = ChartSeries("Lead time", "hours", ("W46", "W47"), (3.0, 4.0))
    [ax] = chart_figure([chart]).axes
    assert not [a for a in ax.patches if a.get_gid() == BAND_GID]
    assert not [line for line in ax.get_lines() if line.get_gid() == PEER_GID]

    def week(value: float | None, withheld: str | None = None) -> MetricValue:
        start = datetime(2026, 11, 16, tzinfo=UTC)
        return MetricValue(
            "lead-time", "t", start, start, value, "hours", 6, "d", withheld_reason=withheld
        )

    answers = {
        "b": [week(1.0), week(2.0)],
        "c": [week(3.0), week(None)],
        "d": [week(5.0), week(4.0, "fewer than 5 people")],
    }
    assert peer_median(answers, 2) == (3.0, 2.0)


def test_headline_figures_carry_a_sparkline_their_n_and_week(glance: BotDeps) -> None:
    digest = _digest(glance)
    rendered = render_digest(digest)
    lines = rendered.blocks[1]["text"]["text"].splitlines()
    assert len(lines) == 4
    lead = next(line for line in lines if line.startswith("*Lead time*"))
    # the usual range by hand: the 12 weeks before W47 are 29 h x PATTERN (in some order);
    # their median 29 h, MAD 0.1 x 29 h = 2.9 h, scaled 4.30 h; ± 3 of it: 16.1 h to 41.9 h
    weeks = weekly_values("team-a", "lead_time", 8 + BASELINE_WEEKS)
    assert sorted(round(v or 0, 2) for v in weeks[-13:-1]) == sorted(
        round(29 * p, 2) for p in PATTERN
    )
    assert lead.startswith("*Lead time* 29 h within the usual range (16.1 h–41.9 h)  ")
    assert lead.endswith("  _n=12 PRs · W47_")
    expected = sparkline(weeks[-8:])
    assert expected in lead and len(expected) == 8 and expected[-1] in BARS
    assert all(" · W47_" in line and "_n=12 " in line for line in lines)
    window = rendered.blocks[2]["elements"][0]["text"]
    assert window.startswith("W47: Mon 16 Nov to Sun 22 Nov (Europe/Berlin)")
    assert check_blocks(rendered.blocks) == []


def test_sparkline_scales_lowest_to_highest_and_marks_gaps() -> None:
    assert sparkline([1.0, 2.0, None, 8.0]) == "▁▂·█"
    assert sparkline([5.0, 5.0]) == "▄▄"
    assert sparkline([None, 3.0]) == ""  # one week is not a trend


def test_method_paragraph_is_one_context_line_and_a_button(glance: BotDeps) -> None:
    ins = review_insight()
    blocks = insight_blocks(ins, interactive=True)
    shown = json.dumps(
        [b for b in blocks if b["type"] != "actions"], ensure_ascii=False
    )  # what people read
    assert ins.method not in shown and "bots excluded" not in shown
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert contexts[0] == (
        "6 h vs baseline 4 h · effect +50% [+28%, +73%] · PRs waited 3.5 working PR-days for "
        "a first review · n=12 · W47"
    )
    [buttons] = [b["elements"] for b in blocks if b["type"] == "actions"]
    assert [b["action_id"] for b in buttons] == [
        "feedback_up",
        "feedback_down",
        SHOW_METHOD,
        "insight_snooze",
        "experiment_try",
    ]
    note = MethodNote.decode(buttons[2]["value"])
    assert note.method == ins.method and note.insight_id == ins.id
    long = replace(ins, method="Window: the 12 weeks to W47. " * 150)  # 4350 characters
    value = next(
        e["value"]
        for b in insight_blocks(long, interactive=False)
        if b["type"] == "actions"
        for e in b["elements"]
    )
    assert len(value) <= MAX_BUTTON_VALUE
    assert MethodNote.decode(value).method.endswith("(shortened to fit a Slack button)")
    assert check_blocks(render_digest(_digest(glance)).blocks) == []


def test_how_this_was_computed_answers_only_the_person_who_asked(
    glance: BotDeps, slack: SlackFake
) -> None:
    from bot.digest import post_digest

    assert post_digest(glance, "team-a").status == "posted"
    msg = slack.messages("C0TEAMA001")[0]
    before = len(slack.messages("C0TEAMA001"))  # the digest and its chart in the thread
    button = next(
        e
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == SHOW_METHOD
    )
    sender = SlackRequestSender(SECRET)
    response_url = slack.new_response_url(
        channel="C0TEAMA001", message_ts=msg["ts"], user_id=MEMBER
    )
    with LocalServer(build_asgi(glance)) as url:
        resp = sender.block_action(
            f"{url}/slack/events",
            SHOW_METHOD,
            button["value"],
            user_id=MEMBER,
            channel_id="C0TEAMA001",
            message_ts=msg["ts"],
            message=msg,
            response_url=response_url,
        )
        assert resp.status_code == 200
        answer = slack.wait_for_response(response_url.rsplit("/", 1)[1])
    assert answer["response_type"] == "ephemeral" and answer.get("replace_original") is False
    method = review_insight().method
    assert method in answer["text"] and "Reviews wait 50% longer" in answer["text"]
    [note] = slack.ephemeral_messages("C0TEAMA001")
    assert note["user"] == MEMBER
    assert len(slack.messages("C0TEAMA001")) == before  # nothing posted in the channel
