"""Using a profile: `env`, `env --unset`, `exec`, `credential-process` and `console`. Each calls one
function of `awsprofiles.using`, which decides and prints what the fast path that serves cached
roles before typer loads prints too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from awsprofiles import model, shells, using
from awsprofiles.cli.app import (
    Files,
    MfaCode,
    app,
    duration_option,
    info,
    profile_argument,
    region_option,
    warn,
)
from awsprofiles.cli.command import CommandLineCommand

Duration = Annotated[
    int | None, duration_option("Session length in seconds ({range}), instead of duration_seconds.")
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


@app.command("env")
def env(
    files: Files,
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
) -> None:
    """Print the commands that put a profile's credentials in the current shell.

    \b
    bash, zsh:   eval "$(profiles env NAME)"
    fish:        profiles env NAME --shell fish | source
    PowerShell:  profiles env NAME --shell powershell | Invoke-Expression
    cmd:         for /f "delims=" %i in ('profiles env NAME --shell cmd') do @%i
    Back again:  the same with 'profiles env --unset' instead of 'profiles env NAME'.
    """
    using.env(
        files,
        name,
        shell,
        unset=unset,
        duration=duration,
        mfa_code=mfa_code,
        no_cache=no_cache,
        region=region,
        warn=warn,
    )


@app.command("credential-process")
def credential_process(
    files: Files,
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
) -> None:
    """Print a profile's credentials as the JSON an SDK's credential_process reads.

    In another profile: credential_process = profiles credential-process NAME

    With --from-keyring, the access key is read from the OS keyring (where 'add-user --keyring'
    and 'protect' put it); with the profile's mfa_serial, an MFA session (STS GetSessionToken,
    --session-duration, default 12 h) is made with one code and kept in the keyring.
    """
    using.credential_process(
        files,
        name,
        duration=duration,
        mfa_code=mfa_code,
        no_cache=no_cache,
        from_keyring=from_keyring,
        session_duration=session_duration,
        warn=warn,
    )


@app.command("exec", cls=CommandLineCommand)
def exec_(
    files: Files,
    name: Annotated[str, profile_argument("Profile whose credentials the command gets.")],
    command: Annotated[
        list[str],
        typer.Argument(
            help="The command and its arguments: every word from its first on is the command's, "
            "options too (-- before it is accepted).",
            show_default=False,
        ),
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
) -> None:
    """Run a command with a profile's credentials in its environment (and no AWS_PROFILE).

    With --server, the command gets a credential endpoint that renews the credentials for as
    long as it runs (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN,
    which every SDK reads) instead of keys; without it, profiles warns a few minutes before the
    keys expire.

    Exits with the command's exit code; 127 when the command is not found, 126 when it cannot
    be run.

    \b
    Example: profiles exec NAME aws sts get-caller-identity --query Arn
    """
    raise typer.Exit(
        using.run_command(
            files,
            name,
            command,
            duration=duration,
            mfa_code=mfa_code,
            no_cache=no_cache,
            server=server,
            region=region,
            warn=warn,
        )
    )


@app.command("console")
def console(
    files: Files,
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
        int | None, duration_option("Console session length in seconds ({range}) [default: 1 hour].")
    ] = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
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
    url = using.console_url(
        files,
        name,
        destination=destination,
        region=region,
        duration=duration,
        mfa_code=mfa_code,
        no_cache=no_cache,
        warn=warn,
    )
    if print_url:
        using.write(url + "\n")
        return
    from awsprofiles.browser import open_secret_url

    refused = open_secret_url(url, "the sign-in link")
    info(
        f"opened the AWS console as profile {name!r} in your browser (the sign-in link works for 15 minutes)"
    )
    warn(refused)
