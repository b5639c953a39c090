"""[DEFAULT] in either file, and the default profile in every spelling botocore accepts.

configparser gives [DEFAULT]'s values to every other section of its file, and botocore reads
the files with configparser: reading, listing, checking and editing follow that exactly, and
an edit botocore would not see as intended is refused (exit 3), naming [DEFAULT].
"""

from __future__ import annotations

import json
import os
import re

import pytest

from awsprofiles import store
from awsprofiles.errors import Refused
from tests.conftest import Home
from tests.store_helpers import botocore_profiles, run, snapshot_bytes

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"

CREDENTIALS_WITH_DEFAULT = (
    "[DEFAULT]\nregion = eu-west-1\n\n"
    f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n"
    f"[ops]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
)
CONFIG_WITH_DEFAULT = "[DEFAULT]\nregion = eu-west-1\noutput = json\n\n[profile dev]\nregion = us-east-1\n"


@pytest.fixture
def credentials_default(home: Home) -> Home:
    home.credentials.parent.mkdir(mode=0o700)
    home.credentials.write_text(CREDENTIALS_WITH_DEFAULT)
    home.credentials.chmod(0o600)
    return home


@pytest.fixture
def config_default(home: Home) -> Home:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(CONFIG_WITH_DEFAULT)
    return home


def test_default_section_in_credentials_is_no_profile_and_is_inherited(
    credentials_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = run(capsys, "list", "--json")
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [row["name"] for row in rows] == ["dev", "ops"]
    assert {row["region"] for row in rows} == {"eu-west-1"}
    assert run(capsys, "list").code == 0
    shown = run(capsys, "show", "dev", "--json")
    assert json.loads(shown.out)["keys"]["region"]["value"] == "eu-west-1"
    checked = run(capsys, "check", "--offline", "--json")
    assert checked.code == 0, checked.err
    assert [row["profile"] for row in json.loads(checked.out)] == ["dev", "ops"]


def test_remove_and_rename_work_beside_a_default_section_in_credentials(
    credentials_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "remove", "ops").code == 0
    renamed = run(capsys, "rename", "dev", "prod")
    assert renamed.code == 0, renamed.err
    assert credentials_default.credentials.read_text().startswith("[DEFAULT]\nregion = eu-west-1\n\n[prod]\n")
    read = botocore_profiles(credentials_default.config, credentials_default.credentials)
    assert set(read) == {"prod"}
    assert read["prod"]["region"] == "eu-west-1"


def test_a_new_profile_beside_a_default_section_in_config_inherits_it(
    config_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    created = run(capsys, "set", "--create", "new", "output", "text")
    assert created.code == 0, created.err
    assert created.err == (
        f"warning: profile 'new' also reads region from [DEFAULT] ({config_default.config} line 1), "
        "which every section of that file inherits\n"
        "profile 'new' created: output = text\n"
    )
    added = run(capsys, "add-role", "--no-check", "role", "--source", "dev", "--role-arn", ROLE_ARN)
    assert added.code == 0, added.err
    assert (
        f"warning: profile 'role' also reads output, region from [DEFAULT] ({config_default.config} line 1)"
        in added.err
    )
    read = botocore_profiles(config_default.config, config_default.credentials)
    assert read["new"] == {"region": "eu-west-1", "output": "text"}
    assert read["role"] == {
        "region": "eu-west-1",
        "output": "json",
        "role_arn": ROLE_ARN,
        "source_profile": "dev",
    }


REFUSED = [
    pytest.param(
        CONFIG_WITH_DEFAULT, "", ["unset", "dev", "output"], "would read output from", id="unset-inherited"
    ),
    # dev's own region would give way to [DEFAULT]'s
    pytest.param(
        CONFIG_WITH_DEFAULT, "", ["unset", "dev", "region"], "would read region from", id="unset-own"
    ),
    # dev lives in credentials only: a config section for it would inherit [DEFAULT]'s region
    pytest.param(
        "[DEFAULT]\nregion = eu-west-1\n",
        f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n",
        ["set", "dev", "output", "json"],
        "would read region from",
        id="new-section-of-an-existing-profile",
    ),
    # A role inheriting a key: botocore takes a source profile's own key before its role.
    pytest.param(
        f"[DEFAULT]\naws_access_key_id = {KEY_ID}\n\n[profile dev]\nregion = x\n",
        "",
        ["add-role", "--no-check", "role", "--source", "dev", "--role-arn", ROLE_ARN],
        "would also read aws_access_key_id from",
        id="role-inheriting-a-key",
    ),
    # A key profile inheriting a role: botocore would assume the role instead.
    pytest.param(
        f"[DEFAULT]\nrole_arn = {ROLE_ARN}\n",
        "",
        ["add-user", "--no-check", "new", "--access-key-id", KEY_ID, "--secret-stdin", "--region", "x"],
        "would also read role_arn from",
        id="user-inheriting-a-role",
    ),
    # A new credentials section inheriting a credential_process (in credentials, as some tools write it).
    pytest.param(
        "",
        "[DEFAULT]\ncredential_process = /usr/local/bin/creds\n",
        ["add-user", "--no-check", "new", "--access-key-id", KEY_ID, "--secret-stdin"],
        "would also read credential_process from",
        id="user-inheriting-a-process",
    ),
    pytest.param(
        "[DEFAULT]\ncredential_source = Environment\n\n[profile dev]\nregion = x\n",
        "",
        ["add-role", "--no-check", "role", "--source", "dev", "--role-arn", ROLE_ARN],
        "would read credential_source from",
        id="role-with-a-credential-source",
    ),
    pytest.param(
        "[DEFAULT]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n\n"
        "[profile old]\nsso_account_id = 111111111111\nsso_role_name = Dev\n",
        "",
        ["add-sso", "--upgrade"],
        "would read sso_region, sso_start_url from",
        id="sso-upgrade-of-inherited-keys",
    ),
    pytest.param(
        "[DEFAULT]\nsource_profile = dev\n\n[profile dev]\nregion = x\n",
        "",
        ["rename", "dev", "prod"],
        "line 1: [DEFAULT] names profile 'dev' (source_profile or credential_process)",
        id="rename-of-defaults-source",
    ),
]


@pytest.mark.parametrize(("config", "credentials", "argv", "said"), REFUSED)
def test_an_edit_default_would_defeat_is_refused_with_exit_3_and_names_it(
    config: str, credentials: str, argv: list[str], said: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(config)
    home.credentials.write_text(credentials)
    before = snapshot_bytes(home.config, home.credentials)
    result = run(capsys, *argv, stdin=SECRET + "\n")
    assert result.code == 3, result.err
    assert said in result.err
    assert "[DEFAULT]" in result.err
    assert str(home.config if "[DEFAULT]" in config else home.credentials) in result.err
    assert snapshot_bytes(home.config, home.credentials) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["add-user", "--no-check", "DEFAULT", "--access-key-id", KEY_ID, "--secret-stdin"],
        ["rename", "dev", "DEFAULT"],
        ["set", "--create", "DEFAULT", "region", "eu-west-1"],
    ],
    ids=["add-user", "rename", "set"],
)
def test_default_is_not_a_profile_name(
    argv: list[str], credentials_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(credentials_default.config, credentials_default.credentials)
    result = run(capsys, *argv, stdin=SECRET + "\n")
    assert result.code == 2, result.err
    assert "'DEFAULT' cannot be a profile name" in result.err
    assert snapshot_bytes(credentials_default.config, credentials_default.credentials) == before


# --------------------------------------------------------------------------- default's spellings


@pytest.mark.parametrize(
    "config",
    [
        '[profile "default"]\nregion = eu-west-1\n',
        "[profile  default]\nregion = eu-west-1\n",
        "[default]\nregion = us-east-1\n\n[profile\tdefault]\nregion = eu-west-1\n",
        '[profile "default"]\nregion = us-east-1\n\n[default]\nregion = eu-west-1\n',
    ],
    ids=["quoted", "two-spaces", "default-then-tab", "quoted-then-default"],
)
def test_every_spelling_of_the_default_profile_is_edited_and_removed_as_botocore_reads_it(
    config: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(config)
    assert botocore_profiles(home.config, home.credentials)["default"]["region"] == "eu-west-1"
    assert run(capsys, "set", "default", "output", "json").code == 0
    assert botocore_profiles(home.config, home.credentials)["default"] == {
        "region": "eu-west-1",
        "output": "json",
    }
    removed = run(capsys, "remove", "default")
    assert removed.code == 0, removed.err
    assert "default" not in botocore_profiles(home.config, home.credentials)
    assert home.config.read_text() == ""


def test_renaming_default_with_an_ignored_twin_in_another_spelling_is_refused(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text("[default]\nregion = us-east-1\n\n[profile\tdefault]\nregion = eu-west-1\n")
    result = run(capsys, "rename", "default", "main")
    assert result.code == 3, result.err
    assert "[default] would become the default profile" in result.err


def test_a_new_key_keeps_an_indented_header_below_it_a_header(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line indented deeper than the option above it continues that option's value."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text("[profile a]\n  [profile b]\n  region = eu-west-1\n")
    result = run(capsys, "set", "a", "output", "json")
    assert result.code == 0, result.err
    assert home.config.read_text() == "[profile a]\n  output = json\n  [profile b]\n  region = eu-west-1\n"
    read = botocore_profiles(home.config, home.credentials)
    assert read == {"a": {"output": "json"}, "b": {"region": "eu-west-1"}}


def test_removing_a_section_keeps_an_indented_header_below_it_a_header(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once [profile b] goes, '  [profile c]' would follow a's option and continue its value."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text("[profile a]\nregion = eu-west-1\n[profile b]\n  [profile c]\n  output = json\n")
    result = run(capsys, "remove", "b")
    assert result.code == 0, result.err
    assert home.config.read_text() == "[profile a]\nregion = eu-west-1\n[profile c]\n  output = json\n"
    read = botocore_profiles(home.config, home.credentials)
    assert read == {"a": {"region": "eu-west-1"}, "c": {"output": "json"}}


CONTINUED = "[profile a]\noutput = json\n    continued\n# a comment\n\n  [default]"


@pytest.mark.parametrize(
    ("argv", "written", "read"),
    [
        (
            ["set", "a", "region", "eu-west-1"],
            CONTINUED + "\nregion = eu-west-1",
            {"output": "json\ncontinued\n\n[default]", "region": "eu-west-1"},
        ),
        (["set", "a", "output", "text"], "[profile a]\noutput = text", {"output": "text"}),
        (["unset", "a", "output"], "[profile a]", {}),
    ],
    ids=["new-key", "its-key", "unset"],
)
def test_an_edit_of_a_value_that_continues_after_a_comment_and_a_blank_line_follows_configparser(
    argv: list[str], written: str, read: dict[str, str], home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """configparser continues a value with an indented line even after a comment and a blank
    line (a header-looking one too), where configupdater ends it (found by the differential test)."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(CONTINUED)
    result = run(capsys, *argv)
    assert result.code == 0, result.err
    assert home.config.read_text() == written
    assert botocore_profiles(home.config, home.credentials) == {"a": read}


def test_add_sso_beside_a_default_section_writes_a_session_and_profile_that_inherit_it(
    config_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "add-sso", "new", "--start-url", "https://acme.awsapps.com/start", "--sso-region",
                 "eu-west-1", "--account", "111111111111", "--role-name", "Dev")  # fmt: skip
    assert result.code == 0, result.err
    read = botocore_profiles(config_default.config, config_default.credentials)
    assert read["new"] == {
        "region": "eu-west-1",
        "output": "json",
        "sso_session": "acme",
        "sso_account_id": "111111111111",
        "sso_role_name": "Dev",
    }
    assert not os.path.exists(store.journal_path(config_default.paths))


# --------------------------------------------------------------------------- inherited values said


@pytest.mark.parametrize(
    ("config", "credentials", "argv", "said"),
    [
        pytest.param(
            "",
            "[DEFAULT]\ns3 = plain\n",
            ["add-user", "--no-check", "new", "--access-key-id", KEY_ID, "--secret-stdin"],
            "profile 'new' also reads s3 from [DEFAULT] ({credentials} line 1)",
            id="issue-example",
        ),
        pytest.param(
            "[DEFAULT]\ns3 =\n  addressing_style = path\n",
            "",
            [
                "add-sso",
                "new",
                "--start-url",
                "https://acme.awsapps.com/start",
                "--sso-region",
                "eu-west-1",
                "--account",
                "111111111111",
                "--role-name",
                "Dev",
            ],
            "profile 'new' also reads s3 from [DEFAULT] ({config} line 1)",
            id="nested-value",
        ),
    ],
)
def test_an_edit_that_gives_a_profile_values_from_default_says_so(
    config: str, credentials: str, argv: list[str], said: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """The values are right by configparser's rule, but nobody asked for them: stderr says where
    they come from (issue 17 item 7)."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(config)
    home.credentials.write_text(credentials)
    result = run(capsys, *argv, stdin=SECRET + "\n")
    assert result.code == 0, result.err
    warning = said.format(config=home.config, credentials=home.credentials)
    assert f"warning: {warning}, which every section of that file inherits\n" in result.err
    inherited = re.search(r"reads (\S+) from", said)
    assert inherited is not None
    assert inherited.group(1) in botocore_profiles(home.config, home.credentials)["new"]


def test_an_edit_that_adds_nothing_from_default_says_nothing_of_it(
    config_default: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """dev already read [DEFAULT]'s output before the edit: nothing new to say."""
    result = run(capsys, "set", "dev", "region", "us-west-2")
    assert result.code == 0, result.err
    assert "[DEFAULT]" not in result.err


@pytest.mark.parametrize(
    "config",
    [
        "[DEFAULT]\nregion = eu-west-1\n    continued\n[profile  default]\n  [DEFAULT]\n[profile default]",
        "[DEFAULT]\n\ns3 =\n    max_concurrent_requests = 10\n[profile default]\n  [DEFAULT]",
    ],
    ids=["after-a-continued-value", "after-a-nested-value"],
)
def test_removing_a_section_keeps_an_indented_header_of_the_same_name_below_it_a_header(
    config: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second [DEFAULT] (configparser merges them) indented below the removed section would
    continue the value above it; it was taken for a header because the section above had its
    name (found by the differential test)."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(config)
    before = botocore_profiles(home.config, home.credentials)
    result = run(capsys, "remove", "default")
    assert result.code == 0, result.err
    assert "\n[DEFAULT]" in home.config.read_text()  # a header again, unindented
    after = botocore_profiles(home.config, home.credentials)
    assert "default" not in after
    assert after == {name: values for name, values in before.items() if name != "default"}


def test_a_profile_named_default_gets_no_default_section_in_credentials(home: Home) -> None:
    """[profile DEFAULT] in config is a profile botocore reads; its keys cannot go to the
    credentials file, where [DEFAULT] would be every section's defaults: refused (exit 3), where
    unprotect's edit was refused as unverifiable (exit 4; found by the differential test)."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text("[profile DEFAULT]\nregion = eu-west-1\n")
    before = snapshot_bytes(home.config, home.credentials)
    with pytest.raises(Refused, match=r"profile 'DEFAULT' cannot have a section in .*credentials") as refused:
        store.edit_files(home.paths, lambda tx: tx.set("DEFAULT", "aws_access_key_id", KEY_ID))
    assert refused.value.exit_code == 3
    assert "[DEFAULT]" in refused.value.message
    assert snapshot_bytes(home.config, home.credentials) == before


def test_a_value_over_several_lines_set_again_keeps_its_key_indented(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """configupdater's setter dropped the tab before 'region', and the indented [DEFAULT] header
    below then continued the value: refused as unverifiable (exit 4; found by the differential
    test)."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text("[default]\n# a comment\n\tregion = eu-west-1\n    continued\n\t[DEFAULT]")
    result = run(capsys, "set", "default", "region", "eu-west-1")
    assert result.code == 0, result.err
    assert home.config.read_text() == "[default]\n# a comment\n\tregion = eu-west-1\n\t[DEFAULT]"
    assert botocore_profiles(home.config, home.credentials) == {"default": {"region": "eu-west-1"}}


# --------------------------------------------------------------------------- two [DEFAULT] sections

# configparser merges every [DEFAULT] of a file (a key may be set in only one of them): each note
# and refusal names the [DEFAULT] that holds the key it is about.
TWO_DEFAULTS = (
    "[DEFAULT]\noutput = json\n\n[profile dev]\nregion = us-east-1\n\n[DEFAULT]\nregion = eu-west-1\n"
)


@pytest.mark.parametrize(
    ("config", "argv", "code", "said"),
    [
        pytest.param(
            TWO_DEFAULTS,
            ["set", "--create", "new", "output", "text"],
            0,
            "warning: profile 'new' also reads region from [DEFAULT] ({config} line 7)",
            id="note-names-the-second",
        ),
        pytest.param(
            TWO_DEFAULTS.replace("region = eu-west-1", "cli_pager = less"),
            ["set", "--create", "new", "region", "eu-west-2"],
            0,
            "warning: profile 'new' also reads cli_pager, output from [DEFAULT] ({config} lines 1 and 7)",
            id="note-names-both",
        ),
        pytest.param(
            TWO_DEFAULTS,
            ["unset", "dev", "region"],
            3,
            "profile 'dev' would read region from [DEFAULT] ({config} line 7)",
            id="refusal-names-the-second",
        ),
        pytest.param(
            "[DEFAULT]\nregion = x\n\n[profile dev]\nregion = y\n\n[DEFAULT]\nsource_profile = dev\n",
            ["rename", "dev", "prod"],
            3,
            "{config} line 7: [DEFAULT] names profile 'dev'",
            id="rename-names-the-second",
        ),
    ],
)
def test_with_two_default_sections_the_one_that_holds_the_key_is_named(
    config: str, argv: list[str], code: int, said: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(config)
    botocore_profiles(home.config, home.credentials)  # botocore reads both
    result = run(capsys, *argv)
    assert result.code == code, result.err
    assert said.format(config=home.config) in result.err
