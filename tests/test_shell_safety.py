"""What `profiles env` prints can never run a part of a value, in any shell.

There is no PowerShell here: its output is proved safe on its exact text, by reading every line
back with PowerShell's own rules for single-quoted strings and line ends.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsprofiles import shells
from awsprofiles.aws.credentials import Credentials
from awsprofiles.errors import BadInput
from tests.conftest import Home
from tests.store_helpers import run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEYS = f"[p]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"

# PowerShell's single quotes: the ASCII one and the four typographic ones it also accepts.
POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"
# What ends a line for PowerShell's parser and for the line reader that splits a native command's
# output before Invoke-Expression sees it (\r, \n), and what any other reader might take as one.
LINE_ENDS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def read_powershell_assignment(line: str) -> tuple[str, str]:
    """(name, value) of ``$Env:NAME = '...'``, read as PowerShell reads it; fails on anything else."""
    prefix, _, rest = line.partition(" = ")
    assert prefix.startswith("$Env:"), line
    assert prefix[5:].replace("_", "").isalnum(), line
    assert rest[0] in POWERSHELL_QUOTES, line
    value, index = [], 1
    while True:
        assert index < len(rest), f"unterminated string: {line!r}"
        char = rest[index]
        if char in POWERSHELL_QUOTES:
            if index + 1 < len(rest) and rest[index + 1] in POWERSHELL_QUOTES:
                value.append(char)  # a doubled quote is one literal quote
                index += 2
                continue
            break  # the closing quote
        value.append(char)
        index += 1
    assert index == len(rest) - 1, f"text after the closing quote: {line!r}"
    return prefix[5:], "".join(value)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=40))
def test_powershell_lines_read_back_as_the_value_or_the_value_is_refused(value: str) -> None:
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in LINE_ENDS for char in value):
        with pytest.raises(BadInput, match="powershell"):
            shells.render("powershell", [("AWS_REGION", value)])
        return
    script = shells.render("powershell", [("AWS_REGION", value), ("AWS_PROFILE", None)])
    assignment, removal, end = script.split("\n")
    assert end == ""
    assert not any(char in LINE_ENDS for char in assignment + removal)
    assert read_powershell_assignment(assignment) == ("AWS_REGION", value)
    assert removal == "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue"


@pytest.mark.parametrize("value", ["a\nRemove-Item x", "a\rb", "a\x85b", "a\u2028b", "a\x1b[2Jb", "a\x7fb"])
def test_powershell_refuses_line_breaks_and_control_characters(value: str) -> None:
    with pytest.raises(BadInput, match="powershell"):
        shells.render("powershell", [("AWS_REGION", value)])


@pytest.mark.parametrize("shell", [s for s in shells.SHELLS if s != "json"])
def test_nul_is_refused_for_every_shell_and_never_dropped(shell: str) -> None:
    with pytest.raises(BadInput, match="NUL"):
        shells.render(shell, [("AWS_REGION", "eu-west-1\x00rm -rf ~")])


@pytest.mark.parametrize("shell", [s for s in shells.SHELLS if s != "json"])
def test_a_lone_surrogate_is_refused_for_every_shell(shell: str) -> None:
    with pytest.raises(BadInput, match="UTF-8"):
        shells.render(shell, [("AWS_PROFILE", "caf\udce9")])


def test_credential_process_json_refuses_nul_without_showing_the_secret() -> None:
    with pytest.raises(BadInput) as refused:
        shells.credential_process_json(Credentials(KEY_ID, "abc\x00def"))
    assert "abc" not in refused.value.message


def test_a_refused_secret_is_never_shown_whatever_its_name() -> None:
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        for shell in ("powershell", "cmd", "dotenv", "bash"):
            with pytest.raises(BadInput) as refused:
                shells.render(shell, [(name, "abc\x00%def")])
            assert "abc" not in refused.value.message


def test_dotenv_lists_only_aws_variables() -> None:
    credentials = Credentials(KEY_ID, SECRET, region="eu-west-1")
    text = shells.render("dotenv", shells.use_assignments(credentials, "p", {"AWS_PROFILE": "Bob"}))
    names = [line.split("=", 1)[0] for line in text.splitlines()]
    assert names == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"]


def test_env_for_powershell_refuses_a_multi_line_value_from_the_file(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    # A continuation line: botocore reads region as "eu-west-1\nRemove-Item -Recurse ~".
    home.config.write_text("[profile p]\nregion = eu-west-1\n  Remove-Item -Recurse ~\n")
    home.credentials.write_text(KEYS)
    result = run(capsys, "env", "p", "--shell", "powershell")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("error: AWS_REGION cannot be written for powershell")
    assert SECRET not in result.err


def test_env_with_non_utf8_bytes_in_a_saved_variable_is_bad_input_not_a_crash(
    home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(KEYS)
    monkeypatch.delenv("PROFILES_ACTIVE", raising=False)
    # What Python makes of the bytes b"caf\xe9" in the environment.
    monkeypatch.setenv("AWS_DEFAULT_REGION", os.fsdecode(b"caf\xe9"))
    result = run(capsys, "env", "p", "--shell", "bash")
    assert (result.code, result.out) == (2, ""), result.err
    assert result.err.startswith("error: PROFILES_SAVED_AWS_DEFAULT_REGION cannot be written for bash")
