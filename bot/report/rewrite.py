"""An optional rewrite of the report's prose through any OpenAI-compatible endpoint.

Off by default (`report.rewrite.enabled`). Only the prose paragraphs are sent (the facts,
evidence and tables never leave): they hold team-level figures and team names, nothing per
person. The answer must be JSON with as many paragraphs as were sent, and every number of
each template paragraph must still be in its rewrite; anything else (a timeout, an HTTP
error, a refusal, prose that dropped or changed a figure) keeps the template text, and the
report's note says why.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

import httpx

from bot.config.leaders import RewriteConfig
from bot.report.narrative import Narrative
from bot.slack.errors import redact

log = logging.getLogger("metrics_bot.report")

SYSTEM = (
    "You rewrite paragraphs of an engineering report for executives: plain language, no "
    "jargon, short sentences, the same meaning. Keep every number, percentage, date, week "
    "label and team name exactly as written. Never add facts, names or numbers. Answer with "
    'JSON only: {"paragraphs": [...]} with one rewritten paragraph per paragraph given, in '
    "the same order."
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MAX_GROWTH = 3


class RewriteRefused(Exception):
    """The endpoint's answer cannot replace the template text; the message says why."""


def numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def check(sent: Sequence[str], got: object) -> list[str]:
    """The rewritten paragraphs if they can stand in for `sent`; RewriteRefused otherwise."""
    if not isinstance(got, list) or len(got) != len(sent):
        raise RewriteRefused(f"expected {len(sent)} paragraphs back")
    out = []
    for before, after in zip(sent, got, strict=True):
        if not isinstance(after, str) or not after.strip():
            raise RewriteRefused("an empty or non-text paragraph came back")
        if len(after) > MAX_GROWTH * len(before) + 200:
            raise RewriteRefused("a paragraph came back far longer than sent")
        lost = numbers(before) - numbers(after)
        if lost:
            raise RewriteRefused(f"figures changed or dropped ({', '.join(sorted(lost))})")
        out.append(after.strip())
    return out


def _ask(paragraphs: list[str], config: RewriteConfig, api_key: str | None) -> list[str]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    payload = {
        "model": config.model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": json.dumps({"paragraphs": paragraphs})},
        ],
    }
    url = config.url.rstrip("/") + "/chat/completions"
    response = httpx.post(url, json=payload, headers=headers, timeout=config.timeout_seconds)
    response.raise_for_status()
    content = response.json()["choices"][0]["message"]["content"]
    return check(paragraphs, json.loads(content)["paragraphs"])


def rewrite(text: Narrative, config: RewriteConfig, api_key: str | None) -> Narrative:
    """`text` with its paragraphs reworded by the endpoint, or `text` itself (with a note
    saying why) when the rewrite is off or its answer cannot be used."""
    if not config.enabled:
        return text
    paragraphs = text.paragraphs()
    try:
        reworded = _ask(paragraphs, config, api_key)
    except httpx.TimeoutException:
        reason = f"no answer within {config.timeout_seconds:g} s"
    except httpx.HTTPStatusError as exc:
        reason = f"the endpoint answered HTTP {exc.response.status_code}"
    except httpx.HTTPError as exc:
        reason = redact(f"the endpoint could not be reached ({type(exc).__name__})")
    except RewriteRefused as exc:
        reason = str(exc)
    except (ValueError, KeyError, IndexError, TypeError):
        reason = "the answer was not the JSON asked for"
    else:
        note = (
            f"Reworded by {config.model} from the fixed templates; every figure was checked "
            "against them."
        )
        return text.with_paragraphs(reworded, note)
    log.warning("report rewrite not used: %s", reason)
    return Narrative(
        text.title,
        text.sections,
        note=f"Written from fixed templates (rewrite not used: {reason}).",
    )
