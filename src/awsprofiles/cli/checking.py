"""``profiles check`` and ``profiles whoami``: the live commands (botocore is imported lazily)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import model, store
from awsprofiles.cli.app import ConfigFile, CredentialsFile, Json, app, paths, print_json, warn
from awsprofiles.errors import EXIT_FAILED, EXIT_OK, BadInput

if TYPE_CHECKING:
    # check.py (difflib, threads) is imported when a check runs, not at every start-up.
    from awsprofiles.check import CheckResult


def _status(result: CheckResult) -> str:
    return "ok" if result.ok else (result.error or "failed")


COLUMNS = ("PROFILE", "KIND", "STATUS", "ACCOUNT", "ARN / PROBLEM", "TIME")
#: The width of the table when stdout is not a terminal.
PIPED_WIDTH = 200


def _cells(result: CheckResult) -> list[str]:
    detail = result.arn if result.ok and result.arn else result.message
    return [
        result.profile,
        result.kind,
        _status(result),
        result.account or "",
        detail,
        f"{result.elapsed_ms / 1000:.2f}s",
    ]


def aligned_table(rows: list[list[str]], width: int) -> str | None:
    """The table rich draws for ``rows`` without colour, when no cell needs rich; else None.

    rich takes ~1 ms a row (11 s for 10,000 profiles). A table of printable ASCII cells that fits
    in ``width`` is, in rich's hands, only left-aligned columns (TIME right-aligned) two spaces
    apart; tests hold the two outputs equal.
    """
    table = [list(COLUMNS), *rows]
    for row in table:
        for cell in row:
            if not (cell.isascii() and cell.isprintable()):
                return None
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    if sum(widths) + 2 * (len(widths) - 1) >= width:
        return None  # rich would wrap a column
    lines = []
    for row in table:
        cells = [cell.ljust(size) for cell, size in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, row[-1].rjust(widths[-1])]))
    return "\n".join(lines) + "\n"


def render_results(results: list[CheckResult], json: bool) -> int:
    """Print results as a table and a summary line (or JSON); return the exit code."""
    failed = sum(1 for result in results if not result.ok)
    if json:
        print_json([result.to_json() for result in results])
        return EXIT_FAILED if failed else EXIT_OK
    rows = [_cells(result) for result in results]
    summary = f"{len(results) - failed} ok, {failed} failed"
    # Piped or captured output is read by people later, in wider windows: never fold an ARN at
    # rich's default 80 columns there. Without a terminal (and without the variables that make
    # rich colour anyway) rich draws no colour, and a plain table needs no rich at all.
    piped = not sys.stdout.isatty() and not {"FORCE_COLOR", "TTY_COMPATIBLE"} & set(os.environ)
    plain = aligned_table(rows, PIPED_WIDTH) if piped else None
    if plain is not None:
        sys.stdout.write(plain + summary + "\n")
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else PIPED_WIDTH)

        table = Table(box=None, pad_edge=False)
        for column in COLUMNS:
            table.add_column(column, overflow="fold", justify="right" if column == "TIME" else "left")
        for result, cells in zip(results, rows, strict=True):
            # Text, not str: rich would read '[...]' as markup and ':ok:' as an emoji in an ARN.
            texts = [Text(cell) for cell in cells]
            texts[2].stylize("green" if result.ok else "bold red")
            table.add_row(*texts)
        console.print(table)
        console.print(summary)
    return EXIT_FAILED if failed else EXIT_OK


@app.command("check")
def check_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Profiles to check [default: all].", show_default=False, metavar="NAME..."),
    ] = None,
    json: Json = False,
    offline: Annotated[bool, typer.Option("--offline", help="Only the static lint: no AWS call.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", help="Profiles checked at once.", min=1)] = 16,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds allowed per profile.", min=0.1)] = 10.0,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Check every profile (or NAMEs): static lint, then who AWS says each one is.

    Exit 0 when all are ok, 1 when any fails, 2 for an unknown NAME.
    """
    from awsprofiles import check

    warnings: list[str] = []
    results = check.check_profiles(
        paths(config_file, credentials_file),
        names or None,
        offline=offline,
        jobs=jobs,
        timeout=timeout,
        warnings=warnings,
    )
    warn(warnings)
    raise typer.Exit(render_results(results, json))


@app.command("whoami")
def whoami(
    name: Annotated[
        str | None,
        typer.Argument(help="Profile [default: $AWS_PROFILE or default].", show_default=False),
    ] = None,
    json: Json = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for AWS.", min=0.1)] = 10.0,
    config_file: ConfigFile = None,
    credentials_file: CredentialsFile = None,
) -> None:
    """Print who AWS says a profile is (STS GetCallerIdentity)."""
    from awsprofiles.aws.identity import Resolver

    files = paths(config_file, credentials_file)
    snapshot = store.load(files)
    from_environment = model.environment_profile(os.environ)
    if name is not None and snapshot.profile(name) is None:
        raise model.no_such_profile(name, snapshot.names())
    if name is None and from_environment is not None and snapshot.profile(from_environment[1]) is None:
        # botocore would fail with ProfileNotFound, even with keys in the environment.
        variable, value = from_environment
        raise BadInput(
            f"{variable}={value} names no profile{model.did_you_mean(value, snapshot.names())} "
            f"(unset {variable}, set it to a profile 'profiles list' shows, or run 'profiles whoami NAME')"
        )
    shown = name or (from_environment[1] if from_environment else "default")
    identity = Resolver(files, timeout, snapshot=snapshot).whoami(name)
    if json:
        print_json(
            {"profile": shown, "account": identity.account, "arn": identity.arn, "user_id": identity.user_id}
        )
    else:
        print(identity.arn)
        print(f"account {identity.account}  user id {identity.user_id}")
