"""GitLab's own account type for the users a sync meets, looked up once per user and sync.

GitLab says whether a user is a bot (`bot: true`: project and group access tokens, service
accounts, GitLab's own bots) only in the long form of a user: `GET /users/:id` and a job's
`user` (a deployment's `deployable.user`). The users in merge requests, notes, approvals and
a deployment's own `user` are the short form, without it (see the recorded answers in
tests/fixtures/gitlab). So a stream hands every payload it read to `learn`, which keeps
what long forms say and asks `GET /users/:id` about the other users, each once per sync
(`People.accounts` lives as long as the source, which the shell builds per sync). A token
that may not read users (403) or a user gone (404) leaves the type unknown: not a bot by
its account type, though its name and the config may still say so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingest.base import StreamContext
from ingest.errors import AuthError, IngestHTTPError, ScopeError
from ingest.sources.gitlab.normalise import People


def users_in(payload: Any) -> Iterator[Mapping[str, Any]]:
    """Every GitLab user object (an `id` and a `username`) anywhere in `payload`."""
    if isinstance(payload, Mapping):
        if isinstance(payload.get("id"), int) and isinstance(payload.get("username"), str):
            yield payload
        for value in payload.values():
            yield from users_in(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from users_in(value)


def learn(people: People, ctx: StreamContext, api_url: str, *payloads: Any) -> None:
    """Know the account type of every user in `payloads` before their rows are made."""
    unknown: set[int] = set()
    for payload in payloads:
        for user in users_in(payload):
            if "bot" in user:
                people.accounts[int(user["id"])] = bool(user["bot"])
            else:
                unknown.add(int(user["id"]))
    if people.accounts_refused:
        return  # the token may not read users: no point asking again in this sync
    for user_id in sorted(unknown - people.accounts.keys()):
        try:
            found = ctx.http.request("GET", f"{api_url}/users/{user_id}").data
        except AuthError:
            raise
        except ScopeError:
            people.accounts_refused = True
            return
        except IngestHTTPError:
            found = None  # gone, or not visible: GitLab says nothing about it
        people.accounts[user_id] = bool(isinstance(found, Mapping) and found.get("bot"))
