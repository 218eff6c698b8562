"""Why a team's delay happened: competing causes weighed against the team's own history.

For a flagged (or asked-about) review-time, lead-time or cycle-time delay, each cause the
data can speak to (reviewer capacity, review concentration, PR size, unclear requirements,
dependencies) gets its evidence and the share of the excess it explains, by direct
standardisation: the team's recent items re-weighted to the baseline's mix of that factor
(`decompose`). The most likely cause and the runner-up are named as hypotheses, with how
sure (a bootstrap over weeks), and a next step that fits the cause. Pure: frames in, a
`Diagnosis` out; the SQL lives in `analytics.tracker_loaders` and `analytics.insights.data`.
"""

from analytics.diagnosis.model import Cause, Diagnosis, Excess
from analytics.diagnosis.run import WHY_METRICS, diagnose, why_metric

__all__ = ["WHY_METRICS", "Cause", "Diagnosis", "Excess", "diagnose", "why_metric"]
