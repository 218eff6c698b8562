"""The shared schema: every delivery signal, sync bookkeeping, and what the bot said and heard.

Rows are keyed by natural keys (source + the source's own id) so that re-reading a window
upserts in place instead of duplicating. People appear only as pseudonymous keys (a keyed
hash of a source identity, see `store.people`); no table holds a login or a display name.
Times are timezone-aware UTC instants (`UTCDateTime`); where a local time matters (after-hours
work), the original UTC offset is kept beside it in minutes.

Modules: `base`, `org` (as configured), `delivery` (code review, deploys, CI), `incidents`
(incidents, pages, work items), `goals` (team goals set in Slack), `ledgers` (sync
bookkeeping, what the bot said and heard), `work` (scheduled work shared by replicas),
`kept` (weekly answers kept between runs and the marks of writes that invalidate them).
"""

from store.models.base import Base
from store.models.delivery import (
    CiRun,
    Commit,
    Deployment,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
)
from store.models.goals import TeamGoal
from store.models.incidents import (
    DeliveryTarget,
    Incident,
    Page,
    WorkItem,
    WorkItemChange,
    WorkItemLink,
    WorkItemTransition,
)
from store.models.kept import AnalyticsMark, KeptWeek
from store.models.ledgers import (
    Annotation,
    DigestSent,
    Experiment,
    FeedbackVote,
    FindingSnooze,
    InsightRow,
    LeaderLock,
    PulseAnswer,
    PulseSalt,
    PulseVoter,
    PulseWeek,
    PulseWord,
    SyncRun,
    SyncState,
)
from store.models.org import Person, Repository, Team, TeamMember
from store.models.work import WorkClaim

__all__ = [
    "AnalyticsMark",
    "Annotation",
    "Base",
    "CiRun",
    "Commit",
    "DeliveryTarget",
    "Deployment",
    "DigestSent",
    "Experiment",
    "FeedbackVote",
    "FindingSnooze",
    "Incident",
    "InsightRow",
    "KeptWeek",
    "LeaderLock",
    "Page",
    "Person",
    "PrEvent",
    "PullRequest",
    "PulseAnswer",
    "PulseSalt",
    "PulseVoter",
    "PulseWeek",
    "PulseWord",
    "Release",
    "Repository",
    "Review",
    "ReviewRequest",
    "SyncRun",
    "SyncState",
    "Team",
    "TeamGoal",
    "TeamMember",
    "WorkClaim",
    "WorkItem",
    "WorkItemChange",
    "WorkItemLink",
    "WorkItemTransition",
]
