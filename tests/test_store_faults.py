"""Faults around a write: a second write that fails with its restore, a kill between the two
replacements, another program writing meanwhile, leftovers, FIFOs, devices, huge files, and the
modes of every path the tool creates whatever the umask."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from awsprofiles import store
from awsprofiles.errors import FileProblem
from tests.conftest import Home
from tests.store_helpers import botocore_profiles, run, run_with_file_size_limit, snapshot_bytes

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
CONFIG = "# team profiles\n[profile dev]\nregion = eu-west-1\n\n[profile ops]\nsource_profile = dev\n"
CREDENTIALS = f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def split(home: Home) -> Home:
    """Profile dev in both files: renaming it writes both."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(CONFIG)
    home.credentials.write_text(CREDENTIALS)
    home.credentials.chmod(0o600)
    return home


@pytest.fixture
def timeout() -> Iterator[None]:
    """A hang (a FIFO read without end) fails the test instead of blocking the suite."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- two-file edits


def test_a_failing_second_write_whose_restore_fails_too_says_where_each_file_stands(
    split: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(split.config, split.credentials)
    real_replace = os.replace
    replaced: list[Path] = []

    def replace(source: str, target: str | Path) -> None:
        target = Path(target)
        if target == split.credentials or (target == split.config and split.config in replaced):
            raise OSError(errno.EFBIG, "File too large")
        real_replace(source, target)
        replaced.append(target)

    monkeypatch.setattr(os, "replace", replace)
    result = run(capsys, "rename", "dev", "prod")
    monkeypatch.setattr(os, "replace", real_replace)

    assert result.code == 4, result.err
    journal = Path(store.journal_path(split.paths))
    error = result.err.strip().splitlines()[-1]
    assert "no file was changed" not in error
    assert f"cannot write {split.credentials}: File too large" in error
    assert f"putting back {split.config} failed too (File too large)" in error
    assert f"{split.config} holds this edit" in error
    assert f"{split.credentials} is unchanged" in error
    assert f"the previous text of both files is in {journal}" in error
    assert SECRET not in result.err
    # The journal keeps the previous text of both files, readable by the owner only.
    assert mode(journal) == 0o600
    kept = {entry["path"]: entry["before"] for entry in json.loads(journal.read_text())["files"]}
    assert kept == {str(split.config): CONFIG, str(split.credentials): CREDENTIALS}

    # The next run, whatever it is, restores the config file first and says so.
    listed = run(capsys, "list")
    assert listed.code == 0, listed.err
    assert f"{split.config} was put back as it was before that run" in listed.err
    assert snapshot_bytes(split.config, split.credentials) == before
    assert not journal.exists()
    assert "dev" in listed.out
    assert "prod" not in listed.out


def test_no_file_was_changed_is_said_only_when_true_under_a_file_size_limit(home: Home) -> None:
    """The issue's case: a limit the new config fits under but neither the credentials file nor the
    config's previous text does. The journal (both files' previous text) is written first and
    fails first, so nothing is replaced; without it, config was replaced and could not be put back.
    """
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(f"[profile p]\naws_access_key_id = {KEY_ID}\nregion = eu-west-1\n")
    home.credentials.write_text(f"[p]\naws_secret_access_key = {SECRET}\n# {'x' * 200}\n")
    home.credentials.chmod(0o600)
    before = snapshot_bytes(home.config, home.credentials)
    limit = len(before[home.config] or b"") - 10
    result = run_with_file_size_limit(limit, "set", "p", "aws_access_key_id", "AKIAZZZZZZZZZZZZZZZZ")
    assert result.returncode == 4, result.stderr
    assert snapshot_bytes(home.config, home.credentials) == before, result.stderr
    journal = store.journal_path(home.paths)
    assert result.stderr == f"error: cannot write {journal}: File too large; no file was changed\n"
    assert sorted(path.name for path in home.config.parent.iterdir()) == [
        "config",
        "config.lock",
        "credentials",
        "credentials.lock",
    ]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from awsprofiles.cli import main

    targets = {Path(sys.argv[1]), Path(sys.argv[2])}
    kill_after = int(sys.argv[3])
    real_replace = os.replace
    done = []

    def replace(source, target):
        real_replace(source, target)
        if Path(target) in targets:
            done.append(target)
            if len(done) == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace
    sys.exit(main(sys.argv[4:]))
    """
)


def kill_during(home: Home, replacements: int, *argv: str) -> None:
    """Run ``profiles ARGV`` in a process that is killed right after its N-th file replacement."""
    result = subprocess.run(
        [sys.executable, "-c", KILLER, str(home.config), str(home.credentials), str(replacements), *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr


def test_a_kill_between_the_two_replacements_is_undone_by_the_next_run(
    split: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_bytes(split.config, split.credentials)
    kill_during(split, 1, "rename", "dev", "prod")
    # Killed halfway: the profile is split across the files, and the journal says so.
    assert "[profile prod]" in split.config.read_text()
    assert split.credentials.read_bytes() == before[split.credentials]
    assert os.path.exists(store.journal_path(split.paths))

    shown = run(capsys, "show", "dev")
    assert shown.code == 0, shown.err
    assert "interrupted while writing" in shown.err
    assert f"{split.config} was put back as it was before that run" in shown.err
    assert snapshot_bytes(split.config, split.credentials) == before
    assert not os.path.exists(store.journal_path(split.paths))
    assert set(botocore_profiles(split.config, split.credentials)) == {"dev", "ops"}


def test_a_write_by_another_program_while_the_next_run_puts_a_file_back_is_kept(
    split: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recovery replaces a file as an edit does: kept and checked. Another program that
    appends to it between the recovery's read and its replacement keeps its line; the file is
    then left as it is (a change since the killed run), and the recovery says so."""
    kill_during(split, 1, "rename", "dev", "prod")
    edited = split.config.read_text()
    journal = Path(store.journal_path(split.paths))
    left = {path.name for path in split.config.parent.iterdir()} - {journal.name}  # by the killed run
    real_mkstemp = tempfile.mkstemp
    appended: list[str] = []

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if kwargs.get("prefix") == ".config." and not appended:  # the recovery's new config
            appended.append("# appended meanwhile\n")
            with split.config.open("a") as stream:
                stream.write(appended[0])
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    shown = run(capsys, "list")
    assert appended
    assert shown.code == 0, shown.err
    assert split.config.read_text() == edited + appended[0]
    assert f"{split.config} was changed since by another program and was left as it is" in shown.err
    assert not journal.exists()
    assert {path.name for path in split.config.parent.iterdir()} == left


def test_a_kill_after_both_replacements_leaves_the_edit_complete(
    split: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    kill_during(split, 2, "rename", "dev", "prod")
    assert os.path.exists(store.journal_path(split.paths))
    after = snapshot_bytes(split.config, split.credentials)

    result = run(capsys, "set", "prod", "output", "json")
    assert result.code == 0, result.err
    assert "interrupted after writing" in result.err
    assert "its edit is complete" in result.err
    assert not os.path.exists(store.journal_path(split.paths))
    assert split.credentials.read_bytes() == after[split.credentials]
    assert botocore_profiles(split.config, split.credentials)["prod"]["output"] == "json"


def test_a_file_changed_since_the_kill_is_left_as_it_is(
    split: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    kill_during(split, 1, "rename", "dev", "prod")
    split.credentials.write_text(CREDENTIALS + "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n")
    changed = split.credentials.read_bytes()
    result = run(capsys, "list")
    assert result.code == 0, result.err
    assert f"{split.credentials} was changed since by another program and was left as it is" in result.err
    assert split.config.read_text() == CONFIG
    assert split.credentials.read_bytes() == changed


# --------------------------------------------------------------------------- other writers


def test_a_write_by_another_program_meanwhile_is_kept_and_the_edit_applied_again(split: Home) -> None:
    calls = []

    def edit(tx: store.Transaction) -> None:
        calls.append(tx.snapshot.config.raw)
        if len(calls) == 1:  # 'aws configure set' saves the file after our read
            with split.config.open("a") as stream:
                stream.write("\n[profile new]\nregion = us-east-1\n")
        tx.set("dev", "output", "json")

    store.edit_files(split.paths, edit)
    assert len(calls) == 2
    read = botocore_profiles(split.config, split.credentials)
    assert read["new"] == {"region": "us-east-1"}
    assert read["dev"]["output"] == "json"


def test_a_same_size_write_that_keeps_the_mtime_is_still_noticed(split: Home) -> None:
    """Size, inode and mtime as read: only the bytes tell (a write within the clock's tick)."""
    calls = []

    def edit(tx: store.Transaction) -> None:
        calls.append(1)
        if len(calls) == 1:
            status = split.config.stat()
            split.config.write_text(CONFIG.replace("eu-west-1", "us-west-2"))  # in place, same size
            os.utime(split.config, ns=(status.st_atime_ns, status.st_mtime_ns))
            assert store.FileId.of(split.config.stat()) == tx.snapshot.config.identity
        tx.set("ops", "output", "json")

    store.edit_files(split.paths, edit)
    assert len(calls) == 2
    read = botocore_profiles(split.config, split.credentials)
    assert read["dev"]["region"] == "us-west-2"
    assert read["ops"]["output"] == "json"


def test_a_write_right_before_the_replacement_is_noticed(
    split: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check runs once the new text is on disk, just before os.replace."""
    real_fchmod = os.fchmod
    writes = []

    def fchmod(fd: int, mode: int) -> None:
        real_fchmod(fd, mode)
        if not writes and os.fstat(fd).st_size > 0:  # the new text, not a lock file
            writes.append(1)
            with split.config.open("a") as stream:
                stream.write("\n[profile late]\nregion = us-east-1\n")

    monkeypatch.setattr(os, "fchmod", fchmod)
    result = run(capsys, "set", "dev", "output", "json")
    assert result.code == 0, result.err
    read = botocore_profiles(split.config, split.credentials)
    assert read["late"] == {"region": "us-east-1"}
    assert read["dev"]["output"] == "json"


def test_a_program_that_keeps_writing_makes_the_edit_refused_with_exit_4(split: Home) -> None:
    def edit(tx: store.Transaction) -> None:
        with split.config.open("a") as stream:
            stream.write(f"# {time.time_ns()}\n")
        tx.set("dev", "output", "json")

    with pytest.raises(
        FileProblem, match=f"was changed by another program {store.EDIT_ATTEMPTS} times"
    ) as raised:
        store.edit_files(split.paths, edit)
    assert raised.value.exit_code == 4
    assert str(split.config) in raised.value.message
    # every write of the other program is kept
    assert split.config.read_text().count("# ") == store.EDIT_ATTEMPTS + 1
    assert "output" not in split.config.read_text()


# --------------------------------------------------------------------------- leftovers


def test_stale_temporary_files_are_removed_under_the_lock_and_fresh_ones_kept(
    split: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = split.config.parent
    stale = [folder / ".credentials.k2j4h_x9.tmp", folder / ".config.abcdefgh.tmp"]
    fresh = folder / ".credentials.zz00zz00.tmp"
    other = [folder / ".credentials.my-notes.tmp", folder / "credentials.abcdefgh.tmp"]
    old = time.time() - store.STALE_TEMPORARY_SECONDS - 60
    for path in [*stale, fresh, *other]:
        path.write_text(f"aws_secret_access_key = {SECRET}\n")
    for path in [*stale, *other]:
        os.utime(path, (old, old))
    assert run(capsys, "set", "dev", "output", "json").code == 0
    assert not any(path.exists() for path in stale)
    assert fresh.exists()
    assert all(path.exists() for path in other)
    # Lock files are kept: removing one another process waits on would break the lock.
    assert (folder / "config.lock").exists()


# --------------------------------------------------------------------------- what is not a file


def test_a_fifo_as_credentials_file_is_read_as_absent_and_never_replaced(
    split: Home, timeout: None, capsys: pytest.CaptureFixture[str]
) -> None:
    split.credentials.unlink()
    os.mkfifo(split.credentials)
    listed = run(capsys, "list")
    assert listed.code == 0, listed.err
    assert f"warning: {split.credentials} is a FIFO (named pipe), not a regular file" in listed.err
    added = run(
        capsys, "add-user", "--no-check", "bob", "--access-key-id", KEY_ID, "--secret-stdin", stdin=SECRET
    )
    assert added.code == 4, added.err
    assert "is a FIFO (named pipe), not a regular file; profiles only replaces regular files" in added.err
    assert stat.S_ISFIFO(split.credentials.stat().st_mode)


def test_dev_zero_as_config_file_is_read_as_absent_and_never_replaced(
    home: Home, timeout: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config-file", "/dev/zero"]
    listed = run(capsys, "list", *argv)
    assert listed.code == 0, listed.err
    assert "/dev/zero is a character device, not a regular file" in listed.err
    result = run(capsys, "set", "--create", "dev", "region", "eu-west-1", *argv)
    assert result.code == 4, result.err
    assert "/dev/zero is a character device" in result.err
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)
    assert not os.path.exists("/dev/zero.lock")


def test_dev_null_as_config_file_means_no_config_without_a_warning(
    split: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = run(capsys, "list", "--config-file", "/dev/null")
    assert listed.code == 0
    assert listed.err == ""
    assert listed.out.splitlines()[1].split() == ["dev", "keys"]


def test_an_oversized_file_is_refused_without_reading_it(
    split: Home, timeout: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with split.config.open("r+b") as stream:
        stream.truncate(1024**3)  # 1 GiB, sparse: no disk used
    started = time.monotonic()
    for argv in (["list"], ["set", "dev", "output", "json"]):
        result = run(capsys, *argv)
        assert result.code == 4, result.err
        assert f"error: {split.config} is larger than 32 MiB" in result.err
    assert time.monotonic() - started < 5
    assert split.config.stat().st_size == 1024**3


# --------------------------------------------------------------------------- modes


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_every_created_folder_is_0700_and_file_0600_whatever_the_umask(
    umask: int, home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every place that creates a folder or a file: the two files and their folders, lock files,
    temporary files, the journal, the replaced file kept until checked, the AWS CLI's role cache,
    the SSO cache, and profiles' own cache for completion (~/.cache was 0755 under umask 000)."""
    from moto import mock_aws

    from awsprofiles import completion, entry
    from awsprofiles.aws import sso

    nested = home.root / "work" / "aws" / "config"  # a nested AWS_CONFIG_FILE: two new parents
    monkeypatch.setenv("PROFILES_RESOLVING", "[]")  # env records the profiles it resolves here
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nested))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    seen: dict[str, int] = {}  # every path under the home at each replacement, transient ones too
    real_replace = os.replace

    def replace(source: str, target: str | Path) -> None:
        for path in home.root.rglob("*"):
            seen.setdefault(
                str(path.relative_to(home.root)), mode(path) | (0o1000000 if path.is_dir() else 0)
            )
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    old = os.umask(umask)
    try:
        added = run(
            capsys, "add-user", "--no-check", "bob", "--access-key-id", KEY_ID, "--secret-stdin",
            "--region", "eu-west-1", stdin=SECRET,
        )  # fmt: skip
        assert added.code == 0, added.err
        role = run(capsys, "add-role", "--no-check", "deployer", "--source", "bob", "--role-arn", ROLE_ARN)
        assert role.code == 0, role.err
        renamed = run(capsys, "rename", "bob", "robert")  # both files: journaled
        assert renamed.code == 0, renamed.err
        with mock_aws():
            env = run(capsys, "env", "deployer", "--shell", "bash")  # fills ~/.aws/cli/cache
        assert env.code == 0, env.err
        expires = sso.now() + timedelta(hours=8)
        session = sso.SsoSession("corp", "https://corp.awsapps.com/start", "eu-west-1")
        sso.save_token(session, sso.Token(session.start_url, session.region, "token", expires))
        with monkeypatch.context() as tab:  # a Tab in fish, as the entry point answers it
            tab.setenv(completion.COMPLETE_VARIABLE, "fish")
            assert entry.serve_fast(["env", ""]) == 0
    finally:
        os.umask(old)
    created = sorted(path for path in home.root.rglob("*"))
    assert home.root / ".aws" / "cli" / "cache" in created
    assert home.root / ".aws" / "sso" / "cache" in created
    assert home.root / ".cache" / "awsprofiles" in created
    assert any(path.suffix == ".json" for path in created)
    assert nested in created
    assert home.credentials in created
    assert any(name.endswith("profiles-journal") for name in seen)
    assert any(name.endswith(".tmp") for name in seen)
    for path in created:
        seen.setdefault(str(path.relative_to(home.root)), mode(path) | (0o1000000 if path.is_dir() else 0))
    wrong = {name: oct(found) for name, found in seen.items() if found not in (0o600, 0o1000700)}
    assert wrong == {}


def test_completion_names_never_wait_on_a_fifo_or_read_a_device(tmp_path: Path) -> None:
    import threading

    config, fifo = tmp_path / "config", tmp_path / "credentials"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    os.mkfifo(fifo)
    names: list[list[str]] = []
    reading = threading.Thread(
        target=lambda: names.append(store.profile_names(store.Paths(config, fifo))), daemon=True
    )
    reading.start()
    reading.join(timeout=5)
    assert names == [["dev"]]  # a writer-less FIFO would block a plain read forever
    assert store.profile_names(store.Paths(Path("/dev/zero"), fifo)) == []
