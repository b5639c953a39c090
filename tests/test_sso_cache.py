"""aws/sso.py: the token cache as the AWS CLI v2 writes it, read back by botocore's own SSO provider,
and the portal listing that `profiles discover` builds on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.credentials
import botocore.tokens
import pytest

from awsprofiles.aws import sso
from awsprofiles.aws.session import make_session
from awsprofiles.errors import CheckFailed
from tests.conftest import Home
from tests.sso_emulator import SsoEmulator

START_URL = "https://acme.awsapps.com/start"
ACME = sso.SsoSession("acme", START_URL, "eu-west-1", (sso.ACCOUNT_ACCESS_SCOPE,))
CONFIG = f"""[sso-session acme]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = Developer

[profile legacy]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Developer
"""


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def token(access: str, expires_in: timedelta = timedelta(hours=1), **extra: object) -> sso.Token:
    return sso.Token(START_URL, "eu-west-1", access, datetime.now(UTC) + expires_in, **extra)  # type: ignore[arg-type]


def write_config(home: Home, text: str = CONFIG) -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(text)


def test_botocore_resolves_a_profile_from_the_token_profiles_wrote(
    home: Home, sso_emulator: SsoEmulator
) -> None:
    sso_emulator.add_account("111111111111", "dev", "Developer")
    write_config(home)
    path = sso.save_token(ACME, token(sso_emulator.issue_token(START_URL)))
    assert path == home.root / ".aws" / "sso" / "cache" / f"{sha1('acme')}.json"
    credentials = make_session(home.paths, "dev").get_credentials().get_frozen_credentials()
    assert credentials.access_key.startswith("ASIA")
    assert sso_emulator.operations()[-1] == "GetRoleCredentials"


def test_legacy_profiles_use_the_token_keyed_by_start_url(home: Home, sso_emulator: SsoEmulator) -> None:
    sso_emulator.add_account("111111111111", "dev", "Developer")
    write_config(home)
    legacy = sso.legacy_session({"sso_start_url": START_URL, "sso_region": "eu-west-1"})
    assert sso.token_path(legacy).name == f"{sha1(START_URL)}.json"
    sso.save_token(legacy, token(sso_emulator.issue_token(START_URL)))
    assert make_session(home.paths, "legacy").get_credentials().get_frozen_credentials().token


def test_the_token_file_is_the_cli_v2_document_mode_0600(home: Home) -> None:
    expires = datetime(2030, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    written = sso.Token(
        START_URL,
        "eu-west-1",
        "access",
        expires,
        client_id="cid",
        client_secret="csecret",
        registration_expires_at=expires + timedelta(days=80),
        refresh_token="refresh",
    )
    path = sso.save_token(ACME, written)
    assert path.read_text() == (
        '{"startUrl": "https://acme.awsapps.com/start", "region": "eu-west-1", "accessToken": "access", '
        '"expiresAt": "2030-01-02T03:04:05Z", "clientId": "cid", "clientSecret": "csecret", '
        '"registrationExpiresAt": "2030-03-23T03:04:05Z", "refreshToken": "refresh"}'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sso.load_token(ACME) == dataclasses.replace(
        written,
        expires_at=expires.replace(microsecond=0),
        registration_expires_at=(expires + timedelta(days=80)).replace(microsecond=0),
    )


def test_registration_key_is_the_cli_v2_key_byte_for_byte() -> None:
    text = (
        '{"region": "eu-west-1", "scopes": ["sso:account:access"], "session_name": "acme", '
        '"startUrl": "https://acme.awsapps.com/start", "tool": "botocore"}'
    )
    assert sso.registration_cache_key(ACME) == sha1(text)
    legacy = sso.SsoSession(None, START_URL, "eu-west-1")
    text = (
        '{"region": "eu-west-1", "scopes": null, "session_name": null, '
        '"startUrl": "https://acme.awsapps.com/start", "tool": "botocore"}'
    )
    assert sso.registration_cache_key(legacy) == sha1(text)


def test_tokens_written_by_older_clis_and_by_botocore_are_read(home: Home) -> None:
    path = sso.token_path(ACME)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "startUrl": START_URL,
                "region": "eu-west-1",
                "accessToken": "a",
                "expiresAt": "2030-01-01T00:00:00UTC",
            }
        )
    )
    read = sso.load_token(ACME)
    assert read is not None
    assert read.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    # botocore's SSOTokenProvider writes refreshed tokens itself: its file reads back the same.
    cache = botocore.utils.JSONFileCache(str(path.parent), dumps_func=botocore.tokens._sso_json_dumps)
    cache[sso.token_cache_key(ACME)] = {
        **token("b").to_cache(),
        "expiresAt": datetime(2031, 1, 1, tzinfo=UTC),
    }
    read = sso.load_token(ACME)
    assert read is not None
    assert (read.access_token, read.expires_at) == ("b", datetime(2031, 1, 1, tzinfo=UTC))


def test_missing_unreadable_and_expired_tokens_mean_sso_login(home: Home) -> None:
    assert sso.load_token(ACME) is None
    with pytest.raises(CheckFailed, match="profiles login --sso-session acme") as failed:
        sso.valid_token(ACME)
    assert failed.value.code == "sso-login"
    sso.token_path(ACME).parent.mkdir(parents=True)
    sso.token_path(ACME).write_text("{not json")
    assert sso.load_token(ACME) is None
    sso.save_token(ACME, token("old", timedelta(minutes=-1)))
    with pytest.raises(CheckFailed, match="expired"):
        sso.valid_token(ACME)
    assert sso.remove_token(ACME)
    assert not sso.remove_token(ACME)


def test_portal_listing_reads_every_page(home: Home, sso_emulator: SsoEmulator) -> None:
    for index in range(5):
        sso_emulator.add_account(f"{index + 1:012d}", f"team-{index}", "ReadOnly", "Admin", "Dev")
    signed_in = token(sso_emulator.issue_token(START_URL))
    accounts = sso.list_accounts(signed_in)
    assert [a.name for a in accounts] == [f"team-{i}" for i in range(5)]
    assert accounts[0] == sso.Account("000000000001", "team-0", "team-0@example.com")
    roles = sso.list_account_roles(signed_in, "000000000004")
    assert [r.role_name for r in roles] == ["ReadOnly", "Admin", "Dev"]
    assert sso_emulator.operations().count("ListAccounts") == 3
    assert sso_emulator.operations().count("ListAccountRoles") == 2


def test_portal_listing_with_a_revoked_token_is_sso_login(home: Home, sso_emulator: SsoEmulator) -> None:
    with pytest.raises(CheckFailed) as failed:
        sso.list_accounts(token("not-issued"))
    assert failed.value.code == "sso-login"
    assert "not-issued" not in failed.value.message


def test_botocore_keeps_the_sso_cache_folder_where_profiles_follows_it(tmp_path: Path, home: Home) -> None:
    # The private attributes session.follow_home sets; if botocore renames them, this fails.
    make_session(home.paths)
    folder = str(home.root / ".aws" / "sso" / "cache")
    assert folder == botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR
    assert folder == botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR


def test_a_symlinked_token_file_is_replaced_never_written_through(home: Home, tmp_path: Path) -> None:
    # As the CLI v2's os.replace does: the link could lead anywhere (/dev/zero, as root).
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("not the cache's")
    path = sso.token_path(ACME)
    path.parent.mkdir(parents=True)
    path.symlink_to(elsewhere)
    sso.save_token(ACME, token("a"))
    assert elsewhere.read_text() == "not the cache's"
    assert not path.is_symlink()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = sso.load_token(ACME)
    assert loaded is not None
    assert loaded.access_token == "a"
