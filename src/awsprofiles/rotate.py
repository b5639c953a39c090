"""Rotating a keys profile's access key without ever leaving the file without a working key.

The key is rotated for every profile that holds it (`plan`: the profile graph's holders, in the
files and in keyring items): a ``[default]`` and a named profile with one key are common, and
deleting the old key in IAM would break the profiles left with it.

Order: create the new key with the old one; write it to every holder in one transaction (the
files, and the keyring items, read back there); prove it works (GetCallerIdentity, retried
while IAM propagates it); only then deactivate and delete the old key, signing with the new one.
If anything fails before the proof, the old key goes back to every holder and the new one is
deleted; if the retirement fails, the holders keep the verified new key. Every failure message
names the key the holders have and which keys are active in IAM.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprofiles import graph, model, store, vault
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
    #: every profile that held the old key and has the new one (``profile`` among them)
    profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Planned:
    """A rotation as it is asked for: the profile's key, and every profile that holds it."""

    profile: str
    old: KeyPair
    holders: tuple[graph.Holder, ...]
    warnings: tuple[str, ...] = ()

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(holder.profile for holder in self.holders)


def mask(key_id: str) -> str:
    return model.mask_access_key_id(key_id)


def named(profiles: tuple[str, ...]) -> str:
    """``profile 'Bob'``, or ``profiles 'Bob', 'a-extra' and 'a-trail'``."""
    if len(profiles) == 1:
        return f"profile {profiles[0]!r}"
    return f"profiles {', '.join(map(repr, profiles[:-1]))} and {profiles[-1]!r}"


def plan(paths: store.Paths, name: str, snapshot: store.Snapshot | None = None) -> Planned:
    """The key ``name`` holds, and every profile that holds the same key (the graph's holders):
    in the files, or in a keyring item (read here). An item that cannot be read is said in a
    warning: a profile it serves keeps the old key."""
    snapshot = snapshot if snapshot is not None else store.load(paths)
    old = current_key(snapshot, name)
    warnings: list[str] = []

    def item_key_id(item: str) -> str | None:
        try:
            return (vault.read_key(paths, item) or {}).get(model.ACCESS_KEY_ID)
        except FileProblem as error:
            warnings.append(
                f"cannot tell whether the keyring item of profile {item!r} holds the same key "
                f"({error.message}); if it does, it keeps the old key, which stops working"
            )
            return None

    held = graph.holders(snapshot, old.access_key_id, item_key_id)
    if name not in [holder.profile for holder in held]:  # the files and the item disagree
        held.insert(0, graph.Holder(name, graph.keyring_item(snapshot.require(name))))
    return Planned(name, old, tuple(held), tuple(warnings))


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


def _write_key(paths: store.Paths, holders: tuple[graph.Holder, ...], expected_id: str, key: KeyPair) -> None:
    """Replace the key of every holder where it keeps it, in one transaction: the files, or a
    keyring item (once for the profiles it serves)."""
    keys = {model.ACCESS_KEY_ID: key.access_key_id, model.SECRET_ACCESS_KEY: key.secret_access_key}

    def edit_both(edit: vault.Edit) -> None:
        tx = edit.tx
        items: set[str] = set()
        for holder in holders:
            if holder.item in items:
                continue
            profile = tx.snapshot.profile(holder.profile)
            if holder.item is not None:
                held = (edit.read_key(holder.item) or {}).get(model.ACCESS_KEY_ID)
            else:
                held = profile.get(model.ACCESS_KEY_ID) if profile else None
            if held != expected_id:
                raise Refused(
                    f"profile {holder.profile!r} changed during the rotation (its key is no longer "
                    f"{mask(expected_id)})"
                )
            if holder.item is not None:
                # Written and read back (put back as it was if anything after it fails); an MFA
                # session of the old key is of no more use.
                edit.keep_key(holder.item, keys)
                items.add(holder.item)
            else:
                for name, value in keys.items():
                    tx.replace(holder.profile, name, value)  # in the file that holds it

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


def _where(holders: tuple[graph.Holder, ...]) -> str:
    """Where the key is kept, for every message that says what holds which key."""
    if len(holders) == 1:
        return "the keyring item" if holders[0].item is not None else "the file"
    return f"every profile that held the key ({', '.join(repr(holder.profile) for holder in holders)})"


def rotate(
    paths: store.Paths,
    name: str,
    *,
    planned: Planned | None = None,
    verify_attempts: int = VERIFY_ATTEMPTS,
    verify_first_delay: float = VERIFY_FIRST_DELAY,
) -> Rotation:
    """Rotate the key of ``name`` and of every profile that holds it (``planned``, else `plan`)."""
    from awsprofiles.aws.iam import Iam, user_name_of

    planned = planned if planned is not None else plan(paths, name)
    old, holders = planned.old, planned.holders
    holder = _where(holders)
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
                _write_key(paths, holders, new.access_key_id, old)
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
        _write_key(paths, holders, old.access_key_id, new)
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
    return Rotation(name, user, old.access_key_id, new.access_key_id, planned.profiles)
