"""The shared People class: keys, bot conventions of GitHub and GitLab, Person rows per page."""

from __future__ import annotations

import re

import pytest

from ingest.base import Page
from ingest.people import People
from ingest.sources.github import normalise as gh
from ingest.sources.gitlab import normalise as gl
from store.models import Person
from store.people import pseudonym

SECRET = b"people-secret"


def github() -> gh.People:
    return gh.People(SECRET, ["*-ci"])


def gitlab() -> gl.People:
    return gl.People(SECRET, ["renovate*"])


@pytest.mark.parametrize(
    ("login", "typename", "is_bot"),
    [
        ("dependabot", "Bot", True),  # GraphQL __typename
        ("dependabot[bot]", None, True),  # REST login suffix
        ("Renovate[BOT]", "User", True),  # suffix, any case
        ("deploy-ci", None, True),  # configured pattern
        ("deploy-ci[bot]", None, True),
        ("ana", "User", False),
        ("bot", None, False),
    ],
)
def test_github_bot_conventions(login: str, typename: str | None, is_bot: bool) -> None:
    ident = github().identity(login, typename)
    assert ident is not None and ident.is_bot is is_bot


def test_github_flagged_bot_is_the_same_person_as_its_suffixed_login() -> None:
    people = github()
    assert people.identity("dependabot", "Bot") == people.identity("dependabot[bot]")
    assert people.identity("dependabot", "Bot") != people.identity("dependabot", "User")


@pytest.mark.parametrize(
    ("user", "is_bot"),
    [
        ({"username": "ci", "bot": True}, True),  # the API's flag
        ({"username": "project_42_bot"}, True),  # project access token
        ({"username": "group_7_bot_0a1b2c3d"}, True),  # group access token
        ({"username": "Renovate-Runner"}, True),  # configured pattern
        ({"username": "ana", "bot": False}, False),
        ({"username": "project_42_bot_xyz"}, False),  # not GitLab's hex suffix
    ],
)
def test_gitlab_bot_conventions(user: dict[str, object], is_bot: bool) -> None:
    ident = gitlab().user(Page(), user)
    assert ident is not None and ident.is_bot is is_bot


def test_gitlab_unnamed_users_have_no_identity() -> None:
    assert gitlab().user(Page(), None) is None
    assert gitlab().user(Page(), {"username": ""}) is None


def test_same_identity_same_key_across_instances_and_case() -> None:
    a, b = gitlab(), gitlab()
    page = Page()
    key = a.user(page, {"username": "Ana"}).key  # type: ignore[union-attr]
    assert key == b.username(page, "ana").key == pseudonym(SECRET, "gitlab", "ana")
    assert a.email(page, " Ana@Example.COM ").key == b.email(page, "ana@example.com").key
    assert github().identity("Ana") == github().identity(" ana ")
    assert github().identity("ana").key == pseudonym(SECRET, "github", "ana")  # type: ignore[union-attr]


def test_keys_are_namespaced_by_source_and_secret() -> None:
    assert github().identity("ana").key != gitlab().username(Page(), "ana").key  # type: ignore[union-attr]
    other = gh.People(b"another-secret")
    assert other.identity("ana") != github().identity("ana")


def test_keys_and_rows_never_hold_the_raw_identity() -> None:
    people = gitlab()
    page = Page()
    idents = [
        people.user(page, {"username": "ana.lopez"}),
        people.email(page, "ana.lopez@example.com"),
        github().add(page, "ana.lopez", "User"),
    ]
    for ident in idents:
        assert ident is not None
        assert re.fullmatch(r"[0-9a-f]{32}", ident.key)
        assert "ana" not in ident.key and "lopez" not in ident.key
    for row in page.rows[Person]:
        assert set(row) == {"key", "is_bot"}
        assert "ana" not in str(row["key"])


def test_one_person_row_per_page_unless_the_flag_changes() -> None:
    people = gitlab()
    page = Page()
    for _ in range(3):
        people.user(page, {"username": "ana"})
    people.username(page, "renovate")
    assert len(page.rows[Person]) == 2
    # The store keeps the last row per key: an @mention (which cannot tell a bot) after the
    # API flagged the identity must not write is_bot False over it, on this page or later ones.
    people.user(page, {"username": "ci", "bot": True})
    people.username(page, "ci")
    people.username(page, "ci")
    ci = pseudonym(SECRET, "gitlab", "ci")
    assert [r["is_bot"] for r in page.rows[Person] if r["key"] == ci] == [True]
    # A new page gets its own rows.
    other = Page()
    people.user(other, {"username": "ana"})
    people.username(other, "ci")
    assert other.rows[Person] == [
        {"key": pseudonym(SECRET, "gitlab", "ana"), "is_bot": False},
        {"key": ci, "is_bot": True},
    ]


def test_generic_class_takes_a_source_convention() -> None:
    people = People(SECRET, "forge", bot_suffix="-robot", bot_names=re.compile(r"^svc_\w+$"))
    assert people.identify("build", flagged=True) == people.identify("build-robot")
    assert people.identify("build-robot").is_bot  # type: ignore[union-attr]
    assert people.identify("svc_deploy").is_bot  # type: ignore[union-attr]
    assert not people.identify("builder").is_bot  # type: ignore[union-attr]
    assert people.identify("") is None


@pytest.mark.parametrize(
    ("username", "is_bot"),
    [
        ("rob", False),  # fnmatch read `*[bot]` as "ends in b, o or t": a person vanished
        ("margot", False),
        ("deploy[bot]", True),  # the default pattern, read literally
        ("release-bot", True),  # a default kept beside the configured `renovate*`
        ("renovate-updates", True),  # the configured one
    ],
)
def test_gitlab_patterns_are_literal_globs_added_to_the_defaults(
    username: str, is_bot: bool
) -> None:
    page = Page()
    ident = gitlab().user(page, {"username": username, "bot": False})
    assert ident is not None and ident.is_bot is is_bot


def test_configured_github_patterns_add_to_the_defaults_and_only_star_and_query_are_wild() -> None:
    people = gh.People(SECRET, ["ci.?"])
    assert people.identity("ci.1").is_bot  # type: ignore[union-attr]
    assert not people.identity("cix12").is_bot  # type: ignore[union-attr]  # `.` is literal
    assert people.identity("dependabot-preview").is_bot  # type: ignore[union-attr]  # default
    assert people.identity("build_bot").is_bot  # type: ignore[union-attr]  # default
    assert not people.identity("abbot").is_bot  # type: ignore[union-attr]


def overridden() -> gh.People:
    return gh.People(SECRET, humans=["deploy-bot", "Release-Train"], bots=["svc-ci"])


@pytest.mark.parametrize(
    ("login", "typename", "is_bot"),
    [
        ("release-train", "Bot", False),  # `humans` beats the API's account type
        ("release-train[bot]", None, False),  # ... whichever form the API writes
        ("deploy-bot", "User", False),  # and the `*-bot` default pattern
        ("svc-ci", "User", True),  # `bots` marks an account the API calls a user
        ("other-bot", "User", True),  # the pattern still holds for everyone else
        ("renovate", "Bot", True),  # and the account type: no pattern matches `renovate`
        ("renovate", "User", False),
    ],
)
def test_overrides_come_first_then_the_account_type_then_the_patterns(
    login: str, typename: str | None, is_bot: bool
) -> None:
    ident = overridden().identity(login, typename)
    assert ident is not None and ident.is_bot is is_bot


def test_a_human_override_is_never_made_a_bot_by_an_earlier_sighting() -> None:
    people, page = overridden(), Page()
    people.add(page, "release-train", "Bot")
    ident = people.add(page, "release-train", None)
    assert ident is not None and not ident.is_bot
    assert all(not row["is_bot"] for row in page.rows[Person])


def test_forced_keys_cover_both_forms_of_a_github_name_with_what_the_name_alone_says() -> None:
    forced = overridden().forced()
    key = pseudonym(SECRET, "github", "deploy-bot")
    assert forced[key] == (False, True)  # configured human; `*-bot` alone would say bot
    assert forced[pseudonym(SECRET, "github", "deploy-bot[bot]")] == (False, True)
    assert forced[pseudonym(SECRET, "github", "svc-ci")] == (True, False)
    assert len(forced) == 6


def test_gitlab_account_type_and_overrides() -> None:
    people, page = gl.People(SECRET, humans=["margot_bot"], bots=["svc.release"]), Page()
    flagged = people.user(page, {"id": 7, "username": "deployer", "bot": True})
    assert flagged is not None and flagged.is_bot  # no pattern matches `deployer`
    people.accounts[8] = True  # looked up: the short form of a user has no `bot`
    short = people.user(page, {"id": 8, "username": "releaser"})
    assert short is not None and short.is_bot
    assert not people.username(page, "margot_bot").is_bot  # beats `*_bot`
    assert people.username(page, "svc.release").is_bot
    assert not people.username(page, "rob").is_bot  # `*[bot]` is literal
