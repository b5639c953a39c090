"""Commands that read and edit the two files; AWS is called (botocore imported) only to look a role
up and to check a new profile, never with --no-check and --role-arn."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from awsprofiles import editing, store
from awsprofiles.cli import terminal
from awsprofiles.cli.app import (
    Files,
    FromCsv,
    FromJson,
    Json,
    KeyName,
    Keyring,
    ProfileName,
    SecretStdin,
    Wide,
    access_key_id_option,
    app,
    complete_keys,
    confirm,
    duration_option,
    force_option,
    info,
    no_check_option,
    print_json,
    print_table,
    profile_argument,
    profile_option,
    region_option,
    role_name_option,
    warn,
)
from awsprofiles.cli.terminal import Column
from awsprofiles.errors import CheckFailed

Name = ProfileName
NoCheck = Annotated[bool, no_check_option("Do not check the new profile with AWS.")]


@app.command("add-user")
def add_user(
    files: Files,
    name: Name,
    access_key_id: Annotated[
        str | None, access_key_id_option("The access key ID (AKIA...); asked for on a terminal if not given.")
    ] = None,
    secret_stdin: SecretStdin = False,
    from_csv: FromCsv = None,
    from_json: FromJson = None,
    region: Annotated[str | None, region_option("Default region, e.g. eu-west-1.")] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", metavar="FORMAT", help="Default output format (json, text, table, yaml)."),
    ] = None,
    force: Annotated[bool, force_option("Replace an existing profile's keys.")] = False,
    keyring: Keyring = False,
    mfa_serial: Annotated[
        str | None,
        typer.Option(
            "--mfa-serial",
            help="With --keyring: the MFA device; a code is asked once per session (GetSessionToken).",
        ),
    ] = None,
    no_check: NoCheck = False,
) -> None:
    """Add a profile with an IAM user's access key, then check it live (unless --no-check).

    The secret access key is never taken from the command line: it is asked for on the
    terminal (after the key ID, when --access-key-id is not given), or read from --secret-stdin,
    --from-csv or --from-json. With --keyring it is kept in the OS keyring, and the files get a
    credential_process instead of the key.
    """
    from awsprofiles import keyfiles  # csv, json and getpass: only this command needs them

    key = keyfiles.obtain(access_key_id, secret_stdin, from_csv, from_json)
    request = editing.UserRequest(
        name, key.access_key_id, key.secret_access_key, region, output, force, keyring, mfa_serial
    )
    warn(editing.add_user(files, request))
    confirm(name, "written")
    if not no_check:
        _check_written(files, name)


def _check_written(files: store.Paths, name: str) -> None:
    """The live check after an edit, with the profile as env uses it (an MFA code is asked for on
    a terminal): the profile stays written even when it fails. A code that cannot be asked for
    here is no failure: the profile is not checked, and the message says how to check it."""
    from awsprofiles import check

    result, warnings = check.verify_profile(files, name)
    warn(warnings)
    if result is None:
        info(
            f"profile {name!r} not checked: it needs an MFA code, which cannot be asked for here; "
            f"check it with 'profiles whoami {name}' in a terminal (or 'profiles whoami {name} "
            "--mfa-code CODE')"
        )
        return
    if not result.ok and result.error == "invalid-key":
        # IAM is eventually consistent: a key created seconds ago may not be known to STS yet.
        result.message += f" (a key made in the last few seconds may not work yet: 'profiles check {name}')"
    if not result.ok:
        raise CheckFailed(
            f"profile {name!r} is written but does not work: {result.message}", result.error or ""
        )
    print(result.arn)


@app.command("add-role")
def add_role(
    files: Files,
    name: Name,
    source: Annotated[
        str | None,
        profile_option("--source", metavar="PROFILE", help="Profile whose credentials assume the role."),
    ] = None,
    role_arn: Annotated[
        str | None, typer.Option("--role-arn", help="arn:aws:iam::ACCOUNT:role/NAME.")
    ] = None,
    credential_source: Annotated[
        str | None,
        typer.Option(
            "--credential-source",
            help="Environment, Ec2InstanceMetadata or EcsContainer, instead of --source.",
        ),
    ] = None,
    mfa_serial: Annotated[
        str | None, typer.Option("--mfa-serial", help="ARN of the MFA device the role requires.")
    ] = None,
    external_id: Annotated[
        str | None, typer.Option("--external-id", help="External ID the role's trust policy requires.")
    ] = None,
    session_name: Annotated[
        str | None, typer.Option("--session-name", help="role_session_name shown in CloudTrail.")
    ] = None,
    duration: Annotated[int | None, duration_option("Session duration in seconds ({range}).")] = None,
    region: Annotated[
        str | None, region_option("Default region [default: the source profile's region].")
    ] = None,
    role_name: Annotated[
        str | None,
        role_name_option("Name of the role to look up when --role-arn is not given [default: NAME]."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="Account of the role to look up, when not the source's own."),
    ] = None,
    force: Annotated[
        bool, force_option("Update an existing profile: the settings given replace its own, the others stay.")
    ] = False,
    no_check: NoCheck = False,
) -> None:
    """Add a profile that assumes an IAM role with another profile's credentials.

    Without --role-arn, the role (--role-name, default NAME) is looked up with the source's
    credentials (iam:ListRoles), or its ARN is built from the source's account. Unless
    --session-name is given, role_session_name is the source's IAM user name. Then the new
    profile is checked live, unless --no-check.
    """
    request = editing.RoleRequest(
        name,
        role_arn or "",
        source,
        credential_source,
        mfa_serial,
        external_id,
        session_name,
        duration,
        region,
        force,
    )
    notes = editing.add_role_looked_up(
        files,
        request,
        look_up_arn=role_arn is None,
        role_name=role_name or name,
        account=account,
        name_session=not no_check,
        warn=warn,
        info=info,
    )
    confirm(name, "written")
    for note in notes:
        info(note)
    if not no_check:
        _check_written(files, name)


@app.command("list")
def list_profiles(
    files: Files,
    json: Json = False,
    wide: Wide = False,
) -> None:
    """List every profile of both files."""
    rows = editing.describe_all(files, warn)
    if json:
        print_json(rows)
        return

    def cells(key: str) -> list[str]:
        return [str(row[key] or "") for row in rows]

    # On a narrow terminal REGION goes first, then KIND, SOURCE and ROLE ARN; NAME always stays.
    print_table(
        [
            Column("NAME", cells("name"), least=32),
            Column("KIND", cells("kind"), drop=2, least=99),
            Column("SOURCE", cells("source"), drop=3, least=16),
            Column("REGION", cells("region"), drop=1, least=99),
            Column("ROLE ARN", cells("role_arn"), drop=4, least=40),
        ],
        wide,
    )


@app.command("show")
def show(
    files: Files,
    name: Name,
    json: Json = False,
    wide: Wide = False,
) -> None:
    """Show a profile's keys and the file each is in (secrets masked)."""
    shown = editing.show(files, name, warn)
    if json:
        print_json(shown)
        return
    keys = shown["keys"]
    assert isinstance(keys, dict)
    limit = terminal.width(wide)
    kind = f" ({shown['kind']})"
    print(terminal.fitted(str(shown["name"]), None if limit is None else limit - len(kind)) + kind)
    lines = []
    for key, entry in keys.items():
        value = entry["value"]
        if isinstance(value, dict):
            value = "; ".join(f"{k} = {v}" for k, v in value.items())
        lines.append((terminal.printable(f"  {key} = "), terminal.printable(value), f"    [{entry['file']}]"))
    if limit is not None and any(len("".join(line)) > limit for line in lines):
        lines = [(key, value, "") for key, value, _ in lines]  # the files go before any value is cut
    for key, value, where in lines:
        room = None if limit is None else limit - len(key) - len(where)
        print(
            key + terminal.fitted(value, room) + where
            if room is None or room > 0
            else terminal.shorten(key, limit or 1)
        )


@app.command("get")
def get(
    files: Files,
    name: Name,
    key: KeyName,
    json: Json = False,
) -> None:
    """Print one setting of a profile (secrets are never printed)."""
    value = editing.get_value(files, name, key)
    if json:
        print_json({"profile": name, "key": key.lower(), "value": value})
    else:
        # The exact value for `$(profiles get ...)`; on a terminal, nothing it could act on.
        print(terminal.printable_lines(value) if sys.stdout.isatty() else value)


@app.command("set")
def set_(
    files: Files,
    name: Name,
    key: KeyName,
    value: Annotated[str, typer.Argument(help="New value.")],
    create: Annotated[
        bool, typer.Option("--create", help="Create the profile if it does not exist.")
    ] = False,
    force: Annotated[
        bool, force_option("Write a key botocore does not read, an empty value, or half a key pair anyway.")
    ] = False,
) -> None:
    """Set one setting of a profile, in place (secrets: use add-user)."""
    warnings, done = editing.set_value(files, name, key, value, create, force)
    warn(warnings)
    confirm(name, done)


@app.command("unset")
def unset(
    files: Files,
    name: Name,
    keys: Annotated[
        list[str],
        typer.Argument(
            help="Setting names, e.g. region.",
            metavar="KEY...",
            show_default=False,
            autocompletion=complete_keys,
        ),
    ],
    force: Annotated[bool, force_option("Remove one half of a key pair, leaving the other.")] = False,
) -> None:
    """Remove settings of a profile, from whichever file holds them."""
    warnings, done = editing.unset_value(files, name, *keys, force=force)
    warn(warnings)
    confirm(name, done)


@app.command("remove")
def remove(
    files: Files,
    name: Name,
    force: Annotated[
        bool,
        force_option(
            "Remove even if other profiles use it as source_profile or run it as credential_process."
        ),
    ] = False,
) -> None:
    """Remove a profile from both files."""
    warn(editing.remove(files, name, force))
    confirm(name, "removed")


@app.command("rename")
def rename(
    files: Files,
    old: Annotated[str, profile_argument("Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
) -> None:
    """Rename a profile in both files, in every source_profile that names it and every
    credential_process that runs 'profiles credential-process' for it."""
    warn(editing.rename(files, old, new))
    confirm(old, f"renamed to {new!r}")
