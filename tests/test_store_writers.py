"""Other programs writing the files while profiles edits them (issue 17 item 6).

A program that does not take profiles' lock (an editor, 'aws configure', a script appending a
profile) may write a file at any moment, the last microseconds before profiles replaces it
included. Such a write must never be lost: the edit is computed again from that program's text,
or refused with every byte that program wrote still in the file.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import pytest

from awsprofiles import store
from awsprofiles.errors import FileProblem
from awsprofiles.store import commit
from tests.conftest import Home
from tests.store_helpers import botocore_profiles, run, snapshot_bytes
from tests.test_store_differential import aws_files

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CONFIG = "# team profiles\n[profile dev]\nregion = eu-west-1\n"
CREDENTIALS = f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"


@pytest.fixture
def files(home: Home) -> Home:
    home.config.parent.mkdir(mode=0o700)
    home.config.write_text(CONFIG)
    home.credentials.write_text(CREDENTIALS)
    home.credentials.chmod(0o600)
    return home


def leftovers(folder: Path) -> list[str]:
    expected = {"config", "credentials", "config.lock", "credentials.lock"}
    return sorted(path.name for path in folder.iterdir() if path.name not in expected)


# --------------------------------------------------------------------------- counts, not one race

APPENDER = textwrap.dedent(
    """
    import sys, time
    config, credentials, count, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print("ready", flush=True)
    sys.stdin.readline()
    for number in range(count):
        # as 'cat >> ~/.aws/config' does: open, append one line, close
        with open(config if number % 2 == 0 else credentials, "a") as stream:
            stream.write(f"# external {number}\\n")
        time.sleep(pause)
    """
)


def test_thousands_of_appends_by_another_process_during_hundreds_of_edits_are_all_kept() -> None:
    """The issue's measurement, as counts: another process appends to both files every few
    milliseconds while edits of one file and of both files (journaled) run back to back.
    In memory (/dev/shm) where there is one: an fsync there costs nothing, so the run is short."""
    appends, minimum_edits = 2000, 300
    # The appended lines land in [profile tail] and [tail], below the profile the edits change.
    tail = "\n[profile tail]\nregion = eu-west-1\n"
    with aws_files(CONFIG + tail, CREDENTIALS + "\n[tail]\nregion = eu-west-1\n") as paths:
        appender = subprocess.Popen(
            [
                sys.executable,
                "-c",
                APPENDER,
                str(paths.config),
                str(paths.credentials),
                str(appends),
                "0.003",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert appender.stdout is not None
        assert appender.stdin is not None
        assert appender.stdout.readline() == "ready\n"
        appender.stdin.write("go\n")
        appender.stdin.flush()
        done: list[int] = []
        refusals: list[str] = []
        while appender.poll() is None:
            number = len(done) + len(refusals)

            def edit(tx: store.Transaction, number: int = number) -> None:
                tx.set("dev", "edit", str(number))
                if number % 2:  # both files: the journaled path
                    tx.set("dev", "aws_access_key_id", f"AKIA{number:016d}")

            try:
                store.edit_files(paths, edit)
            except FileProblem as error:  # another program kept writing: refused, nothing lost
                refusals.append(error.message)
            else:
                done.append(number)
        assert appender.wait() == 0
        assert len(done) >= minimum_edits, f"only {len(done)} edits while the other process appended"

        text = Path(paths.config).read_text() + Path(paths.credentials).read_text()
        found = [int(number) for number in re.findall(r"^# external (\d+)$", text, re.MULTILINE)]
        assert len(set(found)) == appends, f"{appends - len(set(found))} of {appends} appends lost"
        assert sorted(found) == list(range(appends))
        read = botocore_profiles(paths.config, paths.credentials)["dev"]
        assert read["edit"] == str(done[-1])
        last_two_file = max(number for number in done if number % 2)
        assert read["aws_access_key_id"] == f"AKIA{last_two_file:016d}"
        assert all("was changed by another program" in message for message in refusals), refusals
        assert len(refusals) <= len(done) // 20, f"{len(refusals)} edits refused, {len(done)} done"
        assert leftovers(Path(paths.config).parent) == []


CREATOR = textwrap.dedent(
    """
    import os, random, sys, time
    folder, rounds = sys.argv[1], int(sys.argv[2])
    random.seed(17)
    print("ready", flush=True)
    for number in range(rounds):
        sys.stdin.readline()  # profiles starts to create config-NUMBER
        time.sleep(random.uniform(0, 0.003))
        # as 'aws configure' or 'cat >> ~/.aws/config' creates it: open (created), write, close
        with open(os.path.join(folder, f"config-{number}"), "a") as stream:
            stream.write(f"[profile created{number}]\\nregion = us-east-1\\n")
        print("created", flush=True)
    """
)


def test_files_other_programs_create_while_profiles_creates_them_are_all_kept() -> None:
    """Counts again: hundreds of times, profiles creates a config file while another process
    creates the same file a few milliseconds later or earlier, at a random moment. Each time,
    both profiles are in the file: the other program's file is never replaced."""
    rounds = 300
    with aws_files("", CREDENTIALS) as paths:
        folder = Path(paths.config).parent
        creator = subprocess.Popen(
            [sys.executable, "-c", CREATOR, str(folder), str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert creator.stdout is not None
        assert creator.stdin is not None
        assert creator.stdout.readline() == "ready\n"
        refusals = []
        for number in range(rounds):
            config = folder / f"config-{number}"
            creator.stdin.write("go\n")
            creator.stdin.flush()

            def edit(tx: store.Transaction, number: int = number) -> None:
                tx.set(f"ours{number}", "region", "eu-west-1")

            try:
                store.edit_files(store.Paths(config, paths.credentials), edit)
            except FileProblem as error:
                refusals.append(error.message)
            assert creator.stdout.readline() == "created\n"
        creator.stdin.close()
        assert creator.wait() == 0
        lost = [
            n for n in range(rounds) if f"[profile created{n}]\n" not in (folder / f"config-{n}").read_text()
        ]
        assert lost == [], f"{len(lost)} of {rounds} files another program created were replaced"
        assert refusals == []
        for number in range(rounds):
            read = botocore_profiles(folder / f"config-{number}", paths.credentials)
            assert read[f"created{number}"] == {"region": "us-east-1"}
            assert read[f"ours{number}"] == {"region": "eu-west-1"}
        names = {path.name for path in folder.iterdir()}
        assert names == {"config", "credentials", "credentials.lock"} | {
            f"config-{n}{end}" for n in range(rounds) for end in ("", ".lock")
        }


# --------------------------------------------------------------------------- the last window

DELAYED = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from awsprofiles.cli import main

    target, marker = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    real_replace = os.replace
    delays = []

    def replace(source, destination):
        # Everything is checked and the new text is on disk: wait right before the replacement.
        if Path(destination).resolve() == target and not delays:
            delays.append(1)
            marker.write_text("replacing")
            time.sleep(1.0)
        real_replace(source, destination)

    os.replace = replace
    sys.exit(main(sys.argv[3:]))
    """
)


@pytest.mark.parametrize(
    "argv", [["set", "dev", "output", "json"], ["rename", "dev", "prod"]], ids=["one", "two"]
)
def test_an_append_right_before_the_replacement_is_kept_and_the_edit_applied_to_it(
    files: Home, tmp_path: Path, argv: list[str]
) -> None:
    """Deterministic: the run waits between its last check and os.replace while another program
    appends a profile; the append used to be lost with exit 0."""
    marker = tmp_path / "replacing"
    process = subprocess.Popen(
        [sys.executable, "-c", DELAYED, str(files.config), str(marker), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with files.config.open("a") as stream:
        stream.write("\n[profile late]\nregion = us-east-1\n")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    read = botocore_profiles(files.config, files.credentials)
    assert read["late"] == {"region": "us-east-1"}
    if argv[0] == "set":
        assert read["dev"]["output"] == "json"
    else:
        assert "dev" not in read
        assert read["prod"]["aws_access_key_id"] == KEY_ID
    assert leftovers(files.config.parent) == []
    assert not os.path.exists(store.journal_path(files.paths))


# --------------------------------------------------------------------------- after the replacement


def test_a_write_through_a_file_opened_before_the_replacement_is_kept(
    files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A program opened the file before profiles replaced it and writes a moment after: its
    write lands in the replaced file, which profiles checks once the program has closed it."""
    real_replace = os.replace
    writers: list[threading.Thread] = []

    def replace(source: str, target: str | Path) -> None:
        if Path(target) == files.config and not writers:
            stream = files.config.open("a")  # opened before the replacement...

            def late() -> None:
                time.sleep(0.1)  # ...written after it
                stream.write("\n[profile late]\nregion = us-east-1\n")
                stream.close()

            writers.append(threading.Thread(target=late))
            writers[0].start()
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    result = run(capsys, "set", "dev", "output", "json")
    writers[0].join()
    assert result.code == 0, result.err
    read = botocore_profiles(files.config, files.credentials)
    assert read["late"] == {"region": "us-east-1"}
    assert read["dev"]["output"] == "json"
    assert leftovers(files.config.parent) == []


def test_a_program_that_keeps_the_file_open_for_writing_makes_the_edit_refused(
    files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It may write at any moment, to a file profiles would have taken its name away from."""
    monkeypatch.setattr(store.commit, "WRITER_WAIT_SECONDS", 0.2)
    before = snapshot_bytes(files.config, files.credentials)
    with files.config.open("a") as stream:
        result = run(capsys, "set", "dev", "output", "json")
        assert result.code == 4, result.err
        assert result.err == (
            f"error: another program has {files.config} open for writing, and profiles does not replace "
            "a file a program may still write to; nothing was written, run profiles again once it is done "
            f"('fuser {files.config}' names it)\n"
        )
        assert snapshot_bytes(files.config, files.credentials) == before
        stream.write("# written at last\n")
    assert files.config.read_text() == CONFIG + "# written at last\n"
    assert leftovers(files.config.parent) == []


@pytest.mark.parametrize("second", ["append", "rewrite"])
def test_writes_before_and_after_the_replacement_are_both_kept(
    second: str, files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One program writes the file as profiles replaces it, another the new file right after:
    the first one's file is put back, and the second one's write is appended to it (or, when it
    is not an append, saved beside it and the edit refused)."""
    check_kept = store.commit._check_kept
    writes: list[str] = []

    def meanwhile(replaced: store.commit._Replaced) -> None:
        if not writes and replaced.kept is not None:
            writes.append(second)
            with replaced.kept.open("a") as stream:  # the file profiles replaced
                stream.write("\n[profile first]\nregion = us-east-1\n")
            new = replaced.real.read_text()  # the file with the edit
            if second == "append":
                with replaced.real.open("a") as stream:
                    stream.write("\n[profile second]\nregion = us-east-2\n")
            else:
                replaced.real.write_text(new.replace("[profile dev]", "[profile dev]\n# checked"))
        check_kept(replaced)

    monkeypatch.setattr(store.commit, "_check_kept", meanwhile)
    result = run(capsys, "set", "dev", "output", "json")
    read = botocore_profiles(files.config, files.credentials)
    assert read["first"] == {"region": "us-east-1"}
    if second == "append":
        assert result.code == 0, result.err
        assert read["second"] == {"region": "us-east-2"}
        assert read["dev"]["output"] == "json"
        assert leftovers(files.config.parent) == []
        return
    assert result.code == 4, result.err
    saved = files.config.with_name("config.profiles-conflict")
    assert result.err == (
        f"error: other programs wrote {files.config} ({saved} has what was written on top of this edit) "
        "while profiles was replacing it, before and after the replacement: each file is as the first "
        "program left it, without this edit; compare it with the saved text\n"
    )
    assert "output" not in read["dev"]
    checked = CONFIG.replace("[profile dev]", "[profile dev]\n# checked")
    assert saved.read_text() == checked + "output = json\n"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert leftovers(files.config.parent) == [saved.name]


def test_without_hard_links_an_edit_still_works(
    files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some file systems have no hard links: the replaced file cannot be kept, the edit is made
    as before this check existed."""

    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    for argv in (["set", "dev", "output", "json"], ["rename", "dev", "prod"]):
        result = run(capsys, *argv)
        assert result.code == 0, result.err
    read = botocore_profiles(files.config, files.credentials)
    assert read["prod"]["output"] == "json"
    assert leftovers(files.config.parent) == []


# --------------------------------------------------------------------------- a file created meanwhile


ADD_USER = [
    "add-user",
    "--no-check",
    "new",
    "--access-key-id",
    KEY_ID,
    "--secret-stdin",
    "--region",
    "eu-west-1",
]


@pytest.mark.parametrize(
    ("absent", "argv"),
    [
        ("config", ["set", "--create", "new", "output", "json"]),
        ("config", ADD_USER),
        ("credentials", ADD_USER),
    ],
    ids=["one-file", "two-files-first", "two-files-second"],
)
def test_a_file_another_program_creates_while_profiles_creates_it_is_kept_and_the_edit_applied_to_it(
    absent: str,
    argv: list[str],
    files: Home,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Deterministic: profiles read the files and found no such file; right before it puts its
    new file there ('aws configure' at the same moment), another program creates it. That
    program's text used to be replaced with exit 0."""
    path = files.config if absent == "config" else files.credentials
    path.unlink()
    theirs = (
        "[profile theirs]\nregion = us-east-1\n" if absent == "config" else "[theirs]\nregion = us-east-1\n"
    )
    real_mkstemp = tempfile.mkstemp
    created: list[str] = []

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        # atomic_write has seen no file there, and now makes the one it will put there
        if kwargs.get("prefix") == f".{path.name}." and not created:
            created.append(theirs)
            path.write_text(theirs)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = run(capsys, *argv, stdin=SECRET + "\n")
    assert created
    assert result.code == 0, result.err
    assert path.read_text().startswith(theirs)
    read = botocore_profiles(files.config, files.credentials)
    assert read["theirs"] == {"region": "us-east-1"}
    assert "new" in read
    assert leftovers(files.config.parent) == []
    assert not os.path.exists(store.journal_path(files.paths))


def test_a_new_file_through_a_dangling_symlink_creates_its_target_and_the_link_stays(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "dotfiles" / "aws" / "config"
    home.config.parent.mkdir(mode=0o700)
    home.config.symlink_to(target)
    result = run(capsys, "set", "--create", "new", "output", "json")
    assert result.code == 0, result.err
    assert home.config.is_symlink()
    assert target.read_text() == "[profile new]\noutput = json\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert sorted(path.name for path in target.parent.iterdir()) == ["config", "config.lock"]


def test_without_hard_links_a_new_file_is_still_created(
    home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    result = run(capsys, "set", "--create", "new", "output", "json")
    assert result.code == 0, result.err
    assert home.config.read_text() == "[profile new]\noutput = json\n"
    assert leftovers(home.config.parent) == []


def test_a_program_still_writing_to_the_edit_s_file_after_it_is_put_back_keeps_it(
    files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One program writes the replaced file (so the edit is put back), another has opened the
    edit's new file and still holds it open for writing: that file is kept under a name profiles
    never removes, named in the error, and what the program writes there later is in it."""
    monkeypatch.setattr(store.commit, "WRITER_WAIT_SECONDS", 0.2)
    check_kept = commit._check_kept
    holders: list[TextIO] = []

    def meanwhile(replaced: commit._Replaced) -> None:
        if not holders and replaced.kept is not None:
            with replaced.kept.open("a") as stream:  # the file profiles replaced
                stream.write("\n[profile first]\nregion = us-east-1\n")
            holders.append(replaced.real.open("a"))  # the file with the edit, held open
        check_kept(replaced)

    monkeypatch.setattr(store.commit, "_check_kept", meanwhile)
    result = run(capsys, "set", "dev", "output", "json")
    holders[0].write("\n[profile late]\nregion = us-east-2\n")
    holders[0].close()
    assert result.code == 4, result.err
    saved = files.config.with_name("config.profiles-conflict")
    assert f"{saved} is this edit's file, which a program still has open for writing" in result.err
    assert "[profile late]\nregion = us-east-2\n" in saved.read_text()
    read = botocore_profiles(files.config, files.credentials)
    assert read["first"] == {"region": "us-east-1"}
    assert "output" not in read["dev"]
    assert leftovers(files.config.parent) == [saved.name]


@pytest.mark.parametrize(
    "argv", [["set", "dev", "output", "json"], ["rename", "dev", "prod"]], ids=["one", "two"]
)
def test_ctrl_c_while_profiles_checks_a_replaced_file_puts_every_file_back(
    argv: list[str], files: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check after a replacement may wait up to WRITER_WAIT_SECONDS for another program:
    a Ctrl-C then leaves neither the edit half checked nor the replaced file's second name."""
    before = snapshot_bytes(files.config, files.credentials)
    read_settled = commit._read_settled
    interrupted: list[Path] = []

    def ctrl_c(path: Path) -> tuple[bytes | None, bool]:
        if not interrupted:  # while it waits for writers, before it reads
            interrupted.append(path)
            raise KeyboardInterrupt
        return read_settled(path)

    monkeypatch.setattr(commit, "_read_settled", ctrl_c)
    result = run(capsys, *argv)
    assert interrupted
    assert result.code == 130, result.err
    assert result.err.endswith("error: interrupted\n")
    assert snapshot_bytes(files.config, files.credentials) == before
    assert leftovers(files.config.parent) == []
    assert not os.path.exists(store.journal_path(files.paths))
    listed = run(capsys, "list")
    assert listed.err == ""  # nothing for the next run to recover
