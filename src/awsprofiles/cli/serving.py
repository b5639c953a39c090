"""Long-running work: `serve` (a credential endpoint, `awsprofiles.using.serve`) and `prompt` (the
profile in use and its time left, `awsprofiles.expiry`; the entry point serves it before this
module loads, except for ``--help``)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from awsprofiles import using
from awsprofiles.cli.app import Files, MfaCode, app, info, profile_argument, warn
from awsprofiles.cli.using import Duration, NoCache, Region


@app.command("serve")
def serve(
    files: Files,
    name: Annotated[str, profile_argument("Profile whose credentials to serve.")],
    port: Annotated[
        int,
        typer.Option(
            "--port",
            metavar="PORT",
            min=0,
            max=65535,
            show_default=False,
            help="Port on 127.0.0.1 [default: a free one].",
        ),
    ] = 0,
    shell: Annotated[
        str | None,
        typer.Option(
            "--shell",
            help=f"One of {', '.join(using.SERVE_SHELLS)} [default: detected from $SHELL, PSModulePath, "
            "ComSpec].",
            show_default=False,
            autocompletion=lambda: list(using.SERVE_SHELLS),
        ),
    ] = None,
    duration: Duration = None,
    mfa_code: MfaCode = None,
    no_cache: NoCache = False,
    region: Region = None,
) -> None:
    """Serve a profile's credentials, kept fresh, on a local endpoint until Ctrl-C.

    Prints the lines that point a shell (an IDE, a container on this machine) at it:
    AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN, which every AWS SDK
    and the CLI read. Paste them into another shell, or save them (--shell dotenv) where only
    you can read them: the token opens the endpoint. 'profiles env --unset' takes them back.
    It listens on 127.0.0.1 and serves your own uid and root only: a container needs
    '--network host' and your uid ('--user "$(id -u)"') or root.

    Exit codes: 0 stopped by SIGTERM; 130 stopped by Ctrl-C; 1 the credentials cannot be had;
    2 bad input.
    """
    raise typer.Exit(
        using.serve(
            files,
            name,
            shell,
            port=port,
            duration=duration,
            mfa_code=mfa_code,
            no_cache=no_cache,
            region=region,
            warn=warn,
            info=info,
        )
    )


@app.command("prompt")
def prompt() -> None:
    """Print the profile in use and the time its credentials have left ('dev-role 42m'), for a
    shell prompt; nothing when no profile is in use. Reads the environment only: no file, no
    keyring, no network. The guide has lines for bash, zsh, fish and starship.
    """
    from awsprofiles.expiry import prompt_segment

    segment = prompt_segment(os.environ)
    if segment:
        sys.stdout.write(segment + "\n")
