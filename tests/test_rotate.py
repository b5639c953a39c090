"""rotate-keys in-process against moto: the order of the steps, and failures injected between them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from awsprofiles import editing, rotate, store
from awsprofiles.aws.iam import Iam
from awsprofiles.errors import BadInput, CheckFailed, Refused
from awsprofiles.model import mask_access_key_id
from tests.conftest import Home


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client(
            "iam",
            region_name="eu-west-1",
            aws_access_key_id="AKIAADMIN0000000000A",
            aws_secret_access_key="x",
        )
        client.create_user(UserName="Bob")
        yield client


def bob_profile(iam: Any, home: Home) -> str:
    key = iam.create_access_key(UserName="Bob")["AccessKey"]
    request = editing.UserRequest("bob", key["AccessKeyId"], key["SecretAccessKey"], region="eu-west-1")
    editing.add_user(home.paths, request)
    return str(key["AccessKeyId"])


def keys_in_iam(iam: Any) -> list[str]:
    return [k["AccessKeyId"] for k in iam.list_access_keys(UserName="Bob")["AccessKeyMetadata"]]


def key_in_file(home: Home) -> str:
    profile = store.load(home.paths).profile("bob")
    assert profile is not None
    return str(profile.get("aws_access_key_id"))


def test_rotation_replaces_the_key_in_the_file_and_deletes_the_old_one_in_iam(iam: Any, home: Home) -> None:
    old = bob_profile(iam, home)
    done = rotate.rotate(home.paths, "bob", verify_attempts=1, verify_first_delay=0)
    assert done.old_key_id == old
    assert done.user == "Bob"
    assert key_in_file(home) == done.new_key_id != old
    assert keys_in_iam(iam) == [done.new_key_id]
    profile = store.load(home.paths).profile("bob")
    assert profile is not None
    assert profile.get("region") == "eu-west-1"
    assert Iam(home.paths, "bob").caller_arn().endswith(":user/Bob")


def test_two_keys_in_iam_refuses_naming_both_and_changes_nothing(iam: Any, home: Home) -> None:
    old = bob_profile(iam, home)
    other = iam.create_access_key(UserName="Bob")["AccessKey"]["AccessKeyId"]
    before = (home.config.read_bytes(), home.credentials.read_bytes())
    with pytest.raises(Refused) as refused:
        rotate.rotate(home.paths, "bob", verify_attempts=1, verify_first_delay=0)
    assert mask_access_key_id(old) in refused.value.message
    assert mask_access_key_id(other) in refused.value.message
    assert old not in refused.value.message
    assert (home.config.read_bytes(), home.credentials.read_bytes()) == before
    assert sorted(keys_in_iam(iam)) == sorted([old, other])


def test_verification_failure_after_creating_the_key_leaves_the_old_working_key(
    iam: Any, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = bob_profile(iam, home)
    credentials_before = home.credentials.read_bytes()

    def never_valid(*args: object, **kwargs: object) -> None:
        raise CheckFailed("the new key does not work: sts:GetCallerIdentity failed: InvalidClientTokenId")

    monkeypatch.setattr(rotate, "verify_new_key", never_valid)
    with pytest.raises(CheckFailed) as failed:
        rotate.rotate(home.paths, "bob")
    assert key_in_file(home) == old
    assert home.credentials.read_bytes() == credentials_before
    assert keys_in_iam(iam) == [old]  # the unverified new key was deleted again
    assert f"the file has key {mask_access_key_id(old)}, which is active in IAM" in failed.value.message
    assert "was deleted" in failed.value.message
    assert Iam(home.paths, "bob").caller_arn().endswith(":user/Bob")


def test_failure_retiring_the_old_key_keeps_the_verified_new_key_in_the_file(
    iam: Any, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = bob_profile(iam, home)

    def throttled(*args: object, **kwargs: object) -> None:
        raise CheckFailed("UpdateAccessKey failed: Throttling", "other", "Throttling")

    monkeypatch.setattr(rotate, "retire_old_key", throttled)
    with pytest.raises(CheckFailed) as failed:
        rotate.rotate(home.paths, "bob", verify_attempts=1, verify_first_delay=0)
    new = key_in_file(home)
    assert new != old
    assert sorted(keys_in_iam(iam)) == sorted([old, new])
    assert f"the file has the new key {mask_access_key_id(new)}, verified and active" in failed.value.message
    assert f"the old key {mask_access_key_id(old)}" in failed.value.message
    assert Iam(home.paths, "bob").caller_arn().endswith(":user/Bob")


def test_failing_write_deletes_the_new_key_and_keeps_the_old_one(
    iam: Any, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = bob_profile(iam, home)

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(store.fileio, "atomic_write", read_only)
    with pytest.raises(CheckFailed) as failed:
        rotate.rotate(home.paths, "bob", verify_attempts=1, verify_first_delay=0)
    assert key_in_file(home) == old
    assert keys_in_iam(iam) == [old]
    assert f"the file has key {mask_access_key_id(old)}" in failed.value.message
    assert "Read-only file system" in failed.value.message


def test_a_role_profile_cannot_rotate(home: Home) -> None:
    editing.add_user(home.paths, editing.UserRequest("u", "AKIAABCDEFGHIJKLMNOP", "s"))
    editing.add_role(home.paths, editing.RoleRequest("r", "arn:aws:iam::123456789012:role/x", source="u"))
    with pytest.raises(BadInput, match="role profile"):
        rotate.rotate(home.paths, "r")


def test_rotate_keys_without_yes_off_a_terminal_is_refused(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    from awsprofiles.cli import main

    editing.add_user(home.paths, editing.UserRequest("u", "AKIAABCDEFGHIJKLMNOP", "s"))
    before = home.credentials.read_bytes()
    assert main(["rotate-keys", "u"]) == 3
    assert "--yes" in capsys.readouterr().err
    assert home.credentials.read_bytes() == before


def test_a_failed_rotation_puts_the_old_key_back_in_every_profile_that_held_it(
    iam: Any, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 item 2: every holder of the key gets the new key, and the old one back on failure."""
    old = bob_profile(iam, home)
    secret = store.load(home.paths).profile("bob").get("aws_secret_access_key")  # type: ignore[union-attr]
    with home.config.open("a") as config:  # the same key in the config file, and a [default] of it
        config.write(f"\n[profile extra]\naws_access_key_id = {old}\naws_secret_access_key = {secret}\n")
    with home.credentials.open("a") as credentials:
        credentials.write(f"\n[default]\naws_access_key_id = {old}\naws_secret_access_key = {secret}\n")
    before = (home.config.read_bytes(), home.credentials.read_bytes())
    assert rotate.plan(home.paths, "extra").profiles == ("bob", "extra", "default")

    def never_valid(*args: object, **kwargs: object) -> None:
        raise CheckFailed("the new key does not work: sts:GetCallerIdentity failed: InvalidClientTokenId")

    with monkeypatch.context() as patched:
        patched.setattr(rotate, "verify_new_key", never_valid)
        with pytest.raises(CheckFailed) as failed:
            rotate.rotate(home.paths, "extra")
    assert (home.config.read_bytes(), home.credentials.read_bytes()) == before
    assert "every profile that held the key ('bob', 'extra', 'default') has key" in failed.value.message
    assert keys_in_iam(iam) == [old]

    done = rotate.rotate(home.paths, "extra", verify_attempts=1, verify_first_delay=0)
    assert done.profiles == ("bob", "extra", "default")
    snapshot = store.load(home.paths)
    assert {snapshot.profile(name).get("aws_access_key_id") for name in done.profiles} == {done.new_key_id}  # type: ignore[union-attr]
    assert keys_in_iam(iam) == [done.new_key_id]
