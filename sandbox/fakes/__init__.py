"""Local fakes of the outside APIs (GitHub, Slack, ...) that serve a simulated world over HTTP.

Shared pieces: `server.LocalServer` / `server.ServedFake` (run an ASGI app on 127.0.0.1),
`server.RequestStats` (what a fake was asked), `faults.FaultPlan` (injected failures).
"""
