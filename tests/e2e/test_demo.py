"""scripts/demo: the whole seed article against a local emulator, as a new user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Home

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_demo_plays_the_article_to_the_end_and_leaves_no_trace(home: Home, tmp_path: Path) -> None:
    bin_dir = os.path.dirname(sys.executable)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PROFILES_DEMO_VENV": sys.prefix,
        "TMPDIR": str(scratch),
        # If the demo touched the user's files, they would appear here.
        "AWS_CONFIG_FILE": str(home.config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home.credentials),
    }
    result = subprocess.run(
        [str(ROOT / "scripts" / "demo")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # minutes only on a machine busy with other work; about 40 s otherwise
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "$ profiles onboard examples/team.toml --from-json" in out
    assert "3 ok, 0 failed" in out
    assert "arn:aws:sts::123456789012:assumed-role/example-role/AWSCLI-Session" in out
    assert "$ profiles discover --source Bob --organization --verify --manifest team.toml" in out
    assert "3 ok, 0 failed" in out.split("$ profiles onboard team.toml")[1]  # Bob and two roles
    assert out.rstrip().endswith("nothing was kept.\x1b[0m")
    assert not home.config.exists()
    assert not home.credentials.exists()
    assert list(scratch.iterdir()) == []  # the work folder went with the emulator
