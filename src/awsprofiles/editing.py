"""Creating, changing, renaming and removing profiles: validation first, then one transaction.

Every function validates all of its input before it takes the lock, so bad input never
reaches the files; all of them return warnings for the CLI to print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from awsprofiles import model, store
from awsprofiles.aws import regions
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
    "region": regions.region_warnings,
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


def _require(snapshot: store.Snapshot, name: str, tip: str = "") -> Profile:
    profile = snapshot.profile(name)
    if profile is None:
        raise model.no_such_profile(name, snapshot.names(), tip)
    return profile


#: How each kind of profile gets its credentials, for a refusal that names it.
_KIND_WORDS = {
    Kind.KEYS: "holds an access key",
    Kind.ROLE: "assumes a role (role_arn)",
    Kind.WEB_IDENTITY: "assumes a role with a web identity token",
    Kind.SSO: "signs in with IAM Identity Center (sso_*)",
    Kind.PROCESS: "gets its credentials from a credential_process",
}


def _refuse_second_kind(snapshot: store.Snapshot, name: str, adding: Kind, fix: str) -> None:
    """add-user --force on a role (add-role on a keys profile...) would leave two kinds of credentials,
    of which botocore uses one and silently ignores the other: refuse and say how to convert."""
    profile = snapshot.profile(name)
    others = [kind for kind in profile.credential_kinds if kind is not adding] if profile else []
    if profile is None or not others:
        return
    # botocore's order of providers decides which of the two it would use.
    marker = model.ACCESS_KEY_ID if adding is Kind.KEYS else "role_arn"
    used = model.kind_of({**profile.values, marker: ""})
    ignored = adding if used is not adding else others[0]
    raise Refused(
        f"profile {name!r} {_KIND_WORDS[others[0]]}; with {model.KIND_NOUNS[adding]} added, botocore "
        f"would use {model.KIND_NOUNS[used]} and ignore {model.KIND_NOUNS[ignored]}. {fix}To turn "
        f"{name!r} into a {adding.value} profile, remove it first ('profiles remove {name}') and "
        "add it again"
    )


def _half_pair(remaining: set[str]) -> str | None:
    """The key left without its partner when only one of the pair remains, else None."""
    pair = {model.ACCESS_KEY_ID, model.SECRET_ACCESS_KEY}
    left = remaining & pair
    return next(iter(left)) if len(left) == 1 else None


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
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace its keys)")
        holder = model.key_holder(request.name, tx.snapshot.profile)
        fix = (
            f"If its source's key is what changed, replace it there: 'profiles add-user {holder} --force'. "
            if holder not in (None, request.name)
            else ""
        )
        _refuse_second_kind(tx.snapshot, request.name, Kind.KEYS, fix)
        tx.set(request.name, model.ACCESS_KEY_ID, request.access_key_id)
        tx.set(request.name, model.SECRET_ACCESS_KEY, secret)
        tx.unset(request.name, model.SESSION_TOKEN)  # a new long-term key has no token
        for key, value in values.items():
            tx.set(request.name, key, value)
    return warnings


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
    _refuse_role_over_other_kind(snapshot, request)
    return warnings


def _refuse_role_over_other_kind(snapshot: store.Snapshot, request: RoleRequest) -> None:
    if request.source != request.name:  # a role that is its own source uses its own keys
        fix = (
            "To assume a role with its credentials, give the role a name of its own: "
            f"'profiles add-role NAME --source {request.name} ...'. "
        )
        _refuse_second_kind(snapshot, request.name, Kind.ROLE, fix)


def add_role(paths: store.Paths, request: RoleRequest) -> list[str]:
    """Create (or with force, update) a profile that assumes a role."""
    warnings = validate_role_request(request)
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace it)")
        if request.source is not None:
            _require(tx.snapshot, request.source)
            cycle = source_chain_cycle(tx.snapshot, request.name, request.source)
            if cycle:
                raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
        _refuse_role_over_other_kind(tx.snapshot, request)
        if request.source is not None:
            tx.unset(request.name, "credential_source")
        else:
            tx.unset(request.name, "source_profile")
        for key, value in request.values().items():
            tx.set(request.name, key, value)
    return warnings


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


def _known_key_warnings(key: str, force: bool) -> list[str]:
    """A key botocore and the AWS CLI do not read is almost always a typo: refused unless forced."""
    if key in model.KNOWN_KEYS:
        return []
    meant = model.suggest_key(key)
    hint = f"; did you mean {meant!r}?" if meant else ""
    problem = f"key {key!r} is not one botocore or the AWS CLI reads, so they would ignore it{hint}"
    if not force:
        raise BadInput(f"{problem} (use --force to write it anyway)")
    return [problem]


def set_value(
    paths: store.Paths, name: str, key: str, value: str, create: bool = False, force: bool = False
) -> list[str]:
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
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        profile = tx.snapshot.profile(name)
        if not create:
            _require(tx.snapshot, name, f"'profiles set {name} {key} VALUE --create' makes it")
        if key == "source_profile":
            _require(tx.snapshot, value)
            cycle = source_chain_cycle(tx.snapshot, name, value)
            if cycle:
                raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
        before = set(profile.values) if profile else set()
        if not force and _half_pair(before | {key}) and not _half_pair(before):
            raise Refused(
                f"setting {key} alone would leave half a key pair in profile {name!r}, which botocore "
                f"cannot use; give the whole key with 'profiles add-user {name} --force' (or use --force)"
            )
        tx.set(name, key, value)
    return warnings


def unset_value(paths: store.Paths, name: str, *keys: str, force: bool = False) -> list[str]:
    """Remove ``keys`` from the profile; refused when that leaves half a key pair, unless forced."""
    keys = tuple(dict.fromkeys(model.validate_key_name(key) for key in keys))
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        profile = _require(tx.snapshot, name)
        left = _half_pair(set(profile.values) - set(keys))
        if left and not force and not _half_pair(set(profile.values)):
            other = model.ACCESS_KEY_ID if left == model.SECRET_ACCESS_KEY else model.SECRET_ACCESS_KEY
            raise Refused(
                f"this would leave {left} without its {other} in profile {name!r}: botocore cannot use "
                f"half a key pair; remove both with 'profiles unset {name} {model.ACCESS_KEY_ID} "
                f"{model.SECRET_ACCESS_KEY}' (or use --force)"
            )
        for key in keys:
            if not tx.unset(name, key):
                warnings.append(f"profile {name!r} has no {key}; nothing changed")
    return warnings


def remove(paths: store.Paths, name: str, force: bool = False) -> list[str]:
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        _require(tx.snapshot, name)
        uses = []
        if users := tx.snapshot.referrers(name):
            uses.append(f"the source_profile of {', '.join(users)}")
        if runners := tx.snapshot.process_referrers(name):
            uses.append(f"run by the credential_process of {', '.join(runners)}")
        if uses and not force:
            raise Refused(f"profile {name!r} is {' and '.join(uses)}; remove those first or use --force")
        tx.remove(name)
    return warnings


def rename(paths: store.Paths, old: str, new: str) -> list[str]:
    model.validate_profile_name(new)
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        _require(tx.snapshot, old)
        tx.rename(old, new)
    return warnings


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
