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


def _machine(m: dict[str, Any]) -> str:
    load = "/".join(str(x) for x in m["load_avg"])
    return f"{m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; load average {load}"


def render(figures: Sequence[dict[str, Any]]) -> str:
    """The markdown table of one run (all figures share its scale and store)."""
    first = figures[0]
    loads = sorted({tuple(f["machine"]["load_avg"]) for f in figures})
    lines = [
        f"Scale **{first['scale']}**, store **{first['store']}**, measured "
        f"{first['machine']['date']} on {_machine(first['machine'])} at the start "
        f"(load averages 1/5/15 min when each part started: "
        + ", ".join("/".join(str(x) for x in load) for load in loads)
        + ").",
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
