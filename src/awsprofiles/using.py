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
import sys
from typing import TYPE_CHECKING

from awsprofiles import model, shells, store
from awsprofiles.errors import BadInput, CannotRun, ProfilesError
from awsprofiles.sessions import MFA_CODE
from awsprofiles.startup import core_dumps_restored

if TYPE_CHECKING:
    from awsprofiles.aws.credentials import Credentials

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


def command_environment(assignments: shells.Assignments, inherited: str | None) -> dict[str, str]:
    """The environment exec's command runs with: this one with ``assignments`` made, less what was
    meant for profiles alone. ``inherited``: this process's PROFILES_RESOLVING as it started."""
    environment = dict(os.environ)
    # The command may well run `profiles exec NAME` itself: that is no loop.
    environment.pop(IN_PROGRESS, None)
    environment.pop(MFA_CODE, None)  # meant for the credential_process only
    if inherited is not None:
        environment[IN_PROGRESS] = inherited
    for variable, value in assignments:
        if value is None:
            environment.pop(variable, None)
        else:
            environment[variable] = value
    return environment


def run_with(
    credentials: Credentials, program: str, command: list[str], inherited: str | None, name: str
) -> int:
    """Run ``command`` (``program`` found by `find_program`) with the credentials of profile
    ``name`` in its environment, and return the exit code to end with.

    Credentials that expire: ``profiles`` waits for the command, to warn a few minutes before
    they do (`expiry.warn_before`); others: on POSIX, the command runs in place of this process.
    """
    environment = command_environment(
        [*shells.credential_assignments(credentials), (shells.ACTIVE, name)], inherited
    )
    sys.stdout.flush()
    sys.stderr.flush()
    if credentials.expiration is not None or os.name != "posix":
        from awsprofiles import child, expiry

        alarm = expiry.warn_before(name, credentials.expiration) if credentials.expiration else None
        return child.run(program, command, environment, alarm=alarm)
    core_dumps_restored()  # the command is the user's: it keeps the user's own core-file limit
    try:
        os.execve(program, command, environment)  # noqa: S606  (running the given command is the point)
    except OSError as error:
        print(f"error: cannot run {command[0]!r}: {error.strerror}", file=sys.stderr)
    return EXIT_NOT_EXECUTABLE


# --------------------------------------------------------------------------- the fast path

_FILE_OPTIONS = ("--config-file", "--credentials-file")
#: The options each command's fast path understands (anything else goes to the CLI).
_FAST_OPTIONS = {
    "env": ("--shell", "--duration", "--region", *_FILE_OPTIONS),
    "credential-process": ("--duration", *_FILE_OPTIONS),
    "exec": ("--duration", "--region", *_FILE_OPTIONS),
}
#: The flags (options without a value) each command's fast path understands.
_FAST_FLAGS = {"exec": ("--server",)}


def _fast_arguments(
    words: list[str], options: tuple[str, ...], flags: tuple[str, ...] = ()
) -> tuple[str, dict[str, str]] | None:
    """NAME and the options of a plain command line (a flag's value is ""); None for anything the
    CLI must parse."""
    name: str | None = None
    values: dict[str, str] = {}
    remaining = iter(words)
    for word in remaining:
        option, equals, value = word.partition("=")
        if word in flags and word not in values:
            values[word] = ""
        elif word.startswith("-") and option in options and option not in values:
            if not equals:
                value = next(remaining, "-")
            if not value or value.startswith("-"):
                return None  # typer reads an empty path as '.'; a value like an option is odd
            values[option] = value
        elif word.startswith("-") or name is not None:
            return None  # --help, --no-cache, --from-keyring, a repeated option, a second NAME
        else:
            name = word
    return None if name is None else (name, values)


def serve_cached_role(argv: list[str]) -> int | None:
    """``env``/``exec``/``credential-process`` of a role whose session is valid in the AWS CLI's
    cache, served without the CLI framework or botocore (`awsprofiles.aws.role_cache`).

    Returns the exit code once served (exec: only if the command could not be started); None,
    having printed nothing, for anything else, which the full command then does: other options,
    another kind of profile, no valid entry, a file that warns, any error to explain.
    """
    if not argv or argv[0] not in _FAST_OPTIONS:
        return None
    command, words = argv[0], argv[1:]
    to_run: list[str] = []
    if command == "exec":
        if "--" not in words:
            return None
        split = words.index("--")
        words, to_run = words[:split], words[split + 1 :]
        if not to_run:
            return None
    parsed = _fast_arguments(words, _FAST_OPTIONS[command], _FAST_FLAGS.get(command, ()))
    if parsed is None:
        return None
    name, options = parsed
    server = "--server" in options
    region = options.get("--region")
    try:
        model.validate_profile_name(name)
        duration = options.get("--duration")
        seconds = None if duration is None else model.validate_duration(int(duration))
        if region is not None and model.region_warnings(model.validate_value("region", region)):
            return None  # the full command warns
        shell = ""
        if command == "env":
            shell = options["--shell"].lower() if "--shell" in options else shells.detect_shell()
            if shell not in shells.SHELLS:
                return None
        if name in resolving():
            return None
        files = store.locate(options.get("--config-file"), options.get("--credentials-file"))
        snapshot = store.load(files)
        profile = snapshot.profile(name)
        if snapshot.warnings or profile is None or profile.kind is not model.Kind.ROLE:
            return None
        if server:
            from awsprofiles import endpoint

            endpoint.refresh_windows()  # a bad setting: the full command says so
            if endpoint.default_shadows(snapshot):
                return None  # the full command warns
        program = find_program(to_run[0], os.environ.get("PATH")) if to_run else ""
        from awsprofiles.aws.role_cache import cached_role_credentials

        credentials = cached_role_credentials(snapshot, name, duration=seconds)
    except (ProfilesError, ValueError):
        return None
    if credentials is None:
        return None
    credentials = credentials.in_region(region)
    if command == "env":
        print_env(credentials, name, shell)
    elif command == "credential-process":
        write(shells.credential_process_json(credentials))
    elif server:
        from awsprofiles import endpoint

        source = endpoint.cached_source(files, name, credentials, seconds)
        return endpoint.exec_command(source, program, to_run, os.environ.get(IN_PROGRESS), credentials.region)
    else:
        return run_with(credentials, program, to_run, os.environ.get(IN_PROGRESS), name)
    return 0
