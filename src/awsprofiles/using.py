"""Using a profile: ``env``, ``exec`` (``--server`` too), ``serve``, ``credential-process`` and
``console``, once their arguments are parsed, without the CLI framework. The credential endpoint
of ``exec --server`` and ``serve`` is `awsprofiles.endpoint`'s; the command, or the server, is run
around it here.

Which kinds of profile take ``--duration`` and ``--mfa-code``, what the credential_process botocore
starts is told through the environment (`IN_PROGRESS`, `startup.MFA_CODE`), and where the
console's credentials come from are decided here; the CLI (`awsprofiles.cli.using`) parses and
calls one function. The CLI and the start-up fast path (`serve_cached_role`, which
`awsprofiles.entry` tries before loading typer) print with the same functions, so both print the
same bytes. Secrets are written to stdout only, and only once everything has succeeded, so that
``eval "$(profiles env NAME)"`` of a failure evaluates nothing.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable

from awsprofiles import cmdline, model, shells, store
from awsprofiles.errors import BadInput, CannotRun, ProfilesError
from awsprofiles.model import Credentials
from awsprofiles.startup import MFA_CODE, core_dumps_restored

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from awsprofiles import endpoint

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


def env_output(credentials: Credentials, name: str, shell: str) -> str:
    """What ``profiles env NAME --shell SHELL`` prints; `BadInput` before any of it for a value
    the shell cannot be given."""
    if shell == "json":
        return shells.credential_process_json(credentials)
    return shells.render(shell, shells.use_assignments(credentials, name, os.environ))


def print_env(credentials: Credentials, name: str, shell: str) -> None:
    """What ``profiles env NAME --shell SHELL`` prints, printed."""
    print_env_output(env_output(credentials, name, shell), name, shell)


def print_env_output(output: str, name: str, shell: str) -> None:
    write(output)
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
    gc.enable()  # the command may run for hours (the entry point's fast paths turn it off)
    environment = command_environment(
        [*shells.credential_assignments(credentials), (shells.ACTIVE, name)], inherited
    )
    from awsprofiles import child

    child.flush_output()
    if credentials.expiration is not None or os.name != "posix":
        from awsprofiles import expiry

        alarm = expiry.warn_before(name, credentials.expiration) if credentials.expiration else None
        return child.run(program, command, environment, alarm=alarm)
    core_dumps_restored()  # the command is the user's: it keeps the user's own core-file limit
    child.restore_ignored_signals()
    try:
        os.execve(program, command, environment)  # noqa: S606  (running the given command is the point)
    except OSError as error:
        print(f"error: cannot run {command[0]!r}: {error.strerror}", file=sys.stderr)
    return EXIT_NOT_EXECUTABLE


def run_with_endpoint(
    source: endpoint.Source, program: str, command: list[str], inherited: str | None, region: str | None
) -> int:
    """``exec --server``: ``command`` run with a credential endpoint that serves ``source`` for as
    long as it runs (and none of the keys or profile an SDK would take before it); its exit code."""
    gc.enable()  # the endpoint may serve for hours (the entry point's fast paths turn it off)
    from awsprofiles import child
    from awsprofiles.endpoint import Endpoint

    server = Endpoint(source.current, report=source.report)
    assignments = shells.endpoint_assignments(server.url, server.token, region)
    environment = command_environment([*assignments, (shells.ACTIVE, source.profile)], inherited)
    try:
        return child.run(program, command, environment, started=server.start)
    finally:
        server.stop()


# --------------------------------------------------------------------------- the commands

#: Where a command's warnings go (the CLI's ``warn``): said before any AWS call, kept on failure.
Warn = Callable[[list[str]], None]


def _resolve(files: store.Paths, name: str, warn: Warn) -> tuple[store.Snapshot, model.Profile]:
    """The files as read and the profile in them; the store's reading says which file and line
    is broken (exit 4), and its warnings are said as list says them."""
    model.validate_profile_name(name)
    snapshot = store.load(files)
    warn(snapshot.warnings)
    return snapshot, snapshot.require(name)


def _obtain(
    files: store.Paths,
    snapshot: store.Snapshot,
    name: str,
    duration: int | None,
    mfa_code: str | None,
    no_cache: bool,
    timeout: float | None = None,
    wait_longer: str | None = None,
) -> Credentials:
    """The profile's credentials as botocore obtains them (a valid cached role session as it is).
    ``timeout``: seconds for each AWS call (`aws.session.waits`); None: as the AWS CLI waits.
    ``wait_longer``: what the command offers after a timeout."""
    from awsprofiles.aws.credentials import get_credentials, validate_mfa_code

    if mfa_code is not None:
        # For the `profiles credential-process --from-keyring` botocore starts for a keyring source.
        os.environ[MFA_CODE] = validate_mfa_code(mfa_code)
    enter(name)
    return get_credentials(
        files,
        name,
        duration=duration,
        mfa_code=mfa_code,
        use_cache=not no_cache,
        snapshot=snapshot,
        timeout=timeout,
        wait_longer=wait_longer,
    )


def _checked(
    files: store.Paths, name: str, duration: int | None, mfa_code: str | None, warn: Warn
) -> store.Snapshot:
    """The files as read, once ``duration`` (a role's) and ``mfa_code`` (a role's, or a keyring
    profile's that keeps an MFA session) fit the profile's kind."""
    if duration is not None:
        model.validate_duration(duration)
    snapshot, profile = _resolve(files, name, warn)
    if profile.kind is not model.Kind.ROLE and duration is not None:
        raise BadInput(
            f"--duration applies to a profile that assumes a role; {name!r} is a {profile.kind.value} profile"
        )
    if profile.kind not in (model.Kind.ROLE, model.Kind.KEYRING) and mfa_code is not None:
        raise BadInput(
            f"--mfa-code applies to a profile that assumes a role or keeps an MFA session in the keyring; "
            f"{name!r} is a {profile.kind.value} profile"
        )
    return snapshot


def credentials_for(
    files: store.Paths,
    name: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    timeout: float | None = None,
    wait_longer: str | None = None,
    warn: Warn,
) -> Credentials:
    """What env, exec and credential-process give for ``name``. For a check (whoami): ``timeout``,
    seconds for each AWS call (None: as the AWS CLI waits), and ``wait_longer``, what the command
    offers after a timeout."""
    snapshot = _checked(files, name, duration, mfa_code, warn)
    return _obtain(files, snapshot, name, duration, mfa_code, no_cache, timeout, wait_longer)


def check_region(region: str | None, warn: Warn) -> None:
    """``--region``: a line break in it is refused (exit 2); a name unlike a region's warns."""
    if region is not None:
        warn(model.region_warnings(model.validate_value("region", region)))


def endpoint_source(
    files: store.Paths,
    name: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    interactive: bool,
    warn: Warn,
) -> tuple[endpoint.Source, Credentials]:
    """What a credential endpoint for ``name`` serves (`endpoint.open_source`), and its first
    credentials, got now: an MFA code is asked for now, a failure stops before any command starts.
    ``interactive``: later renewals may ask on this terminal too (``serve``)."""
    from awsprofiles import endpoint

    snapshot = _checked(files, name, duration, mfa_code, warn)
    shadow = endpoint.default_shadows(snapshot)
    warn([shadow] if shadow else [])
    if mfa_code is not None:
        from awsprofiles.aws.credentials import validate_mfa_code

        # For the `profiles credential-process --from-keyring` botocore starts for a keyring source.
        os.environ[MFA_CODE] = validate_mfa_code(mfa_code)
    # The credential_processes botocore starts (a keyring source) know whom they serve: a loop
    # back to this profile fails instead of starting itself forever.
    enter(name)
    try:
        return endpoint.open_source(
            files,
            snapshot,
            name,
            duration=duration,
            mfa_code=mfa_code,
            use_cache=not no_cache,
            interactive=interactive,
        )
    finally:
        os.environ.pop(MFA_CODE, None)  # a code is good once; a renewal asks again


def env(
    files: store.Paths,
    name: str | None,
    shell: str | None,
    *,
    unset: bool = False,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    region: str | None = None,
    warn: Warn,
) -> None:
    """``profiles env``: print the commands that put ``name``'s credentials in ``shell`` (by
    default the one detected), or with ``unset`` the commands that remove them. ``region``: the
    region for this use instead of the profile's."""
    chosen = shells.detect_shell() if shell is None else shell.lower()
    if chosen not in shells.SHELLS:
        raise BadInput(f"unknown shell {shell!r}: choose one of {', '.join(shells.SHELLS)}")
    if unset:
        if name is not None or region is not None:
            raise BadInput("--unset takes no profile name and no --region")
        write(shells.render(chosen, shells.unset_assignments(os.environ)))
        hint(chosen, f"profiles env --unset --shell {chosen}")
        return
    if name is None:
        raise BadInput("name the profile to use, or pass --unset")
    check_region(region, warn)
    credentials = credentials_for(
        files, name, duration=duration, mfa_code=mfa_code, no_cache=no_cache, warn=warn
    )
    print_env(credentials.in_region(region), name, chosen)


def credential_process(
    files: store.Paths,
    name: str,
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    from_keyring: bool = False,
    session_duration: int | None = None,
    warn: Warn,
) -> None:
    """``profiles credential-process``: print the JSON an SDK's credential_process reads; with
    ``from_keyring``, the profile's key (or its MFA session) from the keyring."""
    if from_keyring:
        from awsprofiles import sessions

        if duration is not None:
            raise BadInput("--duration applies to roles; an MFA session's length is --session-duration")
        credentials, warnings = sessions.keyring_credentials(
            files,
            name,
            mfa_code=mfa_code,
            session_seconds=sessions.DEFAULT_SESSION_SECONDS
            if session_duration is None
            else session_duration,
            use_cache=not no_cache,
        )
        warn(warnings)
    elif session_duration is not None:
        raise BadInput("--session-duration applies with --from-keyring")
    else:
        credentials = credentials_for(
            files, name, duration=duration, mfa_code=mfa_code, no_cache=no_cache, warn=warn
        )
    write(shells.credential_process_json(credentials))


def run_command(
    files: store.Paths,
    name: str,
    command: list[str],
    *,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    server: bool = False,
    region: str | None = None,
    warn: Warn,
) -> int:
    """``profiles exec``: run ``command`` with ``name``'s credentials (``server``: from a
    credential endpoint that keeps them fresh); the exit code to end with."""
    # As a shell would, before any role is assumed (or an MFA code asked for) in vain.
    program = find_program(command[0], os.environ.get("PATH"))
    inherited = os.environ.get(IN_PROGRESS)
    check_region(region, warn)
    if server:
        source, first = endpoint_source(
            files, name, duration=duration, mfa_code=mfa_code, no_cache=no_cache, interactive=False, warn=warn
        )
        return run_with_endpoint(source, program, command, inherited, region or first.region)
    credentials = credentials_for(
        files, name, duration=duration, mfa_code=mfa_code, no_cache=no_cache, warn=warn
    )
    return run_with(credentials.in_region(region), program, command, inherited, name)


#: `serve --shell`: the shells `env` writes for, but json (credentials only).
SERVE_SHELLS = tuple(shell for shell in shells.SHELLS if shell != "json")


def serve(
    files: store.Paths,
    name: str,
    shell: str | None,
    *,
    port: int = 0,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    region: str | None = None,
    warn: Warn,
    info: Callable[[str], None],
) -> int:
    """``profiles serve``: print the lines that point ``shell`` at a credential endpoint for
    ``name``, serve it until SIGINT (130) or SIGTERM/SIGHUP (0), close the port; the exit code."""
    chosen = shells.detect_shell() if shell is None else shell.lower()
    if chosen not in SERVE_SHELLS:
        raise BadInput(f"unknown shell {shell!r} for serve: choose one of {', '.join(SERVE_SHELLS)}")
    check_region(region, warn)
    from awsprofiles import endpoint

    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    source, first = endpoint_source(
        files,
        name,
        duration=duration,
        mfa_code=mfa_code,
        no_cache=no_cache,
        interactive=interactive,
        warn=warn,
    )
    server = endpoint.Endpoint(source.current, port=port, report=source.report)

    def announce() -> None:
        assignments = shells.serve_assignments(server.url, server.token, region or first.region, name)
        write(shells.saving(chosen) + shells.render(chosen, assignments))
        info(f"serving the credentials of profile {name!r} on {server.url} until Ctrl-C")

    code = endpoint.serve_until_signal(server, announce)
    info(f"stopped: {name!r} is no longer served")
    return code


def console_url(
    files: store.Paths,
    name: str,
    *,
    destination: str | None = None,
    region: str | None = None,
    duration: int | None = None,
    mfa_code: str | None = None,
    no_cache: bool = False,
    warn: Warn,
) -> str:
    """``profiles console``: the sign-in URL (a secret) for ``name``. A role or SSO profile signs
    in with its role session, as ``env`` obtains it; an IAM user's key, in the files or the
    keyring (never its MFA session, which the sign-in refuses), through GetFederationToken."""
    if duration is not None:
        model.validate_duration(duration)
    if region is not None:
        warn(model.region_warnings(region))
    from awsprofiles.aws import console as signin

    signin.check_destination(destination)
    snapshot, profile = _resolve(files, name, warn)
    role = profile.kind is model.Kind.ROLE
    if mfa_code is not None and not role:
        raise BadInput(
            f"--mfa-code applies to a profile that assumes a role; {name!r} is a {profile.kind.value} profile"
        )
    if profile.kind is model.Kind.KEYRING:
        from awsprofiles import sessions

        credentials = sessions.keyring_key(files, profile)
    else:
        credentials = _obtain(files, snapshot, name, duration if role else None, mfa_code, no_cache)
    return signin.signin_url(
        files,
        name,
        credentials,
        role_arn=profile.get("role_arn"),
        destination=destination,
        region=region,
        duration=duration,
    )


# --------------------------------------------------------------------------- the fast path

#: What the fast path of each command serves; any other option goes to the CLI.
_FAST_PARAMS = {
    "env": {"name", "shell", "duration", "region", "config_file", "credentials_file"},
    "credential-process": {"name", "duration", "config_file", "credentials_file"},
    "exec": {"name", "duration", "region", "server", "config_file", "credentials_file"},
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
    server, region = "server" in plain.flags, options.get("region")
    try:
        model.validate_profile_name(name)
        duration = options.get("duration")
        seconds = None if duration is None else model.validate_duration(int(duration))
        if region is not None and model.region_warnings(model.validate_value("region", region)):
            return None  # the full command warns
        shell = ""
        if command == "env":
            shell = options["shell"].lower() if "shell" in options else shells.detect_shell()
            if shell not in shells.SHELLS:
                return None
        if name in resolving():
            return None
        files = store.locate(options.get("config_file"), options.get("credentials_file"))
        snapshot = store.load(files)
        profile = snapshot.profile(name)
        if snapshot.warnings or profile is None or profile.kind is not model.Kind.ROLE:
            return None
        if server:
            from awsprofiles import endpoint

            if endpoint.default_shadows(snapshot):
                return None  # the full command warns
            endpoint.refresh_windows()  # a bad setting: the full command says so
        program = find_program(to_run[0], os.environ.get("PATH")) if to_run else ""
        from awsprofiles.aws.role_cache import cached_role_credentials

        cached = cached_role_credentials(snapshot, name, duration=seconds)
        if cached is None:
            return None
        credentials = cached.in_region(region)
        # Rendered before anything is printed: a value the output cannot hold is the CLI's to explain.
        if command == "env":
            output = env_output(credentials, name, shell)
        elif command == "credential-process":
            output = shells.credential_process_json(credentials)
    except (ProfilesError, ValueError):
        return None
    inherited = os.environ.get(IN_PROGRESS)  # what the command gets: it is not resolving NAME
    if command == "exec" and server:
        from awsprofiles import endpoint

        enter(name)  # for the credential_processes a renewal starts; no loop: checked above
        source = endpoint.cached_source(files, name, credentials, seconds)
        return run_with_endpoint(source, program, to_run, inherited, credentials.region)
    if command == "exec":
        return run_with(credentials, program, to_run, inherited, name)
    if command == "env":
        print_env_output(output, name, shell)
    else:
        write(output)
    return 0
