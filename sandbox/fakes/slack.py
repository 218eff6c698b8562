"""A local fake of Slack's Web API, checked against Slack's own published method list.

`SlackFake` is a Starlette app: serve it with any ASGI runner and point
`slack_sdk.WebClient(base_url=f"{url}/api/")` at it. It answers the way slack.com does:
- every method in Slack's OpenAPI description exists, anything else is `unknown_method`;
- the token comes from `Authorization: Bearer` (or a `token` argument) and must be one of the
  configured tokens (`not_authed` / `invalid_auth`);
- arguments marked required in the description are enforced;
- Block Kit limits are enforced with Slack's error codes (`invalid_blocks`, `msg_too_long`);
- it can answer 429 + `Retry-After` or 500 for the next calls, to exercise retry handlers,
  cut an answer short (`lose_answer_next`), or hold it back until released
  (`hold_answer_next`: the call took effect, the caller is still waiting, so a test can kill
  the caller at exactly that point);
- messages keep their `metadata` (event_type + event_payload), which `conversations.history`
  returns with `include_all_metadata`, newest first, paginated by cursor.

It also keeps what the bot did so tests can read it: `calls`, `messages(channel)`, `files`,
published views, and the bodies the bot sent to `response_url`s.

Routes:
    /api/{method}           Web API (GET or POST; form, multipart or JSON bodies)
    POST /upload/{file_id}  the `upload_url` handed out by files.getUploadURLExternal
    GET  /files/{file_id}   the uploaded bytes (what `url_private` points at)
    POST /response/{id}     a `response_url` capture endpoint (what Bolt's `respond()` hits)
"""

from __future__ import annotations

import asyncio
import base64
import copy
import email.parser
import email.policy
import functools
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.fakes.server import LocalServer
from sandbox.world import Org

_T = TypeVar("_T")
SPEC_NAME = "slack-web-api-openapi-v2.json"
DEFAULT_TOKEN = "xoxb-fake-bot-token"

# files.getUploadURLExternal and files.completeUploadExternal replaced files.upload in 2022,
# after the published OpenAPI file was frozen (see sandbox/schemas/PROVENANCE.md). Described
# here from Slack's method docs: required arguments, the errors this fake can return, and
# the success shape.
EXTRA_METHODS: dict[str, dict[str, Any]] = {
    "files.getUploadURLExternal": {
        "required": ["filename", "length"],
        "errors": ["invalid_arguments", "invalid_length", "not_authed", "invalid_auth"],
        "example": {
            "ok": True,
            "upload_url": "https://files.slack.com/upload/v1/ABC",
            "file_id": "F0ABC",
        },
    },
    "files.completeUploadExternal": {
        "required": ["files"],
        "errors": [
            "invalid_arguments",
            "file_not_found",
            "channel_not_found",
            "not_authed",
            "invalid_auth",
        ],
        "example": {"ok": True, "files": [{"id": "F0ABC", "title": "report.png"}]},
    },
}

# A missing required argument is reported with the method's own error for that argument
# when Slack documents one, else with the generic `invalid_arguments`.
_MISSING_ARG_ERRORS = {
    "channel": "channel_not_found",
    "user": "user_not_found",
    "ts": "message_not_found",
    "message_ts": "message_not_found",
}

# Block Kit limits (https://api.slack.com/reference/block-kit/blocks and .../block-elements).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
_KNOWN_BLOCKS = {
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "image",
    "input",
    "rich_text",
    "file",
    "video",
    "markdown",
}


# ---------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class MethodSpec:
    """What the fake needs to know about one Web API method."""

    name: str
    required: tuple[str, ...]
    errors: frozenset[str]
    example: dict[str, Any]


def find_spec_path() -> Path:
    """Slack's OpenAPI file as shipped in `sandbox/schemas` (provenance in its PROVENANCE.md)."""
    from sandbox.schemas import schema_path

    return schema_path(SPEC_NAME)


@functools.lru_cache(maxsize=4)
def load_methods(spec_path: str) -> dict[str, MethodSpec]:
    """Parse the OpenAPI file once into {method name: MethodSpec}, plus EXTRA_METHODS."""
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    methods: dict[str, MethodSpec] = {}
    for path, ops in spec["paths"].items():
        name = path.lstrip("/")
        for op in ops.values():
            required = tuple(
                p["name"]
                for p in op.get("parameters", [])
                if p.get("required") and p["name"] != "token"
            )
            responses = op.get("responses", {})
            default = responses.get("default", {})
            enum = default.get("schema", {}).get("properties", {}).get("error", {}).get("enum", [])
            example = responses.get("200", {}).get("examples", {}).get("application/json", {})
            methods[name] = MethodSpec(name, required, frozenset(enum), example)
    for name, extra in EXTRA_METHODS.items():
        methods[name] = MethodSpec(
            name, tuple(extra["required"]), frozenset(extra["errors"]), extra["example"]
        )
    return methods


# ---------------------------------------------------------------------------- block kit


class SlackError(Exception):
    """A Web API error answer: `{"ok": false, "error": code, ...}` with an HTTP status."""

    def __init__(
        self, code: str, *, status: int = 200, messages: list[str] | None = None, **extra: Any
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.messages = messages or []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"ok": False, "error": self.code, **self.extra}
        if self.messages:
            doc["response_metadata"] = {"messages": self.messages}
        return doc


def _too_long(limit: int, pointer: str) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _check_len(value: Any, limit: int, pointer: str, out: list[str], *, min_len: int = 0) -> None:
    if not isinstance(value, str):
        return
    if len(value) > limit:
        out.append(_too_long(limit, pointer))
    elif len(value) < min_len:
        out.append(f"[ERROR] must be more than {min_len - 1} characters [json-pointer:{pointer}]")


def _check_text_obj(obj: Any, limit: int, pointer: str, out: list[str], *, plain: bool) -> None:
    if not isinstance(obj, dict) or "text" not in obj:
        out.append(f"[ERROR] missing required field: text [json-pointer:{pointer}]")
        return
    allowed = {"plain_text"} if plain else {"plain_text", "mrkdwn"}
    if obj.get("type") not in allowed:
        out.append(f"[ERROR] must be one of {sorted(allowed)} [json-pointer:{pointer}/type]")
    _check_len(obj.get("text"), limit, f"{pointer}/text", out, min_len=1)


def _check_element(el: Any, pointer: str, out: list[str]) -> None:
    if not isinstance(el, dict):
        out.append(f"[ERROR] must be an object [json-pointer:{pointer}]")
        return
    _check_len(el.get("action_id"), 255, f"{pointer}/action_id", out)
    if el.get("type") == "button":
        _check_text_obj(el.get("text"), 75, f"{pointer}/text", out, plain=True)
        _check_len(el.get("value"), 2000, f"{pointer}/value", out)
        _check_len(el.get("url"), 3000, f"{pointer}/url", out)


# Input blocks and their elements (https://docs.slack.dev/reference/block-kit/blocks/input-block,
# .../block-elements/radio-button-group-element, .../plain-text-input-element,
# .../composition-objects/option-object): the limits Slack enforces on what the bot sends.
_INPUT_ELEMENTS = {
    "plain_text_input",
    "radio_buttons",
    "checkboxes",
    "static_select",
    "multi_static_select",
    "datepicker",
    "timepicker",
    "number_input",
    "email_text_input",
    "url_text_input",
    "users_select",
    "conversations_select",
    "channels_select",
}


def _check_option(opt: Any, pointer: str, out: list[str], *, plain: bool) -> None:
    if not isinstance(opt, dict):
        out.append(f"[ERROR] must be an object [json-pointer:{pointer}]")
        return
    _check_text_obj(opt.get("text"), 75, f"{pointer}/text", out, plain=plain)
    if not isinstance(opt.get("value"), str):
        out.append(f"[ERROR] missing required field: value [json-pointer:{pointer}]")
    _check_len(opt.get("value"), 150, f"{pointer}/value", out, min_len=1)


def _check_options(el: dict[str, Any], pointer: str, out: list[str], *, most: int) -> None:
    options = el.get("options")
    if not isinstance(options, list) or not 1 <= len(options) <= most:
        out.append(f"[ERROR] must hold 1 to {most} options [json-pointer:{pointer}/options]")
        return
    plain = el.get("type") not in ("radio_buttons", "checkboxes")
    for j, opt in enumerate(options):
        _check_option(opt, f"{pointer}/options/{j}", out, plain=plain)
    initial = el.get("initial_option")
    if initial is not None and initial not in options:
        out.append(f"[ERROR] must match one of the options [json-pointer:{pointer}/initial_option]")


def _check_input_element(el: Any, pointer: str, out: list[str]) -> None:
    if not isinstance(el, dict) or el.get("type") not in _INPUT_ELEMENTS:
        out.append(f"[ERROR] failed to match all allowed schemas [json-pointer:{pointer}]")
        return
    _check_len(el.get("action_id"), 255, f"{pointer}/action_id", out)
    kind = el["type"]
    if kind == "plain_text_input":
        for name in ("min_length", "max_length"):
            value = el.get(name)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                out.append(f"[ERROR] must be 0 to 3000 [json-pointer:{pointer}/{name}]")
        if "placeholder" in el:
            _check_text_obj(el["placeholder"], 150, f"{pointer}/placeholder", out, plain=True)
    elif kind in ("radio_buttons", "checkboxes"):
        _check_options(el, pointer, out, most=10)
    elif kind in ("static_select", "multi_static_select"):
        _check_options(el, pointer, out, most=100)


def _check_input(block: dict[str, Any], pointer: str, out: list[str]) -> None:
    _check_text_obj(block.get("label"), 2000, f"{pointer}/label", out, plain=True)
    if "hint" in block:
        _check_text_obj(block["hint"], 2000, f"{pointer}/hint", out, plain=True)
    if "element" not in block:
        out.append(f"[ERROR] missing required field: element [json-pointer:{pointer}]")
        return
    _check_input_element(block["element"], f"{pointer}/element", out)


def validate_modal(view: dict[str, Any]) -> list[str]:
    """Slack-style errors for a modal's own fields (https://docs.slack.dev/reference/views/
    modal-views): a plain-text title, close and submit of at most 24 characters, a submit
    whenever an input block is present, private_metadata up to 3000, callback_id up to 255."""
    out: list[str] = []
    if "title" not in view:
        out.append("[ERROR] missing required field: title [json-pointer:/view]")
    else:
        _check_text_obj(view["title"], 24, "/view/title", out, plain=True)
    for name in ("close", "submit"):
        if name in view:
            _check_text_obj(view[name], 24, f"/view/{name}", out, plain=True)
    blocks = view.get("blocks") or []
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if has_input and "submit" not in view:
        out.append("[ERROR] submit is required when an input block is present [json-pointer:/view]")
    _check_len(view.get("private_metadata"), 3000, "/view/private_metadata", out)
    _check_len(view.get("callback_id"), 255, "/view/callback_id", out)
    return out


def validate_blocks(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Slack-style error messages for `blocks` (a list or its JSON string); [] when valid."""
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except json.JSONDecodeError:
            return ["[ERROR] invalid JSON [json-pointer:/blocks]"]
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    out: list[str] = []
    if len(blocks) > max_blocks:
        out.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        ptr = f"/blocks/{i}"
        if not isinstance(block, dict) or block.get("type") not in _KNOWN_BLOCKS:
            out.append(f"[ERROR] failed to match all allowed schemas [json-pointer:{ptr}]")
            continue
        block_id = block.get("block_id")
        _check_len(block_id, 255, f"{ptr}/block_id", out)
        if isinstance(block_id, str):
            if block_id in seen_ids:
                out.append(f"[ERROR] duplicate block_id [json-pointer:{ptr}/block_id]")
            seen_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                out.append(f"[ERROR] must provide either text or fields [json-pointer:{ptr}]")
            if "text" in block:
                _check_text_obj(block["text"], 3000, f"{ptr}/text", out, plain=False)
            fields = block.get("fields") or []
            if len(fields) > 10:
                out.append(f"[ERROR] no more than 10 items allowed [json-pointer:{ptr}/fields]")
            for j, f in enumerate(fields):
                _check_text_obj(f, 2000, f"{ptr}/fields/{j}", out, plain=False)
            if "accessory" in block:
                _check_element(block["accessory"], f"{ptr}/accessory", out)
        elif kind == "header":
            _check_text_obj(block.get("text"), 150, f"{ptr}/text", out, plain=True)
        elif kind in ("actions", "context"):
            elements = block.get("elements")
            limit = 25 if kind == "actions" else 10
            if not isinstance(elements, list) or not elements:
                out.append(f"[ERROR] missing required field: elements [json-pointer:{ptr}]")
                continue
            if len(elements) > limit:
                out.append(
                    f"[ERROR] no more than {limit} items allowed [json-pointer:{ptr}/elements]"
                )
            for j, el in enumerate(elements):
                if kind == "actions":
                    _check_element(el, f"{ptr}/elements/{j}", out)
        elif kind == "input":
            _check_input(block, ptr, out)
        elif kind == "image":
            _check_len(block.get("image_url"), 3000, f"{ptr}/image_url", out)
            _check_len(block.get("alt_text"), 2000, f"{ptr}/alt_text", out)
    return out


def _parse_json_arg(value: Any, name: str) -> Any:
    """Arguments such as `blocks` arrive as JSON strings (form) or as values (JSON body)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackError(
                f"invalid_{name}_format" if name == "blocks" else "invalid_arguments"
            ) from exc
    return value


def _check_message_content(
    args: dict[str, Any], *, require_content: bool = True
) -> list[Any] | None:
    """Validate text/blocks of a message; return the parsed blocks (None when absent)."""
    text = args.get("text")
    blocks = _parse_json_arg(args["blocks"], "blocks") if args.get("blocks") else None
    if require_content and not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        problems = validate_blocks(blocks)
        if problems:
            raise SlackError("invalid_blocks", messages=problems)
    return blocks


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake saw it."""

    method: str
    args: dict[str, Any]
    token: str | None
    time: float
    status: int = 200
    error: str | None = None


@dataclass
class FakeFile:
    """A file going through the two-step external upload."""

    id: str
    filename: str
    length: int
    created: int
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None


@dataclass
class _ResponseTarget:
    channel: str | None
    message_ts: str | None
    user_id: str | None


def _pick(args: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: args[n] for n in names if args.get(n) not in (None, "")}


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


# ---------------------------------------------------------------------------- the app


class SlackFake(Starlette):
    """Slack's Web API, in process. Thread-safe: the server thread writes, tests read.

    `base_url` must be set (by whoever serves the app) before `new_response_url()` is used;
    URLs returned in API answers are built from each request's own host instead.
    """

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        team_id: str = "T0FAKE0001",
        team_name: str = "Metrics Sandbox",
        team_domain: str = "metrics-sandbox",
        bot_user_id: str = "U0BOT00001",
        bot_id: str = "B0BOT00001",
        bot_name: str = "metrics-bot",
        api_app_id: str = "A0FAKE0001",
        spec_path: str | Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/upload/{file_id}", self._upload, methods=["POST", "PUT"]),
                Route("/files/{file_id}", self._download, methods=["GET"]),
                Route("/response/{response_id}", self._response, methods=["POST"]),
            ]
        )
        self.valid_tokens = set(tokens)
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.team_url = f"https://{team_domain}.slack.com/"
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.api_app_id = api_app_id
        self.base_url: str | None = None
        self._server: LocalServer | None = None
        self._spec_path = Path(spec_path) if spec_path else None
        self._clock = clock
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._channels: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemeral: dict[str, list[dict[str, Any]]] = {}
        self._files: dict[str, FakeFile] = {}
        self._responses: dict[str, list[dict[str, Any]]] = {}
        self._response_targets: dict[str, _ResponseTarget] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._opened_views: list[dict[str, Any]] = []
        self._failures: list[tuple[int, int | None, str | None]] = []  # status, retry_after, method
        self._lost_answers: list[tuple[str | None]] = []  # (method,) whose answer is cut short
        self._held: list[tuple[str | None, threading.Event]] = []  # answers to hold back
        self._holding: list[threading.Event] = []  # answers being held now
        self._last_ts_us = 0
        self._ids = itertools.count(1)
        self.add_user(bot_user_id, bot_name, real_name="Metrics Bot", is_bot=True)
        self.add_channel("C0GENERAL1", "general", is_general=True)

    # ------------------------------------------------------------------ serving

    def start(self) -> str:
        """Serve on 127.0.0.1 at a free port, like the other fakes; returns `base_url`."""
        if self._server is None:
            self._server = LocalServer(self)
            self.base_url = self._server.start()
        assert self.base_url is not None
        return self.base_url

    def stop(self) -> None:
        self.release_held()
        if self._server is not None:
            self._server.stop()
        self._server = None
        self.base_url = None

    def __enter__(self) -> SlackFake:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ configuration

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_general: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> str:
        """Create a conversation; returns its id.

        Posting where the bot is not a member answers `not_in_channel`, into an archived
        channel `is_archived`, as Slack does.
        """
        created = int(self._clock())
        with self._cond:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "name_normalized": name,
                "is_channel": not is_private,
                "is_group": is_private,
                "is_im": False,
                "is_mpim": False,
                "is_private": is_private,
                "is_archived": is_archived,
                "is_general": is_general,
                "is_shared": False,
                "is_ext_shared": False,
                "is_org_shared": False,
                "is_member": is_member,
                "created": created,
                "creator": self.bot_user_id,
                "unlinked": 0,
                "num_members": len(self._users),
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "previous_names": [],
            }
        return channel_id

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        is_bot: bool = False,
        email: str | None = None,
    ) -> str:
        """Create a workspace member; returns its id."""
        offset = ZoneInfo(tz).utcoffset(_utcnow(self._clock()))
        real = real_name or name
        with self._cond:
            self._users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "deleted": False,
                "color": "9f69e7",
                "real_name": real,
                "tz": tz,
                "tz_label": tz,
                "tz_offset": int(offset.total_seconds()) if offset else 0,
                "is_admin": False,
                "is_owner": False,
                "is_bot": is_bot,
                "is_app_user": False,
                "updated": int(self._clock()),
                "profile": {
                    "real_name": real,
                    "real_name_normalized": real,
                    "display_name": name,
                    "display_name_normalized": name,
                    "email": email or f"{name}@example.com",
                    "avatar_hash": "g0000000000",
                    "title": "",
                    "phone": "",
                    "skype": "",
                    "status_text": "",
                    "status_emoji": "",
                    "fields": None,
                    "image_48": "https://example.com/avatar_48.png",
                    "team": self.team_id,
                },
            }
        return user_id

    def deactivate_user(self, user_id: str) -> None:
        """Mark a member deactivated, as Slack does when someone leaves (users.info says
        `deleted: true`)."""
        with self._cond:
            self._users[user_id]["deleted"] = True

    def add_org(self, org: Org) -> dict[str, str]:
        """Seed the workspace from a simulated org: a channel per team, a member per person.

        IDs are derived from the team slug / login, so they are stable across runs. Returns
        {login: user id} for the humans (bots have no Slack account here).
        """
        ids: dict[str, str] = {}
        for person in org["people"]:
            if person["is_bot"]:
                continue
            uid = self.add_user(
                "U" + _stable_id(person["login"]),
                person["login"],
                real_name=person["name"],
                tz=person["tz"],
            )
            ids[person["login"]] = uid
        for team in org["teams"]:
            self.add_channel("C" + _stable_id(team["slug"]), team["slug"])
        return ids

    def rate_limit_next(self, k: int, retry_after: int = 1, *, method: str | None = None) -> None:
        """Answer the next `k` Web API calls (of `method`, if given) with 429 + Retry-After."""
        with self._cond:
            self._failures.extend([(429, retry_after, method)] * k)

    def lose_answer_next(self, k: int, *, method: str | None = None) -> None:
        """Carry out the next `k` Web API calls (of `method`, if given) but cut their answer
        short: a 200 whose JSON body breaks off, as when a connection drops mid-reply. The
        call took effect; the client cannot know it."""
        with self._cond:
            self._lost_answers.extend([(method,)] * k)

    def hold_answer_next(self, k: int, *, method: str | None = None) -> None:
        """Carry out the next `k` Web API calls (of `method`, if given) but hold their answer
        back until `release_held()`: the call took effect and the caller is still waiting,
        the moment a crash makes the outcome unknown."""
        with self._cond:
            self._held.extend((method, threading.Event()) for _ in range(k))

    def release_held(self) -> None:
        """Let every held answer go (to callers still listening)."""
        with self._cond:
            for _, event in self._held:
                event.set()
            for event in self._holding:
                event.set()

    def fail_next(self, k: int, status: int = 500, *, method: str | None = None) -> None:
        """Answer the next `k` Web API calls (of `method`, if given) with a server error."""
        with self._cond:
            self._failures.extend([(status, None, method)] * k)

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """A fresh response_url; with `channel`/`message_ts` its messages act on the channel."""
        if not self.base_url:
            raise RuntimeError("set fake.base_url (the served address) before new_response_url()")
        rid = f"R{next(self._ids):06d}"
        with self._cond:
            self._response_targets[rid] = _ResponseTarget(channel, message_ts, user_id)
        return f"{self.base_url.rstrip('/')}/response/{rid}"

    # ------------------------------------------------------------------ what tests read

    @property
    def calls(self) -> list[Call]:
        """Every Web API request so far, in arrival order (a snapshot)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in `channel` (id or name), oldest first, with edits applied."""
        with self._cond:
            cid = self._resolve_channel(channel) or channel
            return copy.deepcopy(self._messages.get(cid, []))

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Replies posted in the thread of `thread_ts`."""
        return [
            m
            for m in self.messages(channel)
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def ephemeral_messages(self, channel: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown in `channel` (each has the recipient in `user`)."""
        with self._cond:
            cid = self._resolve_channel(channel) or channel
            return copy.deepcopy(self._ephemeral.get(cid, []))

    @property
    def holding(self) -> int:
        """How many answers are being held back now (see `hold_answer_next`)."""
        with self._cond:
            return sum(not e.is_set() for e in self._holding)

    @property
    def files(self) -> dict[str, FakeFile]:
        with self._cond:
            return copy.deepcopy(self._files)

    @property
    def responses(self) -> dict[str, dict[str, Any]]:
        """The last JSON body posted to each response_url id (see `responses_all`)."""
        with self._cond:
            return {rid: copy.deepcopy(bodies[-1]) for rid, bodies in self._responses.items()}

    def responses_all(self, response_id: str) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._responses.get(response_id, []))

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """The App Home view last published for each user."""
        with self._cond:
            return copy.deepcopy(self._home_views)

    @property
    def opened_views(self) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._opened_views)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate()` holds (re-checked on each change); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_for_response(self, response_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The first body posted to `response_id`, waiting for it (Bolt responds async)."""
        if not self.wait_for(lambda: response_id in self._responses, timeout):
            raise TimeoutError(f"nothing was posted to response_url {response_id}")
        return self.responses_all(response_id)[0]

    # ------------------------------------------------------------------ internals

    def _methods(self) -> dict[str, MethodSpec]:
        path = self._spec_path or find_spec_path()
        return load_methods(str(path))

    def _next_ts(self) -> str:
        with self._cond:
            now_us = int(self._clock() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            us = self._last_ts_us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _resolve_channel(self, value: Any) -> str | None:
        """Channel id for an id, a name ("#general" or "general") or a user id (their DM)."""
        if not isinstance(value, str) or not value:
            return None
        if value in self._channels:
            return value
        name = value.lstrip("#")
        for cid, ch in self._channels.items():
            if ch.get("name") == name:
                return cid
        if value in self._users:
            dm = "D" + value[1:]
            self._channels.setdefault(
                dm,
                {
                    "id": dm,
                    "is_im": True,
                    "is_org_shared": False,
                    "user": value,
                    "created": int(self._clock()),
                    "is_user_deleted": False,
                    "priority": 0,
                },
            )
            return dm
        return None

    def _channel_or_error(self, args: dict[str, Any], key: str = "channel") -> str:
        cid = self._resolve_channel(args.get(key))
        if cid is None:
            raise SlackError("channel_not_found")
        return cid

    def _take_failure(self, method: str) -> tuple[int, int | None] | None:
        taken = self._take_scheduled(self._failures, method, lambda f: f[2])
        return None if taken is None else (taken[0], taken[1])

    def _take_scheduled(
        self, queue: list[_T], method: str, method_of: Callable[[_T], str | None]
    ) -> _T | None:
        """Remove and return the first scheduled entry for `method` (or for any method)."""
        with self._cond:
            for i, entry in enumerate(queue):
                only = method_of(entry)
                if only is None or only == method:
                    del queue[i]
                    return entry
        return None

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    # ------------------------------------------------------------------ routes

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        now = self._clock()
        try:
            args = await _read_args(request)
        except SlackError as err:
            self._record(Call(method, {}, None, now, err.status, err.code))
            return JSONResponse(err.body(), status_code=err.status)
        token = _bearer(request.headers.get("authorization")) or args.pop("token", None)
        args.pop("token", None)
        headers: dict[str, str] = {}
        try:
            failure = self._take_failure(method)
            if failure is not None:
                status, retry_after = failure
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
                raise SlackError(
                    "ratelimited" if status == 429 else "internal_error", status=status
                )
            spec = self._methods().get(method)
            if spec is None:
                raise SlackError("unknown_method", status=404, req_method=method)
            if not token:
                raise SlackError("not_authed")
            if token not in self.valid_tokens:
                raise SlackError("invalid_auth")
            for name in spec.required:
                if args.get(name) in (None, ""):
                    code = _MISSING_ARG_ERRORS.get(name, "invalid_arguments")
                    if code not in spec.errors:
                        code = "invalid_arguments"
                    raise SlackError(code, messages=[f"[ERROR] missing required field: {name}"])
            with self._cond:
                body = self._dispatch(method, spec, args, str(request.base_url).rstrip("/"))
                self._cond.notify_all()
        except SlackError as err:
            self._record(Call(method, args, token, now, err.status, err.code))
            return JSONResponse(err.body(), status_code=err.status, headers=headers)
        self._record(Call(method, args, token, now))
        held = self._take_scheduled(self._held, method, lambda e: e[0])
        if held is not None:
            with self._cond:
                self._holding.append(held[1])
                self._cond.notify_all()
            while not held[1].is_set():
                await asyncio.sleep(0.01)
        if self._take_lost_answer(method):
            whole = json.dumps(body).encode()
            return Response(whole[: len(whole) // 2], media_type="application/json")
        return JSONResponse(body, headers={"X-Slack-Req-Id": f"fake-{next(self._ids)}"})

    def _take_lost_answer(self, method: str) -> bool:
        return self._take_scheduled(self._lost_answers, method, lambda e: e[0]) is not None

    def _dispatch(
        self, method: str, spec: MethodSpec, args: dict[str, Any], base: str
    ) -> dict[str, Any]:
        handler = _HANDLERS.get(method)
        if handler is None:
            # Methods the bot is not expected to call still answer in the documented shape.
            return {**copy.deepcopy(spec.example), "ok": True}
        return handler(self, args, base)

    async def _upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        body = await request.body()
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            parts = _parse_multipart(body, ctype)
            body = next((v for v in parts.values() if isinstance(v, bytes)), b"")
        with self._cond:
            f = self._files.get(file_id)
            if f is None:
                return PlainTextResponse("not found", status_code=404)
            f.content = body
            self._cond.notify_all()
        return PlainTextResponse(f"OK - {len(body)}")

    async def _download(self, request: Request) -> Response:
        with self._cond:
            f = self._files.get(request.path_params["file_id"])
            if f is None or f.content is None:
                return PlainTextResponse("not found", status_code=404)
            return Response(f.content, media_type="application/octet-stream")

    async def _response(self, request: Request) -> Response:
        rid = request.path_params["response_id"]
        try:
            doc = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not isinstance(doc, dict):
            return PlainTextResponse("invalid_payload", status_code=400)
        try:
            _check_message_content(doc, require_content=not _truthy(doc.get("delete_original")))
        except SlackError as err:
            return PlainTextResponse(err.code, status_code=400)
        with self._cond:
            self._responses.setdefault(rid, []).append(doc)
            self._apply_response(self._response_targets.get(rid), doc)
            self._cond.notify_all()
        return JSONResponse({"ok": True})

    def _apply_response(self, target: _ResponseTarget | None, doc: dict[str, Any]) -> None:
        """What Slack does with a response_url body in the conversation it came from."""
        if target is None or target.channel is None:
            return
        cid = self._resolve_channel(target.channel) or target.channel
        msgs = self._messages.setdefault(cid, [])
        original = next((m for m in msgs if m["ts"] == target.message_ts), None)
        if _truthy(doc.get("delete_original")) and original is not None:
            msgs.remove(original)
        elif _truthy(doc.get("replace_original")) and original is not None:
            original.update(_pick(doc, "text", "blocks"))
        elif doc.get("response_type") == "in_channel":
            msgs.append(self._new_message(doc, _parse_json_arg(doc.get("blocks"), "blocks")))
        else:
            msg = self._new_message(doc, _parse_json_arg(doc.get("blocks"), "blocks"))
            msg["user"] = target.user_id
            self._ephemeral.setdefault(cid, []).append(msg)

    def _new_message(self, args: dict[str, Any], blocks: list[Any] | None) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.api_app_id,
            "team": self.team_id,
            "ts": self._next_ts(),
        }
        if blocks is not None:
            msg["blocks"] = blocks
        metadata = _message_metadata(args.get("metadata"))
        if metadata is not None:
            msg["metadata"] = metadata
        if args.get("thread_ts"):
            msg["thread_ts"] = str(args["thread_ts"])
        return msg


# ---------------------------------------------------------------------------- method handlers

Handler = Callable[[SlackFake, dict[str, Any], str], dict[str, Any]]


def _auth_test(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "ok": True,
        "url": fake.team_url,
        "team": fake.team_name,
        "user": fake.bot_name,
        "team_id": fake.team_id,
        "user_id": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "is_enterprise_install": False,
    }


def _post_message(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    cid = fake._channel_or_error(args)
    _check_can_post(fake, cid)
    blocks = _check_message_content(args)
    msg = fake._new_message(args, blocks)
    msgs = fake._messages.setdefault(cid, [])
    parent = next((m for m in msgs if m["ts"] == msg.get("thread_ts")), None)
    if parent is not None:
        parent.setdefault("thread_ts", parent["ts"])
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        parent["latest_reply"] = msg["ts"]
    msgs.append(msg)
    return {"ok": True, "channel": cid, "ts": msg["ts"], "message": copy.deepcopy(msg)}


_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_]{1,255}$")


def _message_metadata(value: Any) -> dict[str, Any] | None:
    """chat.postMessage's `metadata` (a JSON object or its text): event_type, event_payload.

    https://api.slack.com/metadata/using: event_type is a short name, event_payload an
    object; anything else is `invalid_metadata_format`."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise SlackError("invalid_metadata_format") from None
    if not isinstance(value, dict):
        raise SlackError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload", {})
    if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
        raise SlackError("invalid_metadata_format")
    if not isinstance(payload, dict):
        raise SlackError("invalid_metadata_format")
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


def _ts_arg(value: Any, default: Decimal, error: str) -> Decimal:
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SlackError(error) from None


def _conversations_history(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    """Top-level messages (thread replies are not history), newest first, between `oldest`
    and `latest`; `metadata` only with `include_all_metadata`, as Slack does."""
    cid = args.get("channel")
    if not isinstance(cid, str) or cid not in fake._channels:
        raise SlackError("channel_not_found")  # history takes conversation ids only
    oldest = _ts_arg(args.get("oldest"), Decimal(0), "invalid_ts_oldest")
    latest = _ts_arg(args.get("latest"), Decimal(str(fake._clock())), "invalid_ts_latest")
    inclusive = _truthy(args.get("inclusive"))
    limit = min(max(int(args.get("limit") or 100), 1), 999)
    try:
        offset = _decode_cursor(args.get("cursor"))
    except ValueError:
        raise SlackError("invalid_cursor") from None

    def within(ts: Decimal) -> bool:
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    found = [
        m
        for m in fake._messages.get(cid, [])
        if m.get("thread_ts") in (None, m["ts"]) and within(Decimal(m["ts"]))
    ]
    found.sort(key=lambda m: Decimal(m["ts"]), reverse=True)
    page = copy.deepcopy(found[offset : offset + limit])
    if not _truthy(args.get("include_all_metadata")):
        for m in page:
            m.pop("metadata", None)
    more = offset + limit < len(found)
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": _encode_cursor(offset + limit) if more else ""},
    }


def _conversations_open(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    """A direct message with one user (`users`), or an existing conversation (`channel`)."""
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if args.get("channel"):
        return {"ok": True, "channel": {"id": fake._channel_or_error(args)}}
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("method_not_supported_for_channel_type")  # group DMs: not modelled
    if users[0] not in fake._users:
        raise SlackError("user_not_found")
    dm = "D" + users[0][1:]
    already = dm in fake._channels
    cid = fake._resolve_channel(users[0])
    assert cid is not None
    body: dict[str, Any] = {"ok": True, "channel": {"id": cid}}
    if already:
        body.update(no_op=True, already_open=True)
    return body


def _check_can_post(fake: SlackFake, cid: str) -> None:
    channel = fake._channels[cid]
    if channel.get("is_archived"):
        raise SlackError("is_archived")
    if channel.get("is_member") is False:
        raise SlackError("not_in_channel")


def _find_message(fake: SlackFake, cid: str, ts: Any) -> dict[str, Any]:
    for m in fake._messages.get(cid, []):
        if m["ts"] == str(ts):
            return m
    raise SlackError("message_not_found")


def _update(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    cid = fake._channel_or_error(args)
    msg = _find_message(fake, cid, args["ts"])
    if msg.get("user") != fake.bot_user_id:
        raise SlackError("cant_update_message")
    blocks = _check_message_content(args)
    msg["text"] = args.get("text") or ""
    if blocks is not None:
        msg["blocks"] = blocks
    msg["edited"] = {"user": fake.bot_user_id, "ts": fake._next_ts()}
    return {
        "ok": True,
        "channel": cid,
        "ts": msg["ts"],
        "text": msg["text"],
        "message": copy.deepcopy(msg),
    }


def _post_ephemeral(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    cid = fake._channel_or_error(args)
    _check_can_post(fake, cid)
    if args["user"] not in fake._users:
        raise SlackError("user_not_in_channel")
    blocks = _check_message_content(args)
    msg = fake._new_message(args, blocks)
    msg["user"] = args["user"]
    fake._ephemeral.setdefault(cid, []).append(msg)
    return {"ok": True, "message_ts": msg["ts"]}


def _get_permalink(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    cid = fake._channel_or_error(args)
    msg = _find_message(fake, cid, args["message_ts"])
    link = f"{fake.team_url}archives/{cid}/p{msg['ts'].replace('.', '')}"
    if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
        link += f"?thread_ts={msg['thread_ts']}&cid={cid}"
    return {"ok": True, "channel": cid, "permalink": link}


def _conversations_info(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    cid = fake._channel_or_error(args)
    return {"ok": True, "channel": copy.deepcopy(fake._channels[cid])}


def _conversations_list(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    types = set(str(args.get("types") or "public_channel").split(","))
    exclude_archived = _truthy(args.get("exclude_archived"))

    def kind(ch: dict[str, Any]) -> str:
        if ch.get("is_im"):
            return "im"
        return "private_channel" if ch.get("is_private") else "public_channel"

    chans = [
        ch
        for ch in fake._channels.values()
        if kind(ch) in types and not (exclude_archived and ch.get("is_archived"))
    ]
    try:
        limit = min(max(int(args.get("limit") or 100), 1), 1000)
        offset = _decode_cursor(args.get("cursor"))
    except ValueError as exc:
        raise SlackError("invalid_cursor" if args.get("cursor") else "invalid_limit") from exc
    page = chans[offset : offset + limit]
    more = offset + limit < len(chans)
    return {
        "ok": True,
        "channels": copy.deepcopy(page),
        "response_metadata": {"next_cursor": _encode_cursor(offset + limit) if more else ""},
    }


def _users_info(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    user = fake._users.get(args.get("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"ok": True, "user": copy.deepcopy(user)}


def _parse_view(args: dict[str, Any], kind: str) -> dict[str, Any]:
    try:
        view = _parse_json_arg(args["view"], "view")
    except SlackError as exc:
        raise SlackError("invalid_arguments", messages=["[ERROR] invalid view JSON"]) from exc
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackError("invalid_arguments", messages=[f"[ERROR] view type must be {kind}"])
    problems = validate_blocks(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS)
    if problems:
        problems = [p.replace("json-pointer:/", "json-pointer:/view/") for p in problems]
    if kind == "modal":
        problems += validate_modal(view)
    if problems:
        raise SlackError("invalid_arguments", messages=problems)
    return view


def _full_view(fake: SlackFake, view: dict[str, Any]) -> dict[str, Any]:
    n = next(fake._ids)
    return {
        "id": f"V{n:08d}",
        "team_id": fake.team_id,
        "type": view["type"],
        "title": view.get("title"),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(fake._clock())}.{n:08x}",
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": f"V{n:08d}",
        "app_id": fake.api_app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": fake.team_id,
        "bot_id": fake.bot_id,
    }


def _views_publish(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    if args["user_id"] not in fake._users:
        raise SlackError("user_not_found")
    view = _full_view(fake, _parse_view(args, "home"))
    fake._home_views[args["user_id"]] = view
    return {"ok": True, "view": copy.deepcopy(view)}


def _views_open(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    view = _full_view(fake, _parse_view(args, "modal"))
    fake._opened_views.append({**view, "trigger_id": args["trigger_id"]})
    return {"ok": True, "view": copy.deepcopy(view)}


def _get_upload_url(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    try:
        length = int(args["length"])
    except (TypeError, ValueError) as exc:
        raise SlackError(
            "invalid_arguments", messages=["[ERROR] length must be an integer"]
        ) from exc
    if length <= 0:
        raise SlackError("invalid_length")
    file_id = f"F{next(fake._ids):09d}"
    fake._files[file_id] = FakeFile(
        id=file_id,
        filename=str(args["filename"]),
        length=length,
        created=int(fake._clock()),
        alt_txt=args.get("alt_txt") or None,
    )
    return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}


def _complete_upload(fake: SlackFake, args: dict[str, Any], base: str) -> dict[str, Any]:
    try:
        items = _parse_json_arg(args["files"], "files")
    except SlackError as exc:
        raise SlackError(
            "invalid_arguments", messages=["[ERROR] files must be a JSON array"]
        ) from exc
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(i, dict) and i.get("id") for i in items)
    ):
        raise SlackError("invalid_arguments", messages=["[ERROR] files must list {id, title}"])
    targets = [c for c in str(args.get("channels") or "").split(",") if c]
    if args.get("channel_id"):
        targets.insert(0, str(args["channel_id"]))
    channel_ids = []
    for target in targets:
        cid = fake._resolve_channel(target)
        if cid is None:
            raise SlackError("channel_not_found")
        _check_can_post(fake, cid)
        channel_ids.append(cid)
    files = []
    for item in items:
        f = fake._files.get(str(item["id"]))
        if f is None or f.content is None:
            raise SlackError("file_not_found")
        files.append((f, item))
    out = []
    for f, item in files:
        f.title = str(item.get("title") or f.filename)
        f.completed = True
        f.initial_comment = args.get("initial_comment") or None
        f.thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        f.channels = channel_ids
        out.append(_file_object(fake, f, base))
    for cid in channel_ids:
        msg = fake._new_message(
            {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}, None
        )
        msg["upload"] = True
        msg["files"] = [_file_object(fake, f, base) for f, _ in files]
        fake._messages.setdefault(cid, []).append(msg)
        for f, _ in files:
            f.message_ts = msg["ts"]
    return {"ok": True, "files": out}


def _file_object(fake: SlackFake, f: FakeFile, base: str) -> dict[str, Any]:
    return {
        "id": f.id,
        "created": f.created,
        "timestamp": f.created,
        "name": f.filename,
        "title": f.title or f.filename,
        "mimetype": "application/octet-stream",
        "filetype": f.filename.rsplit(".", 1)[-1] if "." in f.filename else "binary",
        "user": fake.bot_user_id,
        "size": len(f.content or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(f.channels),
        "alt_txt": f.alt_txt,
        "channels": list(f.channels),
        "url_private": f"{base}/files/{f.id}",
        "url_private_download": f"{base}/files/{f.id}",
        "permalink": f"{fake.team_url}files/{fake.bot_user_id}/{f.id}/{f.filename}",
    }


_HANDLERS: dict[str, Handler] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _post_ephemeral,
    "chat.getPermalink": _get_permalink,
    "conversations.history": _conversations_history,
    "conversations.info": _conversations_info,
    "conversations.list": _conversations_list,
    "conversations.open": _conversations_open,
    "users.info": _users_info,
    "views.publish": _views_publish,
    "views.open": _views_open,
    "files.getUploadURLExternal": _get_upload_url,
    "files.completeUploadExternal": _complete_upload,
}


# ---------------------------------------------------------------------------- request parsing


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def _read_args(request: Request) -> dict[str, Any]:
    """Query string + body, whatever the encoding slack_sdk chose (form, multipart, JSON)."""
    args: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return args
    ctype = request.headers.get("content-type", "application/x-www-form-urlencoded").lower()
    if ctype.startswith("application/json"):
        try:
            doc = json.loads(body)
        except json.JSONDecodeError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(doc, dict):
            raise SlackError("json_not_object")
        args.update(doc)
    elif ctype.startswith("multipart/form-data"):
        args.update(_parse_multipart(body, request.headers["content-type"]))
    else:
        try:
            args.update(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            )
        except UnicodeDecodeError as exc:
            raise SlackError("invalid_charset") from exc
    return args


def _parse_multipart(body: bytes, content_type: str) -> dict[str, str | bytes]:
    """Fields of a multipart/form-data body: text fields as str, file parts as bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    out: dict[str, str | bytes] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        is_file = part.get_param("filename", header="content-disposition") is not None
        out[name] = raw if is_file else raw.decode("utf-8")
    return out


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    kind, _, value = base64.b64decode(str(cursor)).decode().partition(":")
    if kind != "offset":
        raise ValueError(cursor)
    return int(value)


def _stable_id(key: str) -> str:
    """Ten upper-case base32 characters derived from `key` (Slack IDs look like this)."""
    return base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:10]


def _utcnow(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)


# ---------------------------------------------------------------------------- serving


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 at a free port for the block; yields its base URL.

    A served `SlackFake` also learns its `base_url` (for `new_response_url()`).
    """
    server = LocalServer(app)
    base_url = server.start()
    if isinstance(app, SlackFake):
        app.base_url = base_url
    try:
        yield base_url
    finally:
        server.stop()
        if isinstance(app, SlackFake):
            app.base_url = None
