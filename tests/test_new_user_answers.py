"""What a new user hit (issue 19): each answer that was wrong, cut, hidden or echoed, reproduced.

In-process where that is enough; the terminal items (hidden input) on a pseudo-terminal, and the
README's quick start against moto_server in tests/e2e/test_new_user_e2e.py.
"""

from __future__ import annotations

import stat
from pathlib import Path

from awsprofiles import check
from tests.conftest import Home
from tests.test_check import write


def by_name(results: list[check.CheckResult]) -> dict[str, check.CheckResult]:
    return {result.profile: result for result in results}


def script(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# --------------------------------------------------------------------------- 3: never cut mid-word

KEYRING_ERROR = (
    "error: no OS keyring is available: on Linux, start and unlock a Secret Service (install "
    "gnome-keyring, or KeePassXC with its Secret Service integration) in your D-Bus session; or "
    "choose another backend the Python keyring library supports through keyring's own "
    "configuration (PYTHON_KEYRING_BACKEND or keyringrc.cfg, see 'python -m keyring diagnose')"
)


def test_a_credential_process_error_is_quoted_whole(home: Home, tmp_path: Path) -> None:
    failing = script(tmp_path, "keyring-source", f"echo \"{KEYRING_ERROR}\" >&2\nexit 4\n")
    write(home, config=f"[profile kept]\ncredential_process = {failing}\n")
    result = by_name(check.check_profiles(home.paths, timeout=5))["kept"]
    assert result.error == "process-failed"
    assert KEYRING_ERROR.removeprefix("error: ") in result.message


def test_a_huge_error_line_is_shortened_between_words_and_says_so(home: Home, tmp_path: Path) -> None:
    words = " ".join(f"word{number}" for number in range(20000))
    failing = script(tmp_path, "chatty", f"echo '{words}' >&2\nexit 1\n")
    write(home, config=f"[profile chatty]\ncredential_process = {failing}\n")
    message = by_name(check.check_profiles(home.paths, timeout=5))["chatty"].message
    assert len(message) < 2000
    quoted = message.split("exited with status 1: ", 1)[1]
    kept, _, rest = quoted.partition(" …")
    assert words.startswith(kept + " ")  # whole words only
    assert "more characters" in rest
