"""The manifest's [sso] table and SSO [[roles]]: onboard covers IAM Identity Center teams too."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from awsprofiles import manifest, store
from awsprofiles.cli import main
from awsprofiles.manifest import ManifestInvalid
from tests.conftest import Home
from tests.sso_emulator import SsoEmulator

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sso-team.toml"
SSO = '[sso]\nstart_url = "https://acme.awsapps.com/start"\nregion = "eu-west-1"\n'
SOURCE = '[source]\nprofile = "Bob"\n'


def test_the_example_is_an_sso_manifest() -> None:
    parsed = manifest.load(EXAMPLE)
    assert parsed.sso == manifest.SsoSpec("https://acme.awsapps.com/start", "eu-west-1", "acme")
    assert parsed.profile_names() == ["acme-dev", "acme-prod-ro", "acme-prod-deploy"]
    dev, prod, deploy = parsed.roles
    assert (dev.sso, dict(dev.values)) == (
        True,
        {"sso_account_id": "210987654321", "sso_role_name": "PowerUserAccess", "region": "eu-west-1"},
    )
    assert prod.values["region"] == "us-east-1"
    assert (deploy.sso, deploy.values["source_profile"]) == (False, "acme-prod-ro")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[sso]\nstart_url = "https://a.awsapps.com/start"\n', "[sso] needs region"),
        ('[sso]\nstart_url = "a.awsapps.com"\nregion = "eu-west-1"\n', "not an AWS access portal URL"),
        (
            f'{SSO}[[roles]]\nprofile = "p"\naccount_id = "111111111111"\nrole_name = "R"\n'
            'mfa_serial = "x"\n',
            "mfa_serial does not apply to an SSO role",
        ),
        (f'{SSO}[[roles]]\nprofile = "p"\naccount_id = "111111111111"\n', "an SSO role needs role_name"),
        (
            f'{SSO}{SOURCE}[[roles]]\nprofile = "p"\naccount_id = "111111111111"\nrole_name = "R"\n',
            "say kind = 'sso'",
        ),
        (
            f'{SOURCE}[[roles]]\nprofile = "p"\nkind = "sso"\naccount_id = "111111111111"\nrole_name = "R"\n',
            "needs an [sso] table",
        ),
        (
            f'{SSO}[[roles]]\nprofile = "p"\nrole_arn = "arn:aws:iam::111111111111:role/r"\n',
            "needs a [source] profile",
        ),
        ('[defaults]\nregion = "eu-west-1"\n', "missing [source] table"),
    ],
)
def test_invalid_sso_manifests_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ManifestInvalid) as invalid:
        manifest.parse(text, "team.toml")
    assert any(problem in line for line in invalid.value.problems), invalid.value.problems


def test_a_mixed_manifest_says_the_kind_of_each_role() -> None:
    text = (
        f"{SSO}{SOURCE}"
        '[[roles]]\nprofile = "sso"\nkind = "sso"\naccount_id = "111111111111"\nrole_name = "R"\n'
        '[[roles]]\nprofile = "iam"\nkind = "iam"\naccount_id = "111111111111"\nrole_name = "r"\n'
    )
    sso_role, iam_role = manifest.parse(text).roles
    assert sso_role.values["sso_role_name"] == "R"
    assert iam_role.values == {"role_arn": "arn:aws:iam::111111111111:role/r", "source_profile": "Bob"}


def test_onboard_writes_the_session_and_profiles_and_waits_for_the_sign_in(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE)]) == 0
    err = capsys.readouterr().err
    assert "create sso-session acme, acme-dev, acme-prod-ro, acme-prod-deploy" in err
    assert (
        "acme-dev, acme-prod-ro, acme-prod-deploy not checked: sign in first with 'profiles login acme-dev'"
        in err
    )
    snapshot = store.load(home.paths)
    assert snapshot.sso_sessions()["acme"] == {
        "sso_start_url": "https://acme.awsapps.com/start",
        "sso_region": "eu-west-1",
        "sso_registration_scopes": "sso:account:access",
    }
    dev = snapshot.profile("acme-dev")
    assert dev is not None
    assert dict(dev.values) == {
        "sso_session": "acme",
        "sso_account_id": "210987654321",
        "sso_role_name": "PowerUserAccess",
        "region": "eu-west-1",
    }
    assert not home.credentials.exists()
    before = home.config.read_bytes()
    assert main(["onboard", str(EXAMPLE), "--no-check"]) == 0
    assert home.config.read_bytes() == before
    assert main(["onboard", str(EXAMPLE), "--from-csv", "x.csv"]) == 2
    assert "needs no access key" in capsys.readouterr().err


def test_onboard_checks_sso_profiles_once_signed_in(
    home: Home, sso_emulator: SsoEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    text = EXAMPLE.read_text().replace("210987654321", "111111111111")
    team = home.root / "team.toml"
    team.write_text(text.split("# An IAM role assumed")[0])
    sso_emulator.add_account("111111111111", "dev", "PowerUserAccess")
    sso_emulator.add_account("123456789012", "prod", "ReadOnlyAccess")
    monkeypatch.setattr(
        "webbrowser.open_new_tab", lambda url: urllib.request.urlopen(url, timeout=5).close() or True
    )
    assert main(["onboard", str(team), "--no-check"]) == 0
    assert main(["login", "--sso-session", "acme"]) == 0
    capsys.readouterr()
    with mock_aws():
        assert main(["onboard", str(team), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(c["profile"], c["ok"]) for c in document["checks"]] == [
        ("acme-dev", True),
        ("acme-prod-ro", True),
    ]
    assert document["not_signed_in"] == []
