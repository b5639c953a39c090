"""The journal of a two-file edit, and the recovery of an edit a killed run left half done."""

from __future__ import annotations

import os

from awsprofiles.errors import FileProblem
from awsprofiles.records import Frozen
from awsprofiles.store import fileio
from awsprofiles.store.fileio import MAX_FILE_SIZE, NEW_FILE_MODE, notify, read_bounded, remove_synced
from awsprofiles.store.paths import journal_path

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from typing import Final

    from _typeshed import StrPath

    from awsprofiles.store.document import Document
    from awsprofiles.store.paths import Paths

# --------------------------------------------------------------------------- the journal
#
# A two-file edit replaces two files one after the other. Before the first replacement, the
# journal (next to the config file, 0600) records the previous text of both files and a hash
# of their new text; it is removed once both are replaced. A run that finds a journal (a run
# was killed, or could not put a file back) looks at each file first: still the previous text,
# or the new text of that edit, or something else (another program wrote it since). If both
# hold the new text, the edit was complete; otherwise every file holding the new text gets its
# previous text back, so that the profile is never left split across the files.


class _Entry(Frozen):
    __slots__ = ("path", "before", "after_sha256")

    def __init__(self, path: str, before: bytes | None, after_sha256: str) -> None:
        self.path: Final = path
        self.before: Final = before  # None: the file did not exist
        self.after_sha256: Final = after_sha256


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def write_journal(journal: StrPath, changes: list[tuple[Document, bytes]]) -> None:
    import json

    files = [
        {
            "path": os.path.realpath(doc.ini.path),
            # The files parsed as UTF-8; surrogateescape keeps any byte exactly anyway.
            "before": doc.ini.raw.decode("utf-8", "surrogateescape") if doc.ini.exists else None,
            "after_sha256": _sha256(data),
        }
        for doc, data in changes
    ]
    text = json.dumps({"profiles-journal": 1, "files": files}, indent=1)
    fileio.atomic_write(journal, text.encode("utf-8", "surrogateescape"), mode=NEW_FILE_MODE)


def _read_journal(journal: StrPath) -> list[_Entry] | None:
    import json

    found = read_bounded(journal, 3 * MAX_FILE_SIZE, "journal")
    if found is None:
        return None
    try:
        document = json.loads(found[0].decode("utf-8", "surrogateescape"))
        entries = [
            _Entry(
                str(entry["path"]),
                None if entry["before"] is None else str(entry["before"]).encode("utf-8", "surrogateescape"),
                str(entry["after_sha256"]),
            )
            for entry in document["files"]
        ]
    except (ValueError, KeyError, TypeError):
        raise FileProblem(
            f"{journal} is left from an interrupted profiles run but cannot be read; check your "
            "config and credentials files, then delete it"
        ) from None
    return entries


def current_bytes(path: StrPath) -> bytes | None:
    found = read_bounded(path)
    return None if found is None else found[0]


def put_back(path: StrPath, before: bytes | None) -> None:
    import contextlib  # only a recovery puts a file back: a read goes without it

    if before is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.realpath(path))
    else:
        fileio.atomic_write(path, before)


def put_back_checked(path: StrPath, before: bytes | None, current: bytes) -> bool:
    """A recovery's put back: the file ``path``, which held ``current``, gets ``before`` again
    (None: it is removed), the file it replaces kept and checked as an edit's is (see
    ``commit``). False: another program wrote that file meanwhile, or still has it open for
    writing after WRITER_WAIT_SECONDS, and it is put back as that program left it."""
    import contextlib
    from pathlib import Path

    real = Path(os.path.realpath(path))
    if before is None:
        kept = fileio.link_aside(real)
        put_back(real, None)
    else:
        kept = fileio.atomic_write(real, before, keep=True)
    if kept is None:  # no hard links on this file system (or no file any more): nothing to check
        return True
    found, settled = fileio.read_settled(kept)
    if settled and found == current:
        with contextlib.suppress(OSError):
            os.unlink(kept)
        return True
    os.replace(kept, real)
    fileio.sync_folder(real.parent)
    return False


def remove_settled(journal: StrPath) -> None:
    try:
        remove_synced(journal)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise FileProblem(
            f"cannot remove {journal} ({error.strerror}), left by an interrupted profiles run whose "
            "files are settled now; delete it"
        ) from None


_RECOVERY_STATES = {
    "before": "holds its previous text",
    "after": "holds that run's edit",
    "other": "was changed since by another program",
}


def recover(paths: Paths) -> None:
    """Finish what a run that left a journal started, before anything else. Under the lock."""
    journal = journal_path(paths)
    entries = _read_journal(journal)
    if entries is None:
        return
    ours = {os.path.realpath(paths.config), os.path.realpath(paths.credentials)}
    names = " and ".join(entry.path for entry in entries)
    if {entry.path for entry in entries} != ours:
        raise FileProblem(
            f"{journal} is left from an interrupted profiles run that edited {names}; run profiles "
            "once with those two files (--config-file, --credentials-file) to restore them"
        )
    states: dict[str, str] = {}
    edited: dict[str, bytes] = {}  # the text of each file that holds the killed run's edit
    for entry in entries:
        try:
            current = current_bytes(entry.path)
        except FileProblem:
            current = b"\0unreadable"
        if current == entry.before:
            states[entry.path] = "before"
        elif current is not None and _sha256(current) == entry.after_sha256:
            states[entry.path] = "after"
            edited[entry.path] = current
        else:
            states[entry.path] = "other"
    if all(state == "after" for state in states.values()):
        remove_settled(journal)
        notify(f"a profiles run was interrupted after writing {names}; its edit is complete")
        return
    # Put back as an edit replaces a file (kept and checked): a write by another program since
    # the states were read is not lost, the file is then left as that program left it.
    restored, failed = [], []
    for entry in entries:
        if states[entry.path] == "after":
            try:
                if put_back_checked(entry.path, entry.before, edited[entry.path]):
                    restored.append(entry.path)
                else:
                    states[entry.path] = "other"
            except OSError as error:
                failed.append(f"{entry.path} ({error.strerror})")
    others = [entry.path for entry in entries if states[entry.path] == "other"]
    if failed:
        held = "; ".join(
            f"{entry.path} {_RECOVERY_STATES['before' if entry.path in restored else states[entry.path]]}"
            for entry in entries
        )
        raise FileProblem(
            f"a profiles run was interrupted while writing {names}, and putting back "
            f"{' and '.join(failed)} failed: {held}. The previous text of both files is in "
            f"{journal}; fix the cause and run profiles again to restore it"
        )
    remove_settled(journal)
    said = f"a profiles run was interrupted while writing {names}"
    if restored:
        said += f"; {' and '.join(restored)} was put back as it was before that run, so no file has its edit"
    else:
        said += "; it had not changed either file"
    if others:
        said += f"; {' and '.join(others)} was changed since by another program and was left as it is"
    notify(said)
