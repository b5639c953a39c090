"""Onboarding: make the two files hold every profile a team manifest names, in one transaction.

``plan`` computes what would change (and the new bytes, verified, without writing); ``apply``
writes exactly that plan under the lock, refusing if the files changed in between. Only the
keys whose values differ are set, so a second run changes nothing and the user's own comments,
keys and profiles stay as they are. ``run`` is ``profiles onboard`` as a whole: the manifest,
the source's key, the plan, the confirmation of updates, the write and the check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from awsprofiles import editing, graph, model, store, vault
from awsprofiles.errors import EXIT_FAILED, EXIT_OK, BadInput, CheckFailed, Refused
from awsprofiles.keyfiles import AccessKey
from awsprofiles.manifest import Manifest, ManifestInvalid
from awsprofiles.manifest import load as load_manifest

if TYPE_CHECKING:
    from awsprofiles.check import CheckResult

#: The files' side of a key's move (`vault.to_keyring`, `vault.to_files`): the keys it changed.
Move = Callable[[store.Transaction], list[str]]


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    profile: str
    action: Action
    #: keys that are set (create) or whose values change (update); never their values
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Keyring:
    """Where the source profile's key goes when it is kept in the OS keyring."""

    #: the source's credential_process line
    command: str
    #: the keys to write to its keyring item (a new key, or the plaintext one moved), or None
    item: Mapping[str, str] | None = field(default=None, repr=False)
    #: the item replaces another key in the keyring (the files may not change at all)
    replaces: bool = False
    #: say how the command finds profiles (it is not on PATH)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    manifest: Manifest
    key: AccessKey | None
    #: the edit of the files, planned (`store.plan`): the changes, and the files as they would be
    edit: store.Plan[list[Change]]
    keyring: Keyring | None = None

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(self.edit.result)

    @property
    def files(self) -> tuple[store.FileChange, ...]:
        return self.edit.files

    @property
    def updates(self) -> list[Change]:
        """Profiles that exist and would get different values: these need a confirmation."""
        return [change for change in self.changes if change.action is Action.UPDATE]

    @property
    def changed(self) -> bool:
        return self.edit.changed or (self.keyring is not None and self.keyring.item is not None)

    def diff(self) -> str:
        return self.edit.diff("after onboard")

    def headline(self, dry_run: bool) -> str:
        """What onboarding did (or would do), in one line."""
        if not self.changed:
            return f"no changes: every profile already matches {self.manifest.path}"
        verb = "would " if dry_run else ""
        parts = []
        for action, word in ((Action.CREATE, "create"), (Action.UPDATE, "update")):
            names = [change.profile for change in self.changes if change.action is action]
            if names:
                parts.append(f"{verb}{word} {', '.join(names)}")
        written = [str(file.path) for file in self.files]
        if self.keyring is not None and self.keyring.item is not None:
            written.append("the keyring")
        return f"{'; '.join(parts)} ({'would write' if dry_run else 'wrote'} {', '.join(written)})"


def needs_key(snapshot: store.Snapshot, manifest: Manifest) -> bool:
    """Ask for an access key only when the source profile does not exist or holds none."""
    if not manifest.source.profile:
        return False  # an IAM Identity Center team: no access key at all
    profile = snapshot.profile(manifest.source.profile)
    return profile is None or not (profile.get(model.ACCESS_KEY_ID) or graph.keeps_own_keyring_item(profile))


def keyring_plan(
    paths: store.Paths, snapshot: store.Snapshot, manifest: Manifest, key: AccessKey | None
) -> Keyring:
    """The keyring side of onboarding with the source's key in the keyring."""
    name = manifest.source.profile
    command, warnings = vault.credential_process_line(paths, name)
    existing = snapshot.profile(name)
    item: dict[str, str] | None = None
    if key is not None:
        item = {model.ACCESS_KEY_ID: key.access_key_id, model.SECRET_ACCESS_KEY: key.secret_access_key}
    elif existing is not None and model.SECRET_ACCESS_KEY in vault.plaintext_keys(existing):
        item = vault.plaintext_keys(existing)  # the key in the files moves to the keyring
    replaces = False
    if item is not None and graph.keeps_own_keyring_item(existing):
        replaces = vault.read_key(paths, name) != item
        item = item if replaces else None
    return Keyring(command, item, replaces, tuple(warnings))


def sso_session(manifest: Manifest, snapshot: store.Snapshot) -> tuple[str, bool] | None:
    """The [sso-session] the manifest's SSO roles use (its own name, else reused or named as
    add-sso does), and whether it must be created; None without [sso]."""
    if manifest.sso is None:
        return None
    spec = manifest.sso
    return editing.choose_sso_session(snapshot.sso_sessions(), spec.start_url, spec.region, spec.session)


def waiting_for_sign_in(paths: store.Paths, manifest: Manifest) -> list[str]:
    """The manifest's SSO profiles and the roles chained to them, while the session has no valid
    token (their check could only say sso-login)."""
    from awsprofiles.aws import sso

    session = sso_session(manifest, store.load(paths))
    if session is None or manifest.sso is None:
        return []
    token = sso.load_token(sso.SsoSession(session[0], manifest.sso.start_url, manifest.sso.region))
    if token is not None and not token.expired():
        return []
    signing_in = {role.profile for role in manifest.roles if role.sso}
    roles = graph.ProfileMap({role.profile: role.values for role in manifest.roles})
    # and the roles assumed with their credentials, however long the chain
    return [role.profile for role in manifest.roles if graph.chain(roles, role.profile).end in signing_in]


def _unnamed_roles(snapshot: store.Snapshot, manifest: Manifest) -> list[str]:
    """The IAM roles onboard would create without a role_session_name: the manifest gives none
    (neither the role nor [defaults]) and no profile of that name exists (one that does keeps
    its own, or botocore's)."""
    return [
        role.profile
        for role in manifest.roles
        if not role.sso and "role_session_name" not in role.values and snapshot.profile(role.profile) is None
    ]


def new_role_session_name(
    paths: store.Paths, manifest: Manifest, key: AccessKey | None, snapshot: store.Snapshot | None = None
) -> tuple[str | None, list[str]]:
    """The role_session_name of the roles `_unnamed_roles`: the source's IAM user name, the same
    rule as add-role's and discover's (aws.iam.source_session_name), which asks AWS who the source
    (or the key given for it) is. None when no role needs it or the source has no key yet; None
    and a warning when it cannot be identified (its check says why). ``snapshot``: the files as
    the caller read them (read now when None)."""
    snapshot = snapshot if snapshot is not None else store.load(paths)
    unnamed = _unnamed_roles(snapshot, manifest)
    if not unnamed or (key is None and needs_key(snapshot, manifest)):
        return None, []
    from awsprofiles.aws import iam

    pair = None if key is None else iam.KeyPair(key.access_key_id, key.secret_access_key)
    try:
        return iam.source_session_name(paths, manifest.source.profile, pair, manifest.source.region), []
    except CheckFailed as error:
        return None, [
            f"cannot name the sessions of {', '.join(unnamed)} after the source identity "
            f"(botocore will name them): {error.message}"
        ]


def wanted_values(
    manifest: Manifest, session: str | None = None, keyring: Keyring | None = None
) -> dict[str, dict[str, str]]:
    """Profile -> the values the manifest says it must have (the source's key aside: `key_move`)."""
    source = manifest.source
    wanted: dict[str, dict[str, str]] = {}
    if source.profile:
        values: dict[str, str] = {}
        if source.region:
            values["region"] = source.region
        if source.mfa_serial:
            values["mfa_serial"] = source.mfa_serial
        wanted[source.profile] = values
    for role in manifest.roles:
        wanted[role.profile] = (
            {"sso_session": session or "", **role.values} if role.sso else dict(role.values)
        )
        if keyring is not None and role.mfa_from_source:
            # The source's MFA session already carries the MFA: a second code would be asked.
            del wanted[role.profile]["mfa_serial"]
    return wanted


def key_move(manifest: Manifest, key: AccessKey | None, keyring: Keyring | None) -> Move | None:
    """The files' side of the source's key: into the keyring (`vault.to_keyring`), or a new key
    into the files (`vault.to_files`); None when the key stays as it is."""
    name = manifest.source.profile
    if not name:
        return None
    if keyring is not None:
        return lambda tx: vault.to_keyring(tx, name, keyring.command)
    if key is not None:
        keys = {model.ACCESS_KEY_ID: key.access_key_id, model.SECRET_ACCESS_KEY: key.secret_access_key}
        return lambda tx: vault.to_files(tx, name, keys)
    return None


def _edit(
    tx: store.Transaction,
    manifest: Manifest,
    access_key: AccessKey | None,
    keyring: Keyring | None = None,
    session_name: str | None = None,
) -> list[Change]:
    changes = []
    session = sso_session(manifest, tx.snapshot)
    if session is not None and manifest.sso is not None:
        name, create = session
        if create:
            editing.write_sso_session(tx, name, manifest.sso.start_url, manifest.sso.region)
            changes.append(Change(f"sso-session {name}", Action.CREATE, editing.SSO_SESSION_KEYS))
    wanted = wanted_values(manifest, session[0] if session else None, keyring)
    if session_name is not None:
        for name in _unnamed_roles(tx.snapshot, manifest):
            wanted[name]["role_session_name"] = session_name
    move = key_move(manifest, access_key, keyring)
    moves = {manifest.source.profile: move} if move is not None else {}
    # The source whose key changes in the keyring only (the files may not change at all).
    rekeyed = manifest.source.profile if keyring is not None and keyring.replaces else None
    return changes + edit_profiles(tx, wanted, moves, rekeyed)


def edit_profiles(
    tx: store.Transaction,
    wanted: Mapping[str, Mapping[str, str]],
    moves: Mapping[str, Move] | None = None,
    rekeyed: str | None = None,
) -> list[Change]:
    """Give each profile the wanted values, setting only those that differ (onboard, discover).

    ``moves``: profile -> the move of its key, made after its values (it returns the keys it
    changed); ``rekeyed``: the profile whose key changes in the keyring.
    """
    moves = moves or {}
    changes = []
    for name, values in wanted.items():
        existing = tx.snapshot.profile(name)
        differing = [key for key, value in values.items() if existing is None or existing.get(key) != value]
        for key in differing:
            tx.set(name, key, values[key])
        move = moves.get(name)
        moved = move(tx) if move is not None else []
        differing += moved
        if name == rekeyed:
            differing += [model.ACCESS_KEY_ID, model.SECRET_ACCESS_KEY]
        if existing is not None:
            if "sso_session" in values:
                # An SSO role: what would make botocore use another provider first, or a legacy
                # start URL that would contradict the session, goes.
                for stale in editing.not_sso_keys(existing):
                    tx.unset(name, stale)
                    differing.append(stale)
            if "source_profile" in values and existing.get("credential_source") is not None:
                # botocore refuses a profile with both; the manifest's source wins.
                tx.unset(name, "credential_source")
                differing.append("credential_source")
        if existing is None:
            changes.append(Change(name, Action.CREATE, (*values, *moved)))
        elif differing:
            changes.append(Change(name, Action.UPDATE, tuple(differing)))
        else:
            changes.append(Change(name, Action.UNCHANGED))
    return changes


def plan(
    paths: store.Paths,
    manifest: Manifest,
    key: AccessKey | None = None,
    keyring: bool = False,
    snapshot: store.Snapshot | None = None,
    session_name: str | None = None,
) -> Plan:
    """What onboarding would do, computed and verified without writing anything.

    ``keyring``: the source's key is kept in the OS keyring (as is ``keyring = true`` in the manifest).
    ``snapshot``: the files as the caller read them (read now when None).
    ``session_name``: the role_session_name of the roles created without one (`new_role_session_name`).
    """
    snapshot = snapshot if snapshot is not None else store.load(paths)
    kept = None
    if manifest.source.profile and (keyring or manifest.source.keyring):
        kept = keyring_plan(paths, snapshot, manifest, key)
    planned = store.plan(paths, lambda tx: _edit(tx, manifest, key, kept, session_name), snapshot)
    return Plan(manifest, key, planned, kept)


def apply(paths: store.Paths, planned: Plan) -> tuple[list[Change], list[str]]:
    """Write ``planned`` in one locked transaction, if the files are still as it saw them; and warnings.

    A key for the keyring is written (and read back) first; if the files then cannot be written,
    the keyring item is put back as it was.
    """
    source = planned.manifest.source.profile

    def moves(edit: vault.Edit) -> None:
        if planned.keyring is not None:
            if planned.keyring.item is not None:
                edit.keep_key(source, planned.keyring.item)
        elif planned.key is not None and graph.keeps_own_keyring_item(edit.tx.snapshot.profile(source)):
            edit.release(source)  # a new key in the files replaces the one in the keyring

    return vault.apply(paths, planned.edit, "onboarding", moves)


# --------------------------------------------------------------------------- profiles onboard


@dataclass(frozen=True)
class Request:
    """What ``profiles onboard`` is asked: the manifest, where the source's key comes from (never
    the command line for its secret), and what to do with the plan."""

    manifest: Path
    access_key_id: str | None = None
    secret_stdin: bool = False
    from_csv: Path | None = None
    from_json: Path | None = None
    #: keep the source's key in the OS keyring (as ``keyring = true`` in [source] does)
    keyring: bool = False
    #: show the plan, write nothing
    dry_run: bool = False
    #: update existing profiles without asking
    yes: bool = False
    #: check the profiles with AWS once written
    check: bool = True

    @property
    def key_given(self) -> bool:
        """The secret comes from stdin or a key file."""
        return self.secret_stdin or self.from_csv is not None or self.from_json is not None


@dataclass(frozen=True)
class Outcome:
    """What ``profiles onboard`` did: its plan (and the diff), and the checks that followed."""

    plan: Plan
    diff: str
    dry_run: bool
    #: the checks of the manifest's profiles, in its order; None when there were none
    checks: tuple[CheckResult, ...] | None = None
    #: the SSO profiles (and the roles over them) not checked: their session needs a sign-in
    not_signed_in: tuple[str, ...] = ()

    @property
    def written(self) -> bool:
        return not self.dry_run and self.plan.changed

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if any(not result.ok for result in self.checks or ()) else EXIT_OK

    def to_json(self) -> dict[str, object]:
        planned = self.plan
        summary: dict[str, object] = {
            "manifest": planned.manifest.path,
            "changed": planned.changed,
            "written": self.written,
            "files": [str(file.path) for file in planned.files],
            "profiles": [
                {"name": change.profile, "action": change.action.value, "keys": list(change.keys)}
                for change in planned.changes
            ],
            "diff": self.diff,
        }
        if self.checks is not None:
            summary["checks"] = [result.to_json() for result in self.checks]
            summary["not_signed_in"] = list(self.not_signed_in)
        return summary


def run(
    paths: store.Paths,
    request: Request,
    *,
    confirm: Callable[[str], bool] | None,
    show: Callable[[str], None],
    warn: Callable[[list[str]], None],
    info: Callable[[str], None],
) -> Outcome:
    """``profiles onboard``: load the manifest, get the source's key when it needs one (asked for
    on a terminal, `keyfiles.obtain`), name the new roles' sessions, plan, have updates
    confirmed, write, and check the profiles (those that need no SSO sign-in first). Without the
    check no AWS call is made.

    The caller owns the terminal: ``confirm`` asks a question, None when there is no terminal to
    ask on; ``show`` shows the diff of an update before it is confirmed; ``info`` and ``warn`` say
    what happens as it happens. A dry run returns its plan without asking or writing anything.
    """
    try:
        manifest = load_manifest(request.manifest)
    except ManifestInvalid as error:
        for problem in error.problems:
            info(problem)
        raise
    warn(list(manifest.warnings))
    snapshot = store.load(paths)
    warn(snapshot.warnings)
    if request.dry_run and not request.key_given and needs_key(snapshot, manifest):
        # A preview needs no secret: show the rest, and say that the key would be asked for.
        info(f"profile {manifest.source.profile!r} has no access key yet: onboard would ask for it")
        key = None
    else:
        key = _key(snapshot, manifest, request, warn, info)
    session_name = None
    if request.check:  # --no-check makes no AWS call, as add-role's with --role-arn
        session_name, unnamed = new_role_session_name(paths, manifest, key, snapshot)
        warn(unnamed)
        if session_name is not None:
            info(f"role_session_name {session_name} (from the source identity)")
    planned = plan(paths, manifest, key, request.keyring, snapshot, session_name)
    if planned.keyring is not None:
        warn(list(planned.keyring.warnings))
    diff = planned.diff()
    if request.dry_run:
        return Outcome(planned, diff, dry_run=True)

    if planned.updates:
        show(diff)
        if not request.yes:
            _confirm_updates(planned.updates, confirm)
    if planned.changed:
        warn(apply(paths, planned)[1])
    info(planned.headline(dry_run=False))
    if not request.check:
        return Outcome(planned, diff, dry_run=False)

    from awsprofiles.check import check_profiles

    waiting = waiting_for_sign_in(paths, manifest)
    checked = [name for name in manifest.profile_names() if name not in waiting]
    if waiting:
        info(
            f"{', '.join(waiting)} not checked: sign in first with "
            f"'profiles login {waiting[0]}', then run 'profiles check'"
        )
    warnings: list[str] = []
    results = check_profiles(paths, checked, warnings=warnings) if checked else []
    warn(warnings)
    return Outcome(planned, diff, dry_run=False, checks=tuple(results), not_signed_in=tuple(waiting))


def _key(
    snapshot: store.Snapshot,
    manifest: Manifest,
    request: Request,
    warn: Callable[[list[str]], None],
    info: Callable[[str], None],
) -> AccessKey | None:
    """The source's new access key: from the request, or asked for when the source needs one."""
    from awsprofiles import keyfiles
    from awsprofiles.aws.credentials import interactive

    given = request.key_given
    access_key_id = request.access_key_id
    if (given or access_key_id) and not manifest.source.profile:
        raise BadInput(
            f"{manifest.path} has no [source] profile: an IAM Identity Center team needs no access key"
        )
    if not given and not needs_key(snapshot, manifest):
        if access_key_id:
            raise BadInput(
                "--access-key-id needs its secret: add --secret-stdin, or give --from-csv/--from-json"
            )
        return None
    if not given and not access_key_id and interactive():
        info(f"profile {manifest.source.profile!r} needs your IAM user's access key")  # asked for next
    key = keyfiles.obtain(access_key_id, request.secret_stdin, request.from_csv, request.from_json)
    warn(model.validate_access_key_id(key.access_key_id))
    return AccessKey(key.access_key_id, model.validate_secret(key.secret_access_key), key.user_name)


def _confirm_updates(updates: list[Change], confirm: Callable[[str], bool] | None) -> None:
    """Profiles that exist with other values are updated only once confirmed (or with --yes)."""
    names = ", ".join(change.profile for change in updates)
    if confirm is None:
        some = "profile" if len(updates) == 1 else "profiles"
        raise Refused(
            f"{some} {names} already {'exists' if some == 'profile' else 'exist'} with "
            "different values (diff above); nothing was written, run again with --yes to update"
        )
    if not confirm(f"Update {names} as shown above?"):
        raise Refused(f"not confirmed; {names} left as they are and nothing was written")
