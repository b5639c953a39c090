"""Committing an edit: under the lock, re-checked against other programs' writes, journaled when
both files change, verified, and put back on any failure."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from awsprofiles.errors import FileProblem
from awsprofiles.store import fileio
from awsprofiles.store.document import Document
from awsprofiles.store.fileio import (
    STALE_TEMPORARY_SECONDS,
    FileId,
    file_mode,
    locked,
    notify,
    open_to_others,
    read_bounded,
    remove_synced,
    temporary_name,
)
from awsprofiles.store.journal import current_bytes, journal_path, put_back, recover, write_journal
from awsprofiles.store.parsing import IniFile
from awsprofiles.store.paths import Paths
from awsprofiles.store.snapshot import Snapshot, read_both
from awsprofiles.store.transaction import Transaction

#: How often an edit is re-read and re-applied when another program writes the file meanwhile.
EDIT_ATTEMPTS = 3
# A write that lands within this long of our read can leave size and mtime as they were
# (file systems keep coarse timestamps): then the bytes are compared too.
_TIMESTAMP_GRANULARITY_NS = 2_000_000_000


def _remove_stale_temporaries(paths: Paths) -> None:
    """Delete temporary files a killed run left (they may hold secrets). Called under the lock."""
    targets = [Path(os.path.realpath(path)) for path in (paths.config, paths.credentials)]
    targets.append(journal_path(paths))
    patterns: dict[Path, list[re.Pattern[str]]] = {}
    for target in targets:
        patterns.setdefault(target.parent, []).append(temporary_name(target.name))
    now = time.time()
    for folder, ours in patterns.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not any(pattern.fullmatch(entry.name) for pattern in ours):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(status.st_mode) and now - status.st_mtime > STALE_TEMPORARY_SECONDS:
                    os.unlink(entry.path)


def _refuse_unwritable(changes: list[tuple[Document, bytes]]) -> None:
    for doc, _ in changes:
        if doc.ini.special is not None:
            raise FileProblem(
                f"{doc.ini.path} is {doc.ini.special}, not a regular file; profiles only replaces "
                "regular files and will not replace it"
            )
        # Replacing a file only needs a writable folder; a file its owner made read-only
        # (even for root, who may write anything) is a "do not edit" we respect.
        if doc.ini.exists and not file_mode(Path(os.path.realpath(doc.ini.path))) & 0o222:
            raise FileProblem(
                f"{doc.ini.path} is read-only; make it writable (chmod u+w) to let profiles edit it"
            )


def _warn_if_open(changes: list[tuple[Document, bytes]]) -> None:
    """Secrets are being written: say so when the credentials file or its folder is open."""
    for doc, _ in changes:
        if doc.ini.role != "credentials" or not doc.ini.exists:
            continue
        real = Path(os.path.realpath(doc.ini.path))
        if open_to_others(real):
            notify(f"{doc.ini.path} is readable by other users; run 'chmod 600 {doc.ini.path}'")
        try:
            folder_mode = real.parent.stat().st_mode
        except OSError:
            continue
        if folder_mode & stat.S_IROTH:
            notify(
                f"{real.parent}, the folder of {doc.ini.path}, is readable by other users; "
                f"run 'chmod 700 {real.parent}'"
            )


class _ChangedMeanwhile(Exception):
    """Another program changed a file between our read and our replacement."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def _changed_since_read(ini: IniFile) -> bool:
    try:
        status = os.stat(ini.path)
    except FileNotFoundError:
        return ini.identity is not None
    except OSError:
        return True
    if FileId.of(status) != ini.identity:
        return True
    if ini.special is None and status.st_mtime_ns >= ini.read_at - _TIMESTAMP_GRANULARITY_NS:
        # Written around the time we read it: an in-place write of the same size may keep
        # size and mtime, so only the bytes can tell.
        try:
            found = read_bounded(ini.path)
        except FileProblem:
            return True
        return found is None or found[0] != ini.raw
    return False


def _check_unchanged(ini: IniFile) -> None:
    if _changed_since_read(ini):
        raise _ChangedMeanwhile(ini.path)


def _describe_states(changes: list[tuple[Document, bytes]]) -> tuple[bool, str]:
    """Whether every file verifiably holds what it held before, and each file's state."""
    unchanged = True
    said = []
    for doc, data in changes:
        before = doc.ini.raw if doc.ini.exists else None
        try:
            current = current_bytes(os.path.realpath(doc.ini.path))
        except FileProblem:
            current = b"\0unreadable"
        if current == before:
            said.append(f"{doc.ini.path} is unchanged")
            continue
        unchanged = False
        if current == data:
            said.append(f"{doc.ini.path} holds this edit")
        else:
            said.append(f"{doc.ini.path} is in an unknown state")
    return unchanged, ", ".join(said)


def _write_failed(
    path: Path, reason: str, changes: list[tuple[Document, bytes]], problems: list[str], journal: Path | None
) -> FileProblem:
    """The error after a failed write: "no file was changed" only when each file was re-read."""
    said = f"cannot write {path}: {reason}"
    if problems:
        said += ", and " + "; ".join(problems)
    unchanged, states = _describe_states(changes)
    if unchanged:
        return FileProblem(f"{said}; no file was changed")
    said += f": {states}"
    if journal is not None and os.path.lexists(journal):
        said += (
            f"; the previous text of both files is in {journal}, and the next profiles command restores it"
        )
    return FileProblem(said)


def _write_all(snapshot: Snapshot, changes: list[tuple[Document, bytes]]) -> None:
    if not changes:
        return
    _refuse_unwritable(changes)
    for ini in snapshot.files():
        _check_unchanged(ini)
    _warn_if_open(changes)
    if len(changes) == 1:
        doc, data = changes[0]
        try:
            fileio.atomic_write(
                doc.ini.path, data, before_replace=functools.partial(_check_unchanged, doc.ini)
            )
        except OSError as error:
            raise _write_failed(doc.ini.path, str(error.strerror), changes, [], None) from None
        return
    journal = journal_path(Paths(snapshot.config.path, snapshot.credentials.path))
    try:
        write_journal(journal, changes)
    except OSError as error:
        raise _write_failed(journal, str(error.strerror), changes, [], None) from None
    written: list[Document] = []
    try:
        for doc, data in changes:
            fileio.atomic_write(
                doc.ini.path, data, before_replace=functools.partial(_check_unchanged, doc.ini)
            )
            written.append(doc)
    except (OSError, _ChangedMeanwhile) as error:
        # Put back what was already replaced, so that both files stay as they were.
        problems = []
        for done in written:
            try:
                put_back(done.ini.path, done.ini.raw if done.ini.exists else None)
            except OSError as failure:
                problems.append(f"putting back {done.ini.path} failed too ({failure.strerror})")
        if not problems:
            with contextlib.suppress(OSError):
                remove_synced(journal)
            if isinstance(error, _ChangedMeanwhile):
                raise
        if isinstance(error, _ChangedMeanwhile):
            path, reason = error.path, "another program changed it meanwhile"
        else:
            path, reason = changes[len(written)][0].ini.path, str(error.strerror)
        raise _write_failed(path, reason, changes, problems, journal) from None
    with contextlib.suppress(OSError):
        remove_synced(journal)


T = TypeVar("T")


@contextlib.contextmanager
def _prepared(paths: Paths) -> Iterator[None]:
    if os.path.realpath(paths.config) == os.path.realpath(paths.credentials):
        # Each side would be written from its own view of the file, the second undoing the first.
        raise FileProblem(
            f"the config file and the credentials file are the same file ({paths.config}); "
            "point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at two different files"
        )
    with locked(paths):
        recover(paths)
        _remove_stale_temporaries(paths)
        yield


def edit_files(paths: Paths, edit: Callable[[Transaction], T]) -> T:
    """Lock both files, read them, apply ``edit``, then verify and write what changed.

    When another program (one that does not take our lock: an editor, ``aws configure``)
    writes a file between our read and our replacement, the files are read again and
    ``edit`` is applied again (it must depend on nothing but the files), up to EDIT_ATTEMPTS
    times; then the edit is refused (exit 4).
    """
    with _prepared(paths):
        for _ in range(EDIT_ATTEMPTS):
            tx = Transaction(read_both(paths))
            result = edit(tx)
            try:
                _write_all(tx.snapshot, tx.changed_files())
            except _ChangedMeanwhile as changed:
                writer = changed.path
                continue
            return result
    raise FileProblem(
        f"{writer} was changed by another program {EDIT_ATTEMPTS} times while profiles was editing "
        "it (a program that does not take profiles' lock: an editor, 'aws configure', a script); "
        "nothing was written, run profiles again once it is done"
    )


@contextlib.contextmanager
def transaction(paths: Paths) -> Iterator[Transaction]:
    """The edit as a ``with`` block: like ``edit_files``, but run once, so when another program
    writes a file meanwhile the edit is refused (exit 4) instead of applied again."""
    with _prepared(paths):
        tx = Transaction(read_both(paths))
        yield tx
        try:
            _write_all(tx.snapshot, tx.changed_files())
        except _ChangedMeanwhile as changed:
            raise FileProblem(
                f"{changed.path} was changed by another program while profiles was editing it; "
                "nothing was written, run profiles again"
            ) from None
