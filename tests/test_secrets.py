"""Secrets never leak: not on stdout, stderr or any log, on success or on any error path."""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsprofiles.aws.session import make_session
from tests.conftest import Home
from tests.store_helpers import run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLEsessionTOKENvalue0123456789"
ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.loggers.add(record.name.split(".")[0])


@pytest.fixture
def logs() -> Iterator[Capture]:
    """botocore's loggers (and every other one) at DEBUG, captured."""
    handler = Capture()
    loggers = [logging.getLogger(), logging.getLogger("botocore"), logging.getLogger("awsprofiles")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


SECRET_LINES = f"aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
BROKEN_CREDENTIALS = {
    "duplicate-secret": f"[dev]\n{SECRET_LINES}AWS_SECRET_ACCESS_KEY = {SECRET}\n",
    "secret-before-header": f"{SECRET_LINES}[dev]\naws_access_key_id = {KEY_ID}\n",
    "garbage-after-secret": f"[dev]\n{SECRET_LINES}{SECRET}\n",
    "secret-in-nested-value": f"[dev]\naws_access_key_id = {KEY_ID}\nnested =\n  {SECRET}\n",
    "duplicate-section": f"[dev]\n{SECRET_LINES}\n[dev]\n{SECRET_LINES}",
    "bad-bytes": f"[dev]\n{SECRET_LINES}# caf\xe9\n",
}


def assert_clean(*outputs: str) -> None:
    for output in outputs:
        assert SECRET not in output
        assert TOKEN not in output
        assert SECRET[:20] not in output


@pytest.mark.parametrize("case", list(BROKEN_CREDENTIALS))
@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["show", "dev"],
        ["get", "dev", "region"],
        ["set", "dev", "region", "eu-west-1"],
        ["remove", "dev"],
    ],
    ids=lambda argv: argv[0],
)
def test_parse_errors_on_a_file_holding_secrets_never_show_them(
    case: str, argv: list[str], home: Home, logs: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BROKEN_CREDENTIALS[case]
    home.credentials.parent.mkdir()
    home.credentials.write_bytes(text.encode("latin-1") if case == "bad-bytes" else text.encode())
    result = run(capsys, *argv)
    assert result.code == 4
    assert result.err.startswith("error: ")
    assert_clean(result.out, result.err, *logs.lines)


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["add-user", "--no-check", "dev", "--access-key-id", "AKIA-BAD", "--secret-stdin"], SECRET),
        (["add-user", "--no-check", "dev", "--access-key-id", KEY_ID, "--secret-stdin"], f"{SECRET} {TOKEN}"),
        (["add-user", "--no-check", "de]v", "--access-key-id", KEY_ID, "--secret-stdin"], SECRET),
        (
            [
                "add-user",
                "--no-check",
                "dev",
                "--access-key-id",
                KEY_ID,
                "--secret-stdin",
                "--region",
                "a\nb",
            ],
            SECRET,
        ),
        (["set", "dev", "aws_secret_access_key", SECRET], None),
        (["set", "dev", "aws_session_token", TOKEN], None),
        (["get", "dev", "aws_secret_access_key"], None),
        (["get", "dev", "aws_session_token"], None),
    ],
)
def test_bad_input_never_echoes_a_secret(
    argv: list[str], stdin: str | None, home: Home, logs: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    write(home.credentials, f"[dev]\naws_access_key_id = {KEY_ID}\n{SECRET_LINES}")
    before = home.credentials.read_bytes()
    result = run(capsys, *argv, stdin=stdin)
    assert result.code == 2
    assert_clean(result.out, result.err, *logs.lines)
    assert home.credentials.read_bytes() == before


def test_a_failed_write_never_shows_the_secret_being_written(
    home: Home, logs: Capture, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def replace(source: str, target: str) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", replace)  # a new file is put in place with a hard link
    result = run(
        capsys, "add-user", "--no-check", "dev", "--access-key-id", KEY_ID, "--secret-stdin", stdin=SECRET
    )
    assert result.code == 4
    assert_clean(result.out, result.err, *logs.lines)


def test_reading_commands_and_botocore_at_debug_never_show_secrets(
    home: Home, logs: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            capsys, "add-user", "--no-check", "dev", "--access-key-id", KEY_ID, "--secret-stdin", stdin=SECRET
        ).code
        == 0
    )
    assert run(capsys, "add-role", "--no-check", "ops", "--source", "dev", "--role-arn", ROLE_ARN).code == 0
    write(home.credentials, home.credentials.read_text() + f"aws_session_token = {TOKEN}\n")
    outputs = []
    for argv in (
        ["list"],
        ["list", "--json"],
        ["show", "dev"],
        ["show", "dev", "--json"],
        ["show", "ops"],
        ["get", "dev", "aws_access_key_id"],
        ["get", "dev", "region"],
    ):
        result = run(capsys, *argv)
        outputs += [result.out, result.err]
    # botocore itself, resolving the credentials at DEBUG, must not log them either
    credentials = make_session(home.paths, "dev").get_credentials()
    assert credentials.secret_key == SECRET
    assert_clean(*outputs, *logs.lines)
    assert "botocore" in logs.loggers  # the capture did see botocore's DEBUG output
