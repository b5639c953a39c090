"""Where the AWS CLI and botocore cache what they obtain, under the home folder as it is now, and
how a cache file is read and written: as untrusted input, bounded, and all or nothing.

Both the botocore side (`aws.credentials`, `aws.session`, `aws.sso`) and the readers that serve a
cache without botocore (`aws.role_cache`) use this module, so that neither imports the other.
"""

from __future__ import annotations

import json
import os
import stat

from awsprofiles.errors import FileProblem
from awsprofiles.store import atomic_write, read_bounded, remove_stale_temporaries, temporary_name

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from typing import Any

    from _typeshed import StrPath

#: A cache file holds secrets: 0600, as the AWS CLI's ``mkstemp`` makes them.
CACHE_FILE_MODE = 0o600
#: The largest cache file read. An entry is a few KiB (a session token with session tags is at
#: most a few KiB); anything larger is not the AWS CLI's and is not read at all.
MAX_CACHE_FILE_SIZE = 256 * 1024
#: The temporary files `write_cache_document` makes beside an entry (``.KEY.json.XXXXXXXX.tmp``,
#: `store.atomic_write`): a write killed before its replace leaves one, holding what the entry
#: would have held (live credentials, a token).
_OUR_TEMPORARIES = [temporary_name(".json", any_ending=True)]


def cli_cache_dir() -> str:
    """The AWS CLI's cache folder (``awscli/customizations/assumerole.py``: ``~/.aws/cli/cache``)."""
    return os.path.expanduser(os.path.join("~", ".aws", "cli", "cache"))


def sso_cache_dir() -> str:
    """``~/.aws/sso/cache``, where botocore's SSO providers and the CLI v2 keep tokens."""
    return os.path.expanduser(os.path.join("~", ".aws", "sso", "cache"))


def read_cache_document(path: StrPath) -> dict[str, Any] | None:
    """The JSON object in a cache file (``~/.aws/cli/cache``, ``~/.aws/sso/cache``), read as
    untrusted input; None when there is none to use.

    None for anything but a regular file of at most `MAX_CACHE_FILE_SIZE` bytes of UTF-8 JSON
    holding an object: absent, a directory, a FIFO (opened without waiting for a writer, never
    read), a device, a link that leads nowhere or to something unreadable, too large, not UTF-8,
    not JSON or nested too deep to parse. Never blocks, never reads more than the limit. Stale
    temporary files of ours in its folder go first (`remove_leftovers`).
    """
    remove_leftovers(os.path.dirname(path))
    try:
        found = read_bounded(path, MAX_CACHE_FILE_SIZE, "cache file")
    except FileProblem:
        return None
    if found is None or not stat.S_ISREG(found[1].st_mode):
        return None
    try:
        document = json.loads(found[0].decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return document if isinstance(document, dict) else None


def write_cache_document(path: StrPath, data: bytes, otherwise: str = "") -> None:
    """Replace the cache file ``path`` with ``data`` (mode 0600, its folder 0700), all or nothing:
    no temporary file is left behind on any failure (`store.atomic_write`), and one a killed
    write left is removed once stale (`remove_leftovers`).

    The entry itself is replaced, as the AWS CLI's ``os.replace`` replaces it: a symlink there is
    removed, never written through (it could lead anywhere, ``/dev/zero`` included). A directory
    there is never removed. A failure is a `FileProblem` (exit 4) naming the file; ``otherwise``
    says what else would do (``"run with --no-cache"``).
    """
    remove_leftovers(os.path.dirname(path))
    try:
        if os.path.islink(path):
            os.unlink(path)
        atomic_write(path, data, mode=CACHE_FILE_MODE)
    except OSError as error:
        if os.path.isdir(path) and not os.path.islink(path):
            raise not_a_cache_file(path, otherwise) from None
        raise FileProblem(
            f"cannot write the cache file {path}: {error.strerror or error}" + _or(otherwise)
        ) from None


def remove_leftovers(folder: StrPath) -> None:
    """Remove the temporary files a killed `write_cache_document` left in a cache folder, by the
    store's rule (`store.remove_stale_temporaries`: ours, regular files, older than its limit).
    Every read and write of a cache file does it first."""
    remove_stale_temporaries(folder, _OUR_TEMPORARIES)


def not_a_cache_file(path: StrPath, otherwise: str = "") -> FileProblem:
    """A directory where a cache file belongs: never removed for the user, who is told how."""
    import shlex

    return FileProblem(
        f"the cache file {path} is a directory, so nothing can be cached there: remove it "
        f"(rm -r -- {shlex.quote(str(path))})" + _or(otherwise)
    )


def _or(otherwise: str) -> str:
    return f"; or {otherwise}" if otherwise else ""
