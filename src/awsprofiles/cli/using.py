"""Using a profile: `env`, `env --unset`, `exec` and `credential-process`.

Secrets are written to stdout only, and only once everything has succeeded, so that
``eval "$(profiles env NAME)"`` of a failure evaluates nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import model, shells, store
from awsprofiles.cli.app import ConfigFile, CredentialsFile, app, info, paths, warn
from awsprofiles.errors import BadInput

if TYPE_CHECKING:
    from awsprofiles.aws.credentials import Credentials

#: exec's exit codes when the command cannot be run (the shells' own conventions).
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126

Duration = Annotated[
    int | None,
    typer.Option("--duration", help="Session length in seconds (900-43200), instead of duration_seconds."),
]
MfaCode = Annotated[
    str | None, typer.Option("--mfa-code", help="The current code of the MFA device (else asked on stderr).")
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Assume the role afresh, without the AWS CLI's cache (~/.aws/cli/cache)."
    ),
]


#: The profiles being resolved by this process and the `profiles` processes that started it.
#: A credential_process that runs `profiles credential-process` for its own profile would
#: otherwise start itself again and again.
IN_PROGRESS = "PROFILES_RESOLVING"


def _enter(name: str) -> None:
    try:
        chain = json.loads(os.environ.get(IN_PROGRESS, "[]"))
    except ValueError:
        chain = []
    chain = [str(entry) for entry in chain] if isinstance(chain, list) else []
    if name in chain:
        raise BadInput(
            f"profile {name!r} gets its credentials from itself: "
            f"{' -> '.join([*chain, name])} (check its credential_process)"
        )
    # Inherited by any credential_process botocore starts (it passes os.environ on).
    os.environ[IN_PROGRESS] = json.dumps([*chain, name])


def _credentials(
    name: str,
    duration: int | None,
    mfa_code: str | None,
    no_cache: bool,
    config_file: ConfigFile,
    credentials_file: CredentialsFile,
) -> Credentials:
    model.validate_profile_name(name)
    if duration is not None:
        model.validate_duration(duration)
    files = paths(config_file, credentials_file)
    # The store's reading says which file and line is broken (exit 4) and warns as list does.
    snapshot = store.load(files)
    warn(snapshot.warnings)
    profile = snapshot.profile(name)
    if profile is None:
        raise BadInput(f"no profile named {name!r} (run 'profiles list' to see them)")
    if profile.kind is not model.Kind.ROLE and (duration is not None or mfa_code is not None):
        raise BadInput(
            f"--duration and --mfa-code apply to a profile that assumes a role; {name!r} is a "
            f"{profile.kind.value} profile"
        )
    _enter(name)
    from awsprofiles.aws.credentials import get_credentials

    return get_credentials(
        files, name, duration=duration, mfa_code=mfa_code, use_cache=not no_cache, snapshot=snapshot
    )


def _write(text: str) -> None:
    # Bytes, so that Windows does not turn \n into \r\n: the output must be LF-only.
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def _hint(shell: str, command: str) -> None:
    """Printed to a terminal, the commands change nothing: say how to apply them."""
    if sys.stdout.isatty() and shell not in ("json", "dotenv"):
        info(f"# nothing changed yet; to apply it, run: {shells.apply_line(shell, command)}")


@app.command("env")
def env(
    name: Annotated[
        str | None, typer.Argument(help="Profile whose credentials to set.", show_default=False)
    ] = None,
    shell: Annotated[
        str | None,
        typer.Option(
            "--shell",
            help=f"One of {', '.join(shells.SHELLS)} [default: detected from $SHELL, PSModulePath, ComSpec].",
            show_default=False,
        ),
    ] = None,
    unset: Annotated[
        bool, typer.Option("--unset", help="Print the commands that remove the variables instead.")
    ] = False,
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Print the commands that put a profile's credentials in the current shell.

    \b
    bash, zsh:   eval "$(profiles env NAME)"
    fish:        profiles env NAME --shell fish | source
    PowerShell:  profiles env NAME --shell powershell | Invoke-Expression
    cmd:         for /f "delims=" %i in ('profiles env NAME --shell cmd') do @%i
    Back again:  the same with 'profiles env --unset' instead of 'profiles env NAME'.
    """
    chosen = shells.detect_shell() if shell is None else shell.lower()
    if chosen not in shells.SHELLS:
        raise BadInput(f"unknown shell {shell!r}: choose one of {', '.join(shells.SHELLS)}")
    if unset:
        if name is not None:
            raise BadInput("--unset takes no profile name")
        _write(shells.render(chosen, shells.unset_assignments(os.environ)))
        _hint(chosen, f"profiles env --unset --shell {chosen}")
        return
    if name is None:
        raise BadInput("name the profile to use, or pass --unset")
    credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    if chosen == "json":
        _write(shells.credential_process_json(credentials))
        return
    _write(shells.render(chosen, shells.use_assignments(credentials, name, os.environ)))
    _hint(chosen, f"profiles env {name} --shell {chosen}")


@app.command("credential-process")
def credential_process(
    name: Annotated[str, typer.Argument(help="Profile whose credentials to print.", show_default=False)],
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Print a profile's credentials as the JSON an SDK's credential_process reads.

    In another profile: credential_process = profiles credential-process NAME
    """
    credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    _write(shells.credential_process_json(credentials))


@app.command("exec")
def exec_(
    name: Annotated[
        str, typer.Argument(help="Profile whose credentials the command gets.", show_default=False)
    ],
    command: Annotated[
        list[str], typer.Argument(help="The command and its arguments, after --.", show_default=False)
    ],
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Run a command with a profile's credentials in its environment (and no AWS_PROFILE).

    Exits with the command's exit code; 127 when the command is not found, 126 when it cannot
    be run.

    \b
    Example: profiles exec NAME -- aws sts get-caller-identity
    """
    inherited = os.environ.get(IN_PROGRESS)
    credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    environment = dict(os.environ)
    # The command may well run `profiles exec NAME` itself: that is no loop.
    environment.pop(IN_PROGRESS, None)
    if inherited is not None:
        environment[IN_PROGRESS] = inherited
    for variable, value in shells.credential_assignments(credentials):
        if value is None:
            environment.pop(variable, None)
        else:
            environment[variable] = value
    program = shutil.which(command[0], path=environment.get("PATH"))
    if program is None:
        print(f"error: command {command[0]!r} not found", file=sys.stderr)
        raise typer.Exit(EXIT_NOT_FOUND)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name != "posix":
        # Windows has no exec: os.exec* there starts a new process and returns at once.
        raise typer.Exit(subprocess.run([program, *command[1:]], env=environment, check=False).returncode)
    try:
        os.execve(program, command, environment)  # noqa: S606  (running the given command is the point)
    except OSError as error:
        print(f"error: cannot run {command[0]!r}: {error.strerror}", file=sys.stderr)
        raise typer.Exit(EXIT_NOT_EXECUTABLE) from None
