"""The README's quick start, run as written: each line of its code block, in one real bash, on a
machine with no AWS variables (only AWS_ENDPOINT_URL, which points the tools at the emulator)."""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Home
from tests.e2e.conftest import MotoServer

README = Path(__file__).resolve().parents[2] / "README.md"
ALICE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:ListRoles", "sts:AssumeRole"], "Resource": "*"}],
}


def quick_start() -> list[str]:
    """The command lines of the README's quick start (its first sh block), comments left out."""
    section = README.read_text().split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _administrator(server: MotoServer, folder: Path) -> str:
    """What the quick start assumes: alice, her key as the console's CSV, dev-role trusting her."""
    server.reset()
    iam = server.client("iam")
    alice = iam.create_user(UserName="alice")["User"]["Arn"]
    iam.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=json.dumps(ALICE_POLICY))
    trust = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": alice}, "Action": "sts:AssumeRole"},
    }
    role = iam.create_role(RoleName="dev-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with open(folder / "alice_accessKeys.csv", "w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(["Access key ID", "Secret access key"])
        writer.writerow([key["AccessKeyId"], key["SecretAccessKey"]])
    server.enforce(True)
    return str(role).split(":")[4]


def _run(lines: list[str], folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Every line in one bash, in order; the first that fails stops it, naming itself."""
    check = "status=$?; [ $status = 0 ] || {{ echo {} >&2; exit $status; }}"
    script = "".join(f"{line}\n{check.format(shlex.quote('FAILED: ' + line))}\n" for line in lines)
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "region",
    [
        # add-role gives the role its source's region, and says so (issue 19 item 1)
        pytest.param(None, id="no-AWS-variables"),
        pytest.param("eu-west-1", id="with-AWS_DEFAULT_REGION"),
    ],
)
def test_the_readme_quick_start_works_as_written(
    moto_server: MotoServer, home: Home, tmp_path: Path, region: str | None
) -> None:
    lines = quick_start()
    assert lines[0].startswith("profiles add-user alice --from-csv alice_accessKeys.csv")
    folder = tmp_path / "downloads"
    folder.mkdir()
    account = _administrator(moto_server, folder)
    try:
        # A fresh machine: no AWS variables at all, the tools on PATH, a HOME of its own.
        env = {
            name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PROFILES_"))
        }
        env.update(
            HOME=str(home.root),
            PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
            SHELL=shutil.which("bash") or "/bin/bash",
            AWS_ENDPOINT_URL=moto_server.url,
        )
        if region:
            env["AWS_DEFAULT_REGION"] = region
        ran = _run(lines, folder, env)
    finally:
        moto_server.enforce(False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert f"arn:aws:sts::{account}:assumed-role/dev-role/alice" in ran.stdout.splitlines()
    assert "2 ok, 0 failed" in ran.stdout + ran.stderr
    assert "region eu-west-1 (from source profile 'alice')" in ran.stderr
    assert (home.root / ".aws" / "credentials").is_file()
