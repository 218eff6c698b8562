"""The values a diagnosis returns: the excess, each weighed cause, the verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from analytics.insights.model import json_safe

Status = Literal["diagnosed", "no_delay", "withheld", "too_few"]


@dataclass(frozen=True)
class Excess:
    """How much slower the recent window was than the reference: on the log scale (the mean
    of log(hours + 0.25) per item, so one very slow item does not set it), and as medians."""

    log_excess: float  # mean log(value + 0.25) recent minus reference
    recent_median: float
    reference_median: float
    n_recent: int
    n_reference: int
    unit: str = "hours"

    @property
    def ratio(self) -> float:
        """The recent geometric mean over the reference one (1.8: 80 % slower)."""
        import math

        return math.exp(self.log_excess)


@dataclass(frozen=True)
class Cause:
    """One competing cause: the share of the excess it explains (0-1, by standardisation),
    the evidence that it moved, the figures behind both, and the next step it suggests."""

    key: str  # capacity, concentration, size, requirements, dependencies
    label: str  # "reviewer capacity"
    share: float
    evidence: tuple[str, ...]
    next_step: str
    figures: dict[str, float] = field(default_factory=dict)
    factor: str = ""  # the per-item factor the share was computed on


@dataclass(frozen=True)
class Diagnosis:
    """The answer to "why was <metric> slow in <team>": `causes` ranked by share (only
    causes with evidence, and a share of at least MIN_SHARE), the likely one and the
    runner-up with how often each ranked first in the bootstrap (`sure`)."""

    team: str
    metric: str
    week: str
    status: Status
    message: str
    excess: Excess | None = None
    causes: tuple[Cause, ...] = ()
    sure: dict[str, float] = field(default_factory=dict)  # cause key -> share ranked first
    not_looked_at: dict[str, str] = field(default_factory=dict)  # cause key -> why
    flagged_by: str = ""
    method: str = ""
    peers: tuple[str, ...] = ()  # compared with these similar teams (teams), not its baseline

    @property
    def likely(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    @property
    def runner_up(self) -> Cause | None:
        return self.causes[1] if len(self.causes) > 1 else None

    @property
    def unexplained(self) -> float | None:
        """The share of the excess no named cause explains (shares overlap, so this is 1
        minus the largest share, not minus their sum)."""
        if self.excess is None:
            return None
        return max(0.0, 1.0 - (self.causes[0].share if self.causes else 0.0))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["likely"] = self.likely.key if self.likely else None
        data["runner_up"] = self.runner_up.key if self.runner_up else None
        data["unexplained"] = self.unexplained
        if self.excess is not None:
            data["excess"]["ratio"] = self.excess.ratio
        clean = json_safe(data)
        assert isinstance(clean, dict)
        return clean
