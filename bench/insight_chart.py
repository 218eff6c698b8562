"""Detection curves as an SVG file (matplotlib is neither a dependency nor in the test
extras): one panel per detector kind, recall against weeks since onset (1, 2, 3, 4+), one
line per effect-size bin, the false flags per 100 healthy team-weeks in the panel title."""

from __future__ import annotations

from html import escape
from pathlib import Path

from insight_score import EFFECT_BINS, SINCE_BINS, KindScore, bin_label

COLOURS = ("#9ecae1", "#4292c6", "#08519c", "#08306b")
W, H = 230, 170  # one panel
PAD_L, PAD_T, PAD_B = 34, 34, 26
COLUMNS = 4


def _panel(ks: KindScore | None, kind: str, x0: float, y0: float) -> list[str]:
    pw, ph = W - PAD_L - 12, H - PAD_T - PAD_B
    out = [f'<g transform="translate({x0},{y0})">']
    fp = ks.false_per_100 if ks is not None else None
    false = f"{fp:.1f}" if fp is not None else "-"
    out.append(f'<text x="4" y="14" font-size="12" font-weight="bold">{escape(kind)}</text>')
    out.append(
        f'<text x="4" y="27" font-size="10" fill="#555">false flags/100 healthy: {false}</text>'
    )
    out.append(
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{pw}" height="{ph}" fill="none" stroke="#ccc"/>'
    )
    for frac in (0.0, 0.5, 0.9, 1.0):
        y = PAD_T + ph * (1 - frac)
        dash = ' stroke-dasharray="3,3"' if frac == 0.9 else ""
        out.append(
            f'<line x1="{PAD_L}" x2="{PAD_L + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"{dash}/>'
        )
        if frac != 0.9:
            out.append(
                f'<text x="{PAD_L - 4}" y="{y + 3:.1f}" font-size="9" '
                f'text-anchor="end">{frac:g}</text>'
            )
    xs = [PAD_L + pw * (i + 0.5) / len(SINCE_BINS) for i in range(len(SINCE_BINS))]
    for x, label in zip(xs, SINCE_BINS, strict=True):
        out.append(
            f'<text x="{x:.1f}" y="{PAD_T + ph + 13}" font-size="9" '
            f'text-anchor="middle">{label}</text>'
        )
    if ks is not None:
        for b, colour in enumerate(COLOURS):
            pts = []
            for x, s in zip(xs, SINCE_BINS, strict=True):
                r = ks.curve.get((b, s))
                if r is not None and r.value is not None:
                    pts.append((x, PAD_T + ph * (1 - r.value), r.n))
            if len(pts) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)
                out.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            for x, y, n in pts:
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{2 + min(n, 40) / 10:.1f}" '
                    f'fill="{colour}"><title>{n} team-weeks</title></circle>'
                )
    out.append("</g>")
    return out


def write_svg(path: Path, kinds: dict[str, KindScore], order: list[str], title: str) -> Path:
    """Write the chart of `kinds` (panels in `order`) to `path`."""
    rows = -(-(len(order) + 1) // COLUMNS)
    width, height = COLUMNS * W, rows * H + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, kind in enumerate(order):
        parts += _panel(kinds.get(kind), kind, (i % COLUMNS) * W, 30 + (i // COLUMNS) * H)
    i = len(order)
    x0, y0 = (i % COLUMNS) * W + 10, 30 + (i // COLUMNS) * H + 20
    parts.append(f'<text x="{x0}" y="{y0}" font-size="11">recall of effects, by size:</text>')
    for b, colour in enumerate(COLOURS[: len(EFFECT_BINS)]):
        y = y0 + 18 * (b + 1)
        parts.append(f'<rect x="{x0}" y="{y - 9}" width="14" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x0 + 20}" y="{y}" font-size="11">{bin_label(b)}</text>')
    parts.append(
        f'<text x="{x0}" y="{y0 + 100}" font-size="10" fill="#555">x: weeks since onset; '
        "dashed: 0.9</text>"
    )
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
