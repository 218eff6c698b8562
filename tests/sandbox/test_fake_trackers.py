"""The tracker fakes serve issue 17's data in the real wire shapes, over real HTTP: Jira epics
as issues with `duedate`, `fields.parent`, `issuelinks` on both sides and changelog items;
Linear projects with milestones, `issue.project`/`projectMilestone`, relations both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.jira import JiraFake
from sandbox.fakes.linear import LinearFake
from tests.sandbox.other_world import make_other_world

SEARCH = "/rest/api/3/search/jql"
FIELDS = "summary,issuetype,parent,duedate,issuelinks,status"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_other_world(tmp_path_factory.mktemp("tracker-world"))


@pytest.fixture(scope="module")
def jira(world: Path) -> Iterator[dict[str, dict[str, Any]]]:
    with JiraFake(world) as fake, httpx.Client(base_url=fake.base_url) as c:
        params = {"jql": "project in (PAY, OPS)", "fields": FIELDS, "expand": "changelog"}
        got = c.get(SEARCH, params=params | {"maxResults": 100}).json()
        yield {i["key"]: i for i in got["issues"]}


def test_jira_epic_is_an_issue_with_its_due_date(jira: dict[str, dict[str, Any]]) -> None:
    epic = jira["PAY-900"]["fields"]
    assert epic["issuetype"]["name"] == "Epic" and epic["issuetype"]["hierarchyLevel"] == 1
    assert epic["duedate"] == "2026-03-01" and epic["summary"] == "Checkout revamp"
    assert epic["status"]["statusCategory"]["key"] == "indeterminate"
    child = jira["PAY-2"]["fields"]
    assert child["parent"]["key"] == "PAY-900" and child["parent"]["id"] == "10900"
    assert child["parent"]["fields"]["issuetype"]["name"] == "Epic"
    assert child["duedate"] == "2026-02-10"
    assert "parent" not in jira["PAY-4"]["fields"]  # Jira leaves the field out, not null


def test_jira_links_show_on_both_sides(jira: dict[str, dict[str, Any]]) -> None:
    blocked = jira["PAY-3"]["fields"]["issuelinks"]
    blocker = jira["OPS-2"]["fields"]["issuelinks"]
    assert [(x["type"]["name"], x["inwardIssue"]["key"]) for x in blocked] == [("Blocks", "OPS-2")]
    assert [(x["type"]["inward"], x["type"]["outward"]) for x in blocked] == [
        ("is blocked by", "blocks")
    ]
    assert [x["outwardIssue"]["key"] for x in blocker] == ["PAY-3"]
    assert [x["type"]["name"] for x in jira["PAY-1"]["fields"]["issuelinks"]] == ["Relates"]


def test_jira_changelog_items_are_named_as_jira_names_them(world: Path) -> None:
    with JiraFake(world) as fake, httpx.Client(base_url=fake.base_url) as c:
        values = c.get("/rest/api/3/issue/PAY-3/changelog", params={"maxResults": 100}).json()
    items = [i for h in values["values"] for i in h["items"] if i["field"] != "status"]
    named = {i["field"]: i for i in items}
    assert set(named) == {"assignee", "Epic Link", "Flagged", "description", "Story Points", "Link"}
    assert named["Epic Link"]["fieldId"] == "customfield_10014"
    assert (named["Epic Link"]["to"], named["Epic Link"]["toString"]) == ("10900", "PAY-900")
    assert named["Story Points"]["toString"] == "5"
    assert named["Link"]["toString"] == "This issue is blocked by OPS-2"
    flags = [i["toString"] for i in items if i["field"] == "Flagged"]
    assert flags == ["Impediment", None]
    moves = [(i["from"], i["to"]) for i in items if i["field"] == "assignee"]
    assert len(moves) == 2 and moves[0][0] is None and moves[1][0] == moves[0][1]


LINEAR_QUERY = """
query {
  issues(first: 50) { nodes {
    identifier dueDate
    project { id name targetDate state }
    projectMilestone { id name targetDate }
    relations { nodes { type relatedIssue { identifier } } }
    inverseRelations { nodes { type issue { identifier } } }
    history(first: 50) { nodes {
      updatedDescription fromEstimate toEstimate fromProject { id } toProject { id }
    } }
  } }
  projects(first: 10) { nodes {
    id name state targetDate teams { nodes { key } }
    projectMilestones { nodes { id name targetDate } }
  } }
}
"""


def test_linear_projects_milestones_and_relations(world: Path) -> None:
    with LinearFake(world) as fake:
        got = httpx.post(f"{fake.base_url}/graphql", json={"query": LINEAR_QUERY}).json()
    assert "errors" not in got, got
    issues = {n["identifier"]: n for n in got["data"]["issues"]["nodes"]}
    (project,) = got["data"]["projects"]["nodes"]
    assert (project["id"], project["state"], project["targetDate"]) == (
        "proj-eng-0001",
        "started",
        "2026-03-15",
    )
    assert project["teams"]["nodes"] == [{"key": "ENG"}]
    assert project["projectMilestones"]["nodes"] == [
        {"id": "ms-eng-0001", "name": "Beta", "targetDate": "2026-02-01"}
    ]
    assert issues["ENG-1"]["project"]["id"] == "proj-eng-0001"
    assert issues["ENG-1"]["projectMilestone"]["id"] == "ms-eng-0001"
    assert issues["ENG-3"]["projectMilestone"] is None and issues["ENG-5"]["project"] is None
    blocks = issues["ENG-6"]["relations"]["nodes"]
    assert blocks == [{"type": "blocks", "relatedIssue": {"identifier": "ENG-5"}}]
    assert issues["ENG-5"]["inverseRelations"]["nodes"] == [
        {"type": "blocks", "issue": {"identifier": "ENG-6"}}
    ]
    history = issues["ENG-3"]["history"]["nodes"]
    assert any(h["updatedDescription"] for h in history)
    assert [(h["fromEstimate"], h["toEstimate"]) for h in history if h["toEstimate"]] == [
        (2.0, 5.0)
    ]
    moved = [h["toProject"] for h in issues["ENG-2"]["history"]["nodes"] if h["toProject"]]
    assert moved == [{"id": "proj-eng-0001"}]
