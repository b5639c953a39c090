"""One setting of any profile: get, set, unset (profiles get/set/unset)."""

from __future__ import annotations

from awsprofiles import model, store
from awsprofiles.editing.common import check_value, half_pair, refuse_source_cycle
from awsprofiles.errors import BadInput, Refused


def get_value(paths: store.Paths, name: str, key: str) -> str:
    """``profiles get``: one setting of a profile, never a secret."""
    snapshot = store.load(paths)
    key = model.validate_key_name(key)
    if key in model.SECRET_KEYS:
        raise BadInput(f"{key} is a secret and is never printed; use 'profiles env {name}'")
    values = snapshot.require(name).values
    value = values.get(key)
    if value is None:
        raise BadInput(f"profile {name!r} has no {key}{model.did_you_mean_key(key, values)}")
    if not isinstance(value, str):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    return value


def _known_key_warnings(key: str, force: bool) -> list[str]:
    """A key botocore and the AWS CLI do not read is almost always a typo: refused unless forced."""
    if key in model.KNOWN_KEYS:
        return []
    hint = model.did_you_mean_key(key)
    problem = f"key {key!r} is not one botocore or the AWS CLI reads, so they would ignore it{hint}"
    if not force:
        raise BadInput(f"{problem} (use --force to write it anyway)")
    return [problem]


def set_value(
    paths: store.Paths, name: str, key: str, value: str, create: bool = False, force: bool = False
) -> tuple[list[str], str]:
    """Set ``key`` of the profile; returns the warnings and what was done, for its confirmation
    (``created: region = eu-west-1``, ``updated: ...``, ``unchanged: ... already``)."""
    model.validate_profile_name(name)
    key = model.validate_key_name(key)
    if key in model.SECRET_KEYS:
        raise BadInput(f"{key} is a secret and never goes on a command line; use 'profiles add-user'")
    warnings = _known_key_warnings(key, force)
    if not value and not force:
        raise BadInput(
            f"an empty value does not remove {key}: botocore would read it as an empty {key}; to remove "
            f"it, run 'profiles unset {name} {key}' (or use --force to write it empty)"
        )
    warnings += check_value(key, value)

    def edit(tx: store.Transaction) -> tuple[list[str], str]:
        profile = tx.snapshot.profile(name)
        if not create:
            tx.snapshot.require(name, f"'profiles set {name} {key} VALUE --create' makes it")
        if key == "source_profile":
            tx.snapshot.require(value)
            refuse_source_cycle(tx.snapshot, name, value)
        before = set(profile.values) if profile else set()
        if not force and half_pair(before | {key}) and not half_pair(before):
            raise Refused(
                f"setting {key} alone would leave half a key pair in profile {name!r}, which botocore "
                f"cannot use; give the whole key with 'profiles add-user {name} --force' (or use --force)"
            )
        tx.set(name, key, value)
        if profile is None:
            return tx.snapshot.warnings, f"created: {key} = {value}"
        if profile.values.get(key) == value:
            return tx.snapshot.warnings, f"unchanged: {key} = {value} already"
        return tx.snapshot.warnings, f"updated: {key} = {value}"

    edited, done = store.edit_files(paths, edit)
    return warnings + edited, done


def unset_value(paths: store.Paths, name: str, *keys: str, force: bool = False) -> tuple[list[str], str]:
    """Remove ``keys`` from the profile; refused when that leaves half a key pair, unless forced.

    Returns the warnings (a key the profile does not have among them) and what was done, for its
    confirmation: the keys removed, or unchanged.
    """
    keys = tuple(dict.fromkeys(model.validate_key_name(key) for key in keys))

    def edit(tx: store.Transaction) -> tuple[list[str], str]:
        warnings = list(tx.snapshot.warnings)
        profile = tx.snapshot.require(name)
        left = half_pair(set(profile.values) - set(keys))
        if left and not force and not half_pair(set(profile.values)):
            other = model.ACCESS_KEY_ID if left == model.SECRET_ACCESS_KEY else model.SECRET_ACCESS_KEY
            raise Refused(
                f"this would leave {left} without its {other} in profile {name!r}: botocore cannot use "
                f"half a key pair; remove both with 'profiles unset {name} {model.ACCESS_KEY_ID} "
                f"{model.SECRET_ACCESS_KEY}' (or use --force)"
            )
        values = dict(profile.values)
        removed = [key for key in keys if tx.unset(name, key)]
        warnings.extend(
            f"profile {name!r} has no {key}{model.did_you_mean_key(key, values)}"
            for key in keys
            if key not in removed
        )
        return warnings, f"updated: {', '.join(removed)} removed" if removed else "unchanged"

    return store.edit_files(paths, edit)
