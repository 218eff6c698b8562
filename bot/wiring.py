"""Old path of `bot.runtime.wiring`, kept only for bot/answers.py (being rewritten by another
branch); the lead removes this module once that file imports `bot.runtime.wiring`."""

from bot.runtime.wiring import member_keys, org_context, persons, team_context

__all__ = ["member_keys", "org_context", "persons", "team_context"]
