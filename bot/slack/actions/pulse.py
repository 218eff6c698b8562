"""The team pulse's buttons: an answer (1–5), "Add a word…" and the word's modal.

An answer is counted after the ack and the person told, ephemerally, with the offer of a
word; a second answer in the same week, a closed week, someone outside the team: each is
told why, nothing counted. The word's modal is checked while Slack waits (a few small
queries), so a refusal shows on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.core import pulse
from bot.slack.actions.picks import _field, answer
from bot.slack.blocks.pulse import (
    ANSWER_ACTIONS,
    WORD,
    WORD_VIEW,
    PulsePick,
    read_word,
    thanks_blocks,
    word_modal,
)
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.pool import BUSY, AnswerPool


def read(body: dict[str, Any]) -> tuple[PulsePick, str]:
    """(pick, user) of a pulse click; UserError when unreadable."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    try:
        pick = PulsePick.decode(str(action.get("value") or ""))
    except Exception:
        raise UserError("That button is broken (its value could not be read).") from None
    user = _field(body, "user", "id")
    if not isinstance(user, str) or not user:
        raise UserError("That click came without a user, so it was not counted.")
    return pick, user


def count(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    pick, user = read(body)
    pulse.answer(deps, pick.team, pick.week, pick.score, user=user)
    answer(body, respond, client, f"Counted for {pick.week}.", thanks_blocks(pick), replace=False)


def ask_word(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    pick, _ = read(body)
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        raise UserError("That click came without a trigger, so no form could be opened.")
    client.views_open(trigger_id=trigger, view=word_modal(pick))


Work = Callable[[BotDeps, dict[str, Any], Any, Any], None]


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the answer buttons, the word button and the word's modal into `app`."""

    def on_pool(work: Work) -> Callable[..., None]:
        def ack_and_offer(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
            ack()
            job = guarded(lambda: work(deps, body, respond, client), body, respond, client)
            if not answers.offer(job):
                tell(f"Nothing was counted. {BUSY}", body, respond, client)

        return ack_and_offer

    def ack_word(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str(_field(body, "user", "id") or "")
        try:
            pick, word = read_word(view)
            pulse.add_word(deps, pick.team, pick.week, word, user=user)
        except UserError as err:
            ack(response_action="errors", errors={"word": str(err)[:150]})
            return
        except Exception:
            ack(response_action="errors", errors={"word": "This form could not be read."})
            return
        ack()

    app.action(ANSWER_ACTIONS)(on_pool(count))
    app.action(WORD)(on_pool(ask_word))
    app.view(WORD_VIEW)(ack_word)
