"""The Typer application and what every command shares: file options, output, warnings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from awsprofiles import store

app = typer.Typer(
    name="profiles",
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
)

ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config-file",
        help="Config file [default: $AWS_CONFIG_FILE or ~/.aws/config].",
        show_default=False,
    ),
]
CredentialsFile = Annotated[
    Path | None,
    typer.Option(
        "--credentials-file",
        help="Credentials file [default: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials].",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

# Where an access key comes from (add-user, onboard): never the command line for the secret.
SecretStdin = Annotated[
    bool, typer.Option("--secret-stdin", help="Read the secret access key from one line of stdin.")
]
FromCsv = Annotated[
    Path | None, typer.Option("--from-csv", help="The access key CSV downloaded from the IAM console.")
]
FromJson = Annotated[
    Path | None, typer.Option("--from-json", help="The output of 'aws iam create-access-key'.")
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
        print(f"warning: {message}", file=sys.stderr)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Aligned columns, one line per row, never wrapped: greppable, and fast for 10,000 rows."""
    widths = [max([len(header)] + [len(row[i]) for row in rows]) for i, header in enumerate(headers)]
    lines = []
    for cells in [headers, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
    sys.stdout.write("\n".join(lines) + "\n")


def info(message: str) -> None:
    """Progress and confirmations: stderr, so that stdout stays for what scripts read."""
    print(message, file=sys.stderr)
