"""The Slack fake's message metadata, conversations.history and conversations.open, driven by
the real slack_sdk WebClient and checked against Slack's OpenAPI description."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.fakes.slack import DEFAULT_TOKEN, SlackFake, find_spec_path, serve
from tests.sandbox.test_fake_slack import shape_problems

META = {"event_type": "metrics_bot_digest", "event_payload": {"digest_id": "team-a/2026-W47"}}


@pytest.fixture
def web() -> Iterator[tuple[SlackFake, WebClient]]:
    fake = SlackFake()
    fake.add_channel("C0TEAMA001", "team-a")
    fake.add_user("U0ALICE001", "alice")
    with serve(fake) as url:
        yield fake, WebClient(token=DEFAULT_TOKEN, base_url=url + "/api/")


def test_history_is_newest_first_paginated_and_has_slacks_shape(
    web: tuple[SlackFake, WebClient],
) -> None:
    _, client = web
    posted = [client.chat_postMessage(channel="C0TEAMA001", text=f"m{i}")["ts"] for i in range(5)]
    client.chat_postMessage(channel="C0TEAMA001", text="reply", thread_ts=posted[0])
    first = client.conversations_history(channel="C0TEAMA001", limit=2)
    assert [m["ts"] for m in first["messages"]] == posted[::-1][:2]
    assert first["has_more"] and first["response_metadata"]["next_cursor"]
    seen = [m["ts"] for m in first["messages"]]
    cursor = first["response_metadata"]["next_cursor"]
    while cursor:
        page = client.conversations_history(channel="C0TEAMA001", limit=2, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == posted[::-1]  # thread replies are not channel history
    window = client.conversations_history(channel="C0TEAMA001", oldest=posted[3])
    assert [m["ts"] for m in window["messages"]] == [posted[4]]
    inclusive = client.conversations_history(channel="C0TEAMA001", oldest=posted[3], inclusive=True)
    assert [m["ts"] for m in inclusive["messages"]] == [posted[4], posted[3]]
    spec = json.loads(find_spec_path().read_text())
    (operation,) = spec["paths"]["/conversations.history"].values()
    schema = operation["responses"]["200"]["schema"]
    assert shape_problems(schema, first.data, spec["definitions"]) == []
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel="team-a")  # ids only, as Slack
    assert exc.value.response["error"] == "channel_not_found"


def test_metadata_is_kept_and_returned_only_when_asked(web: tuple[SlackFake, WebClient]) -> None:
    _, client = web
    client.chat_postMessage(channel="C0TEAMA001", text="digest", metadata=META)
    plain = client.conversations_history(channel="C0TEAMA001")["messages"][0]
    full = client.conversations_history(channel="C0TEAMA001", include_all_metadata=True)
    assert "metadata" not in plain
    assert full["messages"][0]["metadata"] == META
    for bad in ({"event_payload": {}}, {"event_type": "has space", "event_payload": {}}, "{x"):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C0TEAMA001", text="x", metadata=bad)  # type: ignore[arg-type]
        assert exc.value.response["error"] == "invalid_metadata_format"


def test_conversations_open_gives_the_dm_whose_history_holds_the_message(
    web: tuple[SlackFake, WebClient],
) -> None:
    _, client = web
    opened = client.conversations_open(users="U0ALICE001")
    sent = client.chat_postMessage(channel="U0ALICE001", text="hi", metadata=META)
    assert sent["channel"] == opened["channel"]["id"]
    again = client.conversations_open(users="U0ALICE001")
    assert again["already_open"] and again["channel"]["id"] == opened["channel"]["id"]
    history = client.conversations_history(channel=opened["channel"]["id"])
    assert [m["ts"] for m in history["messages"]] == [sent["ts"]]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_open(users="U0NOBODY01")
    assert exc.value.response["error"] == "user_not_found"


def test_a_held_answer_has_taken_effect_before_it_is_released(
    web: tuple[SlackFake, WebClient],
) -> None:
    fake, client = web
    fake.hold_answer_next(1, method="chat.postMessage")
    answers: list[str] = []
    caller = threading.Thread(
        target=lambda: answers.append(client.chat_postMessage(channel="C0TEAMA001", text="x")["ts"])
    )
    caller.start()
    assert fake.wait_for(lambda: fake.holding == 1)
    assert len(fake.messages("C0TEAMA001")) == 1 and answers == []
    fake.release_held()
    caller.join(timeout=10)
    assert answers == [fake.messages("C0TEAMA001")[0]["ts"]]
