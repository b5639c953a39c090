"""Real-world states (a stale AWS_PROFILE, keys in the environment, a broken credential_process,
a deleted source key, a refused IAM call) get a message that names the culprit and its fix.

In-process against moto; the same states are replayed against moto_server in tests/e2e."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from awsprofiles import check, rotate
from awsprofiles.aws import iam
from awsprofiles.aws.credentials import get_credentials
from awsprofiles.aws.errors import SELF_SERVICE_KEYS, classify, origin_of
from awsprofiles.errors import CheckFailed
from tests.conftest import Home
from tests.store_helpers import run
from tests.test_check import enforced, keys, make_role, make_user, write


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def by_name(results: list[check.CheckResult]) -> dict[str, check.CheckResult]:
    return {result.profile: result for result in results}


# --------------------------------------------------------------------------- 1: stale AWS_PROFILE


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_a_stale_environment_profile_does_not_stop_check_and_warns_once(
    variable: str, home: Home, aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = make_user(aws, "Bob")
    write(home, credentials=keys("Bob", bob["id"], bob["secret"]))
    monkeypatch.setenv(variable, "ghost")
    result = enforced(lambda: run(capsys, "check", "--json"))
    assert result.code == 0, result.err
    assert [row["ok"] for row in json.loads(result.out)] == [True]
    assert result.err.count(f"{variable}=ghost names no profile") == 1


def test_role_lookup_ignores_a_stale_aws_profile(
    home: Home, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = make_user(aws, "Bob", ("sts:AssumeRole", "iam:ListRoles"))
    role = make_role(aws, "example-role", bob["arn"])
    write(home, credentials=keys("Bob", bob["id"], bob["secret"]))
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    found = enforced(lambda: iam.find_role(home.paths, "Bob", "example-role"))
    assert found.arn == role


def test_whoami_without_a_name_says_the_environment_names_no_profile(
    home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(home, credentials=keys("Bob", "AKIAMADEUPMADEUP1234", "s"))
    monkeypatch.setenv("AWS_PROFILE", "bob")
    result = run(capsys, "whoami")
    assert result.code == 2
    assert result.err.startswith("error: AWS_PROFILE=bob names no profile; did you mean 'Bob'?")


# --------------------------------------------------------------------------- 2: the profile that holds it


def test_a_role_over_a_deleted_source_key_names_the_source_in_its_fix(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob")
    role = make_role(aws, "example-role", bob["arn"])
    write(
        home,
        config=f"[profile example-role]\nrole_arn = {role}\nsource_profile = Bob\n"
        f"[profile audit]\nrole_arn = {role}\nsource_profile = example-role\n",
        credentials=keys("Bob", bob["id"], bob["secret"]),
    )
    aws.delete_access_key(UserName="Bob", AccessKeyId=bob["id"])
    results = by_name(enforced(lambda: check.check_profiles(home.paths)))
    for name in ("example-role", "audit"):
        assert results[name].error == "invalid-key"
        assert "the access key of its source profile 'Bob'" in results[name].message
        assert "'profiles add-user Bob --force'" in results[name].message
        assert f"add-user {name}" not in results[name].message


def test_the_origin_named_is_the_profile_botocore_takes_the_credentials_from() -> None:
    role_arn = "arn:aws:iam::123456789012:role/r"
    keys_of = {"aws_access_key_id": "AKIAMADEUPMADEUP1234", "aws_secret_access_key": "s"}
    profiles = {
        "deploy": {"role_arn": role_arn, "source_profile": "hop"},
        # a source that holds keys is read for them: botocore never assumes its own role
        "hop": {"role_arn": role_arn, "source_profile": "Bob", **keys_of},
        "Bob": keys_of,
        "self": {"role_arn": role_arn, "source_profile": "self"},
    }
    origin = origin_of("deploy", profiles)
    assert origin is not None
    assert origin.source == "the access key of its source profile 'hop'"
    assert "'profiles add-user hop --force'" in origin.new_key
    assert origin_of("self", profiles) is None  # a loop: botocore refuses it


def test_offline_check_flags_a_profile_of_two_kinds(home: Home) -> None:
    write(
        home,
        config="[profile example-role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = Bob\n",
        credentials=keys("Bob", "AKIAMADEUPMADEUP1234", "s")
        + keys("example-role", "AKIAMADEUPMADEUP1235", "s"),
    )
    result = by_name(check.check_profiles(home.paths, offline=True))["example-role"]
    assert (result.ok, result.error) == (False, "lint")
    assert "botocore uses the role and ignores the access key" in result.message
    assert by_name(check.check_profiles(home.paths, offline=True))["Bob"].ok


# --------------------------------------------------------------------------- 3: where keys came from


def test_invalid_keys_from_the_environment_are_named_as_such(
    home: Home, aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMADEUPMADEUP1234")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    result = enforced(lambda: run(capsys, "whoami"))
    assert result.code == 1
    assert "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in result.err
    assert "--force" not in result.err
    assert "profile 'default'" not in result.err
    assert result.err.rstrip().endswith("[invalid-key]")


def test_no_credentials_at_all_suggests_adding_a_default_profile_without_force(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "whoami")
    assert result.code == 1
    assert "profiles add-user default" in result.err
    assert "--force" not in result.err


# --------------------------------------------------------------------------- 5: credential_process


@pytest.fixture
def programs(tmp_path: Path) -> dict[str, str]:
    def script(name: str, body: str) -> str:
        path = tmp_path / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return str(path)

    return {
        "missing": str(tmp_path / "no-such-program"),
        "failing": script("failing", "echo 'token expired, run login' >&2\necho second line >&2\nexit 3\n"),
        "notjson": "echo notjson",
        "no-secret": script("no-secret", 'echo \'{"Version": 1, "AccessKeyId": "AKIAEXAMPLEEXAMPLE12"}\'\n'),
        "version-2": script("version-2", "echo '{\"Version\": 2}'\n"),
    }


PROCESS_CASES = [
    ("missing", "process-not-found", ("no-such-program", "does not exist")),
    ("failing", "process-failed", ("exited with status 3", "token expired, run login")),
    ("notjson", "process-bad-output", ("not JSON",)),
    ("no-secret", "process-bad-output", ("SecretAccessKey",)),
    ("version-2", "process-bad-output", ("Version",)),
]


def test_check_classifies_credential_process_failures(home: Home, programs: dict[str, str]) -> None:
    config = "".join(
        f"[profile {name}]\ncredential_process = {command}\n" for name, command in programs.items()
    )
    write(home, config=config)
    results = by_name(check.check_profiles(home.paths, timeout=5))
    for name, code, words in PROCESS_CASES:
        assert (results[name].error, results[name].kind) == (code, "process"), results[name].message
        for word in words:
            assert word in results[name].message
        assert "Error" not in results[name].message  # no class names
    assert "second line" not in results["failing"].message


@pytest.mark.parametrize(("name", "code", "words"), PROCESS_CASES)
def test_env_and_credential_process_classify_credential_process_failures_alike(
    name: str, code: str, words: tuple[str, ...], home: Home, programs: dict[str, str]
) -> None:
    write(home, config=f"[profile {name}]\ncredential_process = {programs[name]}\n")
    for use_cache in (True, False):
        with pytest.raises(CheckFailed) as failed:
            get_credentials(home.paths, name, use_cache=use_cache)
        assert failed.value.code == code
        assert "--no-cache" not in failed.value.message


def test_a_role_over_a_failing_credential_process_names_the_profile_that_runs_it(
    home: Home, programs: dict[str, str]
) -> None:
    write(
        home,
        config=f"[profile tool]\ncredential_process = {programs['missing']}\n"
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = tool\n",
    )
    result = by_name(check.check_profiles(home.paths, ["deploy"], timeout=5))["deploy"]
    assert result.error == "process-not-found"
    assert "profile 'tool'" in result.message


def test_a_credential_process_that_runs_profiles_for_its_own_profile_is_a_cycle(home: Home) -> None:
    write(
        home,
        config="[profile loop]\ncredential_process = profiles credential-process loop\n"
        "[profile a]\ncredential_process = /usr/local/bin/profiles credential-process b --no-cache\n"
        "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = a\n",
    )
    results = by_name(check.check_profiles(home.paths, offline=True))
    assert results["loop"].error == "lint"
    assert "loop -> loop" in results["loop"].message
    assert "a -> b -> a" in results["a"].message


# --------------------------------------------------------------------------- 7: AccessDenied


def test_access_denied_on_an_iam_call_is_denied_naming_the_actions_and_the_policy() -> None:
    error = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "User: x is not authorized"}}, "ListAccessKeys"
    )
    failed = classify(error, "Bob", needs=SELF_SERVICE_KEYS)
    assert failed.code == "denied"
    assert "iam:ListAccessKeys" in failed.message
    for action in ("iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"):
        assert action in failed.message
    assert "arn:aws:iam::*:user/${aws:username}" in failed.message


def test_a_403_whose_body_botocore_cannot_parse_is_denied_too() -> None:
    # botocore's code for an unparsed error body is the HTTP status (moto's Organizations).
    error = ClientError({"Error": {"Code": "403", "Message": ""}}, "ListAccounts")
    failed = classify(error, "Bob")
    assert (failed.code, failed.aws_code) == ("denied", "403")


def test_rotate_keys_without_iam_permissions_is_denied(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob", ("sts:GetCallerIdentity",))
    write(home, credentials=keys("Bob", bob["id"], bob["secret"]))
    with pytest.raises(CheckFailed) as failed:
        enforced(lambda: rotate.rotate(home.paths, "Bob"))
    assert failed.value.code == "denied"
    assert "iam:ListAccessKeys" in failed.value.message
    assert "nothing changed" in failed.value.message
