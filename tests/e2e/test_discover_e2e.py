"""profiles discover against a moto_server with an organization, IAM enforcement on, read back by the aws CLI.

The server is this module's own, started without AWS managed policies: with them, moto spends
seconds on each Organizations account it creates. moto checks a trust policy only for a role of
the caller's own account, and lets anyone assume a role of another account: Bob's own policy
therefore denies him the Sandbox account's roles, which stands in for a Sandbox role that does
not trust him.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import botocore.session
import pytest

from awsprofiles import manifest
from awsprofiles.cli import main
from tests.conftest import Home
from tests.e2e.conftest import REGION, Article, MotoServer
from tests.e2e.test_keyring_e2e import key_file
from tests.test_discover import trust

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"  # the management account, Bob's own
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"


@dataclass
class Org:
    server: MotoServer
    accounts: dict[str, str]  # name -> ID
    keys: dict[str, tuple[str, str]]  # user -> (key ID, secret)

    def credentials(self, home: Home, *users: str) -> None:
        home.credentials.parent.mkdir(parents=True, exist_ok=True)
        home.credentials.write_text(
            "".join(
                f"[{user}]\naws_access_key_id = {self.keys[user][0]}\n"
                f"aws_secret_access_key = {self.keys[user][1]}\n"
                for user in users
            )
        )
        os.chmod(home.credentials, 0o600)
        home.config.write_text("".join(f"[profile {user}]\nregion = {REGION}\n" for user in users))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    server = MotoServer(tmp_path_factory.mktemp("moto-org") / "moto_server.log", managed_policies=False)
    server.start()
    try:
        organizations = server.client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        accounts = {
            name: organizations.create_account(AccountName=name, Email=f"{name.lower()}@example.com")[
                "CreateAccountStatus"
            ]["AccountId"]
            for name in ("Dev", "Prod", "Sandbox")
        }
        iam = server.client("iam")
        policies = {
            "Bob": [
                {"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:ListRoles"], "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "sts:AssumeRole",
                    "Resource": f"arn:aws:iam::{accounts['Sandbox']}:role/*",
                },
            ],
            "OrgReader": [
                {
                    "Effect": "Allow",
                    "Action": ["organizations:ListAccounts", "organizations:DescribeOrganization"],
                    "Resource": "*",
                }
            ],
        }
        keys = {}
        for user, statements in policies.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(
                UserName=user,
                PolicyName="own",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            )
            key = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
        iam.create_user(UserName="ci")
        roles = {
            "deploy": ("/", trust({"AWS": BOB})),
            "ops": ("/team/", trust({"AWS": BOB})),
            "ci-runner": ("/", trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/ci"})),
            "ec2-instance": ("/", trust({"Service": "ec2.amazonaws.com"})),
            "partner-audit": ("/", trust({"AWS": BOB}, {"StringEquals": {"sts:ExternalId": "partner-7"}})),
        }
        for name, (path, document) in roles.items():
            iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=document)
        server.enforce(True)
        yield Org(server, accounts, keys)
    finally:
        server.stop()


@pytest.fixture
def against(org: Org, home: Home, monkeypatch: pytest.MonkeyPatch) -> Org:
    monkeypatch.setenv("AWS_ENDPOINT_URL", org.server.url)
    org.credentials(home, "Bob", "OrgReader")
    return org


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_organization_is_discovered_verified_listed_in_a_manifest_and_written_for_the_aws_cli(
    against: Org, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One test (one server) for the whole story: worksteal would start a server per worker."""
    dev, prod, sandbox = (against.accounts[name] for name in ("Dev", "Prod", "Sandbox"))
    before = home.config.read_bytes(), home.credentials.read_bytes()

    # Bob may not list the organization: the error says what to do, and nothing is written.
    code, out, err = run(capsys, "discover", "--source", "Bob", "--organization")
    assert (code, out) == (1, "")
    assert "may not list the organization's accounts; give --org-profile PROFILE" in err
    assert err.count("\n") == 1

    # A team manifest of the verified roles; the files are not touched.
    team = tmp_path / "team.toml"
    args = ["discover", "--source", "Bob", "--organization", "--org-profile", "OrgReader", "--verify"]
    code, _, err = run(capsys, *args, "--manifest", str(team), "--region", "eu-central-1")
    assert code == 0, err
    assert (home.config.read_bytes(), home.credentials.read_bytes()) == before
    loaded = manifest.load(team)
    assert loaded.source.profile == "Bob"
    roles = {role.profile: dict(role.values) for role in loaded.roles}
    assert "Sandbox.OrganizationAccountAccessRole" not in roles
    assert roles["master.ops"]["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/team/ops"
    assert roles["Dev.OrganizationAccountAccessRole"]["region"] == "eu-central-1"
    assert {"account_id", "role_name", "profile"} == set(tomllib.loads(team.read_text())["roles"][0])

    # The profiles themselves.
    code, out, err = run(capsys, *args, "--apply", "--json")
    assert code == 0, err
    report = json.loads(out)
    found = {p["name"]: p for p in report["profiles"]}
    assert set(found) == {
        "master.deploy",
        "master.ops",
        "Dev.OrganizationAccountAccessRole",
        "Prod.OrganizationAccountAccessRole",
    }
    assert all(p["verified"] is True and p["action"] == "create" for p in found.values())
    assert found["master.ops"]["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/team/ops"
    skipped = {item["what"]: item["reason"] for item in report["skipped"]}
    assert f"arn:aws:iam::{ACCOUNT}:user/ci, not {BOB}" in skipped[f"arn:aws:iam::{ACCOUNT}:role/ci-runner"]
    assert "ec2.amazonaws.com (service)" in skipped[f"arn:aws:iam::{ACCOUNT}:role/ec2-instance"]
    assert "external ID" in skipped[f"arn:aws:iam::{ACCOUNT}:role/partner-audit"]
    sandbox_role = f"arn:aws:iam::{sandbox}:role/OrganizationAccountAccessRole"
    assert "[assume-denied]" in skipped[sandbox_role]
    assert (
        "no role of that name" in skipped[f"account master ({ACCOUNT}), role OrganizationAccountAccessRole"]
    )

    assert report["written"] is True
    written = home.config.read_bytes(), home.credentials.read_bytes()
    session = botocore.session.Session(profile="Dev.OrganizationAccountAccessRole")
    profile = session.get_scoped_config()
    assert profile["role_arn"] == f"arn:aws:iam::{dev}:role/OrganizationAccountAccessRole"
    assert profile["source_profile"] == "Bob"
    assert profile["profiles_discovered_from"] == "source:Bob"

    # The real aws CLI assumes a generated profile with Bob's key, IAM enforcement on.
    env = {**os.environ, "AWS_PAGER": ""}
    command = ["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]
    aws = subprocess.run(
        [sys.executable, "-m", "awscli", *command, "--profile", "Prod.OrganizationAccountAccessRole"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert aws.returncode == 0, aws.stderr
    assert aws.stdout.strip() == f"arn:aws:sts::{prod}:assumed-role/OrganizationAccountAccessRole/Bob"

    # Idempotent: a second run finds the same and leaves both files byte for byte.
    code, _, err = run(capsys, *args, "--apply")
    assert code == 0, err
    assert "4 roles found, 5 skipped; no changes: every discovered profile is already in place" in err
    assert (home.config.read_bytes(), home.credentials.read_bytes()) == written


def test_a_keyring_source_with_mfa_discovers_roles_that_ask_for_no_second_code(
    keyring_article: Article,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bob's key in the Secret Service, his MFA session kept there: discover reaches AWS through
    his credential_process (a real process botocore starts), and the roles it writes work off a
    terminal with that session. The commands run in-process: only the processes are the point."""
    from awsprofiles.sessions import NO_PROMPT

    article = keyring_article
    for variable in ("AWS_ENDPOINT_URL", "PATH"):
        monkeypatch.setenv(variable, article.env[variable])
    # moto knows GetSessionToken's credentials only with IAM enforcement off, and names their
    # caller arn:aws:sts::ACCOUNT:user/moto (AWS: Bob): a role trusting the account is found.
    admin = article.create_role("team-admin", f"arn:aws:iam::{article.account}:root")
    article.server.enforce(False)
    serial = f"arn:aws:iam::{article.account}:mfa/Bob"
    added = run(capsys, "add-user", "Bob", "--keyring", "--mfa-serial", serial, "--region", REGION,
                "--from-json", str(key_file(article, tmp_path)), "--no-check")  # fmt: skip
    assert added[0] == 0, added[2]

    with monkeypatch.context() as off_a_terminal:
        off_a_terminal.setenv(NO_PROMPT, "1")
        code, out, err = run(capsys, "discover", "--source", "Bob")
    assert (code, out) == (1, "")
    assert err.rstrip().endswith("[mfa-required]"), err
    assert "profiles whoami Bob" in err  # how to start the session

    session = run(capsys, "credential-process", "Bob", "--from-keyring", "--mfa-code", "123456")
    assert session[0] == 0, session[2]
    code, out, err = run(capsys, "discover", "--source", "Bob", "--verify", "--apply", "--json")
    assert code == 0, err
    name = f"{article.account}.team-admin"
    assert [(p["name"], p["verified"]) for p in json.loads(out)["profiles"]] == [(name, True)]
    profile = botocore.session.Session(profile=name).get_scoped_config()
    assert (profile["role_arn"], profile["source_profile"]) == (admin, "Bob")
    assert "mfa_serial" not in profile  # Bob's session carries the MFA: no second code

    aws = article.aws("sts", "get-caller-identity", "--profile", name, "--query", "Arn", "--output", "text")
    assert aws.returncode == 0, aws.stderr
    assert aws.stdout.strip().startswith(f"arn:aws:sts::{article.account}:assumed-role/team-admin/")
