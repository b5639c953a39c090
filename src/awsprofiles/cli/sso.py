"""IAM Identity Center: ``add-sso`` (and ``--upgrade``), ``login`` and ``logout``.

The verification URL and the user code of a sign-in are printed (stderr): they are what the person
needs. Tokens, refresh tokens and client secrets never are.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from awsprofiles import editing
from awsprofiles.cli.app import (
    Files,
    app,
    confirm,
    force_option,
    info,
    profile_argument,
    region_option,
    role_name_option,
    sso_session_option,
    warn,
)
from awsprofiles.errors import BadInput

if TYPE_CHECKING:
    from awsprofiles.login import Authorization

SsoSessionOption = Annotated[
    str | None,
    sso_session_option("--sso-session", help="The [sso-session NAME] to use instead of a profile's."),
]


@app.command("add-sso")
def add_sso(
    files: Files,
    name: Annotated[
        str | None,
        profile_argument("Profile name (with --upgrade: the legacy profile to convert [default: all])."),
    ] = None,
    start_url: Annotated[
        str | None,
        typer.Option("--start-url", help="The AWS access portal URL, https://NAME.awsapps.com/start."),
    ] = None,
    sso_region: Annotated[
        str | None, region_option("The region of IAM Identity Center (of the portal).", "--sso-region")
    ] = None,
    account: Annotated[str | None, typer.Option("--account", help="The 12-digit account ID.")] = None,
    role_name: Annotated[
        str | None, role_name_option("The permission set (role) to use in that account.")
    ] = None,
    session: Annotated[
        str | None,
        sso_session_option(
            "--session",
            help="Name of the [sso-session] [default: the one for --start-url, else from its host].",
        ),
    ] = None,
    region: Annotated[str | None, region_option("The profile's default region.")] = None,
    upgrade: Annotated[
        bool,
        typer.Option(
            "--upgrade",
            help="Convert legacy SSO profiles (sso_start_url on the profile) to an [sso-session].",
        ),
    ] = False,
    force: Annotated[
        bool,
        force_option(
            "Make an existing profile this SSO profile (its other credential settings are removed)."
        ),
    ] = False,
) -> None:
    """Add an IAM Identity Center (SSO) profile in the AWS CLI v2 format.

    Writes [sso-session SESSION] (sso_start_url, sso_region, sso_registration_scopes), reused when
    one exists for the start URL, and [profile NAME] with sso_session, sso_account_id and
    sso_role_name. Then sign in with 'profiles login NAME'.
    """
    if upgrade:
        given = [
            flag
            for flag, value in (
                ("--start-url", start_url),
                ("--sso-region", sso_region),
                ("--account", account),
                ("--role-name", role_name),
                ("--region", region),
            )
            if value is not None
        ]
        if given or force:
            raise BadInput(
                f"--upgrade keeps each profile's values; it takes no {', '.join(given) or '--force'}"
            )
        done = editing.upgrade_sso(files, [name] if name else None, session)
        warn(done.warnings)
        if not done.profiles:
            info("no profile uses the legacy SSO format; nothing changed")
            return
        for profile, used in done.profiles:
            made = " (new)" if used in done.created_sessions else ""
            info(f"profile {profile!r} now uses sso-session {used!r}{made}")
        info("the sso-session format keeps its own token: sign in once with 'profiles login NAME'")
        return
    missing = [
        flag
        for flag, value in (
            ("NAME", name),
            ("--start-url", start_url),
            ("--sso-region", sso_region),
            ("--account", account),
            ("--role-name", role_name),
        )
        if not value
    ]
    if missing:
        raise BadInput(f"add-sso needs {', '.join(missing)} (or --upgrade to convert legacy profiles)")
    request = editing.SsoRequest(
        name or "", start_url or "", sso_region or "", account or "", role_name or "", session, region, force
    )
    done = editing.add_sso(files, request)
    warn(done.warnings)
    used = done.profiles[0][1]
    how = "new" if done.created_sessions else "existing"
    confirm(request.name, f"written (sso-session {used!r}, {how})")
    info(f"sign in with: profiles login {name}")


def _show_sign_in(no_browser: bool) -> Callable[[Authorization], None]:
    def on_pending(authorization: Authorization) -> None:
        info(
            "To sign in, open this URL and check that it shows the code "
            f"{authorization.user_code}:\n\n    {authorization.verification_uri_complete}\n"
        )
        if not no_browser:
            import webbrowser

            try:
                opened = webbrowser.open_new_tab(authorization.verification_uri_complete)
            except Exception:  # a broken browser setting must not stop the sign-in
                opened = False
            if not opened:
                info("(no browser could be opened: open the URL yourself)")
        expires = f"{authorization.expires_at:%H:%M:%S} UTC"
        info(f"Waiting for the sign-in to be approved (the code expires at {expires})...")

    return on_pending


@app.command("login")
def login(
    files: Files,
    name: Annotated[
        str | None,
        profile_argument("An SSO profile (or a role whose source is one) [default: the only session]."),
    ] = None,
    sso_session: SsoSessionOption = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the sign-in URL and code; do not open a browser.")
    ] = False,
    force: Annotated[bool, force_option("Sign in again even if the cached token is still valid.")] = False,
) -> None:
    """Sign in to IAM Identity Center and cache the token where the AWS CLI v2 and SDKs read it.

    A token still valid is kept; an expired one is refreshed without a browser when possible;
    otherwise the sign-in page opens (the device authorization flow). Exit codes: 0 signed in,
    1 the sign-in failed or was denied [sso-login], 2 no such profile or session.
    """
    from awsprofiles import login as feature

    session, done = feature.sign_in(
        files,
        _show_sign_in(no_browser),
        profile=name,
        sso_session=sso_session,
        force=force,
    )
    until = feature.format_time(done.token.expires_at)
    shown = session.label if session.name is None else f"{session.label} ({session.start_url})"
    if done.how == "valid":
        info(f"already signed in to {shown} until {until}; --force signs in again")
    elif done.how == "refreshed":
        info(f"refreshed the token of {shown} without a browser; valid until {until}")
    else:
        info(f"signed in to {shown}; token valid until {until}")
    sys.stderr.flush()


@app.command("logout")
def logout(
    files: Files,
    name: Annotated[
        str | None, profile_argument("An SSO profile whose session to sign out of [default: all].")
    ] = None,
    sso_session: SsoSessionOption = None,
) -> None:
    """Sign out of IAM Identity Center: remove the cached token (revoked at AWS first) and the role
    credentials cached with it. Without NAME or --sso-session, every SSO token, as 'aws sso logout'."""
    from awsprofiles import login as feature

    done = feature.sign_out(files, profile=name, sso_session=sso_session)
    if done.sessions:
        info(f"signed out of {', '.join(done.sessions)}")
    else:
        info("no SSO token was cached" + (" for it" if name or sso_session else ""))
    if done.role_credentials:
        some = "credential set" if done.role_credentials == 1 else "credential sets"
        info(f"removed {done.role_credentials} cached role {some}")
