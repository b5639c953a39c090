"""``profiles onboard`` and ``profiles rotate-keys``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from awsprofiles.cli.app import (
    DryRun,
    Files,
    FromCsv,
    FromJson,
    Json,
    Keyring,
    SecretStdin,
    access_key_id_option,
    app,
    complete_files,
    info,
    no_check_option,
    print_json,
    profile_argument,
    warn,
)
from awsprofiles.cli.terminal import printable_lines
from awsprofiles.errors import Refused

# onboard (with manifest and keyfiles: tomllib, difflib, csv, getpass) and rotate are imported
# where they are used, so that every other command starts without them.

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty() and sys.stderr and sys.stderr.isatty())


def _confirm(question: str) -> bool:
    return typer.confirm(question, default=False, err=True)


def _show(text: str) -> None:
    sys.stderr.write(printable_lines(text))


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
        str | None, access_key_id_option("The access key ID (with --secret-stdin).")
    ] = None,
    yes: Yes = False,
    keyring: Keyring = False,
    no_check: Annotated[bool, no_check_option("Do not check the profiles afterwards.")] = False,
    json: Json = False,
) -> int:
    """Create or update every profile a team manifest names, then check them.

    The source profile's access key is asked for only when that profile does not exist yet
    or holds no key. Both files are written once, atomically; a second run changes nothing.
    A profile that exists with different values is updated only with --yes or after you
    confirm the diff. With --keyring (or keyring = true in [source]) the source's key is kept
    in the OS keyring, not in the credentials file. Exit codes: 0 all ok, 1 a profile failed
    its check, 2 bad input (a manifest or key file that cannot be read or is invalid), 3 refused
    (update not confirmed), 4 the AWS files (or the keyring) cannot be read or written.
    """
    from awsprofiles import onboard

    request = onboard.Request(
        manifest_file,
        access_key_id=access_key_id,
        secret_stdin=secret_stdin,
        from_csv=from_csv,
        from_json=from_json,
        keyring=keyring,
        dry_run=dry_run,
        yes=yes,
        check=not no_check,
    )
    done = onboard.run(
        files,
        request,
        confirm=_confirm if _interactive() else None,
        show=_show,
        warn=warn,
        info=info,
    )
    if json:
        print_json(done.to_json())
    elif done.dry_run:
        sys.stdout.write(printable_lines(done.diff))
        info(done.plan.headline(dry_run=True))
    elif done.checks:
        from awsprofiles.cli.checking import render_results

        render_results(list(done.checks), json=False)
    return done.exit_code


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
