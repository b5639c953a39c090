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
    "sso_region": model.region_warnings,
    "sso_start_url": _strict(model.validate_start_url),
    "sso_account_id": _strict(model.validate_account_id),
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
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace its keys)")
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
    return warnings


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
            tx.unset(request.name, "credential_source")
        else:
            tx.unset(request.name, "source_profile")
        for key, value in request.values().items():
            tx.set(request.name, key, value)
    return warnings


# --------------------------------------------------------------------------- IAM Identity Center

#: What an [sso-session] made by profiles registers for: refreshable tokens for account access.
SSO_SCOPES = "sso:account:access"
#: Keys that would make botocore use another provider before SSO, removed by add-sso --force.
_OTHER_CREDENTIAL_KEYS = (
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "credential_process",
    model.ACCESS_KEY_ID,
    model.SECRET_ACCESS_KEY,
    model.SESSION_TOKEN,
)
_LEGACY_SSO_KEYS = ("sso_start_url", "sso_region")


@dataclass(frozen=True)
class SsoRequest:
    name: str
    start_url: str
    sso_region: str
    account_id: str
    role_name: str
    session: str | None = None
    region: str | None = None
    force: bool = False


@dataclass(frozen=True)
class SsoWritten:
    """What add-sso or --upgrade did: the session each profile now uses, and whether it is new."""

    profiles: list[tuple[str, str]]
    created_sessions: list[str]
    warnings: list[str]


def _same_url(first: str, second: str) -> bool:
    # https://x.awsapps.com/start, .../start/ and .../start/#/ name the same portal.
    return first.rstrip("/#") == second.rstrip("/#")


def session_name_for_url(start_url: str) -> str:
    """A session name from the portal's host: ``acme`` for https://acme.awsapps.com/start."""
    host = start_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    first = host.split(".", 1)[0]
    name = re.sub(r"[^\w.-]", "-", first).strip("-.")
    return name or "sso"


def choose_sso_session(
    sessions: Mapping[str, Mapping[str, model.Value]],
    start_url: str,
    sso_region: str,
    wanted: str | None = None,
) -> tuple[str, bool]:
    """The sso-session for ``start_url``: (its name, whether it must be created).

    ``wanted`` names it; otherwise an existing session for the same URL is reused, else one is
    named after the portal's host (``acme``; ``acme-2`` when that name is taken by another URL).
    """

    def check_region(name: str) -> None:
        region = sessions[name].get("sso_region")
        if region != sso_region:
            raise BadInput(
                f"sso-session {name!r} is for {start_url} in region {region!r}, not {sso_region!r}; "
                "a portal lives in one region: check --sso-region"
            )

    if wanted is not None:
        model.validate_sso_session_name(wanted)
        if wanted not in sessions:
            return wanted, True
        existing = sessions[wanted].get("sso_start_url")
        if not isinstance(existing, str) or not _same_url(existing, start_url):
            raise Refused(
                f"sso-session {wanted!r} exists for another start URL ({existing}); choose another --session"
            )
        check_region(wanted)
        return wanted, False
    for name, values in sessions.items():
        existing = values.get("sso_start_url")
        if isinstance(existing, str) and _same_url(existing, start_url):
            check_region(name)
            return name, False
    base = session_name_for_url(start_url)
    name, number = base, 1
    while name in sessions:
        number += 1
        name = f"{base}-{number}"
    return name, True


SSO_SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")


def write_sso_session(tx: store.Transaction, name: str, start_url: str, sso_region: str) -> None:
    for key, value in zip(SSO_SESSION_KEYS, (start_url, sso_region, SSO_SCOPES), strict=True):
        tx.set_sso_session(name, key, value)


def not_sso_keys(profile: Profile) -> list[str]:
    """Keys of ``profile`` that would keep it from being the SSO profile of an sso-session."""
    return [key for key in (*_OTHER_CREDENTIAL_KEYS, *_LEGACY_SSO_KEYS) if key in profile.values]


def validate_sso_request(request: SsoRequest) -> list[str]:
    model.validate_profile_name(request.name)
    model.validate_start_url(request.start_url)
    model.validate_account_id(request.account_id)
    model.validate_sso_role_name(request.role_name)
    if request.session is not None:
        model.validate_sso_session_name(request.session)
    warnings = check_value("sso_region", request.sso_region)
    if request.region is not None:
        warnings += check_value("region", request.region)
    return warnings


def add_sso(paths: store.Paths, request: SsoRequest) -> SsoWritten:
    """Write ``[sso-session]`` (reused for the same start URL) and an SSO profile, as CLI v2 does."""
    warnings = validate_sso_request(request)
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace it)")
        session, create = choose_sso_session(
            tx.snapshot.sso_sessions(), request.start_url, request.sso_region, request.session
        )
        if create:
            write_sso_session(tx, session, request.start_url, request.sso_region)
        removed = [key for key in (*_OTHER_CREDENTIAL_KEYS, *_LEGACY_SSO_KEYS) if tx.unset(request.name, key)]
        if removed:
            warnings.append(f"removed {', '.join(removed)} from profile {request.name!r}: it now uses SSO")
        tx.set(request.name, "sso_session", session)
        tx.set(request.name, "sso_account_id", request.account_id)
        tx.set(request.name, "sso_role_name", request.role_name)
        if request.region is not None:
            tx.set(request.name, "region", request.region)
    return SsoWritten([(request.name, session)], [session] if create else [], warnings)


def legacy_sso_profiles(snapshot: store.Snapshot) -> list[Profile]:
    """Profiles in the legacy SSO format: sso_start_url on the profile, no sso_session."""
    return [p for p in snapshot.profiles() if p.get("sso_start_url") and not p.get("sso_session")]


def upgrade_sso(paths: store.Paths, names: list[str] | None = None, session: str | None = None) -> SsoWritten:
    """Move legacy SSO profiles (all of them, or ``names``) to the sso-session format, in one write."""
    if session is not None:
        model.validate_sso_session_name(session)
    done: list[tuple[str, str]] = []
    created: list[str] = []
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        legacy = {profile.name: profile for profile in legacy_sso_profiles(tx.snapshot)}
        for name in names or []:
            profile = _require(tx.snapshot, name)
            if name not in legacy:
                if profile.get("sso_session"):
                    warnings.append(
                        f"profile {name!r} already uses sso-session {profile.get('sso_session')!r}"
                    )
                else:
                    raise BadInput(f"profile {name!r} is a {profile.kind.value} profile, not an SSO profile")
        chosen = [legacy[name] for name in names if name in legacy] if names else list(legacy.values())
        sessions = {key: dict(values) for key, values in tx.snapshot.sso_sessions().items()}
        for profile in chosen:
            start_url, sso_region = profile.get("sso_start_url"), profile.get("sso_region")
            if not start_url or not sso_region:
                raise BadInput(f"profile {profile.name!r} has sso_start_url but no sso_region; add it first")
            name, create = choose_sso_session(sessions, start_url, sso_region, session)
            if create:
                write_sso_session(tx, name, start_url, sso_region)
                sessions[name] = {"sso_start_url": start_url, "sso_region": sso_region}
                created.append(name)
            for key in _LEGACY_SSO_KEYS:
                tx.unset(profile.name, key)
            tx.set(profile.name, "sso_session", name)
            done.append((profile.name, name))
    return SsoWritten(done, created, warnings)


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
    with store.transaction(paths) as tx:
        warnings += tx.snapshot.warnings
        if not create:
            _require(tx.snapshot, name)
        if key == "source_profile":
            _require(tx.snapshot, value)
            cycle = source_chain_cycle(tx.snapshot, name, value)
            if cycle:
                raise BadInput(f"source_profile would form a cycle: {' -> '.join(cycle)}")
        tx.set(name, key, value)
    return warnings


def unset_value(paths: store.Paths, name: str, key: str) -> list[str]:
    key = model.validate_key_name(key)
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        _require(tx.snapshot, name)
        if not tx.unset(name, key):
            warnings.append(f"profile {name!r} has no {key}; nothing changed")
    return warnings


def remove(paths: store.Paths, name: str, force: bool = False) -> list[str]:
    with store.transaction(paths) as tx:
        warnings = list(tx.snapshot.warnings)
        _require(tx.snapshot, name)
        users = tx.snapshot.referrers(name)
        if users and not force:
            raise Refused(
                f"profile {name!r} is the source_profile of {', '.join(users)}; "
                "remove those first or use --force"
            )
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
