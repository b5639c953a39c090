"""``profiles credential-process NAME --from-keyring``: a profile's key, or its MFA session, from the keyring.

Without ``mfa_serial`` the profile's access key is printed as it is. With ``mfa_serial``, STS
GetSessionToken is called once with the device's code (``--mfa-code``, ``$PROFILES_MFA_CODE``, or
asked on the terminal, ``/dev/tty``), and the session it returns is kept in the keyring and
printed until it is about to expire. Role profiles whose ``source_profile`` is this profile then
assume their roles with MFA-authenticated credentials: one code a session, for every role.

This is on the path of every AWS CLI call that uses the profile, so serving a kept session must
be quick: `serve_cached` does it without the CLI framework, the keyring library's backend
detection or botocore (`vault.fast_get`), and everything else goes the long way.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from awsprofiles import cmdline, model, store, vault
from awsprofiles.errors import BadInput, CheckFailed, MfaCodeNeeded, ProfilesError
from awsprofiles.model import Credentials
from awsprofiles.startup import MFA_CODE, NO_PROMPT

#: Default and allowed length of an MFA session (STS GetSessionToken for an IAM user).
DEFAULT_SESSION_SECONDS = 12 * 3600
MIN_SESSION_SECONDS, MAX_SESSION_SECONDS = 900, 129600
#: A kept session is served only while it has this long to live: botocore refreshes credentials
#: from a credential_process that have less (its mandatory refresh window).
SESSION_MARGIN_SECONDS = 10 * 60


def validate_session_duration(seconds: int) -> int:
    if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise BadInput(
            f"session duration {seconds} is out of range: STS GetSessionToken accepts "
            f"{MIN_SESSION_SECONDS} to {MAX_SESSION_SECONDS} s"
        )
    return seconds


def _credentials(keys: dict[str, str], region: str | None) -> Credentials:
    token = model.session_token_of(keys)
    return Credentials(keys[model.ACCESS_KEY_ID], keys[model.SECRET_ACCESS_KEY], token, None, region)


def _session_credentials(session: vault.Session, region: str | None) -> Credentials:
    return Credentials(
        session.access_key_id, session.secret_access_key, session.session_token, session.expiration, region
    )


def _mfa_required(name: str, serial: str, reason: str) -> MfaCodeNeeded:
    return MfaCodeNeeded(
        f"profile {name!r}: it needs a code of MFA device {serial} to start its session, and {reason}: "
        f"run 'profiles whoami {name}' in a terminal once (the session is kept in the keyring until "
        f"it expires), or 'profiles whoami {name} --mfa-code CODE'"
    )


def ask_mfa_code(name: str, serial: str, hours: float) -> str:
    """The code, asked on the terminal itself (stdout and stderr may belong to an SDK), hidden as
    it is typed."""
    from awsprofiles.aws.credentials import read_mfa_code

    if os.environ.get(NO_PROMPT):
        raise _mfa_required(name, serial, "'profiles check' never waits for one")
    terminal_in, terminal_out = ("CONIN$", "CONOUT$") if os.name == "nt" else ("/dev/tty", "/dev/tty")
    prompt = f"Enter MFA code for {serial} (profile {name!r}, a session of {hours:g} h): "
    try:
        with open(terminal_in) as reader, open(terminal_out, "w") as writer:
            return read_mfa_code(prompt, name, reader, writer)
    except OSError:
        raise _mfa_required(name, serial, "there is no terminal to ask for it") from None


def _read_key(paths: store.Paths, name: str) -> dict[str, str]:
    keys = vault.read_key(paths, name)
    if keys is None:
        item = vault.describe_item(vault.item_user(paths, name))
        raise CheckFailed(
            f"profile {name!r}: no key in the keyring (no {item}); "
            f"add it with 'profiles add-user {name} --keyring --force'",
            "no-credentials",
        )
    return keys


def keyring_key(paths: store.Paths, profile: model.Profile) -> Credentials:
    """What ``profile``'s keyring item holds, as it is: its access key, never an MFA session.

    For a console session (``profiles console``, which has read the files): the sign-in endpoint
    and STS GetFederationToken both refuse GetSessionToken's credentials, so the key itself is
    needed.
    """
    return _credentials(_read_key(paths, profile.name), profile.get("region"))


def keyring_credentials(
    paths: store.Paths,
    name: str,
    *,
    mfa_code: str | None = None,
    session_seconds: int = DEFAULT_SESSION_SECONDS,
    use_cache: bool = True,
) -> tuple[Credentials, list[str]]:
    """The credentials ``credential-process NAME --from-keyring`` prints, and warnings."""
    from awsprofiles.aws.credentials import validate_mfa_code

    model.validate_profile_name(name)
    validate_session_duration(session_seconds)
    mfa_code = mfa_code or os.environ.get(MFA_CODE) or None
    if mfa_code is not None:
        mfa_code = validate_mfa_code(mfa_code)
    profile = store.load(paths).require(name)
    region = profile.get("region")
    keys = _read_key(paths, name)
    serial = profile.get("mfa_serial")
    if serial is None or vault.temporary(keys):
        return _credentials(keys, region), []
    key_id = keys[model.ACCESS_KEY_ID]
    if use_cache:
        kept = vault.read_session(paths, name)
        if kept is not None and kept.usable(key_id, serial, SESSION_MARGIN_SECONDS):
            return _session_credentials(kept, region), []
    code = mfa_code or ask_mfa_code(name, serial, session_seconds / 3600)
    from awsprofiles.aws.credentials import session_token

    made = session_token(paths, name, keys, serial, code, session_seconds)
    session = vault.Session(
        made.access_key_id,
        made.secret_access_key,
        made.session_token or "",
        made.expiration or datetime.now(UTC),
        key_id,
        serial,
    )
    warnings = []
    if use_cache:
        try:
            vault.write_session(paths, name, session)
        except ProfilesError as error:
            warnings.append(f"the MFA session could not be kept in the keyring ({error.message})")
    return _session_credentials(session, region), warnings


# --------------------------------------------------------------------------- the fast path


#: What the keyring's fast path serves; any other option of the command goes to the CLI.
_FAST_PARAMS = {"name", "from_keyring", "session_duration", "mfa_code", "config_file", "credentials_file"}


def _fast_arguments(argv: list[str]) -> tuple[str, str | None, str | None] | None:
    """NAME, --config-file and --credentials-file of a plain ``credential-process NAME --from-keyring``;
    None for anything the full command must see, including every value it would refuse."""
    from awsprofiles.aws.credentials import validate_mfa_code

    plain = cmdline.read_plain(cmdline.FAST["credential-process"], argv)
    if plain is None or "from_keyring" not in plain.flags or not plain.given() <= _FAST_PARAMS:
        return None  # --help, --no-cache, no --from-keyring, anything the full command must see
    values = plain.values
    try:
        if "session_duration" in values:
            # Only needed to make a session (a kept one is served as it is), but checked as the
            # full command checks it.
            validate_session_duration(int(values["session_duration"]))
        if "mfa_code" in values:
            validate_mfa_code(values["mfa_code"])
    except (ValueError, ProfilesError):
        return None
    return values["name"], values.get("config_file"), values.get("credentials_file")


def serve_cached(argv: list[str]) -> int | None:
    """Serve ``credential-process NAME --from-keyring`` from the keyring without the CLI or botocore.

    Prints the credentials and returns 0 when the key (no MFA) or a kept MFA session can be served
    at once; returns None, having printed nothing, for anything else (a session to make, an error
    to explain), which the full command then does.
    """
    parsed = _fast_arguments(argv)
    if parsed is None:
        return None
    name, config_file, credentials_file = parsed
    try:
        model.validate_profile_name(name)
        paths = store.locate(config_file, credentials_file)
        snapshot = store.load(paths)
        profile = snapshot.profile(name)
        if profile is None or snapshot.warnings:
            return None  # the full command says what is wrong, or warns
        user = vault.item_user(paths, name)
        text = vault.fast_get(user)
        if text is None:
            return None
        keys = vault.decode_key(text, user)
        serial = profile.get("mfa_serial")
        region = profile.get("region")
        if serial is None or vault.temporary(keys):
            credentials = _credentials(keys, region)
        else:
            kept_text = vault.fast_get(vault.session_user(paths, name))
            kept = vault.Session.decode(kept_text) if kept_text else None
            if kept is None or not kept.usable(keys[model.ACCESS_KEY_ID], serial, SESSION_MARGIN_SECONDS):
                return None
            credentials = _session_credentials(kept, region)
    except ProfilesError:
        return None
    from awsprofiles.shells import credential_process_json

    sys.stdout.write(credential_process_json(credentials))
    sys.stdout.flush()
    return 0
