"""profiles login / logout against the SSO emulator: the device flow, the cache, refresh, sign-out,
and what check, env and botocore make of the token afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from awsprofiles import login, store
from awsprofiles.aws import sso
from awsprofiles.aws.credentials import cli_cache_dir
from awsprofiles.aws.session import make_session
from awsprofiles.check import check_profiles
from awsprofiles.cli import main
from awsprofiles.errors import BadInput, CheckFailed
from awsprofiles.using import IN_PROGRESS
from tests.conftest import PROFILES, Home
from tests.sso_emulator import SsoEmulator

START_URL = "https://acme.awsapps.com/start"
ACME = sso.SsoSession("acme", START_URL, "eu-west-1", ("sso:account:access",))
CONFIG = f"""[sso-session acme]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::111111111111:role/deploy
source_profile = dev

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = Developer
"""


@pytest.fixture
def acme(home: Home, sso_emulator: SsoEmulator, monkeypatch: pytest.MonkeyPatch) -> SsoEmulator:
    """The config above, an account with the Developer role, and a browser that approves."""
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(CONFIG)
    sso_emulator.add_account("111111111111", "dev", "Developer")
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        urllib.request.urlopen(url, timeout=5).close()  # the person clicks "Allow"
        return True

    monkeypatch.setattr("webbrowser.open_new_tab", browser)
    sso_emulator.opened = opened  # type: ignore[attr-defined]
    return sso_emulator


def approving_sleep(emulator: SsoEmulator, slept: list[float]) -> Any:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        emulator.approve()

    return sleep


def test_login_opens_the_browser_and_writes_the_token_botocore_uses(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", "dev"]) == 0
    err = capsys.readouterr().err
    [url] = acme.opened  # type: ignore[attr-defined]
    assert url in err  # the URL with its user code is printed too
    assert "signed in to sso-session 'acme'" in err
    token = sso.load_token(ACME)
    assert token is not None
    assert token.refresh_token  # scopes were registered, so the token can be refreshed
    assert token.access_token not in err
    assert acme.operations()[:3] == ["RegisterClient", "StartDeviceAuthorization", "CreateToken"]
    # botocore's own SSO provider reads the cache profiles wrote.
    frozen = make_session(home.paths, "dev").get_credentials().get_frozen_credentials()
    assert frozen.access_key.startswith("ASIA")
    assert acme.operations()[-1] == "GetRoleCredentials"


def test_no_browser_prints_the_code_and_polls_through_pending_and_slow_down(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", approving_sleep(acme, slept))
    acme.slow_down()
    assert main(["login", "--sso-session", "acme", "--no-browser"]) == 0
    err = capsys.readouterr().err
    assert acme.opened == []  # type: ignore[attr-defined]
    assert "/device?user_code=" in err
    # pending (first try), slow_down (interval 1 + 5), pending, then the approved token.
    assert slept == [6]
    assert acme.operations().count("CreateToken") == 3


def test_a_valid_token_is_kept_and_an_expired_one_refreshed_without_a_browser(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", "dev"]) == 0
    first = sso.load_token(ACME)
    assert first is not None
    assert main(["login", "dev"]) == 0
    assert "already signed in" in capsys.readouterr().err
    assert acme.operations().count("StartDeviceAuthorization") == 1
    sso.save_token(
        ACME, sso.Token(**{**first.__dict__, "expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    )
    assert main(["login", "dev"]) == 0
    assert "refreshed the token" in capsys.readouterr().err
    refreshed = sso.load_token(ACME)
    assert refreshed is not None
    assert refreshed.access_token != first.access_token
    assert not refreshed.expired()
    assert len(acme.opened) == 1  # type: ignore[attr-defined]
    assert [c.params["grantType"] for c in acme.calls if c.operation == "CreateToken"][-1] == "refresh_token"


def test_a_new_sign_in_reuses_the_client_registration(home: Home, acme: SsoEmulator) -> None:
    assert main(["login", "dev"]) == 0
    assert main(["login", "dev", "--force"]) == 0
    assert acme.operations().count("RegisterClient") == 1
    assert acme.operations().count("StartDeviceAuthorization") == 2
    registration = sso.load_registration(ACME)
    assert registration is not None
    assert registration.scopes == ("sso:account:access",)


def test_a_revoked_registration_is_replaced(home: Home, acme: SsoEmulator) -> None:
    assert main(["login", "dev"]) == 0
    acme.clients.clear()  # AWS forgot the client
    assert main(["login", "dev", "--force"]) == 0
    assert acme.operations().count("RegisterClient") == 2


def test_denied_sign_in_is_sso_login_and_writes_no_token(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webbrowser.open_new_tab", lambda url: acme.deny() > 0)
    assert main(["login", "dev"]) == 1
    assert capsys.readouterr().err.strip().endswith("denied in the browser [sso-login]")
    assert sso.load_token(ACME) is None


def test_login_follows_a_role_to_its_sso_source_and_handles_legacy_profiles(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", "deploy"]) == 0
    assert sso.load_token(ACME) is not None
    assert main(["login", "legacy"]) == 0
    legacy = sso.SsoSession(None, "https://old.awsapps.com/start", "us-east-1")
    token = sso.load_token(legacy)
    assert token is not None
    assert token.refresh_token is None  # a legacy registration has no scopes


@pytest.mark.parametrize(
    "extra",
    [
        "[profile stray]\nregion = eu-west-1\nsource_profile = dev\n",
        "[profile stray]\nrole_arn = arn:aws:iam::111111111111:role/ci\nsource_profile = dev\n"
        "web_identity_token_file = /var/run/token\n",
    ],
    ids=["no role", "web identity"],
)
def test_login_follows_only_the_source_profile_botocore_follows(home: Home, extra: str) -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(CONFIG + extra)
    snapshot = store.load(home.paths)
    assert login.find_session(snapshot, "deploy", None).name == "acme"
    with pytest.raises(BadInput, match="profile 'stray' does not use IAM Identity Center"):
        login.find_session(snapshot, "stray", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["login", "nobody"], "no profile named 'nobody'"),
        (["login", "--sso-session", "other"], "no [sso-session other]"),
        (["login"], "name a profile or --sso-session"),
    ],
)
def test_login_without_a_session_to_use_is_bad_input(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_check_says_sso_login_until_login_then_ok(
    home: Home, acme: SsoEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    with mock_aws():
        [before] = check_profiles(home.paths, ["dev"])
        assert (before.ok, before.error) == (False, "sso-login")
        assert "run 'profiles login dev'" in before.message
        assert main(["login", "dev"]) == 0
        [after] = check_profiles(home.paths, ["dev"])
    assert after.ok, after.message


def test_env_and_logout_share_the_cli_cache_of_sso_role_credentials(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IN_PROGRESS, "[]")  # env marks the profile it resolves, for its children
    assert main(["login", "dev"]) == 0
    capsys.readouterr()
    assert main(["env", "dev", "--shell", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["AccessKeyId"].startswith("ASIA")
    cached = [json.loads(p.read_text()) for p in Path(cli_cache_dir()).glob("*.json")]
    assert [entry["ProviderType"] for entry in cached] == ["sso"]  # as the CLI v2 caches it
    monkeypatch.setenv(IN_PROGRESS, "[]")
    assert main(["env", "dev", "--shell", "json"]) == 0  # from the cache: no second call
    assert acme.operations().count("GetRoleCredentials") == 1
    assert main(["logout", "dev"]) == 0
    err = capsys.readouterr().err
    assert "signed out of sso-session 'acme'" in err
    assert "removed 1 cached role credential set" in err
    assert sso.load_token(ACME) is None
    assert list(Path(cli_cache_dir()).glob("*.json")) == []
    assert acme.operations()[-1] == "Logout"
    monkeypatch.setenv(IN_PROGRESS, "[]")
    assert main(["env", "dev"]) == 1
    assert "[sso-login]" in capsys.readouterr().err


def test_logout_without_a_name_removes_every_token_but_not_registrations(
    home: Home, acme: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", "dev"]) == 0
    assert main(["login", "legacy"]) == 0
    assert main(["logout"]) == 0
    assert sso.cached_tokens() == []
    assert sso.load_registration(ACME) is not None
    assert main(["logout"]) == 0
    assert "no SSO token was cached" in capsys.readouterr().err


def test_expired_device_code_is_sso_login(
    home: Home, acme: SsoEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def expire(url: str) -> bool:
        for authorization in acme.authorizations.values():
            authorization.expires_at = 0
        return True

    monkeypatch.setattr("webbrowser.open_new_tab", expire)
    with pytest.raises(CheckFailed, match="expired") as failed:
        sso.login(ACME, lambda authorization: __import__("webbrowser").open_new_tab(""), sleep=lambda s: None)
    assert failed.value.code == "sso-login"


def test_logout_reads_the_cli_cache_as_untrusted_input_and_never_hangs_on_a_fifo(home: Home) -> None:
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    swept = folder / "sso-role.json"
    swept.write_text(json.dumps({"ProviderType": "sso", "Credentials": {}}))
    ran = subprocess.run([*PROFILES, "logout"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "removed 1 cached role credential set" in ran.stderr
    assert sorted(os.listdir(folder)) == ["fifo.json", "zero.json"]
