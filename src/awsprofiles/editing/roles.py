"""Profiles that assume a role (add-role): over a source profile or a credential_source."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from awsprofiles import model, store
from awsprofiles.editing.common import check_value, refuse_second_kind, refuse_source_cycle
from awsprofiles.errors import BadInput, CheckFailed, Refused
from awsprofiles.model import Kind, Profile


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
    if request.session_name is not None and not re.match(model.SESSION_NAME, request.session_name):
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
    snapshot.require(request.source)
    refuse_source_cycle(snapshot, request.name, request.source)
    _refuse_role_over_other_kind(snapshot, request)
    return warnings


def _refuse_role_over_other_kind(snapshot: store.Snapshot, request: RoleRequest) -> None:
    if request.source != request.name:  # a role that is its own source uses its own keys
        fix = (
            "To assume a role with its credentials, give the role a name of its own: "
            f"'profiles add-role NAME --source {request.name} ...'. "
        )
        refuse_second_kind(snapshot, request.name, Kind.ROLE, fix)


def add_role(paths: store.Paths, request: RoleRequest) -> tuple[list[str], list[str]]:
    """Create (or with force, update) a profile that assumes a role: the warnings, and notes: the
    region it got from its source (`model.new_role_region`), and whether its source keeps an MFA
    session in the keyring (`source_mfa_note`)."""
    warnings = validate_role_request(request)
    notes: list[str] = []

    def edit(tx: store.Transaction) -> list[str]:
        if tx.exists(request.name) and not request.force:
            raise Refused(f"profile {request.name!r} already exists (use --force to replace it)")
        if request.source is not None:
            tx.snapshot.require(request.source)
            refuse_source_cycle(tx.snapshot, request.name, request.source)
        _refuse_role_over_other_kind(tx.snapshot, request)
        if request.source is not None:
            tx.unset(request.name, "credential_source")
        else:
            tx.unset(request.name, "source_profile")
        for key, value in request.values().items():
            tx.set(request.name, key, value)
        notes[:] = []  # the last attempt's (see edit_files)
        region_note = _region_from_source(tx, request)
        mfa_note = source_mfa_note(tx.snapshot, request)
        notes.extend(note for note in (region_note, mfa_note) if note)
        return tx.snapshot.warnings

    warnings += store.edit_files(paths, edit)
    return warnings, notes


def _region_from_source(tx: store.Transaction, request: RoleRequest) -> str | None:
    """Without --region, a new role gets its source's region (`model.new_role_region`); a role
    replaced with --force keeps the region it has, and one the config file's [DEFAULT] gives a
    region has that one."""
    if request.region is not None or request.source is None:
        return None
    existing = tx.snapshot.profile(request.name)
    has_region = existing is not None and existing.get("region") is not None
    if has_region or tx.snapshot.config.defaults.get("region") is not None:
        return None
    source = tx.snapshot.profile(request.source)
    region, note = model.new_role_region(None, request.source, source.get("region") if source else None)
    if region is not None:
        tx.set(request.name, "region", region)
    return note


def add_role_looked_up(
    paths: store.Paths,
    request: RoleRequest,
    *,
    look_up_arn: bool,
    role_name: str,
    account: str | None,
    name_session: bool,
    warn: Callable[[list[str]], None],
    info: Callable[[str], None],
) -> list[str]:
    """add-role as the command runs it: `add_role`, after asking AWS, with the source's credentials,
    what the request leaves out. ``look_up_arn``: the role ``role_name`` is found (iam:ListRoles)
    or its ARN built from ``account``; ``name_session``: a request without a session name gets the
    source's IAM user name. What is found is said through ``info``, warnings through ``warn``;
    returns `add_role`'s notes."""
    if look_up_arn or (request.session_name is None and request.source is not None and name_session):
        warn(prepare_role_lookup(paths, request, role_name, account))
        assert request.source is not None
        from awsprofiles.aws import iam

        try:
            found = iam.find_role(paths, request.source, None if request.role_arn else role_name, account)
        except CheckFailed as error:
            if look_up_arn:
                raise
            # The role's ARN is known: write it, and let the check say what fails.
            warn([f"cannot name the session after the source identity: {error.message}"])
        else:
            if found.arn is not None:
                info(f"role ARN {found.arn}: {found.how}")
                request = dataclasses.replace(request, role_arn=found.arn)
            if request.session_name is None:
                info(f"role_session_name {found.session_name} (from the source identity)")
                request = dataclasses.replace(request, session_name=found.session_name)
    warnings, notes = add_role(paths, request)
    warn(warnings)
    return notes


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
