"""``profiles login`` and ``profiles logout``: which IAM Identity Center session, and its token.

The session comes from the files (a profile's ``sso_session``, a legacy profile's own
``sso_start_url``, or ``--sso-session``); the sign-in itself and the token cache are
`awsprofiles.aws.sso`'s. Logging out removes the session's token (revoked at AWS first, as
``aws sso logout`` does) and the role credentials botocore cached with it in ``~/.aws/cli/cache``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from awsprofiles import graph, store
from awsprofiles.aws import sso
from awsprofiles.errors import BadInput
from awsprofiles.model import Kind, Profile

#: What the CLI shows of a sign-in: the device authorization to approve, and times as the
#: token cache writes them.
Authorization = sso.Authorization
format_time = sso.format_time


def session_of_section(snapshot: store.Snapshot, name: str, named_by: str | None = None) -> sso.SsoSession:
    """The ``[sso-session NAME]`` botocore reads (the last section of that name, whatever its
    spelling); ``named_by`` says what names it, for the error when there is none."""
    sessions = snapshot.sso_sessions()
    if name not in sessions:
        known = ", ".join(sorted(sessions)) or "none"
        missing = (
            f"{named_by} names no [sso-session {name}] in {snapshot.config.path}"
            if named_by
            else f"{snapshot.config.path} has no [sso-session {name}]"
        )
        raise BadInput(
            f"{missing} (sessions: {known}); add it with 'profiles add-sso' (or 'aws configure sso')"
        )
    try:
        return sso.session_from_config(name, sessions[name])
    except KeyError as missing:
        raise BadInput(
            f"[sso-session {name}] has no {missing.args[0]}; it needs sso_start_url and sso_region "
            "(profiles add-sso writes both)"
        ) from None


def sso_profile_of(snapshot: store.Snapshot, name: str) -> Profile:
    """``name`` itself if it is an SSO profile, else the SSO profile its chain ends at (`graph.chain`)."""
    profile = snapshot.require(name)
    if profile.kind is Kind.SSO:
        return profile
    end = graph.chain(snapshot, name).end
    found = snapshot.profile(end) if end is not None else None
    if found is None or found.kind is not Kind.SSO:
        raise BadInput(
            f"profile {name!r} does not use IAM Identity Center (it is a {profile.kind.value} profile); "
            "'profiles add-sso' makes one"
        )
    return found


def session_of_profile(snapshot: store.Snapshot, name: str) -> sso.SsoSession:
    """The session ``name`` signs in with: its own, or that of the SSO profile its chain ends at."""
    return session_of_sso_profile(snapshot, sso_profile_of(snapshot, name))


def session_of_sso_profile(snapshot: store.Snapshot, profile: Profile) -> sso.SsoSession:
    """The session an SSO profile signs in with: the ``[sso-session]`` its ``sso_session`` names,
    else (a legacy profile) its own ``sso_start_url`` and ``sso_region``."""
    session = profile.get("sso_session")
    if session is not None:
        return session_of_section(snapshot, session, f"sso_session {session!r}")
    try:
        return sso.legacy_session(profile.values)
    except KeyError as missing:
        raise BadInput(
            f"profile {profile.name!r}: it has no {missing.args[0]} (nor an sso_session); add it first"
        ) from None


def find_session(snapshot: store.Snapshot, profile: str | None, sso_session: str | None) -> sso.SsoSession:
    """The session to sign in to: a profile's, a named one, or the only one the config has."""
    if profile is not None and sso_session is not None:
        raise BadInput("give a profile or --sso-session, not both")
    if sso_session is not None:
        return session_of_section(snapshot, sso_session)
    if profile is not None:
        return session_of_profile(snapshot, profile)
    sessions = sorted(snapshot.sso_sessions())
    legacy = sorted(
        {p.get("sso_start_url") or "" for p in snapshot.profiles() if not p.get("sso_session")} - {""}
    )
    if len(sessions) == 1 and not legacy:
        return session_of_section(snapshot, sessions[0])
    if not sessions and len(legacy) == 1:
        first = next(p for p in snapshot.profiles() if p.get("sso_start_url") == legacy[0])
        return session_of_profile(snapshot, first.name)
    if not sessions and not legacy:
        raise BadInput("no profile uses IAM Identity Center; add one with 'profiles add-sso'")
    choices = ", ".join([*sessions, *legacy])
    raise BadInput(f"name a profile or --sso-session: the config has several ({choices})")


def profiles_of(snapshot: store.Snapshot, session: sso.SsoSession) -> list[Profile]:
    """The SSO profiles that sign in with ``session``."""
    found = []
    for profile in snapshot.profiles():
        if session.name is not None:
            if profile.get("sso_session") == session.name:
                found.append(profile)
        elif not profile.get("sso_session") and profile.get("sso_start_url") == session.start_url:
            found.append(profile)
    return found


def sign_in(
    paths: store.Paths,
    on_pending: Callable[[sso.Authorization], None],
    *,
    profile: str | None = None,
    sso_session: str | None = None,
    force: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> tuple[sso.SsoSession, sso.SignedIn]:
    snapshot = store.load(paths)
    session = find_session(snapshot, profile, sso_session)
    return session, sso.login(session, on_pending, paths=paths, force=force, sleep=sleep)


@dataclass(frozen=True)
class SignedOut:
    sessions: list[str]  # labels of the sessions whose token was removed
    role_credentials: int  # cached role credentials removed


def _remove_role_credentials(keys: list[str] | None) -> int:
    """SSO role credentials in the AWS CLI's cache: those named by ``keys``, or all (None)."""
    from awsprofiles.aws.caches import cli_cache_dir, read_cache_document

    folder = Path(cli_cache_dir())
    if not folder.is_dir():
        return 0
    candidates = (
        [folder / f"{key}.json" for key in keys] if keys is not None else sorted(folder.glob("*.json"))
    )
    removed = 0
    for path in candidates:
        document = read_cache_document(path)
        # The CLI v2's own rule (SSOCredentialSweeper): only what the SSO provider cached.
        if document is not None and document.get("ProviderType") == "sso":
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
    return removed


def sign_out(paths: store.Paths, *, profile: str | None = None, sso_session: str | None = None) -> SignedOut:
    """Remove one session's token (with a profile or --sso-session), or every SSO token."""
    if profile is None and sso_session is None:
        labels = []
        for path, token in sso.cached_tokens():
            sso.revoke(token, paths)
            path.unlink(missing_ok=True)
            labels.append(token.start_url or path.name)
        return SignedOut(labels, _remove_role_credentials(None))
    snapshot = store.load(paths)
    session = find_session(snapshot, profile, sso_session)
    cached = sso.load_token(session)
    if cached is not None:
        sso.revoke(cached, paths)
    removed = [session.label] if sso.remove_token(session) else []
    keys = []
    for each in profiles_of(snapshot, session):
        account, role = each.get("sso_account_id"), each.get("sso_role_name")
        if account and role:
            keys.append(sso.role_credentials_cache_key(session, account, role))
    return SignedOut(removed, _remove_role_credentials(sorted(set(keys))))


__all__ = ["find_session", "sign_in", "sign_out"]
