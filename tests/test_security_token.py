"""aws_security_token, botocore's older name of the session token, is a secret like aws_session_token.

botocore reads ``aws_security_token`` first (SharedCredentialProvider.TOKENS), so a stale one left
beside a new key would even be the token botocore sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from awsprofiles import check, model, store
from tests.conftest import Home
from tests.store_helpers import botocore_profile, run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzSECURITYtokenEXAMPLE0123456789"


def keys_with_security_token(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True, exist_ok=True)
    home.credentials.write_text(
        f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"aws_security_token = {TOKEN}\n"
    )


def test_the_model_has_one_list_of_secret_keys_and_every_user_of_keys_knows_them() -> None:
    assert {"aws_secret_access_key", "aws_session_token", "aws_security_token"} == model.SECRET_KEYS
    assert model.SECRET_KEYS < model.CREDENTIAL_KEYS
    assert model.CREDENTIAL_KEYS <= model.CREDENTIAL_AND_CLI_KEYS


def test_show_masks_the_security_token(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    keys_with_security_token(home)
    for argv in (["show", "dev"], ["show", "dev", "--json"], ["list"], ["list", "--json"]):
        result = run(capsys, *argv)
        assert result.code == 0, result.err
        assert TOKEN not in result.out + result.err
    shown = json.loads(run(capsys, "show", "dev", "--json").out)
    assert shown["keys"]["aws_security_token"] == {"value": "********", "file": "credentials"}


def test_get_refuses_the_security_token(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    keys_with_security_token(home)
    result = run(capsys, "get", "dev", "AWS_Security_Token")
    assert result.code == 2
    assert TOKEN not in result.out + result.err
    assert "secret" in result.err


@pytest.mark.parametrize("value", [TOKEN, f"{TOKEN}\x01"])
def test_set_refuses_the_security_token_on_the_command_line_and_never_echoes_it(
    value: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    before = home.credentials.read_bytes()
    result = run(capsys, "set", "dev", "aws_security_token", value)
    assert result.code == 2
    assert TOKEN not in result.out + result.err
    assert home.credentials.read_bytes() == before
    assert not home.config.exists()


def test_a_security_token_in_the_config_file_is_flagged_like_a_session_token(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        f"[profile dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"aws_security_token = {TOKEN}\n"
    )
    [result] = check.check_profiles(home.paths, offline=True)
    assert "aws_security_token is stored in the config file" in result.message
    assert TOKEN not in result.message


def test_add_user_force_removes_a_stale_security_token(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    new_id = "AKIAI44QH8DHBEXAMPLE"
    result = run(
        capsys, "add-user", "dev", "--access-key-id", new_id, "--secret-stdin", "--force", "--no-check",
        stdin="je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    seen = botocore_profile(home.config, home.credentials, "dev")
    assert seen["aws_access_key_id"] == new_id
    assert "aws_security_token" not in seen
    assert "aws_session_token" not in seen


def test_add_sso_force_removes_a_security_token_like_the_rest_of_the_keys(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    result = run(
        capsys, "add-sso", "dev", "--start-url", "https://example.awsapps.com/start", "--sso-region",
        "eu-west-1", "--account", "123456789012", "--role-name", "Admin", "--force",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "aws_security_token" in result.err  # named among the removed keys, its value never
    assert TOKEN not in result.out + result.err
    assert TOKEN not in home.credentials.read_text()
    assert "aws_security_token" not in botocore_profile(home.config, home.credentials, "dev")


def test_check_names_a_security_token_among_the_keys_a_two_kind_profile_should_lose(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    home.config.write_text("[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = x\n"
                           "[profile x]\ncredential_source = Environment\n")  # fmt: skip
    home.credentials.chmod(0o600)
    result = run(capsys, "check", "--offline", "--json", "dev")
    (found,) = json.loads(result.out)
    fix = "'profiles unset dev aws_access_key_id aws_secret_access_key aws_security_token'"
    assert fix in found["message"]


def test_onboard_with_a_new_key_removes_a_stale_security_token(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    manifest = tmp_path / "team.toml"
    manifest.write_text('[source]\nprofile = "dev"\n')
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"AccessKey": {"AccessKeyId": "AKIAI44QH8DHBEXAMPLE", "SecretAccessKey": "s"}}))
    result = run(capsys, "onboard", str(manifest), "--from-json", str(key), "--yes", "--no-check")
    assert result.code == 0, result.err
    assert "aws_security_token" not in botocore_profile(home.config, home.credentials, "dev")
    assert TOKEN not in result.out + result.err


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def test_rotate_keys_refuses_temporary_credentials_held_as_a_security_token(
    iam: Any, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_with_security_token(home)
    before = store.load(home.paths).credentials.raw
    result = run(capsys, "rotate-keys", "dev", "--yes")
    assert result.code == 2, result.err
    assert "temporary credentials" in result.err
    assert store.load(home.paths).credentials.raw == before


def test_an_empty_token_line_is_no_session_token_in_the_files_or_in_a_keyring_item() -> None:
    from awsprofiles import model, vault

    keys = {
        "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key": "s",
        "aws_session_token": "",
    }
    assert model.Profile("p", keys).session_token is None  # as botocore: an empty value is no token
    assert not vault.temporary(keys)  # so the key is long-term wherever it is kept
    assert vault.temporary({**keys, "aws_security_token": "t"})
