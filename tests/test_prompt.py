"""`profiles prompt`: the profile in use and its time left, from the environment alone, fast."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from awsprofiles.expiry import prompt_segment, time_left, warn_before
from tests.conftest import PROFILES
from tests.test_startup import HEAVY, imported_by

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "expired"),
        (0, "expired"),
        (30, "<1m"),
        (60, "1m"),
        (42 * 60 + 59, "42m"),
        (60 * 60, "1h00m"),
        (3 * 3600 + 5 * 60, "3h05m"),
        (2 * 86400 + 4 * 3600 + 59, "2d4h"),
    ],
)
def test_time_left(seconds: float, shown: str) -> None:
    assert time_left(seconds) == shown


@pytest.mark.parametrize(
    ("environ", "shown"),
    [
        ({}, ""),
        ({"AWS_PROFILE": ""}, ""),
        # profiles env NAME: the credentials and their expiry
        (
            {
                "PROFILES_ACTIVE": "dev-role",
                "AWS_ACCESS_KEY_ID": "ASIA",
                "AWS_CREDENTIAL_EXPIRATION": _at(42.5),
            },
            "dev-role 42m",
        ),
        (
            {
                "PROFILES_ACTIVE": "dev-role",
                "AWS_ACCESS_KEY_ID": "ASIA",
                "AWS_CREDENTIAL_EXPIRATION": _at(-1),
            },
            "dev-role expired",
        ),
        # an access key does not expire
        ({"PROFILES_ACTIVE": "Bob", "AWS_ACCESS_KEY_ID": "AKIA"}, "Bob"),
        # profiles serve's lines: renewed by the endpoint
        (
            {"PROFILES_ACTIVE": "dev-role", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/"},
            "dev-role",
        ),
        # the credentials were removed by hand: PROFILES_ACTIVE is stale, AWS_PROFILE counts
        ({"PROFILES_ACTIVE": "dev-role", "AWS_PROFILE": "Bob"}, "Bob"),
        ({"PROFILES_ACTIVE": "dev-role"}, ""),
        # keys set by hand come before AWS_PROFILE for botocore: no profile is in use
        ({"AWS_ACCESS_KEY_ID": "ASIA", "AWS_SECRET_ACCESS_KEY": "x", "AWS_PROFILE": "alice"}, ""),
        ({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_PROFILE": "alice"}, ""),
        # ... but the keys profiles env put there are its profile's, whatever AWS_PROFILE says since
        (
            {"PROFILES_ACTIVE": "dev-role", "AWS_ACCESS_KEY_ID": "ASIA", "AWS_PROFILE": "alice"},
            "dev-role",
        ),
        # botocore's order
        ({"AWS_PROFILE": "Bob", "AWS_DEFAULT_PROFILE": "Alice"}, "Alice"),
        ({"AWS_PROFILE": "Bob"}, "Bob"),
        # an expiry nobody can read is left out rather than guessed
        ({"PROFILES_ACTIVE": "dev", "AWS_ACCESS_KEY_ID": "ASIA", "AWS_CREDENTIAL_EXPIRATION": "soon"}, "dev"),
        (
            {
                "PROFILES_ACTIVE": "dev",
                "AWS_ACCESS_KEY_ID": "ASIA",
                "AWS_CREDENTIAL_EXPIRATION": "2026-01-01T13:00:00",
            },
            "dev",
        ),
        # a terminal never obeys a name
        ({"AWS_PROFILE": "evil\x1b]0;pwned\x07"}, "evil?]0;pwned?"),
    ],
)
def test_the_segment(environ: dict[str, str], shown: str) -> None:
    assert prompt_segment(environ, now=NOW.timestamp()) == shown


def test_exec_s_warning_is_due_five_minutes_before_the_expiry_or_at_once() -> None:
    assert warn_before("dev", NOW + timedelta(minutes=42), now=NOW.timestamp())[0] == 37 * 60
    assert warn_before("dev", NOW + timedelta(minutes=3), now=NOW.timestamp())[0] == 0


def _prompt(**environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PROFILES_"))}
    return subprocess.run(
        [*PROFILES, "prompt"], env={**env, **environ}, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_prompt_in_a_process_without_a_terminal() -> None:
    expires = (datetime.now(UTC) + timedelta(minutes=42, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ran = _prompt(PROFILES_ACTIVE="dev-role", AWS_ACCESS_KEY_ID="ASIA", AWS_CREDENTIAL_EXPIRATION=expires)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "dev-role 42m\n", "")
    nothing = _prompt()
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "", "")
    by_hand = _prompt(AWS_ACCESS_KEY_ID="ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x", AWS_PROFILE="alice")
    assert (by_hand.returncode, by_hand.stdout, by_hand.stderr) == (0, "", "")


@pytest.mark.parametrize("argv", [["prompt"], ["--version"]])
def test_prompt_and_version_load_nothing_but_the_entry_point(argv: list[str]) -> None:
    modules = imported_by(*argv)
    ours = {name for name in modules if name.startswith("awsprofiles")}
    assert ours <= {
        "awsprofiles",
        "awsprofiles.entry",
        "awsprofiles.errors",
        "awsprofiles.startup",
        "awsprofiles.expiry",
    }
    # typing (and the re, enum, functools it loads) alone would double a bare Python's start.
    heavy = (*HEAVY, "typer", "keyring", "json", "typing", "re", "dataclasses", "pathlib")
    assert not {name for name in modules if name.split(".")[0] in heavy}


def test_prompt_help_is_the_cli_s() -> None:
    ran = subprocess.run([*PROFILES, "prompt", "--help"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0
    assert "Usage: profiles prompt" in ran.stdout


def test_prompt_is_nearly_as_fast_as_python_itself() -> None:
    """Best of several runs, in CPU time (which a busy machine disturbs less than the wall clock),
    beside `python -c pass`: within 4x. scripts/bench.py measures it against its 2.5x target on an
    idle machine; this catches a heavy import on the prompt's path."""
    script = os.path.join(os.path.dirname(sys.executable), "profiles")

    def best(argv: list[str]) -> float:
        times = []
        for _ in range(7):
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            times.append(usage.ru_utime + usage.ru_stime)
        return min(times)

    python = best([sys.executable, "-c", "pass"])
    prompt = best([script, "prompt"] if os.path.exists(script) else [*PROFILES, "prompt"])
    assert prompt < 4 * python + 0.005, (prompt, python)
