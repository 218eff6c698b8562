"""bench/README.md's generated sections: `metrics-bot bench`'s figures as a markdown table.

Each run's section sits between two markers named by its scale and store, so a medium
SQLite run rewrites only its own table and a run at another scale adds its own section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADING = "## `metrics-bot bench` (generated)"


def markers(scale: str, store: str) -> tuple[str, str]:
    return (
        f"<!-- metrics-bot bench: {scale} {store} -->",
        f"<!-- end metrics-bot bench: {scale} {store} -->",
    )


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and abs(x) >= 100:
        return f"{x:,.0f}"
    if isinstance(x, float):
        return f"{x:.3g}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _target(f: dict[str, Any]) -> str:
    sign = "<=" if f["better"] == "lower" else ">="
    where = f" ({f['target_note']})" if f.get("target_note") else ""
    return f"{sign} {_num(f['target'])}{where}"


def _met(f: dict[str, Any]) -> str:
    if f["met"] is None:
        return f"not judged at {f['scale']}" if f.get("target_scale") else "-"
    return "yes" if f["met"] else "**no**"


def _loads(m: dict[str, Any]) -> str:
    start = "/".join(str(x) for x in m["load_avg"])
    end = m.get("load_avg_end")
    return f"{start} (ended {'/'.join(str(x) for x in end)})" if end else start


def _header(figures: Sequence[dict[str, Any]]) -> str:
    """Scale, store, machine, the start date and the load average as each part started."""
    runs = sorted({(f["machine"]["date"], _loads(f["machine"])) for f in figures})
    m = figures[0]["machine"]
    loads = ", ".join(load for _, load in runs)
    return (
        f"Scale **{figures[0]['scale']}**, store **{figures[0]['store']}**; started "
        f"{runs[0][0]} on {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; load average "
        f"(1/5/15 min) as each part started: {loads}."
    )


def render(figures: Sequence[dict[str, Any]]) -> str:
    """The markdown table of one run (all figures share its scale and store)."""
    lines = [
        _header(figures),
        "",
        "| figure | value | unit | baseline | ratio | target | met? |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| `{f['name']}` | {_num(f['value'])} | {f['unit']} | {_num(f['baseline'])} | "
            f"{_num(f['ratio'])} | {_target(f)} | {_met(f)} |"
        )
    lines += ["", "How each was measured (figure; baseline):", ""]
    lines += [f"- `{f['name']}`: {f['how']}; baseline: {f['baseline_how']}." for f in figures]
    return "\n".join(lines)


def rewrite(readme: Path, figures: Sequence[dict[str, Any]]) -> None:
    """Replace this run's section of `readme` (or add it under HEADING at the end)."""
    begin, end = markers(figures[0]["scale"], figures[0]["store"])
    section = f"{begin}\n{render(figures)}\n{end}"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        if HEADING not in text:
            text = text.rstrip("\n") + f"\n\n{HEADING}\n"
        text = text.rstrip("\n") + f"\n\n{section}\n"
    readme.write_text(text)
