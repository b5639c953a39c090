"""Another local user's links and files on the way to the two files (`store.fileio.trusted_target`).

When AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE lead into a folder other users can write (a
shared sticky folder), another user can plant a symbolic link where the file will be, before
profiles runs or while it creates the file, to a file of theirs: the user's keys would be written
into it, with its mode (0666). profiles follows a link only if it is the user's, root's, or its
folder owner's (the kernel's protected_symlinks rule, which a path resolved by readlink escapes),
and, unless run by root, never writes a file another user owns; refused before any lock file or
folder is made where the link leads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Home
from tests.store_helpers import run

NOBODY = 65534
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ADD_USER = [
    "add-user",
    "new",
    "--no-check",
    "--access-key-id",
    "AKIAIOSFODNN7EXAMPLE",
    "--secret-stdin",
    "--region",
    "eu-west-1",
]

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="makes files of another uid: needs root"
)


def _theirs(tmp_path: Path) -> tuple[Path, Path]:
    """A shared sticky folder (/tmp's kind) and a file of another user's, 0666, in their folder."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    folder = tmp_path / "theirs"
    folder.mkdir()
    folder.chmod(0o777)
    os.chown(folder, NOBODY, NOBODY)
    loot = folder / "loot"
    loot.write_text("")
    loot.chmod(0o666)
    os.chown(loot, NOBODY, NOBODY)
    return shared, loot


def _plant(link: Path, target: Path) -> None:
    link.symlink_to(target)
    os.lchown(link, NOBODY, NOBODY)


@pytest.fixture
def shared_files(home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """The user's two files set to paths in a shared sticky folder; neither exists yet."""
    shared, loot = _theirs(tmp_path)
    config, credentials = shared / "config", shared / "credentials"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config, credentials, loot


def test_a_link_another_user_planted_in_a_shared_folder_is_not_followed(
    shared_files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, credentials, loot = shared_files
    _plant(credentials, loot)
    result = run(capsys, *ADD_USER, stdin=SECRET + "\n")
    assert result.code == 4, result.err
    assert f"{credentials} is a symbolic link owned by uid {NOBODY}" in result.err
    assert loot.read_text() == ""
    assert sorted(path.name for path in loot.parent.iterdir()) == ["loot"]  # no lock file there
    assert not config.exists()
    assert SECRET not in result.err + result.out


def test_a_link_to_a_folder_that_does_not_exist_makes_no_folder_there(
    shared_files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _, _ = shared_files
    _plant(config, tmp_path / "made" / "by" / "profiles" / "config")
    result = run(capsys, "set", "--create", "new", "output", "json")
    assert result.code == 4, result.err
    assert not (tmp_path / "made").exists()


def test_a_link_planted_while_profiles_creates_the_file_is_refused_and_nothing_written(
    shared_files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deterministic: profiles found no credentials file; as it makes the new one, another user
    puts a link to their own 0666 file at the path. Before, the keys went into that file (10 of 10
    runs of an attacker watching for the journal)."""
    config, credentials, loot = shared_files
    real_mkstemp = tempfile.mkstemp
    planted: list[bool] = []

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if kwargs.get("prefix") == f".{credentials.name}." and not planted:
            planted.append(True)
            _plant(credentials, loot)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = run(capsys, *ADD_USER, stdin=SECRET + "\n")
    assert planted
    assert result.code == 4, result.err
    assert loot.read_text() == ""
    assert not config.exists()  # the two-file edit is undone
    assert credentials.is_symlink()  # theirs, left as it is
    assert not any(name.endswith(".profiles-journal") for name in os.listdir(config.parent))


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A folder uid 1000 can reach (pytest's own is root's, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="profiles-other-users-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_a_file_another_user_owns_is_not_written_by_a_user_who_is_not_root(reachable: Path) -> None:
    """The real command as uid 1000: keys are never written into a file uid 65534 owns (its
    mode would give them away); the same command on a file of the user's own works."""
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv")
    home = reachable / "home"
    (home / ".aws").mkdir(parents=True)
    for path in (home, home / ".aws"):
        os.chown(path, 1000, 1000)
    credentials = home / ".aws" / "credentials"
    credentials.write_text("[theirs]\nregion = us-east-1\n")
    credentials.chmod(0o666)
    os.chown(credentials, NOBODY, NOBODY)
    source = str(Path(__file__).resolve().parents[1] / "src")
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "PYTHONPATH": source,
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    def add_user() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", sys.executable, "-m", "awsprofiles",
             *ADD_USER],
            input=SECRET + "\n", capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip

    probe = subprocess.run(
        ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", sys.executable, "-c",
         "import awsprofiles.cli"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"this Python cannot run profiles as uid 1000: {probe.stderr.strip()[-200:]}")
    refused = add_user()
    assert refused.returncode == 4, refused.stderr
    assert f"is owned by uid {NOBODY}, another user" in refused.stderr
    assert credentials.read_text() == "[theirs]\nregion = us-east-1\n"
    os.chown(credentials, 1000, 1000)
    written = add_user()
    assert written.returncode == 0, written.stderr
    assert SECRET in credentials.read_text()
