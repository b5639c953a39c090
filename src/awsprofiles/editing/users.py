"""Profiles that hold an IAM user's access key (add-user), in the files or in the keyring."""

from __future__ import annotations

from dataclasses import dataclass

from awsprofiles import graph, model, store, vault
from awsprofiles.editing.common import check_value, refuse_second_kind
from awsprofiles.errors import BadInput, Refused
from awsprofiles.model import Kind


@dataclass(frozen=True)
class UserRequest:
    name: str
    access_key_id: str
    secret_access_key: str
    region: str | None = None
    output: str | None = None
    force: bool = False
    #: Keep the key in the OS keyring; the files get a credential_process instead.
    keyring: bool = False
    mfa_serial: str | None = None


def add_user(paths: store.Paths, request: UserRequest) -> list[str]:
    """Create (or with force, update) a profile that holds an IAM user's access key.

    With ``keyring``, the key goes to the OS keyring (written and read back first) and the
    files get ``credential_process = profiles credential-process NAME --from-keyring``.
    """
    model.validate_profile_name(request.name)
    warnings = model.validate_access_key_id(request.access_key_id)
    secret = model.validate_secret(request.secret_access_key)
    if request.mfa_serial is not None and not request.keyring:
        raise BadInput("--mfa-serial needs --keyring: the MFA session is kept in the keyring")
    settings = {"region": request.region, "output": request.output, "mfa_serial": request.mfa_serial}
    values = {key: value for key, value in settings.items() if value is not None}
    for key, value in values.items():
        warnings += check_value(key, value)
    keys = {model.ACCESS_KEY_ID: request.access_key_id, model.SECRET_ACCESS_KEY: secret}
    if request.keyring:
        command, found = vault.credential_process_line(paths, request.name)
        warnings += found

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        existing = tx.snapshot.profile(request.name)
        if existing is not None and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace its keys)")
        if not graph.keeps_own_keyring_item(existing):
            holder = graph.key_holder(tx.snapshot, request.name)
            fix = (
                "If its source's key is what changed, replace it there: "
                f"'profiles add-user {holder} --force'. "
                if holder not in (None, request.name)
                else ""
            )
            refuse_second_kind(tx.snapshot, request.name, Kind.KEYS, fix)
        if request.keyring:
            edit.keep_key(request.name, keys)
        else:
            if graph.keeps_own_keyring_item(existing):
                edit.release(request.name)
            vault.to_files(tx, request.name, keys)
        for key, value in values.items():
            tx.set(request.name, key, value)
        if request.keyring:
            vault.to_keyring(tx, request.name, command)  # after the values, as protect would write it
        return tx.snapshot.warnings

    found, deleted = vault.edit_files(paths, edit_both)
    return warnings + found + deleted
