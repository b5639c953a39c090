"""Any profile as a whole: remove, rename, and what list and show print of it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from awsprofiles import model, store
from awsprofiles.editing.common import require
from awsprofiles.editing.users import keeps_own_keyring_item
from awsprofiles.errors import Refused
from awsprofiles.model import Profile


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
    from awsprofiles import vault

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        profile = require(tx.snapshot, name)
        uses = needed_by(tx.snapshot, name)
        if uses and not force:
            raise Refused(f"profile {name!r} is {' and '.join(uses)}; remove those first or use --force")
        tx.remove(name)
        if keeps_own_keyring_item(profile):
            edit.delete_after(name)  # only once the files no longer point at it
        return tx.snapshot.warnings

    warnings, deleted = vault.edit_files(paths, edit_both)
    return warnings + deleted


def rename(paths: store.Paths, old: str, new: str) -> list[str]:
    """Rename in both files, in every source_profile and credential_process naming it, and in the keyring."""
    from awsprofiles import vault

    model.validate_profile_name(new)

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        warnings = list(tx.snapshot.warnings)
        profile = require(tx.snapshot, old)
        tx.rename(old, new)  # and every source_profile and credential_process naming it
        if keeps_own_keyring_item(profile):
            keys = edit.read_key(old)
            if keys is None:
                warnings.append(f"profile {old!r} had no key in the keyring; {new!r} has none either")
            else:
                edit.put_key(new, keys)
                edit.delete_after(old)
        return warnings

    warnings, deleted = vault.edit_files(paths, edit_both)
    return warnings + deleted


def sso_source(profile: Profile) -> str | None:
    """Where an SSO profile signs in: ``sso-session NAME``, or a legacy profile's start URL."""
    session = profile.get("sso_session")
    return f"sso-session {session}" if session else profile.get("sso_start_url")


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


def show(snapshot: store.Snapshot, name: str) -> dict[str, object]:
    profile = require(snapshot, name)
    keys: Mapping[str, model.Value] = profile.values
    return {
        "name": profile.name,
        "kind": profile.kind.value,
        "keys": {
            key: {"value": shown_value(key, value), "file": profile.origins[key]}
            for key, value in keys.items()
        },
    }
