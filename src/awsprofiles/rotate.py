"""Rotating a keys profile's access key without ever leaving the file without a working key.

Order: create the new key with the old one; write it (to the credentials file, or to the keyring
item of a keyring profile, read back there); prove it works (GetCallerIdentity, retried
while IAM propagates it); only then deactivate and delete the old key, signing with the new one.
If anything fails before the proof, the old key goes back in the file and the new one is deleted;
if the retirement fails, the file keeps the verified new key. Every failure message names the
key the file holds and which keys are active in IAM.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprofiles import model, store, vault
from awsprofiles.errors import BadInput, CheckFailed, FileProblem, ProfilesError, Refused, said_of
from awsprofiles.graph import keeps_own_keyring_item

if TYPE_CHECKING:
    from awsprofiles.aws.iam import Iam, KeyPair

#: GetCallerIdentity with a new key is tried this often, waiting 1, 2, 4... s in between (~31 s).
VERIFY_ATTEMPTS = 6
VERIFY_FIRST_DELAY = 1.0
#: Error codes a brand-new key gives while IAM has not yet propagated it.
_NOT_YET_VALID = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"})


@dataclass(frozen=True)
class Rotation:
    profile: str
    user: str
    old_key_id: str
    new_key_id: str


def mask(key_id: str) -> str:
    return model.mask_access_key_id(key_id)


def current_key(snapshot: store.Snapshot, name: str) -> KeyPair:
    """The key the profile holds, in the files or (a keyring profile) in its keyring item."""
    from awsprofiles.aws.iam import KeyPair

    profile = snapshot.require(name)
    key_id, secret = profile.get(model.ACCESS_KEY_ID), profile.get(model.SECRET_ACCESS_KEY)
    if keeps_own_keyring_item(profile):
        keys = vault.read_key(store.Paths(snapshot.config.path, snapshot.credentials.path), name)
        if keys is None:
            raise FileProblem(f"profile {name!r} has no key in the keyring; nothing to rotate")
        if vault.temporary(keys):
            raise BadInput(
                f"profile {name!r} holds temporary credentials (a session token); they cannot rotate"
            )
        return KeyPair(keys[model.ACCESS_KEY_ID], keys[model.SECRET_ACCESS_KEY])
    if profile.kind is not model.Kind.KEYS or not key_id or not secret:
        raise BadInput(f"profile {name!r} is a {profile.kind.value} profile; only a keys profile can rotate")
    if profile.session_token:
        raise BadInput(f"profile {name!r} holds temporary credentials (a session token); they cannot rotate")
    return KeyPair(key_id, secret)


def _write_key(paths: store.Paths, name: str, expected_id: str, key: KeyPair) -> None:
    """Replace the key where the profile keeps it: the credentials file, or its keyring item."""

    def edit_both(edit: vault.Edit) -> None:
        tx = edit.tx
        profile = tx.snapshot.profile(name)
        in_keyring = keeps_own_keyring_item(profile)
        held = (edit.read_key(name) or {}) if in_keyring else (profile.values if profile else {})
        if held.get(model.ACCESS_KEY_ID) != expected_id:
            raise Refused(
                f"profile {name!r} changed during the rotation (its key is no longer {mask(expected_id)})"
            )
        keys = {model.ACCESS_KEY_ID: key.access_key_id, model.SECRET_ACCESS_KEY: key.secret_access_key}
        if in_keyring:
            # Written and read back (put back as it was if anything after it fails); an MFA
            # session of the old key is of no more use.
            edit.keep_key(name, keys)
        else:
            vault.to_files(tx, name, keys)

    vault.edit_files(paths, edit_both)


def verify_new_key(
    paths: store.Paths,
    name: str,
    key: KeyPair,
    user_arn: str,
    attempts: int = VERIFY_ATTEMPTS,
    first_delay: float = VERIFY_FIRST_DELAY,
) -> None:
    """GetCallerIdentity with the new key must answer as the same user; retried, bounded."""
    from awsprofiles.aws.iam import Iam

    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            arn = Iam(paths, name, key).caller_arn()
        except CheckFailed as error:
            if error.aws_code not in _NOT_YET_VALID or attempt == attempts:
                raise CheckFailed(f"the new key does not work: {error}", error.code, error.aws_code) from None
            time.sleep(delay)
            delay *= 2
            continue
        if arn != user_arn:
            raise CheckFailed(f"the new key signs as {arn}, not as {user_arn}")
        return


def retire_old_key(iam: Iam, user: str, old_key_id: str) -> None:
    """Deactivate, then delete, the old key; ``iam`` signs with the new key."""
    iam.deactivate_key(user, old_key_id)
    iam.delete_key(user, old_key_id)


def rotate(
    paths: store.Paths,
    name: str,
    *,
    verify_attempts: int = VERIFY_ATTEMPTS,
    verify_first_delay: float = VERIFY_FIRST_DELAY,
) -> Rotation:
    from awsprofiles.aws.iam import Iam, user_name_of

    snapshot = store.load(paths)
    old = current_key(snapshot, name)
    profile = snapshot.profile(name)
    # Where the key is kept, for every message that says what holds which key.
    holder = "the keyring item" if profile is not None and keeps_own_keyring_item(profile) else "the file"
    old_iam = Iam(paths, name, old)
    try:
        arn = old_iam.caller_arn()
    except CheckFailed as error:
        raise CheckFailed(
            f"profile {name!r}: its key {mask(old.access_key_id)} does not work: "
            f"{said_of(name, error.message)}",
            error.code,
            error.aws_code,
        ) from None
    user = user_name_of(arn)
    if user is None:
        raise BadInput(
            f"profile {name!r} signs as {arn}, not as an IAM user; only an IAM user's key can rotate"
        )
    try:
        keys = old_iam.list_keys(user)
    except CheckFailed as error:
        raise CheckFailed(
            f"cannot list {user}'s access keys: {error}; nothing changed", error.code, error.aws_code
        ) from None
    if len(keys) >= 2:
        listed = ", ".join(f"{mask(k.access_key_id)} ({k.status.lower()})" for k in keys)
        raise Refused(
            f"IAM user {user} already has two access keys, IAM's limit: {listed}. Delete the one "
            "not in use (aws iam delete-access-key), then rotate again; nothing changed"
        )
    try:
        new = old_iam.create_key(user)
    except CheckFailed as error:
        raise CheckFailed(
            f"cannot create a new key for {user}: {error}; nothing changed, "
            f"{holder} keeps key {mask(old.access_key_id)}, still active in IAM",
            error.code,
            error.aws_code,
        ) from None

    def undo(reason: str, file_has_new: bool, code: str = "other") -> ProfilesError:
        """Put the old key back and delete the new one; say exactly what holds what."""
        in_file = mask(new.access_key_id) if file_has_new else mask(old.access_key_id)
        if file_has_new:
            try:
                _write_key(paths, name, new.access_key_id, old)
                in_file = mask(old.access_key_id)
            except ProfilesError as error:
                return CheckFailed(
                    f"{reason}; restoring the old key failed too ({error}): {holder} has the new key "
                    f"{mask(new.access_key_id)}; both {mask(old.access_key_id)} and "
                    f"{mask(new.access_key_id)} are active in IAM",
                    code,
                )
        try:
            old_iam.delete_key(user, new.access_key_id)
            fate = f"the new key {mask(new.access_key_id)} was deleted"
        except CheckFailed as error:
            fate = (
                f"the new key {mask(new.access_key_id)} is still active in IAM "
                f"({error.aws_code or error.code}); "
                f"delete it with 'aws iam delete-access-key --user-name {user}'"
            )
        return CheckFailed(
            f"{reason}; {holder} has key {in_file}, which is active in IAM; {fate}; rotate again later",
            code,
        )

    try:
        _write_key(paths, name, old.access_key_id, new)
    except ProfilesError as error:
        raise undo(f"cannot write the new key ({error})", file_has_new=False) from None
    try:
        verify_new_key(paths, name, new, arn, verify_attempts, verify_first_delay)
    except ProfilesError as error:
        raise undo(str(error), True, error.code if isinstance(error, CheckFailed) else "other") from None
    try:
        retire_old_key(Iam(paths, name, new), user, old.access_key_id)
    except CheckFailed as error:
        raise CheckFailed(
            f"{holder} has the new key {mask(new.access_key_id)}, verified and active in IAM; retiring "
            f"the old key {mask(old.access_key_id)} failed ({error}), so it is still in IAM: delete it "
            f"with 'aws iam delete-access-key --user-name {user}'",
            error.code,
            error.aws_code,
        ) from None
    return Rotation(name, user, old.access_key_id, new.access_key_id)
