"""profiles check --offline: the static lint, which needs neither network nor credentials."""

from __future__ import annotations

import os

import pytest
from moto import mock_aws

from awsprofiles import model, store
from awsprofiles.check import CheckResult, check_profiles, lint_profiles
from tests.conftest import Home

KEYS = "aws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = s3cr3t-value\n"
ROLE = "arn:aws:iam::123456789012:role/admin"


def write(home: Home, config: str = "", credentials: str = "", mode: int = 0o600) -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    home.credentials.write_text(credentials)
    os.chmod(home.credentials, mode)


def lint(home: Home, name: str) -> CheckResult:
    results = {result.profile: result for result in check_profiles(home.paths, offline=True)}
    return results[name]


def assert_lint(result: CheckResult, *words: str) -> None:
    assert (result.ok, result.error) == (False, "lint")
    for word in words:
        assert word in result.message


def test_clean_profiles_pass_offline(home: Home) -> None:
    write(
        home,
        config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = dev\nregion = eu-west-1\n",
        credentials=f"[dev]\n{KEYS}",
    )
    results = check_profiles(home.paths, offline=True)
    assert [(r.profile, r.ok, r.error) for r in results] == [("admin", True, None), ("dev", True, None)]


def test_source_profile_naming_no_profile(home: Home) -> None:
    write(home, config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = nobody\n")
    assert_lint(lint(home, "admin"), "'nobody' names no profile")


def test_source_profile_cycle(home: Home) -> None:
    write(
        home,
        config=(
            f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n"
        ),
    )
    assert_lint(lint(home, "a"), "loops", "a -> b -> a")


def test_a_chain_loops_only_where_botocore_would_loop(home: Home) -> None:
    write(
        home,
        config=(
            f"[profile own]\nrole_arn = {ROLE}\nsource_profile = own\n"
            # botocore reads a source that holds keys for them: b's own source_profile is not followed
            f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n"
            f"[profile c]\nrole_arn = {ROLE}\nsource_profile = c\n"
        ),
        credentials="[own]\naws_secret_access_key = s3cr3t-value\n[b]\n" + KEYS,
    )
    own = lint(home, "own")
    assert_lint(own, "aws_access_key_id is missing")  # its own source, with a secret: no loop
    assert "loops" not in own.message
    assert "loops" not in lint(home, "a").message
    assert_lint(lint(home, "c"), "loops", "c -> c")


def test_role_with_neither_source_nor_credential_source(home: Home) -> None:
    write(home, config=f"[profile admin]\nrole_arn = {ROLE}\n")
    assert_lint(lint(home, "admin"), "neither")


def test_role_with_both_source_and_credential_source(home: Home) -> None:
    write(
        home,
        config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = dev\ncredential_source = Environment\n",
        credentials=f"[dev]\n{KEYS}",
    )
    assert_lint(lint(home, "admin"), "both")


def test_half_a_key_pair(home: Home) -> None:
    write(home, credentials="[dev]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\n")
    assert_lint(lint(home, "dev"), "aws_secret_access_key is missing")


def test_secret_stored_in_the_config_file_is_reported_without_its_value(home: Home) -> None:
    write(home, config=f"[profile dev]\n{KEYS}")
    result = lint(home, "dev")
    assert_lint(result, "aws_secret_access_key is stored in the config file")
    assert "s3cr3t-value" not in result.message


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("role-arn", "role_arn"), ("source-profile", "source_profile"), ("aws_access_key", "aws_access_key_id")],
)
def test_unknown_key_suggests_the_near_miss(home: Home, typo: str, suggestion: str) -> None:
    write(home, config=f"[profile dev]\n{typo} = x\n", credentials=f"[dev]\n{KEYS}")
    assert_lint(lint(home, "dev"), f"{typo!r} is not one botocore knows", f"did you mean {suggestion!r}")


def test_keys_botocore_knows_are_not_reported(home: Home) -> None:
    write(
        home,
        config="[profile dev]\nsts_regional_endpoints = regional\nuse_fips_endpoint = false\noutput = json\n",
        credentials=f"[dev]\n{KEYS}",
    )
    assert lint(home, "dev").ok


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("role_arn = arn:aws:iam::12345:role/x\nsource_profile = dev", ("not a role ARN",)),
        (f"role_arn = {ROLE}\nsource_profile = dev\nmfa_serial = my phone", ("not an MFA device",)),
        (f"role_arn = {ROLE}\nsource_profile = dev\nduration_seconds = 60", ("out of range", "900")),
        (f"role_arn = {ROLE}\nsource_profile = dev\nduration_seconds = 1_00", ("100 is out of range",)),
    ],
)
def test_malformed_values(home: Home, setting: str, words: tuple[str, ...]) -> None:
    write(home, config=f"[profile admin]\n{setting}\n", credentials=f"[dev]\n{KEYS}")
    assert_lint(lint(home, "admin"), *words)


def test_credentials_file_readable_by_others_suggests_chmod_600_once(home: Home) -> None:
    write(home, credentials=f"[dev]\n{KEYS}[ops]\n{KEYS}", mode=0o644)
    warnings: list[str] = []
    results = check_profiles(home.paths, offline=True, warnings=warnings)
    # a note about the file, said once, not on the row of each profile it holds
    assert [(result.profile, result.ok) for result in results] == [("dev", True), ("ops", True)]
    assert [warning for warning in warnings if f"chmod 600 {home.credentials}" in warning] == [
        f"{home.credentials} is readable by other users; run 'chmod 600 {home.credentials}'"
    ]


def test_conflicting_values_in_both_files(home: Home) -> None:
    write(
        home, config="[profile dev]\nregion = eu-west-1\n", credentials=f"[dev]\n{KEYS}region = us-east-1\n"
    )
    assert_lint(lint(home, "dev"), "region differs")


def test_default_beside_profile_default(home: Home) -> None:
    write(home, config="[default]\nregion = eu-west-1\n[profile default]\nregion = us-east-1\n")
    assert_lint(lint(home, "default"), "both define the default profile")


def test_a_fatal_problem_skips_the_live_check(home: Home) -> None:
    write(home, config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = nobody\n")
    [result] = check_profiles(home.paths, timeout=0.5)
    assert_lint(result, "names no profile")


def test_a_working_profile_with_a_typo_key_reports_both_identity_and_problem(home: Home) -> None:
    write(home, config="[profile dev]\nregoin = eu-west-1\n", credentials=f"[dev]\n{KEYS}")
    with mock_aws():
        [result] = check_profiles(home.paths)
    assert_lint(result, "did you mean 'region'")
    assert result.arn is not None
    assert result.account == "123456789012"


@pytest.mark.parametrize("value", ["1h", "abc", "\u00b2", "3.5", "\u0663\u0666\u0660\u0660x"])
def test_a_duration_int_refuses_is_a_warning_that_botocore_ignores_it(home: Home, value: str) -> None:
    # botocore's AssumeRoleProvider drops a duration_seconds int() cannot parse ('\u00b2'.isdigit()
    # is True, yet int() refuses it): the role is assumed for its default duration, so one row, a note.
    write(
        home,
        config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = dev\nduration_seconds = {value}\n",
        credentials=f"[dev]\n{KEYS}",
    )
    snapshot = store.load(home.paths)
    [finding] = lint_profiles(snapshot, home.paths, ["admin"]).of("admin")
    assert not finding.fatal
    assert f"duration_seconds {value!r}" in finding.message
    assert "botocore ignores it" in finding.message
    assert_lint(lint(home, "admin"), "ignores it")


@pytest.mark.parametrize("value", ["1_000", " 3600", "\u0663\u0666\u0660\u0660", "+3600"])
def test_a_duration_int_accepts_is_checked_as_the_number_botocore_sends(home: Home, value: str) -> None:
    write(
        home,
        config=f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = dev\nduration_seconds = {value}\n",
        credentials=f"[dev]\n{KEYS}",
    )
    result = lint(home, "admin")
    if int(value) < model.MIN_DURATION:
        assert_lint(result, f"duration_seconds {int(value)} is out of range")
    else:
        assert (result.ok, result.message) == (True, "no static problems")


def test_a_duration_botocore_ignores_leaves_the_live_check_running(home: Home) -> None:
    write(
        home,
        config="[profile dev]\nregion = eu-west-1\nduration_seconds = \u00b2\n",
        credentials=f"[dev]\n{KEYS}",
    )
    with mock_aws():
        [result] = check_profiles(home.paths)
    assert result.arn is not None
    assert result.error == "lint"
    assert "ignores it" in result.message


SESSION = "[sso-session team]\nsso_start_url = https://team.awsapps.com/start\nsso_region = eu-west-1\n"


@pytest.mark.parametrize(
    "sign_in",
    ["sso_session = team", "sso_start_url = https://team.awsapps.com/start\nsso_region = eu-west-1"],
)
def test_sso_settings_without_a_role_beside_keys_are_a_keys_profile(home: Home, sign_in: str) -> None:
    # botocore's SSO provider starts only on sso_role_name or sso_account_id: it uses the keys, so
    # check must not advise removing them.
    write(home, config=f"{SESSION}[profile s1]\n{sign_in}\n", credentials=f"[s1]\n{KEYS}")
    result = lint(home, "s1")
    assert (result.kind, result.ok, result.message) == ("keys", True, "no static problems")


def test_sso_role_name_alone_beside_keys_is_what_botocore_refuses(home: Home) -> None:
    # botocore: "configured to use SSO but is missing required configuration: sso_account_id,
    # sso_start_url, sso_region"; it does not fall back to the keys.
    write(home, config="[profile s1]\nsso_role_name = admin\n", credentials=f"[s1]\n{KEYS}")
    result = lint(home, "s1")
    assert result.kind == "sso"
    assert_lint(result, "sso_account_id, sso_start_url, sso_region")


def test_a_role_with_keys_that_is_another_roles_source_keeps_its_keys(home: Home) -> None:
    # botocore reads a source_profile that holds static keys for those keys (credentials.py,
    # _resolve_credentials_from_profile): x's keys sign y's AssumeRole, x's role is used for x.
    write(
        home,
        config=(
            f"[profile x]\nrole_arn = {ROLE}\nsource_profile = dev\n"
            f"[profile y]\nrole_arn = {ROLE}\nsource_profile = x\n"
        ),
        credentials=f"[dev]\n{KEYS}[x]\n{KEYS}",
    )
    result = lint(home, "x")
    assert "profiles unset" not in result.message
    assert "remove" not in result.message
    assert_lint(result, "botocore uses both", "the role for x", "the access key as the source of y")
    [finding] = lint_profiles(store.load(home.paths), home.paths, ["x"]).of("x")
    assert not finding.fatal


def test_a_role_with_keys_that_no_role_uses_as_its_source_says_remove_them(home: Home) -> None:
    # y names x, but y is a web identity role: botocore never follows its source_profile.
    write(
        home,
        config=(
            f"[profile x]\nrole_arn = {ROLE}\nsource_profile = dev\n[profile y]\nrole_arn = {ROLE}\n"
            "web_identity_token_file = /tmp/token\nsource_profile = x\n"
        ),
        credentials=f"[dev]\n{KEYS}[x]\n{KEYS}",
    )
    assert_lint(lint(home, "x"), "ignores the access key", "profiles unset x aws_access_key_id")


@pytest.mark.parametrize("source", ["dev", "nobody"])
def test_a_web_identity_roles_source_profile_is_unused(home: Home, source: str) -> None:
    # botocore's AssumeRoleProvider skips a profile with web_identity_token_file: its web identity
    # provider assumes the role with the token, and source_profile is never read.
    write(
        home,
        config=(
            f"[profile w]\nrole_arn = {ROLE}\nweb_identity_token_file = /tmp/token\n"
            f"source_profile = {source}\n"
        ),
        credentials=f"[dev]\n{KEYS}",
    )
    result = lint(home, "w")
    assert result.kind == "web-identity"
    assert_lint(result, "source_profile is unused", "profiles unset w source_profile")
    assert "names no profile" not in result.message
    [finding] = lint_profiles(store.load(home.paths), home.paths, ["w"]).of("w")
    assert not finding.fatal
