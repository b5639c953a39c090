"""``profiles protect`` and ``profiles unprotect``: access keys into the OS keyring and back."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles.cli.app import (
    DryRun,
    Files,
    Json,
    app,
    info,
    print_json,
    profile_argument,
    warn,
)
from awsprofiles.cli.terminal import printable_lines

if TYPE_CHECKING:
    from awsprofiles.protect import Outcome

Names = Annotated[list[str] | None, profile_argument("Profiles [or --all].", metavar="NAME...")]


def _report(outcome: Outcome, verb: str, done: str, dry_run: bool, json: bool) -> None:
    warn(outcome.warnings)
    if json:
        print_json(
            {
                "changed": outcome.changed,
                "unchanged": outcome.unchanged,
                "written": bool(outcome.changed) and not dry_run,
                "diff": outcome.diff,
            }
        )
    elif dry_run:
        sys.stdout.write(printable_lines(outcome.diff))
    for name in outcome.unchanged:
        info(f"profile {name!r} is already {done}")
    if outcome.changed:
        info(f"{'would ' + verb if dry_run else done}: {', '.join(outcome.changed)}")
    elif not outcome.unchanged:
        info(f"nothing to {verb}")


@app.command("protect")
def protect_command(
    files: Files,
    names: Names = None,
    every: Annotated[bool, typer.Option("--all", help="Every profile holding keys in the files.")] = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Move profiles' access keys from the credentials file into the OS keyring.

    Each key is written to the keyring and read back before the files change; the files then
    get 'credential_process = profiles credential-process NAME --from-keyring' instead of the
    key. If the files cannot be written, the keyring item is removed again. Running it again
    changes nothing. Exit codes: 0 done, 2 bad input, 4 no keyring or a file cannot be written.
    """
    from awsprofiles import protect

    outcome = protect.protect(files, names or [], every, dry_run)
    _report(outcome, "protect", "protected", dry_run, json)


@app.command("unprotect")
def unprotect_command(
    files: Files,
    names: Names = None,
    every: Annotated[bool, typer.Option("--all", help="Every profile whose key is in the keyring.")] = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Move profiles' access keys from the OS keyring back into the credentials file.

    The files are written first; the keyring item is deleted only once they are. Exit codes:
    0 done, 2 bad input, 4 no keyring, no item, or a file cannot be written.
    """
    from awsprofiles import protect

    outcome = protect.unprotect(files, names or [], every, dry_run)
    _report(outcome, "unprotect", "unprotected", dry_run, json)
