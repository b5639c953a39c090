"""``profiles check`` and ``profiles whoami``: the live commands (botocore is imported lazily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles.cli.app import (
    DEFAULT_PROFILE,
    Files,
    Json,
    MfaCode,
    Wide,
    app,
    jobs_option,
    print_json,
    print_table,
    profile_argument,
    timeout_option,
    warn,
)
from awsprofiles.errors import EXIT_FAILED, EXIT_OK

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
    files: Files,
    names: Annotated[
        list[str] | None,
        profile_argument("Profiles to check [default: all].", metavar="NAME..."),
    ] = None,
    json: Json = False,
    wide: Wide = False,
    offline: Annotated[bool, typer.Option("--offline", help="Only the static lint: no AWS call.")] = False,
    jobs: Annotated[int, jobs_option("Profiles checked at once.")] = 16,
    timeout: Annotated[float, timeout_option("Seconds allowed per profile.")] = 10.0,
) -> None:
    """Check every profile (or NAMEs): static lint, then who AWS says each one is.

    Exit 0 when all are ok, 1 when any fails, 2 for an unknown NAME.
    """
    from awsprofiles import check

    warnings: list[str] = []
    results = check.check_profiles(
        files,
        names or None,
        offline=offline,
        jobs=jobs,
        timeout=timeout,
        warnings=warnings,
        wait_longer=check.RAISE_TIMEOUT,
    )
    warn(warnings)
    raise typer.Exit(render_results(results, json, wide))


@app.command("whoami")
def whoami(
    files: Files,
    name: Annotated[
        str | None,
        profile_argument(f"Profile {DEFAULT_PROFILE}."),
    ] = None,
    json: Json = False,
    timeout: Annotated[float, timeout_option("Seconds to wait for AWS.")] = 10.0,
    mfa_code: MfaCode = None,
) -> None:
    """Print who AWS says a profile is (STS GetCallerIdentity).

    The profile's credentials are those env gives it: a role's session from the AWS CLI's cache
    (~/.aws/cli/cache), else assumed, with an MFA code asked for on a terminal (or --mfa-code).
    """
    from awsprofiles import check

    shown, identity = check.whoami(files, name, timeout, mfa_code=mfa_code, warn=warn)
    if json:
        print_json(
            {"profile": shown, "account": identity.account, "arn": identity.arn, "user_id": identity.user_id}
        )
    else:
        print(identity.arn)
        print(f"account {identity.account}  user id {identity.user_id}")
