"""Onboarding: make the two files hold every profile a team manifest names, in one transaction.

``plan`` computes what would change (and the new bytes, verified, without writing); ``apply``
writes exactly that plan under the lock, refusing if the files changed in between. Only the
keys whose values differ are set, so a second run changes nothing and the user's own comments,
keys and profiles stay as they are.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from awsprofiles import editing, model, store
from awsprofiles.errors import CheckFailed, Refused
from awsprofiles.keyfiles import AccessKey
from awsprofiles.manifest import Manifest


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
class FileChange:
    path: Path
    before: bytes
    after: bytes = field(repr=False)
    #: which of the two files: a diff masks the credentials file's every value line
    role: store.Role


def file_changes(paths: store.Paths, files: list[tuple[Path, bytes, bytes]]) -> tuple[FileChange, ...]:
    """``store.preview``'s files, each with its role (what its diff masks)."""
    return tuple(FileChange(path, before, after, paths.role_of(path)) for path, before, after in files)


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
    changes: tuple[Change, ...]
    files: tuple[FileChange, ...]
    keyring: Keyring | None = None
    #: role_session_name of the roles created without one (`new_role_session_name`)
    session_name: str | None = None

    @property
    def updates(self) -> list[Change]:
        """Profiles that exist and would get different values: these need a confirmation."""
        return [change for change in self.changes if change.action is Action.UPDATE]

    @property
    def changed(self) -> bool:
        return bool(self.files) or (self.keyring is not None and self.keyring.item is not None)

    def diff(self) -> str:
        return "".join(unified_diff(file.path, file.before, file.after, file.role) for file in self.files)


def needs_key(snapshot: store.Snapshot, manifest: Manifest) -> bool:
    """Ask for an access key only when the source profile does not exist or holds none."""
    if not manifest.source.profile:
        return False  # an IAM Identity Center team: no access key at all
    profile = snapshot.profile(manifest.source.profile)
    return profile is None or not (
        profile.get(model.ACCESS_KEY_ID) or editing.keeps_own_keyring_item(profile)
    )


def keyring_plan(
    paths: store.Paths, snapshot: store.Snapshot, manifest: Manifest, key: AccessKey | None
) -> Keyring:
    """The keyring side of onboarding with the source's key in the keyring."""
    from awsprofiles import vault
    from awsprofiles.protect import credential_process_line, plaintext_keys

    name = manifest.source.profile
    command, warnings = credential_process_line(paths, name)
    existing = snapshot.profile(name)
    item: dict[str, str] | None = None
    if key is not None:
        item = {model.ACCESS_KEY_ID: key.access_key_id, model.SECRET_ACCESS_KEY: key.secret_access_key}
    elif existing is not None and model.SECRET_ACCESS_KEY in plaintext_keys(existing):
        item = plaintext_keys(existing)  # the key in the files moves to the keyring
    replaces = False
    if item is not None and editing.keeps_own_keyring_item(existing):
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
    waiting = {role.profile for role in manifest.roles if role.sso}
    grew = True
    while grew:  # and the roles assumed with their credentials, however long the chain
        chained = {role.profile for role in manifest.roles if role.values.get("source_profile") in waiting}
        grew = not chained <= waiting
        waiting |= chained
    return [role.profile for role in manifest.roles if role.profile in waiting]


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
    paths: store.Paths, manifest: Manifest, key: AccessKey | None
) -> tuple[str | None, list[str]]:
    """The role_session_name of the roles `_unnamed_roles`: the source's IAM user name, the same
    rule as add-role's and discover's (aws.iam.source_session_name), which asks AWS who the source
    (or the key given for it) is. None when no role needs it or the source has no key yet; None
    and a warning when it cannot be identified (its check says why)."""
    snapshot = store.load(paths)
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
    manifest: Manifest, key: AccessKey | None, session: str | None = None, keyring: Keyring | None = None
) -> dict[str, dict[str, str]]:
    """Profile -> the values the manifest (and the key, if one was given) says it must have."""
    source = manifest.source
    wanted: dict[str, dict[str, str]] = {}
    if source.profile:
        values: dict[str, str] = {}
        if key is not None and keyring is None:
            values[model.ACCESS_KEY_ID] = key.access_key_id
            values[model.SECRET_ACCESS_KEY] = key.secret_access_key
        if source.region:
            values["region"] = source.region
        if source.mfa_serial:
            values["mfa_serial"] = source.mfa_serial
        if keyring is not None:
            values["credential_process"] = keyring.command
        wanted[source.profile] = values
    for role in manifest.roles:
        wanted[role.profile] = (
            {"sso_session": session or "", **role.values} if role.sso else dict(role.values)
        )
        if keyring is not None and role.mfa_from_source:
            # The source's MFA session already carries the MFA: a second code would be asked.
            del wanted[role.profile]["mfa_serial"]
    return wanted


def unwanted_keys(
    snapshot: store.Snapshot, manifest: Manifest, keyring: Keyring | None, key: AccessKey | None
) -> dict[str, list[str]]:
    """Profile -> keys to remove: a keyring source's plaintext keys, or a keyring line a new key ends."""
    from awsprofiles import vault

    name = manifest.source.profile
    if keyring is not None:
        return {name: list(vault.ITEM_KEYS)}
    if key is not None and editing.keeps_own_keyring_item(snapshot.profile(name)):
        return {name: ["credential_process"]}
    return {}


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
    wanted = wanted_values(manifest, access_key, session[0] if session else None, keyring)
    if session_name is not None:
        for name in _unnamed_roles(tx.snapshot, manifest):
            wanted[name]["role_session_name"] = session_name
    unwanted = unwanted_keys(tx.snapshot, manifest, keyring, access_key)
    # The source whose key changes in the keyring only (the files may not change at all).
    rekeyed = manifest.source.profile if keyring is not None and keyring.replaces else None
    return changes + edit_profiles(tx, wanted, unwanted, rekeyed)


def edit_profiles(
    tx: store.Transaction,
    wanted: Mapping[str, Mapping[str, str]],
    unwanted: Mapping[str, list[str]] | None = None,
    rekeyed: str | None = None,
) -> list[Change]:
    """Give each profile the wanted values, setting only those that differ (onboard, discover).

    ``unwanted``: profile -> keys to remove; ``rekeyed``: the profile whose key changes in the keyring.
    """
    unwanted = unwanted or {}
    changes = []
    for name, values in wanted.items():
        existing = tx.snapshot.profile(name)
        differing = [key for key, value in values.items() if existing is None or existing.get(key) != value]
        if name == rekeyed:
            differing += [model.ACCESS_KEY_ID, model.SECRET_ACCESS_KEY]
        for key in unwanted.get(name, []):
            if tx.unset(name, key):
                differing.append(key)
                tx.drop_empty_credentials(name)
        for key in differing:
            if key in values:
                tx.set(name, key, values[key])
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
            if model.ACCESS_KEY_ID in differing:
                for token in model.TOKEN_KEYS:  # a long-term key has no session token
                    if existing.get(token) is not None:
                        tx.unset(name, token)
                        differing.append(token)
        if existing is None:
            changes.append(Change(name, Action.CREATE, tuple(values)))
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
    session_name: str | None = None,
) -> Plan:
    """What onboarding would do, computed and verified without writing anything.

    ``keyring``: the source's key is kept in the OS keyring (as is ``keyring = true`` in the manifest).
    ``session_name``: the role_session_name of the roles created without one (`new_role_session_name`).
    """
    kept = None
    if manifest.source.profile and (keyring or manifest.source.keyring):
        kept = keyring_plan(paths, store.load(paths), manifest, key)
    changes: list[Change] = []

    def edit(tx: store.Transaction) -> None:
        changes.extend(_edit(tx, manifest, key, kept, session_name))

    files = store.preview(paths, edit)
    return Plan(manifest, key, tuple(changes), file_changes(paths, files), kept, session_name)


def refuse_if_changed(tx: store.Transaction, files: Iterable[FileChange], doing: str) -> None:
    """Refuse (nothing written) when a file is no longer what a plan was computed from."""
    before = {file.path: file.before for file in files}
    for ini in tx.snapshot.files():
        expected = before.get(ini.path)
        if expected is not None and expected != ini.raw:
            raise Refused(f"{ini.path} changed while {doing}; nothing was written, run it again")


def apply(paths: store.Paths, planned: Plan) -> tuple[list[Change], list[str]]:
    """Write ``planned`` in one locked transaction, if the files are still as it saw them; and warnings.

    A key for the keyring is written (and read back) first; if the files then cannot be written,
    the keyring item is put back as it was.
    """
    from awsprofiles import vault

    source = planned.manifest.source.profile

    def edit_both(edit: vault.Edit) -> list[Change]:
        tx = edit.tx
        refuse_if_changed(tx, planned.files, "onboarding")
        if planned.keyring is not None and planned.keyring.item is not None:
            edit.put_key(source, planned.keyring.item)
            edit.delete_after(source, key=False)  # an MFA session of an earlier key
        elif unwanted_keys(tx.snapshot, planned.manifest, None, planned.key).get(source):
            edit.delete_after(source)  # a new key in the files replaces the one in the keyring
        changes = _edit(tx, planned.manifest, planned.key, planned.keyring, planned.session_name)
        if changes != list(planned.changes):
            raise Refused("the profiles changed while onboarding; nothing was written, run it again")
        return changes

    return vault.edit_files(paths, edit_both)


#: What a diff shows in place of a value.
MASK = "********"
_OPTION = re.compile(r"(?P<lead>(?P<key>[^=:]*?)\s*[=:]\s*)(?P<value>.*)", re.DOTALL)
_COMMENT = re.compile(r"(?P<lead>[#;]+\s*)(?P<text>.*)", re.DOTALL)
# A key shown beside its masked value: one case throughout, words joined by '_' or '-'. A secret
# written where a key would be (mixed case, '/', '+') is masked whole instead.
_SHOWABLE_KEY = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*|[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*")


def _masked_value(key: str, value: str) -> str:
    if not value:
        return value
    return model.mask_access_key_id(value) if key.lower() == model.ACCESS_KEY_ID else MASK


def _masked_setting(text: str, everything: bool) -> str | None:
    """``key = value`` with its value masked; None when it is not to be masked."""
    option = _OPTION.fullmatch(text)
    key = option["key"].strip() if option else ""
    if option is None or not _SHOWABLE_KEY.fullmatch(key):
        return MASK if everything else None
    if not everything and key.lower() not in model.SECRET_KEYS:
        return None
    return option["lead"] + _masked_value(key, option["value"])


def shown_lines(role: store.Role, text: str) -> list[str]:
    """The lines of a file (``store.split_lines``) as a diff may show them.

    In the credentials file every value is masked: settings show their key and ``********`` (key IDs
    their first and last four characters), and comments and continuation lines, which may hold a
    secret pasted or commented out, show ``********``. In the config file, the same for the secret
    keys, commented out or not, and their continuation lines. Headers and blank lines stay.
    """
    everything = role == "credentials"
    shown: list[str] = []
    masking_value = False  # whether the option that continuation lines continue is masked
    for line, kind, section in store.scan_lines(text):
        body = line.rstrip("\n")
        end = line[len(body) :]
        stripped = body.lstrip()
        indent = body[: len(body) - len(stripped)]
        masked: str | None = None
        if kind == store.HEADER:
            # configparser ignores what follows the closing bracket; it is not shown either.
            tail = stripped[len(section or "") + 2 :].strip()
            masked = f"{indent}[{section}]" + (f" {MASK}" if tail else "")
        elif kind == store.OPTION:
            masked = _masked_setting(stripped, everything)
            masking_value = masked is not None
            masked = None if masked is None else indent + masked
        elif kind == store.CONTINUATION and masking_value:
            masked = indent + MASK
        elif kind == store.COMMENT:
            comment = _COMMENT.fullmatch(stripped)
            assert comment is not None
            setting = _masked_setting(comment["text"], everything) if comment["text"] else None
            masked = None if setting is None else indent + comment["lead"] + setting
        shown.append(body + end if masked is None else masked + end)
    return shown


def _span(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (difflib._format_range_unified)."""
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def unified_diff(
    path: Path, before: bytes, after: bytes, role: store.Role, label: str = "after onboard"
) -> str:
    """The unified diff of one of the two files, every line shown as ``shown_lines`` masks it.

    Lines are compared as they are, so that a secret that changes shows as a changed line.
    """
    old_text = before.decode("utf-8").replace("\r\n", "\n")
    new_text = after.decode("utf-8").replace("\r\n", "\n")
    old, new = store.split_lines(old_text), store.split_lines(new_text)
    old_shown, new_shown = shown_lines(role, old_text), shown_lines(role, new_text)
    lines: list[str] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(3):
        if not lines:
            lines += [f"--- {path} (now)\n", f"+++ {path} ({label})\n"]
        lines.append(f"@@ -{_span(group[0][1], group[-1][2])} +{_span(group[0][3], group[-1][4])} @@\n")
        for tag, old_start, old_stop, new_start, new_stop in group:
            if tag == "equal":
                lines += [" " + line for line in old_shown[old_start:old_stop]]
                continue
            lines += ["-" + line for line in old_shown[old_start:old_stop]]
            lines += ["+" + line for line in new_shown[new_start:new_stop]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
