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
import textwrap
import threading
import time
from pathlib import Path

import pytest

from awsprofiles import store
from awsprofiles.errors import FileProblem
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
