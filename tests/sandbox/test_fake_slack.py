"""The Slack fake, driven by the real slack_sdk WebClient over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from sandbox.fakes.slack import (
    DEFAULT_TOKEN,
    SlackFake,
    find_spec_path,
    load_methods,
    serve,
    validate_blocks,
)

Served = tuple[SlackFake, str]


@pytest.fixture
def served() -> Iterator[Served]:
    fake = SlackFake()
    fake.add_channel("C0TEAMA001", "team-a")
    fake.add_user("U0ALICE001", "alice", real_name="Alice A", tz="Europe/Berlin")
    with serve(fake) as url:
        yield fake, url


def client(url: str, token: str = DEFAULT_TOKEN, **kwargs: object) -> WebClient:
    return WebClient(token=token, base_url=url + "/api/", **kwargs)  # type: ignore[arg-type]


def api_error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


# ------------------------------------------------------------------ messages


def test_post_message_is_stored_with_unique_increasing_ts(served: Served) -> None:
    fake, url = served
    web = client(url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Deploys* 12/week"}}]
    first = web.chat_postMessage(channel="#team-a", text="digest", blocks=blocks)
    second = web.chat_postMessage(channel="C0TEAMA001", text="again")
    reply = web.chat_postMessage(channel="C0TEAMA001", text="detail", thread_ts=first["ts"])

    assert first["channel"] == "C0TEAMA001"
    assert first["message"]["blocks"] == blocks
    assert first["ts"] < second["ts"] < reply["ts"]
    msgs = fake.messages("team-a")
    assert [m["text"] for m in msgs] == ["digest", "again", "detail"]
    assert msgs[0]["reply_count"] == 1
    assert fake.replies("C0TEAMA001", first["ts"])[0]["text"] == "detail"
    call = fake.calls_to("chat.postMessage")[0]
    assert call.token == DEFAULT_TOKEN
    assert call.args["channel"] == "#team-a"


def test_ts_is_unique_even_with_a_frozen_clock() -> None:
    with SlackFake(clock=lambda: 1_700_000_000.0) as fake:  # serves itself, like other fakes
        assert fake.base_url is not None
        web = client(fake.base_url)
        stamps = [web.chat_postMessage(channel="general", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(set(stamps))
    assert stamps[0] == "1700000000.000000"


def test_update_replaces_text_and_blocks(served: Served) -> None:
    fake, url = served
    web = client(url)
    posted = web.chat_postMessage(channel="C0TEAMA001", text="v1")
    new_blocks = [{"type": "header", "text": {"type": "plain_text", "text": "v2"}}]
    updated = web.chat_update(channel="C0TEAMA001", ts=posted["ts"], text="v2", blocks=new_blocks)

    assert updated["ts"] == posted["ts"]
    (msg,) = fake.messages("C0TEAMA001")
    assert msg["text"] == "v2"
    assert msg["blocks"] == new_blocks
    assert "edited" in msg

    with pytest.raises(SlackApiError) as exc:
        web.chat_update(channel="C0TEAMA001", ts="1.000001", text="x")
    assert api_error(exc) == "message_not_found"


def test_ephemeral_goes_to_one_user_and_not_the_channel(served: Served) -> None:
    fake, url = served
    web = client(url)
    resp = web.chat_postEphemeral(channel="C0TEAMA001", user="U0ALICE001", text="only you")
    assert resp["message_ts"]
    assert fake.messages("C0TEAMA001") == []
    (eph,) = fake.ephemeral_messages("C0TEAMA001")
    assert (eph["user"], eph["text"]) == ("U0ALICE001", "only you")
    with pytest.raises(SlackApiError) as exc:
        web.chat_postEphemeral(channel="C0TEAMA001", user="U0NOBODY01", text="x")
    assert api_error(exc) == "user_not_in_channel"


def test_permalink_info_list_users_and_auth(served: Served) -> None:
    fake, url = served
    web = client(url)
    posted = web.chat_postMessage(channel="C0TEAMA001", text="hello")
    link = web.chat_getPermalink(channel="C0TEAMA001", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C0TEAMA001/p" + posted["ts"].replace(".", ""))

    assert web.conversations_info(channel="C0TEAMA001")["channel"]["name"] == "team-a"
    with pytest.raises(SlackApiError) as exc:
        web.conversations_info(channel="C0MISSING1")
    assert api_error(exc) == "channel_not_found"

    for i in range(5):
        fake.add_channel(f"C0EXTRA{i:03d}", f"extra-{i}")
    names: list[str] = []
    for page in web.conversations_list(limit=3):  # slack_sdk follows next_cursor
        names += [c["name"] for c in page["channels"]]
    assert sorted(names) == sorted(["general", "team-a"] + [f"extra-{i}" for i in range(5)])

    user = web.users_info(user="U0ALICE001")["user"]
    assert (user["name"], user["tz"], user["tz_offset"] in (3600, 7200)) == (
        "alice",
        "Europe/Berlin",
        True,
    )
    auth = web.auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == (
        fake.bot_user_id,
        fake.team_id,
        fake.bot_id,
    )


def test_views_publish_and_open(served: Served) -> None:
    fake, url = served
    web = client(url)
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    resp = web.views_publish(user_id="U0ALICE001", view=home)
    assert resp["view"]["type"] == "home" and resp["view"]["id"].startswith("V")
    assert fake.home_views["U0ALICE001"]["blocks"] == home["blocks"]

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Annotate"}, "blocks": []}
    web.views_open(trigger_id="123.456.abc", view=modal)
    assert fake.opened_views[0]["trigger_id"] == "123.456.abc"

    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackApiError) as exc:
        web.views_publish(user_id="U0ALICE001", view=too_many)
    assert api_error(exc) == "invalid_arguments"


def _radio(initial: str = "b") -> dict[str, object]:
    options = [{"text": {"type": "plain_text", "text": t.upper()}, "value": t} for t in ("a", "b")]
    return {
        "type": "radio_buttons",
        "action_id": "pick",
        "options": options,
        "initial_option": {
            "text": {"type": "plain_text", "text": initial.upper()},
            "value": initial,
        },
    }


def test_a_modal_with_inputs_is_checked_as_slack_checks_it(served: Served) -> None:
    fake, url = served
    web = client(url)
    good = {
        "type": "modal",
        "callback_id": "why",
        "title": {"type": "plain_text", "text": "Why not useful?"},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": "x" * 3000,
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Reason"},
                "element": _radio(),
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {"type": "plain_text_input", "action_id": "t", "max_length": 500},
            },
        ],
    }
    web.views_open(trigger_id="1.2.x", view=good)
    assert fake.opened_views[-1]["callback_id"] == "why"
    inputs = good["blocks"]
    bad_cases = {
        "/view/title/text": {**good, "title": {"type": "plain_text", "text": "x" * 25}},
        "submit is required": {k: v for k, v in good.items() if k != "submit"},
        "/view/private_metadata": {**good, "private_metadata": "x" * 3001},
        "/view/blocks/0/element/initial_option": {
            **good,
            "blocks": [{**inputs[0], "element": _radio("z")}, inputs[1]],  # type: ignore[index]
        },
        "/view/blocks/1/element/max_length": {
            **good,
            "blocks": [
                inputs[0],  # type: ignore[index]
                {**inputs[1], "element": {"type": "plain_text_input", "max_length": 3001}},  # type: ignore[index]
            ],
        },
        "/view/blocks/0/label": {
            **good,
            "blocks": [{k: v for k, v in inputs[0].items() if k != "label"}],  # type: ignore[index,union-attr]
        },
    }
    for where, view in bad_cases.items():
        with pytest.raises(SlackApiError) as exc:
            web.views_open(trigger_id="1.2.x", view=view)
        assert api_error(exc) == "invalid_arguments", where
        messages = exc.value.response["response_metadata"]["messages"]
        assert any(where in m for m in messages), (where, messages)
    assert len(fake.opened_views) == 1


# ------------------------------------------------------------------ files


def test_files_upload_v2_end_to_end(served: Served) -> None:
    fake, url = served
    web = client(url)
    png = bytes(range(256)) * 40
    resp = web.files_upload_v2(
        channel="C0TEAMA001",
        content=png,
        filename="trend.png",
        title="Lead time trend",
        initial_comment="This week's chart",
    )

    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    file_id = resp["file"]["id"]
    stored = fake.files[file_id]
    assert stored.content == png
    assert (stored.title, stored.completed, stored.channels) == (
        "Lead time trend",
        True,
        ["C0TEAMA001"],
    )
    (msg,) = fake.messages("C0TEAMA001")
    assert msg["text"] == "This week's chart"
    assert msg["files"][0]["id"] == file_id
    assert httpx.get(resp["file"]["url_private"]).content == png


def test_complete_upload_without_upload_is_rejected(served: Served) -> None:
    _, url = served
    web = client(url)
    ticket = web.files_getUploadURLExternal(filename="a.csv", length=10)
    assert ticket["upload_url"] == f"{url}/upload/{ticket['file_id']}"
    with pytest.raises(SlackApiError) as exc:
        web.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "a"}])
    assert api_error(exc) == "file_not_found"
    with pytest.raises(SlackApiError) as exc:
        web.files_completeUploadExternal(files=[{"id": "F404", "title": "a"}])
    assert api_error(exc) == "file_not_found"
    with pytest.raises(SlackApiError) as exc:
        web.api_call("files.getUploadURLExternal", params={"filename": "a.csv"})
    assert api_error(exc) == "invalid_arguments"


# ------------------------------------------------------------------ block kit limits


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(**kw: str) -> dict[str, object]:
    return {"type": "button", "text": {"type": "plain_text", "text": "ok"}, **kw}


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * 51, "/blocks]"),
        ([section("x" * 3001)], "/blocks/0/text/text]"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "/blocks/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button(action_id="a", value="v" * 2001)]}],
            "/elements/0/value]",
        ),
        (
            [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
            "/elements/0/action_id]",
        ),
        ([{**section("x"), "block_id": "b" * 256}], "/blocks/0/block_id]"),
        ([{"type": "no_such_block"}], "/blocks/0]"),
    ],
    ids=[
        "51-blocks",
        "section-3001",
        "header-151",
        "value-2001",
        "action-id-256",
        "block-id-256",
        "type",
    ],
)
def test_block_limits_are_rejected_like_slack(
    served: Served, blocks: list[dict[str, Any]], pointer: str
) -> None:
    fake, url = served
    web = client(url)
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C0TEAMA001", text="t", blocks=blocks)
    assert api_error(exc) == "invalid_blocks"
    messages = exc.value.response["response_metadata"]["messages"]
    assert any(m.startswith("[ERROR]") and m.endswith(pointer) for m in messages), messages
    assert fake.messages("C0TEAMA001") == []


def test_blocks_at_the_limits_are_accepted_also_as_json_string(served: Served) -> None:
    fake, url = served
    blocks = [section("x" * 3000)] * 49 + [
        {
            "type": "actions",
            "block_id": "b" * 255,
            "elements": [button(action_id="a" * 255, value="v" * 2000)],
        }
    ]
    # Form-encoded, the way older code and curl send it: blocks as a JSON string.
    resp = httpx.post(
        f"{url}/api/chat.postMessage",
        data={"channel": "C0TEAMA001", "text": "t", "blocks": json.dumps(blocks)},
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    )
    assert resp.json()["ok"] is True
    assert len(fake.messages("C0TEAMA001")[0]["blocks"]) == 50
    assert validate_blocks(json.dumps(blocks)) == []


def test_text_limits(served: Served) -> None:
    _, url = served
    web = client(url)
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C0TEAMA001", text="x" * 40_001)
    assert api_error(exc) == "msg_too_long"
    with pytest.raises(SlackApiError) as exc:
        web.api_call("chat.postMessage", json={"channel": "C0TEAMA001"})  # sdk would warn
    assert api_error(exc) == "no_text"


# ------------------------------------------------------------------ protocol errors


def test_unknown_method_bad_token_and_missing_args(served: Served) -> None:
    fake, url = served
    with pytest.raises(SlackApiError) as exc:
        client(url).api_call("chat.postMessagez", json={"channel": "C0TEAMA001", "text": "x"})
    assert api_error(exc) == "unknown_method"

    with pytest.raises(SlackApiError) as exc:
        client(url, token="xoxb-not-valid").chat_postMessage(channel="C0TEAMA001", text="x")
    assert api_error(exc) == "invalid_auth"

    anonymous = httpx.post(f"{url}/api/auth.test").json()
    assert anonymous == {"ok": False, "error": "not_authed"}

    web = client(url)
    with pytest.raises(SlackApiError) as exc:
        web.api_call("chat.postMessage", json={"text": "no channel"})
    assert api_error(exc) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc:
        web.api_call("views.open", json={"view": {"type": "modal"}})
    assert api_error(exc) == "invalid_arguments"
    assert (
        "missing required field: trigger_id"
        in exc.value.response["response_metadata"]["messages"][0]
    )
    assert [c.error for c in fake.calls] == [
        "unknown_method",
        "invalid_auth",
        "not_authed",
        "channel_not_found",
        "invalid_arguments",
    ]


def test_every_spec_method_is_known_and_unimplemented_ones_answer_in_spec_shape(
    served: Served,
) -> None:
    _, url = served
    methods = load_methods(str(find_spec_path()))
    assert len(methods) > 170
    assert "files.completeUploadExternal" in methods
    assert methods["chat.postMessage"].required == ("channel",)
    resp = client(url).api_call(
        "reactions.add", json={"channel": "C0TEAMA001", "name": "x", "timestamp": "1.0"}
    )
    assert resp["ok"] is True


# ------------------------------------------------------------------ injected failures


def test_429_then_success_with_rate_limit_retry_handler(served: Served) -> None:
    fake, url = served
    fake.rate_limit_next(1, retry_after=1)
    web = client(url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    started = time.monotonic()
    resp = web.chat_postMessage(channel="C0TEAMA001", text="after the wait")
    assert resp["ok"] is True
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages("C0TEAMA001")) == 1


def test_429_without_retry_handler_surfaces_retry_after(served: Served) -> None:
    fake, url = served
    fake.rate_limit_next(1, retry_after=7, method="chat.postMessage")
    web = client(url, retry_handlers=[])
    web.auth_test()  # other methods are not limited
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C0TEAMA001", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["retry-after"] == "7"
    assert exc.value.response["error"] == "ratelimited"


def test_500_then_success_with_server_error_retry_handler(served: Served) -> None:
    fake, url = served
    fake.fail_next(1, status=500)
    web = client(url, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    assert web.auth_test()["ok"] is True
    assert [c.status for c in fake.calls] == [500, 200]


# ------------------------------------------------------------------ response_url


def test_response_url_capture_and_effects(served: Served) -> None:
    fake, url = served
    posted = client(url).chat_postMessage(channel="C0TEAMA001", text="digest")
    plain = fake.new_response_url()
    replace = fake.new_response_url(channel="C0TEAMA001", message_ts=posted["ts"])
    shout = fake.new_response_url(channel="C0TEAMA001")

    assert httpx.post(plain, json={"text": "only you"}).json() == {"ok": True}
    httpx.post(replace, json={"replace_original": True, "text": "thanks for the feedback"})
    httpx.post(shout, json={"response_type": "in_channel", "text": "for all"})
    bad = httpx.post(shout, json={"response_type": "in_channel", "blocks": [section("x" * 3001)]})

    assert bad.status_code == 400
    assert fake.responses[plain.rsplit("/", 1)[1]] == {"text": "only you"}
    assert fake.wait_for_response(plain.rsplit("/", 1)[1])["text"] == "only you"
    texts = [m["text"] for m in fake.messages("C0TEAMA001")]
    assert texts == ["thanks for the feedback", "for all"]
    with pytest.raises(TimeoutError):
        fake.wait_for_response("R999999", timeout=0.05)


# ------------------------------------------------------------------ documented shapes

_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict,
    "array": list,
    "number": (int, float),
    "null": type(None),
}


def shape_problems(schema: Any, value: Any, defs: dict[str, Any], path: str = "") -> list[str]:
    """Required keys and JSON types of `value` against an OpenAPI 2 schema (enough for Slack's)."""
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(schema.get("items"), list) and "type" not in schema:
        schema = {"anyOf": schema["items"]}  # how Slack's file spells "one of" for objects
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [shape_problems(b, value, defs, path) for b in schema[key]]
            return [] if any(not b for b in branches) else min(branches, key=len)
    if "allOf" in schema:
        return [p for b in schema["allOf"] for p in shape_problems(b, value, defs, path)]
    kinds = schema.get("type")
    if kinds:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if isinstance(value, bool) and "boolean" not in kinds:
            return [f"{path}: bool is not {kinds}"]
        if not any(isinstance(value, _JSON_TYPES[k]) for k in kinds):
            return [f"{path}: {type(value).__name__} is not {kinds}"]
    out: list[str] = []
    if isinstance(value, dict):
        out += [f"{path}/{k}: missing" for k in schema.get("required", []) if k not in value]
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                out += shape_problems(sub, value[k], defs, f"{path}/{k}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += shape_problems(schema["items"], item, defs, f"{path}/{i}")
    return out


def test_answers_have_the_shape_slacks_spec_documents(served: Served) -> None:
    _, url = served
    spec = json.loads(find_spec_path().read_text())
    web = client(url)
    section = [{"type": "section", "text": {"type": "mrkdwn", "text": "y"}}]
    posted = web.chat_postMessage(channel="C0TEAMA001", text="x", blocks=section)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    answers = {
        "auth.test": web.auth_test(),
        "chat.postMessage": posted,
        "chat.update": web.chat_update(channel="C0TEAMA001", ts=posted["ts"], text="z"),
        "chat.postEphemeral": web.chat_postEphemeral(
            channel="C0TEAMA001", user="U0ALICE001", text="e"
        ),
        "chat.getPermalink": web.chat_getPermalink(channel="C0TEAMA001", message_ts=posted["ts"]),
        "conversations.info": web.conversations_info(channel="C0TEAMA001"),
        "conversations.list": web.conversations_list(),
        "users.info": web.users_info(user="U0ALICE001"),
        "views.publish": web.views_publish(
            user_id="U0ALICE001", view={"type": "home", "blocks": []}
        ),
        "views.open": web.views_open(trigger_id="1.2.x", view=modal),
    }
    for method, answer in answers.items():
        (operation,) = spec["paths"]["/" + method].values()
        schema = operation["responses"]["200"]["schema"]
        problems = shape_problems(schema, answer.data, spec["definitions"])
        # Slack's file types chat.update's message.blocks as an object; Slack sends an array.
        problems = [p for p in problems if p != "/message/blocks: list is not ['object']"]
        assert problems == [], (method, problems)


# ------------------------------------------------------------------ workspace model


def test_membership_archive_and_direct_messages(served: Served) -> None:
    fake, url = served
    fake.add_channel("C0OUTSIDE1", "outside", is_member=False)
    fake.add_channel("C0OLD00001", "old", is_archived=True)
    web = client(url)
    for channel, error in [("outside", "not_in_channel"), ("C0OLD00001", "is_archived")]:
        with pytest.raises(SlackApiError) as exc:
            web.chat_postMessage(channel=channel, text="x")
        assert api_error(exc) == error

    dm = web.chat_postMessage(channel="U0ALICE001", text="just you")
    assert dm["channel"].startswith("D")
    assert [m["text"] for m in fake.messages(dm["channel"])] == ["just you"]
    assert web.conversations_info(channel=dm["channel"])["channel"]["user"] == "U0ALICE001"


def test_add_org_seeds_team_channels_and_people_with_stable_ids() -> None:
    org: Any = {
        "teams": [{"slug": "team-a"}, {"slug": "team-b"}],
        "people": [
            {"login": "ada", "name": "Ada L", "tz": "Europe/London", "is_bot": False},
            {"login": "renovate[bot]", "name": "Renovate", "tz": "UTC", "is_bot": True},
        ],
    }
    first, second = SlackFake(), SlackFake()
    ids = first.add_org(org)
    assert ids == second.add_org(org)
    assert list(ids) == ["ada"] and ids["ada"].startswith("U")
    with serve(first) as url:
        web = client(url)
        assert web.users_info(user=ids["ada"])["user"]["real_name"] == "Ada L"
        names = {c["name"] for c in web.conversations_list()["channels"]}
    assert {"team-a", "team-b"} <= names


def test_multipart_and_malformed_bodies(served: Served) -> None:
    fake, url = served
    auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    multipart = httpx.post(
        f"{url}/api/chat.postMessage",
        files={"channel": (None, "C0TEAMA001"), "text": (None, "from multipart")},
        headers=auth,
    )
    assert multipart.json()["ok"] is True
    assert fake.messages("C0TEAMA001")[0]["text"] == "from multipart"

    def post_raw(content: bytes, ctype: str) -> str:
        headers = {**auth, "Content-Type": ctype}
        resp = httpx.post(f"{url}/api/chat.postMessage", content=content, headers=headers)
        return str(resp.json()["error"])

    assert post_raw(b"{not json", "application/json") == "invalid_json"
    assert post_raw(b"[1, 2]", "application/json") == "json_not_object"
    form = b"channel=C0TEAMA001&text=x&blocks=%5Bnot+json"
    assert post_raw(form, "application/x-www-form-urlencoded") == "invalid_blocks_format"
    token_in_form = httpx.post(
        f"{url}/api/auth.test", data={"token": DEFAULT_TOKEN}
    )  # legacy: token as an argument
    assert token_in_form.json()["ok"] is True
