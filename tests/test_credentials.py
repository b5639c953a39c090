"""Getting a profile's credentials through botocore's providers, in-process against moto."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from moto import mock_aws

from awsprofiles.aws.credentials import cli_cache_dir, get_credentials
from awsprofiles.aws.errors import classify
from awsprofiles.errors import BadInput, CheckFailed, FileProblem
from tests.conftest import Home

ROLE = "arn:aws:iam::123456789012:role/deploy"
HOP = "arn:aws:iam::210987654321:role/hop"


@pytest.fixture
def aws(home: Home) -> Iterator[None]:
    with mock_aws():
        yield


def assumed() -> list[Any]:
    from moto.sts.models import sts_backends

    return [
        role
        for by_partition in sts_backends.values()
        for backend in by_partition.values()
        for role in backend.assumed_roles
    ]


def write(home: Home, config: str, credentials: str = "") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    home.credentials.write_text(
        credentials or "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
    )


def test_keys_profile_gives_its_keys_and_region_without_a_token(home: Home) -> None:
    write(home, "[profile base]\nregion = eu-central-1\n")
    credentials = get_credentials(home.paths, "base")
    assert credentials.access_key_id == "AKIAIOSFODNN7EXAMPLE"
    assert credentials.secret_access_key == "s3cr3t"
    assert credentials.session_token is None
    assert credentials.expiration is None
    assert credentials.region == "eu-central-1"
    assert "s3cr3t" not in repr(credentials)


def test_role_settings_reach_assume_role_as_the_cli_sends_them(home: Home, aws: None) -> None:
    write(
        home,
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\nexternal_id = ext-42\n"
        "role_session_name = alice\nduration_seconds = 1800\n",
    )
    credentials = get_credentials(home.paths, "deploy")
    (role,) = assumed()
    assert (role.role_arn, role.external_id, role.session_name) == (ROLE, "ext-42", "alice")
    assert credentials.access_key_id == role.access_key_id
    assert credentials.session_token == role.session_token
    assert credentials.expiration is not None
    assert abs((credentials.expiration - datetime.now(UTC)).total_seconds() - 1800) < 120


def test_duration_option_overrides_duration_seconds(home: Home, aws: None) -> None:
    write(home, f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\nduration_seconds = 1800\n")
    credentials = get_credentials(home.paths, "deploy", duration=3600)
    assert credentials.expiration is not None
    assert abs((credentials.expiration - datetime.now(UTC)).total_seconds() - 3600) < 120
    assert "duration_seconds = 1800" in home.config.read_text()  # the file is untouched


def test_role_chain_assumes_each_role_and_caches_each_step(home: Home, aws: None) -> None:
    write(
        home,
        f"[profile hop]\nrole_arn = {HOP}\nsource_profile = base\n"
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = hop\n",
    )
    get_credentials(home.paths, "deploy")
    assert sorted(role.role_arn for role in assumed()) == sorted([HOP, ROLE])
    entries = sorted(Path(cli_cache_dir()).glob("*.json"))
    assert len(entries) == 2
    assert all(stat.S_IMODE(entry.stat().st_mode) == 0o600 for entry in entries)
    get_credentials(home.paths, "deploy")
    assert len(assumed()) == 2  # both steps came from the cache


def test_no_cache_neither_reads_nor_writes_the_cache(home: Home, aws: None) -> None:
    write(home, f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n")
    first = get_credentials(home.paths, "deploy", use_cache=False)
    second = get_credentials(home.paths, "deploy", use_cache=False)
    assert first.access_key_id != second.access_key_id
    assert not os.path.exists(cli_cache_dir()) or not os.listdir(cli_cache_dir())


def test_mfa_without_a_code_or_terminal_is_mfa_required(home: Home, aws: None) -> None:
    write(
        home,
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
    )
    with pytest.raises(CheckFailed) as failed:
        get_credentials(home.paths, "deploy", can_prompt=False)
    assert failed.value.code == "mfa-required"
    assert assumed() == []
    assert get_credentials(home.paths, "deploy", mfa_code="123456", can_prompt=False).session_token


def test_mfa_prompt_goes_to_stderr(home: Home, aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    write(
        home,
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
    )
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("654321\n"))
    monkeypatch.setattr(sys, "stderr", stderr)
    get_credentials(home.paths, "deploy", can_prompt=True)
    assert stderr.getvalue() == "Enter MFA code for arn:aws:iam::123456789012:mfa/alice: "


def test_malformed_mfa_code_is_bad_input(home: Home) -> None:
    write(home, f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n")
    with pytest.raises(BadInput):
        get_credentials(home.paths, "deploy", mfa_code="12345")


def test_unknown_profile_is_bad_input(home: Home) -> None:
    write(home, "[profile base]\n")
    with pytest.raises(BadInput, match="no profile named 'nope'"):
        get_credentials(home.paths, "nope")


def test_role_without_a_source_is_no_credentials(home: Home) -> None:
    write(home, f"[profile deploy]\nrole_arn = {ROLE}\n")
    with pytest.raises(CheckFailed) as failed:
        get_credentials(home.paths, "deploy")
    assert failed.value.code == "no-credentials"


def _client_error(code: str, message: str = "", operation: str = "GetCallerIdentity") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_client_error("InvalidClientTokenId"), "invalid-key"),
        (_client_error("SignatureDoesNotMatch"), "bad-secret"),
        (_client_error("ExpiredToken"), "expired"),
        (_client_error("AccessDenied", "not authorized", "AssumeRole"), "assume-denied"),
        (
            _client_error("AccessDenied", "MultiFactorAuthentication failed with invalid MFA", "AssumeRole"),
            "mfa-required",
        ),
        (_client_error("AccessDenied", "not authorized", "GetFederationToken"), "denied"),
        (_client_error("Throttling"), "other"),
        (NoCredentialsError(), "no-credentials"),
        (EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"), "network"),
    ],
)
def test_classify_maps_errors_to_check_codes(error: Exception, code: str) -> None:
    assert classify(error, "p").code == code


def test_denied_names_the_refused_action_from_aws_message_or_operation() -> None:
    message = (
        "User: arn:aws:iam::123456789012:user/Bob is not authorized to perform: "
        "sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/Bob"
    )
    failed = classify(_client_error("AccessDenied", message, "GetFederationToken"), "Bob")
    assert (failed.code, failed.aws_code) == ("denied", "AccessDenied")
    assert "sts:GetFederationToken" in failed.message
    # No action in AWS's text: the operation is named instead, never the text itself.
    failed = classify(_client_error("AccessDeniedException", "nope <script>", "ListRoles"), "Bob")
    assert failed.code == "denied"
    assert "ListRoles" in failed.message
    assert "<script>" not in failed.message


def test_classify_never_repeats_the_exception_text() -> None:
    error = _client_error("Throttling", "secret-looking wJalrXUtnFEMI/K7MDENG")
    assert "wJalrXUtnFEMI" not in classify(error, "p").message


def test_unwritable_cache_is_a_file_problem_and_no_cache_still_works(home: Home, aws: None) -> None:
    write(home, f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n")
    (home.root / ".aws" / "cli").write_text("a file where the cache folder should be")
    with pytest.raises(FileProblem, match="--no-cache"):
        get_credentials(home.paths, "deploy")
    assert get_credentials(home.paths, "deploy", use_cache=False).session_token
