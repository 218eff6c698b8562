"""Experiments: did a team's process change move its metric? (pure statistics + loading)

`panel` (weekly values of the team and its controls, on a log scale for durations), `did`
(difference in differences with a cluster bootstrap over weeks, placebo, pre-trend), `mde`
(the minimum detectable effect from the team's noise and volume), `report` (the verdict),
`wording` (plain words), `controls` (chosen like the peer comparison) and `data` (the only
part that reads the store, through the loaders).
"""
