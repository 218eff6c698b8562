"""The ready-made rich progress callback draws what the runner reports."""

from __future__ import annotations

import io

from rich.console import Console

from ingest.progress import ProgressEvent, RichProgress


def test_rich_progress_shows_items_rate_and_budget() -> None:
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with RichProgress(console=console, auto_refresh=False) as progress:
        progress(ProgressEvent(kind="sync_start", source="github"))
        for done in range(1, 3):
            progress(
                ProgressEvent(
                    kind="page",
                    source="github",
                    stream="pull_requests",
                    unit="PRs",
                    items=50 * done,
                    elapsed_s=2.0 * done,
                    rate_remaining=4900,
                    partitions_done=done,
                    partitions_total=2,
                )
            )
    text = out.getvalue()
    assert "github pull_requests" in text
    assert "100 PRs" in text and "25.0/s" in text and "budget 4900" in text and "2/2" in text
