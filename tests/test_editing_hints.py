"""Mistakes real users make while editing, each answered with a message that leads to the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsprofiles import store
from tests.conftest import FIXTURES, Home, copy_fixture
from tests.store_helpers import Result, botocore_profile, run, snapshot_bytes

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"


@pytest.fixture
def seeded(home: Home) -> Home:
    """The chained-roles config (Bob, example-role, audit, admin-mfa, on-ec2) and Bob's key."""
    copy_fixture(FIXTURES / "chained.config", home.config)
    home.credentials.write_text(f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    return home


def refused(result: Result, code: int, *fragments: str) -> str:
    """One `error:` line with every fragment, the exit code, nothing on stdout."""
    assert result.code == code, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.err
    assert result.out == ""
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def unchanged(home: Home) -> dict[Path, bytes | None]:
    return snapshot_bytes(home.config, home.credentials)


# --------------------------------------------------------------------------- item 8: did you mean


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["show", "exmple-role"], "'example-role'"),
        (["show", "bob"], "'Bob'"),
        (["get", "bob", "region"], "'Bob'"),
        (["remove", "adit"], "'audit'"),
        (["check", "--offline", "bob"], "'Bob'"),
    ],
)
def test_an_unknown_profile_name_suggests_the_closest(
    argv: list[str], meant: str, seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(run(capsys, *argv), 2, f"did you mean {meant}?")


def test_set_on_a_missing_profile_mentions_create(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    refused(run(capsys, "set", "dev", "region", "eu-west-1"), 2, "no profile named 'dev'", "--create")


def test_set_of_an_unknown_key_is_refused_with_the_closest_known_key(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = unchanged(seeded)
    refused(
        run(capsys, "set", "example-role", "regoin", "x"), 2, "'regoin'", "did you mean 'region'", "--force"
    )
    assert unchanged(seeded) == before


def test_set_of_an_unknown_key_with_force_writes_it_and_warns(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "set", "example-role", "my_tool_setting", "x", "--force")
    assert result.code == 0, result.err
    assert "warning: key 'my_tool_setting' is not one botocore or the AWS CLI reads" in result.err
    assert store.load(seeded.paths).profile("example-role").get("my_tool_setting") == "x"  # type: ignore[union-attr]


def test_set_of_a_known_key_needs_no_force(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "set", "example-role", "sts_regional_endpoints", "regional")
    assert (result.code, result.err) == (
        0,
        "profile 'example-role' updated: sts_regional_endpoints = regional\n",
    )


# --------------------------------------------------------------------------- item 9: regions


def test_a_misspelt_region_warns_with_the_closest_known_region(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "set", "Bob", "region", "eu-wset-1")
    assert result.code == 0, result.err
    assert "'eu-wset-1' is not a region botocore knows" in result.err
    assert "did you mean 'eu-west-1'?" in result.err


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "cn-north-1", "us-isob-east-1"])
def test_known_regions_of_every_partition_pass_silently(
    region: str, seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "warning" not in run(capsys, "set", "Bob", "region", region).err


# --------------------------------------------------------------------------- item 10: empty, half pairs


def test_set_of_an_empty_value_is_refused_and_points_to_unset(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = unchanged(seeded)
    refused(run(capsys, "set", "Bob", "region", ""), 2, "empty", "profiles unset Bob region", "--force")
    assert unchanged(seeded) == before
    assert run(capsys, "set", "Bob", "region", "", "--force").code == 0
    assert "region = \n" in seeded.config.read_text()


def test_unset_of_half_a_key_pair_is_refused(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    before = unchanged(seeded)
    refused(
        run(capsys, "unset", "Bob", "aws_access_key_id"),
        3,
        "aws_secret_access_key without its aws_access_key_id",
        "profiles unset Bob aws_access_key_id aws_secret_access_key",
    )
    assert unchanged(seeded) == before


def test_unset_of_both_halves_at_once_removes_the_pair(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "unset", "Bob", "aws_access_key_id", "aws_secret_access_key")
    assert result.code == 0, result.err
    assert "aws_" not in seeded.credentials.read_text()
    assert "aws_access_key_id" not in botocore_profile(seeded.config, seeded.credentials, "Bob")


def test_unset_of_half_a_key_pair_with_force_removes_it(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "unset", "Bob", "aws_secret_access_key", "--force").code == 0
    assert "aws_secret_access_key" not in seeded.credentials.read_text()


def test_set_of_an_access_key_id_without_its_secret_is_refused(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(run(capsys, "set", "example-role", "aws_access_key_id", KEY_ID), 3, "half a key pair", "add-user")


# --------------------------------------------------------------------------- item 2: one kind per profile


def test_add_user_force_on_a_role_profile_is_refused_naming_the_source(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = unchanged(seeded)
    argv = ["add-user", "example-role", "--access-key-id", KEY_ID, "--secret-stdin", "--force", "--no-check"]
    message = refused(run(capsys, *argv, stdin=SECRET + "\n"), 3, "assumes a role", "ignore the access key")
    assert "profiles add-user Bob --force" in message  # the source holds the key
    assert "profiles remove example-role" in message  # how to convert
    assert unchanged(seeded) == before


def test_add_role_force_on_a_keys_profile_is_refused(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = unchanged(seeded)
    argv = ["add-role", "Bob", "--source", "on-ec2", "--role-arn", ROLE_ARN, "--force", "--no-check"]
    refused(run(capsys, *argv), 3, "holds an access key", "profiles remove Bob", "--source Bob")
    assert unchanged(seeded) == before


def test_add_user_force_on_a_keys_profile_still_replaces_its_key(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["add-user", "Bob", "--access-key-id", "AKIAIOSFODNN7EXAMPL2", "--secret-stdin", "--force"]
    assert run(capsys, *argv, "--no-check", stdin=SECRET + "\n").code == 0


# --------------------------------------------------------------------------- item 5: rename and remove


@pytest.fixture
def process_user(seeded: Home) -> Home:
    with seeded.config.open("a") as config:
        config.write(
            "\n[profile tool]\ncredential_process = profiles credential-process example-role --no-cache\n"
        )
    return seeded


def test_rename_updates_a_credential_process_that_runs_the_old_name(
    process_user: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "rename", "example-role", "reader").code == 0
    tool = store.load(process_user.paths).profile("tool")
    assert tool is not None
    assert tool.get("credential_process") == "profiles credential-process reader --no-cache"


def test_remove_of_a_profile_a_credential_process_runs_is_refused(
    process_user: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = unchanged(process_user)
    refused(run(capsys, "remove", "example-role"), 3, "credential_process of tool", "--force")
    assert unchanged(process_user) == before
