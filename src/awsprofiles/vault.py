"""The OS keyring: the only code that talks to it (through the ``keyring`` library).

A profile protected with the keyring keeps its access key in one keyring item, and its MFA
session (if it has ``mfa_serial``) in a second one; both are JSON documents:

* service ``profiles``, user ``<credentials file>#<NAME>``: ``{"Version": 1, "aws_access_key_id":
  ..., "aws_secret_access_key": ..., ["aws_session_token": ...]}`` (the keys as the credentials
  file held them);
* service ``profiles``, user ``<credentials file>#<NAME>#mfa-session``: the session credentials
  STS GetSessionToken returned, with the key and MFA device they were made with.

``<credentials file>`` is the absolute path of the credentials file the profile belongs to, so
that two AWS homes (two ``AWS_SHARED_CREDENTIALS_FILE``) never share an item.

Every write is read back and compared; `edit_files` edits the keyring and the two files
together so that a secret is never in neither place: keyring items are written (and verified)
first, the files next, and if the files cannot be written the items are put back as they were;
items that the new files no longer need are deleted only once the files are written.

Secrets never leave this module in an error message: every message is written here.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from awsprofiles import graph, model, store
from awsprofiles.errors import BadInput, FileProblem, ProfilesError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "profiles"
SESSION_SUFFIX = "#mfa-session"
#: What the library reads to choose a backend instead of detecting one.
BACKEND_VARIABLE = "PYTHON_KEYRING_BACKEND"

#: The keys an item may hold: the key ID and every secret the credentials file can hold. The one
#: list of the keys a keyring move moves (`to_keyring`, `to_files`, `plaintext_keys`).
ITEM_KEYS = (model.ACCESS_KEY_ID, *sorted(model.SECRET_KEYS))
CREDENTIAL_PROCESS = "credential_process"

NO_KEYRING = (
    "no OS keyring is available{reason}: on Linux, start and unlock a Secret Service (install "
    "gnome-keyring, or KeePassXC with its Secret Service integration) in your D-Bus session; or "
    "choose another backend the Python keyring library supports through keyring's own "
    "configuration (PYTHON_KEYRING_BACKEND or keyringrc.cfg, see 'python -m keyring diagnose')"
)


def item_user(paths: store.Paths, profile: str) -> str:
    """The keyring item (user name, service ``profiles``) that holds ``profile``'s access key."""
    return f"{os.path.abspath(paths.credentials)}#{profile}"


def session_user(paths: store.Paths, profile: str) -> str:
    """The keyring item that holds ``profile``'s MFA session."""
    return item_user(paths, profile) + SESSION_SUFFIX


def describe_item(user: str) -> str:
    return f"keyring item {user!r} of service {SERVICE!r}"


# --------------------------------------------------------------------------- the documents


def temporary(keys: Mapping[str, str]) -> bool:
    """Whether an item holds temporary credentials (a session token), not a long-term key."""
    return model.session_token_of(keys) is not None


def encode_key(keys: Mapping[str, str]) -> str:
    return json.dumps({"Version": 1, **{key: keys[key] for key in ITEM_KEYS if key in keys}})


#: An item larger than this is not one profiles wrote (a key and a session token are a few KiB):
#: it is refused before it is parsed.
MAX_ITEM_SIZE = 64 * 1024


def _document(text: str) -> Any:
    """The JSON document an item holds, or None when it is too large, too deep or not JSON."""
    if len(text) > MAX_ITEM_SIZE:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _valid_key(document: Any) -> bool:
    """Whether an item holds keys add-user would have taken, each one the files can hold."""
    if not isinstance(document, dict) or document.get("Version") != 1:
        return False
    present = {key: document[key] for key in ITEM_KEYS if key in document}
    if not all(isinstance(value, str) for value in present.values()):
        return False
    try:
        model.validate_access_key_id(present[model.ACCESS_KEY_ID])
        if model.validate_secret(present[model.SECRET_ACCESS_KEY]) != present[model.SECRET_ACCESS_KEY]:
            return False
        # no line break, control character or padding: what unprotect writes back to the file
        for key, value in present.items():
            model.validate_value(key, value)
    except (KeyError, BadInput):
        return False
    return True


def decode_key(text: str, user: str) -> dict[str, str]:
    """The keys an item holds; a malformed item is reported without quoting it."""
    document = _document(text)
    if not _valid_key(document):
        raise FileProblem(
            f"the {describe_item(user)} is not an access key written by profiles; "
            "replace it with 'profiles add-user NAME --keyring --force'"
        )
    return {key: document[key] for key in ITEM_KEYS if key in document}


#: The fields of a session item, in the order of `Session`'s.
SESSION_FIELDS = (
    "AccessKeyId",
    "SecretAccessKey",
    "SessionToken",
    "Expiration",
    "SourceAccessKeyId",
    "MfaSerial",
)


@dataclass(frozen=True)
class Session:
    """Temporary credentials from STS GetSessionToken, made with one key and one MFA device."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    source_key_id: str
    mfa_serial: str

    def usable(
        self, key_id: str, mfa_serial: str, margin_seconds: float, now: datetime | None = None
    ) -> bool:
        """Made with this key and device, and valid for ``margin_seconds`` more at least."""
        left = (self.expiration - (now or datetime.now(UTC))).total_seconds()
        return self.source_key_id == key_id and self.mfa_serial == mfa_serial and left > margin_seconds

    def encode(self) -> str:
        return json.dumps(
            {
                "Version": 1,
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token,
                "Expiration": self.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "SourceAccessKeyId": self.source_key_id,
                "MfaSerial": self.mfa_serial,
            }
        )

    @classmethod
    def decode(cls, text: str) -> Session | None:
        """The session an item holds, or None when it is not one (it is then made again)."""
        document = _document(text)
        if not isinstance(document, dict) or document.get("Version") != 1:
            return None
        values = [value for name in SESSION_FIELDS if isinstance(value := document.get(name), str)]
        if len(values) != len(SESSION_FIELDS):  # a missing field, or one of another type: never coerced
            return None
        access_key_id, secret, token, expires, source_key_id, mfa_serial = values
        try:
            model.validate_access_key_id(access_key_id)
            for name, value in zip(SESSION_FIELDS, values, strict=True):
                model.validate_value(name, value)  # served in env's lines and credential-process's JSON
            expiration = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except (ValueError, BadInput):
            return None
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return cls(access_key_id, secret, token, expiration, source_key_id, mfa_serial)


# --------------------------------------------------------------------------- the backend


def _configured() -> bool:
    """Whether the person chose a backend in keyring's own configuration."""
    if os.environ.get(BACKEND_VARIABLE):
        return True
    from keyring.util import platform_

    return bool((platform_.config_root() / "keyringrc.cfg").exists())


#: The backend last found usable: its priority (a D-Bus round trip for the Secret Service) is asked once.
_usable: list[object] = []


def backend() -> KeyringBackend:
    """The keyring the library chose; raises `FileProblem` (exit 4) when there is none to use.

    A backend found by detection with a priority below 1 (keyring's own threshold for
    "recommended", e.g. a plaintext file) would defeat the purpose: only an explicit choice in
    keyring's configuration makes one acceptable.
    """
    try:
        import keyring
        from keyring.backends import fail

        chosen = keyring.get_keyring()
        if any(chosen is known for known in _usable):
            return chosen
        if isinstance(chosen, fail.Keyring):
            raise FileProblem(NO_KEYRING.format(reason=""))
        if chosen.priority < 1 and not _configured():
            raise FileProblem(
                NO_KEYRING.format(reason=f" (the only backend found, {_name(chosen)}, is not a safe store)")
            )
    except ProfilesError:
        raise
    except Exception as error:  # a backend that cannot even start (an import or D-Bus failure)
        raise FileProblem(NO_KEYRING.format(reason=f" ({type(error).__name__})")) from None
    _usable[:] = [chosen]
    return chosen


def _name(chosen: object) -> str:
    kind = type(chosen)
    return f"{kind.__module__}.{kind.__qualname__}"


def _failure(action: str, user: str, error: BaseException) -> FileProblem:
    from keyring.errors import KeyringLocked, NoKeyringError

    if isinstance(error, NoKeyringError):
        return FileProblem(NO_KEYRING.format(reason=""))
    if isinstance(error, KeyringLocked):
        return FileProblem(
            f"cannot {action} the {describe_item(user)}: the keyring is locked; unlock it and retry"
        )
    # The exception's own text may quote what was being stored: only its type is named.
    return FileProblem(
        f"cannot {action} the {describe_item(user)}: the keyring failed ({type(error).__name__})"
    )


def get(user: str) -> str | None:
    chosen = backend()
    try:
        return chosen.get_password(SERVICE, user)
    except Exception as error:
        raise _failure("read", user, error) from None


def put(user: str, value: str) -> None:
    """Store ``value`` and read it back: what the keyring returns must be what was written."""
    chosen = backend()
    try:
        chosen.set_password(SERVICE, user, value)
    except Exception as error:
        raise _failure("write", user, error) from None
    if get(user) != value:
        raise FileProblem(
            f"the keyring ({_name(chosen)}) did not give back what was written to the {describe_item(user)}"
        )


def delete(user: str) -> bool:
    """Delete an item; False when there was none."""
    chosen = backend()
    try:
        if chosen.get_password(SERVICE, user) is None:
            return False
        chosen.delete_password(SERVICE, user)
    except Exception as error:  # the item is there: a PasswordDeleteError is a failure too
        raise _failure("delete", user, error) from None
    return True


def read_key(paths: store.Paths, profile: str) -> dict[str, str] | None:
    """The keys of ``profile``'s item, or None when the keyring has no item for it."""
    user = item_user(paths, profile)
    text = get(user)
    return None if text is None else decode_key(text, user)


def read_session(paths: store.Paths, profile: str) -> Session | None:
    text = get(session_user(paths, profile))
    return None if text is None else Session.decode(text)


def write_session(paths: store.Paths, profile: str, session: Session) -> None:
    put(session_user(paths, profile), session.encode())


# --------------------------------------------------------------------------- the fast reader


def fast_get(user: str) -> str | None:
    """Read an item straight from the Secret Service, as keyring's SecretService backend stores it.

    Importing the keyring library and detecting its backend takes longer than the whole of a
    ``credential_process`` should. Where keyring would choose the Secret Service (Linux, a D-Bus
    session, no backend configured, no KWallet bindings installed), the item is read directly with
    secretstorage, which keyring itself uses. None whenever that is not certain or fails: the
    caller then goes the long way, through keyring.
    """
    if not sys.platform.startswith("linux") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    if os.environ.get(BACKEND_VARIABLE):
        return None
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    if os.path.exists(os.path.join(config_home, "python_keyring", "keyringrc.cfg")):
        return None
    import importlib.util

    if importlib.util.find_spec("dbus") is not None:  # keyring could choose KWallet
        return None
    try:
        return _secret_service_get(user)
    except Exception:
        return None


def _secret_service_get(user: str) -> str | None:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        # Collection() rather than get_default_collection(), which would offer to create one.
        collection = secretstorage.Collection(connection)
        if collection.is_locked():
            return None
        for item in collection.search_items({"service": SERVICE, "username": user}):
            if item.is_locked():
                return None
            value: Any = item.get_secret()
            return bytes(value).decode("utf-8")
        return None
    finally:
        connection.close()


# --------------------------------------------------------------------------- keyring and files together


class Edit:
    """Keyring changes that go with one transaction of the two files."""

    def __init__(self, paths: store.Paths, tx: store.Transaction) -> None:
        self.paths = paths
        self.tx = tx
        #: (item, what it held before) for every item written, to put back if the files are not
        self._written: list[tuple[str, str | None]] = []
        self._doomed: list[str] = []
        self.warnings: list[str] = []

    def put_key(self, profile: str, keys: Mapping[str, str]) -> None:
        """Write ``profile``'s key item now (verified); it is put back if the files are not written."""
        user = item_user(self.paths, profile)
        before = get(user)
        self._written.append((user, before))
        put(user, encode_key(keys))

    def read_key(self, profile: str) -> dict[str, str] | None:
        return read_key(self.paths, profile)

    def keep_key(self, profile: str, keys: Mapping[str, str]) -> None:
        """Keep ``keys`` in ``profile``'s item (a new key, one moved from the files, one renamed):
        written and read back now, put back as it was if the files are not written; the MFA
        session an earlier key made goes once they are."""
        self.put_key(profile, keys)
        self.delete_after(profile, key=False)

    def release(self, profile: str) -> None:
        """``profile``'s items (its key and its MFA session) go once the files no longer use them."""
        self.delete_after(profile)

    def delete_after(self, profile: str, key: bool = True) -> None:
        """Delete ``profile``'s items (its key too unless ``key`` is False) once the files are written."""
        self._doomed += [item_user(self.paths, profile)] if key else []
        self._doomed.append(session_user(self.paths, profile))

    def roll_back(self) -> list[str]:
        """Put every written item back as it was; returns the items that could not be."""
        stuck = []
        for user, before in reversed(self._written):
            try:
                if before is None:
                    delete(user)
                else:
                    put(user, before)
            except ProfilesError:
                stuck.append(user)
        return stuck

    def finish(self) -> None:
        for user in self._doomed:
            try:
                delete(user)
            except ProfilesError as error:
                self.warnings.append(
                    f"the files no longer use the {describe_item(user)}, but it could not be deleted "
                    f"({error.message}); delete it with your keyring's own tool"
                )


# --------------------------------------------------------------------------- keyring moves
#
# Every command that moves a key between the files and the keyring does it with these: the files'
# side (`to_keyring`, `to_files`, on the transaction) and the keyring's (`Edit.keep_key`,
# `Edit.release`). add-user --keyring and protect keep a key in the keyring; unprotect and
# add-user give one back to the files; rotate-keys and onboard replace the key an item holds;
# rename keeps it under the new name. They all move the keys of `ITEM_KEYS`.


def profiles_program() -> tuple[list[str], list[str]]:
    """How a credential_process starts ``profiles``, and a warning when not by its bare name.

    The bare name keeps the line valid when the tool is reinstalled elsewhere; it is used when
    ``profiles`` is on PATH. Otherwise the absolute path of the running installation is written.
    """
    if shutil.which("profiles"):
        return ["profiles"], []
    script = Path(sys.executable).with_name("profiles.exe" if os.name == "nt" else "profiles")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "awsprofiles"]
    return program, [
        f"'profiles' is not on PATH: the credential_process runs {' '.join(program)}; "
        "put profiles on PATH and run 'profiles unprotect' then 'profiles protect' to use the bare name"
    ]


def credential_process_line(paths: store.Paths, name: str) -> tuple[str, list[str]]:
    """The credential_process of a keyring profile, and warnings.

    Files other than those botocore finds by itself are named in the line, so that the process
    the AWS CLI starts reads the same files (and so the same keyring item).
    """
    program, warnings = profiles_program()
    options: list[str] = []
    if paths != store.locate():
        options = [
            "--config-file",
            os.path.abspath(paths.config),
            "--credentials-file",
            os.path.abspath(paths.credentials),
        ]
    return model.keyring_process_command(program, name, options), warnings


def plaintext_keys(profile: model.Profile) -> dict[str, str]:
    """The key ID and secrets ``profile`` holds in the files."""
    return {key: value for key in ITEM_KEYS if (value := profile.get(key)) is not None}


def to_keyring(tx: store.Transaction, name: str, command: str) -> list[str]:
    """The files' side of keeping ``name``'s key in the keyring: every key of `ITEM_KEYS` leaves
    the files (and a credentials section left empty with them), and ``credential_process`` runs
    ``command``, set last so that unprotect then protect gives back the same bytes. The keys changed."""
    changed = [key for key in ITEM_KEYS if tx.unset(name, key)]
    if changed:
        tx.drop_empty_credentials(name)
    profile = tx.snapshot.profile(name)
    if profile is None or profile.get(CREDENTIAL_PROCESS) != command:
        tx.set(name, CREDENTIAL_PROCESS, command)
        changed.append(CREDENTIAL_PROCESS)
    return changed


def to_files(tx: store.Transaction, name: str, keys: Mapping[str, str]) -> list[str]:
    """The files' side of giving ``name`` its key back (or a new key): the files hold ``keys`` in
    the credentials file and no other key of `ITEM_KEYS` (a new long-term key has no token), and
    a credential_process that served them from the profile's own keyring item goes. The keys changed."""
    profile = tx.snapshot.profile(name)
    changed = []
    if graph.keeps_own_keyring_item(profile) and tx.unset(name, CREDENTIAL_PROCESS):
        changed.append(CREDENTIAL_PROCESS)
    for key in ITEM_KEYS:
        value = keys.get(key)
        if value is None:
            if tx.unset(name, key):
                changed.append(key)
        elif profile is None or profile.get(key) != value or profile.origins.get(key) != "credentials":
            tx.set(name, key, value)  # a credential key: to the credentials file
            changed.append(key)
    return changed


T = TypeVar("T")


def _with_stuck_items(error: BaseException, stuck: list[str]) -> None:
    if stuck and isinstance(error, ProfilesError):
        items = ", ".join(describe_item(user) for user in stuck)
        error.message += (
            f"; the {items} could not be put back as it was, so it may hold the key as well as the file"
        )


def edit_files(paths: store.Paths, edit: Callable[[Edit], T]) -> tuple[T, list[str]]:
    """`store.edit_files` with keyring changes: items first, then the files (journaled), rolled
    back together; the result of ``edit`` and the warnings of the items deleted afterwards.

    When another program writes a file meanwhile, ``edit`` is applied again to the files read
    again: the items the previous attempt wrote are put back first, so each attempt starts
    from the keyring as it was. The keyring library is loaded only when the edit touches an item.
    """
    attempts: list[Edit] = []

    def attempt(tx: store.Transaction) -> T:
        if attempts and attempts[-1].roll_back():
            # Tried again below (the message names the items); the files are not written.
            raise FileProblem("another program changed the files while profiles was editing them")
        attempts.append(Edit(paths, tx))
        return edit(attempts[-1])

    try:
        result = store.edit_files(paths, attempt)
    except BaseException as error:
        _with_stuck_items(error, attempts[-1].roll_back() if attempts else [])
        raise
    attempts[-1].finish()
    return result, attempts[-1].warnings


def apply(
    paths: store.Paths, planned: store.Plan[T], doing: str, moves: Callable[[Edit], None]
) -> tuple[T, list[str]]:
    """`store.apply` with keyring changes: once the files are known to be what ``planned`` saw,
    ``moves`` changes the keyring items (written and read back), then the edit of the files runs
    again (`store.replay`); if it is refused or the files cannot be written, the items are put
    back. The result of the edit, and the warnings of the items deleted afterwards."""

    def edit_both(edit: Edit) -> T:
        store.refuse_if_changed(edit.tx, planned, doing)
        moves(edit)
        return store.replay(edit.tx, planned, doing)

    return edit_files(paths, edit_both)
