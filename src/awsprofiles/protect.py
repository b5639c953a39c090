"""Moving access keys out of the credentials file into the OS keyring, and back.

``protect``: for each profile, the keyring item is written and read back first; then both files
are edited in one locked, verified transaction (the keys removed, ``credential_process =
profiles credential-process NAME --from-keyring`` added); if the files cannot be written, the
item is deleted again (or put back as it was). ``unprotect`` does the reverse: the files get the
keys back first, and the item is deleted only once they are written. Either way the secret is,
at every moment, in the files, the keyring, or both: never in neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from awsprofiles import model, store, vault
from awsprofiles.errors import BadInput, FileProblem
from awsprofiles.graph import keeps_own_keyring_item
from awsprofiles.model import Kind, Profile


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
) -> tuple[store.Snapshot, Outcome, list[str]]:
    """The files as read, an outcome with their warnings and the profiles left as they are, and
    those to change."""
    snapshot = store.load(paths)
    outcome = Outcome(warnings=list(snapshot.warnings))
    todo: list[str] = []
    for name in _names(snapshot, names, every):
        profile = snapshot.profile(name)
        assert profile is not None
        (todo if to_change(profile) else outcome.unchanged).append(name)
    return snapshot, outcome, todo


def _protectable(profile: Profile) -> bool:
    """True to protect, False when already protected; raises for a profile that has no keys."""
    if keeps_own_keyring_item(profile):
        return False
    keys = vault.plaintext_keys(profile)
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


def _move(
    paths: store.Paths,
    snapshot: store.Snapshot,
    outcome: Outcome,
    todo: list[str],
    moves: tuple[Callable[[vault.Edit, str], None], Callable[[store.Transaction, str], None]],
    verb: str,
    dry_run: bool,
) -> Outcome:
    """Move the keys of ``todo``: ``moves`` is the keyring's side and the files' side of one profile.

    The dry run's diff is planned on the files as read (`store.plan`). The real run is applied to
    the files as they are under the lock (again if another program writes them meanwhile): each
    profile's keyring side first, which checks the profile again, then the files' side.
    """
    keyring_side, files_side = moves
    outcome.changed = todo

    def edit_files(tx: store.Transaction) -> None:
        for name in todo:
            files_side(tx, name)

    if dry_run:
        outcome.diff = store.plan(paths, edit_files, snapshot).diff(f"after {verb}")
        return outcome

    def edit_both(edit: vault.Edit) -> None:
        for name in todo:
            keyring_side(edit, name)
        edit_files(edit.tx)

    if todo:
        outcome.warnings += vault.edit_files(paths, edit_both)[1]
    return outcome


def protect(paths: store.Paths, names: list[str], every: bool = False, dry_run: bool = False) -> Outcome:
    """Move the plaintext keys of ``names`` (or of every keys profile) into the keyring."""
    snapshot, outcome, todo = _start(paths, names, every, _protectable)
    commands: dict[str, str] = {}
    program_warnings: list[str] = []
    for name in todo:
        commands[name], program_warnings = vault.credential_process_line(paths, name)
    outcome.warnings += program_warnings
    if todo and not dry_run:
        vault.backend()  # no keyring: say so before anything else

    def keep_key(edit: vault.Edit, name: str) -> None:
        profile = edit.tx.snapshot.profile(name)
        if profile is None or not _protectable(profile):
            raise FileProblem(
                f"profile {name!r} changed while protecting it; nothing was changed, run it again"
            )
        edit.keep_key(name, vault.plaintext_keys(profile))

    def to_keyring(tx: store.Transaction, name: str) -> None:
        vault.to_keyring(tx, name, commands[name])

    return _move(paths, snapshot, outcome, todo, (keep_key, to_keyring), "protect", dry_run)


def _unprotectable(profile: Profile) -> bool:
    if keeps_own_keyring_item(profile):
        return True
    if profile.kind is Kind.KEYS:
        return False  # already in the files
    raise BadInput(
        f"profile {profile.name!r} is a {profile.kind.value} profile; its keys are not in the keyring"
    )


def unprotect(paths: store.Paths, names: list[str], every: bool = False, dry_run: bool = False) -> Outcome:
    """Put the keys of ``names`` back in the credentials file, then delete their keyring items."""
    snapshot, outcome, todo = _start(paths, names, every, _unprotectable)
    keys = {}
    for name in todo:
        found = vault.read_key(paths, name)
        if found is None:
            raise FileProblem(
                f"profile {name!r} has no key in the keyring (no "
                f"{vault.describe_item(vault.item_user(paths, name))}); nothing was changed"
            )
        keys[name] = found

    def release(edit: vault.Edit, name: str) -> None:
        profile = edit.tx.snapshot.profile(name)
        if profile is None or not keeps_own_keyring_item(profile) or edit.read_key(name) != keys[name]:
            raise FileProblem(
                f"profile {name!r} changed while unprotecting it; nothing was changed, run it again"
            )
        edit.release(name)

    def to_files(tx: store.Transaction, name: str) -> None:
        vault.to_files(tx, name, keys[name])

    return _move(paths, snapshot, outcome, todo, (release, to_files), "unprotect", dry_run)
