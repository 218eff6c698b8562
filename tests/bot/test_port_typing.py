"""The tests' engine stand-ins implement the bot's AnalyticsPort, checked by mypy.

`TinyEngine.analytics()` returns the engine itself as an `AnalyticsPort`, so a double that
drifts from the Protocol (a missing method, a positional argument, an `Any` where a
MetricValue is promised) fails here instead of passing by duck typing.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_the_test_doubles_type_check_against_the_analytics_port() -> None:
    out, err, status = api.run(
        [str(ROOT / "tests/bot/helpers.py"), str(ROOT / "tests/bot/glance.py")]
    )
    assert status == 0, out + err
