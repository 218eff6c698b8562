"""The quarterly report's parts on the small test engine: quarters and checkpoints, how org
figures combine team figures, one text whatever the run (templates), the three formats
within their limits, one post per quarter with the chart in its thread, and the optional
rewrite against a local OpenAI-compatible fake: used when every figure survives it, the
template kept on a timeout, an error, an unreadable answer or a changed figure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.config.leaders import RewriteConfig
from bot.report.dora import combine
from bot.report.narrative import Narrative
from bot.report.post import post_report, produce
from bot.report.quarters import Quarter, QuarterError, checkpoints, last_full_quarter
from bot.report.render import markdown, to_html
from bot.report.rewrite import RewriteRefused, check, rewrite
from bot.slack.deps import BotDeps
from bot.slack.limits import ensure_blocks
from sandbox.fakes.openai import OpenAIFake
from sandbox.fakes.slack import SlackFake
from tests.bot.helpers import TinyEngine, make_deps, review_insight

Q3 = Quarter(2026, 3)
AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def test_quarters_their_bounds_and_checkpoints() -> None:
    assert Quarter.parse("2026q3") == Quarter.parse(" 2026-Q3 ") == Q3
    assert (Q3.previous.label, Q3.next.label, Quarter(2026, 1).previous.label) == (
        "2026Q2",
        "2026Q4",
        "2025Q4",
    )
    start, end = Q3.bounds("America/New_York")
    assert (start, end) == (
        datetime(2026, 7, 1, 4, tzinfo=UTC),
        datetime(2026, 10, 1, 4, tzinfo=UTC),
    )
    assert checkpoints(Q3) == ["2026-W39", "2026-W35", "2026-W31"]  # Sun 27 Sep is the last
    assert last_full_quarter(datetime(2026, 10, 1, 1, tzinfo=UTC), "Asia/Tokyo") == Q3
    assert last_full_quarter(datetime(2026, 10, 1, 1, tzinfo=UTC), "UTC") == Q3
    assert last_full_quarter(datetime(2026, 9, 30, 20, tzinfo=UTC), "Europe/Berlin") == Q3.previous
    with pytest.raises(QuarterError, match="write it as 2026Q3"):
        Quarter.parse("Q3 2026")


def test_org_figures_combine_team_figures_without_people() -> None:
    assert combine("rate", [(4.0, 20), (None, 0), (6.0, 30)]) == (10.0, 50)  # added up
    ratio, n = combine("ratio", [(0.1, 10), (0.3, 30)])  # failed over all deployments
    assert (round(ratio or 0, 3), n) == (0.25, 40)
    assert combine("other", [(10.0, 5), (30.0, 50), (20.0, 1)]) == (20.0, 56)  # teams' median
    assert combine("other", [(None, 0)]) == (None, 0)


@pytest.fixture
def deps(db_url: str, slack: SlackFake) -> Iterator[BotDeps]:
    flagged = {"team-a": [review_insight("2026-W39"), review_insight("2026-W35")]}
    d = make_deps(
        db_url,
        api_url=slack.base_url,
        tiny=TinyEngine(insights_for=flagged),
        clock=lambda: AT,
        migrate=False,
    )
    yield d
    d.engine.dispose()


def test_the_report_is_the_same_text_every_time_and_fits_each_format(deps: BotDeps) -> None:
    made = produce(deps, Q3)
    again = produce(deps, Q3)
    md = markdown(made.report, made.text)
    assert md == markdown(again.report, again.text)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[0] == "## What went well" and "## Where delivery gets stuck" in headings
    assert "## Early warnings on team health" in headings and "## Recommendations" in headings
    [b] = made.report.bottlenecks
    assert (b.kind, b.teams, b.pr_days) == ("review_bottleneck", ("Team A",), 3.5)
    assert "flagged at 2 of 3 checkpoints (2026-W39, 2026-W35)" in md
    assert "3 PR-days of waiting" in md or "4 PR-days of waiting" in md
    ensure_blocks(made.message.blocks, text=made.message.text)
    page = to_html(made.report, made.text, {"the organisation": made.chart or b""})
    assert made.chart and page.count('src="data:image/png;base64,') == 1
    assert "<script" not in page and "&lt;B&gt;" in page  # team names escaped


def test_posted_once_per_quarter_with_the_chart_in_its_thread(
    deps: BotDeps, slack: SlackFake
) -> None:
    first = post_report(deps)
    assert (first.status, first.week, first.team, first.channel) == (
        "posted",
        "2026Q3",
        "*",
        "C0LEADERS1",
    )
    assert post_report(deps).status == "already_sent"
    assert len(slack.calls_to("chat.postMessage")) == 1
    [upload] = slack.calls_to("files.completeUploadExternal")
    assert upload.args.get("thread_ts") == first.ts


def _config(url: str, **changes: object) -> RewriteConfig:
    return RewriteConfig(enabled=True, url=url, model="fake-1", timeout="2s").model_copy(
        update=changes
    )


@pytest.fixture
def template(deps: BotDeps) -> Narrative:
    return produce(deps, Q3).text


def test_the_rewrite_rewords_paragraphs_only_and_keeps_every_figure(template: Narrative) -> None:
    fake = OpenAIFake()
    with fake as url:
        done = rewrite(template, _config(url), fake.api_key)
    assert done.rewritten and "Reworded by fake-1" in done.note
    assert done.paragraphs()[0].startswith("Here is 2026Q3") and done.sections[0].bullets == (
        template.sections[0].bullets
    )
    [sent] = fake.requests
    assert sent["headers"]["authorization"] == f"Bearer {fake.api_key}"
    user = json.loads(sent["body"]["messages"][1]["content"])
    assert list(user) == ["paragraphs"] and user["paragraphs"] == template.paragraphs()
    bullets = [b for s in template.sections for b in s.bullets]
    assert not any(b in sent["body"]["messages"][1]["content"] for b in bullets if len(b) > 30)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("drop_numbers", "figures changed or dropped"),
        ("garbage", "not the JSON asked for"),
        ("error", "HTTP 500"),
        ("wrong_count", "paragraphs back"),
        ("slow", "no answer within 1 s"),
        ("unauthorized", "HTTP 401"),
    ],
)
def test_the_template_stands_when_the_rewrite_cannot(
    template: Narrative, mode: str, says: str
) -> None:
    fake = OpenAIFake(mode=mode, delay=3.0)
    key = "wrong" if mode == "unauthorized" else fake.api_key
    with fake as url:
        done = rewrite(template, _config(url, timeout="1s"), key)
    assert not done.rewritten and done.sections == template.sections
    assert says in done.note and done.note.startswith("Written from fixed templates")


def test_the_rewrite_is_off_by_default_and_never_called(template: Narrative) -> None:
    fake = OpenAIFake()
    with fake as url:
        assert rewrite(template, RewriteConfig(url=url), fake.api_key) is template
    assert fake.requests == []


def test_a_figure_lost_in_the_rewrite_refuses_it() -> None:
    with pytest.raises(RewriteRefused, match="41"):
        check(["Deployments rose 41% to 12.5 a week."], ["Deployments rose a lot."])
    assert check(["Up 41%, 12.5 a week."], ["A rise of 41% (12.5 a week)."]) == [
        "A rise of 41% (12.5 a week)."
    ]
