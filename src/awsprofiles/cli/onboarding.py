"""``profiles onboard`` and ``profiles rotate-keys``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import model, store
from awsprofiles.cli.app import (
    DryRun,
    Files,
    FromCsv,
    FromJson,
    Json,
    Keyring,
    SecretStdin,
    app,
    complete_files,
    info,
    print_json,
    profile_argument,
    warn,
)
from awsprofiles.cli.terminal import printable_lines
from awsprofiles.errors import EXIT_FAILED, EXIT_OK, BadInput, Refused

if TYPE_CHECKING:
    from awsprofiles import keyfiles, manifest, onboard

# manifest, onboard and keyfiles (tomllib, difflib, csv, getpass) are imported where they are
# used, so that every other command starts without them.

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty() and sys.stderr and sys.stderr.isatty())


def _confirm(question: str) -> bool:
    return typer.confirm(question, default=False, err=True)


def _load_manifest(path: Path) -> manifest.Manifest:
    from awsprofiles import manifest

    try:
        loaded = manifest.load(path)
    except manifest.ManifestInvalid as error:
        for problem in error.problems:
            info(problem)
        raise
    warn(list(loaded.warnings))
    return loaded


def _key(
    snapshot: store.Snapshot,
    loaded: manifest.Manifest,
    access_key_id: str | None,
    secret_stdin: bool,
    from_csv: Path | None,
    from_json: Path | None,
) -> keyfiles.AccessKey | None:
    from awsprofiles import keyfiles, onboard

    given = secret_stdin or from_csv is not None or from_json is not None
    if (given or access_key_id) and not loaded.source.profile:
        raise BadInput(
            f"{loaded.path} has no [source] profile: an IAM Identity Center team needs no access key"
        )
    if not given and not onboard.needs_key(snapshot, loaded):
        if access_key_id:
            raise BadInput(
                "--access-key-id needs its secret: add --secret-stdin, or give --from-csv/--from-json"
            )
        return None
    if not given and not access_key_id and _interactive():
        info(f"profile {loaded.source.profile!r} needs your IAM user's access key")  # asked for next
    key = keyfiles.obtain(access_key_id, secret_stdin, from_csv, from_json)
    warn(model.validate_access_key_id(key.access_key_id))
    return keyfiles.AccessKey(key.access_key_id, model.validate_secret(key.secret_access_key), key.user_name)


@app.command("onboard")
def onboard_command(
    files: Files,
    manifest_file: Annotated[
        Path,
        typer.Argument(
            metavar="MANIFEST",
            help="The team manifest (TOML).",
            show_default=False,
            autocompletion=complete_files,
        ),
    ],
    dry_run: DryRun = False,
    secret_stdin: SecretStdin = False,
    from_csv: FromCsv = None,
    from_json: FromJson = None,
    access_key_id: Annotated[
        str | None, typer.Option("--access-key-id", help="The access key ID (with --secret-stdin).")
    ] = None,
    yes: Yes = False,
    keyring: Keyring = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Do not check the profiles afterwards.")
    ] = False,
    json: Json = False,
) -> int:
    """Create or update every profile a team manifest names, then check them.

    The source profile's access key is asked for only when that profile does not exist yet
    or holds no key. Both files are written once, atomically; a second run changes nothing.
    A profile that exists with different values is updated only with --yes or after you
    confirm the diff. With --keyring (or keyring = true in [source]) the source's key is kept
    in the OS keyring, not in the credentials file. Exit codes: 0 all ok, 1 a profile failed
    its check, 2 bad manifest or input, 3 refused (update not confirmed), 4 a file (or the
    keyring) cannot be read or written.
    """
    from awsprofiles import onboard

    loaded = _load_manifest(manifest_file)
    snapshot = store.load(files)
    warn(snapshot.warnings)
    given = secret_stdin or from_csv is not None or from_json is not None
    if dry_run and not given and onboard.needs_key(snapshot, loaded):
        # A preview needs no secret: show the rest, and say that the key would be asked for.
        info(f"profile {loaded.source.profile!r} has no access key yet: onboard would ask for it")
        key = None
    else:
        key = _key(snapshot, loaded, access_key_id, secret_stdin, from_csv, from_json)
    session_name = None
    if not no_check:  # --no-check makes no AWS call, as add-role's with --role-arn
        session_name, unnamed = onboard.new_role_session_name(files, loaded, key, snapshot)
        warn(unnamed)
        if session_name is not None:
            info(f"role_session_name {session_name} (from the source identity)")
    planned = onboard.plan(files, loaded, key, keyring, snapshot, session_name)
    if planned.keyring is not None:
        warn(list(planned.keyring.warnings))
    diff = planned.diff()

    if dry_run:
        if json:
            print_json(_summary(planned, written=False, diff=diff))
        else:
            sys.stdout.write(printable_lines(diff))
            info(_headline(planned, dry_run=True))
        return 0

    if planned.updates:
        sys.stderr.write(printable_lines(diff))
        names = ", ".join(change.profile for change in planned.updates)
        if not yes:
            if not _interactive():
                some = "profile" if len(planned.updates) == 1 else "profiles"
                raise Refused(
                    f"{some} {names} already {'exists' if some == 'profile' else 'exist'} with "
                    "different values (diff above); nothing was written, run again with --yes to update"
                )
            if not _confirm(f"Update {names} as shown above?"):
                raise Refused(f"not confirmed; {names} left as they are and nothing was written")
    if planned.changed:
        warn(onboard.apply(files, planned)[1])
    info(_headline(planned, dry_run=False))
    summary = _summary(planned, written=planned.changed, diff=diff)
    if no_check:
        if json:
            print_json(summary)
        return 0
    from awsprofiles.check import check_profiles
    from awsprofiles.cli.checking import render_results

    waiting = onboard.waiting_for_sign_in(files, loaded)
    checked = [name for name in loaded.profile_names() if name not in waiting]
    if waiting:
        info(
            f"{', '.join(waiting)} not checked: sign in first with "
            f"'profiles login {waiting[0]}', then run 'profiles check'"
        )
    warnings: list[str] = []
    results = check_profiles(files, checked, warnings=warnings) if checked else []
    warn(warnings)
    if not json:
        return render_results(results, json=False) if results else EXIT_OK
    print_json({**summary, "checks": [result.to_json() for result in results], "not_signed_in": waiting})
    return EXIT_FAILED if any(not result.ok for result in results) else EXIT_OK


def _headline(planned: onboard.Plan, dry_run: bool) -> str:
    from awsprofiles import onboard

    if not planned.changed:
        return f"no changes: every profile already matches {planned.manifest.path}"
    verb = "would " if dry_run else ""
    parts = []
    for action, word in ((onboard.Action.CREATE, "create"), (onboard.Action.UPDATE, "update")):
        names = [change.profile for change in planned.changes if change.action is action]
        if names:
            parts.append(f"{verb}{word} {', '.join(names)}")
    written = [str(file.path) for file in planned.files]
    if planned.keyring is not None and planned.keyring.item is not None:
        written.append("the keyring")
    return f"{'; '.join(parts)} ({'would write' if dry_run else 'wrote'} {', '.join(written)})"


def _summary(planned: onboard.Plan, written: bool, diff: str) -> dict[str, object]:
    return {
        "manifest": planned.manifest.path,
        "changed": planned.changed,
        "written": written,
        "files": [str(file.path) for file in planned.files],
        "profiles": [
            {"name": change.profile, "action": change.action.value, "keys": list(change.keys)}
            for change in planned.changes
        ],
        "diff": diff,
    }


@app.command("rotate-keys")
def rotate_keys(
    files: Files,
    name: Annotated[str, profile_argument("A profile holding an IAM user's access key.")],
    yes: Yes = False,
    json: Json = False,
) -> None:
    """Replace a profile's access key with a new one, then delete the old key in IAM.

    Every profile that holds the same key (in either file, or in a keyring item) gets the new
    key too, in one transaction: they are named before you confirm. The new key is created with
    the profile's own credentials, written, and proven to work before the old key is deactivated
    and deleted. On any failure the profiles keep a working key and the message says which keys
    are active in IAM. Refused (exit 3) when the IAM user already has two keys. Exit codes: 0
    rotated, 1 an AWS call failed, 2 not a keys profile, 3 refused, 4 a file cannot be read or
    written.
    """
    from awsprofiles import rotate

    planned = rotate.plan(files, name)
    warn(list(planned.warnings))
    holders = rotate.named(planned.profiles)
    if not yes:
        if not _interactive():
            raise Refused(
                f"rotating the key of {holders} deletes the old key in IAM; run again with --yes to confirm"
            )
        question = (
            f"Replace key {rotate.mask(planned.old.access_key_id)} of {holders} with a new one "
            "and delete it in IAM?"
        )
        if not _confirm(question):
            raise Refused("not confirmed; nothing changed")
    done = rotate.rotate(files, name, planned=planned)
    if json:
        print_json(
            {
                "profile": done.profile,
                "profiles": list(done.profiles),
                "user": done.user,
                "old_access_key_id": rotate.mask(done.old_key_id),
                "new_access_key_id": rotate.mask(done.new_key_id),
            }
        )
    now = "now has" if len(done.profiles) == 1 else "now have"
    info(
        f"{holders} {now} key {rotate.mask(done.new_key_id)} (verified); "
        f"old key {rotate.mask(done.old_key_id)} of {done.user} deleted in IAM"
    )
