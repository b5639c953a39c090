"""An IAM Identity Center team end to end: the real `profiles`, `aws` and boto3 as separate processes.

The SSO emulator (tests/sso_emulator.py) plays IAM Identity Center; its GetRoleCredentials hands out
credentials that moto_server's STS issued, so `check` and `aws sts get-caller-identity` really
identify the SSO role. The browser is a script (through BROWSER, as `webbrowser` reads it) that
opens the verification URL, which approves the sign-in as a person would.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROFILES, Home
from tests.e2e.conftest import REGION, MotoServer
from tests.sso_emulator import SsoEmulator, running

pytestmark = pytest.mark.e2e

TEAM = """
[sso]
start_url = "https://acme.awsapps.com/start"
region = "eu-west-1"

[defaults]
region = "eu-west-1"

[[roles]]
profile = "acme-dev"
account_id = "210987654321"
role_name = "PowerUserAccess"
"""
ROLE_ARN_PREFIX = "arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_PowerUserAccess_0123456789abcdef/"


@dataclass
class Team:
    emulator: SsoEmulator
    home: Home
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, env=env or self.env, timeout=120)

    def profiles(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(*PROFILES, *args)


@pytest.fixture
def team(moto_server: MotoServer, home: Home, tmp_path: Path) -> Iterator[Team]:
    moto_server.reset()  # IAM enforcement off: moto's STS mints the role credentials below
    sts = moto_server.client("sts")

    @functools.cache
    def role_credentials(account: str, role: str) -> dict[str, Any]:
        path = "aws-reserved/sso.amazonaws.com"
        arn = f"arn:aws:iam::{account}:role/{path}/AWSReservedSSO_{role}_0123456789abcdef"
        issued = sts.assume_role(RoleArn=arn, RoleSessionName="alice")["Credentials"]
        return {
            "accessKeyId": issued["AccessKeyId"],
            "secretAccessKey": issued["SecretAccessKey"],
            "sessionToken": issued["SessionToken"],
            "expiration": int(issued["Expiration"].timestamp() * 1000),
        }

    browser = tmp_path / "browser.py"
    browser.write_text("import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=10).read()\n")
    with running(credentials_factory=role_credentials) as emulator:
        emulator.add_account("210987654321", "dev", "PowerUserAccess")
        role_credentials("210987654321", "PowerUserAccess")  # minted now, not while a client waits
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(
            {
                "HOME": str(home.root),
                "AWS_CONFIG_FILE": str(home.config),
                "AWS_SHARED_CREDENTIALS_FILE": str(home.credentials),
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_ENDPOINT_URL": moto_server.url,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_PAGER": "",
                "BROWSER": f"{sys.executable} {browser} %s",
                **emulator.env(),
            }
        )
        yield Team(emulator, home, env)


def test_onboard_login_check_and_every_sdk_then_logout(team: Team, tmp_path: Path) -> None:
    manifest = tmp_path / "team.toml"
    manifest.write_text(TEAM)
    onboarded = team.profiles("onboard", str(manifest))
    assert onboarded.returncode == 0, onboarded.stderr
    assert "sign in first with 'profiles login acme-dev'" in onboarded.stderr

    login = team.profiles("login", "acme-dev")
    assert login.returncode == 0, login.stderr
    assert "/device?user_code=" in login.stderr
    assert "signed in to sso-session 'acme'" in login.stderr
    assert team.emulator.operations()[:2] == ["RegisterClient", "StartDeviceAuthorization"]

    checked = team.profiles("check", "acme-dev", "--json", "--timeout", "60")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    [result] = json.loads(checked.stdout)
    assert (result["kind"], result["ok"], result["account"]) == ("sso", True, "210987654321")
    assert result["arn"].startswith(ROLE_ARN_PREFIX)

    # The AWS CLI and boto3, each in its own process, sign with the token profiles cached.
    cli = team.run(sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", "acme-dev")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"].startswith(ROLE_ARN_PREFIX)
    sdk = team.run(
        sys.executable,
        "-c",
        "import boto3\n"
        "print(boto3.Session(profile_name='acme-dev').client('sts').get_caller_identity()['Arn'])",
    )
    assert sdk.returncode == 0, sdk.stderr
    assert sdk.stdout.startswith(ROLE_ARN_PREFIX)

    secrets = [team.emulator.access_tokens, team.emulator.refresh_tokens]
    everything = login.stdout + login.stderr + checked.stdout + checked.stderr + onboarded.stderr
    assert not any(secret in everything for store in secrets for secret in store)

    logout = team.profiles("logout")
    assert logout.returncode == 0, logout.stderr
    assert team.emulator.operations()[-1] == "Logout"
    again = team.profiles("check", "acme-dev", "--timeout", "60")
    assert again.returncode == 1
    assert "sso-login" in again.stdout
    assert "profiles login acme-dev" in again.stdout
