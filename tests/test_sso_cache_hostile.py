"""The SSO token cache (``~/.aws/sso/cache``) is untrusted input: every hostile token file the audit
found, planted where the session's token belongs, against the real ``profiles`` commands that read
it (through botocore's SSO providers, and through ``aws.sso`` itself), each a real process.

Whatever the file is, a run never prints a traceback or "unexpected" (under a 2 GiB address-space
limit), and a token it cannot use means "not signed in": ``sso-login``, exit 1.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PROFILES, Home
from tests.sso_emulator import SsoEmulator

START_URL = "https://corp.awsapps.com/start"
CONFIG = f"""[sso-session corp]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1
"""
FULL_COMMAND = [
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'profiles'; from awsprofiles.cli import run; run()",
]
#: The commands of an SSO profile whose credentials botocore's SSO providers resolve.
CREDENTIAL_RUNS = {
    "env": ["env", "dev", "--no-cache", "--shell", "json"],
    "whoami": ["whoami", "dev"],
    "credential-process": ["credential-process", "dev", "--no-cache"],
}
MEMORY_LIMIT = 2 * 1024**3
TIMEOUT = 60

Plant = Callable[[Path], None]


def _later(hours: int = 8) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _valid(**changed: object) -> dict[str, object]:
    return {
        "startUrl": START_URL,
        "region": "eu-west-1",
        "accessToken": "planted-access-token",
        "expiresAt": _later(),
        **changed,
    }


def _raw(data: bytes) -> Plant:
    return lambda path: path.write_bytes(data)


def _token(**changed: object) -> Plant:
    return _raw(json.dumps(_valid(**changed)).encode())


def _huge(path: Path) -> None:
    with path.open("wb") as file:
        file.truncate(1024**3)


def _deep(path: Path) -> None:
    path.write_text('{"accessToken":' + "[" * 100_000 + "]" * 100_000 + "}")


#: Every token file that cannot be used (the audit's, item 1), by what is wrong with it.
HOSTILE: dict[str, Plant] = {
    "garbage": _raw(b"garbage"),
    "not UTF-8": _raw(b'{"accessToken": "\xff\xfe", "expiresAt": "2099-01-01T00:00:00Z"}'),
    "1 GiB": _huge,
    "expiresAt a number": _token(expiresAt=4102444800),
    "expiresAt not a date": _token(expiresAt="tomorrow"),
    "nested 100k deep": _deep,
    "accessToken a number": _token(accessToken=123),
    "accessToken with NUL and a lone surrogate": _token(accessToken="a\x00b\ud800"),
    "expiresAt before year 1": _token(expiresAt="0001-01-01T00:00:00+01:00"),
    "expiresAt after year 9999": _token(expiresAt="9999-12-31T23:59:59-01:00"),
    "a list": _raw(b"[]"),
}


def token_file(home: Home) -> Path:
    folder = home.root / ".aws" / "sso" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{hashlib.sha1(b'corp', usedforsecurity=False).hexdigest()}.json"


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(command: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
        preexec_fn=_limit_memory,
        check=False,
    )


def clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr
    assert "planted-access-token" not in result.stdout + result.stderr


@pytest.fixture
def corp(home: Home, sso_emulator: SsoEmulator) -> SsoEmulator:
    sso_emulator.add_account("111111111111", "dev", "Developer")
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(CONFIG)
    return sso_emulator


@pytest.mark.parametrize("plant", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("command", CREDENTIAL_RUNS.values(), ids=CREDENTIAL_RUNS.keys())
def test_a_token_botocore_cannot_use_means_not_signed_in(
    home: Home, corp: SsoEmulator, plant: Plant, command: list[str]
) -> None:
    plant(token_file(home))
    result = run(PROFILES, *command)
    clean(result)
    assert result.returncode == 1, result.stderr
    assert "no valid IAM Identity Center (SSO) session; run 'profiles login dev'" in result.stderr
    assert "[sso-login]" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("plant", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_full_command_too(home: Home, corp: SsoEmulator, plant: Plant) -> None:
    plant(token_file(home))
    result = run(FULL_COMMAND, "credential-process", "dev", "--no-cache")
    clean(result)
    assert result.returncode == 1, result.stderr
    assert "no valid IAM Identity Center (SSO) session; run 'profiles login dev'" in result.stderr


def test_a_valid_token_still_works(home: Home, corp: SsoEmulator) -> None:
    """The guard is no wall: the token profiles validated is the one botocore uses."""
    token_file(home).write_text(json.dumps(_valid(accessToken=corp.issue_token())))
    result = run(PROFILES, "credential-process", "dev", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1


#: Dates that overflow once moved to UTC (item 2), in either of the token's dates.
OVERFLOWING = {
    "expiresAt before year 1": {"expiresAt": "0001-01-01T00:00:00+01:00"},
    "expiresAt after year 9999": {"expiresAt": "9999-12-31T23:59:59-01:00"},
    "registrationExpiresAt before year 1": {
        "registrationExpiresAt": "0001-01-01T00:00:00+01:00",
        "clientId": "client",
        "clientSecret": "secret",
        "refreshToken": "refresh",
    },
    "registrationExpiresAt after year 9999": {
        "registrationExpiresAt": "9999-12-31T23:59:59-01:00",
        "clientId": "client",
        "clientSecret": "secret",
        "refreshToken": "refresh",
    },
}
#: What reads the token itself (aws.sso), each a real process.
SSO_RUNS = {
    "logout all": ["logout"],
    "logout one": ["logout", "dev"],
    "discover": ["discover", "--sso-session", "corp"],
    "login": ["login", "dev", "--no-browser"],
}


@pytest.mark.parametrize("changed", OVERFLOWING.values(), ids=OVERFLOWING.keys())
@pytest.mark.parametrize("command", SSO_RUNS.values(), ids=SSO_RUNS.keys())
def test_an_overflowing_date_makes_the_token_unusable(
    home: Home, corp: SsoEmulator, changed: dict[str, str], command: list[str]
) -> None:
    token_file(home).write_text(json.dumps(_valid(**changed)))
    # login: the token cannot be used, so a sign-in starts; nobody approves it
    result = _login_denied(corp) if command[0] == "login" else run(PROFILES, *command)
    clean(result)
    assert "OverflowError" not in result.stderr


def _login_denied(corp: SsoEmulator) -> subprocess.CompletedProcess[str]:
    """``profiles login dev`` with the sign-in denied as soon as it is pending."""
    process = subprocess.Popen(
        [*PROFILES, "login", "dev", "--no-browser"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import time

    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and not corp.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    corp.deny()
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_logout_of_a_token_that_is_a_directory_says_how_to_remove_it(home: Home, corp: SsoEmulator) -> None:
    path = token_file(home)
    path.mkdir()
    result = run(PROFILES, "logout", "dev")
    clean(result)
    assert result.returncode == 4, result.stderr
    assert str(path) in result.stderr
    assert "rm -r --" in result.stderr
    assert path.is_dir()  # never removed for the user


@pytest.mark.parametrize(
    "changed",
    [
        {"region": "us-east-1\u0007\n"},
        {"region": "us-west-2"},
        {"startUrl": "https://other.awsapps.com/start"},
    ],
    ids=["region with control characters", "another region", "another start URL"],
)
def test_discover_refuses_a_token_of_another_start_url_or_region(
    home: Home, corp: SsoEmulator, changed: dict[str, str]
) -> None:
    token_file(home).write_text(json.dumps(_valid(accessToken=corp.issue_token(START_URL), **changed)))
    result = run(PROFILES, "discover", "--sso-session", "corp")
    clean(result)
    assert result.returncode == 1, result.stderr
    assert "sso-login" in result.stderr
    assert "profiles login --sso-session corp" in result.stderr
    assert corp.operations() == []  # the portal is never called with it
