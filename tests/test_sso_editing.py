"""add-sso writes the CLI v2 format (and --upgrade converts the legacy one); list and the lint read it."""

from __future__ import annotations

import json
import subprocess
import sys

import botocore.session
import pytest

from awsprofiles.check import check_profiles
from awsprofiles.cli import main
from tests.conftest import Home

START_URL = "https://acme.awsapps.com/start"
ADD = ["add-sso", "dev", "--start-url", START_URL, "--sso-region", "eu-west-1", "--account", "111111111111"]


def botocore_config(home: Home) -> dict[str, object]:
    session = botocore.session.Session()
    session.set_config_variable("config_file", str(home.config))
    return dict(session.full_config)


def test_add_sso_writes_an_sso_session_and_a_profile_botocore_reads(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ADD, "--role-name", "Developer", "--region", "eu-west-2"]) == 0
    assert home.config.read_text() == (
        "[sso-session acme]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "\n"
        "[profile dev]\n"
        "sso_session = acme\n"
        "sso_account_id = 111111111111\n"
        "sso_role_name = Developer\n"
        "region = eu-west-2\n"
    )
    config = botocore_config(home)
    assert config["sso_sessions"] == {
        "acme": {
            "sso_start_url": START_URL,
            "sso_region": "eu-west-1",
            "sso_registration_scopes": "sso:account:access",
        }
    }
    assert "profiles login dev" in capsys.readouterr().err
    assert not home.credentials.exists()


def test_a_second_profile_for_the_same_start_url_reuses_the_session(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        f"# mine\n[sso-session corp]\nsso_start_url = {START_URL}/\nsso_region = eu-west-1\n"
    )
    assert main([*ADD, "--role-name", "Developer"]) == 0
    assert main([*ADD[:1], "ops", *ADD[2:], "--role-name", "Admin"]) == 0
    text = home.config.read_text()
    assert text.startswith(
        f"# mine\n[sso-session corp]\nsso_start_url = {START_URL}/\nsso_region = eu-west-1\n"
    )
    assert text.count("[sso-session") == 1
    assert text.count("sso_session = corp") == 2


def test_a_session_name_taken_by_another_url_gets_a_suffix_or_is_refused(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[sso-session acme]\nsso_start_url = https://acme.example.com/start\nsso_region = eu-west-1\n"
    )
    assert main([*ADD, "--role-name", "Developer"]) == 0
    assert "[sso-session acme-2]" in home.config.read_text()
    before = home.config.read_bytes()
    assert main([*ADD[:1], "ops", *ADD[2:], "--role-name", "Admin", "--session", "acme"]) == 3
    assert "exists for another start URL" in capsys.readouterr().err
    assert home.config.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role-name", "Developer", "--start-url", "acme.awsapps.com"], "not an AWS access portal URL"),
        (["--role-name", "Developer", "--account", "1234"], "not an AWS account ID"),
        # Twelve digits, but not ASCII ones: AWS would never name such an account.
        (["--role-name", "Developer", "--account", "\uff11" * 12], "not an AWS account ID"),
        (["--role-name", "Bad/Name"], "not a permission set name"),
        (["--role-name", "Developer", "--session", "a]b"], "sso-session name"),
        ([], "add-sso needs --role-name"),
    ],
)
def test_bad_add_sso_input_is_exit_2_and_writes_nothing(
    home: Home, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*ADD, *args]) == 2
    assert message in capsys.readouterr().err
    assert not home.config.exists()


def test_add_sso_refuses_an_existing_profile_and_force_makes_it_sso(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/x\nsource_profile = base\noutput = json\n"
    )
    assert main([*ADD, "--role-name", "Developer"]) == 3
    assert main([*ADD, "--role-name", "Developer", "--force"]) == 0
    assert "removed role_arn, source_profile" in capsys.readouterr().err
    profile = botocore_config(home)["profiles"]["dev"]  # type: ignore[index]
    assert profile == {
        "output": "json",
        "sso_session": "acme",
        "sso_account_id": "111111111111",
        "sso_role_name": "Developer",
    }


LEGACY = f"""[profile old]
# kept
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1

[profile older]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_account_id = 222222222222
sso_role_name = Admin
"""


def test_upgrade_moves_every_legacy_profile_to_one_session(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(LEGACY)
    assert main(["add-sso", "--upgrade"]) == 0
    assert home.config.read_text() == (
        "[profile old]\n# kept\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
        "region = eu-west-1\nsso_session = acme\n\n"
        "[profile older]\nsso_account_id = 222222222222\nsso_role_name = Admin\nsso_session = acme\n\n"
        f"[sso-session acme]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    err = capsys.readouterr().err
    assert "profile 'old' now uses sso-session 'acme' (new)" in err
    assert main(["add-sso", "--upgrade"]) == 0
    assert "nothing changed" in capsys.readouterr().err


def test_upgrade_of_one_profile_leaves_the_others(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(LEGACY)
    assert main(["add-sso", "old", "--upgrade", "--session", "corp"]) == 0
    profiles = botocore_config(home)["profiles"]
    assert profiles["old"]["sso_session"] == "corp"  # type: ignore[index]
    assert profiles["older"]["sso_start_url"] == START_URL  # type: ignore[index]


def test_list_shows_where_sso_profiles_sign_in(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(LEGACY)
    assert main(["add-sso", "old", "--upgrade"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert (rows["old"]["kind"], rows["old"]["source"]) == ("sso", "sso-session acme")
    assert (rows["older"]["kind"], rows["older"]["source"]) == ("sso", START_URL)


SESSION_S = "[sso-session s]\nsso_start_url = https://a.awsapps.com/start\nsso_region = eu-west-1\n"
PROFILE_P = "[profile p]\nsso_session = s\n"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            "[profile p]\nsso_session = gone\nsso_account_id = 111111111111\nsso_role_name = R\n",
            "names no [sso-session gone]",
        ),
        (
            "[sso-session s]\nsso_region = eu-west-1\n"
            f"{PROFILE_P}sso_account_id = 111111111111\nsso_role_name = R\n",
            "[sso-session s] has no sso_start_url",
        ),
        (f"{SESSION_S}{PROFILE_P}sso_account_id = 111111111111\n", "no sso_role_name"),
        (
            f"[profile p]\nsso_start_url = {START_URL}\nsso_account_id = 111111111111\nsso_role_name = R\n",
            "no sso_region",
        ),
        (
            f"{SESSION_S}{PROFILE_P}sso_region = us-east-1\nsso_account_id = 1111\nsso_role_name = R\n",
            "sso_region differs",
        ),
        (
            f"{SESSION_S}{PROFILE_P}sso_account_id = 1111\nsso_role_name = R\n",
            "'1111' is not an AWS account ID",
        ),
        (
            "[sso-session s]\nsso_start_url = acme.awsapps.com/start\nsso_region = eu-west-1\n"
            f"{PROFILE_P}sso_account_id = 111111111111\nsso_role_name = R\n",
            "'acme.awsapps.com/start' is not an AWS access portal URL",
        ),
        (
            "[profile p]\nsso_start_url = http://acme.awsapps.com/start\nsso_region = eu-west-1\n"
            "sso_account_id = 111111111111\nsso_role_name = R\n",
            "'http://acme.awsapps.com/start' is not an AWS access portal URL",
        ),
    ],
)
def test_lint_finds_what_botocore_refuses_in_sso_profiles(home: Home, config: str, problem: str) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(config)
    [result] = check_profiles(home.paths, ["p"], offline=True)
    assert (result.ok, result.error) == (False, "lint")
    assert problem in result.message


def test_add_sso_and_upgrade_never_import_boto3_or_botocore(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(LEGACY)
    code = (
        "import sys\n"
        "from awsprofiles.cli import main\n"
        f"codes = [main({[*ADD, '--role-name', 'Dev']!r}), main(['add-sso', '--upgrade'])]\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore'})\n"
        "print('LOADED', codes, loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "LOADED [0, 0] []", result.stderr
