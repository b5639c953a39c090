"""Finding a role's ARN and the session name for add-role, with the source's credentials (moto)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from awsprofiles.aws.iam import find_role_arn, session_name_for
from awsprofiles.aws.identity import Identity, Resolver
from awsprofiles.errors import CheckFailed
from tests.conftest import Home
from tests.store_helpers import run

TRUST = {"Version": "2012-10-17", "Statement": []}


@pytest.fixture
def resolver(home: Home) -> Iterator[Resolver]:
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="Bob")
        key = iam.create_access_key(UserName="Bob")["AccessKey"]
        iam.create_role(RoleName="deploy", Path="/team/ops/", AssumeRolePolicyDocument=json.dumps(TRUST))
        home.config.parent.mkdir(parents=True)
        home.credentials.write_text(
            f"[bob]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        )
        os.chmod(home.credentials, 0o600)
        yield Resolver(home.paths)


def test_listed_role_keeps_its_path(resolver: Resolver) -> None:
    found = find_role_arn(resolver, "bob", "deploy")
    assert found.arn == "arn:aws:iam::123456789012:role/team/ops/deploy"
    assert "iam:ListRoles" in found.how
    assert found.source.iam_user_name == "Bob"


def test_role_in_another_account_is_built_from_that_account(resolver: Resolver) -> None:
    found = find_role_arn(resolver, "bob", "deploy", account="210987654321")
    assert found.arn == "arn:aws:iam::210987654321:role/deploy"
    assert "--account" in found.how


def test_missing_role_is_reported_with_the_account(resolver: Resolver) -> None:
    with pytest.raises(CheckFailed, match="no role named 'nothing'") as error:
        find_role_arn(resolver, "bob", "nothing")
    assert "123456789012" in str(error.value)


def test_session_name_is_the_iam_user_name_or_the_sanitized_local_user() -> None:
    user = Identity("123456789012", "arn:aws:iam::123456789012:user/people/Bob", "AIDA")
    assumed = Identity("123456789012", "arn:aws:sts::123456789012:assumed-role/admin/x", "AROA:x")
    assert session_name_for(user, lambda: "ignored") == "Bob"
    assert session_name_for(assumed, lambda: "Jane Doe (ops)") == "Jane-Doe--ops-"
    assert session_name_for(assumed, lambda: "j") == "j-user"


def test_a_mistyped_role_name_names_the_close_role_of_the_account(
    resolver: Resolver, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19 item 16: add-role --role-name dev-rol said only that the account had no such role."""
    before = home.config.read_bytes() if home.config.exists() else None
    result = run(capsys, "add-role", "ops", "--source", "bob", "--role-name", "deplyo")
    assert result.code == 1, result.err
    assert "account 123456789012 has no role named 'deplyo'; did you mean 'deploy'?" in result.err
    assert (home.config.read_bytes() if home.config.exists() else None) == before
    result = run(capsys, "add-role", "ops", "--source", "bob", "--role-name", "reader")
    assert "has no role named 'reader' (1 roles listed)" in result.err  # nothing close: no guess
