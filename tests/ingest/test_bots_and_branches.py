"""Bots and the default branch over real HTTP against the GitHub fake, on a world where
`acme/payments` has `master` as its default branch and a few accounts test the bot rules:

- `release-train` is a GitHub App (GraphQL `Bot`, REST type "Bot") no pattern matches;
- `deploy-bot` is a person whose login matches the default `*-bot` pattern;
- `svc-ci` is a service account GitHub calls a `User`.

These are the cases of "Bots and deployments" in docs/metrics.md (Worked cases).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from ingest.sources.github import normalise as gh
from ingest.sources.gitlab import normalise as gl
from sandbox.fakes.github import GitHubFake
from store.models import CiRun, Commit, Deployment, Person, PullRequest, Repository
from store.people import pseudonym
from tests.ingest.helpers import SECRET, TOKEN, github_source
from tests.sandbox.world_factory import make_world, sha

MASTER_REPO, MAIN_REPO = "acme/payments", "acme/web"
APP, LOOKALIKE, SERVICE = "release-train", "deploy-bot", "svc-ci"
AUTHORED = {2: APP, 3: LOOKALIKE, 4: SERVICE}  # PR number in MASTER_REPO -> author
FORK = "octo-fork/payments"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _deploy_run(repo: str, ident: int, branch: str, event: str, **extra: Any) -> dict[str, Any]:
    at = "2026-03-20T10:00:00Z"
    return {
        "repo": repo,
        "id": ident,
        "name": "Deploy",
        "head_branch": branch,
        "head_sha": sha("deploy", ident),
        "event": event,
        "status": "completed",
        "conclusion": "success",
        "created_at": at,
        "updated_at": "2026-03-20T10:06:00Z",
        "run_started_at": at,
        "run_attempt": 1,
        **extra,
    }


DEPLOYS = {  # run id -> is it a production deployment?
    910001: True,  # push to master, the default branch of MASTER_REPO
    910002: True,  # a manual dispatch on master
    910003: False,  # a fork's pull request from its own branch called master
    910004: True,  # push to main, the default branch of MAIN_REPO
}


def bots_and_branches_world(root: Path) -> Path:
    """The small test world with the changes described in the module docstring."""
    make_world(root)  # 23 PRs per repository: a later sync reads the newest 10 again
    org = json.loads((root / "org.json").read_text())
    for repo in org["repos"]:
        if repo["full_name"] == MASTER_REPO:
            repo["default_branch"] = "master"
    human = next(p for p in org["people"] if not p["is_bot"])
    for login, is_bot in ((APP, True), (LOOKALIKE, False), (SERVICE, False)):
        org["people"].append({**human, "login": login, "name": login, "is_bot": is_bot})
    (root / "org.json").write_text(json.dumps(org))
    pulls = _rows(root / "github/pulls.jsonl")
    for pull in pulls:
        if pull["repo"] != MASTER_REPO:
            continue
        pull["base_ref"] = "master"
        author = AUTHORED.get(pull["number"])
        if author is not None:
            pull["author"] = author
            for commit in pull["commits"]:
                commit["author"] = author
    _write(root / "github/pulls.jsonl", pulls)
    runs = _rows(root / "github/workflow_runs.jsonl")
    for run in runs:
        if run["repo"] == MASTER_REPO and run["head_branch"] == "main":
            run["head_branch"] = "master"
    runs += [
        _deploy_run(MASTER_REPO, 910001, "master", "push"),
        _deploy_run(MASTER_REPO, 910002, "master", "workflow_dispatch"),
        _deploy_run(MASTER_REPO, 910003, "master", "pull_request", head_repository=FORK),
        _deploy_run(MAIN_REPO, 910004, "main", "push"),
    ]
    _write(root / "github/workflow_runs.jsonl", runs)
    return root


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bots_and_branches_world(tmp_path_factory.mktemp("bots-world"))


@pytest.fixture
def fake(world_dir: Path) -> Iterator[GitHubFake]:
    with GitHubFake(world_dir, token=TOKEN) as served:
        yield served


def world_runs(world_dir: Path) -> list[dict[str, Any]]:
    return _rows(world_dir / "github/workflow_runs.jsonl")


def deployments_from_runs(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        ids = session.scalars(
            select(Deployment.external_id).where(Deployment.external_id.like("run:%"))
        ).all()
    return {i.removeprefix("run:") for i in ids}


# -- the default branch -----------------------------------------------------------------------


def test_a_master_repository_gets_its_post_merge_ci_and_deploy_runs(
    fake: GitHubFake, sessions: sessionmaker[Session], world_dir: Path
) -> None:
    report = run_sync(github_source(fake.base_url, deploy_workflow_names=["Deploy"]), sessions)
    assert report.status == "ok", report.errors
    runs = world_runs(world_dir)
    on_master = {
        str(r["id"]) for r in runs if r["repo"] == MASTER_REPO and r["head_branch"] == "master"
    }
    with sessions() as session:
        stored = session.scalars(select(CiRun).where(CiRun.repo == MASTER_REPO)).all()
        branches = dict(
            session.execute(select(Repository.full_name, Repository.default_branch)).all()
        )
    assert on_master <= {r.external_id for r in stored}  # CI after the merge, and deploys
    assert {r.branch for r in stored if r.external_id in on_master} == {"master"}
    assert len(stored) == sum(r["repo"] == MASTER_REPO for r in runs)  # each run once
    assert deployments_from_runs(sessions) == {str(i) for i, ok in DEPLOYS.items() if ok}
    assert branches == {MASTER_REPO: "master", MAIN_REPO: "main"}  # as GitHub names them
    listed = fake.stats.snapshot()["by_endpoint"]["GET /repos/{owner}/{repo}/actions/runs"]
    assert listed == 2  # one page per repository, its own default branch


def test_a_forks_pull_request_run_is_never_a_deployment(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    run_sync(github_source(fake.base_url, deploy_workflow_names=["Deploy"]), sessions)
    with sessions() as session:
        fork_run = session.scalars(select(CiRun).where(CiRun.external_id == "910003")).one()
    assert (fork_run.event, fork_run.branch) == ("pull_request", "master")  # CI, read
    assert "910003" not in deployments_from_runs(sessions)  # never a deployment


def test_the_workflow_runs_alone_ask_github_for_the_default_branches_once(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url, deploy_workflow_names=["Deploy"])
    report = run_sync(source, sessions, streams=["workflow_runs"])
    assert report.status == "ok", report.errors
    assert fake.stats.snapshot()["by_endpoint"]["POST /graphql"] == 1  # both repositories
    assert deployments_from_runs(sessions) == {str(i) for i, ok in DEPLOYS.items() if ok}


def test_a_repository_github_cannot_resolve_fails_alone(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    from ingest.sources.github import RepoRef

    repos = [RepoRef(full_name=r, team_slug="team-a") for r in (MASTER_REPO, "acme/gone")]
    source = github_source(fake.base_url, repos=repos, deploy_workflow_names=["Deploy"])
    report = run_sync(source, sessions, streams=["workflow_runs"])
    failed = {p.partition: p.error for p in report.partitions if p.status == "failed"}
    assert set(failed) == {"acme/gone"} and "default branch of acme/gone" in str(failed)
    assert deployments_from_runs(sessions) == {"910001", "910002"}


# -- bots -------------------------------------------------------------------------------------


def person(sessions: sessionmaker[Session], login: str) -> Person:
    with sessions() as session:
        return session.scalars(
            select(Person).where(Person.key == pseudonym(SECRET, "github", login))
        ).one()


def authored_by_bot(sessions: sessionmaker[Session], number: int) -> tuple[bool, set[bool]]:
    """(the PR's author_is_bot, the author_is_bot of its commits)."""
    with sessions() as session:
        pr = session.scalars(
            select(PullRequest).where(PullRequest.repo == MASTER_REPO, PullRequest.number == number)
        ).one()
        commits = session.scalars(
            select(Commit.author_is_bot).where(
                Commit.repo == MASTER_REPO, Commit.pr_number == number
            )
        ).all()
    return pr.author_is_bot, set(commits)


def test_a_github_bot_account_no_pattern_matches_is_a_bot(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url)
    assert run_sync(source, sessions).status == "ok"
    assert not source.people.identity(APP).is_bot  # type: ignore[union-attr]  # name alone
    assert person(sessions, f"{APP}[bot]").is_bot  # GraphQL `Bot` (REST "Bot": same key)
    assert authored_by_bot(sessions, 2)[0]
    assert not person(sessions, SERVICE).is_bot  # a `User` no pattern matches


def test_humans_override_beats_a_bot_name_and_the_account_type(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url, humans=[LOOKALIKE, APP])
    assert run_sync(source, sessions).status == "ok"
    assert not person(sessions, LOOKALIKE).is_bot and not person(sessions, f"{APP}[bot]").is_bot
    assert authored_by_bot(sessions, 3) == (False, {False})
    assert authored_by_bot(sessions, 2)[0] is False


def test_bots_override_marks_an_account_the_api_calls_a_user(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    assert run_sync(github_source(fake.base_url, bots=[SERVICE]), sessions).status == "ok"
    assert person(sessions, SERVICE).is_bot
    assert authored_by_bot(sessions, 4) == (True, {True})


def test_an_override_added_later_flips_stored_rows_and_taking_it_out_flips_them_back(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    run_sync(github_source(fake.base_url), sessions)
    assert person(sessions, LOOKALIKE).is_bot  # `*-bot`, until the config says otherwise
    assert authored_by_bot(sessions, 3) == (True, {True})

    # PR 3 is older than the page a later sync reads again: only the stored rows change
    run_sync(github_source(fake.base_url, humans=[LOOKALIKE], bots=[SERVICE]), sessions)
    assert not person(sessions, LOOKALIKE).is_bot
    assert authored_by_bot(sessions, 3) == (False, {False})
    assert authored_by_bot(sessions, 4) == (True, {True})

    run_sync(github_source(fake.base_url), sessions)  # both overrides taken out again
    assert person(sessions, LOOKALIKE).is_bot and not person(sessions, SERVICE).is_bot
    assert authored_by_bot(sessions, 3) == (True, {True})
    assert authored_by_bot(sessions, 4) == (False, {False})


def test_the_fake_serves_the_account_types_as_github_does(fake: GitHubFake) -> None:
    """GraphQL: `__typename` "Bot" and the login without "[bot]"; REST: type "Bot"."""
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN}"}
    query = (
        '{ repository(owner: "acme", name: "payments") { pullRequests(first: 5) '
        "{ nodes { number author { __typename login } } } } }"
    )
    with httpx.Client(base_url=fake.base_url, headers=headers) as client:
        nodes = client.post("/graphql", json={"query": query}).json()["data"]["repository"]
        pull = client.get(f"/repos/{MASTER_REPO}/pulls/2").json()
    authors = {n["number"]: n["author"] for n in nodes["pullRequests"]["nodes"]}
    assert authors[2] == {"__typename": "Bot", "login": APP}
    assert authors[3] == {"__typename": "User", "login": LOOKALIKE}
    assert pull["user"]["type"] == "Bot" and pull["user"]["login"] == APP


def test_runs_of_a_fork_name_the_fork_as_their_head_repository(fake: GitHubFake) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as client:
        runs = client.get(f"/repos/{MASTER_REPO}/actions/runs", params={"branch": "master"})
    by_id = {r["id"]: r for r in runs.json()["workflow_runs"]}
    assert by_id[910003]["head_repository"]["full_name"] == FORK
    assert by_id[910003]["head_repository"]["fork"] is True
    assert by_id[910001]["head_repository"]["full_name"] == MASTER_REPO


# -- the worked case in docs/metrics.md --------------------------------------------------------


def worked_case() -> str:
    page = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text("utf-8")
    return page.split("**Bots and deployments.**", 1)[1].split("\n\n", 1)[0]


def test_the_worked_case_names_the_accounts_and_runs_tested_here() -> None:
    text = " ".join(worked_case().split())
    for named in (APP, LOOKALIKE, SERVICE, "`bot: true`", "`master`", "`Deploy`"):
        assert named in text, named
    assert "`people.humans` and `people.bots`, then the API's own account type, then" in text
    assert "`push`, `workflow_dispatch` or `schedule`" in text
    assert "`*[bot]` matches `deploy[bot]`, not `rob` or `margot`" in text


@pytest.mark.parametrize(
    ("people", "name", "is_bot"),
    [
        (gl.People(SECRET), "deploy[bot]", True),  # GitLab's default `*[bot]`, literally
        (gl.People(SECRET), "rob", False),  # not "ends in b, o or t"
        (gl.People(SECRET), "margot", False),
        (gh.People(SECRET, ["*[bot]"]), "rob", False),  # a configured one, literally too
    ],
)
def test_the_bot_suffix_pattern_is_literal(
    people: gh.People | gl.People, name: str, is_bot: bool
) -> None:
    ident = people.identify(name)
    assert ident is not None and ident.is_bot is is_bot
