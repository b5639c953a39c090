"""Shared fixtures: isolated AWS files for every test, and a real moto_server for e2e tests.

No test may touch the machine's real ~/.aws: every test gets its own HOME, AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE under tmp_path, and no AWS credentials from the environment.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from awsprofiles.store import Paths
from tests.sso_emulator import SsoEmulator, running

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
PROFILES = [sys.executable, "-m", "awsprofiles"]

_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
)


@dataclass
class Home:
    """A throw-away home with its own AWS files."""

    root: Path
    paths: Paths

    @property
    def config(self) -> Path:
        return Path(self.paths.config)

    @property
    def credentials(self) -> Path:
        return Path(self.paths.credentials)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    root = tmp_path / "home"
    root.mkdir()
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    paths = Paths(root / ".aws" / "config", root / ".aws" / "credentials")
    monkeypatch.setenv("HOME", str(root))
    monkeypatch.setenv("USERPROFILE", str(root))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(paths.credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # `profiles env` run in-process records the profiles it resolves in os.environ (for the
    # credential_process it starts): each test starts with none and leaves none behind.
    monkeypatch.setenv("PROFILES_RESOLVING", "[]")
    return Home(root, paths)


@pytest.fixture
def sso_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoEmulator]:
    """The local IAM Identity Center (tests/sso_emulator.py), where this process's SSO calls go."""
    with running() as emulator:
        for name, value in emulator.env().items():
            monkeypatch.setenv(name, value)
        yield emulator


def corpus() -> list[Path]:
    """Every messy real-looking file: the shared fixtures and the project's own."""
    files = {path.name: path for path in FIXTURES.iterdir() if path.suffix in (".config", ".credentials")}
    if SHARED_FIXTURES.is_dir():  # CI lays shared/ beside the clone; new files there count too
        for path in SHARED_FIXTURES.iterdir():
            if path.suffix in (".config", ".credentials"):
                files.setdefault(path.name, path)
    return [files[name] for name in sorted(files)]


def copy_fixture(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target
