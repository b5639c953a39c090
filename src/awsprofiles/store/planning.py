"""Plan an edit, show it, apply it: what onboard, discover and protect do before they write.

`plan` runs an edit on the files as read (a snapshot the caller holds, or read now) and keeps
its result and the bytes it would write, verified exactly as a write verifies them, without
writing anything. `Plan.diff` shows those bytes (`diff.unified_diff`: no secret shown). `apply`
writes the plan under the lock: it refuses when a file the plan changes is no longer what the
plan saw, and otherwise runs the same edit again and refuses unless it gives the same result
and the same bytes. What is written is exactly what was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from awsprofiles.errors import Refused
from awsprofiles.store.commit import edit_files
from awsprofiles.store.diff import unified_diff
from awsprofiles.store.edit import Transaction
from awsprofiles.store.paths import Paths
from awsprofiles.store.snapshot import Snapshot, load

if TYPE_CHECKING:
    from awsprofiles.store.paths import Role

T = TypeVar("T")


@dataclass(frozen=True)
class FileChange:
    """One file an edit changes: its bytes now and after."""

    path: str
    before: bytes
    after: bytes = field(repr=False)
    #: which of the two files: a diff masks the credentials file's every value line
    role: Role


@dataclass(frozen=True)
class Plan(Generic[T]):
    """An edit computed and verified against the files as read, not written: its result and the
    files it changes."""

    result: T
    files: tuple[FileChange, ...]
    #: the edit, run again by `apply`
    edit: Callable[[Transaction], T] = field(repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def diff(self, label: str) -> str:
        """The unified diff of every file it changes, secrets masked; ``label`` names the after side."""
        return "".join(
            unified_diff(file.path, file.before, file.after, file.role, label) for file in self.files
        )


def _changes(tx: Transaction) -> tuple[FileChange, ...]:
    return tuple(
        FileChange(doc.ini.path, doc.ini.raw, data, doc.ini.role) for doc, data in tx.changed_files()
    )


def plan(paths: Paths, edit: Callable[[Transaction], T], snapshot: Snapshot | None = None) -> Plan[T]:
    """``edit`` run on ``snapshot`` (the files as the caller read them; read now when None), and
    what it would write, verified as a write is; nothing is written."""
    tx = Transaction(snapshot if snapshot is not None else load(paths))
    result = edit(tx)
    return Plan(result, _changes(tx), edit)


def refuse_if_changed(tx: Transaction, planned: Plan[T], doing: str) -> None:
    """Refuse (nothing written) when a file ``planned`` changes is no longer what it saw."""
    before = {file.path: file.before for file in planned.files}
    for ini in tx.snapshot.files():
        expected = before.get(ini.path)
        if expected is not None and expected != ini.raw:
            raise Refused(f"{ini.path} changed while {doing}; nothing was written, run it again")


def replay(tx: Transaction, planned: Plan[T], doing: str) -> T:
    """In the transaction that writes ``planned``: its edit again, refused unless the files are as
    it saw them and the edit gives the same result and the same bytes."""
    refuse_if_changed(tx, planned, doing)
    result = planned.edit(tx)
    if result != planned.result or _changes(tx) != planned.files:
        raise Refused(f"the profiles changed while {doing}; nothing was written, run it again")
    return result


def apply(paths: Paths, planned: Plan[T], doing: str) -> T:
    """Write ``planned`` in one locked transaction (`edit_files`), if the files are still as it saw
    them; ``doing`` ("onboarding") is said when they are not."""
    return edit_files(paths, lambda tx: replay(tx, planned, doing))
