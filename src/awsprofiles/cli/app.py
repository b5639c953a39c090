"""The Typer application and what every command shares: file options, output, warnings."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main

# typer ships its own copy of click; its classes are the ones used.
from typer import _click as click

from awsprofiles import model, store
from awsprofiles.cli import terminal
from awsprofiles.cli.command import ProfilesGroup, ProfilesTyper, print_version


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands by name: every registered name, each built when first looked up.

    Building a command means importing its module (which registers it on ``app``) and turning
    that one function into a click command; ``profiles list`` pays for ``list`` alone.
    """

    def __init__(self, built: MutableMapping[str, click.Command]) -> None:
        self._built = dict(built)

    @staticmethod
    def _modules() -> dict[str, str]:
        from awsprofiles.cli import COMMANDS

        return COMMANDS

    def _build(self, name: str) -> click.Command | None:
        module = self._modules().get(name)
        if module is None:
            return None
        importlib.import_module(module)
        for info in app.registered_commands:
            if info.name == name:
                command = typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                )
                self._built[name] = command
                return command
        raise RuntimeError(f"{module} registers no command {name!r}; fix COMMANDS in awsprofiles.cli")

    def __getitem__(self, name: str) -> click.Command:
        command = self._built.get(name) or self._build(name)
        if command is None:
            raise KeyError(name)
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules(), *self._built]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._modules(), *self._built]))

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._modules()


class LazyGroup(ProfilesGroup):
    """The ``profiles`` group: knows every command's name, imports a command's module when used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


app = ProfilesTyper(
    name="profiles",
    subcommand_metavar="COMMAND [ARG...]",
    help=(
        "Manage the profiles of the AWS CLI and SDKs: edit ~/.aws/config and "
        "~/.aws/credentials in place, check every profile against AWS, and use a role "
        "in any shell.\n\n"
        "Exit codes: 0 ok; 1 a check or AWS call failed; 2 bad input; "
        "3 refused (exists or in use); 4 a file cannot be read, parsed or written."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=LazyGroup,
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
    """A group with no command registered yet stays a group (see awsprofiles.cli.COMMANDS)."""


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
    from awsprofiles.aws.regions import known_regions

    # partitions.json names each partition's global endpoint (aws-global) among its regions.
    return sorted(region for region in known_regions() if not region.endswith("-global"))


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
Force = Annotated[bool, typer.Option("--force", help="Replace an existing profile's keys.")]
Keyring = Annotated[
    bool,
    typer.Option(
        "--keyring",
        help="Keep the access key in the OS keyring; the files get a credential_process instead.",
    ),
]


def paths(config_file: Path | None, credentials_file: Path | None) -> store.Paths:
    return store.locate(config_file, credentials_file)


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
