"""Helpers shared by the store and editing tests: run the CLI in-process, compare files."""

from __future__ import annotations

import difflib
import io
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from awsprofiles.cli import main
from tests.conftest import PROFILES


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


def snapshot_bytes(*paths: str | Path) -> dict[Path, bytes | None]:
    return {Path(path): Path(path).read_bytes() if os.path.exists(path) else None for path in paths}


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


def run_with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``profiles ARGS`` as a process that cannot write a file past ``limit`` bytes (EFBIG,
    as on a full disk); the limit holds in the child only."""

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [*PROFILES, *args],
        preexec_fn=limit_file_size,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
