"""profiles discover --sso-session against the local IAM Identity Center emulator, judged by botocore."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from awsprofiles import manifest, store
from awsprofiles.aws import sso
from awsprofiles.cli import main
from tests.conftest import Home
from tests.sso_emulator import ApiError, SsoEmulator

START_URL = "https://acme.awsapps.com/start"
SESSION = sso.SsoSession("acme", START_URL, "eu-west-1", (sso.ACCOUNT_ACCESS_SCOPE,))
CONFIG = f"""# hand-written
[sso-session acme]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile mine]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
"""


@pytest.fixture
def acme(home: Home, sso_emulator: SsoEmulator) -> SsoEmulator:
    """Five accounts (three pages of two) in IAM Identity Center, and the config above."""
    sso_emulator.add_account("111111111111", "Prod (EU)", "AdministratorAccess", "ReadOnly")
    sso_emulator.add_account("222222222222", "Shared", "ReadOnly")
    sso_emulator.add_account("333333333333", "Shared", "ReadOnly")
    sso_emulator.add_account("444444444444", "Zürich", "Billing")
    sso_emulator.add_account("555555555555", "Sandbox", "AdministratorAccess", "ReadOnly")
    home.config.parent.mkdir(parents=True)
    home.config.write_text(CONFIG)
    return sso_emulator


@pytest.fixture
def signed_in(acme: SsoEmulator) -> SsoEmulator:
    """A token in the cache as 'profiles login' leaves it (without the sign-in)."""
    access = acme.issue_token(START_URL)
    sso.save_token(SESSION, sso.Token(START_URL, "eu-west-1", access, sso.now() + timedelta(hours=1)))
    return acme


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_login_then_discover_gives_every_assigned_role_a_profile_botocore_uses_and_reruns_change_nothing(
    acme: SsoEmulator, home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The person's browser opens the verification URL and approves the sign-in.
    monkeypatch.setattr("webbrowser.open_new_tab", lambda url: urllib.request.urlopen(url, timeout=5).close())
    assert run(capsys, "login", "--sso-session", "acme")[0] == 0
    args = ["discover", "--sso-session", "acme", "--region", "eu-central-1", "--apply"]
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [p["name"] for p in report["profiles"]] == [
        "Prod-EU.ReadOnly",
        "Sandbox.AdministratorAccess",
        "Sandbox.ReadOnly",
        "Shared.ReadOnly",
        "Shared.ReadOnly-333333333333",
        "Zurich.Billing",
    ]
    assert report["skipped"] == [
        {
            "what": "account 111111111111, role AdministratorAccess",
            "reason": "profile 'mine' already assumes it",
        }
    ]
    assert acme.operations().count("ListAccounts") == 3  # every page

    assert home.config.read_text().startswith(CONFIG)
    session = botocore.session.Session(profile="Shared.ReadOnly-333333333333")
    assert session.get_scoped_config() == {
        "sso_session": "acme",
        "sso_account_id": "333333333333",
        "sso_role_name": "ReadOnly",
        "region": "eu-central-1",
        "profiles_discovered_from": "sso-session:acme",
    }
    # botocore's own SSO provider signs in with the cached token and gets the role's credentials.
    credentials = session.get_credentials().get_frozen_credentials()
    assert credentials.access_key.startswith("ASIA")
    assert acme.calls[-1].params == {"account_id": "333333333333", "role_name": "ReadOnly"}

    written = home.config.read_bytes()
    code, _, err = run(capsys, *args)
    assert code == 0, err
    assert "no changes" in err
    assert home.config.read_bytes() == written


def test_prune_removes_the_profile_of_a_role_no_longer_assigned_and_nothing_hand_written(
    signed_in: SsoEmulator, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "discover", "--sso-session", "acme", "--apply")[0] == 0
    signed_in.accounts["555555555555"].roles.remove("ReadOnly")
    del signed_in.accounts["111111111111"]  # 'mine' points there: it stays all the same
    code, _, err = run(capsys, "discover", "--sso-session", "acme", "--apply", "--prune")
    assert code == 0, err
    assert "remove Prod-EU.ReadOnly, Sandbox.ReadOnly" in err
    names = store.load(home.paths).names()
    assert "mine" in names
    assert "Sandbox.ReadOnly" not in names
    assert "Sandbox.AdministratorAccess" in names


def test_verify_keeps_only_the_roles_whose_credentials_can_be_had(
    signed_in: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    def credentials(account_id: str, role_name: str) -> dict[str, Any]:
        if account_id == "444444444444":
            raise ApiError(403, "ForbiddenException", {"message": "No access"})
        return {
            "accessKeyId": "ASIAEXAMPLEEXAMPLE12",
            "secretAccessKey": "s",
            "sessionToken": "t",
            "expiration": 0,
        }

    signed_in.credentials_factory = credentials
    code, out, err = run(capsys, "discover", "--sso-session", "acme", "--verify", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert "Zurich.Billing" not in [p["name"] for p in report["profiles"]]
    assert all(p["verified"] is True for p in report["profiles"])
    assert any(
        s["what"] == "account 444444444444, role Billing" and "not assigned role Billing" in s["reason"]
        for s in report["skipped"]
    )


def test_one_portal_client_serves_every_account_and_role(
    signed_in: SsoEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles.aws import sso

    made: list[str] = []
    unsigned = sso.unsigned_client
    monkeypatch.setattr(
        sso, "unsigned_client", lambda service, *a, **k: made.append(service) or unsigned(service, *a, **k)
    )
    code, _, err = run(capsys, "discover", "--sso-session", "acme", "--verify")
    assert code == 0, err
    assert made == ["sso"]  # not one per account (five) and one more to verify


def test_without_a_sign_in_it_says_how_to_sign_in(
    home: Home, sso_emulator: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(CONFIG)
    code, out, err = run(capsys, "discover", "--sso-session", "acme")
    assert (code, out) == (1, "")
    assert "run 'profiles login --sso-session acme'" in err
    assert err.rstrip().endswith("[sso-login]")
    code, _, err = run(capsys, "discover", "--sso-session", "other")
    assert code == 2
    assert "has no [sso-session other]" in err


def test_a_manifest_of_every_assigned_role_onboards_an_sso_team(
    signed_in: SsoEmulator, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "sso-team.toml"
    code, _, err = run(
        capsys, "discover", "--sso-session", "acme", "--manifest", str(team), "--region", "us-east-2"
    )
    assert code == 0, err
    text = team.read_text()
    assert f'[sso]\nstart_url = "{START_URL}"\nregion = "eu-west-1"\nsession = "acme"\n' in text
    loaded = manifest.load(team)
    assert all(role.sso for role in loaded.roles)
    assert len(loaded.roles) == 7  # a team manifest lists every role, 'mine' or not

    # A new engineer's machine: no profiles yet; onboard writes every one, in the same session.
    home.config.write_text("")
    code, _, err = run(capsys, "onboard", str(team), "--no-check")
    assert code == 0, err
    session = botocore.session.Session(profile="Zurich.Billing")
    assert session.get_scoped_config() == {
        "sso_session": "acme",
        "sso_account_id": "444444444444",
        "sso_role_name": "Billing",
        "region": "us-east-2",
    }
    assert session.full_config["sso_sessions"]["acme"]["sso_start_url"] == START_URL
