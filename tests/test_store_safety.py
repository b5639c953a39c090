"""Writes are atomic, locked, mode-preserving and symlink-aware; failures leave the files alone."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from awsprofiles import store
from tests.conftest import FIXTURES, PROFILES, Home, copy_fixture
from tests.store_helpers import run, run_with_file_size_limit, snapshot_bytes

ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write could leave behind."""
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


@pytest.fixture
def seeded(home: Home) -> Home:
    copy_fixture(FIXTURES / "chained.config", home.config)
    home.credentials.write_text(f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    home.credentials.chmod(0o600)  # as 'aws configure' makes it; an open one is warned about
    home.credentials.parent.chmod(0o700)
    return home


@pytest.fixture
def no_umask() -> Iterator[None]:
    """Modes must come from the code, not from a kind umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def add_user_argv(name: str = "alice") -> list[str]:
    return [
        "add-user",
        "--no-check",
        name,
        "--access-key-id",
        KEY_ID,
        "--secret-stdin",
        "--region",
        "eu-west-1",
    ]


def assert_write_failed(result_code: int, err: str) -> None:
    assert result_code == 4
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: cannot write ")
    assert lines[0].endswith("no file was changed")
    assert SECRET not in err


@pytest.mark.parametrize("failing", ["config", "credentials"])
def test_failure_at_os_replace_leaves_both_files_intact(
    failing: str, seeded: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)
    real_replace = os.replace
    doomed = seeded.config if failing == "config" else seeded.credentials

    def replace(source: str, target: str | Path) -> None:
        if Path(target) == doomed:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    result = run(capsys, *add_user_argv(), stdin=SECRET + "\n")
    assert_write_failed(result.code, result.err)
    assert str(doomed) in result.err
    assert snapshot_bytes(seeded.config, seeded.credentials) == before
    assert leftovers(seeded.config.parent) == []


def test_failure_at_os_replace_removes_a_file_it_had_created(
    home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new file is put in place by os.link (never over a file another program created), or by
    # os.replace where the file system has no hard links: the second file fails either way.
    def failing(real: Callable[[str, str | Path], None]) -> Callable[[str, str | Path], None]:
        def put(source: str, target: str | Path) -> None:
            if Path(target) == home.credentials:
                raise OSError(errno.EIO, "Input/output error")
            real(source, target)

        return put

    monkeypatch.setattr(os, "replace", failing(os.replace))
    monkeypatch.setattr(os, "link", failing(os.link))
    result = run(capsys, *add_user_argv(), stdin=SECRET + "\n")
    assert_write_failed(result.code, result.err)
    assert not home.config.exists()
    assert not home.credentials.exists()
    assert leftovers(home.config.parent) == []


def test_failure_while_writing_the_temporary_file_leaves_the_file_intact(
    seeded: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(seeded.config, seeded.credentials)

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    result = run(capsys, "set", "Bob", "region", "eu-central-1")
    assert_write_failed(result.code, result.err)
    assert "No space left on device" in result.err
    assert snapshot_bytes(seeded.config, seeded.credentials) == before
    assert leftovers(seeded.config.parent) == []


def test_disk_full_in_a_child_process_exits_4_and_keeps_the_original(seeded: Home) -> None:
    # A file-size limit below the new config's size: the write fails with EFBIG, as on a full disk.
    before = snapshot_bytes(seeded.config, seeded.credentials)
    limit = len(before[seeded.config] or b"") + 10
    result = run_with_file_size_limit(limit, "set", "Bob", "cli_pager", "x" * 100)
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith(f"error: cannot write {seeded.config}: File too large")
    assert "Traceback" not in result.stderr
    assert snapshot_bytes(seeded.config, seeded.credentials) == before
    assert leftovers(seeded.config.parent) == []


def test_symlinked_config_stays_a_link_and_its_target_is_updated(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = copy_fixture(FIXTURES / "chained.config", dotfiles / "aws-config")
    home.config.parent.mkdir()
    home.config.symlink_to(target)
    assert run(capsys, "set", "Bob", "region", "eu-central-1").code == 0
    assert home.config.is_symlink()
    assert home.config.resolve() == target
    assert "[profile Bob]\nregion = eu-central-1\n" in target.read_text()
    # the lock sits next to the real file, not next to the link
    assert (dotfiles / "aws-config.lock").exists()
    assert not (home.config.parent / "config.lock").exists()


def test_new_credentials_file_is_0600_and_new_aws_folder_0700(
    home: Home, no_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *add_user_argv(), stdin=SECRET + "\n").code == 0
    assert mode(home.credentials.parent) == 0o700
    assert mode(home.credentials) == 0o600
    assert mode(home.config) == 0o600


def test_existing_file_mode_is_kept(seeded: Home, no_umask: None, capsys: pytest.CaptureFixture[str]) -> None:
    seeded.config.chmod(0o640)
    assert run(capsys, "set", "Bob", "region", "eu-central-1").code == 0
    assert mode(seeded.config) == 0o640


def test_lock_and_temporary_files_are_0600(
    seeded: Home, no_umask: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.config.chmod(0o644)
    seen: dict[str, int] = {}
    real_replace = os.replace
    real_fchmod = os.fchmod

    def fchmod(fd: int, new_mode: int) -> None:
        # the temporary file's mode before it takes the real file's
        seen.setdefault("tmp-before-chmod", stat.S_IMODE(os.fstat(fd).st_mode))
        real_fchmod(fd, new_mode)

    def replace(source: str, target: str | Path) -> None:
        seen["lock"] = mode(Path(f"{os.path.realpath(target)}.lock"))
        real_replace(source, target)

    monkeypatch.setattr(os, "fchmod", fchmod)
    monkeypatch.setattr(os, "replace", replace)
    assert run(capsys, "set", "Bob", "region", "eu-central-1").code == 0
    assert seen == {"tmp-before-chmod": 0o600, "lock": 0o600}


def test_sixteen_concurrent_add_role_processes_all_land(seeded: Home) -> None:
    names = [f"role-{number:02d}" for number in range(16)]
    processes = [
        subprocess.Popen(
            [*PROFILES, "add-role", "--no-check", name, "--source", "Bob", "--role-arn", ROLE_ARN],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0] * 16, results
    snapshot = store.load(seeded.paths)
    for name in names:
        # with the region of its source (model.new_role_region)
        assert snapshot.profile(name).values == {  # type: ignore[union-attr]
            "role_arn": ROLE_ARN,
            "source_profile": "Bob",
            "region": snapshot.profile("Bob").get("region"),  # type: ignore[union-attr]
        }
    assert snapshot.names()[:5] == ["Bob", "example-role", "audit", "admin-mfa", "on-ec2"]
    assert leftovers(seeded.config.parent) == []


def test_a_held_lock_makes_a_writer_wait_and_then_fail_with_exit_4(
    seeded: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:

    before = snapshot_bytes(seeded.config, seeded.credentials)
    monkeypatch.setattr(store.fileio, "LOCK_TIMEOUT_SECONDS", 0.2)
    lock_path = f"{seeded.config}.lock"
    probe = f"""
import sys, time
from filelock import FileLock
with FileLock({lock_path!r}):
    print("held", flush=True)
    time.sleep(10)
"""
    holder = subprocess.Popen([PROFILES[0], "-c", probe], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        result = run(capsys, "set", "Bob", "region", "eu-central-1")
    finally:
        holder.kill()
        holder.wait()
    assert result.code == 4
    assert "another process has held" in result.err
    assert snapshot_bytes(seeded.config, seeded.credentials) == before


def test_a_read_only_file_is_not_replaced(seeded: Home, capsys: pytest.CaptureFixture[str]) -> None:
    seeded.credentials.chmod(0o400)
    before = snapshot_bytes(seeded.config, seeded.credentials)
    result = run(
        capsys, "add-user", "--no-check", "alice", "--access-key-id", KEY_ID, "--secret-stdin", stdin=SECRET
    )
    assert result.code == 4
    assert (
        result.err
        == f"error: {seeded.credentials} is read-only; make it writable (chmod u+w) to let profiles edit it\n"
    )
    assert snapshot_bytes(seeded.config, seeded.credentials) == before
    assert mode(seeded.credentials) == 0o400


def test_config_and_credentials_being_one_file_is_refused(
    seeded: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(seeded.config))
    before = snapshot_bytes(seeded.config)
    result = run(capsys, "set", "Bob", "region", "eu-central-1")
    assert result.code == 4
    assert "are the same file" in result.err
    assert snapshot_bytes(seeded.config) == before
