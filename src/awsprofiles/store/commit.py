"""Committing an edit: under the lock, re-checked against other programs' writes, journaled when
both files change, verified, and put back on any failure.

Other programs do not take our lock. A write of theirs that lands after our read is seen before
the replacement (`_check_unchanged`), or after it: each replaced file stays on disk under a
second name until no program has it open for writing, and is then compared with what the edit
was computed from (`_check_kept`). A change puts every replaced file back, the very file with the
other program's write (`_put_back_all`), and `edit_files` applies the edit again to that text.
A file the edit creates is put in place with a hard link, which fails where another program
created one meanwhile (`fileio.CreatedMeanwhile`, read and applied again); an interrupt puts every
file back (`_put_back_interrupted`). What remains is a rename over the file in the microseconds
between keeping it and replacing it; docs/reference/files-and-secrets.md states the guarantee
("Other programs' writes").
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from awsprofiles.errors import FileProblem
from awsprofiles.store import fileio
from awsprofiles.store.document import Document
from awsprofiles.store.edit import Transaction
from awsprofiles.store.fileio import (
    NEW_FILE_MODE,
    WRITER_WAIT_SECONDS,
    FileId,
    file_mode,
    locked,
    notify,
    open_to_others,
    read_bounded,
    remove_stale_temporaries,
    remove_synced,
    temporary_name,
)
from awsprofiles.store.journal import current_bytes, put_back, recover, write_journal
from awsprofiles.store.parsing import IniFile
from awsprofiles.store.paths import Paths, journal_path
from awsprofiles.store.snapshot import Snapshot, read_both

if TYPE_CHECKING:
    from _typeshed import StrPath

#: How often an edit is re-read and re-applied when another program writes the file meanwhile.
EDIT_ATTEMPTS = 20
# A write that lands within this long of our read can leave size and mtime as they were
# (file systems keep coarse timestamps): then the bytes are compared too.
_TIMESTAMP_GRANULARITY_NS = 2_000_000_000


def _remove_stale_temporaries(paths: Paths) -> None:
    """Delete temporary files a killed run left (they may hold secrets). Called under the lock."""
    targets = [Path(os.path.realpath(path)) for path in (paths.config, paths.credentials)]
    targets.append(Path(journal_path(paths)))
    patterns: dict[Path, list[re.Pattern[str]]] = {}
    for target in targets:
        patterns.setdefault(target.parent, []).append(temporary_name(target.name))
    for folder, ours in patterns.items():
        remove_stale_temporaries(folder, ours)


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
    """Another program changed a file between our read and our replacement (``held_open``:
    it still had the replaced file open for writing after WRITER_WAIT_SECONDS)."""

    def __init__(self, path: StrPath, held_open: bool = False) -> None:
        super().__init__(str(path))
        self.path = path
        self.held_open = held_open


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
    path: StrPath,
    reason: str,
    changes: list[tuple[Document, bytes]],
    problems: list[str],
    journal: StrPath | None,
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


@dataclass
class _Replaced:
    """A file this edit replaced, and the file it replaced, kept under a second name until it is
    checked (None: there was none, or the file system has no hard links)."""

    doc: Document
    data: bytes
    kept: Path | None

    @property
    def real(self) -> Path:
        return Path(os.path.realpath(self.doc.ini.path))


def _read_settled(path: Path) -> tuple[bytes | None, bool]:
    return fileio.read_settled(path, WRITER_WAIT_SECONDS)  # this module's: the tests shorten it


def _check_kept(replaced: _Replaced) -> None:
    """The replaced file must hold what the edit was computed from once no program can write to
    it any more: a write that landed after our last check before the replacement, or after it
    through a file the program had opened before, is there (raises _ChangedMeanwhile)."""
    kept, ini = replaced.kept, replaced.doc.ini
    if kept is None:
        return
    found, settled = _read_settled(kept)
    if not settled:
        raise _ChangedMeanwhile(ini.path, held_open=True)
    if found != ini.raw:
        raise _ChangedMeanwhile(ini.path)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _free_name(real: Path) -> Path:
    """A name beside ``real`` that no file has, and that profiles never removes."""
    number = 1
    while True:
        aside = real.with_name(f"{real.name}.profiles-conflict" + (f"-{number}" if number > 1 else ""))
        if not os.path.lexists(aside):
            return aside
        number += 1


def _saved_aside(real: Path, data: bytes) -> Path:
    """Keep ``data`` (another program's text) in a new file beside ``real``, 0600."""
    aside = _free_name(real)
    fileio.atomic_write(aside, data, mode=NEW_FILE_MODE)
    return aside


def _set_aside(path: Path, real: Path) -> Path:
    """Give the file ``path`` (a second name of ours, which another program wrote or still
    writes) a name beside ``real`` that profiles never removes, as `remove_stale_temporaries`
    removes ours; ``path`` itself when it cannot be renamed."""
    aside = _free_name(real)
    try:
        os.link(path, aside)  # never over a file (os.rename would replace one made meanwhile)
    except OSError:
        return path
    _remove(path)
    return aside


def _append(real: Path, data: bytes) -> None:
    """Append ``data`` to the file, as the program that wrote it appended it to our new file
    (created 0600 when the edit was to create it)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(real, flags, NEW_FILE_MODE), "ab") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _put_back_all(replaced: list[_Replaced]) -> list[str]:
    """Give each replaced file back its previous file (the very file, with whatever another
    program wrote to it), last replaced first; what could not be put back, as problems.

    What other programs wrote into our new file meanwhile is not lost either: lines they
    appended are appended to the file put back (as if they came a moment later); any other
    change is saved beside the file, and the edit refused (exit 4) saying where.
    """
    problems: list[str] = []
    saved: list[str] = []
    for each in reversed(replaced):
        real = each.real
        ours = fileio.link_aside(real)  # our new file, to see whether a program wrote to it
        try:
            if each.kept is not None:
                os.replace(each.kept, real)
            else:
                put_back(real, each.doc.ini.raw if each.doc.ini.exists else None)
        except OSError as failure:
            _remove(ours)  # the file is still at ``real``
            said = f"putting back {each.doc.ini.path} failed too ({failure.strerror})"
            if each.kept is not None:
                previous, settled = _read_settled(each.kept)
                if previous == each.doc.ini.raw and settled:
                    _remove(each.kept)
                else:
                    said += f"; {_set_aside(each.kept, real)} holds it as another program left it"
                    if not settled:
                        said += " (which still has it open for writing)"
            problems.append(said)
            continue
        fileio.sync_folder(real.parent)
        if ours is None:
            continue
        written, settled = _read_settled(ours)
        if not settled:
            saved.append(
                f"{each.doc.ini.path} ({_set_aside(ours, real)} is this edit's file, which a program "
                "still has open for writing: what it writes lands there)"
            )
            continue
        _remove(ours)
        if written is None or written == each.data:
            continue
        if written.startswith(each.data):
            with contextlib.suppress(OSError):
                _append(real, written[len(each.data) :])
                continue
        try:
            aside = f"{_saved_aside(real, written)} has what was written on top of this edit"
        except OSError as failure:
            aside = f"what was written on top of this edit could not be saved: {failure.strerror}"
        saved.append(f"{each.doc.ini.path} ({aside})")
    if saved:
        raise FileProblem(
            f"other programs wrote {' and '.join(saved)} while profiles was replacing it, before and "
            "after the replacement: each file is as the first program left it, without this edit; "
            "compare it with the saved text"
        )
    return problems


def _write_all(snapshot: Snapshot, changes: list[tuple[Document, bytes]]) -> None:
    """Replace the changed files, the previous ones kept until they are checked (`_check_kept`);
    any change or failure puts every previous file back. Two files are journaled first."""
    if not changes:
        return
    _refuse_unwritable(changes)
    for ini in snapshot.files():
        _check_unchanged(ini)
    _warn_if_open(changes)
    journal = None
    if len(changes) > 1:
        journal = journal_path(Paths(snapshot.config.path, snapshot.credentials.path))
        try:
            write_journal(journal, changes)
        except OSError as error:
            raise _write_failed(journal, str(error.strerror), changes, [], None) from None
    replaced: list[_Replaced] = []
    try:
        for doc, data in changes:
            try:
                kept = fileio.atomic_write(doc.ini.path, data, keep=True)
            except fileio.CreatedMeanwhile:  # the file the edit was to create, created by another program
                raise _ChangedMeanwhile(doc.ini.path) from None
            replaced.append(_Replaced(doc, data, kept))
        for each in replaced:
            _check_kept(each)
    except (OSError, _ChangedMeanwhile) as error:
        problems = _put_back_all(replaced)
        if not problems:
            if journal is not None:
                with contextlib.suppress(OSError):
                    remove_synced(journal)
            if isinstance(error, _ChangedMeanwhile) and error.held_open:
                raise FileProblem(
                    f"another program has {error.path} open for writing, and profiles does not "
                    "replace a file a program may still write to; nothing was written, run profiles "
                    f"again once it is done ('fuser {error.path}' names it)"
                ) from None
            if isinstance(error, _ChangedMeanwhile):
                raise
        path: StrPath
        if isinstance(error, _ChangedMeanwhile):
            path, reason = error.path, "another program changed it meanwhile"
        else:
            path, reason = changes[len(replaced)][0].ini.path, str(error.strerror)
        raise _write_failed(path, reason, changes, problems, journal) from None
    except BaseException:  # an interrupt (Ctrl-C) while replacing or checking: the edit did not happen
        _put_back_interrupted(replaced, changes, journal)
        raise
    for each in replaced:
        if each.kept is not None:
            with contextlib.suppress(OSError):
                os.unlink(each.kept)
    if journal is not None:
        with contextlib.suppress(OSError):
            remove_synced(journal)


def _put_back_interrupted(
    replaced: list[_Replaced], changes: list[tuple[Document, bytes]], journal: StrPath | None
) -> None:
    """Undo an edit an interrupt stopped: every file put back, no second name of ours left; the
    journal goes only when each file verifiably holds its previous text again (else the next run
    settles it). What could not be put back is said, and the interrupt goes on."""
    try:
        problems = _put_back_all(replaced)
    except FileProblem as saved:  # other programs' text, saved beside a file
        problems = [saved.message]
    for problem in problems:
        notify(problem)
    if journal is not None and not problems and _describe_states(changes)[0]:
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
            _say_inherited(tx)
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
        _say_inherited(tx)


def _say_inherited(tx: Transaction) -> None:
    """Once written: what botocore now reads from a [DEFAULT] that the edit did not ask for."""
    for message in tx.inherited:
        notify(message)
