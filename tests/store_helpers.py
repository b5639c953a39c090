"""Helpers shared by the store and editing tests: run the CLI in-process, compare files."""

from __future__ import annotations

import difflib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from awsprofiles.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None) -> Result:
    """Run ``profiles ARGS`` in this process and capture what it prints."""
    capsys.readouterr()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The +/- lines of a unified diff without context: exactly what an edit changed."""
    diff = difflib.unified_diff(
        before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True), n=0
    )
    return [line for line in list(diff)[2:] if not line.startswith("@@")]


def snapshot_bytes(*paths: Path) -> dict[Path, bytes | None]:
    return {path: path.read_bytes() if path.exists() else None for path in paths}


def botocore_profile(config: Path, credentials: Path, name: str) -> dict[str, object]:
    """What botocore itself reads for profile ``name`` from the two files."""
    import botocore.session

    session = botocore.session.Session(profile=name)
    session.set_config_variable("config_file", str(config))
    session.set_config_variable("credentials_file", str(credentials))
    return dict(session.get_scoped_config())


def botocore_profiles(config: Path, credentials: Path) -> dict[str, dict[str, object]]:
    import botocore.session

    session = botocore.session.Session()
    session.set_config_variable("config_file", str(config))
    session.set_config_variable("credentials_file", str(credentials))
    return dict(session.full_config["profiles"])
