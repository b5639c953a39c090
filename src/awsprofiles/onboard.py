"""Onboarding: make the two files hold every profile a team manifest names, in one transaction.

``plan`` computes what would change (and the new bytes, verified, without writing); ``apply``
writes exactly that plan under the lock, refusing if the files changed in between. Only the
keys whose values differ are set, so a second run changes nothing and the user's own comments,
keys and profiles stay as they are.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from awsprofiles import editing, model, store
from awsprofiles.errors import Refused
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
    role: store.Role = "config"


@dataclass(frozen=True)
class Plan:
    manifest: Manifest
    key: AccessKey | None
    changes: tuple[Change, ...]
    files: tuple[FileChange, ...]

    @property
    def updates(self) -> list[Change]:
        """Profiles that exist and would get different values: these need a confirmation."""
        return [change for change in self.changes if change.action is Action.UPDATE]

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def diff(self) -> str:
        return "".join(unified_diff(file.path, file.before, file.after, file.role) for file in self.files)


def needs_key(snapshot: store.Snapshot, manifest: Manifest) -> bool:
    """Ask for an access key only when the source profile does not exist or holds none."""
    if not manifest.source.profile:
        return False  # an IAM Identity Center team: no access key at all
    profile = snapshot.profile(manifest.source.profile)
    return profile is None or not profile.get(model.ACCESS_KEY_ID)


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


def wanted_values(
    manifest: Manifest, key: AccessKey | None, session: str | None = None
) -> dict[str, dict[str, str]]:
    """Profile -> the values the manifest (and the key, if one was given) says it must have."""
    source = manifest.source
    wanted: dict[str, dict[str, str]] = {}
    if source.profile:
        values: dict[str, str] = {}
        if key is not None:
            values[model.ACCESS_KEY_ID] = key.access_key_id
            values[model.SECRET_ACCESS_KEY] = key.secret_access_key
        if source.region:
            values["region"] = source.region
        if source.mfa_serial:
            values["mfa_serial"] = source.mfa_serial
        wanted[source.profile] = values
    for role in manifest.roles:
        wanted[role.profile] = (
            {"sso_session": session or "", **role.values} if role.sso else dict(role.values)
        )
    return wanted


def _edit(tx: store.Transaction, manifest: Manifest, access_key: AccessKey | None) -> list[Change]:
    changes = []
    session = sso_session(manifest, tx.snapshot)
    if session is not None and manifest.sso is not None:
        name, create = session
        if create:
            editing.write_sso_session(tx, name, manifest.sso.start_url, manifest.sso.region)
            changes.append(Change(f"sso-session {name}", Action.CREATE, editing.SSO_SESSION_KEYS))
    wanted = wanted_values(manifest, access_key, session[0] if session else None)
    for name, values in wanted.items():
        existing = tx.snapshot.profile(name)
        differing = [key for key, value in values.items() if existing is None or existing.get(key) != value]
        for key in differing:
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


def plan(paths: store.Paths, manifest: Manifest, key: AccessKey | None = None) -> Plan:
    """What onboarding would do, computed and verified without writing anything."""
    changes: list[Change] = []

    def edit(tx: store.Transaction) -> None:
        changes.extend(_edit(tx, manifest, key))

    files = store.preview(paths, edit)
    return Plan(
        manifest,
        key,
        tuple(changes),
        tuple(
            FileChange(path, before, after, "credentials" if path == paths.credentials else "config")
            for path, before, after in files
        ),
    )


def apply(paths: store.Paths, planned: Plan) -> list[Change]:
    """Write ``planned`` in one locked transaction, if the files are still as it saw them."""
    before = {file.path: file.before for file in planned.files}
    with store.transaction(paths) as tx:
        for ini in tx.snapshot.files():
            expected = before.get(ini.path)
            if expected is not None and expected != ini.raw:
                raise Refused(f"{ini.path} changed while onboarding; nothing was written, run it again")
        changes = _edit(tx, planned.manifest, planned.key)
        if changes != list(planned.changes):
            raise Refused("the profiles changed while onboarding; nothing was written, run it again")
    return changes


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


def unified_diff(path: Path, before: bytes, after: bytes, role: store.Role) -> str:
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
            lines += [f"--- {path} (now)\n", f"+++ {path} (after onboard)\n"]
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
