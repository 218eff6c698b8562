"""Team-level delivery metrics: load frames from the store, compute, explain.

Public entry points (see `analytics.engine`): `METRICS`, `compute_metric`, `weekly_series`,
`compute_all`; inputs are built by the shell as `analytics.context.OrgContext`; every answer
is an `analytics.values.MetricValue` carrying its provenance. Imports only `store`.
"""
