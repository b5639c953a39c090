"""``profiles discover``: one profile per role a source can reach, shown, written, or as a manifest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from awsprofiles.cli.app import (
    DryRun,
    Files,
    Json,
    app,
    complete_files,
    info,
    jobs_option,
    print_json,
    print_table,
    profile_option,
    region_option,
    role_name_option,
    sso_session_option,
    warn,
)
from awsprofiles.cli.terminal import printable_lines

if TYPE_CHECKING:
    from awsprofiles import discover

# discover (and with it botocore) is imported when the command runs.


@app.command("discover")
def discover_command(
    files: Files,
    source: Annotated[
        str | None,
        profile_option(
            "--source", metavar="PROFILE", help="Find the roles this profile (an IAM user's keys) can assume."
        ),
    ] = None,
    sso_session: Annotated[
        str | None,
        sso_session_option(
            "--sso-session",
            metavar="SESSION",
            help="Find every account and role you are assigned in this IAM Identity Center session.",
        ),
    ] = None,
    organization: Annotated[
        bool,
        typer.Option(
            "--organization", help="Also every account of the organization (Organizations ListAccounts)."
        ),
    ] = False,
    role_names: Annotated[
        list[str] | None,
        role_name_option(
            "With --organization: the role to try in each account (repeat it) "
            "[default: OrganizationAccountAccessRole]."
        ),
    ] = None,
    org_profile: Annotated[
        str | None,
        profile_option(
            "--org-profile",
            metavar="PROFILE",
            help="List the organization's accounts with this profile instead.",
        ),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Assume each role (concurrently) and keep those that work.")
    ] = False,
    name: Annotated[
        str,
        typer.Option(
            "--name",
            metavar="TEMPLATE",
            help="Profile names, from {account_name}, {account_id}, {role_name}, {source}.",
        ),
    ] = "{account_name}.{role_name}",
    region: Annotated[str | None, region_option("Region of every profile.", metavar="REGION")] = None,
    dry_run: DryRun = False,
    apply: Annotated[bool, typer.Option("--apply", help="Write the profiles (one transaction).")] = False,
    manifest_file: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            metavar="FILE",
            autocompletion=complete_files,
            help="Write a team manifest for 'profiles onboard' instead of the profiles.",
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Remove profiles an earlier discover generated whose role is gone."),
    ] = False,
    jobs: Annotated[int, jobs_option("Roles tried at once by --verify.")] = 16,
    json: Json = False,
) -> None:
    """Generate a profile for every role you can reach: from SSO, or from an IAM user's keys.

    --sso-session: every account and role of the signed-in SSO user (CLI v2 format profiles).
    --source: the roles of the source's own account whose trust policy lets it in (and why the
    others were skipped); with --organization, also every account of the organization times
    --role-name. Without --apply or --manifest nothing is written: the diff of the files is
    printed. Generated profiles are marked (profiles_discovered_from), so a second run changes
    nothing and --prune only ever removes profiles discover made. Exit codes: 0 ok, 1 an AWS call
    failed, 2 bad input, 3 refused, 4 the AWS files cannot be read or written.
    """
    from awsprofiles import discover

    request = discover.Request(
        source=source,
        sso_session=sso_session,
        organization=organization,
        role_names=tuple(role_names or ()),
        org_profile=org_profile,
        verify=verify,
        name=name,
        region=region,
        dry_run=dry_run,
        apply=apply,
        manifest=manifest_file,
        prune=prune,
        jobs=jobs,
    )
    done = discover.run(files, request, warn)
    if done.manifest is not None:
        _manifest(done.manifest, done.found, dry_run, json)
    else:
        assert done.files is not None
        _files(done.files, apply, json)


def _skipped_lines(skipped: tuple[discover.Skipped, ...]) -> None:
    for item in skipped:
        info(f"skipped {item.what}: {item.reason}")


def _candidate_json(named: discover.Named) -> dict[str, Any]:
    candidate = named.candidate
    return {
        "name": named.name,
        "account_id": candidate.account_id,
        "account_name": candidate.account_name,
        "role_name": candidate.role_name,
        "role_arn": candidate.role_arn,
        "verified": candidate.verified,
        "how": candidate.how,
    }


def _skipped_json(skipped: tuple[discover.Skipped, ...]) -> list[dict[str, str]]:
    return [{"what": item.what, "reason": item.reason} for item in skipped]


def _table(rows: list[tuple[str | None, discover.Named]]) -> None:
    """One line per profile; ACTION only when the files are edited."""
    if not rows:
        return
    from awsprofiles.cli.terminal import Column

    with_action = rows[0][0] is not None
    actions = [Column("ACTION", [action or "" for action, _ in rows], least=99)] if with_action else []
    # On a narrow terminal ROLE is shortened in the middle; PROFILE always stays whole.
    print_table(
        [
            Column("PROFILE", [named.name for _, named in rows], least=32),
            *actions,
            Column("ACCOUNT", [named.candidate.account_id for _, named in rows], drop=1, least=99),
            Column(
                "ROLE", [named.candidate.role_arn or named.candidate.role_name for _, named in rows], least=40
            ),
        ]
    )


def _files(planned: discover.FilesPlan, apply: bool, json: bool) -> None:
    actions = {change.profile: change.action.value for change in planned.changes}
    if json:
        print_json(
            {
                "origin": planned.found.origin,
                "mode": "apply" if apply else "dry-run",
                "changed": planned.changed,
                "written": apply and planned.changed,
                "files": [str(file.path) for file in planned.files],
                "profiles": [{**_candidate_json(n), "action": actions[n.name]} for n in planned.named],
                "removed": list(planned.removed),
                "skipped": _skipped_json(planned.skipped),
                "notes": list(planned.notes) + list(planned.found.notes),
                "diff": planned.diff(),
            }
        )
        return
    _skipped_lines(planned.skipped)
    warn(list(planned.notes))
    if not apply:
        sys.stdout.write(printable_lines(planned.diff()))
    else:
        _table([(actions[n.name], n) for n in planned.named])
    for note in planned.found.notes:
        info(note)
    info(_headline(planned, apply))


def _headline(planned: discover.FilesPlan, apply: bool) -> str:
    from awsprofiles import discover

    summary = discover.tally(planned.named, planned.skipped)
    if not planned.changed:
        return f"{summary}; no changes: every discovered profile is already in place"
    verb = "" if apply else "would "
    parts = []
    for action in ("create", "update"):
        names = [change.profile for change in planned.changes if change.action.value == action]
        if names:
            parts.append(f"{verb}{action} {', '.join(names)}")
    if planned.removed:
        parts.append(f"{verb}remove {', '.join(planned.removed)}")
    files = ", ".join(str(file.path) for file in planned.files)
    tail = f"wrote {files}" if apply else f"would write {files}; run again with --apply to write"
    return f"{summary}; {'; '.join(parts)} ({tail})"


def _manifest(planned: discover.ManifestPlan, found: discover.Found, dry_run: bool, json: bool) -> None:
    from awsprofiles import discover

    if json:
        print_json(
            {
                "origin": found.origin,
                "mode": "manifest-dry-run" if dry_run else "manifest",
                "manifest": str(planned.path),
                "changed": planned.changed,
                "written": planned.changed and not dry_run,
                "profiles": [_candidate_json(n) for n in planned.named],
                "skipped": _skipped_json(found.skipped),
                "diff": planned.diff(),
            }
        )
        return
    _skipped_lines(found.skipped)
    if dry_run:
        sys.stdout.write(printable_lines(planned.diff()))
    else:
        _table([(None, n) for n in planned.named])
    for note in found.notes:
        info(note)
    summary = discover.tally(planned.named, found.skipped)
    if not planned.changed:
        info(f"{summary}; no changes: {planned.path} already lists them")
    elif dry_run:
        info(f"{summary}; would write {planned.path}")
    else:
        info(f"{summary}; wrote {planned.path}: every engineer runs 'profiles onboard {planned.path}'")
