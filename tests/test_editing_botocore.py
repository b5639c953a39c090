"""botocore (and the real aws CLI) as the oracle: what the commands write is what they read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from awsprofiles import store
from tests.conftest import FIXTURES, Home, copy_fixture
from tests.store_helpers import botocore_profile, run

ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
MFA = "arn:aws:iam::123456789012:mfa/alice"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_CLI = Path(sys.executable).with_name("aws")


def sections(path: Path, role: store.Role) -> dict[str, object]:
    return dict(store.read_file(role, path).sections)


def test_add_user_gives_botocore_exactly_the_key_and_settings(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(
        capsys,
        *["add-user", "--no-check", "alice", "--access-key-id", KEY_ID, "--secret-stdin"],
        *["--region", "eu-west-1", "--output", "json"],
        stdin=SECRET + "\n",
    )
    assert result.code == 0, result.err
    assert botocore_profile(home.config, home.credentials, "alice") == {
        "aws_access_key_id": KEY_ID,
        "aws_secret_access_key": SECRET,
        "region": "eu-west-1",
        "output": "json",
    }
    # secrets in credentials, settings in config
    assert sections(home.credentials, "credentials") == {
        "alice": {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    }
    assert sections(home.config, "config") == {"profile alice": {"region": "eu-west-1", "output": "json"}}


def test_add_user_force_moves_keys_out_of_the_config_file(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / "legacy.config", home.config)
    new_secret = "Zx9/EXAMPLEnewSECRETkeyForTheBuildBox000"
    argv = [
        "add-user",
        "--no-check",
        "build",
        "--access-key-id",
        "AKIAJZ5EXAMPLE7QRSTU",
        "--secret-stdin",
        "--force",
    ]
    assert run(capsys, *argv, stdin=new_secret).code == 0
    assert "aws_" not in str(sections(home.config, "config")["profile build"])
    assert botocore_profile(home.config, home.credentials, "build") == {
        "aws_access_key_id": "AKIAJZ5EXAMPLE7QRSTU",
        "aws_secret_access_key": new_secret,
        "region": "eu-west-1",
    }


def test_add_role_gives_botocore_exactly_the_role_settings(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir()
    home.credentials.write_text(f"[alice]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    result = run(
        capsys,
        *[
            "add-role",
            "--no-check",
            "deploy",
            "--source",
            "alice",
            "--role-arn",
            ROLE_ARN,
            "--mfa-serial",
            MFA,
        ],
        *["--external-id", "ext-42", "--session-name", "alice-deploy", "--duration", "3600"],
        *["--region", "us-east-2"],
    )
    assert result.code == 0, result.err
    assert botocore_profile(home.config, home.credentials, "deploy") == {
        "role_arn": ROLE_ARN,
        "source_profile": "alice",
        "mfa_serial": MFA,
        "external_id": "ext-42",
        "role_session_name": "alice-deploy",
        "duration_seconds": "3600",
        "region": "us-east-2",
    }
    assert "deploy" not in sections(home.credentials, "credentials")


def test_add_role_with_credential_source_replaces_source_profile_when_forced(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / "chained.config", home.config)
    argv = [
        "add-role",
        "--no-check",
        "audit",
        "--credential-source",
        "EcsContainer",
        "--role-arn",
        ROLE_ARN,
        "--force",
    ]
    assert run(capsys, *argv).code == 0
    assert botocore_profile(home.config, home.credentials, "audit") == {
        "role_arn": ROLE_ARN,
        "credential_source": "EcsContainer",
        "external_id": "7c1e9f0a-audit",
        "duration_seconds": "3600",
    }


@pytest.mark.parametrize("fixture", ["comments-everywhere.config", "sso-org.config", "legacy.config"])
def test_set_on_a_messy_file_changes_only_what_botocore_sees_for_that_key(
    fixture: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / fixture, home.config)
    names = store.load(home.paths).names()
    before = {name: botocore_profile(home.config, home.credentials, name) for name in names}
    target = names[-1]
    assert run(capsys, "set", target, "region", "ca-central-1").code == 0
    assert run(capsys, "set", target, "cli_pager", "less").code == 0
    for name in names:
        expected = before[name]
        if name == target:
            expected = {**expected, "region": "ca-central-1", "cli_pager": "less"}
        assert botocore_profile(home.config, home.credentials, name) == expected


def test_the_aws_cli_reads_what_profiles_wrote(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    # (not comments-everywhere.config: the aws CLI would import its [plugins] module)
    copy_fixture(FIXTURES / "windows.config", home.config)
    argv = [
        "add-role",
        "--no-check",
        "my team",
        "--source",
        "default",
        "--role-arn",
        "arn:aws:iam::123456789012:role/Team",
    ]
    assert run(capsys, *argv).code == 0
    assert run(capsys, "set", "my team", "output", "yaml").code == 0
    argv = [
        "add-user",
        "--no-check",
        "new user",
        "--access-key-id",
        KEY_ID,
        "--secret-stdin",
        "--region",
        "sa-east-1",
    ]
    assert run(capsys, *argv, stdin=SECRET).code == 0
    env = {
        **os.environ,
        "AWS_CONFIG_FILE": str(home.config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home.credentials),
    }

    def aws_get(profile: str, key: str) -> str:
        result = subprocess.run(
            [str(AWS_CLI), "configure", "get", key, "--profile", profile],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return result.stdout.strip()

    assert aws_get("my team", "output") == "yaml"
    assert aws_get("my team", "role_arn") == "arn:aws:iam::123456789012:role/Team"
    assert aws_get("new user", "region") == "sa-east-1"
    assert aws_get("new user", "aws_access_key_id") == KEY_ID


def test_rename_to_a_name_with_spaces_is_read_back_by_botocore(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / "chained.config", home.config)
    home.credentials.write_text(f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    before = botocore_profile(home.config, home.credentials, "Bob")
    assert run(capsys, "rename", "Bob", "bob's keys").code == 0
    assert botocore_profile(home.config, home.credentials, "bob's keys") == before
    assert botocore_profile(home.config, home.credentials, "audit") == {
        "role_arn": "arn:aws:iam::210987654321:role/audit/Auditor",
        "source_profile": "example-role",
        "external_id": "7c1e9f0a-audit",
        "duration_seconds": "3600",
    }
    assert botocore_profile(home.config, home.credentials, "example-role")["source_profile"] == "bob's keys"
