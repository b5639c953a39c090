"""Using a profile, once the arguments are parsed: what ``env``, ``exec`` and ``credential-process``
print or run, without the CLI framework.

The CLI (`awsprofiles.cli.using`) and the start-up fast path (`serve_cached_role`, which
`awsprofiles.entry` tries before loading typer) share these functions, so both print the same
bytes. Secrets are written to stdout only, and only once everything has succeeded, so that
``eval "$(profiles env NAME)"`` of a failure evaluates nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from awsprofiles import cmdline, model, shells, store
from awsprofiles.errors import BadInput, CannotRun, ProfilesError
from awsprofiles.model import Credentials
from awsprofiles.sessions import MFA_CODE
from awsprofiles.startup import core_dumps_restored

#: exec's exit codes when the command cannot be run (the shells' own conventions).
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126

#: The profiles being resolved by this process and the `profiles` processes that started it.
#: A credential_process that runs `profiles credential-process` for its own profile would
#: otherwise start itself again and again.
IN_PROGRESS = "PROFILES_RESOLVING"


def resolving() -> list[str]:
    """The profiles the `profiles` processes that started this one are resolving."""
    try:
        chain = json.loads(os.environ.get(IN_PROGRESS, "[]"))
    except ValueError:
        chain = []
    return [str(entry) for entry in chain] if isinstance(chain, list) else []


def enter(name: str) -> None:
    chain = resolving()
    if name in chain:
        raise BadInput(
            f"profile {name!r} gets its credentials from itself: "
            f"{' -> '.join([*chain, name])} (check its credential_process)"
        )
    # Inherited by any credential_process botocore starts (it passes os.environ on).
    os.environ[IN_PROGRESS] = json.dumps([*chain, name])


def write(text: str) -> None:
    # Bytes, so that Windows does not turn \n into \r\n: the output must be LF-only.
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def hint(shell: str, command: str) -> None:
    """Printed to a terminal, the commands change nothing: say how to apply them (on stderr)."""
    if sys.stdout.isatty() and shell not in ("json", "dotenv"):
        print(
            f"# nothing changed yet; to apply it, run: {shells.apply_line(shell, command)}", file=sys.stderr
        )


def print_env(credentials: Credentials, name: str, shell: str) -> None:
    """What ``profiles env NAME --shell SHELL`` prints."""
    if shell == "json":
        write(shells.credential_process_json(credentials))
        return
    write(shells.render(shell, shells.use_assignments(credentials, name, os.environ)))
    hint(shell, f"profiles env {name} --shell {shell}")


def find_program(name: str, search_path: str | None) -> str:
    """The file ``name`` runs, looked up as a POSIX shell does: a name with a slash is that file,
    any other is searched for on PATH. Not found: 127; found but not runnable (no execute
    permission, a directory): 126, with the reason the shell gives."""
    if os.name != "posix":
        import shutil

        found = shutil.which(name, path=search_path)
        if found is None:
            raise CannotRun(f"{name}: command not found", EXIT_NOT_FOUND)
        return found
    if "/" in name:
        if os.path.isdir(name):
            raise CannotRun(f"cannot run {name}: Is a directory", EXIT_NOT_EXECUTABLE)
        if not os.path.exists(name):
            raise CannotRun(f"cannot run {name}: No such file or directory", EXIT_NOT_FOUND)
        if not os.access(name, os.X_OK):
            raise CannotRun(f"cannot run {name}: Permission denied", EXIT_NOT_EXECUTABLE)
        return name
    not_runnable = None
    for folder in (os.defpath if search_path is None else search_path).split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate
            not_runnable = not_runnable or candidate
    if not_runnable is not None:
        raise CannotRun(f"cannot run {not_runnable}: Permission denied", EXIT_NOT_EXECUTABLE)
    raise CannotRun(f"{name}: command not found", EXIT_NOT_FOUND)


def run_with(credentials: Credentials, program: str, command: list[str], inherited: str | None) -> int:
    """Run ``command`` (``program`` found by `find_program`) with the credentials in its
    environment: on POSIX in place of this process; returns only the exit code to end with.
    ``inherited``: this process's PROFILES_RESOLVING as it started."""
    environment = dict(os.environ)
    # The command may well run `profiles exec NAME` itself: that is no loop.
    environment.pop(IN_PROGRESS, None)
    environment.pop(MFA_CODE, None)  # meant for the credential_process only
    if inherited is not None:
        environment[IN_PROGRESS] = inherited
    for variable, value in shells.credential_assignments(credentials):
        if value is None:
            environment.pop(variable, None)
        else:
            environment[variable] = value
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name != "posix":
        # Windows has no exec: os.exec* there starts a new process and returns at once.
        return subprocess.run([program, *command[1:]], env=environment, check=False).returncode
    core_dumps_restored()  # the command is the user's: it keeps the user's own core-file limit
    try:
        os.execve(program, command, environment)  # noqa: S606  (running the given command is the point)
    except OSError as error:
        print(f"error: cannot run {command[0]!r}: {error.strerror}", file=sys.stderr)
    return EXIT_NOT_EXECUTABLE


# --------------------------------------------------------------------------- the fast path

#: What the fast path of each command serves; any other option goes to the CLI.
_FAST_PARAMS = {
    "env": {"name", "shell", "duration", "config_file", "credentials_file"},
    "credential-process": {"name", "duration", "config_file", "credentials_file"},
    "exec": {"name", "duration", "config_file", "credentials_file"},
}


def serve_cached_role(argv: list[str]) -> int | None:
    """``env``/``exec``/``credential-process`` of a role whose session is valid in the AWS CLI's
    cache, served without the CLI framework or botocore (`awsprofiles.aws.role_cache`).

    Returns the exit code once served (exec: only if the command could not be started); None,
    having printed nothing, for anything else, which the full command then does: other options,
    another kind of profile, no valid entry, a file that warns, any error to explain.
    """
    if not argv or argv[0] not in _FAST_PARAMS:
        return None
    command = argv[0]
    plain = cmdline.read_plain(cmdline.FAST[command], argv[1:])
    if plain is None or "name" not in plain.values or not plain.given() <= _FAST_PARAMS[command]:
        return None  # env --unset, --help, --no-cache, --from-keyring, anything the CLI must see
    if command == "exec" and plain.dashes != 1:
        return None  # the command line after '--' only: NAME -- COMMAND...
    options = plain.values
    name, to_run = options["name"], list(plain.rest)
    try:
        model.validate_profile_name(name)
        duration = options.get("duration")
        seconds = None if duration is None else model.validate_duration(int(duration))
        shell = ""
        if command == "env":
            shell = options["shell"].lower() if "shell" in options else shells.detect_shell()
            if shell not in shells.SHELLS:
                return None
        if name in resolving():
            return None
        snapshot = store.load(store.locate(options.get("config_file"), options.get("credentials_file")))
        profile = snapshot.profile(name)
        if snapshot.warnings or profile is None or profile.kind is not model.Kind.ROLE:
            return None
        program = find_program(to_run[0], os.environ.get("PATH")) if to_run else ""
        from awsprofiles.aws.role_cache import cached_role_credentials

        credentials = cached_role_credentials(snapshot, name, duration=seconds)
    except (ProfilesError, ValueError):
        return None
    if credentials is None:
        return None
    if command == "env":
        print_env(credentials, name, shell)
    elif command == "credential-process":
        write(shells.credential_process_json(credentials))
    else:
        return run_with(credentials, program, to_run, os.environ.get(IN_PROGRESS))
    return 0
