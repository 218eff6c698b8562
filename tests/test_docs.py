"""The repository stands on its own: its docs, fixtures and tests need nothing beside it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from analytics.context import MIN_GROUP_SIZE
from analytics.persons import MIN_WORK_PEOPLE
from analytics.registry import _SPECS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

# Paths that only exist on the machine the project was first developed on, or beside it.
_OUTSIDE = re.compile(r"\.\./shared|/work/shared|/work/main|METRICS_BOT_SHARED")


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    paths = [ROOT / p.decode() for p in listed if p]
    return [
        p
        for p in paths
        if p.suffix in {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ""}
        and p.is_file()
        and FIXTURES not in p.parents
    ]


def test_no_file_names_a_path_outside_the_repository() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _tracked_text_files()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if _OUTSIDE.search(line) and p != Path(__file__).resolve()
    ]
    assert offenders == []


def test_every_recorded_fixture_in_the_index_is_in_the_repository() -> None:
    index = json.loads((FIXTURES / "INDEX.json").read_text(encoding="utf-8"))
    missing = [e["file"] for e in index if not (FIXTURES / e["file"]).is_file()]
    assert index and missing == []
    assert (FIXTURES / "PROVENANCE.md").is_file()


def test_metric_definitions_page_matches_the_registry() -> None:
    page = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for spec in _SPECS:
        assert f"## {spec.name} (`{spec.id}`)" in page, spec.id
        assert spec.definition in page, f"docs/metrics.md: definition of {spec.id} is stale"


_PRIVACY_WORDS = {
    "people": f"people: needs ≥ {MIN_GROUP_SIZE} people",
    "work": f"work: needs ≥ {MIN_WORK_PEOPLE} people",
    "service": "service: any team size",
}


def metrics_table() -> str:
    """The table at the top of docs/metrics.md, as the registry says it (regenerate the page's
    table from this when a metric, alias or privacy class changes)."""
    rows = [
        "| id | name | unit | privacy | also accepted as |",
        "|---|---|---|---|---|",
    ]
    for spec in _SPECS:
        aliases = ", ".join(spec.aliases)
        words = _PRIVACY_WORDS[spec.privacy]
        rows.append(f"| `{spec.id}` | {spec.name} | {spec.unit} | {words} | {aliases} |")
    return "\n".join(rows) + "\n"


def test_metrics_table_states_each_metrics_privacy_class_as_the_registry_does() -> None:
    page = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert metrics_table() in page, "docs/metrics.md: regenerate the table:\n" + metrics_table()


def test_readme_links_resolve_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert "docs/architecture.md" in local and "docs/metrics.md" in local
    assert [link for link in local if not (ROOT / link).exists()] == []


def test_readme_architecture_names_only_paths_that_exist() -> None:
    """The module map and the data-path diagram stay true to the tree: every path they name
    (`bot/runtime/`, `store/models/`, `cli/` under `bot/`...) exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n### ", 1)[0]
    named = set(re.findall(r"\b((?:bot|store|analytics|ingest)/[\w/]*(?:\.py)?)", section))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert len(named) > 10 and missing == []
