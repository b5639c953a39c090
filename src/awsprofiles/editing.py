"""Creating, changing, renaming and removing profiles: validation first, then one transaction.

Every function validates all of its input before it takes the lock, so bad input never
reaches the files; all of them return warnings for the CLI to print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
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
    "sso_region": regions.region_warnings,
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
    #: Keep the key in the OS keyring; the files get a credential_process instead.
    keyring: bool = False
    mfa_serial: str | None = None


def keeps_own_keyring_item(profile: Profile | None) -> bool:
    """Whether ``profile``'s keys are in its own keyring item (its credential_process names itself)."""
    if profile is None or profile.kind is not Kind.KEYRING:
        return False
    command = profile.get("credential_process")
    return command is not None and model.profiles_process_target(command) == profile.name


def add_user(paths: store.Paths, request: UserRequest) -> list[str]:
    """Create (or with force, update) a profile that holds an IAM user's access key.

    With ``keyring``, the key goes to the OS keyring (written and read back first) and the
    files get ``credential_process = profiles credential-process NAME --from-keyring``.
    """
    from awsprofiles import vault

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
        from awsprofiles.protect import credential_process_line

        command, found = credential_process_line(paths, request.name)
        warnings += found

    def edit_both(edit: vault.Edit) -> list[str]:
        tx = edit.tx
        existing = tx.snapshot.profile(request.name)
        if existing is not None and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace its keys)")
        if not keeps_own_keyring_item(existing):
            holder = model.key_holder(request.name, tx.snapshot.profile)
            fix = (
                "If its source's key is what changed, replace it there: "
                f"'profiles add-user {holder} --force'. "
                if holder not in (None, request.name)
                else ""
            )
            _refuse_second_kind(tx.snapshot, request.name, Kind.KEYS, fix)
        if request.keyring:
            edit.put_key(request.name, keys)
            edit.delete_after(request.name, key=False)  # a session of the old key
            for key in vault.ITEM_KEYS:
                tx.unset(request.name, key)
            tx.drop_empty_credentials(request.name)
        else:
            for key, value in keys.items():
                tx.set(request.name, key, value)
            for token in model.TOKEN_KEYS:  # a new long-term key has no token
                tx.unset(request.name, token)
            if keeps_own_keyring_item(existing):
                tx.unset(request.name, "credential_process")
                edit.delete_after(request.name)
        for key, value in values.items():
            tx.set(request.name, key, value)
        if request.keyring:
            # Last, so that 'unprotect' then 'protect' gives back the same bytes.
            tx.set(request.name, "credential_process", command)
        return tx.snapshot.warnings

    found, deleted = vault.edit_files(paths, edit_both)
    return warnings + found + deleted


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


def prepare_role_lookup(
    paths: store.Paths, request: RoleRequest, role_name: str, account: str | None
) -> list[str]:
    """Everything that can be validated before the role's ARN is looked up with AWS."""
    if request.source is None:
        raise BadInput("looking the role up needs --source PROFILE; otherwise give --role-arn")
    model.validate_role_name(role_name)
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


def add_role(paths: store.Paths, request: RoleRequest) -> tuple[list[str], str | None]:
    """Create (or with force, update) a profile that assumes a role: the warnings, and a note
    when its source keeps an MFA session in the keyring (`source_mfa_note`)."""
    warnings = validate_role_request(request)
    notes: list[str | None] = []

    def edit(tx: store.Transaction) -> list[str]:
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
        notes[:] = [source_mfa_note(tx.snapshot, request)]  # the last attempt's (see edit_files)
        return tx.snapshot.warnings

    warnings += store.edit_files(paths, edit)
    return warnings, notes[0]


def starts_mfa_session(source: Profile | None) -> bool:
    """Whether ``source`` (a keyring profile with mfa_serial) serves MFA-authenticated credentials:
    a role over it needs no mfa_serial of its own, which would ask for a second code."""
    return source is not None and source.kind is Kind.KEYRING and source.get("mfa_serial") is not None


def source_mfa_note(snapshot: store.Snapshot, request: RoleRequest) -> str | None:
    """What add-role says when the source keeps an MFA session in the keyring."""
    source = snapshot.profile(request.source) if request.source else None
    if source is None or not starts_mfa_session(source):
        return None
    note = (
        f"source {source.name!r} starts an MFA session (keyring, STS GetSessionToken) with one code: "
        f"{request.name!r} is assumed with MFA-authenticated credentials and needs no mfa_serial"
    )
    if request.mfa_serial:
        note += "; with its own mfa_serial it asks for a second code ('profiles unset NAME mfa_serial')"
    return note


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
    *model.KIND_KEYS[Kind.KEYS],
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
    validated = validate_sso_request(request)

    def edit(tx: store.Transaction) -> SsoWritten:
        warnings = validated + tx.snapshot.warnings
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

    return store.edit_files(paths, edit)


def legacy_sso_profiles(snapshot: store.Snapshot) -> list[Profile]:
    """Profiles in the legacy SSO format: sso_start_url on the profile, no sso_session."""
    return [p for p in snapshot.profiles() if p.get("sso_start_url") and not p.get("sso_session")]


def upgrade_sso(paths: store.Paths, names: list[str] | None = None, session: str | None = None) -> SsoWritten:
    """Move legacy SSO profiles (all of them, or ``names``) to the sso-session format, in one write."""
    if session is not None:
        model.validate_sso_session_name(session)

    def edit(tx: store.Transaction) -> SsoWritten:
        done: list[tuple[str, str]] = []
        created: list[str] = []
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

    return store.edit_files(paths, edit)


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

    def edit(tx: store.Transaction) -> list[str]:
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
        return tx.snapshot.warnings

    return warnings + store.edit_files(paths, edit)


def unset_value(paths: store.Paths, name: str, *keys: str, force: bool = False) -> list[str]:
    """Remove ``keys`` from the profile; refused when that leaves half a key pair, unless forced."""
    keys = tuple(dict.fromkeys(model.validate_key_name(key) for key in keys))

    def edit(tx: store.Transaction) -> list[str]:
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

    return store.edit_files(paths, edit)


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
        profile = _require(tx.snapshot, name)
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
        profile = _require(tx.snapshot, old)
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
