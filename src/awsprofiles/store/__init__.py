"""The only code that touches ``~/.aws/config`` and ``~/.aws/credentials``.

Reading mirrors botocore exactly (``configparser.RawConfigParser`` plus botocore's profile
mapping), so what ``profiles`` shows is what the AWS CLI and SDKs use. Editing is done in
place: the file is cut into its sections, and only the sections an edit touches are re-parsed
and rewritten with configupdater; every other byte is kept. Before a file is replaced, the new
text is parsed again the botocore way and compared with what the edit meant to do.

A write is atomic (temporary file in the same folder, fsync, ``os.replace``), keeps the file's
mode and its symlink, and happens under a lock file next to the real file, so concurrent runs
of ``profiles`` never lose an update. An edit of both files is journaled first, so that a run
killed between the two replacements is undone by the next run (see ``journal``); a
file another program wrote since it was read, up to the replacement itself, is read again and
the edit applied again (``edit_files``; the replaced file is kept and checked, see ``commit``).
Lines end as they did, each its own (``endings``). Reads are bounded: FIFOs and devices read
as absent, as botocore reads them, and files over MAX_FILE_SIZE are refused.

The package, by what each part does:

- ``paths``: where the two files are (`Paths`, `locate`).
- ``parsing``: text to sections and profiles, exactly as botocore reads them (`parse_file`, `IniFile`).
- ``endings``: line endings read as botocore reads them, and written back as each line had them.
- ``fileio``: bounded reads, atomic writes, private folders, the lock files.
- ``snapshot``: both files read at one moment (`load`, `Snapshot`).
- ``document``: one file's text edited in place and verified (`Document`).
- ``edit``: an edit of both files and what botocore must read after it (`Transaction`).
- ``journal``: the journal of a two-file edit and the recovery of a killed one.
- ``commit``: applying an edit under the lock (`edit_files`, `transaction`).
- ``diff``: what an edit changes, as a diff that masks every secret (`unified_diff`).
- ``planning``: an edit planned, shown and applied only to the files it was planned on (`plan`, `apply`).

Callers use the names below (``from awsprofiles import store``; ``store.load(...)``). Each is
imported from its module when it is first used: a command that only reads (``env`` of a cached
role, a completion) never loads the write side (configupdater's ``document``, ``commit``,
``planning``). `_MODULES` says where each name lives; mypy reads the same names from the imports
below ``TYPE_CHECKING`` and from ``__all__``, and tests/test_fast_paths.py holds the three lists
equal. ``Role`` is a type that only mypy reads (``store.Role`` in an annotation): it is re-exported
explicitly, and is neither in `_MODULES` nor in ``__all__`` (``import *`` would fail on it). No
module of the package is named like one of its names (its import would shadow it).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from awsprofiles.store.commit import EDIT_ATTEMPTS, edit_files, transaction
    from awsprofiles.store.diff import MASK, shown_lines, unified_diff
    from awsprofiles.store.document import Document
    from awsprofiles.store.edit import Transaction
    from awsprofiles.store.fileio import (
        LOCK_TIMEOUT_SECONDS,
        MAX_FILE_SIZE,
        NEW_DIR_MODE,
        NEW_FILE_MODE,
        STALE_TEMPORARY_SECONDS,
        FileId,
        atomic_write,
        make_private_dirs,
        notify,
        open_to_others,
        read_bounded,
        read_input,
        remove_stale_temporaries,
        temporary_name,
    )
    from awsprofiles.store.parsing import (
        BLANK,
        COMMENT,
        CONTINUATION,
        HEADER,
        OPTION,
        Chunk,
        IniFile,
        parse_file,
        parse_ini,
        parse_plain,
        parse_sections,
        profile_sections,
        scan_lines,
        split_chunks,
        split_lines,
    )
    from awsprofiles.store.paths import Paths, Sections, journal_path, locate
    from awsprofiles.store.paths import Role as Role  # a type: for annotations only, not in __all__
    from awsprofiles.store.planning import FileChange, Plan, apply, plan, refuse_if_changed, replay
    from awsprofiles.store.snapshot import Snapshot, load, profile_names, read_file, sso_session_names

#: The store's names, by the module that holds them.
_MODULES = {
    "commit": ("EDIT_ATTEMPTS", "edit_files", "transaction"),
    "diff": ("MASK", "shown_lines", "unified_diff"),
    "document": ("Document",),
    "edit": ("Transaction",),
    "fileio": (
        "LOCK_TIMEOUT_SECONDS",
        "MAX_FILE_SIZE",
        "NEW_DIR_MODE",
        "NEW_FILE_MODE",
        "STALE_TEMPORARY_SECONDS",
        "FileId",
        "atomic_write",
        "make_private_dirs",
        "notify",
        "open_to_others",
        "read_bounded",
        "read_input",
        "remove_stale_temporaries",
        "temporary_name",
    ),
    "parsing": (
        "BLANK",
        "COMMENT",
        "CONTINUATION",
        "HEADER",
        "OPTION",
        "Chunk",
        "IniFile",
        "parse_file",
        "parse_ini",
        "parse_plain",
        "parse_sections",
        "profile_sections",
        "scan_lines",
        "split_chunks",
        "split_lines",
    ),
    "paths": ("Paths", "Sections", "journal_path", "locate"),  # and Role, a type (TYPE_CHECKING)
    "planning": ("FileChange", "Plan", "apply", "plan", "refuse_if_changed", "replay"),
    "snapshot": ("Snapshot", "load", "profile_names", "read_file", "sso_session_names"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "BLANK",
    "COMMENT",
    "CONTINUATION",
    "EDIT_ATTEMPTS",
    "HEADER",
    "LOCK_TIMEOUT_SECONDS",
    "MASK",
    "MAX_FILE_SIZE",
    "NEW_DIR_MODE",
    "NEW_FILE_MODE",
    "OPTION",
    "STALE_TEMPORARY_SECONDS",
    "Chunk",
    "Document",
    "FileChange",
    "FileId",
    "IniFile",
    "Paths",
    "Plan",
    "Sections",
    "Snapshot",
    "Transaction",
    "apply",
    "atomic_write",
    "edit_files",
    "journal_path",
    "load",
    "locate",
    "make_private_dirs",
    "notify",
    "open_to_others",
    "parse_file",
    "parse_ini",
    "parse_plain",
    "parse_sections",
    "plan",
    "profile_names",
    "profile_sections",
    "read_bounded",
    "read_file",
    "read_input",
    "refuse_if_changed",
    "remove_stale_temporaries",
    "replay",
    "scan_lines",
    "shown_lines",
    "split_chunks",
    "split_lines",
    "sso_session_names",
    "temporary_name",
    "transaction",
    "unified_diff",
]


def __getattr__(name: str) -> object:
    """``store.NAME``, imported from its module on first use (then an attribute like any other)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # What `from awsprofiles.store.MODULE import NAME` does (importlib would cost a fast path more).
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)
    globals()[name] = value
    return value
