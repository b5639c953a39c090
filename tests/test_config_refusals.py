"""Settings botocore refuses (its InvalidConfigError) are said in profiles' own words, with the fix.

botocore's text is never repeated: each case is raised by botocore itself from real files, and
the message `classify` writes for it must not contain that text (nor its quoted names).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.exceptions import InvalidConfigError, PartialCredentialsError

from awsprofiles.aws.errors import classify
from awsprofiles.errors import CheckFailed
from tests.conftest import Home
from tests.store_helpers import run
from tests.test_check import write

ROLE = "arn:aws:iam::123456789012:role/dev-role"

EMPTY_SOURCE = (
    "its source profile 'bob' has no credentials: give it keys ('profiles add-user bob --force'), "
    "SSO or a credential_process"
)


def empty_source(home: Home) -> None:
    """The issue's repro: bob's keys unset, then a role r2 from bob."""
    write(
        home,
        config=f"[profile bob]\nregion = eu-west-1\n[profile r2]\nrole_arn = {ROLE}\nsource_profile = bob\n"
        f"region = eu-west-1\n",
        credentials="[bob]\n",
    )


def test_check_says_a_roles_source_without_credentials_has_none(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_source(home)
    result = run(capsys, "check", "r2", "--json")
    assert result.code == 1, result.err
    [row] = json.loads(result.out)
    assert (row["error"], row["message"]) == ("no-credentials", EMPTY_SOURCE)


@pytest.mark.parametrize("command", ["whoami", "env"])
def test_whoami_and_env_say_a_roles_source_without_credentials_has_none(
    home: Home, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    empty_source(home)
    result = run(capsys, command, "r2")
    assert result.code == 1
    assert result.out == ""
    assert result.err == f"error: profile 'r2': {EMPTY_SOURCE} [no-credentials]\n"


def test_a_source_without_credentials_further_down_the_chain_is_named(home: Home) -> None:
    empty_source(home)
    config = home.config.read_text() + f"[profile r3]\nrole_arn = {ROLE}\nsource_profile = r2\n"
    home.config.write_text(config)
    failed = refused(home, "r3")
    assert failed.code == "no-credentials"
    assert failed.message == (
        "profile 'r3': the last source profile of its chain (r3 -> r2 -> bob), 'bob', has no "
        "credentials: give it keys ('profiles add-user bob --force'), SSO or a credential_process"
    )


def refused(home: Home, profile: str) -> CheckFailed:
    """What classify says of the error botocore raises for ``profile``'s settings (whose text is
    asserted absent from the message)."""
    session = botocore.session.Session(profile=profile)
    # botocore's InvalidConfigError; for a role without any source, its PartialCredentialsError
    with pytest.raises((InvalidConfigError, PartialCredentialsError)) as raised:
        session.create_client("sts", region_name="eu-west-1").get_caller_identity()
    failed = classify(raised.value, profile, profiles=session.full_config["profiles"])
    assert str(raised.value) not in failed.message
    assert '"' not in failed.message, failed.message  # botocore quotes names so; profiles never
    return failed


CASES = {
    "no source": (
        "[profile r]\nrole_arn = {role}\nsource_profile = gone\n",
        "lint",
        "profile 'r': source_profile 'gone' names no profile; add it, or name another "
        "('profiles set r source_profile SOURCE')",
    ),
    "two sources": (
        "[profile bob]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
        "[profile r]\nrole_arn = {role}\nsource_profile = bob\ncredential_source = Environment\n",
        "lint",
        "profile 'r': role profile has both source_profile and credential_source; it needs exactly "
        "one ('profiles unset r source_profile' or 'profiles unset r credential_source')",
    ),
    "no source at all": (
        "[profile r]\nrole_arn = {role}\n",
        "no-credentials",
        "profile 'r': role profile has neither source_profile nor credential_source; it needs exactly "
        "one ('profiles set r source_profile SOURCE')",
    ),
    "a source further down with two": (
        "[profile bob]\nrole_arn = {role}\nsource_profile = r\ncredential_source = Environment\n"
        "[profile r]\nrole_arn = {role}\nsource_profile = bob\n",
        "lint",
        "profile 'r': in its chain (r -> bob), profile 'bob': role profile has both source_profile and "
        "credential_source; it needs exactly one ('profiles unset bob source_profile' or "
        "'profiles unset bob credential_source')",
    ),
    "bad credential_source": (
        "[profile r]\nrole_arn = {role}\ncredential_source = Laptop\n",
        "lint",
        "profile 'r': credential source 'Laptop' is not one of Environment, Ec2InstanceMetadata, "
        "EcsContainer",
    ),
    "web identity without a role": (
        "[profile r]\nweb_identity_token_file = /tmp/token\n",
        "lint",
        "profile 'r': it has web_identity_token_file but no role_arn, which botocore needs to assume "
        "a role with that token; set one ('profiles set r role_arn ARN')",
    ),
    "sso without its settings": (
        "[profile r]\nsso_account_id = 123456789012\nsso_role_name = Dev\n",
        "lint",
        "profile 'r': its IAM Identity Center (SSO) settings are incomplete or disagree with its "
        "sso-session: it needs sso_account_id, sso_role_name, sso_start_url and sso_region, in the "
        "profile or in the [sso-session] it names (the same values in both); 'profiles check r' "
        "names what is wrong",
    ),
    "sso session that does not exist": (
        "[profile r]\nsso_session = gone\nsso_account_id = 123456789012\nsso_role_name = Dev\n",
        "lint",
        "profile 'r': its IAM Identity Center (SSO) settings are incomplete or disagree with its "
        "sso-session: it needs sso_account_id, sso_role_name, sso_start_url and sso_region, in the "
        "profile or in the [sso-session] it names (the same values in both); 'profiles check r' "
        "names what is wrong",
    ),
    "a setting's value": (
        "[profile r]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
        "account_id_endpoint_mode = sometimes\n",
        "other",
        "profile 'r': botocore refused one of its settings (or of the environment's AWS_ variables): "
        "check their values against the AWS CLI's documentation; 'profiles check r' lints the profile",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_setting_botocore_refuses_is_said_in_profiles_words(home: Home, case: str) -> None:
    config, code, message = CASES[case]
    write(home, config=config.format(role=ROLE))
    failed = refused(home, "r")
    assert (failed.code, failed.message) == (code, message)
