"""A metric's recent weeks as a text sparkline (▁▂▃▄▅▆▇█), to sit beside its headline figure.

Text rather than an image so the trend reads in the message itself, in notifications and in
the console: the lowest week gets ▁, the highest █, weeks without a value a middle dot.
"""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"
"""A week with no value (no data or withheld); not "_" or "*", which mrkdwn would read."""


def sparkline(values: Sequence[float | None]) -> str:
    """One glyph per week, scaled between the lowest and highest week shown; "" when fewer
    than two weeks have a value (one point is not a trend)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out = []
    for v in values:
        if v is None:
            out.append(GAP)
        elif span == 0:
            out.append(BARS[len(BARS) // 2 - 1])
        else:
            out.append(BARS[round((v - low) / span * (len(BARS) - 1))])
    return "".join(out)
