"""The Typer application, which each command's module registers its command on, and what the
commands share: the file pair and the other options several commands take, completion of values,
output, warnings. Which module registers which command is `awsprofiles.cli.registry`'s."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from awsprofiles import model, store
from awsprofiles.cli import terminal
from awsprofiles.cli.command import ProfilesGroup, ProfilesTyper, print_version


class _Application(ProfilesTyper):
    """The application: a command that takes ``files: Files`` is registered through `with_files`."""

    def command(  # type: ignore[override]
        self, name: str | None = None, **settings: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        register = super().command(name, **settings)
        return lambda function: register(with_files(function))


app = _Application(
    name="profiles",
    subcommand_metavar="COMMAND [ARG...]",
    help=(
        "Manage the profiles of the AWS CLI and SDKs: edit ~/.aws/config and "
        "~/.aws/credentials in place, check every profile against AWS, and use a role "
        "in any shell.\n\n"
        "Exit codes: 0 ok; 1 a check or AWS call failed; 2 bad input (a file you name included); "
        "3 refused (exists or in use); 4 the AWS files or the keyring cannot be read, parsed or "
        "written; "
        "130 interrupted (Ctrl-C)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    # The group `awsprofiles.cli.registry.root` builds is a ProfilesGroup that loads commands lazily.
    cls=ProfilesGroup,
)


@app.callback()
def _profiles(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", is_eager=True, callback=print_version
        ),
    ] = False,
) -> None:
    """A group with no command registered yet stays a group (see awsprofiles.cli.registry)."""


# ------------------------------------------------------------------------- completion of values
#
# Every parameter that takes a profile name gets its completion here, through `profile_argument`
# and `profile_option` (tests/test_completion.py fails for one that does not). The shells' fast
# path never runs these callbacks: it reads the kind they declare from a spec built once from
# this application (awsprofiles.completion, awsprofiles.cli.completing).

#: Set in a context's meta by the spec builder: a completer then records its kind there.
COMPLETION_KIND = "awsprofiles.completion_kind"


def completer(kind: str) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """The completion of one kind of value: a profile, a setting name (both read from the files), a path."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        from awsprofiles import completion

        if COMPLETION_KIND in ctx.meta:
            ctx.meta[COMPLETION_KIND] = kind
            return []
        if kind in (completion.FILE, completion.DIR):
            return []  # the shell completes paths itself
        given = {key: str(value) for key, value in ctx.params.items() if isinstance(value, str | Path)}
        return completion.candidates(completion.Target(kind, incomplete, given=given))

    return complete


complete_profiles = completer("profile")
complete_sso_sessions = completer("sso-session")
complete_keys = completer("key")
complete_files = completer("file")


def complete_regions() -> list[str]:
    """The regions botocore knows, in every partition (read once, into the completion spec)."""
    from awsprofiles.completion import region_candidates

    return region_candidates()


def profile_argument(help: str, **settings: Any) -> Any:
    """A positional profile NAME, completed with the names of both files."""
    return typer.Argument(help=help, show_default=False, autocompletion=complete_profiles, **settings)


def profile_option(*names: str, help: str, **settings: Any) -> Any:
    """An option whose value is a profile (--source ...), completed like a profile NAME."""
    return typer.Option(*names, help=help, show_default=False, autocompletion=complete_profiles, **settings)


def sso_session_option(*names: str, help: str, **settings: Any) -> Any:
    """An option whose value is an ``[sso-session NAME]``, completed with the config file's."""
    return typer.Option(
        *names, help=help, show_default=False, autocompletion=complete_sso_sessions, **settings
    )


def default_note(*choices: str) -> str:
    """How a help text states a default it does not hold as a value: the choices in the order
    they are tried (``[default: $AWS_CONFIG_FILE, else ~/.aws/config]``)."""
    return f"[default: {', else '.join(choices)}]"


#: The profile botocore uses when none is named: the variables in botocore's order, then "default".
DEFAULT_PROFILE = default_note(*(f"${variable}" for variable in model.PROFILE_VARIABLES), "default")

ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config-file",
        metavar="FILE",
        help=f"Config file {default_note('$AWS_CONFIG_FILE', '~/.aws/config')}.",
        show_default=False,
        autocompletion=complete_files,
    ),
]
CredentialsFile = Annotated[
    Path | None,
    typer.Option(
        "--credentials-file",
        metavar="FILE",
        help=f"Credentials file {default_note('$AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')}.",
        show_default=False,
        autocompletion=complete_files,
    ),
]
#: The two files a command reads or edits: a command declares a parameter ``files: Files`` (it
#: is registered through `with_files`) and gets --config-file and --credentials-file, as the
#: last options of its help, and the `store.Paths` they name (botocore's defaults otherwise).
Files = store.Paths


def with_files(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as typer must see it: its ``files`` parameter replaced with the two options."""
    signature = inspect.signature(function, eval_str=True)
    if "files" not in signature.parameters:
        return function
    if signature.parameters["files"].annotation is not Files:
        raise TypeError(f"{function.__qualname__}: the parameter 'files' is for the two files (files: Files)")
    parameters = [parameter for parameter in signature.parameters.values() if parameter.name != "files"]
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters += [
        inspect.Parameter("config_file", keyword, default=None, annotation=ConfigFile),
        inspect.Parameter("credentials_file", keyword, default=None, annotation=CredentialsFile),
    ]

    @functools.wraps(function)
    def command(
        *args: Any, config_file: Path | None = None, credentials_file: Path | None = None, **kwargs: Any
    ) -> Any:
        return function(*args, files=store.locate(config_file, credentials_file), **kwargs)

    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {
        **{parameter.name: parameter.annotation for parameter in parameters},
        "return": signature.return_annotation,
    }
    return command


#: An MFA code, for the commands that use a profile as env does (env, exec, whoami, ...).
MfaCode = Annotated[
    str | None,
    typer.Option(
        "--mfa-code", metavar="CODE", help="The current code of the MFA device (else asked on stderr)."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Wide = Annotated[
    bool,
    typer.Option("--wide", help="Show every value whole, even when the table is wider than the terminal."),
]


def region_option(help: str, name: str = "--region", **settings: Any) -> Any:
    return typer.Option(name, help=help, show_default=False, autocompletion=complete_regions, **settings)


ProfileName = Annotated[str, profile_argument("Profile name.")]
KeyName = Annotated[str, typer.Argument(help="Setting name, e.g. region.", autocompletion=complete_keys)]

# Where an access key comes from (add-user, onboard): never the command line for the secret.
SecretStdin = Annotated[
    bool, typer.Option("--secret-stdin", help="Read the secret access key from one line of stdin.")
]
FromCsv = Annotated[
    Path | None,
    typer.Option(
        "--from-csv",
        metavar="FILE",
        help="The access key CSV downloaded from the IAM console.",
        autocompletion=complete_files,
    ),
]
FromJson = Annotated[
    Path | None,
    typer.Option(
        "--from-json",
        metavar="FILE",
        help="The output of 'aws iam create-access-key'.",
        autocompletion=complete_files,
    ),
]


def access_key_id_option(help: str) -> Any:
    """--access-key-id: an IAM user's access key ID; its secret comes from --secret-stdin, a key
    file or the terminal, never from the command line."""
    return typer.Option("--access-key-id", help=help)


Keyring = Annotated[
    bool,
    typer.Option(
        "--keyring",
        help="Keep the access key in the OS keyring; the files get a credential_process instead.",
    ),
]

# ------------------------------------------------------------------------- options of several commands
#
# Each is declared here once, with its metavar and its range; a command says in its help what
# the option means for it. tests/test_cli_conventions.py checks that no command declares them
# another way.

DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the diff of each file (secrets masked); change nothing.")
]


def force_option(forces: str) -> Any:
    """--force: ``forces`` says exactly what it does that the command refuses without it."""
    return typer.Option("--force", help=forces)


def duration_option(help: str) -> Any:
    """--duration SECONDS, an STS session's length; ``{range}`` in ``help`` is the range STS
    accepts, which `model.validate_duration` checks (with its own message) where it is used."""
    return typer.Option(
        "--duration",
        metavar="SECONDS",
        help=help.format(range=f"{model.MIN_DURATION}-{model.MAX_DURATION}"),
        show_default=False,
    )


def jobs_option(help: str) -> Any:
    """--jobs N: how many at once, at least one."""
    return typer.Option("--jobs", metavar="N", help=help, min=1)


def timeout_option(help: str) -> Any:
    """--timeout SECONDS: how long to wait for AWS, at least a tenth of a second."""
    return typer.Option("--timeout", metavar="SECONDS", help=help, min=0.1)


def role_name_option(help: str) -> Any:
    """--role-name ROLE: an IAM role's (or a permission set's) name, checked where it is used."""
    return typer.Option("--role-name", metavar="ROLE", help=help, show_default=False)


def no_check_option(help: str) -> Any:
    """--no-check: no live check with AWS of what was just written."""
    return typer.Option("--no-check", help=help)


def warn(messages: list[str]) -> None:
    for message in messages:
        print(f"warning: {terminal.printable_lines(message)}", file=sys.stderr)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def print_table(columns: list[terminal.Column], wide: bool = False) -> None:
    """Aligned columns that fit the terminal (see `terminal`); piped, one whole row per line."""
    sys.stdout.write(terminal.render(columns, terminal.width(wide)))


def info(message: str) -> None:
    """Progress and confirmations: stderr, so that stdout stays for what scripts read."""
    print(terminal.printable_lines(message), file=sys.stderr)


def confirm(name: str, done: str) -> None:
    """The one confirmation of an edit of a profile, on stderr: ``profile 'alice' written``,
    ``... removed``, ``... renamed to 'bob'``, ``... updated: region = eu-west-1``, ``... unchanged``."""
    info(f"profile {name!r} {done}")
