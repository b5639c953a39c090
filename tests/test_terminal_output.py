"""What people read on a terminal: control characters escaped, identifiers never split, NO_COLOR.

A terminal is simulated by making stdout say it is one; COLUMNS gives its width, as it does for
shutil.get_terminal_size.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _pytest.capture import CaptureIO

from awsprofiles.check import CheckResult
from awsprofiles.cli.checking import render_results
from tests.conftest import PROFILES, Home
from tests.store_helpers import run

KEYS = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMIK7MDENGEXAMPLEKEY\n"
ESC = "\x1b"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> pytest.MonkeyPatch:
    """stdout is a terminal (capsys still captures it); set COLUMNS for its width."""
    # capsys makes its stream when the test starts: the class of that stream says it is a terminal.
    monkeypatch.setattr(CaptureIO, "isatty", lambda self: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


# --------------------------------------------------------------------------- escapes


def hostile_files(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[profile p]\nregion = eu\x1b]0;pwned\x07-west-1\nsource_profile = evil\x1b[2J\x1b[H\n"
        "role_arn = arn:aws:iam::123456789012:role/r\n"
    )
    home.credentials.write_text(f"[evil\x1b[2J\x1b[H]\n{KEYS}")
    home.credentials.chmod(0o600)


@pytest.mark.parametrize(
    "argv", [["list"], ["show", "p"], ["show", "evil\x1b[2J\x1b[H"], ["check", "--offline"]], ids=str
)
def test_control_characters_from_the_files_are_shown_escaped(
    argv: list[str], home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_files(home)
    result = run(capsys, *argv)
    assert result.code == 0, result.err
    assert ESC not in result.out + result.err
    assert "\x07" not in result.out + result.err
    assert "evil\\x1b[2J\\x1b[H" in result.out


def test_get_prints_the_exact_value_for_scripts_and_an_escaped_one_on_a_terminal(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_files(home)
    assert run(capsys, "get", "p", "region").out == "eu\x1b]0;pwned\x07-west-1\n"
    monkeypatch.setattr(CaptureIO, "isatty", lambda self: True)
    assert run(capsys, "get", "p", "region").out == "eu\\x1b]0;pwned\\x07-west-1\n"


def test_json_keeps_the_exact_values(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    hostile_files(home)
    rows = json.loads(run(capsys, "list", "--json").out)
    assert {row["name"] for row in rows} == {"p", "evil\x1b[2J\x1b[H"}


def test_errors_and_warnings_show_control_characters_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a\x1b[2Jb"
    folder.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "config"))
    (folder / "config").write_text("[default]\nregion = eu-west-1\n[profile default]\nregion = eu-west-2\n")
    warned = run(capsys, "list")
    assert warned.err.startswith("warning: ")
    (folder / "config").write_text("[profile\x1b[31m x y]\nregion = eu-west-1\n")
    failed = run(capsys, "list")
    assert failed.code == 4
    assert failed.err.startswith("error: ")
    for output in (warned.err, failed.err):
        assert ESC not in output
        assert "a\\x1b[2Jb" in output


def test_exec_says_a_command_cannot_run_with_control_characters_escaped(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(f"[p]\n{KEYS}")
    for command in ("no-such\x1b[2Jcommand", "/no/such\x1b[2Jfile"):
        failed = run(capsys, "exec", "p", "--", command)
        assert failed.code == 127
        assert ESC not in failed.err
        assert "such\\x1b[2J" in failed.err


# --------------------------------------------------------------------------- widths

ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/a-role-with-a-long-name/botocore-session-1764420000"
LONG_NAME = "team-platform-production-eu-west-1-administrator"


def results() -> list[CheckResult]:
    return [
        CheckResult(LONG_NAME, "role", True, "123456789012", ROLE_ARN, None, ROLE_ARN, 180),
        CheckResult(
            "ghost",
            "keys",
            False,
            None,
            None,
            "assume-denied",
            "the credentials of source profile 'Bob' may not assume arn:aws:iam::123456789012:role/"
            "not-for-bob: the role's trust policy must name that principal",
            170,
        ),
    ]


def pieces_of(identifier: str, output: str) -> list[str]:
    """Every shown form of ``identifier``: whole, or its start and end around one ellipsis."""
    shown = []
    for token in re.findall(r"\S+", output):
        if token == identifier:
            shown.append(token)
        elif "…" in token:
            head, _, tail = token.partition("…")
            if len(head) >= 4 and identifier.startswith(head) and identifier.endswith(tail):
                shown.append(token)
    return shown


def assert_never_split(output: str, width: int, *identifiers: str) -> None:
    output = re.sub("\x1b\\[[0-9;]*m", "", output)  # colours take no room on the screen
    lines = output.splitlines()
    assert max(len(line) for line in lines[:-1]) <= width, output  # the last: the summary line
    for identifier in identifiers:
        assert pieces_of(identifier, output), f"{identifier} not shown whole or shortened:\n{output}"
        # no line ends with a piece of it that goes on in the next line
        for line in lines:
            for token in line.split():
                if token != identifier and identifier.startswith(token) and "…" not in token:
                    assert len(token) < 4, f"{identifier} split across lines:\n{output}"


@pytest.mark.parametrize("width", [200, 120, 80, 60, 40, 24, 12])
def test_check_table_never_splits_an_identifier_at_any_width(
    width: int, terminal: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal.setenv("COLUMNS", str(width))
    render_results(results(), json=False)
    out = capsys.readouterr().out
    # Below 40 columns an ARN is down to a few characters, below 24 every name: the lines count.
    identifiers = (ROLE_ARN, LONG_NAME, "ghost") if width >= 40 else ("ghost",) if width >= 24 else ()
    assert_never_split(out, width, *identifiers)
    assert out.splitlines()[-1] == "1 ok, 1 failed"


def test_check_table_wide_and_piped_show_every_value_whole(
    terminal: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal.setenv("COLUMNS", "60")
    render_results(results(), json=False, wide=True)
    wide = capsys.readouterr().out
    terminal.setattr(CaptureIO, "isatty", lambda self: False)
    render_results(results(), json=False)
    piped = capsys.readouterr().out
    for out in (wide, piped):
        assert "…" not in out
        assert f" {ROLE_ARN} " in out
        assert LONG_NAME in out
        assert "may not assume arn:aws:iam::123456789012:role/not-for-bob: the role's" in out


def long_profiles(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        f"[profile {LONG_NAME}]\nrole_arn = arn:aws:iam::123456789012:role/path/to/a-role-with-a-long-name\n"
        "source_profile = Bob\nregion = eu-west-1\n"
    )
    home.credentials.write_text(f"[Bob]\n{KEYS}")
    home.credentials.chmod(0o600)


@pytest.mark.parametrize("width", [100, 60, 30])
@pytest.mark.parametrize("command", ["list", "show", "check"])
def test_list_show_and_check_fit_the_terminal_without_splitting_names(
    command: str, width: int, home: Home, terminal: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long_profiles(home)
    terminal.setenv("COLUMNS", str(width))
    argv = {"list": ["list"], "show": ["show", LONG_NAME], "check": ["check", "--offline"]}[command]
    result = run(capsys, *argv)
    assert result.code == 0, result.err
    assert_never_split(result.out, width, LONG_NAME)
    wide = run(capsys, *argv, "--wide")
    assert LONG_NAME in wide.out.split()
    if command != "check":
        assert "arn:aws:iam::123456789012:role/path/to/a-role-with-a-long-name" in wide.out.split()


# --------------------------------------------------------------------------- colour


def test_a_terminal_gets_colours_and_no_color_removes_bold_too(
    terminal: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    render_results(results(), json=False)
    assert f"{ESC}[" in capsys.readouterr().out
    terminal.setenv("NO_COLOR", "1")
    render_results(results(), json=False)
    assert ESC not in capsys.readouterr().out


def run_on_a_terminal(argv: list[str], columns: int, **environ: str) -> str:
    """``profiles ARGV`` on a real pseudo-terminal ``columns`` wide; what the terminal received."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES", "NO_COLOR")}
    process = subprocess.Popen(
        [*PROFILES, *argv], stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm", **environ}
    )
    os.close(slave)
    seen = b""
    while select.select([master], [], [], 60)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal is gone: the command has ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    process.wait(timeout=60)
    return seen.decode().replace("\r\n", "\n")


def test_on_a_real_terminal_rows_fit_and_no_color_means_no_escape_sequence_at_all(home: Home) -> None:
    long_profiles(home)
    with home.config.open("a") as config:
        config.write("[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/x\n")
    plain = run_on_a_terminal(["check", "--offline"], 60, NO_COLOR="1")
    assert ESC not in plain
    assert_never_split(plain, 60, LONG_NAME)
