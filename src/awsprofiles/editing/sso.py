"""IAM Identity Center profiles (add-sso) and their ``[sso-session]`` sections, and the upgrade of
legacy SSO profiles to that format."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from awsprofiles import model, store
from awsprofiles.editing.common import check_value
from awsprofiles.errors import BadInput, Refused
from awsprofiles.model import Kind, Profile

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
            profile = tx.snapshot.require(name)
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
