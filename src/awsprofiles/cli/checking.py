"""``profiles check`` and ``profiles whoami``: the live commands (botocore is imported lazily)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import model, store
from awsprofiles.cli.app import (
    DEFAULT_PROFILE,
    ConfigFile,
    CredentialsFile,
    Json,
    Wide,
    app,
    paths,
    print_json,
    print_table,
    profile_argument,
    warn,
)
from awsprofiles.errors import EXIT_FAILED, EXIT_OK, BadInput

if TYPE_CHECKING:
    # check.py (difflib, threads) is imported when a check runs, not at every start-up.
    from awsprofiles.check import CheckResult


def _status(result: CheckResult) -> str:
    return "ok" if result.ok else (result.error or "failed")


def render_results(results: list[CheckResult], json: bool, wide: bool = False) -> int:
    """Print results as a table and a summary line (or JSON); return the exit code."""
    failed = sum(1 for result in results if not result.ok)
    if json:
        print_json([result.to_json() for result in results])
    else:
        from awsprofiles.cli.terminal import BOLD, GREEN, RED, Column

        def cells(value: Callable[[CheckResult], str]) -> list[str]:
            return [value(result) for result in results]

        # On a narrow terminal TIME goes first, then KIND and ACCOUNT (the ARN holds it); prose
        # wraps between words, and names and ARNs are shortened in the middle, never folded.
        print_table(
            [
                Column("PROFILE", cells(lambda r: r.profile), least=32),
                Column("KIND", cells(lambda r: r.kind), drop=2, least=99),
                Column(
                    "STATUS",
                    cells(_status),
                    least=99,
                    styles=[(GREEN,) if result.ok else (BOLD, RED) for result in results],
                ),
                Column("ACCOUNT", cells(lambda r: r.account or ""), drop=3, least=99),
                Column(
                    "ARN / PROBLEM",
                    cells(lambda r: r.arn if r.ok and r.arn else r.message),
                    wrap=True,
                    least=40,
                ),
                Column("TIME", cells(lambda r: f"{r.elapsed_ms / 1000:.2f}s"), drop=1, least=99, right=True),
            ],
            wide,
        )
        print(f"{len(results) - failed} ok, {failed} failed")
    return EXIT_FAILED if failed else EXIT_OK


@app.command("check")
def check_command(
    names: Annotated[
        list[str] | None,
        profile_argument("Profiles to check [default: all].", metavar="NAME..."),
    ] = None,
    json: Json = False,
    wide: Wide = False,
    offline: Annotated[bool, typer.Option("--offline", help="Only the static lint: no AWS call.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", metavar="N", help="Profiles checked at once.", min=1)] = 16,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Seconds allowed per profile.", min=0.1)
    ] = 10.0,
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
    raise typer.Exit(render_results(results, json, wide))


@app.command("whoami")
def whoami(
    name: Annotated[
        str | None,
        profile_argument(f"Profile {DEFAULT_PROFILE}."),
    ] = None,
    json: Json = False,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for AWS.", min=0.1)
    ] = 10.0,
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
