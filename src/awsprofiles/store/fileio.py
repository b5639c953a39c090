"""The store's file I/O: bounded reads, atomic writes, private folders, the lock files.

Every folder profiles creates is made by `make_private_dirs` (0700), and every file it writes
by `atomic_write` (0600 when new, unless the caller gives a mode): its caches, the SSO cache and
the completion cache included. A new place that creates a folder or a file calls them.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import time

from awsprofiles.errors import BadInput, FileProblem
from awsprofiles.records import Frozen

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    import contextlib
    from pathlib import Path
    from typing import Final

    from _typeshed import StrPath

    from awsprofiles.store.paths import Paths

LOCK_TIMEOUT_SECONDS = 30.0
NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700
#: Larger files are refused (exit 4) before they are read: a config file is a few KiB.
MAX_FILE_SIZE = 32 * 1024 * 1024
#: Larger files a person names on the command line (a manifest, a key file) are refused: a few KiB.
MAX_INPUT_SIZE = 1024 * 1024
#: How long the check after a replacement waits for a program that still has the replaced file
#: open for writing (between its open and its close) before the edit is put back and refused.
WRITER_WAIT_SECONDS = 1.0
#: Temporary files of ours older than this are leftovers of a killed run (`remove_stale_temporaries`):
#: beside the two files under the lock, and in the AWS caches (`aws.caches`) at each read and write.
STALE_TEMPORARY_SECONDS = 300


class FileId(Frozen):
    """What tells one version of a file from another without reading it again."""

    __slots__ = ("device", "inode", "kind", "size", "mtime_ns")

    def __init__(self, device: int, inode: int, kind: int, size: int, mtime_ns: int) -> None:
        self.device: Final = device
        self.inode: Final = inode
        self.kind: Final = kind
        self.size: Final = size
        self.mtime_ns: Final = mtime_ns

    @classmethod
    def of(cls, status: os.stat_result) -> FileId:
        kind = stat.S_IFMT(status.st_mode)
        return cls(status.st_dev, status.st_ino, kind, status.st_size, status.st_mtime_ns)


KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _too_large(path: StrPath, limit: int, what: str) -> FileProblem:
    return FileProblem(
        f"{path} is larger than {limit // (1024 * 1024)} MiB; profiles does not read a {what} that "
        "large (one is a few KiB): check what the path points at"
    )


def read_bounded(
    path: StrPath, limit: int = MAX_FILE_SIZE, what: str = "file"
) -> tuple[bytes, os.stat_result] | None:
    """The bytes of ``path`` (at most ``limit``) and what it is; None when it does not exist.

    Never blocks and never reads without end: a FIFO or a device is opened without waiting for
    a writer and not read at all (its bytes are b""); a file larger than ``limit`` is refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise FileProblem(f"{path} is a directory, not a {what}") from None
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror}") from None
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise FileProblem(f"{path} is a directory, not a {what}")
        if not stat.S_ISREG(status.st_mode):
            return b"", status
        if status.st_size > limit:
            raise _too_large(path, limit, what)
        parts: list[bytes] = []
        total = 0
        while part := os.read(fd, min(1 << 20, limit + 1 - total)):
            parts.append(part)
            total += len(part)
            if total > limit:  # it grew while being read
                raise _too_large(path, limit, what)
        return b"".join(parts), status
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror}") from None
    finally:
        os.close(fd)


def read_input(path: StrPath, what: str, encoding: str = "utf-8") -> str:
    """The text of a file the person named on the command line (a manifest, a key file).

    It is input, so what cannot be read is bad input (exit 2): a missing file, one that is not a
    regular file (a FIFO, a device: never waited on nor read), one larger than `MAX_INPUT_SIZE`,
    one that is not text in ``encoding``.
    """
    try:
        found = read_bounded(path, MAX_INPUT_SIZE, what)
    except FileProblem as error:
        raise BadInput(error.message) from None
    if found is None:
        raise BadInput(f"cannot read {what} {path}: no such file")
    data, status = found
    if not stat.S_ISREG(status.st_mode):
        kind = KINDS.get(stat.S_IFMT(status.st_mode), "not a file")
        raise BadInput(f"{what} {path} is {kind}, not a regular file")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise BadInput(f"{what} {path} is not UTF-8 text") from None


def notify(message: str) -> None:
    """Tell the person what the store did on its own (a recovery, a file open to others).

    Printed at once, by whichever command happens to run: a recovery must be reported even
    by a command that prints no warnings of its own, and before anything else it prints.
    """
    print(f"warning: {message}", file=sys.stderr)


def make_private_dirs(folder: StrPath) -> None:
    """Create ``folder`` and any missing parent, each 0700 whatever the umask."""
    from pathlib import Path  # only writers need it (readers go without: a fast path reads)

    folder = Path(folder)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=NEW_DIR_MODE)
        except FileExistsError:  # made meanwhile, by another run
            continue
        os.chmod(path, NEW_DIR_MODE)  # mkdir's mode is filtered by the umask


def open_to_others(path: StrPath) -> bool:
    """Whether group or other users have any permission on ``path`` (False when absent)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return os.name == "posix" and bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def file_mode(path: StrPath) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE


def temporary_name(target: str, *, any_ending: bool = False) -> re.Pattern[str]:
    """The names ``tempfile.mkstemp`` gives our temporary files for ``target`` (see atomic_write);
    with ``any_ending``, for every file whose name ends with ``target`` (``.json``)."""
    name = (".+" if any_ending else "") + re.escape(target)
    return re.compile(rf"\.{name}\.[a-z0-9_]{{8}}\.tmp")


def remove_stale_temporaries(folder: StrPath, ours: list[re.Pattern[str]]) -> None:
    """Delete the temporary files of ours that a killed write left in ``folder`` (they may hold
    secrets): each regular file (never a link's target) whose name one of ``ours`` matches and
    that is older than STALE_TEMPORARY_SECONDS. A younger one may be another run's write in flight.
    """
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not any(pattern.fullmatch(entry.name) for pattern in ours):
            continue
        import contextlib  # only for a leftover: a fast path reads a clean folder without it

        with contextlib.suppress(OSError):
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode) and now - status.st_mtime > STALE_TEMPORARY_SECONDS:
                os.unlink(entry.path)


class CreatedMeanwhile(FileExistsError):
    """`atomic_write` with ``keep`` found no file to replace, and another program created one
    before the new file could be put there: nothing was written, the caller reads it again."""


#: Symlinks followed before a path is given up as a loop (the kernel's own limit).
_MAX_SYMLINKS = 40


def trusted_target(path: StrPath) -> str:
    """The file ``path`` leads to (``os.path.realpath``), once it is known to be the user's to write.

    Refused (FileProblem, exit 4), before anything is created: a symlink on the way owned by
    another user than you, root, or the owner of the folder that holds it (what the kernel's
    protected_symlinks refuses in a shared sticky folder such as /tmp: another user's link that
    would send your keys into a file of theirs); and, unless you are root, a file owned by
    another user (writing your keys into it would give them to that user).
    """
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid is None:  # Windows: no uids to compare
        return os.path.realpath(path)
    current = os.path.abspath(path)
    for _ in range(_MAX_SYMLINKS):
        try:
            link = os.lstat(current)
        except OSError:
            break  # absent (or unreadable: the read says so): nothing to follow
        if not stat.S_ISLNK(link.st_mode):
            break
        folder = os.path.dirname(current)
        try:
            folder_owner = os.stat(folder).st_uid
        except OSError:
            folder_owner = None
        if link.st_uid not in (euid, 0, folder_owner):
            raise FileProblem(
                f"{path} is a symbolic link owned by uid {link.st_uid}, another user, in a folder "
                "of another user's: profiles does not write through it (remove the link, or point "
                "the setting at a file in a folder only you can write)"
            )
        current = os.path.join(folder, os.readlink(current))
    real = os.path.realpath(path)
    if euid != 0:
        try:
            owner = os.stat(real).st_uid
        except OSError:
            owner = euid
        if owner != euid:
            raise FileProblem(
                f"{real} is owned by uid {owner}, another user: profiles does not write your "
                "profiles into another user's file (copy it to a file of your own)"
            )
    return real


def atomic_write(path: StrPath, data: bytes, mode: int | None = None, keep: bool = False) -> Path | None:
    """Replace the file ``path`` points to with ``data``, all or nothing.

    A symlinked file is written through: its target is replaced and the link stays a link.
    ``mode``: the new file's mode (for files that hold secrets), instead of the old file's.
    ``keep``: the file being replaced stays on disk under a second name, which is returned (a
    hard link beside it, named like our temporary files): whatever another program writes to
    it until the replacement and after it stays there for the caller to check, and to remove or
    put back. None when there was no file, or the file system has no hard links. When there was
    no file, the new one is put there only if the path is still free (a hard link, which never
    replaces): a file another program created meanwhile raises `CreatedMeanwhile` instead of
    being replaced (where the file system has no hard links, it is replaced as without ``keep``).
    """
    import contextlib  # only writers need these: a read (a fast path) goes without them
    import tempfile
    from pathlib import Path

    real = Path(trusted_target(path))
    mode = file_mode(real) if mode is None else mode
    try:
        status = real.stat()
        owner: tuple[int, int] | None = (status.st_uid, status.st_gid)
    except FileNotFoundError:
        owner = None
    make_private_dirs(real.parent)
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    kept = None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), mode)
            if owner is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                os.fchown(stream.fileno(), *owner)
        if keep and owner is not None:  # there is a file to keep
            kept = link_aside(real)
        if not (keep and owner is None and _link_new(tmp, real)):
            os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if kept is not None:
            with contextlib.suppress(OSError):
                os.unlink(kept)
        raise
    sync_folder(real.parent)
    return kept


#: What link() fails with on a file system without hard links (FAT, some FUSE and network ones).
_NO_HARD_LINKS = frozenset(
    getattr(errno, name)
    for name in ("EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS", "EXDEV")
    if hasattr(errno, name)
)


def _link_new(tmp: str, real: Path) -> bool:
    """Put the new file ``tmp`` at ``real``, where there was no file, unless one is there now
    (raises `CreatedMeanwhile`); False where the file system has no hard links (nothing done)."""
    try:
        os.link(tmp, real)
    except FileExistsError:
        raise CreatedMeanwhile(errno.EEXIST, "another program created it meanwhile", str(real)) from None
    except OSError as error:
        if error.errno in _NO_HARD_LINKS:  # the caller replaces, as where there is no such check
            return False
        raise
    import contextlib

    with contextlib.suppress(OSError):  # the file is at ``real``: this name of it goes
        os.unlink(tmp)
    return True


def link_aside(real: Path) -> Path | None:
    """A second name for the file ``real`` (a hard link, named as `temporary_name` expects, so
    that one a killed run leaves is removed later); None where the file system has none, or
    when ``real`` is gone."""
    for _ in range(16):
        aside = real.with_name(f".{real.name}.{os.urandom(4).hex()}.tmp")
        try:
            os.link(real, aside)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (EPERM, ENOTSUP, EMLINK...), or no file any more
            return None
        return aside
    return None


def open_for_writing(path: StrPath) -> bool | None:
    """Whether any process has the file ``path`` open for writing (None: this system cannot tell).

    Linux grants a read lease only on a file no process has open for writing: taking one and
    giving it back at once answers the question without reading or locking anything.
    """
    try:
        import fcntl

        set_lease, read_lease, unlock = fcntl.F_SETLEASE, fcntl.F_RDLCK, fcntl.F_UNLCK
    except (ImportError, AttributeError):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, set_lease, read_lease)
    except OSError as error:
        # EAGAIN: open for writing; anything else (EINVAL on NFS, EACCES for another's file): cannot tell
        return True if error.errno == errno.EAGAIN else None
    else:
        fcntl.fcntl(fd, set_lease, unlock)
        return False
    finally:
        os.close(fd)


def wait_for_writers(path: StrPath, seconds: float) -> bool:
    """Wait (up to ``seconds``) until no program has the file ``path`` open for writing: one
    between its open and its close may still write to it. False: one still has."""
    deadline = time.monotonic() + seconds
    pause = 0.001
    while open_for_writing(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(pause)
        pause = min(2 * pause, 0.05)
    return True


def read_settled(path: StrPath, seconds: float = WRITER_WAIT_SECONDS) -> tuple[bytes | None, bool]:
    """The bytes of ``path`` (a second name of ours, see `link_aside`) once no program has it
    open for writing (None: absent or unreadable), and False when one still has after
    ``seconds``: what it writes later lands in that file, so the caller must keep its name."""
    settled = wait_for_writers(path, seconds)
    return read_or_none(path), settled


def read_or_none(path: StrPath) -> bytes | None:
    """The bytes of ``path``; None when it is absent or cannot be read."""
    try:
        found = read_bounded(path)
    except FileProblem:
        return None
    return None if found is None else found[0]


def sync_folder(folder: StrPath) -> None:
    import contextlib  # only writers sync

    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _lockable(real: Path) -> bool:
    """A path the store may write: absent, or a regular file (a FIFO or /dev/null gets no lock)."""
    try:
        return stat.S_ISREG(real.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # let the lock or the read say what is wrong


def locked(paths: Paths) -> contextlib.ExitStack:
    """The lock files of both files, taken now and held until the ``with`` block ends
    (``with locked(paths):``)."""
    import contextlib  # only writers (and the recovery of a killed one) take the locks
    from pathlib import Path

    from filelock import FileLock, Timeout

    reals = []
    for path in (paths.config, paths.credentials):
        real = Path(trusted_target(path))  # before a lock file or a folder is made where it leads
        if real not in reals and _lockable(real):
            reals.append(real)
    stack = contextlib.ExitStack()
    try:
        for real in reals:
            try:
                make_private_dirs(real.parent)
                # Lock files stay: removing one while another process waits on it would let
                # two runs hold "the" lock at once.
                lock = FileLock(f"{real}.lock", mode=NEW_FILE_MODE, timeout=LOCK_TIMEOUT_SECONDS)
                stack.enter_context(lock)
            except Timeout:
                raise FileProblem(
                    f"another process has held {real}.lock for {LOCK_TIMEOUT_SECONDS:.0f} s; "
                    "try again, or remove the lock file if no profiles command is running"
                ) from None
            except OSError as error:
                raise FileProblem(f"cannot lock {real}: {error.strerror}") from None
    except BaseException:
        stack.close()  # the locks taken before the failure
        raise
    return stack


def remove_synced(path: StrPath) -> None:
    os.unlink(path)
    sync_folder(os.path.dirname(os.path.abspath(path)))
