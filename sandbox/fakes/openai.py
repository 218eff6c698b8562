"""A local OpenAI-compatible chat completions endpoint, for the quarterly report's rewrite.

`POST /v1/chat/completions` answers the way OpenAI-compatible servers do (an `id`, `object:
"chat.completion"`, `choices[0].message.content`, `usage`), with a deterministic "model":
the user message's JSON `{"paragraphs": [...]}` comes back with each paragraph reworded by
fixed rules that keep every number. Other behaviours, set with `mode`, are the failures a
client must survive: "drop_numbers" (changes the figures), "garbage" (content that is not
JSON), "error" (HTTP 500), "slow" (answers after `delay` seconds), "wrong_count" (one
paragraph missing), "unauthorized" (401 unless the bearer token matches `api_key`).

Every request is kept (`requests`), so a test can check what was sent: only the paragraphs.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.fakes.server import LocalServer

MODES = ("reword", "drop_numbers", "garbage", "error", "slow", "wrong_count", "unauthorized")
_WORDS = (
    ("This is ", "Here is "),
    ("starting with", "opening with"),
    ("Aim:", "Our aim:"),
    ("largest", "biggest"),
)


def reword(text: str) -> str:
    """A deterministic rewording that keeps every number and name."""
    for old, new in _WORDS:
        text = text.replace(old, new)
    return text


def _without_numbers(text: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", lambda m: str(int(float(m.group()) * 2 + 1)), text)


@dataclass
class OpenAIFake:
    """The endpoint; start it with `start()` (returns the base URL, ending in /v1)."""

    mode: str = "reword"
    api_key: str = "sk-fake-test-key"
    delay: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: LocalServer | None = None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append({"headers": dict(request.headers), "body": body})
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "Incorrect API key"}}, status_code=401)
        if self.mode == "error":
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        content = self._content(body)
        return JSONResponse(
            {
                "id": f"chatcmpl-fake-{len(self.requests)}",
                "object": "chat.completion",
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    def _content(self, body: dict[str, Any]) -> str:
        if self.mode == "garbage":
            return "Sure! Here is a nicer report: ..."
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        paragraphs = list(json.loads(user)["paragraphs"])
        if self.mode == "drop_numbers":
            paragraphs = [_without_numbers(p) for p in paragraphs]
        elif self.mode == "wrong_count":
            paragraphs = paragraphs[:-1]
        else:
            paragraphs = [reword(p) for p in paragraphs]
        return json.dumps({"paragraphs": paragraphs})

    def start(self) -> str:
        self._server = LocalServer(self.app(), graceful_shutdown=0)
        return self._server.start() + "/v1"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
