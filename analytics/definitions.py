"""What each metric's definition says: every rule its item builder applies, in words.

`analytics.registry` attaches these texts to the specs; answers show them beside every
number and docs/metrics.md prints them (tests/test_docs.py checks the page against them).
A definition states which rows count, which moments and reviews are used, what is ignored
or excluded, and how out-of-order data is treated, so that a reader can recompute a figure
from the raw events without reading the code (issue 15, "definitions complete").
After-hours and out-of-hours pages still keep their text in the registry.
"""

from __future__ import annotations

from analytics.metrics.worktype import MAX_TRAIN, TRAIN_WEEKS
from analytics.persons import MIN_WORK_PEOPLE

DEFINITIONS: dict[str, str] = {
    "review-time": (
        "Median time from a pull request being ready for review (its creation, or the moment it "
        "was taken out of draft) to its first review by someone other than its author, counted "
        "in the period it became ready. A review of any kind counts (comment, approval, changes "
        "requested); reviews by bots, by the author, while the PR was still a draft or after its "
        "merge are ignored. Working hours (the team's working days and hours in its time zone, "
        "no holidays) by default, wall clock on request. PRs by the team's members; PRs by bots, "
        "reverts, drafts, PRs still awaiting a first review and PRs merged or closed without one "
        "are excluded and counted."
    ),
    "lead-time": (
        "Median time from a pull request's first commit to the finish of the successful "
        "production deployment that shipped it (exact link by merge commit between deployments, "
        "else the first production deployment of the repository after the merge), counted in the "
        "period it was deployed; wall clock. The first commit is the date the source records, "
        "else the earliest author date of the PR's commits, else the PR's creation. Stages: "
        "coding (first commit -> ready for review), pickup (ready -> first review, as in time to "
        "first review), review (first review -> the last approval before the merge), merge "
        "(approval -> merge) and deploy (merge -> deployed); reviews by bots, by the author, "
        "before ready or after the merge are ignored. Moments out of order are put in order, for "
        "the stages and the total alike: a moment dated after a later milestone (a first commit "
        "dated after the PR was ready or merged, by a rebase or a skewed clock) moves back to "
        "the earliest later one. A stage whose closing milestone did not happen (no review, no "
        "approval) has no value and its time counts in the next stage: without an approval merge "
        "runs from the first review, without any review from ready. So each PR's stages add up "
        "to its lead time. PRs by bots, reverts and PRs not yet deployed are excluded and "
        "counted."
    ),
    "deploy-frequency": (
        "Successful production deployments of the services and repositories the team owns, per "
        "week, each counted when it finished (and the number of days, in the team's time zone, "
        "with at least one deployment). Production: the environment is one of the configured "
        "production environments (any case); successful: status success, succeeded or "
        "successful, with a finish time. A deployment belongs to the team owning its service, "
        "else its repository (else the monorepo paths, else the team recorded at ingest)."
    ),
    "cfr": (
        "Failed deployments / production deployments (successful, to a production environment), "
        "counted in the period each deployment finished. An incident counts against the last "
        "production deployment of the service it names (else the repository it names) that "
        "finished at or before the incident started, within the attribution window after that "
        "deployment; an incident naming a service or repository with deployments never falls "
        "back to another one, an incident naming neither counts against the last deployment of "
        "the team owning it. Incidents before every deployment count against none. An incident "
        "counts against at most one deployment and a deployment with several incidents is one "
        "failure. Every incident counts, whatever its severity or whether it is resolved. "
        "Confidence is 'direct' when the incident names the deployment's service or repository, "
        "'team' (lower) when it only belongs to the same team."
    ),
    "recovery-time": (
        "Median time from an incident's start to its resolution, over the team's incidents that "
        "started in the period and are resolved; unresolved ones are excluded and counted. Every "
        "incident of the team's services (else repositories) counts, whatever its severity and "
        "whether or not a deployment is linked to it. Wall clock."
    ),
    "cycle-time": (
        "Median time from an issue's first move into an in-progress ('indeterminate') status "
        "category to its last move into 'done' (else its resolution date), for issues whose "
        "status is done, counted in the period they were done; a reopened issue keeps its first "
        "start. Issues of the team's Jira projects or Linear teams (else the team recorded at "
        "ingest); issues that never went through in-progress, or have no done date, are excluded "
        "and counted. Wall clock."
    ),
    "throughput": (
        "Pull requests by the team's members merged per week, each counted at its merge; reverts "
        "count, PRs by bots are excluded and counted. A period other than one calendar week is "
        f"withheld when any of the team's weeks it overlaps is (fewer than {MIN_WORK_PEOPLE} "
        "authors), since it less its shown weeks would give that week's count."
    ),
    "pr-size": (
        "Median lines changed (additions + deletions of the whole pull request, as the source "
        "reports them) of the team's members' merged pull requests, counted at the merge, with "
        "the share in each configured size bucket (a bucket includes its upper bound: '<=50' is "
        "0 to 50 lines); PRs by bots and reverts are excluded and counted."
    ),
    "wip": (
        "Pull requests by the team's members that are open and ready for review at the end of "
        "the period (or now, if earlier), with their age since creation (median, p75, p90 in "
        "days, and how many are over 7 days old); PRs by bots are not counted and drafts are "
        "shown beside. Beside them the team's issues in an in-progress status category at that "
        "moment, with the days since each last moved into it (median, and how many for over a "
        "week)."
    ),
    "review-rounds": (
        "Share of the team's members' merged pull requests with at least one 'changes requested' "
        "review by someone else, counted at the merge; beside it the median and p90 of rounds "
        "(each changes-requested review is one) and the share of PRs with a commit authored (by "
        "its author date, any author) after their first review (rework). Only reviews by people "
        "other than the author, not bots, between ready for review and the merge count. PRs "
        "merged without such a review, by bots and reverts are excluded and counted."
    ),
    "review-load": (
        "Share of the team's reviews (of others' pull requests) given by its two most active "
        "reviewers, with the Gini coefficient of reviews across the team's active people "
        "(everyone with a review or a commit in the period; people who only commit count as "
        "reviewing nothing). Every review a member submitted counts once, whatever its state, on "
        "any team's PR, also on drafts and after a merge; reviews of one's own PRs and by bots "
        "are ignored. Team-level only, withheld for groups smaller than the minimum."
    ),
    "work-mix": (
        "Shares of feature, bug, debt and ops work among the team's members' merged pull "
        "requests (reverts included, PRs by bots not) and the team's issues with a resolution "
        "date, each counted when merged or resolved. Each item takes the type of the first rule "
        "that matches: labels, issue type, conventional-commit prefix of the title ('fix: ...'), "
        "branch name ('feature/...'); a text classifier (TF-IDF + linear SVM) fills the gaps, "
        f"one per team and as-of week: trained on the team's items typed by a rule in the "
        f"{TRAIN_WEEKS} complete weeks before the week of the as-of date (team zone), at most "
        f"{MAX_TRAIN} of them, "
        "those first when sorted by a hash of each item's reference, then its time and title; "
        "only with at least 30 typed items there and two types of two items each, else the gaps "
        "count as unclassified. So a week's mix is the same whether asked alone, in a long "
        "range or in the whole-org run. The value is the feature share."
    ),
}
