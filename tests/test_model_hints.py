"""The pure rules behind truthful hints: profile suggestions, known keys, kinds, credential_process."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awsprofiles import model
from awsprofiles.model import Kind, Profile
from tests.botocore_config_keys import botocore_config_keys

# --------------------------------------------------------------------------- did you mean


def test_unknown_profile_suggests_the_same_name_in_another_case_first() -> None:
    error = model.no_such_profile("bob", ["Bob", "bo", "rob"])
    assert "did you mean 'Bob'?" in error.message
    assert "'rob'" not in error.message
    assert error.exit_code == 2


def test_unknown_profile_suggests_the_closest_names() -> None:
    message = model.no_such_profile("exmple-role", ["example-role", "Bob", "other"]).message
    assert message.startswith("no profile named 'exmple-role'; did you mean 'example-role'?")


def test_unknown_profile_without_a_near_name_points_to_list() -> None:
    message = model.no_such_profile("zzz", ["Bob"]).message
    assert "did you mean" not in message
    assert "profiles list" in message


@pytest.mark.parametrize(
    ("typo", "known"),
    [
        ("regoin", "region"),
        ("role-arn", "role_arn"),
        ("Source_Profile", "source_profile"),
        ("outptu", "output"),
    ],
)
def test_a_typo_of_a_known_key_suggests_it(typo: str, known: str) -> None:
    assert model.suggest_key(typo) == known


def test_known_keys_hold_botocore_s_own_table_exactly() -> None:
    """The list kept without importing botocore is botocore's: an upgrade that adds a key fails here."""
    assert botocore_config_keys() == model.BOTOCORE_CONFIG_KEYS, (
        "update model.BOTOCORE_CONFIG_KEYS to: " + repr(sorted(botocore_config_keys()))
    )
    assert model.BOTOCORE_CONFIG_KEYS | model.CREDENTIAL_AND_CLI_KEYS == model.KNOWN_KEYS


def test_the_environment_profile_is_read_in_botocore_s_order() -> None:
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

    assert tuple(BOTOCORE_DEFAUT_SESSION_VARIABLES["profile"][1]) == model.PROFILE_VARIABLES
    both = {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}
    assert model.environment_profile(both) == ("AWS_DEFAULT_PROFILE", "b")
    assert model.environment_profile({"AWS_PROFILE": "a"}) == ("AWS_PROFILE", "a")
    assert model.environment_profile({}) is None


# --------------------------------------------------------------------------- kinds


def profile(name: str, **values: str) -> Profile:
    return Profile(name, values)


ROLE = {"role_arn": "arn:aws:iam::123456789012:role/r", "source_profile": "Bob"}
KEYS = {"aws_access_key_id": "AKIAEXAMPLEEXAMPLE12", "aws_secret_access_key": "s"}


@pytest.mark.parametrize(
    ("values", "kinds"),
    [
        (ROLE, [Kind.ROLE]),
        (KEYS, [Kind.KEYS]),
        ({**ROLE, **KEYS}, [Kind.ROLE, Kind.KEYS]),
        ({**KEYS, "credential_process": "x"}, [Kind.KEYS, Kind.PROCESS]),
        # botocore's SSO provider starts only on sso_role_name or sso_account_id.
        ({"sso_session": "s", **KEYS}, [Kind.KEYS]),
        ({"sso_session": "s", "sso_account_id": "123456789012", **KEYS}, [Kind.SSO, Kind.KEYS]),
        ({"region": "eu-west-1"}, []),
    ],
)
def test_credential_kinds_lists_every_kind_a_profile_configures(
    values: dict[str, str], kinds: list[Kind]
) -> None:
    assert profile("p", **values).credential_kinds == kinds


def test_a_role_that_is_its_own_source_with_keys_is_one_kind() -> None:
    """botocore reads such a profile's keys as the role's source: not a mixed profile."""
    own = profile("p", **{**ROLE, "source_profile": "p"}, **KEYS)
    assert own.credential_kinds == [Kind.ROLE]


# --------------------------------------------------------------------------- credential_process


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("profiles credential-process dev", "dev"),
        ("/home/me/.local/bin/profiles credential-process dev --no-cache", "dev"),
        ("profiles credential-process dev --from-keyring", "dev"),
        ("profiles credential-process --duration 900 dev", "dev"),
        ("profiles credential-process --config-file=/x dev", "dev"),
        ("'/opt/my tools/profiles' credential-process 'my profile'", "my profile"),
        ("profiles env dev", None),
        ("notprofiles credential-process dev", None),
        ("aws-vault exec dev --json", None),
        ("profiles credential-process", None),
        ("profiles credential-process 'unterminated", None),
        ("", None),
    ],
)
def test_profiles_process_target_names_the_profile_a_credential_process_runs(
    command: str, target: str | None
) -> None:
    assert model.profiles_process_target(command) == target


@pytest.mark.parametrize(
    ("command", "renamed"),
    [
        ("profiles credential-process dev", "profiles credential-process prod"),
        (
            '"/opt/my tools/profiles"  credential-process  dev  --no-cache',
            '"/opt/my tools/profiles"  credential-process  prod  --no-cache',
        ),
        (
            "profiles credential-process --duration 900 'dev'",
            "profiles credential-process --duration 900 prod",
        ),
    ],
)
def test_retarget_changes_only_the_profile_name(command: str, renamed: str) -> None:
    assert model.retarget_profiles_process(command, "prod") == renamed


def test_retarget_quotes_a_name_the_shell_would_split() -> None:
    renamed = model.retarget_profiles_process("profiles credential-process dev", "my dev")
    assert model.profiles_process_target(renamed) == "my dev"
    assert shlex.split(renamed) == ["profiles", "credential-process", "my dev"]


def test_the_python_m_line_protect_writes_without_profiles_on_path_is_a_keyring_process() -> None:
    # vault.profiles_program's fallback when no `profiles` script can be found.
    command = "/usr/bin/python3.11 -m awsprofiles credential-process Bob --from-keyring"
    assert model.profiles_process_target(command) == "Bob"
    assert model.is_keyring_process(command)
    assert model.retarget_profiles_process(command, "Alice") == (
        "/usr/bin/python3.11 -m awsprofiles credential-process Alice --from-keyring"
    )
    assert model.profiles_process_target("python -m other credential-process Bob") is None


def test_retarget_refuses_a_command_that_runs_no_profile() -> None:
    with pytest.raises(ValueError, match="does not run"):
        model.retarget_profiles_process("aws-vault exec dev", "prod")


_WORD = st.text(alphabet="ab '\"\\\t-", max_size=12)


@given(st.lists(_WORD, max_size=4))
def test_shell_words_split_exactly_as_shlex(parts: list[str]) -> None:
    command = " ".join(parts)
    try:
        expected = shlex.split(command)
    except ValueError:
        assert model.shell_words(command) is None
        return
    words = model.shell_words(command)
    assert words is not None
    assert [word for word, _, _ in words] == expected
    # each span is exactly that word's text in the command
    assert [shlex.split(command[start:end]) for _, start, end in words] == [[w] for w in expected]
