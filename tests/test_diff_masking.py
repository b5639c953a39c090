"""The diffs onboard shows never show a secret: every value line of the credentials file is masked.

Commented-out secrets, a session token's continuation line, a secret pasted as a comment and the
secrets a config file should not hold are all masked; the keys stay readable.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awsprofiles import store
from tests.conftest import Home
from tests.store_helpers import run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
NEW_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
#: Each of these is a secret (or a piece of one) somewhere in the files below.
SECRETS = (
    "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY",
    "OldSecretCommentedOut0000000000000000001",
    "FwoGZXIvYXdzOLDtokenCOMMENTED0000000002",
    "IQoJb3JpZ2luX2VjHEADofTHEtoken000000003",
    "ContinuationOfTheTokenTAIL0000000000004",
    "je7MtGbClwBF2Zp9UtkOTHERsecret000000005",
    "FwoGZXIvYXdzSECURITYtoken00000000000006",
    "PastedWithoutAKeyBYMISTAKE0000000000007",
    "SecretInTheConfigFile000000000000000008",
    "TokenCommentedInTheConfig00000000000009",
    "NewSecretFromTheKeyFile0000000000000010",
)
CREDENTIALS = f"""# {SECRETS[7]}
[Bob]
aws_access_key_id = {KEY_ID}
aws_secret_access_key = {SECRETS[0]}
# aws_secret_access_key = {SECRETS[1]}
;aws_session_token={SECRETS[2]}
aws_session_token = {SECRETS[3]}
    {SECRETS[4]}
[other]
aws_access_key_id = AKIAOTHEROTHEROTHER1
aws_secret_access_key: {SECRETS[5]}
AWS_SECURITY_TOKEN = {SECRETS[6]}
"""
CONFIG = f"""[profile Bob]
region = eu-west-1
[profile leaky]
aws_secret_access_key = {SECRETS[8]}
# aws_session_token = {SECRETS[9]}
output = json
"""


def assert_no_secret(*outputs: str) -> None:
    for output in outputs:
        for secret in SECRETS:
            assert secret[:12] not in output, secret
            assert secret[-12:] not in output, secret


def test_every_line_of_the_credentials_file_is_masked_and_keys_stay_readable() -> None:
    diff = store.unified_diff(Path("credentials"), b"", CREDENTIALS.encode(), "credentials", "after onboard")
    assert_no_secret(diff)
    assert diff.splitlines()[3:] == [
        "+# ********",
        "+[Bob]",
        "+aws_access_key_id = AKIA************MPLE",
        "+aws_secret_access_key = ********",
        "+# aws_secret_access_key = ********",
        "+;aws_session_token=********",
        "+aws_session_token = ********",
        "+    ********",
        "+[other]",
        "+aws_access_key_id = AKIA************HER1",
        "+aws_secret_access_key: ********",
        "+AWS_SECURITY_TOKEN = ********",
    ]


def test_in_the_config_file_only_secrets_are_masked() -> None:
    diff = store.unified_diff(Path("config"), b"", CONFIG.encode(), "config", "after onboard")
    assert diff.splitlines()[3:] == [
        "+[profile Bob]",
        "+region = eu-west-1",
        "+[profile leaky]",
        "+aws_secret_access_key = ********",
        "+# aws_session_token = ********",
        "+output = json",
    ]


def test_a_changed_secret_still_shows_as_a_change() -> None:
    after = CREDENTIALS.replace(SECRETS[0], SECRETS[10])
    diff = store.unified_diff(
        Path("credentials"), CREDENTIALS.encode(), after.encode(), "credentials", "after onboard"
    )
    assert "-aws_secret_access_key = ********\n+aws_secret_access_key = ********\n" in diff
    assert_no_secret(diff)


@pytest.fixture
def team(home: Home, tmp_path: Path) -> tuple[Path, Path]:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(CONFIG)
    home.credentials.write_text(CREDENTIALS)
    manifest = tmp_path / "team.toml"
    manifest.write_text(
        '[source]\nprofile = "Bob"\n\n[[roles]]\nprofile = "leaky"\n'
        'role_arn = "arn:aws:iam::123456789012:role/r"\n'
    )
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"AccessKey": {"AccessKeyId": NEW_KEY_ID, "SecretAccessKey": SECRETS[10]}}))
    return manifest, key


@pytest.mark.parametrize("extra", [["--dry-run"], ["--dry-run", "--json"], [], ["--json"]])
def test_onboard_diffs_never_show_a_secret(
    extra: list[str], team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, key = team
    result = run(capsys, "onboard", str(manifest), "--from-json", str(key), "--no-check", *extra)
    # A dry run prints the diff; a real run off a terminal shows it, then refuses the update.
    assert result.code == (0 if "--dry-run" in extra else 3), result.err
    assert "aws_secret_access_key = ********" in result.out + result.err
    assert_no_secret(result.out, result.err)


def test_onboard_diffs_show_control_characters_escaped(
    team: tuple[Path, Path], home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, key = team
    # Next to Bob's section, so that the diff shows it as context.
    home.credentials.write_text(CREDENTIALS.replace("[other]", "[evil\x1b[2J]\nregion = eu-west-1\n[other]"))
    for extra in (["--dry-run"], []):
        result = run(capsys, "onboard", str(manifest), "--from-json", str(key), "--no-check", *extra)
        assert "[evil\\x1b[2J]" in result.out + result.err
        assert "\x1b" not in result.out + result.err
