"""The deployment a self-hoster copies: the lock file, the image and compose.yaml agree.

Docker is not available where the suite runs, so these read the files and check what each
one promises against the others and against the code: every runtime dependency is pinned
with hashes, the image installs only from the lock, and compose starts PostgreSQL, migrates
once, then serves, with every secret from a file.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.cli import main
from bot.config import AppConfig, SecretRef, load_config

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
REGENERATE = (
    "regenerate it: pip-compile --generate-hashes --extra postgres --strip-extras "
    "--allow-unsafe --output-file requirements.lock pyproject.toml"
)


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes) from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


def _runtime_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    return [Requirement(r) for r in wanted]


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    pins = _lock()
    assert len(pins) > 20  # the whole tree, not only the direct dependencies
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: {REGENERATE}"
        assert req.specifier.contains(pins[name][0]), f"{req} vs {pins[name][0]}: {REGENERATE}"
    assert "psycopg-binary" in pins  # the postgres extra's [binary] part


def test_every_pin_in_the_lock_has_a_hash() -> None:
    assert [name for name, (_, hashes) in _lock().items() if not hashes] == []


def test_the_image_installs_from_the_lock_only() -> None:
    lines = [" ".join(line.split()) for line in DOCKERFILE.replace("\\\n", " ").splitlines()]
    installs = [line for line in lines if "pip install" in line]
    assert len(installs) == 2, installs
    assert "--require-hashes -r requirements.lock" in installs[0]
    assert "--no-deps ." in installs[1]  # the project itself: nothing resolved at build time
    assert DOCKERFILE.index("COPY requirements.lock") < DOCKERFILE.index("--require-hashes")


def test_the_images_entry_point_is_the_console_script() -> None:
    (entrypoint,) = re.findall(r"^ENTRYPOINT (\[.*\])$", DOCKERFILE, flags=re.M)
    (script,) = yaml.safe_load(entrypoint)
    assert PYPROJECT["project"]["scripts"][script] == "bot.cli:main"
    (installed,) = [e for e in entry_points(group="console_scripts") if e.name == script]
    assert installed.load() is main


def test_compose_starts_postgres_then_migrates_once_then_serves() -> None:
    assert set(SERVICES) == {"db", "migrate", "bot"}
    db, migrate, bot = SERVICES["db"], SERVICES["migrate"], SERVICES["bot"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in db["healthcheck"]["test"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"  # a one-shot: it exits when the schema is current
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["command"][0] == "serve"
    assert bot["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["image"] == bot["image"] and "build" in migrate


def test_compose_commands_exist_in_the_cli() -> None:
    for service in ("migrate", "bot"):
        command = SERVICES[service]["command"]
        words = [w for w in command if not w.startswith("-") and not w.isdigit()]
        result = CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0, (service, result.output)
        for option in (w for w in command if w.startswith("--")):
            assert option in result.output


def test_the_bots_health_check_asks_healthz_on_the_port_it_serves() -> None:
    bot = SERVICES["bot"]
    port = bot["command"][bot["command"].index("--port") + 1]
    check = " ".join(bot["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/healthz" in check
    assert bot["ports"] == [f"{port}:{port}"]
    assert f"EXPOSE {port}" in DOCKERFILE


def _deploy_config() -> AppConfig:
    bot = SERVICES["bot"]
    (mount,) = bot["volumes"]
    source, target, _ = mount.split(":")
    assert f"METRICS_BOT_CONFIG={target}" in DOCKERFILE  # where the image looks for it
    return load_config(ROOT / source)


def _secret_refs(config: AppConfig) -> list[SecretRef]:
    from bot.config_check import secret_refs

    return [ref for _, ref in secret_refs(config)]


def test_every_secret_comes_from_a_compose_secret_file() -> None:
    config = _deploy_config()
    declared = COMPOSE["secrets"]
    assert all(spec["file"].startswith("./secrets/") for spec in declared.values())
    refs = _secret_refs(config)
    assert len(refs) >= 5  # database, pseudonym key, Slack token and secret, GitHub
    for ref in refs:
        assert ref.env is None and ref.file is not None, ref
        assert ref.file.parent == Path("/run/secrets"), ref
        for service in ("migrate", "bot"):
            assert ref.file.name in SERVICES[service]["secrets"], (service, ref)
        assert ref.file.name in declared
    assert config.database_url.startswith("postgresql://") and "@db:" in config.database_url


def test_postgres_and_the_bot_read_the_same_password_file() -> None:
    config = _deploy_config()
    db = SERVICES["db"]
    assert config.database_password is not None
    password_file = db["environment"]["POSTGRES_PASSWORD_FILE"]
    assert Path(password_file) == config.database_password.file
    assert Path(password_file).name in db["secrets"]


@pytest.mark.parametrize("service", ["db", "migrate", "bot"])
def test_no_secret_value_sits_in_the_environment(service: str) -> None:
    environment = SERVICES[service].get("environment") or {}
    for name in environment:
        if re.search(r"PASSWORD|TOKEN|SECRET|KEY", name):
            assert name.endswith("_FILE"), name
