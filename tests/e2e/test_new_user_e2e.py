"""What a new user hit (issue 19), against moto_server: the README's quick start as written, on a
machine with no AWS region set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Article
from tests.e2e.test_onboard_e2e import key_csv

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start() -> list[str]:
    """The commands of the README's quick start (its first code block) that need nothing but the
    emulator: the user and the role, the check, the role's credentials in the shell."""
    block = README.read_text().split("```", 2)[1].split("\n", 1)[1]
    commands = [line.removeprefix("$ ") for line in block.splitlines()]
    wanted = ("profiles add-user ", "profiles add-role ", "profiles check", 'eval "$(profiles env ')
    return [command for command in commands if command.startswith(wanted)]


def without_region(article: Article) -> dict[str, str]:
    """The article's environment with no region variable: only AWS_ENDPOINT_URL points at the emulator."""
    env = {
        key: value for key, value in article.env.items() if key not in ("AWS_REGION", "AWS_DEFAULT_REGION")
    }
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def test_the_readme_quick_start_runs_as_written_without_a_region_variable(
    article: Article, tmp_path: Path
) -> None:
    commands = quick_start()
    assert [command.split()[1] for command in commands[:3]] == ["add-user", "add-role", "check"]
    csv = re.search(r"--from-csv (\S+)", commands[0])
    assert csv is not None
    key_csv(article, tmp_path).rename(tmp_path / csv.group(1))
    for command in commands:
        ran = subprocess.run(
            ["bash", "-ec", command],
            cwd=tmp_path,
            env=without_region(article),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, f"$ {command}\n{ran.stdout}{ran.stderr}"
        if command.startswith("profiles add-role "):
            assert "region eu-west-1 (from source profile 'Bob')" in ran.stderr
