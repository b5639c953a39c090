"""Creating, changing, renaming and removing profiles: validation first, then one transaction.

Every function validates all of its input before it takes the lock, so bad input never
reaches the files; all of them return warnings for the CLI to print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from awsprofiles import model, store
from awsprofiles.errors import BadInput, Refused
from awsprofiles.model import Kind, Profile


def _strict(validate: Callable[[str], object]) -> Callable[[str], list[str]]:
    def check(value: str) -> list[str]:
        validate(value)
        return []

    return check


#: Validators for values whose form is known; each raises BadInput or returns warnings.
_VALUE_CHECKS: dict[str, Callable[[str], list[str]]] = {
    "role_arn": _strict(model.validate_role_arn),
    "mfa_serial": _strict(model.validate_mfa_serial),
    "credential_source": _strict(model.validate_credential_source),
    "region": model.region_warnings,
    "aws_access_key_id": model.validate_access_key_id,
}


def check_value(key: str, value: str) -> list[str]:
    model.validate_value(key, value)
    if key == "duration_seconds":
        if not value.isdigit():
            raise BadInput(f"duration_seconds must be a whole number of seconds, not {value!r}")
        model.validate_duration(int(value))
    check = _VALUE_CHECKS.get(key)
    return check(value) if check else []


def _require(snapshot: store.Snapshot, name: str) -> Profile:
    profile = snapshot.profile(name)
    if profile is None:
        raise BadInput(f"no profile named {name!r} (run 'profiles list' to see them)")
    return profile


def source_chain_cycle(snapshot: store.Snapshot, name: str, source: str) -> list[str] | None:
    """The cycle ``name`` -> ``source`` -> ... would close, or None."""
    chain = [name]
    current: str | None = source
    while current is not None:
        if current in chain:
            if current == name == source:
                profile = snapshot.profile(name)
                # botocore allows a profile to be its own source when it holds keys.
                if profile is not None and profile.get(model.ACCESS_KEY_ID):
                    return None
            return [*chain, current]
        chain.append(current)
        profile = snapshot.profile(current)
        current = profile.get("source_profile") if profile else None
    return None


@dataclass(frozen=True)
class UserRequest:
    name: str
    access_key_id: str
    secret_access_key: str
    region: str | None = None
    output: str | None = None
    force: bool = False


def add_user(paths: store.Paths, request: UserRequest) -> list[str]:
    """Create (or with force, update) a profile that holds an IAM user's access key."""
    model.validate_profile_name(request.name)
    warnings = model.validate_access_key_id(request.access_key_id)
    secret = model.validate_secret(request.secret_access_key)
    settings = {"region": request.region, "output": request.output}
    values = {key: value for key, value in settings.items() if value is not None}
    for key, value in values.items():
        warnings += check_value(key, value)

    def edit(tx: store.Transaction) -> list[str]:
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace its keys)")
        tx.set(request.name, model.ACCESS_KEY_ID, request.access_key_id)
        tx.set(request.name, model.SECRET_ACCESS_KEY, secret)
        tx.unset(request.name, model.SESSION_TOKEN)  # a new long-term key has no token
        for key, value in values.items():
            tx.set(request.name, key, value)
        return tx.snapshot.warnings

    return warnings + store.edit_files(paths, edit)


@dataclass(frozen=True)
class RoleRequest:
    name: str
    role_arn: str
    source: str | None = None
    credential_source: str | None = None
    mfa_serial: str | None = None
    external_id: str | None = None
    session_name: str | None = None
    duration: int | None = None
    region: str | None = None
    force: bool = False

    def values(self) -> dict[str, str]:
        settings = {
            "role_arn": self.role_arn,
            "source_profile": self.source,
            "credential_source": self.credential_source,
            "mfa_serial": self.mfa_serial,
            "external_id": self.external_id,
            "role_session_name": self.session_name,
            "duration_seconds": None if self.duration is None else str(self.duration),
            "region": self.region,
        }
        return {key: value for key, value in settings.items() if value is not None}


def validate_role_request(request: RoleRequest, arn_pending: bool = False) -> list[str]:
    """Raise BadInput on anything wrong; ``arn_pending``: role_arn is to be looked up later."""
    model.validate_profile_name(request.name)
    if (request.source is None) == (request.credential_source is None):
        raise BadInput("give exactly one of --source PROFILE or --credential-source SOURCE")
    if request.session_name is not None and not model.SESSION_NAME.match(request.session_name):
        raise BadInput(
            f"session name {request.session_name!r} must be 2-64 characters of letters, digits and +=,.@-"
        )
    warnings: list[str] = []
    for key, value in request.values().items():
        if not (arn_pending and key == "role_arn"):
            warnings += check_value(key, value)
    return warnings


_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


def prepare_role_lookup(
    paths: store.Paths, request: RoleRequest, role_name: str, account: str | None
) -> list[str]:
    """Everything that can be validated before the role's ARN is looked up with AWS."""
    if request.source is None:
        raise BadInput("looking the role up needs --source PROFILE; otherwise give --role-arn")
    if not _ROLE_NAME.match(role_name):
        raise BadInput(f"{role_name!r} is not a role name (1-64 characters of letters, digits and +=,.@-)")
    if account is not None:
        model.validate_account_id(account)
    warnings = validate_role_request(request, arn_pending=not request.role_arn)
    snapshot = store.load(paths)
    if snapshot.profile(request.name) is not None and not request.force:
        raise Refused(f"profile {request.name!r} already exists (use --force to replace it)")
    _require(snapshot, request.source)
    cycle = source_chain_cycle(snapshot, request.name, request.source)
    if cycle:
        raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
    return warnings


def add_role(paths: store.Paths, request: RoleRequest) -> list[str]:
    """Create (or with force, update) a profile that assumes a role."""
    warnings = validate_role_request(request)

    def edit(tx: store.Transaction) -> list[str]:
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace it)")
        if request.source is not None:
            _require(tx.snapshot, request.source)
            cycle = source_chain_cycle(tx.snapshot, request.name, request.source)
            if cycle:
                raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
            tx.unset(request.name, "credential_source")
        else:
            tx.unset(request.name, "source_profile")
        for key, value in request.values().items():
            tx.set(request.name, key, value)
        return tx.snapshot.warnings

    return warnings + store.edit_files(paths, edit)


def get_value(snapshot: store.Snapshot, name: str, key: str) -> str:
    key = model.validate_key_name(key)
    if key in model.SECRET_KEYS:
        raise BadInput(f"{key} is a secret and is never printed; use 'profiles env {name}'")
    value = _require(snapshot, name).values.get(key)
    if value is None:
        raise BadInput(f"profile {name!r} has no {key}")
    if not isinstance(value, str):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    return value


def set_value(paths: store.Paths, name: str, key: str, value: str, create: bool = False) -> list[str]:
    model.validate_profile_name(name)
    key = model.validate_key_name(key)
    if key in model.SECRET_KEYS:
        raise BadInput(f"{key} is a secret and never goes on a command line; use 'profiles add-user'")
    warnings = check_value(key, value)

    def edit(tx: store.Transaction) -> list[str]:
        if not create:
            _require(tx.snapshot, name)
        if key == "source_profile":
            _require(tx.snapshot, value)
            cycle = source_chain_cycle(tx.snapshot, name, value)
            if cycle:
                raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
        tx.set(name, key, value)
        return tx.snapshot.warnings

    return warnings + store.edit_files(paths, edit)


def unset_value(paths: store.Paths, name: str, key: str) -> list[str]:
    key = model.validate_key_name(key)

    def edit(tx: store.Transaction) -> list[str]:
        _require(tx.snapshot, name)
        if not tx.unset(name, key):
            return [*tx.snapshot.warnings, f"profile {name!r} has no {key}; nothing changed"]
        return tx.snapshot.warnings

    return store.edit_files(paths, edit)


def remove(paths: store.Paths, name: str, force: bool = False) -> list[str]:
    def edit(tx: store.Transaction) -> list[str]:
        _require(tx.snapshot, name)
        users = tx.snapshot.referrers(name)
        if users and not force:
            raise Refused(
                f"profile {name!r} is the source_profile of {', '.join(users)}; "
                "remove those first or use --force"
            )
        tx.remove(name)
        return tx.snapshot.warnings

    return store.edit_files(paths, edit)


def rename(paths: store.Paths, old: str, new: str) -> list[str]:
    model.validate_profile_name(new)

    def edit(tx: store.Transaction) -> list[str]:
        _require(tx.snapshot, old)
        tx.rename(old, new)
        return tx.snapshot.warnings

    return store.edit_files(paths, edit)


# --------------------------------------------------------------------------- reading


def describe(profile: Profile) -> dict[str, object]:
    """A row of ``profiles list``: what a person needs to recognise a profile."""
    return {
        "name": profile.name,
        "kind": profile.kind.value,
        "source": profile.source,
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
    profile = _require(snapshot, name)
    keys: Mapping[str, model.Value] = profile.values
    return {
        "name": profile.name,
        "kind": profile.kind.value,
        "keys": {
            key: {"value": shown_value(key, value), "file": profile.origins[key]}
            for key, value in keys.items()
        },
    }


__all__ = [
    "Kind",
    "RoleRequest",
    "UserRequest",
    "add_role",
    "add_user",
    "describe",
    "get_value",
    "prepare_role_lookup",
    "remove",
    "rename",
    "set_value",
    "show",
    "unset_value",
]
