"""A role's session from the AWS CLI's cache (``~/.aws/cli/cache``), read without botocore.

``profiles env``, ``exec`` and ``credential-process`` run before every command a person types in a
role, and most of the time the answer is a JSON file the AWS CLI (or an earlier ``profiles``)
cached. This module serves that file exactly as botocore would, without importing botocore:

* the file name is the cache key botocore's ``AssumeRoleCredentialFetcher`` computes: the SHA-1
  of the AssumeRole arguments the profile gives (RoleArn, and RoleSessionName, ExternalId,
  SerialNumber, DurationSeconds when set) as sorted JSON; the source is not part of it;
* an entry is used only while it is valid for longer than botocore's refresh window (15 minutes);
* it is used only for a profile botocore would resolve to that cache lookup without any other
  I/O: a role whose ``source_profile`` chain (through other roles) ends at static keys (or at a
  keyring profile: botocore would run its ``credential_process`` and then read the same entry; a
  session still valid in the cache is served without it, even when the keyring would now ask
  for an MFA code or is locked), with
  every setting that could make botocore do more or fail (``credential_source``, SSO, a
  ``credential_process``, web identity, half a key pair, a loop) sending the caller to botocore.

Whenever it cannot be sure, `cached_role_credentials` returns None and the caller asks botocore
(`awsprofiles.aws.credentials.get_credentials`), which is the authority.

The cache is untrusted input, for this reading and for botocore's (`EntryCache`, which botocore's
credential fetchers are given instead of its ``JSONFileCache``): an entry is read bounded
(`caches.read_cache_document`: a regular file of at most 256 KiB; a FIFO never blocks) and
used only when `session_of` accepts it (an object whose ``Credentials`` holds a key ID, secret
and session token of printable ASCII and an ``Expiration`` with a zone, in range). Anything else
is a miss: botocore assumes the role again and `EntryCache` replaces the entry, as the AWS CLI
does. A directory at an entry's path cannot be replaced: it is refused (exit 4) before any
AssumeRole, naming it and how to remove it.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta, timezone

from awsprofiles import graph
from awsprofiles.aws.caches import (
    cli_cache_dir,
    not_a_cache_file,
    read_cache_document,
    write_cache_document,
)
from awsprofiles.model import ACCESS_KEY_ID, ACCOUNT_ID, SECRET_ACCESS_KEY, Credentials, Kind
from awsprofiles.records import Frozen

try:  # CPython's own SHA-1: hashlib's digest, without loading OpenSSL (a few ms of a fast path)
    from _sha1 import sha1  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # a Python built without it
    from hashlib import sha1

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from _typeshed import StrPath

    from awsprofiles.model import Value
    from awsprofiles.store import Snapshot

#: botocore's CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS: an entry that expires
#: sooner than this is not used (botocore assumes the role again).
REFRESH_WINDOW_SECONDS = 15 * 60

#: Profile settings with which a source profile is resolved by something other than its keys
#: (botocore's profile providers: web identity, SSO, login, credential_process).
_OTHER_PROVIDERS = ("web_identity_token_file", "credential_process", "login_session")

#: The profile settings botocore's AssumeRoleProvider sends, and the AssumeRole argument of each.
_ROLE_ARGUMENTS = (
    ("role_session_name", "RoleSessionName"),
    ("external_id", "ExternalId"),
    ("mfa_serial", "SerialNumber"),
)

# What botocore's JSONFileCache writes ('...UTC', from STS's datetime) and ISO 8601 with an offset.
_TIMESTAMP = re.compile(
    r"(?P<moment>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)"
    r"(?:(?P<utc>Z|UTC)|(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2}))",
    re.ASCII,  # \d: 0-9 only (int() would read other scripts' digits too)
)


def assume_role_arguments(
    values: Mapping[str, Value], duration: int | None = None
) -> dict[str, object] | None:
    """The AssumeRole arguments botocore's AssumeRoleProvider makes of a role profile's settings.

    ``duration`` replaces duration_seconds (``--duration``). None when a setting is not a plain
    value (botocore would send it as it is and fail).
    """
    role_arn = values.get("role_arn")
    if not isinstance(role_arn, str):
        return None
    arguments: dict[str, object] = {}
    for key, name in _ROLE_ARGUMENTS:
        value = values.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        arguments[name] = value
    seconds: object = values.get("duration_seconds") if duration is None else duration
    if isinstance(seconds, int):
        arguments["DurationSeconds"] = seconds
    elif isinstance(seconds, str):
        try:  # noqa: SIM105 (contextlib is not loaded on the fast path)
            arguments["DurationSeconds"] = int(seconds)
        except ValueError:  # botocore leaves a duration it cannot read out
            pass
    elif seconds is not None:
        return None
    arguments["RoleArn"] = role_arn
    return arguments


def cache_key(arguments: Mapping[str, object]) -> str:
    """botocore's cache key for an AssumeRole call (BaseAssumeRoleCredentialFetcher._create_cache_key).

    A RoleSessionName is part of it only when the profile sets one: botocore leaves out the name
    it makes up itself.
    """
    text = json.dumps(dict(arguments), sort_keys=True)
    digest: str = sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    # CachedCredentialFetcher._make_file_safe: a hex digest has nothing to replace.
    return digest


def _has_keys(values: Mapping[str, Value], origins: Mapping[str, str]) -> bool:
    """Both halves of a key pair, in one file (botocore reads each file's keys separately)."""
    return (
        isinstance(values.get(ACCESS_KEY_ID), str)
        and isinstance(values.get(SECRET_ACCESS_KEY), str)
        and origins.get(ACCESS_KEY_ID) == origins.get(SECRET_ACCESS_KEY)
    )


def _resolves_to_cache_lookup(snapshot: Snapshot, name: str) -> bool:
    """Whether botocore would go straight from ``name``'s settings to its cache entry.

    ``name`` must be a role whose chain (`graph.chain`: botocore's AssumeRoleProvider) ends at a
    source read from the files: one that holds keys (both halves, in one file) and nothing that
    could make botocore use another provider; or a keyring source (`profiles credential-process
    NAME --from-keyring`): botocore runs it, then looks the role up in the cache, whose key does
    not depend on the source. Anything else may run a process, read a token or call a metadata
    service, and is left to botocore.
    """
    chain = graph.chain(snapshot, name)
    source = snapshot.profile(chain.end) if chain.end is not None and len(chain.links) > 1 else None
    if source is None or chain.provider is graph.Provider.CREDENTIAL_SOURCE:
        return False
    values = source.values
    if graph.has_static_keys(values):
        others = any(key in values for key in _OTHER_PROVIDERS) or any(
            key.startswith("sso_") for key in values
        )
        return not others and _has_keys(values, source.origins)
    return chain.provider is graph.Provider.KEYRING and source.kind is Kind.KEYRING


def parse_expiration(value: object) -> datetime | None:
    """A cached Expiration as botocore reads it, or None for anything else: another type, another
    form, no zone (botocore could not compare it with the time), a date or an offset out of range.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(match.group("moment"))
        if match.group("utc"):
            return moment.replace(tzinfo=UTC)
        offset = timedelta(hours=int(match.group("hours")), minutes=int(match.group("minutes")))
        zone = timezone(-offset if match.group("sign") == "-" else offset)
        return moment.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # month 13, an offset of a day or more, beyond year 9999
        return None


# A key ID, secret or session token as STS makes them: printable ASCII, no space. Anything else
# (a control character, a NUL, a lone surrogate) could not be put in an environment variable or
# would be read differently by a shell.
_CREDENTIAL_TEXT = re.compile(r"[!-~]+")


class CachedSession(Frozen):
    """A cache entry's session, every field checked (`session_of`)."""

    __slots__ = (
        "access_key_id",
        "secret_access_key",
        "session_token",
        "expiration",
        "expiration_text",
        "account_id",
    )

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str,
        expiration: datetime,
        expiration_text: str,  # as written, for botocore, which parses it again
        account_id: str | None,
    ) -> None:
        self.access_key_id: Final = access_key_id
        self.secret_access_key: Final = secret_access_key
        self.session_token: Final = session_token
        self.expiration: Final = expiration
        self.expiration_text: Final = expiration_text
        self.account_id: Final = account_id

    def __repr__(self) -> str:  # never the secret key or the session token
        return f"CachedSession(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"


def session_of(document: object) -> CachedSession | None:
    """The session a cache entry holds, or None when any part of it is missing or mistyped."""
    credentials = document.get("Credentials") if isinstance(document, dict) else None
    if not isinstance(credentials, dict):
        return None
    fields = [credentials.get(name) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    texts = [field for field in fields if isinstance(field, str) and _CREDENTIAL_TEXT.fullmatch(field)]
    expiration_text = credentials.get("Expiration")
    expiration = parse_expiration(expiration_text)
    if len(texts) != len(fields) or expiration is None or not isinstance(expiration_text, str):
        return None
    account_id = credentials.get("AccountId")
    access_key_id, secret_access_key, session_token = texts
    return CachedSession(
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
        expiration_text,
        account_id if isinstance(account_id, str) and re.fullmatch(ACCOUNT_ID, account_id) else None,
    )


def read_entry(path: StrPath, now: datetime) -> CachedSession | None:
    """The session in a cache file, if it is usable and valid beyond the refresh window."""
    session = session_of(read_cache_document(path))
    if session is None or (session.expiration - now).total_seconds() < REFRESH_WINDOW_SECONDS:
        return None
    return session


class EntryCache:
    """The AWS CLI's cache as botocore's credential fetchers use it (in place of its
    ``JSONFileCache``: same folder, same file names, same JSON), with each entry read as
    untrusted input.

    botocore asks ``key in cache``, then ``cache[key]``, then parses the Expiration to decide
    whether to assume the role again (and then sets ``cache[key]``). Here an entry is "in" the
    cache only when `session_of` accepts it, and ``cache[key]`` is that checked session, read once
    (the file may change in between). A directory at the entry's path raises `FileProblem` before
    botocore calls AWS. A write replaces the entry all or nothing (`write_cache_document`).
    """

    def __init__(self, folder: StrPath) -> None:
        self.folder = folder
        self._read: dict[str, dict[str, Any]] = {}

    def path(self, key: str) -> str:
        return os.path.join(self.folder, f"{key}.json")

    def __contains__(self, key: object) -> bool:
        path = self.path(str(key))
        session = session_of(read_cache_document(path))
        if session is None:
            if os.path.isdir(path):
                raise not_a_cache_file(path, "run with --no-cache")
            return False
        entry: dict[str, Any] = {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expiration_text,
        }
        if session.account_id is not None:
            entry["AccountId"] = session.account_id
        self._read[str(key)] = {"Credentials": entry}
        return True

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key not in self._read and key not in self:
            raise KeyError(key)  # JSONFileCache's answer for an entry it cannot read
        return self._read[key]

    def __setitem__(self, key: str, value: object) -> None:
        self._read.pop(key, None)
        data = json.dumps(value, default=_as_json).encode("utf-8")
        write_cache_document(self.path(key), data, otherwise="run with --no-cache")


def _as_json(value: object) -> str:
    """JSONFileCache's serialisation: a datetime (STS's Expiration) as ``2026-01-01T12:00:00UTC``."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S%Z")
    raise TypeError(f"{type(value).__name__} cannot be cached")


def cached_role_credentials(
    snapshot: Snapshot,
    profile: str,
    *,
    duration: int | None = None,
    cache_dir: StrPath | None = None,
    now: datetime | None = None,
) -> Credentials | None:
    """The role session botocore would take from the AWS CLI's cache for ``profile``, or None.

    None means "ask botocore": the profile is not such a role, its entry is missing or unreadable,
    or it expires within the refresh window. ``duration`` is ``--duration`` (its own entry).
    """
    found = snapshot.profile(profile)
    if found is None or not _resolves_to_cache_lookup(snapshot, profile):
        return None
    arguments = assume_role_arguments(found.values, duration)
    if arguments is None:
        return None
    path = os.path.join(cache_dir or cli_cache_dir(), f"{cache_key(arguments)}.json")
    session = read_entry(path, now or datetime.now(UTC))
    if session is None:
        return None
    region = found.values.get("region")
    return Credentials(
        access_key_id=session.access_key_id,
        secret_access_key=session.secret_access_key,
        session_token=session.session_token,
        expiration=session.expiration,
        region=region if isinstance(region, str) and region else None,
    )
