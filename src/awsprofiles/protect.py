"""Moving access keys out of the credentials file into the OS keyring, and back.

``protect``: for each profile, the keyring item is written and read back first; then both files
are edited in one locked, verified transaction (the keys removed, ``credential_process =
profiles credential-process NAME --from-keyring`` added); if the files cannot be written, the
item is deleted again (or put back as it was). ``unprotect`` does the reverse: the files get the
keys back first, and the item is deleted only once they are written. Either way the secret is,
at every moment, in the files, the keyring, or both: never in neither.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from awsprofiles import model, store, vault
from awsprofiles.editing import keeps_own_keyring_item
from awsprofiles.errors import BadInput, FileProblem
from awsprofiles.model import Kind, Profile


def profiles_program() -> tuple[list[str], list[str]]:
    """How a credential_process starts ``profiles``, and a warning when not by its bare name.

    The bare name keeps the line valid when the tool is reinstalled elsewhere; it is used when
    ``profiles`` is on PATH. Otherwise the absolute path of the running installation is written.
    """
    if shutil.which("profiles"):
        return ["profiles"], []
    script = Path(sys.executable).with_name("profiles.exe" if os.name == "nt" else "profiles")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "awsprofiles"]
    return program, [
        f"'profiles' is not on PATH: the credential_process runs {' '.join(program)}; "
        "put profiles on PATH and run 'profiles unprotect' then 'profiles protect' to use the bare name"
    ]


def credential_process_line(paths: store.Paths, name: str) -> tuple[str, list[str]]:
    """The credential_process of a keyring profile, and warnings.

    Files other than those botocore finds by itself are named in the line, so that the process
    the AWS CLI starts reads the same files (and so the same keyring item).
    """
    program, warnings = profiles_program()
    options: list[str] = []
    if paths != store.locate():
        options = [
            "--config-file",
            os.path.abspath(paths.config),
            "--credentials-file",
            os.path.abspath(paths.credentials),
        ]
    return model.keyring_process_command(program, name, options), warnings


def plaintext_keys(profile: Profile) -> dict[str, str]:
    """The key ID and secrets ``profile`` holds in the files."""
    return {key: value for key in vault.ITEM_KEYS if (value := profile.get(key)) is not None}


@dataclass
class Outcome:
    """What protect or unprotect did (or, with dry_run, would do)."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diff: str = ""
    warnings: list[str] = field(default_factory=list)


def _names(snapshot: store.Snapshot, names: list[str], every: bool) -> list[str]:
    """The named profiles, or with ``every`` all that hold keys, in the files or in the keyring."""
    if every == bool(names):
        raise BadInput("name the profiles, or pass --all (not both)")
    if every:
        return [
            profile.name
            for profile in snapshot.profiles()
            if profile.kind is Kind.KEYS or keeps_own_keyring_item(profile)
        ]
    for name in names:
        snapshot.require(name)
    return list(dict.fromkeys(names))


def _start(
    paths: store.Paths, names: list[str], every: bool, to_change: Callable[[Profile], bool]
) -> tuple[Outcome, list[str]]:
    """An outcome with the files' warnings and the profiles left as they are, and those to change."""
    snapshot = store.load(paths)
    outcome = Outcome(warnings=list(snapshot.warnings))
    todo: list[str] = []
    for name in _names(snapshot, names, every):
        profile = snapshot.profile(name)
        assert profile is not None
        (todo if to_change(profile) else outcome.unchanged).append(name)
    return outcome, todo


def _protectable(profile: Profile) -> bool:
    """True to protect, False when already protected; raises for a profile that has no keys."""
    if keeps_own_keyring_item(profile):
        return False
    keys = plaintext_keys(profile)
    if profile.kind is not Kind.KEYS or model.SECRET_ACCESS_KEY not in keys:
        raise BadInput(
            f"profile {profile.name!r} is a {profile.kind.value} profile, not one holding an access key "
            "and its secret; only those can be protected"
        )
    if profile.get("credential_process") is not None:
        raise BadInput(
            f"profile {profile.name!r} has keys and a credential_process; remove one "
            f"('profiles unset {profile.name} credential_process') before protecting it"
        )
    for key, value in keys.items():
        try:
            # An indented line below a key continues its value (a value pasted across lines):
            # unprotect could not write it back, and botocore sends the line break as part of it.
            model.validate_value(key, value)
        except BadInput as error:
            raise BadInput(
                f"profile {profile.name!r} cannot be protected: {error.message}; "
                "put each value on one line in the file first"
            ) from None
    return True


def _move_to_keyring(tx: store.Transaction, profile: Profile, command: str) -> None:
    for key in plaintext_keys(profile):
        tx.unset(profile.name, key)
    tx.drop_empty_credentials(profile.name)
    tx.set(profile.name, "credential_process", command)


def _preview(paths: store.Paths, edit: Callable[[store.Transaction], None], verb: str) -> str:
    from awsprofiles.onboard import unified_diff

    return "".join(
        unified_diff(path, before, after, paths.role_of(path), f"after {verb}")
        for path, before, after in store.preview(paths, edit)
    )


def protect(paths: store.Paths, names: list[str], every: bool = False, dry_run: bool = False) -> Outcome:
    """Move the plaintext keys of ``names`` (or of every keys profile) into the keyring."""
    outcome, todo = _start(paths, names, every, _protectable)
    commands: dict[str, str] = {}
    program_warnings: list[str] = []
    for name in todo:
        commands[name], program_warnings = credential_process_line(paths, name)
    outcome.warnings += program_warnings
    if dry_run:

        def edit_files(tx: store.Transaction) -> None:
            for name in todo:
                profile = tx.snapshot.profile(name)
                assert profile is not None
                _move_to_keyring(tx, profile, commands[name])

        outcome.diff = _preview(paths, edit_files, "protect")
        outcome.changed = todo
        return outcome
    if not todo:
        return outcome
    vault.backend()  # no keyring: say so before anything else

    def edit_both(edit: vault.Edit) -> None:
        for name in todo:
            profile = edit.tx.snapshot.profile(name)
            if profile is None or not _protectable(profile):
                raise FileProblem(
                    f"profile {name!r} changed while protecting it; nothing was changed, run it again"
                )
            edit.put_key(name, plaintext_keys(profile))
            edit.delete_after(name, key=False)  # an MFA session of an earlier key
            _move_to_keyring(edit.tx, profile, commands[name])

    outcome.warnings += vault.edit_files(paths, edit_both)[1]
    outcome.changed = todo
    return outcome


def _unprotectable(profile: Profile) -> bool:
    if keeps_own_keyring_item(profile):
        return True
    if profile.kind is Kind.KEYS:
        return False  # already in the files
    raise BadInput(
        f"profile {profile.name!r} is a {profile.kind.value} profile; its keys are not in the keyring"
    )


def _move_to_files(tx: store.Transaction, name: str, keys: dict[str, str]) -> None:
    tx.unset(name, "credential_process")
    for key, value in keys.items():
        tx.set(name, key, value)  # an item's keys are credential keys: to the credentials file


def unprotect(paths: store.Paths, names: list[str], every: bool = False, dry_run: bool = False) -> Outcome:
    """Put the keys of ``names`` back in the credentials file, then delete their keyring items."""
    outcome, todo = _start(paths, names, every, _unprotectable)
    if not todo:
        return outcome
    keys = {}
    for name in todo:
        found = vault.read_key(paths, name)
        if found is None:
            raise FileProblem(
                f"profile {name!r} has no key in the keyring (no "
                f"{vault.describe_item(vault.item_user(paths, name))}); nothing was changed"
            )
        keys[name] = found
    if dry_run:

        def edit_files(tx: store.Transaction) -> None:
            for name in todo:
                _move_to_files(tx, name, keys[name])

        outcome.diff = _preview(paths, edit_files, "unprotect")
        outcome.changed = todo
        return outcome

    def edit_both(edit: vault.Edit) -> None:
        for name in todo:
            profile = edit.tx.snapshot.profile(name)
            if profile is None or not keeps_own_keyring_item(profile) or edit.read_key(name) != keys[name]:
                raise FileProblem(
                    f"profile {name!r} changed while unprotecting it; nothing was changed, run it again"
                )
            _move_to_files(edit.tx, name, keys[name])
            edit.delete_after(name)

    outcome.warnings += vault.edit_files(paths, edit_both)[1]
    outcome.changed = todo
    return outcome
