"""Using a profile: `env`, `env --unset`, `exec` and `credential-process` (what they print or run
is `awsprofiles.using`'s, shared with the fast path that serves cached roles before typer loads).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import model, shells, store
from awsprofiles.cli.app import (
    ConfigFile,
    CredentialsFile,
    app,
    info,
    paths,
    profile_argument,
    region_option,
    warn,
)
from awsprofiles.errors import BadInput
from awsprofiles.sessions import MFA_CODE
from awsprofiles.using import IN_PROGRESS, enter, find_program, hint, print_env, run_with, write

if TYPE_CHECKING:
    from awsprofiles import endpoint
    from awsprofiles.aws.credentials import Credentials

Duration = Annotated[
    int | None,
    typer.Option(
        "--duration",
        metavar="SECONDS",
        help="Session length in seconds (900-43200), instead of duration_seconds.",
    ),
]
MfaCode = Annotated[
    str | None,
    typer.Option(
        "--mfa-code", metavar="CODE", help="The current code of the MFA device (else asked on stderr)."
    ),
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Assume the role afresh, without the AWS CLI's cache (~/.aws/cli/cache)."
    ),
]
Region = Annotated[
    str | None, region_option("The region for this use (AWS_REGION) [default: the profile's region].")
]


def check_region(region: str | None) -> None:
    """``--region``: no line break (exit 2); a name that does not look like a region warns."""
    if region is not None:
        model.validate_value("region", region)
        warn(model.region_warnings(region))


def _profile(name: str, files: store.Paths) -> tuple[store.Snapshot, model.Profile]:
    """The files as read and the profile in them; the store's reading says which file and line
    is broken (exit 4) and warns as list does."""
    model.validate_profile_name(name)
    snapshot = store.load(files)
    warn(snapshot.warnings)
    profile = snapshot.profile(name)
    if profile is None:
        raise model.no_such_profile(name, snapshot.names())
    return snapshot, profile


def _fetch(
    files: store.Paths,
    snapshot: store.Snapshot,
    name: str,
    duration: int | None,
    mfa_code: str | None,
    no_cache: bool,
) -> Credentials:
    if mfa_code is not None:
        from awsprofiles.aws.credentials import validate_mfa_code

        # For the `profiles credential-process --from-keyring` botocore starts for a keyring source.
        os.environ[MFA_CODE] = validate_mfa_code(mfa_code)
    enter(name)
    from awsprofiles.aws.credentials import get_credentials

    return get_credentials(
        files, name, duration=duration, mfa_code=mfa_code, use_cache=not no_cache, snapshot=snapshot
    )


def _checked(
    name: str,
    duration: int | None,
    mfa_code: str | None,
    config_file: ConfigFile,
    credentials_file: CredentialsFile,
) -> tuple[store.Paths, store.Snapshot]:
    """The files, once the options fit the profile's kind."""
    if duration is not None:
        model.validate_duration(duration)
    files = paths(config_file, credentials_file)
    snapshot, profile = _profile(name, files)
    if profile.kind is not model.Kind.ROLE and duration is not None:
        raise BadInput(
            f"--duration applies to a profile that assumes a role; {name!r} is a {profile.kind.value} profile"
        )
    if profile.kind not in (model.Kind.ROLE, model.Kind.KEYRING) and mfa_code is not None:
        raise BadInput(
            f"--mfa-code applies to a profile that assumes a role or keeps an MFA session in the keyring; "
            f"{name!r} is a {profile.kind.value} profile"
        )
    return files, snapshot


def _credentials(
    name: str,
    duration: int | None,
    mfa_code: str | None,
    no_cache: bool,
    config_file: ConfigFile,
    credentials_file: CredentialsFile,
) -> Credentials:
    files, snapshot = _checked(name, duration, mfa_code, config_file, credentials_file)
    return _fetch(files, snapshot, name, duration, mfa_code, no_cache)


def endpoint_source(
    name: str,
    duration: int | None,
    mfa_code: str | None,
    no_cache: bool,
    config_file: ConfigFile,
    credentials_file: CredentialsFile,
    interactive: bool,
) -> tuple[endpoint.Source, Credentials]:
    from awsprofiles import endpoint

    files, snapshot = _checked(name, duration, mfa_code, config_file, credentials_file)
    shadow = endpoint.default_shadows(snapshot)
    warn([shadow] if shadow else [])
    return endpoint.open_source(
        files,
        snapshot,
        name,
        duration=duration,
        mfa_code=mfa_code,
        use_cache=not no_cache,
        interactive=interactive,
    )


@app.command("env")
def env(
    name: Annotated[str | None, profile_argument("Profile whose credentials to set.")] = None,
    shell: Annotated[
        str | None,
        typer.Option(
            "--shell",
            help=f"One of {', '.join(shells.SHELLS)} [default: detected from $SHELL, PSModulePath, ComSpec].",
            show_default=False,
            autocompletion=lambda: list(shells.SHELLS),
        ),
    ] = None,
    unset: Annotated[
        bool, typer.Option("--unset", help="Print the commands that remove the variables instead.")
    ] = False,
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    region: Region = None,
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
        if name is not None or region is not None:
            raise BadInput("--unset takes no profile name and no --region")
        write(shells.render(chosen, shells.unset_assignments(os.environ)))
        hint(chosen, f"profiles env --unset --shell {chosen}")
        return
    if name is None:
        raise BadInput("name the profile to use, or pass --unset")
    check_region(region)
    credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    print_env(credentials.in_region(region), name, chosen)


@app.command("credential-process")
def credential_process(
    name: Annotated[str, profile_argument("Profile whose credentials to print.")],
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    from_keyring: Annotated[
        bool,
        typer.Option(
            model.FROM_KEYRING,
            help="Serve the profile's access key (or its MFA session) from the OS keyring.",
        ),
    ] = False,
    session_duration: Annotated[
        int | None,
        typer.Option(
            "--session-duration",
            metavar="SECONDS",
            help="With --from-keyring: length of a new MFA session in seconds (900-129600) [default: 43200].",
            show_default=False,
        ),
    ] = None,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Print a profile's credentials as the JSON an SDK's credential_process reads.

    In another profile: credential_process = profiles credential-process NAME

    With --from-keyring, the access key is read from the OS keyring (where 'add-user --keyring'
    and 'protect' put it); with the profile's mfa_serial, an MFA session (STS GetSessionToken,
    --session-duration, default 12 h) is made with one code and kept in the keyring.
    """
    if from_keyring:
        if duration is not None:
            raise BadInput("--duration applies to roles; an MFA session's length is --session-duration")
        from awsprofiles import sessions

        credentials, warnings = sessions.keyring_credentials(
            paths(config_file, credentials_file),
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
        credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    write(shells.credential_process_json(credentials))


@app.command("exec")
def exec_(
    name: Annotated[str, profile_argument("Profile whose credentials the command gets.")],
    command: Annotated[
        list[str], typer.Argument(help="The command and its arguments, after --.", show_default=False)
    ],
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    server: Annotated[
        bool,
        typer.Option(
            "--server",
            help="Give the command a credential endpoint on 127.0.0.1 that keeps the credentials fresh, "
            "instead of fixed keys.",
        ),
    ] = False,
    region: Region = None,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Run a command with a profile's credentials in its environment (and no AWS_PROFILE).

    With --server, the command gets a credential endpoint that renews the credentials for as
    long as it runs (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN,
    which every SDK reads) instead of keys; without it, profiles warns a few minutes before the
    keys expire.

    Exits with the command's exit code; 127 when the command is not found, 126 when it cannot
    be run.

    \b
    Example: profiles exec NAME -- aws sts get-caller-identity
    """
    # As a shell would, before any role is assumed (or an MFA code asked for) in vain.
    program = find_program(command[0], os.environ.get("PATH"))
    inherited = os.environ.get(IN_PROGRESS)
    check_region(region)
    if server:
        from awsprofiles import endpoint

        source, first = endpoint_source(
            name, duration, mfa_code, no_cache, config_file, credentials_file, interactive=False
        )
        code = endpoint.exec_command(source, program, command, inherited, region or first.region)
        raise typer.Exit(code)
    credentials = _credentials(name, duration, mfa_code, no_cache, config_file, credentials_file)
    raise typer.Exit(run_with(credentials.in_region(region), program, command, inherited, name))


@app.command("console")
def console(
    name: Annotated[str, profile_argument("Profile to sign in as.")],
    print_url: Annotated[
        bool,
        typer.Option("--print", help="Print the sign-in URL on stdout instead of opening a browser."),
    ] = False,
    destination: Annotated[
        str | None,
        typer.Option(
            "--destination",
            help="A console URL (https://...) or a service name (ec2, s3, ...) [default: the console home].",
            show_default=False,
        ),
    ] = None,
    region: Annotated[str | None, region_option("Console region [default: the profile's region].")] = None,
    duration: Annotated[
        int | None,
        typer.Option(
            "--duration",
            metavar="SECONDS",
            help="Console session length in seconds (900-43200) [default: 1 hour].",
            show_default=False,
        ),
    ] = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Open the AWS web console as a profile, in your browser (or print the URL with --print).

    A role profile (any chain, MFA, external ID, credential_process, keyring or SSO source) and
    an SSO profile sign in with their role session, obtained as 'profiles env' obtains it (same
    cache); an IAM user's keys, in the credentials file or the keyring, get a session from
    sts:GetFederationToken first, with the user's own permissions (a keyring profile's MFA
    session cannot sign in: its key is used, with no MFA).

    The sign-in URL is a credential: anyone who has it within 15 minutes gets your console
    session. profiles never puts it in a log, an error message or a traceback; --print writes
    it to stdout only, so do not paste it anywhere you would not paste a password.

    Exit codes: 0 opened (or printed); 1 the credentials or the sign-in failed (assume-denied,
    mfa-required, denied, network, ...) or no browser could be started; 2 bad input.
    """
    if duration is not None:
        model.validate_duration(duration)
    if region is not None:
        warn(model.region_warnings(region))
    from awsprofiles.aws import console as signin

    signin.check_destination(destination)
    files = paths(config_file, credentials_file)
    snapshot, profile = _profile(name, files)
    role = profile.kind is model.Kind.ROLE
    if mfa_code is not None and not role:
        raise BadInput(
            f"--mfa-code applies to a profile that assumes a role; {name!r} is a {profile.kind.value} profile"
        )
    if profile.kind is model.Kind.KEYRING:
        from awsprofiles import sessions

        credentials = sessions.keyring_key(files, profile)
    else:
        credentials = _fetch(files, snapshot, name, duration if role else None, mfa_code, no_cache)
    url = signin.signin_url(
        files,
        name,
        credentials,
        role_arn=profile.get("role_arn"),
        destination=destination,
        region=region,
        duration=duration,
    )
    if print_url:
        write(url + "\n")
        return
    from awsprofiles.browser import open_secret_url

    open_secret_url(url, "the sign-in link")
    info(
        f"opened the AWS console as profile {name!r} in your browser (the sign-in link works for 15 minutes)"
    )
