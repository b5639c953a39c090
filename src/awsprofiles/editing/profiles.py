"""Any profile as a whole: remove, rename, and what list and show print of it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from awsprofiles import graph, model, store, vault
from awsprofiles.errors import ProfilesError, Refused
from awsprofiles.model import Kind, Profile


def needed_by(snapshot: store.Snapshot, name: str, ignoring: Collection[str] = ()) -> list[str]:
    """How other profiles (but ``ignoring``) need ``name``: as source_profile, or by a credential_process."""
    uses = []
    if users := [user for user in snapshot.referrers(name) if user not in ignoring]:
        uses.append(f"the source_profile of {', '.join(users)}")
    if runners := [runner for runner in snapshot.process_referrers(name) if runner not in ignoring]:
        uses.append(f"run by the credential_process of {', '.join(runners)}")
    return uses


def remove(paths: store.Paths, name: str, force: bool = False) -> list[str]:
    """Remove a profile from both files; then its keyring items, if it has any."""

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        profile = tx.snapshot.require(name)
        uses = needed_by(tx.snapshot, name)
        if uses and not force:
            raise Refused(f"profile {name!r} is {' and '.join(uses)}; remove those first or use --force")
        tx.remove(name)
        if graph.keeps_own_keyring_item(profile):
            edit.release(name)  # only once the files no longer point at it
        return tx.snapshot.warnings

    warnings, deleted = vault.edit_files(paths, edit_both)
    return warnings + deleted


def rename(paths: store.Paths, old: str, new: str) -> list[str]:
    """Rename in both files, in every source_profile and credential_process naming it, and in the keyring."""
    model.validate_profile_name(new)

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        warnings = list(tx.snapshot.warnings)
        profile = tx.snapshot.require(old)
        tx.rename(old, new)  # and every source_profile and credential_process naming it
        if graph.keeps_own_keyring_item(profile):
            keys = edit.read_key(old)
            if keys is None:
                warnings.append(f"profile {old!r} had no key in the keyring; {new!r} has none either")
            else:
                edit.keep_key(new, keys)
                edit.release(old)
        return warnings

    warnings, deleted = vault.edit_files(paths, edit_both)
    return warnings + deleted


def sso_source(profile: Profile) -> str | None:
    """Where an SSO profile signs in: ``sso-session NAME``, or a legacy profile's start URL."""
    session = profile.get("sso_session")
    return f"sso-session {session}" if session else profile.get("sso_start_url")


def describe_all(paths: store.Paths, warn: Callable[[list[str]], None]) -> list[dict[str, object]]:
    """``profiles list``: a row for every profile of both files (the files' warnings go to ``warn``)."""
    snapshot = store.load(paths)
    warn(snapshot.warnings)
    return [describe(profile) for profile in snapshot.profiles()]


def describe(profile: Profile) -> dict[str, object]:
    """A row of ``profiles list``: what a person needs to recognise a profile."""
    return {
        "name": profile.name,
        "kind": profile.kind.value,
        "source": profile.source or sso_source(profile),
        "region": profile.get("region"),
        "role_arn": profile.get("role_arn"),
        "files": profile.files,
    }


def shown_value(key: str, value: model.Value) -> model.Value:
    if key in model.SECRET_KEYS:
        return "********"
    if key == model.ACCESS_KEY_ID and isinstance(value, str):
        return model.mask_access_key_id(value)
    return value


def show(paths: store.Paths, name: str, warn: Callable[[list[str]], None]) -> dict[str, object]:
    """``profiles show``: the profile's keys (secrets masked) and the file each is in; for a
    keyring profile, its keyring item and the masked key ID read from it. The files' warnings,
    and what stops the keyring from being read, go to ``warn``."""
    snapshot = store.load(paths)
    warn(snapshot.warnings)
    profile = snapshot.require(name)
    keys: Mapping[str, model.Value] = profile.values
    shown: dict[str, object] = {
        "name": profile.name,
        "kind": profile.kind.value,
        "keys": {
            key: {"value": shown_value(key, value), "file": profile.origins[key]}
            for key, value in keys.items()
        },
    }
    if profile.kind is not Kind.KEYRING:
        return shown
    shown, warnings = _with_keyring_details(paths, profile, shown)
    warn(warnings)
    return shown


def _with_keyring_details(
    paths: store.Paths, profile: Profile, shown: dict[str, object]
) -> tuple[dict[str, object], list[str]]:
    """A keyring profile's item, and the masked key ID read from it. Everything else comes from
    the files, so it is shown even when the keyring cannot be read."""
    target = graph.keyring_item(profile) or profile.name
    user = vault.item_user(paths, target)
    item = f"{vault.SERVICE} / {user}"
    try:
        stored = vault.read_key(paths, target)
    except ProfilesError as error:
        return {**shown, "keyring_item": item}, [f"the keyring cannot be read: {error.message}"]
    if stored is None:
        return {**shown, "keyring_item": item}, [f"the keyring has no {vault.describe_item(user)}"]
    key_id = stored[model.ACCESS_KEY_ID]
    keys = shown["keys"]
    assert isinstance(keys, dict)
    keys = {**keys, model.ACCESS_KEY_ID: {"value": model.mask_access_key_id(key_id), "file": "keyring"}}
    return {**shown, "keys": keys, "keyring_item": item}, []
