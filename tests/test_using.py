"""`profiles exec` and `credential-process` with a keys profile: no AWS call is needed."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROFILES, Home
from tests.store_helpers import run

KEYS = "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"


def _profiles(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROFILES, *args], capture_output=True, text=True, timeout=60)


def test_exec_can_be_nested(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(KEYS)
    ran = _profiles("exec", "k", "--", *PROFILES, "exec", "k", "--", "sh", "-c", 'echo "$AWS_ACCESS_KEY_ID"')
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "AKIAIOSFODNN7EXAMPLE\n"


def test_credential_process_that_calls_itself_fails_instead_of_looping(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    command = shlex.join([*PROFILES, "credential-process", "loop"])
    home.config.write_text(f"[profile loop]\ncredential_process = {command}\n")
    ran = _profiles("credential-process", "loop")
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "credential_process" in ran.stderr


def test_credential_process_of_a_keys_profile_has_no_token(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(KEYS)
    ran = _profiles("credential-process", "k")
    assert ran.returncode == 0, ran.stderr
    assert '"SessionToken"' not in ran.stdout
    assert '"Version": 1' in ran.stdout


def test_env_of_an_unreadable_file_exits_4_and_prints_nothing(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("region = eu-west-1\n[profile k]\n")
    ran = _profiles("env", "k", "--shell", "bash")
    assert ran.returncode == 4
    assert ran.stdout == ""
    assert str(home.config) in ran.stderr


def test_env_and_whoami_report_one_failure_in_the_same_words_with_the_code_last(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile empty]\nregion = eu-west-1\n")
    env, whoami = _profiles("env", "empty"), _profiles("whoami", "empty")
    assert (env.returncode, whoami.returncode) == (1, 1)
    assert env.stderr == whoami.stderr
    assert env.stderr.startswith("error: profile 'empty': no credentials")
    assert env.stderr.endswith(" [no-credentials]\n")


# --------------------------------------------------------------------------- exec: 126 and 127


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    """exec must refuse before it replaces this process (and before it assumes any role)."""

    def refuse(*args: object) -> None:
        raise AssertionError("exec ran a command it should have refused")

    monkeypatch.setattr(os, "execve", refuse)
    # exec records the profiles it resolves in the environment, for the processes it starts.
    monkeypatch.setenv("PROFILES_RESOLVING", "[]")


def _not_executable(folder: Path) -> Path:
    script = folder / "tool"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o644)
    return script


@pytest.mark.parametrize(
    ("command", "code", "said"),
    [
        ("{tmp}/tool", 126, "Permission denied"),
        ("{tmp}", 126, "Is a directory"),
        ("tool", 126, "Permission denied"),  # found on PATH, but cannot be run: bash says the same
        ("{tmp}/missing", 127, "No such file or directory"),
        ("missing", 127, "command not found"),
    ],
)
def test_exec_exits_126_or_127_as_a_shell_does_before_assuming_the_role(
    command: str,
    code: int,
    said: str,
    home: Home,
    tmp_path: Path,
    no_exec: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _not_executable(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    home.config.parent.mkdir(parents=True)
    # A role whose source has no credentials: assuming it first would fail with exit 1.
    home.config.write_text(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = s\n[profile s]\n"
    )
    result = run(capsys, "exec", "r", "--", command.format(tmp=tmp_path))
    assert result.code == code, result.err
    assert said in result.err
    assert result.err.startswith("error: ")
