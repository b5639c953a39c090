"""The editing commands through the real CLI: bad input, refusals, files byte-identical."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROFILES, Home, copy_fixture
from tests.store_helpers import Result, run, snapshot_bytes

ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BOB_CREDENTIALS = f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"


@pytest.fixture
def seeded(home: Home) -> Home:
    """The chained-roles config, and Bob's key in credentials."""
    copy_fixture(FIXTURES / "chained.config", home.config)
    home.credentials.write_text(BOB_CREDENTIALS)
    return home


def assert_failed(result: Result, code: int, *fragments: str) -> str:
    """Exit code, exactly one 'error:' line on stderr (warnings aside), no traceback, no stdout."""
    assert result.code == code, result.err
    errors = [line for line in result.err.splitlines() if not line.startswith("warning:")]
    assert len(errors) == 1, result.err
    assert errors[0].startswith("error: "), result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    for fragment in fragments:
        assert fragment in errors[0]
    return errors[0]


BAD_INPUT = [
    pytest.param(
        ["add-role", "--no-check", "", "--source", "Bob", "--role-arn", ROLE_ARN],
        "cannot be empty",
        id="empty-name",
    ),
    pytest.param(
        ["add-role", "--no-check", "a[b", "--source", "Bob", "--role-arn", ROLE_ARN],
        "'['",
        id="bracket-in-name",
    ),
    pytest.param(
        ["add-role", "--no-check", "a#b", "--source", "Bob", "--role-arn", ROLE_ARN], "'#'", id="hash-in-name"
    ),
    pytest.param(
        ["add-role", "--no-check", " dev", "--source", "Bob", "--role-arn", ROLE_ARN],
        "white space",
        id="padded",
    ),
    pytest.param(
        ["add-role", "--no-check", "a\nb", "--source", "Bob", "--role-arn", ROLE_ARN],
        "line break",
        id="newline",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", "arn:aws:iam::1234:role/x"],
        "not a role ARN",
        id="arn",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", "arn:aws:s3:::bucket"],
        "not a role ARN",
        id="not-iam",
    ),
    pytest.param(
        [
            "add-role",
            "--no-check",
            "r",
            "--source",
            "Bob",
            "--role-arn",
            "arn:azure:iam::123456789012:role/x",
        ],
        "not a role ARN",
        id="partition",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", ROLE_ARN, "--duration", "899"],
        "out of range",
        id="short",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", ROLE_ARN, "--duration", "43201"],
        "out of range",
        id="long",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Nobody", "--role-arn", ROLE_ARN],
        "'Nobody'",
        id="missing-source",
    ),
    pytest.param(
        [
            "add-role",
            "--no-check",
            "r",
            "--source",
            "Bob",
            "--credential-source",
            "Environment",
            "--role-arn",
            ROLE_ARN,
        ],
        "exactly one",
        id="two-sources",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--credential-source", "Laptop", "--role-arn", ROLE_ARN],
        "Environment",
        id="cred-source",
    ),
    pytest.param(
        [
            "add-role",
            "--no-check",
            "r",
            "--source",
            "Bob",
            "--role-arn",
            ROLE_ARN,
            "--mfa-serial",
            "my phone",
        ],
        "MFA device",
        id="mfa",
    ),
    pytest.param(
        ["add-role", "--no-check", "Bob", "--source", "audit", "--role-arn", ROLE_ARN, "--force"],
        "cycle",
        id="cycle-add-role",
    ),
    pytest.param(
        ["set", "Bob", "source_profile", "audit"], "Bob -> audit -> example-role -> Bob", id="cycle-set"
    ),
    pytest.param(["set", "Bob", "aws_secret_access_key", "x"], "secret", id="set-secret"),
    pytest.param(["set", "Bob", "aws_session_token", "x"], "secret", id="set-token"),
    pytest.param(["set", "Bob", "duration_seconds", "soon"], "whole number", id="set-duration"),
    pytest.param(["set", "Bob", "region", "eu-west-1\n[profile x]"], "line break", id="value-injection"),
    pytest.param(["set", "Bob", "bad key", "x"], "not a valid setting name", id="bad-key"),
    pytest.param(["set", "Nobody", "region", "eu-west-1"], "no profile named 'Nobody'", id="set-unknown"),
    pytest.param(["get", "Nobody", "region"], "no profile named 'Nobody'", id="get-unknown"),
    pytest.param(["get", "Bob", "aws_secret_access_key"], "never printed", id="get-secret"),
    pytest.param(["show", "Nobody"], "no profile named 'Nobody'", id="show-unknown"),
    pytest.param(["unset", "Nobody", "region"], "no profile named 'Nobody'", id="unset-unknown"),
    pytest.param(["remove", "Nobody"], "no profile named 'Nobody'", id="remove-unknown"),
    pytest.param(["rename", "Nobody", "x"], "no profile named 'Nobody'", id="rename-unknown"),
    pytest.param(["rename", "Bob", "a]b"], "']'", id="rename-bad-name"),
    pytest.param(
        ["add-user", "--no-check", "u", "--access-key-id", "AKIA123", "--secret-stdin"],
        "16 to 128",
        id="short-key",
    ),
    pytest.param(
        ["add-user", "--no-check", "u", "--access-key-id", "akiaiosfodnn7example", "--secret-stdin"],
        "A-Z and 0-9",
        id="lower-key",
    ),
    pytest.param(
        ["add-user", "--no-check", "u", "--secret-stdin"], "--access-key-id is required", id="no-key-id"
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Nobody"],
        "no profile named 'Nobody'",
        id="no-arn-no-source",
    ),
    pytest.param(
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", ROLE_ARN, "--bogus"],
        "--bogus",
        id="usage",
    ),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_one_error_line_and_files_unchanged(
    argv: list[str], message: str, seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)
    assert_failed(run(capsys, *argv, stdin=SECRET + "\n"), 2, message)
    assert snapshot_bytes(seeded.config, seeded.credentials) == before


def test_secret_in_stdin_that_is_empty_is_bad_input(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)
    result = run(
        capsys, "add-user", "--no-check", "u", "--access-key-id", KEY_ID, "--secret-stdin", stdin="\n"
    )
    assert_failed(result, 2, "no secret access key")
    assert snapshot_bytes(seeded.config, seeded.credentials) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["add-role", "--no-check", "audit", "--source", "Bob", "--role-arn", ROLE_ARN],
        ["add-user", "--no-check", "Bob", "--access-key-id", KEY_ID, "--secret-stdin"],
        ["rename", "Bob", "audit"],
    ],
    ids=["add-role", "add-user", "rename-onto"],
)
def test_existing_profile_is_refused_with_exit_3(
    argv: list[str], seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)
    assert_failed(run(capsys, *argv, stdin=SECRET + "\n"), 3, "already exists")
    assert snapshot_bytes(seeded.config, seeded.credentials) == before


def test_force_replaces_the_keys_it_sets_and_keeps_other_keys_and_comments(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    new_arn = "arn:aws:iam::210987654321:role/audit/Auditor2"
    result = run(
        capsys, "add-role", "--no-check", "audit", "--source", "Bob", "--role-arn", new_arn, "--force"
    )
    assert result.code == 0, result.err
    text = seeded.config.read_text()
    assert "# second hop: audit account trusts example-role only\n" in text
    assert f"role_arn = {new_arn}\nsource_profile = Bob\nexternal_id = 7c1e9f0a-audit\n" in text


def test_a_role_may_be_its_own_source_when_it_holds_either_half_of_a_key(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    # botocore allows a profile to be its own source when it has static credentials: a key ID
    # or a secret (AssumeRoleProvider._has_static_credentials); without either it is a loop.
    home.config.parent.mkdir(parents=True)
    home.config.write_text(f"[profile a]\nrole_arn = {ROLE_ARN}\n[profile b]\nrole_arn = {ROLE_ARN}\n")
    home.credentials.write_text(f"[a]\naws_secret_access_key = {SECRET}\n")
    assert run(capsys, "set", "a", "source_profile", "a").code == 0
    refused = run(capsys, "set", "b", "source_profile", "b")
    assert refused.code == 2
    assert "cycle: b -> b" in refused.err


def test_remove_of_a_profile_in_use_is_refused_unless_forced(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)
    assert_failed(run(capsys, "remove", "Bob"), 3, "source_profile of example-role, admin-mfa")
    assert snapshot_bytes(seeded.config, seeded.credentials) == before
    assert run(capsys, "remove", "Bob", "--force").code == 0
    assert "Bob" not in seeded.config.read_text().split("source_profile")[0]
    assert seeded.credentials.read_text() == ""


def test_unknown_region_only_warns(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "set", "Bob", "region", "mars-north-1x")
    assert result.code == 0
    assert "warning: 'mars-north-1x' does not look like an AWS region name" in result.err
    assert "region = mars-north-1x\n" in seeded.config.read_text()


def test_unusual_access_key_prefix_only_warns(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys,
        "add-user",
        "--no-check",
        "u",
        "--access-key-id",
        "ZZZZIOSFODNN7EXAMPLE",
        "--secret-stdin",
        stdin=SECRET,
    )
    assert result.code == 0
    assert "does not start with AKIA" in result.err


BROKEN_FILES = [
    pytest.param(
        "[profile dev]\nregion = a\n\n[profile dev]\nregion = b\n",
        "line 4",
        "appears twice",
        id="dup-section",
    ),
    pytest.param("[profile dev]\nregion = a\nREGION = b\n", "line 3", "'region' appears twice", id="dup-key"),
    pytest.param(
        "[profile dev]\nregion = a\n\n[profile  dev]\nregion = b\n",
        "line 1 [profile dev] and line 4 [profile  dev]",
        "Merge them",
        id="ambiguous-spaces",
    ),
    pytest.param(
        '[profile dev]\nregion = a\n\n[profile "dev"]\nregion = b\n',
        "line 1 [profile dev] and line 4",
        "Merge them",
        id="ambiguous-quotes",
    ),
    pytest.param("[profile dev] # [old]\nregion = a\n", "line 1", "botocore ignores", id="comment-in-header"),
    pytest.param("region = a\n[default]\n", "line 1", "before any [section]", id="no-header"),
    pytest.param("[default]\nthis is not a setting\n", "line 2", "not a 'key = value' line", id="garbage"),
]


@pytest.mark.parametrize(("text", "where", "what"), BROKEN_FILES)
@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["set", "dev", "output", "json", "--create"],
        ["add-role", "--no-check", "r", "--credential-source", "Environment", "--role-arn", ROLE_ARN],
    ],
    ids=["list", "set", "add-role"],
)
def test_unparsable_config_exits_4_with_its_line_and_is_never_rewritten(
    text: str, where: str, what: str, argv: list[str], home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir()
    home.config.write_text(text)
    before = snapshot_bytes(home.config, home.credentials)
    assert_failed(run(capsys, *argv), 4, str(home.config), where, what)
    assert snapshot_bytes(home.config, home.credentials) == before


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        pytest.param(b"\xef\xbb\xbf[default]\nregion = eu-west-1\n", "without BOM", id="bom"),
        pytest.param(
            b"[default]\nregion = eu-west-1\n# caf\xe9\n", "line 3: bytes that are not UTF-8", id="latin1"
        ),
    ],
)
@pytest.mark.parametrize("which", ["config", "credentials"])
def test_file_with_bom_or_non_utf8_bytes_exits_4_with_a_fix_hint(
    raw: bytes, hint: str, which: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    path = home.config if which == "config" else home.credentials
    path.parent.mkdir()
    path.write_bytes(raw)
    line = assert_failed(run(capsys, "set", "default", "output", "json", "--create"), 4, str(path), hint)
    assert "UTF-8" in line
    assert path.read_bytes() == raw


def test_default_beside_profile_default_edits_the_later_one_and_warns(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / "default-twice.config", home.config)
    before = home.config.read_text()
    result = run(capsys, "set", "default", "region", "ap-south-1")
    assert result.code == 0
    assert "both define the default profile; botocore uses only line 9" in result.err
    after = home.config.read_text()
    assert after == before.replace("region = eu-west-2", "region = ap-south-1")
    assert after.count("default]") == 2


def test_default_beside_profile_default_new_key_goes_to_the_later_one(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_fixture(FIXTURES / "default-twice.config", home.config)
    assert run(capsys, "set", "default", "cli_pager", "less").code == 0
    assert home.config.read_text().endswith("[profile default]\nregion = eu-west-2\ncli_pager = less\n")


def test_set_edits_an_uppercase_key_in_place(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir()
    home.config.write_text("[profile dev]\nREGION = us-east-1\n")
    assert run(capsys, "set", "dev", "Region", "eu-west-1").code == 0
    assert home.config.read_text() == "[profile dev]\nREGION = eu-west-1\n"


def test_set_on_crlf_file_keeps_crlf_on_the_new_line(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    copy_fixture(FIXTURES / "windows.config", home.config)
    assert run(capsys, "set", "work", "output", "text").code == 0
    assert home.config.read_bytes().endswith(b"region = eu-west-1\r\noutput = text\r\n")
    assert b"\n" not in home.config.read_bytes().replace(b"\r\n", b"")


def test_unset_removes_the_key_from_both_files(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    copy_fixture(FIXTURES / "legacy.config", home.config)
    copy_fixture(FIXTURES / "legacy.credentials", home.credentials)
    assert run(capsys, "unset", "ci", "region").code == 0
    assert "region = us-east-1" not in home.credentials.read_text()
    # botocore would otherwise fall back to the config file's value: that goes too
    assert "region = us-east-2" not in home.config.read_text()
    assert_failed(run(capsys, "get", "ci", "region"), 2, "has no region")


def test_rename_rewrites_every_source_profile(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "rename", "Bob", "Robert").code == 0
    text = seeded.config.read_text()
    assert "[profile Robert]" in text
    assert "[profile Bob]" not in text
    assert text.count("source_profile = Robert\n") == 2
    assert "source_profile = Bob" not in text
    assert "mfa_serial = arn:aws:iam::123456789012:mfa/Bob\n" in text  # not a profile reference
    assert seeded.credentials.read_text().startswith("[Robert]\n")


# --------------------------------------------------------------------------- add-user sources

CSV_WITH_USER = (
    "\ufeffUser name,Password,Access key ID,Secret access key,Console login link\n"
    f"bob,,{KEY_ID},{SECRET},https://123456789012.signin.aws.amazon.com/console\n"
)
CSV_TWO_COLUMNS = f"Access key ID,Secret access key\n{KEY_ID},{SECRET}\n"
CREATE_ACCESS_KEY_JSON = json.dumps(
    {
        "AccessKey": {
            "UserName": "bob",
            "AccessKeyId": KEY_ID,
            "Status": "Active",
            "SecretAccessKey": SECRET,
            "CreateDate": "2026-11-29T02:00:00+00:00",
        }
    }
)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(["--access-key-id", KEY_ID, "--secret-stdin"], id="stdin"),
        pytest.param(["--from-csv", "key.csv"], id="console-csv-with-bom"),
        pytest.param(["--from-csv", "two.csv"], id="two-column-csv"),
        pytest.param(["--from-json", "key.json"], id="create-access-key-json"),
        pytest.param(["--from-json", "key.json", "--access-key-id", KEY_ID], id="json-with-matching-id"),
    ],
)
def test_add_user_takes_the_secret_from_stdin_csv_or_json(
    source: list[str],
    home: Home,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "key.csv").write_bytes(CSV_WITH_USER.encode("utf-8"))
    (tmp_path / "two.csv").write_text(CSV_TWO_COLUMNS)
    (tmp_path / "key.json").write_text(CREATE_ACCESS_KEY_JSON)
    monkeypatch.chdir(tmp_path)
    result = run(
        capsys, "add-user", "--no-check", "bob", *source, "--region", "eu-west-1", stdin=SECRET + "\n"
    )
    assert result.code == 0, result.err
    assert home.credentials.read_text() == (
        f"[bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    )
    assert home.config.read_text() == "[profile bob]\nregion = eu-west-1\n"
    assert SECRET not in result.out + result.err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.csv", "User name,Password\nbob,x\n", "not an IAM access key CSV"),
        ("many.csv", CSV_TWO_COLUMNS + f"{KEY_ID},{SECRET}\n", "holds 2 keys"),
        ("bad.json", '{"AccessKey": {"UserName": "bob"}}', "not the output of 'aws iam create-access-key'"),
        ("mismatch.json", CREATE_ACCESS_KEY_JSON.replace(KEY_ID, "AKIAJZ5EXAMPLE7QRSTU"), "does not match"),
    ],
)
def test_add_user_refuses_a_bad_key_file(
    name: str, content: str, message: str, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / name
    key_file.write_text(content)
    option = "--from-csv" if name.endswith(".csv") else "--from-json"
    extra = ["--access-key-id", KEY_ID] if name == "mismatch.json" else []
    line = assert_failed(
        run(capsys, "add-user", "--no-check", "bob", option, str(key_file), *extra), 2, message
    )
    assert SECRET not in line
    assert not home.config.exists()
    assert not home.credentials.exists()


def test_add_user_without_a_secret_source_and_no_terminal_is_bad_input(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_failed(
        run(capsys, "add-user", "--no-check", "bob", "--access-key-id", KEY_ID, stdin=""), 2, "--secret-stdin"
    )
    assert not home.credentials.exists()


# --------------------------------------------------------------------------- reading commands


def test_list_json_gives_every_profile_with_its_kind_and_files(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "list", "--json")
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert list(rows) == ["Bob", "example-role", "audit", "admin-mfa", "on-ec2"]
    assert rows["Bob"] == {
        "name": "Bob",
        "kind": "keys",
        "source": None,
        "region": "eu-west-1",
        "role_arn": None,
        "files": ["config", "credentials"],
    }
    assert rows["on-ec2"]["source"] == "Ec2InstanceMetadata"
    assert rows["audit"]["role_arn"] == "arn:aws:iam::210987654321:role/audit/Auditor"


def test_show_masks_the_key_id_and_never_prints_secrets(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir()
    home.credentials.write_text(BOB_CREDENTIALS + "aws_session_token = FQoGZXIvYXdzEXAMPLETOKEN\n")
    for argv in (["show", "Bob"], ["show", "Bob", "--json"], ["list"], ["list", "--json"]):
        result = run(capsys, *argv)
        assert result.code == 0
        assert SECRET not in result.out + result.err
        assert "FQoGZXIvYXdzEXAMPLETOKEN" not in result.out + result.err
        assert KEY_ID not in result.out + result.err
    shown = json.loads(run(capsys, "show", "Bob", "--json").out)
    assert shown["keys"]["aws_access_key_id"] == {"value": "AKIA************MPLE", "file": "credentials"}
    assert shown["keys"]["aws_secret_access_key"]["value"] == "********"


def test_get_prints_the_value_botocore_uses(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    copy_fixture(FIXTURES / "legacy.config", home.config)
    copy_fixture(FIXTURES / "legacy.credentials", home.credentials)
    assert run(capsys, "get", "ci", "REGION").out == "us-east-1\n"  # the credentials file wins
    assert json.loads(run(capsys, "get", "spaced", "output", "--json").out) == {
        "profile": "spaced",
        "key": "output",
        "value": "table",
    }


# --------------------------------------------------------------------------- process-level


def test_python_m_awsprofiles_help_works() -> None:
    result = subprocess.run([*PROFILES, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in (
        "add-user",
        "add-role",
        "list",
        "show",
        "get",
        "set",
        "unset",
        "remove",
        "rename",
    ):
        assert command in result.stdout


def test_profiles_without_arguments_prints_help() -> None:
    result = subprocess.run(PROFILES, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: profiles")
    assert "add-role" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["list", "--json"],
        ["show", "Bob"],
        ["get", "Bob", "region"],
        ["set", "Bob", "output", "json"],
        ["set", "Bob", "region", "eu-wset-1"],  # checked against botocore's regions, not imported
        ["set", "Bob", "regoin", "x", "--force"],  # checked against botocore's keys, not imported
        ["unset", "Bob", "region"],
        ["rename", "audit", "audit2"],
        ["remove", "admin-mfa"],
        ["add-role", "--no-check", "r", "--source", "Bob", "--role-arn", ROLE_ARN],
    ],
    ids=lambda argv: "-".join(argv),
)
def test_reading_and_editing_never_import_boto3_or_botocore(argv: list[str], seeded: Home) -> None:
    code = (
        "import sys\n"
        "from awsprofiles.cli import main\n"
        f"code = main({argv!r})\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore'})\n"
        "print('LOADED', code, loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "LOADED 0 []", result.stderr


def test_list_prints_aligned_columns_one_line_per_profile(
    seeded: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = run(capsys, "list").out.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "SOURCE", "REGION", "ROLE", "ARN"]
    assert len(lines) == 6
    assert lines[3].split() == [
        "audit",
        "role",
        "example-role",
        "arn:aws:iam::210987654321:role/audit/Auditor",
    ]
    # every column starts where its header does
    assert lines[5].index("Ec2InstanceMetadata") == lines[0].index("SOURCE")
    assert lines[5].index("us-east-1") == lines[0].index("REGION")


@pytest.mark.parametrize(
    "argv",
    [
        [b"set", b"dev", b"output", b"caf\xe9", b"--create"],
        [b"set", b"d\xffv", b"output", b"json", b"--create"],
        [
            b"add-role",
            "--no-check",
            b"r\xff",
            b"--credential-source",
            b"Environment",
            b"--role-arn",
            ROLE_ARN.encode(),
        ],
    ],
    ids=["value", "name", "add-role-name"],
)
def test_non_utf8_bytes_on_the_command_line_are_bad_input(argv: list[bytes], home: Home) -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"awsprofiles", *argv], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert "not UTF-8" in result.stderr
    assert not home.config.exists()


def test_non_utf8_secret_on_stdin_is_bad_input(home: Home) -> None:
    result = subprocess.run(
        [*PROFILES, "add-user", "--no-check", "dev", "--access-key-id", KEY_ID, "--secret-stdin"],
        input=b"wJalr\xffXUtnFEMI\n",
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    err = result.stderr.decode()
    assert err.startswith("error: ")
    assert "UTF-8" in err  # decoded strictly, or with surrogates that validation refuses
    assert "XUtnFEMI" not in err
    assert not home.credentials.exists()


def test_add_user_asks_for_the_secret_on_a_terminal_without_echoing_it(home: Home) -> None:
    import fcntl
    import pty
    import select
    import termios

    master, slave = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [*PROFILES, "add-user", "--no-check", "bob", "--access-key-id", KEY_ID],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=take_terminal,  # the pty becomes the child's terminal, as in a real shell
    )
    os.close(slave)
    seen = b""
    while b"Secret access key: " not in seen:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, f"no prompt within 60 s: {seen!r}"
        seen += os.read(master, 1024)
    os.write(master, SECRET.encode() + b"\n")
    assert process.wait(timeout=60) == 0
    with contextlib.suppress(OSError):
        while chunk := os.read(master, 1024):
            seen += chunk
    os.close(master)
    assert SECRET.encode() not in seen
    assert f"aws_secret_access_key = {SECRET}\n" in home.credentials.read_text()
